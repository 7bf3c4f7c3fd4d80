from . import test_lib
from . import test_trader_profile
from . import test_sync_api
from . import test_lifecycle
from . import test_segment
from . import test_campaign
from . import test_rpc_decode
from . import test_fact_constraints
