from . import fx_campaign_report
from . import fx_kpi_message_conversion
