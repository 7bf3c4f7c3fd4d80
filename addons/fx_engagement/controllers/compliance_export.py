import tempfile
from datetime import date

from werkzeug.exceptions import BadRequest, Forbidden
from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.http import request

from ..models.res_partner_compliance import FX_COMPLIANCE

# the export is spooled in memory up to this size, then to a temporary file
SPOOL_BYTES = 8 * 1024 * 1024


class ComplianceExport(http.Controller):
    @http.route(
        "/fx_engagement/compliance/audit.csv", type="http", auth="user", methods=["GET"]
    )
    def audit_csv(
        self, date_from=None, date_to=None, partner_id=None, campaign_id=None
    ):
        """The compliance audit trail as CSV (compliance officers), filtered by
        period (``date_from`` / ``date_to``, YYYY-MM-DD, inclusive), client
        and campaign; PostgreSQL writes it (COPY), the server streams it."""
        env = request.env
        if not env.user.has_group(FX_COMPLIANCE):
            raise Forbidden(
                env._("Only compliance officers may export the audit trail.")
            )
        filters = {}
        try:
            if date_from:
                filters["date_from"] = date.fromisoformat(date_from)
            if date_to:
                filters["date_to"] = date.fromisoformat(date_to)
            if partner_id:
                filters["partner_id"] = int(partner_id)
            if campaign_id:
                filters["campaign_id"] = int(campaign_id)
        except ValueError as exc:
            raise BadRequest(
                env._("Invalid export filter: %s (dates are YYYY-MM-DD).", exc)
            ) from None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")
        env["fx.compliance.audit"]._fx_export_csv(filters, spool)
        size = spool.tell()
        spool.seek(0)
        name = f"compliance_audit_{date.today().isoformat()}.csv"
        return request.make_response(
            wrap_file(request.httprequest.environ, spool),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Length", str(size)),
                ("Content-Disposition", f'attachment; filename="{name}"'),
            ],
        )
