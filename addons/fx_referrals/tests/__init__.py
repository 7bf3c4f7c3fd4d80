from . import test_referral_codes
from . import test_campaign_trigger
