from . import test_referral_codes
from . import test_campaign_trigger
from . import test_registration_referrals
from . import test_lib
from . import test_stages
from . import test_fraud
from . import test_points
from . import test_rewards
