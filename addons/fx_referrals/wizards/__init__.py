from . import fx_referral_reject
from . import fx_ib_compute
