from . import fx_referral_cost_report
