"""Trader KPIs (docs/METRICS.md#trader-kpis): facts of one trader declared with
``fx_fact=`` (refreshed with the other facts), and the scores relative to the
whole book (RFM quintiles, high value, the churn alert), written by the nightly
KPI run (``_fx_kpi_score``)."""

import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..facts import Fact, Source
from ..lib.kpi import DEFAULT_WEIGHTS, FACTORS, RFM_SEGMENTS, rfm_segment_table
from .res_partner import FX_READ

# written by the nightly KPI run only
KPI_SYSTEM_FIELDS = frozenset(
    """fx_deposit_count fx_deposit_count_90d fx_rfm_frequency fx_recency_days
    fx_tenure_days fx_is_repeat_depositor fx_last_engagement_date fx_rfm_r fx_rfm_f
    fx_rfm_m fx_rfm_cell fx_rfm_segment fx_is_high_value
    fx_churn_alert_date""".split()
)
# settings: (system parameter, default, smallest value, largest value)
KPI_SETTINGS = {
    "churn_threshold": ("fx_engagement.churn_alert_threshold", 60, 1, 100),
    "conversion_days": ("fx_engagement.conversion_days", 7, 1, 365),
    "engagement_days": ("fx_engagement.engagement_days", 30, 1, 365),
    "high_value_percent": ("fx_engagement.high_value_percent", 10, 1, 100),
    "backtest_days": ("fx_engagement.backtest_days", 30, 1, 365),
    "inactivity_days": ("fx_engagement.inactivity_rule_days", 30, 1, 365),
    "keep_days": ("fx_engagement.snapshot_keep_days", 400, 30, 3660),
}
WEIGHTS_PARAM = "fx_engagement.churn_weights"


def _days_since(now, then):
    """Whole days from ``then`` to ``now`` (floor), None without a date."""
    return int((now - then).total_seconds() // 86400) if then else None


def _fact_recency(row, context):
    last = max(
        (d for d in (row["fx_last_trade_date"], row["fx_last_deposit_date"]) if d),
        default=None,
    )
    return _days_since(context["now"], last)


def _fact_last_engagement(row, _context):
    dates = (
        row["fx_last_trade_date"],
        row["fx_last_deposit_date"],
        row["fx_last_login_date"],
        row["last_click_reply"],
        row["last_survey_answer"],
    )
    return max((d for d in dates if d), default=None)


# kept apart from res_partner.py (the KPIs of issue #11, built alongside other
# work on that file)
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    fx_deposit_count = fields.Integer(
        string="Deposits (count)",
        groups=FX_READ,
        fx_fact=Fact("fund", "count(*) FILTER (WHERE kind = 'deposit')", 0),
    )
    fx_deposit_count_90d = fields.Integer(
        string="Deposits (count, 90 days)",
        groups=FX_READ,
        fx_fact=Fact(
            "fund", "count(*) FILTER (WHERE kind = 'deposit' AND f.date >= %(d90)s)", 0
        ),
    )
    fx_rfm_frequency = fields.Integer(
        string="RFM Frequency",
        help="Trades plus deposits of the last 90 days.",
        groups=FX_READ,
        fx_fact=Fact(
            compute=lambda r, c: r["fx_trade_count_90d"] + r["fx_deposit_count_90d"]
        ),
    )
    fx_recency_days = fields.Integer(
        string="RFM Recency (days)",
        help="Whole days since the last trade or deposit, at the last facts refresh.",
        groups=FX_READ,
        fx_fact=Fact(compute=_fact_recency),
    )
    fx_tenure_days = fields.Integer(
        string="Tenure (days)",
        help="Whole days since the first deposit, at the last facts refresh.",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda r, c: _days_since(c["now"], r["fx_ftd_date"]) or 0),
    )
    fx_is_repeat_depositor = fields.Boolean(
        string="Repeat Depositor",
        help="Made two deposits or more.",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda r, c: r["fx_deposit_count"] >= 2),
    )
    fx_last_engagement_date = fields.Datetime(
        string="Last Engagement",
        help="Latest trade, deposit, login, mailing click or reply, or survey answer.",
        groups=FX_READ,
        fx_fact=Fact(compute=_fact_last_engagement),
    )
    fx_rfm_r = fields.Integer(string="R Score", groups=FX_READ)
    fx_rfm_f = fields.Integer(string="F Score", groups=FX_READ)
    fx_rfm_m = fields.Integer(string="M Score", groups=FX_READ)
    fx_rfm_cell = fields.Char(
        string="RFM Cell",
        help="R, F and M scores (1-5, quintiles over funded traders), e.g. 555.",
        groups=FX_READ,
    )
    fx_rfm_segment = fields.Selection(
        RFM_SEGMENTS, string="RFM Segment", index=True, groups=FX_READ
    )
    fx_is_high_value = fields.Boolean(
        string="High Value",
        help="In the top decile (a setting) of funded traders by lifetime value.",
        groups=FX_READ,
    )
    fx_churn_alert_date = fields.Datetime(
        string="Churn Alert Since",
        help="When the churn risk crossed the alert threshold (a retention "
        "activity was scheduled then); cleared when it falls below.",
        groups=FX_READ,
    )

    def _fx_scores(self):
        return super()._fx_scores() | KPI_SYSTEM_FIELDS

    def _fx_check_write_access(self, fnames):
        if not self.env.su and set(fnames) & KPI_SYSTEM_FIELDS:
            raise AccessError(
                self.env._(
                    "You may not change %(fields)s: KPIs are computed by the system.",
                    fields=", ".join(
                        self._fields[name].string
                        for name in sorted(set(fnames) & KPI_SYSTEM_FIELDS)
                    ),
                )
            )
        return super()._fx_check_write_access(fnames)

    # ------------------------------------------------------------------ facts
    @api.model
    def _fx_fact_sources(self):
        sources = super()._fx_fact_sources()
        sources["mt"] = Source(
            "SELECT res_id AS partner_id",
            "FROM mailing_trace WHERE model = 'res.partner' "
            "AND res_id = ANY(%(ids)s) GROUP BY res_id",
        )
        if "survey.user_input" in self.env:
            sources["sv"] = Source(
                "SELECT partner_id",
                "FROM survey_user_input WHERE partner_id = ANY(%(ids)s) "
                "AND state = 'done' GROUP BY partner_id",
            )
        else:  # no survey: no answer (one row that joins no trader)
            sources["sv"] = Source(
                "SELECT NULL::int4 AS partner_id",
                "FROM (SELECT NULL::timestamp AS end_datetime) s WHERE false",
            )
        return sources

    @api.model
    def _fx_facts(self):
        in_sql, derived = super()._fx_facts()
        in_sql["last_click_reply"] = Fact(
            "mt", "max(greatest(links_click_datetime, reply_datetime))"
        )
        in_sql["last_survey_answer"] = Fact("sv", "max(end_datetime)")
        return in_sql, derived

    # --------------------------------------------------------------- settings
    @api.model
    def _fx_kpi_settings(self):
        """The KPI settings (docs/METRICS.md#settings), checked: a value out of
        range names its parameter."""
        get = self.env["ir.config_parameter"].sudo().get_param
        values = {}
        for key, (param, default, low, high) in KPI_SETTINGS.items():
            raw = get(param)
            try:
                value = int(raw) if raw not in (None, False, "") else default
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                raise ValidationError(
                    self.env._(
                        "System parameter %(param)s must be a whole number from "
                        "%(low)s to %(high)s, not %(value)r.",
                        param=param,
                        low=low,
                        high=high,
                        value=raw,
                    )
                )
            values[key] = value
        return values

    @api.model
    def _fx_churn_weights(self):
        """{factor: multiplier} applied to the churn factors; None while no
        tuning was applied (every weight 1)."""
        raw = self.env["ir.config_parameter"].sudo().get_param(WEIGHTS_PARAM)
        if not raw:
            return None
        weights = _parse_weights(raw)
        if weights is None:
            raise ValidationError(
                self.env._(
                    "System parameter %(param)s must map each churn factor (%(f)s) "
                    "to a number from 0 to 10, not %(value)r.",
                    param=WEIGHTS_PARAM,
                    f=", ".join(FACTORS),
                    value=raw,
                )
            )
        return None if weights == DEFAULT_WEIGHTS else weights

    # ----------------------------------------------------------- book scores
    @api.model
    def _fx_kpi_score(self, now, settings):
        """RFM scores and segment, high-value flag, over all funded traders
        (active contacts), in one statement; the other contacts lose theirs.
        Returns the number of funded traders."""
        table = rfm_segment_table()
        [(funded,)] = self.env.execute_query(
            SQL(
                """
                WITH u AS (
                    SELECT id, fx_recency_days AS rec, fx_rfm_frequency AS fr,
                           fx_net_deposits_90d AS mo, fx_ltv AS ltv
                      FROM res_partner WHERE fx_is_funded AND active
                ), n AS (SELECT count(*)::numeric AS n FROM u),
                s AS (
                    SELECT u.id,
                           1 + floor(5 * (rank() OVER (ORDER BY u.rec DESC NULLS
                               FIRST) - 1) / n.n)::int AS r,
                           1 + floor(5 * (rank() OVER (ORDER BY u.fr) - 1)
                               / n.n)::int AS f,
                           1 + floor(5 * (rank() OVER (ORDER BY u.mo) - 1)
                               / n.n)::int AS m,
                           (u.ltv > 0 AND rank() OVER (ORDER BY u.ltv DESC)
                               <= ceil(n.n * %(pct)s / 100)) AS hv
                      FROM u, n
                ), upd AS (
                    UPDATE res_partner p
                       SET fx_rfm_r = s.r, fx_rfm_f = s.f, fx_rfm_m = s.m,
                           fx_rfm_cell = s.r::text || s.f::text || s.m::text,
                           fx_rfm_segment = (%(table)s::varchar[])[
                               (s.r - 1) * 25 + (s.f - 1) * 5 + s.m],
                           fx_is_high_value = s.hv
                      FROM s
                     WHERE p.id = s.id
                       AND (p.fx_rfm_r, p.fx_rfm_f, p.fx_rfm_m, p.fx_is_high_value)
                           IS DISTINCT FROM (s.r, s.f, s.m, s.hv)
                )
                SELECT count(*) FROM u
                """,
                pct=settings["high_value_percent"],
                table=table,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET fx_rfm_r = NULL, fx_rfm_f = NULL, fx_rfm_m = NULL,
                       fx_rfm_cell = NULL, fx_rfm_segment = NULL,
                       fx_is_high_value = false
                 WHERE (fx_rfm_r IS NOT NULL OR fx_is_high_value)
                   AND NOT (fx_is_funded AND active)
                """
            )
        )
        self.invalidate_model(
            [
                "fx_rfm_r",
                "fx_rfm_f",
                "fx_rfm_m",
                "fx_rfm_cell",
                "fx_rfm_segment",
                "fx_is_high_value",
            ]
        )
        return funded

    @api.model
    def _fx_churn_alerts(self, now, settings):
        """Arm and re-arm the churn alert (docs/METRICS.md#churn-alert): a
        trader whose risk is at or above the threshold and who has no alert gets
        one (its date), one retention activity and the campaign event
        ``churn_risk_crossed``; a trader below the threshold loses the alert.
        Returns the traders who crossed."""
        threshold = settings["churn_threshold"]
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET fx_churn_alert_date = NULL "
                "WHERE fx_churn_alert_date IS NOT NULL AND fx_churn_risk < %s",
                threshold,
            )
        )
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE res_partner SET fx_churn_alert_date = %s
                 WHERE fx_churn_alert_date IS NULL AND fx_churn_risk >= %s
                   AND fx_is_trader AND active
                RETURNING id
                """,
                now,
                threshold,
            )
        )
        self.invalidate_model(["fx_churn_alert_date"])
        crossed = self.browse(sorted(r[0] for r in rows))
        if crossed:
            crossed._fx_schedule_retention()
            self.env["fx.campaign"]._fx_trigger_event("churn_risk_crossed", crossed.ids)
        return crossed

    def _fx_schedule_retention(self):
        """One retention activity per trader, for the salesperson, else the
        team leader, else the user running the alerts."""
        activity_type = self.env.ref("fx_engagement.mail_activity_type_fx_retention")
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        # sudo: the system schedules the activity for another user (the
        # salesperson); the traders are the ones the alert run selected
        partners = self.sudo()
        # no e-mail per activity (mail_activity_quick_update): a night's alerts
        # would mail each salesperson once per trader; the activities show in
        # their activity menu and on the traders
        activities = self.env["mail.activity"].sudo()
        activities.with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._(
                        "Churn risk %s: retention call", partner.fx_churn_risk
                    ),
                    "date_deadline": today,
                    "user_id": (
                        partner.user_id or partner.team_id.user_id or self.env.user
                    ).id,
                }
                for partner in partners
            ]
        )


def _parse_weights(raw):
    """{factor: float} from the JSON of the weights parameter, None if bad."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != set(FACTORS):
        return None
    weights = {}
    for code in FACTORS:
        value = data[code]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not 0 <= value <= 10:
            return None
        weights[code] = float(value)
    return weights
