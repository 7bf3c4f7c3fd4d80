from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.fx_feedback import CHANNELS

TOUCH_KINDS = [
    ("mailing", "Mass mailing"),
    ("click", "Link click"),
    ("message", "Message"),
    ("activity", "Activity done"),
    ("planned", "Activity planned"),
    ("survey", "Survey invitation"),
    ("survey_answer", "Survey answer"),
    ("event", "Client event"),
    ("feedback", "Feedback"),
]
# the row id of each source: its own id times SLOTS plus its slot
SLOTS = 16
# the columns of a mass mailing trace ``t`` of the mailing ``m``
TRACE_COLUMNS = SQL(
    """
    CASE WHEN t.trace_type = 'sms' THEN 'sms' ELSE 'email' END AS channel,
    'out' AS direction, 'mailing' AS kind, 'mailing.trace' AS res_model,
    t.id AS res_id, m.campaign_id AS utm_campaign_id, m.id AS mailing_id,
    t.trace_status IN ('sent', 'open', 'reply') AS delivered,
    t.trace_type <> 'sms' AND (t.open_datetime IS NOT NULL
        OR t.trace_status IN ('open', 'reply')
        OR t.links_click_datetime IS NOT NULL) AS opened,
    t.links_click_datetime IS NOT NULL AS clicked,
    NULL::boolean AS engaged
    """
)


class FxChannelTouch(models.Model):
    """The channel timeline: every contact with a trader, one row per touch,
    read from Odoo's own records (mass mailing traces, link clicks, messages,
    done and planned activities, chat) and the API's (client events,
    feedback, survey answers); docs/METRICS.md#channel-timeline."""

    _name = "fx.channel.touch"
    _description = "Channel Touch"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "kind"

    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Datetime(readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    direction = fields.Selection(
        [("out", "To the trader"), ("in", "From the trader")], readonly=True
    )
    kind = fields.Selection(TOUCH_KINDS, readonly=True)
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source ID", model_field="res_model", readonly=True
    )
    utm_campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    mailing_id = fields.Many2one("mailing.mailing", readonly=True)
    delivered = fields.Integer(readonly=True)
    opened = fields.Integer(readonly=True)
    clicked = fields.Integer(readonly=True)
    # 100 / 0 per delivered message (NULL when it does not apply): their mean
    # over a group is the group's rate (docs/METRICS.md#open-and-click-rates)
    open_rate = fields.Float(string="Open Rate (%)", readonly=True, aggregator="avg")
    click_rate = fields.Float(string="Click Rate (%)", readonly=True, aggregator="avg")
    click_to_open_rate = fields.Float(
        string="Click-to-Open Rate (%)", readonly=True, aggregator="avg"
    )
    engaged_rate = fields.Float(
        string="Engagement Rate (%)", readonly=True, aggregator="avg"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT u.id, p.id AS partner_id, p.user_id, p.team_id, p.company_id,
                       u.date, u.channel, u.direction, u.kind, u.res_model, u.res_id,
                       u.utm_campaign_id, u.mailing_id,
                       u.delivered::int AS delivered, u.opened::int AS opened,
                       u.clicked::int AS clicked,
                       CASE WHEN u.kind = 'mailing' AND u.channel = 'email'
                             AND u.delivered
                            THEN CASE WHEN u.opened THEN 100.0 ELSE 0.0 END
                       END AS open_rate,
                       CASE WHEN u.kind = 'mailing' AND u.delivered
                            THEN CASE WHEN u.clicked THEN 100.0 ELSE 0.0 END
                       END AS click_rate,
                       CASE WHEN u.kind = 'mailing' AND u.channel = 'email'
                             AND u.delivered AND u.opened
                            THEN CASE WHEN u.clicked THEN 100.0 ELSE 0.0 END
                       END AS click_to_open_rate,
                       CASE WHEN u.kind = 'mailing' AND u.delivered
                            THEN CASE WHEN u.opened OR u.clicked THEN 100.0 ELSE 0.0
                                 END
                            WHEN u.kind = 'survey'
                            THEN CASE WHEN u.engaged THEN 100.0 ELSE 0.0 END
                       END AS engaged_rate
                  FROM (
                    -- mass mailing traces (e-mail, SMS) of traders
                    SELECT t.id::bigint * %(slots)s AS id, t.res_id AS pid,
                           coalesce(t.sent_datetime, t.create_date) AS date,
                           %(trace_cols)s
                      FROM mailing_trace t
                      JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                     WHERE t.model = 'res.partner'
                    UNION ALL
                    -- and of their leads / opportunities
                    SELECT t.id::bigint * %(slots)s + 9, l.partner_id,
                           coalesce(t.sent_datetime, t.create_date), %(trace_cols)s
                      FROM mailing_trace t
                      JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                      JOIN crm_lead l ON l.id = t.res_id
                     WHERE t.model = 'crm.lead'
                    UNION ALL
                    -- clicks on tracked links of those messages
                    SELECT c.id::bigint * %(slots)s + 1, t.res_id, c.create_date,
                           CASE WHEN t.trace_type = 'sms' THEN 'sms' ELSE 'email' END,
                           'in', 'click', 'link.tracker.click', c.id,
                           c.campaign_id, c.mass_mailing_id, NULL, NULL, NULL, NULL
                      FROM link_tracker_click c
                      JOIN mailing_trace t ON t.id = c.mailing_trace_id
                     WHERE t.model = 'res.partner'
                    UNION ALL
                    SELECT c.id::bigint * %(slots)s + 10, l.partner_id, c.create_date,
                           CASE WHEN t.trace_type = 'sms' THEN 'sms' ELSE 'email' END,
                           'in', 'click', 'link.tracker.click', c.id,
                           c.campaign_id, c.mass_mailing_id, NULL, NULL, NULL, NULL
                      FROM link_tracker_click c
                      JOIN mailing_trace t ON t.id = c.mailing_trace_id
                      JOIN crm_lead l ON l.id = t.res_id
                     WHERE t.model = 'crm.lead'
                    UNION ALL
                    -- e-mails and SMS on the trader's chatter, done activities
                    SELECT mm.id::bigint * %(slots)s + 2, mm.res_id, mm.date,
                           CASE WHEN mm.mail_activity_type_id IS NOT NULL THEN
                                     CASE WHEN at.category = 'phonecall' THEN 'phone'
                                          ELSE 'other' END
                                WHEN mm.message_type = 'sms' THEN 'sms'
                                ELSE 'email' END,
                           CASE WHEN mm.message_type = 'email'
                                 AND mm.author_id = mm.res_id THEN 'in' ELSE 'out' END,
                           CASE WHEN mm.mail_activity_type_id IS NOT NULL
                                THEN 'activity' ELSE 'message' END,
                           'mail.message', mm.id, NULL, NULL, NULL, NULL, NULL, NULL
                      FROM mail_message mm
                      LEFT JOIN mail_activity_type at
                             ON at.id = mm.mail_activity_type_id
                      LEFT JOIN mail_message_subtype st ON st.id = mm.subtype_id
                     WHERE mm.model = 'res.partner'
                       AND (mm.mail_activity_type_id IS NOT NULL
                            OR mm.message_type IN ('email', 'email_outgoing', 'sms')
                            OR (mm.message_type = 'comment'
                                AND NOT coalesce(st.internal, false)))
                    UNION ALL
                    -- feedback survey invitations (e-mails on the request)
                    SELECT mm.id::bigint * %(slots)s + 3, r.partner_id, mm.date,
                           'email', 'out', 'survey', 'mail.message', mm.id,
                           NULL, NULL, NULL, NULL, NULL, r.state = 'done'
                      FROM mail_message mm
                      JOIN fx_feedback_request r ON r.id = mm.res_id
                     WHERE mm.model = 'fx.feedback.request'
                       AND mm.message_type = 'comment'
                    UNION ALL
                    -- chat messages written by the trader
                    SELECT mm.id::bigint * %(slots)s + 4, mm.author_id, mm.date,
                           'chat', 'in', 'message', 'mail.message', mm.id,
                           NULL, NULL, NULL, NULL, NULL, NULL
                      FROM mail_message mm
                     WHERE mm.model = 'discuss.channel'
                       AND mm.message_type = 'comment' AND mm.author_id IS NOT NULL
                    UNION ALL
                    -- activities planned with the trader
                    SELECT a.id::bigint * %(slots)s + 5, a.res_id,
                           a.date_deadline::timestamp,
                           CASE WHEN at.category = 'phonecall' THEN 'phone'
                                ELSE 'other' END,
                           'out', 'planned', 'mail.activity', a.id,
                           NULL, NULL, NULL, NULL, NULL, NULL
                      FROM mail_activity a
                      JOIN mail_activity_type at ON at.id = a.activity_type_id
                     WHERE a.res_model = 'res.partner' AND a.active
                    UNION ALL
                    -- registrations, logins, KYC (the API's client events)
                    SELECT e.id::bigint * %(slots)s + 6, e.partner_id, e.date,
                           'web', 'in', 'event', 'fx.client.event', e.id,
                           NULL, NULL, NULL, NULL, NULL, NULL
                      FROM fx_client_event e
                    UNION ALL
                    -- the feedback log
                    SELECT f.id::bigint * %(slots)s + 7, f.partner_id, f.date,
                           f.channel, 'in', 'feedback', 'fx.feedback', f.id,
                           NULL, NULL, NULL, NULL, NULL, NULL
                      FROM fx_feedback f
                    UNION ALL
                    -- survey answers
                    SELECT r.id::bigint * %(slots)s + 8, r.partner_id,
                           r.answered_date, 'web', 'in', 'survey_answer',
                           'fx.feedback.request', r.id, NULL, NULL, NULL, NULL, NULL,
                           NULL
                      FROM fx_feedback_request r
                     WHERE r.state = 'done'
                  ) u
                  JOIN res_partner p ON p.id = u.pid AND p.fx_is_trader
                )
                """,
                table=SQL.identifier(self._table),
                slots=SLOTS,
                trace_cols=TRACE_COLUMNS,
            )
        )
