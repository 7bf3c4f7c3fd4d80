from . import test_lib
from . import test_strategy_provider
