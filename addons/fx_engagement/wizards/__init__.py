from . import fx_segment_overlap
from . import base_partner_merge_automatic_wizard
