from . import rpc
from . import compliance_export
