from . import test_lib
from . import test_strategy_provider
from . import test_copy_engine
from . import test_statistics
from . import test_fees
from . import test_pamm
from . import test_portal
