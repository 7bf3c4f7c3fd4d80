from . import res_partner
from . import fx_campaign
