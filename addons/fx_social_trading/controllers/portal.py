"""Trader portal: the strategy leaderboard, strategy pages, follow / copy /
stop with confirmation, my subscriptions, fees and statements
(README, "Social trading portal")."""

import csv
import io
from urllib.parse import quote

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..lib import stats as lib_stats

LEADERBOARD_LIMIT = 50
SIZING_LABELS = {
    "proportional": "Proportional to Equity",
    "fixed_ratio": "Fixed Ratio",
    "fixed_lot": "Fixed Lot",
}


def _float(value, default=0.0):
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return None


def _equity_svg_points(curve, width=600, height=160):
    """The growth index as an SVG polyline's points."""
    if len(curve) < 2:
        return ""
    values = [v for _d, v in curve]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - (v - low) / span * height:.1f}"
        for i, v in enumerate(values)
    )


class SocialTradingPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "fx_copy_count" in counters:
            Sub = request.env["fx.copy.subscription"]
            values["fx_copy_count"] = (
                Sub.search_count([("partner_id", "=", request.env.user.partner_id.id)])
                if Sub.has_access("read")
                else 0
            )
        return values

    # ------------------------------------------------------------ helpers
    def _fx_strategy(self, strategy_id):
        """The strategy if the user may read it (record rules), for display."""
        strategy = request.env["fx.strategy.provider"].browse(strategy_id)
        try:
            strategy.check_access("read")
            strategy.exists().ensure_one()
        except (AccessError, MissingError, ValueError):
            raise request.not_found() from None
        return strategy

    def _fx_subscription(self, sub_id):
        sub = request.env["fx.copy.subscription"].browse(sub_id)
        try:
            sub.check_access("read")
            sub.exists().ensure_one()
        except (AccessError, MissingError, ValueError):
            raise request.not_found() from None
        if sub.partner_id != request.env.user.partner_id:
            raise request.not_found()
        return sub

    def _fx_my_accounts(self):
        # the trader's own live accounts; portal users cannot read trading
        # accounts, so read them as superuser, only the caller's
        return (
            request.env["fx.trading.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", request.env.user.partner_id.id),
                    ("status", "=", "active"),
                    ("account_type", "=", "live"),
                ]
            )
        )

    # ------------------------------------------------------------ leaderboard
    @http.route(["/my/strategies"], type="http", auth="user", website=True)
    def fx_leaderboard(self, risk=None, min_weeks=None, instrument=None, **kw):
        domain = [("is_listed", "=", True)]
        errors = []
        risk_max = _float(risk, None) if risk else None
        if risk and (risk_max is None or not 0 <= risk_max <= 10):
            errors.append(request.env._("Risk: a number from 0 to 10."))
        elif risk_max is not None:
            domain.append(("risk_score", "<=", risk_max))
        weeks = _float(min_weeks, None) if min_weeks else None
        if min_weeks and (weeks is None or weeks < 0):
            errors.append(request.env._("Minimum history: a number of weeks."))
        elif weeks is not None:
            domain.append(("stat_weeks", ">=", weeks))
        if instrument:
            # instruments are reference data portal users cannot read: only
            # the id of the one named is looked up
            found = (
                request.env["fx.instrument"]
                .sudo()
                .search([("name", "=", instrument.strip().upper()[:32])], limit=1)
            )
            domain.append(("instrument_ids", "in", found.ids))
        strategies = request.env["fx.strategy.provider"].search(
            domain, order="ranking_score desc, id", limit=LEADERBOARD_LIMIT
        )
        instruments = (
            request.env["fx.instrument"]
            .sudo()
            .search_fetch(
                [("id", "in", strategies.sudo().instrument_ids.ids)], ["name"]
            )
        )
        values = {
            "page_name": "fx_leaderboard",
            "strategies": strategies.sudo(),
            "errors": errors,
            "risk": risk or "",
            "min_weeks": min_weeks or "",
            "instrument": instrument or "",
            "instruments": instruments,
        }
        return request.render("fx_social_trading.portal_leaderboard", values)

    @http.route(
        ["/my/strategies/<int:strategy_id>"], type="http", auth="user", website=True
    )
    def fx_strategy_page(self, strategy_id, **kw):
        strategy = self._fx_strategy(strategy_id)
        partner = request.env.user.partner_id
        live = request.env["fx.copy.subscription"].search(
            [
                ("strategy_id", "=", strategy.id),
                ("partner_id", "=", partner.id),
                ("state", "in", ("active", "paused")),
            ]
        )
        review = request.env["fx.strategy.review"].search(
            [("strategy_id", "=", strategy.id), ("partner_id", "=", partner.id)]
        )
        strategy = strategy.sudo()  # display: the read access was checked above
        curve = strategy._fx_equity_curve()
        values = {
            "page_name": "fx_strategy",
            "strategy": strategy,
            "curve_points": _equity_svg_points(curve),
            "curve_first": curve[0][0] if curve else False,
            "curve_last": curve[-1][0] if curve else False,
            "following": live.filtered(lambda s: s.kind == "follow"),
            "copying": live.filtered(lambda s: s.kind == "copy"),
            "review": review,
            "reviews": strategy.review_ids[:20],
            "posts": strategy._fx_posts(),
            "risk_bands": lib_stats.RISK_BANDS,
            "accounts": self._fx_my_accounts(),
            "error": kw.get("error"),
            "message": kw.get("message"),
        }
        return request.render("fx_social_trading.portal_strategy", values)

    @http.route(
        ["/my/strategies/<int:strategy_id>/reproduce.csv"],
        type="http",
        auth="user",
        website=True,
    )
    def fx_reproduce(self, strategy_id, **kw):
        strategy = self._fx_strategy(strategy_id).sudo()
        buffer = io.StringIO()
        csv.writer(buffer).writerows(strategy._fx_reproduce_rows())
        return request.make_response(
            buffer.getvalue(),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                (
                    "Content-Disposition",
                    f'attachment; filename="strategy-{strategy.id}.csv"',
                ),
            ],
        )

    # ------------------------------------------------------------ follow / copy
    @http.route(
        ["/my/strategies/<int:strategy_id>/follow"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def fx_follow(self, strategy_id, **kw):
        strategy = self._fx_strategy(strategy_id)
        return self._fx_create_and_activate(strategy, {"kind": "follow"})

    @http.route(
        ["/my/strategies/<int:strategy_id>/copy"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def fx_copy(self, strategy_id, confirm=None, **kw):
        """First post: check the form and show the confirmation; second post
        (``confirm``): create and activate the copy."""
        strategy = self._fx_strategy(strategy_id)
        values, error = self._fx_copy_values(strategy, kw)
        if error:
            return request.redirect(
                f"/my/strategies/{strategy.id}?error=" + _quote(error)
            )
        if not confirm:
            return request.render(
                "fx_social_trading.portal_copy_confirm",
                {
                    "page_name": "fx_strategy",
                    "strategy": strategy.sudo(),
                    "account": request.env["fx.trading.account"]
                    .sudo()
                    .browse(values["account_id"]),
                    "form": values,
                    "sizing_label": SIZING_LABELS[values["sizing_mode"]],
                },
            )
        return self._fx_create_and_activate(strategy, values)

    def _fx_copy_values(self, strategy, form):
        env = request.env
        accounts = self._fx_my_accounts()
        try:
            account_id = int(form.get("account_id") or 0)
        except ValueError:
            account_id = 0
        if account_id not in accounts.ids:
            return None, env._("Choose one of your live accounts.")
        allocation = _float(form.get("allocation"))
        if allocation is None or allocation <= 0:
            return None, env._("Allocation: a positive amount.")
        mode = form.get("sizing_mode") or "proportional"
        if mode not in SIZING_LABELS:
            return None, env._("Sizing mode: proportional, fixed ratio or fixed lot.")
        ratio = _float(form.get("ratio"), 1.0)
        fixed_lot = _float(form.get("fixed_lot"))
        max_lot = _float(form.get("max_lot"))
        stop = _float(form.get("equity_stop_pct"))
        if (
            None in (ratio, fixed_lot, max_lot, stop)
            or ratio <= 0
            or fixed_lot < 0
            or max_lot < 0
        ):
            return None, env._("Ratio, lots and equity stop must be positive numbers.")
        if not 0 <= stop < 100:
            return None, env._("Equity stop: from 0 to 99 %.")
        return {
            "kind": "copy",
            "account_id": account_id,
            "allocation": allocation,
            "sizing_mode": mode,
            "ratio": ratio,
            "fixed_lot": fixed_lot,
            "max_lot": max_lot,
            "equity_stop_pct": stop,
        }, None

    def _fx_create_and_activate(self, strategy, values):
        partner = request.env.user.partner_id
        try:
            # portal users have no create right on subscriptions: the values
            # were checked above (own account, own partner, a strategy the
            # user may read); the model's constraints and activation checks
            # (published, minimum investment, compliance) still apply
            with request.env.cr.savepoint():
                sub = (
                    request.env["fx.copy.subscription"]
                    .sudo()
                    .create(
                        {**values, "partner_id": partner.id, "strategy_id": strategy.id}
                    )
                )
                sub.action_activate()
        except (UserError, ValidationError) as exc:
            return request.redirect(
                f"/my/strategies/{strategy.id}?error=" + _quote(str(exc.args[0]))
            )
        if values["kind"] == "follow":
            return request.redirect(f"/my/strategies/{strategy.id}?message=followed")
        return request.redirect(f"/my/copy/{sub.id}")

    # ------------------------------------------------------------ apply
    @http.route(
        ["/my/strategies/apply"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def fx_apply(self, **form):
        """A trader applies to offer a strategy; staff approve it."""
        accounts = self._fx_my_accounts()
        error = None
        if request.httprequest.method == "POST":
            values, error = self._fx_application_values(form, accounts)
            if not error:
                try:
                    # portal users cannot create strategies: the values were
                    # checked above (the caller's own contact and accounts); the
                    # model's constraints still apply
                    with request.env.cr.savepoint():
                        strategy = (
                            request.env["fx.strategy.provider"].sudo().create(values)
                        )
                        strategy.action_submit()
                    return request.redirect(
                        f"/my/strategies/{strategy.id}?message=applied"
                    )
                except (UserError, ValidationError) as exc:
                    error = str(exc.args[0])
        return request.render(
            "fx_social_trading.portal_apply",
            {
                "page_name": "fx_leaderboard",
                "accounts": accounts,
                "error": error,
                "form": form,
            },
        )

    def _fx_application_values(self, form, accounts):
        env = request.env
        name = (form.get("name") or "").strip()[:128]
        description = (form.get("description") or "").strip()[:5000]
        if not name or not description:
            return None, env._("Name and description are required.")
        try:
            account_id = int(form.get("account_id") or 0)
        except ValueError:
            account_id = 0
        if account_id not in accounts.ids:
            return None, env._("Choose one of your live accounts.")
        numbers = {}
        for key in (
            "performance_fee_pct",
            "management_fee_pct",
            "subscription_fee",
            "min_investment",
        ):
            numbers[key] = _float(form.get(key))
            if numbers[key] is None or numbers[key] < 0:
                return None, env._(
                    "Fees and minimum investment must be positive numbers."
                )
        if numbers["performance_fee_pct"] > 50 or numbers["management_fee_pct"] > 10:
            return None, env._(
                "The performance fee is at most 50% and the management fee at most "
                "10% a year."
            )
        partner = env.user.partner_id
        return {
            "name": name,
            "description": plaintext2html(description),
            "partner_id": partner.id,
            "user_id": partner.sudo().user_id.id,
            "company_id": accounts.browse(account_id).company_id.id,
            "account_ids": [(6, 0, [account_id])],
            **numbers,
        }, None

    # ------------------------------------------------------------ my copies
    @http.route(["/my/copy"], type="http", auth="user", website=True)
    def fx_my_subscriptions(self, **kw):
        partner = request.env.user.partner_id
        subs = request.env["fx.copy.subscription"].search(
            [("partner_id", "=", partner.id)]
        )
        investments = request.env["fx.pamm.investor"].search(
            [("partner_id", "=", partner.id)]
        )
        statements = request.env["fx.pamm.allocation"].search(
            [("partner_id", "=", partner.id)], limit=100
        )
        return request.render(
            "fx_social_trading.portal_my_subscriptions",
            {
                "page_name": "fx_copy",
                "subscriptions": subs.sudo(),
                "investments": investments.sudo(),
                "statements": statements.sudo(),
            },
        )

    @http.route(["/my/copy/<int:sub_id>"], type="http", auth="user", website=True)
    def fx_subscription_page(self, sub_id, **kw):
        sub = self._fx_subscription(sub_id)
        return request.render(
            "fx_social_trading.portal_subscription",
            {
                "page_name": "fx_copy",
                "sub": sub.sudo(),
                "orders": sub.order_ids.sudo()[:100],
                "fees": sub.fee_ids.sudo(),
                "history": sub.history_ids.sudo(),
            },
        )

    @http.route(
        ["/my/copy/<int:sub_id>/stop"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def fx_subscription_stop(self, sub_id, confirm=None, **kw):
        sub = self._fx_subscription(sub_id)
        if request.httprequest.method == "POST" and confirm:
            # the follower stops their own subscription (checked above)
            sub.sudo().action_stop()
            return request.redirect(f"/my/copy/{sub.id}")
        return request.render(
            "fx_social_trading.portal_stop_confirm",
            {"page_name": "fx_copy", "sub": sub.sudo()},
        )

    @http.route(["/my/copy/fees"], type="http", auth="user", website=True)
    def fx_my_fees(self, **kw):
        partner = request.env.user.partner_id
        Fee = request.env["fx.copy.fee"]
        fees = Fee.search([("partner_id", "=", partner.id)])
        # a provider's statement: the fees their followers paid, by strategy,
        # type and status (record rules: only the provider's own strategies)
        earned = Fee._read_group(
            [("provider_id", "=", partner.id)],
            ["strategy_id", "fee_type", "state"],
            ["amount:sum"],
        )
        labels = {
            "fee_type": dict(
                Fee._fields["fee_type"]._description_selection(request.env)
            ),
            "state": dict(Fee._fields["state"]._description_selection(request.env)),
        }
        return request.render(
            "fx_social_trading.portal_my_fees",
            {
                "page_name": "fx_fees",
                "fees": fees.sudo(),
                "earned": [
                    (
                        strategy.sudo().name,
                        labels["fee_type"][kind],
                        labels["state"][state],
                        total,
                    )
                    for strategy, kind, state, total in earned
                ],
            },
        )

    @http.route(
        ["/my/strategies/<int:strategy_id>/review"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def fx_review(self, strategy_id, rating=None, comment=None, **kw):
        strategy = self._fx_strategy(strategy_id)
        partner = request.env.user.partner_id
        Review = request.env["fx.strategy.review"]
        try:
            value = int(rating or 0)
        except ValueError:
            value = 0
        if not 1 <= value <= 5:
            return request.redirect(
                f"/my/strategies/{strategy.id}?error="
                + _quote(request.env._("Rating: from 1 to 5."))
            )
        review = Review.search(
            [("strategy_id", "=", strategy.id), ("partner_id", "=", partner.id)]
        )
        values = {"rating": value, "comment": (comment or "").strip()[:2000]}
        try:
            with request.env.cr.savepoint():
                if review:
                    review.write(values)
                else:
                    Review.create(
                        {**values, "strategy_id": strategy.id, "partner_id": partner.id}
                    )
        except (UserError, ValidationError) as exc:
            return request.redirect(
                f"/my/strategies/{strategy.id}?error=" + _quote(str(exc.args[0]))
            )
        return request.redirect(f"/my/strategies/{strategy.id}?message=reviewed")


def _quote(text):
    return quote(text[:300])
