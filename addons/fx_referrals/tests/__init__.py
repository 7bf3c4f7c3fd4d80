from . import test_referral_codes
