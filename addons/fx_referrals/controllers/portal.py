"""The trader's referral pages on Odoo's portal (``/my/referrals``): what the
portal user reads goes through their own access rights (record rules keep
them to their own referrals, ledger, requests and statements); the few
values of their own contact that are staff fields are read for that contact
only."""

from urllib.parse import quote

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.fx_points_entry import ALL_TIME

BOARD_SIZE = 10


class FxReferralPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "fx_referral_count" in counters:
            values["fx_referral_count"] = request.env["fx.referral"].search_count(
                [("referee_id", "!=", False)]
            )
        return values

    def _fx_programme(self):
        return (
            request.env["fx.referral.programme"]
            .sudo()
            ._fx_default(request.env.user.company_id)
        )

    def _fx_boards(self, programme, partner):
        """This month's and the all-time leaderboards (names as each trader
        chose) with the viewer's own rank."""
        Total = request.env["fx.points.total"].sudo()  # public by design: ranks
        Partner = request.env["res.partner"]
        month = http.request.env.cr.now().strftime("%Y-%m")
        boards = []
        for period, label in ((month, "This Month"), (ALL_TIME, "All Time")):
            top, own = Total._fx_board(programme, period, BOARD_SIZE, partner)
            boards.append(
                {
                    "period": period,
                    "label": label,
                    "rows": [
                        dict(
                            row,
                            name=Partner.browse(row["partner_id"])._fx_board_label(),
                            me=row["partner_id"] == partner.id,
                        )
                        for row in top
                    ],
                    "own": own,
                }
            )
        return boards

    @http.route(["/my/referrals"], type="http", auth="user", website=True)
    def portal_my_referrals(self, **kw):
        env = request.env
        partner = env.user.partner_id
        me = partner.sudo()  # the viewer's own contact: its staff-only fields
        programme = self._fx_programme()
        link = me._fx_referral_url() if programme else False
        referrals = env["fx.referral"].search([("referee_id", "!=", False)])
        entries = env["fx.points.entry"].search([], limit=50)
        balance, vested = (
            env["fx.points.entry"]
            .sudo()
            ._fx_balances([partner.id])
            .get(partner.id, (0, 0))
        )
        # the viewer's own points about to expire (their ledger only)
        expiring, expiry_date = env["fx.points.entry"].sudo()._fx_expiring(partner)
        level, next_level, progress, score = env["fx.referral.level"]._fx_progress(
            partner
        )
        values = {
            "page_name": "fx_referrals",
            "partner": partner,
            "code": me.fx_referral_code,
            "link": link,
            "qr_url": f"/report/barcode/QR/{quote(link or '', safe='')}"
            "?width=200&height=200",
            "referrals": referrals,
            "stages": dict(
                env["fx.referral"]._fields["stage"]._description_selection(env)
            ),
            "entries": entries,
            "balance": balance,
            "vested": vested,
            "expiring": expiring,
            "expiry_date": expiry_date,
            "level": level,
            "next_level": next_level,
            "progress": progress,
            "score": score,
            "rules": programme.rule_ids if programme else [],
            "rewards": env["fx.reward"].search([]),
            "redemptions": env["fx.reward.redemption"].search([]),
            "contests": env["fx.contest"].search([("state", "!=", "draft")]),
            "boards": self._fx_boards(programme, partner) if programme else [],
            "board_name": me.fx_board_name,
            "pseudonym": me.fx_pseudonym,
            "statements": env["fx.ib.statement"].search([]),
            "message": kw.get("message"),
            "error": kw.get("error"),
        }
        return request.render("fx_referrals.portal_my_referrals", values)

    @http.route(
        ["/my/referrals/redeem"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_redeem(self, reward_id=None, **kw):
        reward = request.env["fx.reward"].browse(int(reward_id or 0)).exists()
        if not reward:  # the portal user may read it: rules applied
            return request.redirect("/my/referrals?error=unknown")
        try:
            request.env["fx.reward.redemption"]._fx_request(
                request.env.user.partner_id, reward
            )
        except UserError as exc:
            return request.redirect("/my/referrals?error=" + quote(str(exc)))
        return request.redirect("/my/referrals?message=requested#rewards")

    @http.route(
        ["/my/referrals/board"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_board_name(self, board_name=None, pseudonym=None, **kw):
        if board_name not in ("name", "pseudonym"):
            return request.redirect("/my/referrals?error=board")
        pseudonym = (pseudonym or "").strip()[:32]
        # the viewer's own contact, these two fields only
        request.env.user.partner_id.sudo().write(
            {"fx_board_name": board_name, "fx_pseudonym": pseudonym or False}
        )
        return request.redirect("/my/referrals?message=saved#contests")
