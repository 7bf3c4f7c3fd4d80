from . import test_strategy_provider
