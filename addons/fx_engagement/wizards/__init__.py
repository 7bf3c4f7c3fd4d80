from . import fx_segment_overlap
