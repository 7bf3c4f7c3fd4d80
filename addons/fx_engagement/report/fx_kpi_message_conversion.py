from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.fx_campaign_step import ACTIONS


class FxKpiMessageConversion(models.Model):
    """Conversion after a message (docs/METRICS.md#conversion-after-a-message):
    one row per campaign message sent (e-mail or SMS step, not a test), with
    whether the trader deposited, made a first trade or redeposited within N
    days (setting *Conversion Window*, read when the report is read)."""

    _name = "fx.kpi.message.conversion"
    _description = "Conversion After a Message"
    _auto = False
    _order = "date desc"

    date = fields.Datetime(string="Sent On", readonly=True)
    campaign_id = fields.Many2one("fx.campaign", readonly=True)
    step_id = fields.Many2one("fx.campaign.step", readonly=True)
    channel = fields.Selection(ACTIONS, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    messages = fields.Integer(readonly=True)
    deposit = fields.Integer(string="Deposited", readonly=True)
    first_trade = fields.Integer(readonly=True)
    redeposit = fields.Integer(string="Redeposited", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    WITH n AS (
                        SELECT make_interval(days => coalesce((
                            SELECT value FROM ir_config_parameter
                             WHERE key = 'fx_engagement.conversion_days'
                               AND value ~ '^[0-9]{1,3}$'), '7')::int) AS window
                    )
                    SELECT l.id, l.date, l.campaign_id, l.step_id,
                           st.action_type AS channel, l.partner_id, p.user_id,
                           p.team_id, 1 AS messages,
                           EXISTS (SELECT 1 FROM fx_funding f
                                    WHERE f.partner_id = l.partner_id
                                      AND f.kind = 'deposit'
                                      AND f.date >= l.date
                                      AND f.date <= l.date + n.window)::int
                               AS deposit,
                           (EXISTS (SELECT 1 FROM fx_trade t
                                     WHERE t.partner_id = l.partner_id
                                       AND t.open_time >= l.date
                                       AND t.open_time <= l.date + n.window)
                            AND NOT EXISTS (SELECT 1 FROM fx_trade t
                                     WHERE t.partner_id = l.partner_id
                                       AND t.open_time < l.date))::int
                               AS first_trade,
                           (EXISTS (SELECT 1 FROM fx_funding f
                                     WHERE f.partner_id = l.partner_id
                                       AND f.kind = 'deposit'
                                       AND f.date >= l.date
                                       AND f.date <= l.date + n.window)
                            AND EXISTS (SELECT 1 FROM fx_funding f
                                     WHERE f.partner_id = l.partner_id
                                       AND f.kind = 'deposit'
                                       AND f.date < l.date))::int
                               AS redeposit
                      FROM fx_campaign_log l
                      JOIN fx_campaign_step st ON st.id = l.step_id
                      JOIN res_partner p ON p.id = l.partner_id
                      CROSS JOIN n
                     WHERE l.result = 'sent' AND NOT coalesce(l.is_test, false)
                       AND st.action_type IN ('email', 'sms')
                )
                """,
                SQL.identifier(self._table),
            )
        )
