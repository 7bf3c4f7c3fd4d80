from . import fx_strategy_provider
