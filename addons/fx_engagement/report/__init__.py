from . import fx_campaign_report
from . import fx_market_event_report
