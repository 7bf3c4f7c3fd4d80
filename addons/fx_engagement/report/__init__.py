from . import fx_campaign_report
