from odoo import fields, models, tools
from odoo.tools import SQL


class FxCampaignReport(models.Model):
    """Campaign analysis: one row per participant, per step outcome and per bonus,
    so that a pivot by campaign, step and variant shows the whole funnel."""

    _name = "fx.campaign.report"
    _description = "Campaign Analysis"
    _auto = False
    _order = "date desc"

    campaign_id = fields.Many2one("fx.campaign", readonly=True)
    step_id = fields.Many2one("fx.campaign.step", readonly=True)
    variant_id = fields.Many2one("fx.campaign.variant", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    date = fields.Datetime(readonly=True)
    is_test = fields.Boolean(readonly=True)
    is_holdout = fields.Boolean(string="Holdout", readonly=True)
    participants = fields.Integer(string="Audience", readonly=True)
    sent = fields.Integer(readonly=True)
    delivered = fields.Integer(readonly=True)
    opened = fields.Integer(readonly=True)
    clicked = fields.Integer(readonly=True)
    replied = fields.Integer(readonly=True)
    bounced = fields.Integer(readonly=True)
    unsubscribed = fields.Integer(readonly=True)
    capped = fields.Integer(readonly=True)
    blocked = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True)
    converted = fields.Integer(string="Conversions", readonly=True)
    revenue = fields.Float(string="Attributed Deposits", readonly=True)
    bonus_cost = fields.Float(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT row_number() OVER () AS id, u.* FROM (
                    SELECT cp.campaign_id, NULL::int AS step_id,
                           cp.variant_id, cp.partner_id, cp.enrolled_date AS date,
                           cp.is_test, cp.is_holdout, 1 AS participants,
                           0 AS sent, 0 AS delivered, 0 AS opened, 0 AS clicked,
                           0 AS replied, 0 AS bounced, 0 AS unsubscribed, 0 AS capped,
                           0 AS blocked, 0 AS failed,
                           coalesce(cp.converted, false)::int AS converted,
                           coalesce(cp.revenue, 0) AS revenue, 0 AS bonus_cost
                      FROM fx_campaign_participant cp
                    UNION ALL
                    SELECT l.campaign_id, l.step_id, l.variant_id, l.partner_id, l.date,
                           l.is_test, false, 0,
                           (l.result = 'sent')::int,
                           coalesce(t.trace_status IN ('sent', 'open', 'reply'),
                                    false)::int,
                           (t.open_datetime IS NOT NULL)::int,
                           (t.links_click_datetime IS NOT NULL)::int,
                           (t.reply_datetime IS NOT NULL)::int,
                           coalesce(t.trace_status = 'bounce', false)::int,
                           (EXISTS (SELECT 1 FROM mail_blacklist b
                                      JOIN res_partner p ON p.id = l.partner_id
                                     WHERE b.email = p.email_normalized AND b.active
                                       AND b.create_date >= l.date))::int,
                           (l.result = 'capped')::int,
                           (l.result = 'blocked')::int,
                           (l.result = 'failed')::int,
                           0, 0, 0
                      FROM fx_campaign_log l
                      LEFT JOIN LATERAL (
                           SELECT * FROM mailing_trace tr
                            WHERE l.result = 'sent'
                              AND tr.mass_mailing_id = l.mailing_id
                              AND tr.model = 'res.partner' AND tr.res_id = l.partner_id
                            ORDER BY tr.id DESC LIMIT 1) t ON true
                     WHERE l.result IN ('sent', 'capped', 'blocked', 'failed')
                    UNION ALL
                    SELECT o.campaign_id, o.step_id, NULL, o.partner_id, o.create_date,
                           o.is_test, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                           coalesce(o.amount, 0)
                      FROM fx_bonus_offer o WHERE o.campaign_id IS NOT NULL
                    ) u
                )
                """,
                SQL.identifier(self._table),
            )
        )

    def _fx_variant_stats(self, campaign):
        """{variant id: {"n", "successes", "sum_squares"}} over the participants
        in the A/B test, by the campaign's winner metric."""
        metric = campaign.ab_metric
        if metric in ("open", "click", "reply"):
            column = {
                "open": "open_datetime",
                "click": "links_click_datetime",
                "reply": "reply_datetime",
            }[metric]
            # the variant's mailing, or its copy for the participant's market
            # event (market-event campaigns send one copy per event)
            success = SQL(
                "EXISTS (SELECT 1 FROM mailing_trace t "
                "JOIN mailing_mailing m ON m.id = t.mass_mailing_id "
                "JOIN fx_campaign_variant v "
                "ON v.mailing_id IN (m.id, m.fx_source_mailing_id) "
                "WHERE v.id = cp.variant_id "
                "AND t.model = 'res.partner' AND t.res_id = cp.partner_id "
                "AND t.%s IS NOT NULL)::int",
                SQL.identifier(column),
            )
        elif metric == "first_trade":
            success = SQL(
                "EXISTS (SELECT 1 FROM fx_trade t WHERE t.partner_id = cp.partner_id "
                "AND t.open_time >= cp.enrolled_date AND t.open_time <= "
                "cp.enrolled_date + make_interval(days => %s))::int",
                campaign.goal_days,
            )
        else:
            amount = SQL(
                "(SELECT coalesce(sum(f.amount_company), 0) FROM fx_funding f "
                "WHERE f.partner_id = cp.partner_id AND f.kind = 'deposit' "
                "AND f.date >= cp.enrolled_date AND f.date <= "
                "cp.enrolled_date + make_interval(days => %s))",
                campaign.goal_days,
            )
            success = (
                amount if metric == "deposit_amount" else SQL("(%s > 0)::int", amount)
            )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT variant_id, count(*), sum(s), sum(s * s) FROM (
                    SELECT cp.variant_id, (%s)::float AS s
                      FROM fx_campaign_participant cp
                     WHERE cp.campaign_id = %s AND cp.in_ab_test
                       AND cp.variant_id IS NOT NULL AND NOT cp.is_test
                ) x GROUP BY variant_id
                """,
                success,
                campaign.id,
            )
        )
        return {
            variant_id: {
                "n": n,
                "successes": total or 0.0,
                "sum_squares": squares or 0.0,
            }
            for variant_id, n, total, squares in rows
        }
