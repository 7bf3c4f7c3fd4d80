"""Faster XML-RPC decoding for the sync API's calls.

Trading bridges push batches of up to 10,000 records to ``fx.sync`` over
XML-RPC; Odoo's standard decoder (``xmlrpc.client.loads``) spends more CPU on such
a call than the push itself. For calls to ``fx.sync`` only, the request is
decoded by :mod:`..lib.rpc_decode` (lxml, same result); anything it does not
handle, and every other call, goes through Odoo's own ``_xmlrpc`` unchanged.
"""

import logging
from xml.parsers.expat import ExpatError

from odoo.exceptions import ValidationError
from odoo.http import dispatch_rpc, request

from odoo.addons.base.controllers.rpc import RPC, _check_request, dumps

from ..lib import rpc_decode

_logger = logging.getLogger(__name__)

SYNC_MODEL = b">fx.sync<"  # the model argument of execute_kw, near the start
PEEK = 4096


class FxRPC(RPC):
    def _xmlrpc(self, service):
        data = request.httprequest.get_data()  # kept by werkzeug for super()
        if service == "object" and SYNC_MODEL in data[:PEEK]:
            try:
                params, method = rpc_decode.loads(data)
            except rpc_decode.Unsupported as exc:
                _logger.debug("standard XML-RPC decoding of a sync call: %s", exc)
            else:
                _check_request()
                return dumps((dispatch_rpc(service, method, params),))
            try:
                return super()._xmlrpc(service)
            except ExpatError as exc:
                # e.g. a NUL character, which XML 1.0 cannot carry: the API's
                # error instead of the parser's traceback
                raise ValidationError(
                    request.env._(
                        "The request is not well-formed XML (%(error)s); nothing "
                        "was written. XML-RPC cannot carry control characters such "
                        "as NUL: remove them from the records.",
                        error=exc,
                    )
                ) from None
        return super()._xmlrpc(service)
