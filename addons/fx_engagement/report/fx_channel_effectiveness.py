from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.fx_feedback import CHANNELS
from .fx_channel_touch import TOUCH_KINDS

# a deposit within this many days after a message converts it
CONVERSION_DAYS = 7


class FxChannelEffectiveness(models.Model):
    """Channel effectiveness: each message sent to a trader (mass mailing,
    done activity, survey invitation) once per segment the trader was in at
    that moment (or once with no segment), with whether the trader engaged
    and deposited within CONVERSION_DAYS; the mean of the rates over a group
    is the group's rate (docs/METRICS.md#channel-effectiveness)."""

    _name = "fx.channel.effectiveness"
    _description = "Channel Effectiveness"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "channel"

    touch_id = fields.Many2one("fx.channel.touch", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    segment_id = fields.Many2one("fx.segment", readonly=True)
    date = fields.Datetime(readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    kind = fields.Selection(TOUCH_KINDS, readonly=True)
    utm_campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    engaged_rate = fields.Float(
        string="Engagement Rate (%)", readonly=True, aggregator="avg"
    )
    conversion_rate = fields.Float(
        string="Conversion Rate (%)", readonly=True, aggregator="avg"
    )
    converted = fields.Integer(string="Conversions", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT row_number() OVER (ORDER BY t.id, s.segment_id) AS id,
                       t.id AS touch_id, t.partner_id, t.user_id, t.team_id,
                       t.company_id, s.segment_id, t.date, t.channel, t.kind,
                       t.utm_campaign_id, t.engaged_rate,
                       CASE WHEN c.converted THEN 100.0 ELSE 0.0 END
                           AS conversion_rate,
                       c.converted::int AS converted
                  FROM fx_channel_touch t
                  LEFT JOIN LATERAL (
                      SELECT m.segment_id FROM fx_segment_membership m
                       WHERE m.partner_id = t.partner_id AND m.date_entered <= t.date
                         AND (m.date_left IS NULL OR m.date_left > t.date)
                      UNION ALL
                      SELECT NULL WHERE NOT EXISTS (
                          SELECT 1 FROM fx_segment_membership m
                           WHERE m.partner_id = t.partner_id
                             AND m.date_entered <= t.date
                             AND (m.date_left IS NULL OR m.date_left > t.date))
                  ) s ON true
                  CROSS JOIN LATERAL (
                      SELECT EXISTS (
                          SELECT 1 FROM fx_funding f
                            JOIN fx_trading_account a ON a.id = f.account_id
                           WHERE f.partner_id = t.partner_id AND f.kind = 'deposit'
                             AND a.account_type = 'live'
                             AND f.date > t.date
                             AND f.date <= t.date + %(days)s * interval '1 day'
                      ) AS converted
                  ) c
                 WHERE t.direction = 'out'
                   AND t.kind IN ('mailing', 'activity', 'survey')
                   AND (t.kind <> 'mailing' OR t.delivered = 1)
                )
                """,
                table=SQL.identifier(self._table),
                days=CONVERSION_DAYS,
            )
        )
