from . import res_partner
from . import fx_campaign
from . import fx_client_event
from . import fx_sync
