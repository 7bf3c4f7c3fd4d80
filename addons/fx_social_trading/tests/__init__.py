from . import test_lib
from . import test_strategy_provider
from . import test_copy_engine
