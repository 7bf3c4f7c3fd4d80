from . import fx_referral_reject
