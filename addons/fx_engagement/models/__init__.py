from . import fx_instrument, fx_strategy, res_partner
