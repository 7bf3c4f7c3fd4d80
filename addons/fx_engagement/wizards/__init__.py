from . import fx_segment_overlap
from . import fx_compliance_audit_export
