from odoo import http
from odoo.http import request

from odoo.addons.link_tracker.controller.main import LinkTracker

COOKIE_AGE = 30 * 24 * 3600


class FxReferralLink(LinkTracker):
    @http.route()
    def full_url_redirect(self, code, **post):
        """A trader's referral link ``/r/<code>``: Odoo's link tracker counts
        the click, a referral in stage *clicked* records it, the code and the
        click's token go in cookies, and the visitor lands on the registration
        page with them. Other codes are Odoo's own short links."""
        referrer = (
            request.env["res.partner"]
            .sudo()  # a public visitor resolves a code: nothing else is read
            .search([("fx_referral_code", "=", code.strip().upper())], limit=1)
            if code and len(code) <= 32
            else None
        )
        if not referrer:
            return super().full_url_redirect(code, **post)
        token = False
        if not request.env["ir.http"].is_a_bot():
            referrer._fx_link_tracker()
            request.env["link.tracker.click"].sudo().add_click(
                referrer.fx_referral_code,
                ip=request.httprequest.remote_addr,
                country_code=request.geoip.country_code,
            )
            click = request.env["fx.referral"]._fx_record_click(
                referrer,
                ip=request.httprequest.remote_addr,
                user_agent=request.httprequest.user_agent.string,
            )
            token = click.token
        response = request.redirect(
            referrer._fx_registration_target(token), code=302, local=False
        )
        response.set_cookie(
            "fx_ref", referrer.fx_referral_code, max_age=COOKIE_AGE, httponly=True
        )
        if token:
            response.set_cookie(
                "fx_ref_token", token, max_age=COOKIE_AGE, httponly=True
            )
        return response
