from . import test_trader_profile
