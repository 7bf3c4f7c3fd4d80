from . import fx_segment_overlap
from . import fx_compliance_audit_export
from . import base_partner_merge_automatic_wizard
from . import fx_churn_backtest
