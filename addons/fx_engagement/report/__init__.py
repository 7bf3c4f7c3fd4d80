from . import fx_campaign_report
from . import fx_market_event_report
from . import fx_channel_touch
from . import fx_channel_effectiveness
from . import fx_feedback_analysis
from . import fx_kpi_message_conversion
