"""Feedback surveys sent to traders (CSAT, CES, NPS) and their answers.

A request is one personal survey link (a ``survey.user_input`` made by
``survey.survey._create_answer``) sent to one trader after one interaction
(its origin: a campaign participant, a done activity's message, a deposit, the
trader's onboarding, a closed ticket). A request is made once per survey,
trader and origin (a unique key), so a re-run never sends it twice. When the
trader completes the survey the score (the answer to the survey's first scale
question) is recorded here and the trader's last score and 90-day average are
recomputed, set-based (docs/METRICS.md#feedback-and-channels).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.feedback import (
    CES_EASY,
    CSAT_SATISFIED,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER,
    check_score,
)

_logger = logging.getLogger(__name__)

TRIGGERS = [
    ("campaign", "Campaign step"),
    ("activity", "Done activity"),
    ("deposit", "Deposit"),
    ("onboarding", "Onboarding complete"),
    ("ticket", "Closed ticket"),
    ("manual", "Sent by staff"),
]
# the settings naming the survey sent automatically after each interaction
TRIGGER_PARAM = "fx_engagement.feedback_survey_%s"
AUTOMATIC_TRIGGERS = ("activity", "deposit", "onboarding", "ticket")
# an automatic trigger skips a trader who got a request of the same survey in
# the last days (a trader depositing daily is not surveyed daily)
COOLDOWN_DAYS = 30
ROLLING_DAYS = 90
# when the nightly refresh of the 90-day scores last ran
SCORES_LAST_RUN = "fx_engagement.feedback_scores_last_run"


class FxFeedbackRequest(models.Model):
    _name = "fx.feedback.request"
    _description = "Feedback Survey Request"
    _inherit = ["mail.thread"]
    _order = "sent_date desc, id desc"
    _rec_name = "survey_id"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", store=True, index=True
    )
    team_id = fields.Many2one(
        related="partner_id.team_id", string="Sales Team", store=True
    )
    company_id = fields.Many2one(related="partner_id.company_id", store=True)
    survey_id = fields.Many2one(
        "survey.survey", required=True, index=True, ondelete="restrict"
    )
    kind = fields.Selection(related="survey_id.fx_feedback_kind", store=True)
    user_input_id = fields.Many2one(
        "survey.user_input", string="Answer", readonly=True, ondelete="set null"
    )
    survey_url = fields.Char(
        string="Personal Link", compute="_compute_survey_url", compute_sudo=True
    )
    trigger = fields.Selection(TRIGGERS, required=True, default="manual")
    origin_model = fields.Char(readonly=True)
    origin_id = fields.Many2oneReference(
        string="Origin ID", model_field="origin_model", readonly=True
    )
    origin_ref = fields.Reference(
        selection="_selection_origin_ref",
        string="Interaction",
        compute="_compute_origin_ref",
    )
    campaign_id = fields.Many2one("fx.campaign", readonly=True, index="btree_not_null")
    state = fields.Selection(
        [("sent", "Sent"), ("done", "Answered")],
        default="sent",
        required=True,
        readonly=True,
    )
    sent_date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    answered_date = fields.Datetime(readonly=True, index="btree_not_null")
    # written in SQL when the answer completes (_fx_record_scores); a value
    # that does not apply (no answer, another kind) is NULL, so that the pivot
    # and graph views' mean of each column over a group is the group's KPI
    # (docs/METRICS.md#feedback-and-channels)
    score = fields.Integer(readonly=True, aggregator="avg")
    has_score = fields.Boolean(
        readonly=True,
        help="The answer carries a score on the survey's scale (its first scale "
        "question was answered).",
    )
    is_detractor = fields.Boolean(string="Detractor", readonly=True)
    responded_pct = fields.Float(
        string="Response Rate (%)", readonly=True, default=0.0, aggregator="avg"
    )
    csat_pct = fields.Float(string="CSAT (%)", readonly=True, aggregator="avg")
    ces_score = fields.Float(string="CES (mean)", readonly=True, aggregator="avg")
    ces_easy_pct = fields.Float(string="CES Easy (%)", readonly=True, aggregator="avg")
    nps_value = fields.Float(string="NPS", readonly=True, aggregator="avg")
    followup_activity_id = fields.Many2one(
        "mail.activity", string="Follow-up", readonly=True, ondelete="set null"
    )
    is_followup_handled = fields.Boolean(readonly=True)

    _sql_constraints = [
        (
            "request_unique",
            "UNIQUE(survey_id, partner_id, origin_model, origin_id)",
            "This survey was already sent to this trader for this interaction.",
        ),
    ]

    @api.model
    def _selection_origin_ref(self):
        return [(model.model, model.name) for model in self.env["ir.model"].search([])]

    @api.depends("origin_model", "origin_id")
    def _compute_origin_ref(self):
        for request in self:
            model = request.origin_model
            request.origin_ref = (
                f"{model},{request.origin_id}"
                if model in self.env and request.origin_id
                else False
            )

    def _compute_survey_url(self):
        for request in self:
            request.survey_url = (
                request.user_input_id.get_start_url() if request.user_input_id else ""
            )

    def _fx_followup_summary(self):
        self.ensure_one()
        return self.env._("Detractor NPS answer: follow up")

    def _fx_followup_note(self):
        self.ensure_one()
        return self.env._(
            "%(survey)s: score %(score)s", survey=self.survey_id.title, score=self.score
        )

    # ------------------------------------------------------------ sending
    @api.model
    def _fx_send(self, survey, targets, trigger, campaign=None, cooldown=False):
        """Send ``survey`` to each ``(partner, origin record)`` of ``targets``:
        one request and personal link per trader and origin, never twice
        (already sent ones are skipped); traders without a usable e-mail
        address, and with ``cooldown`` those who got this survey in the last
        COOLDOWN_DAYS, are skipped. Returns the requests created."""
        if not survey.fx_feedback_kind:
            raise UserError(
                self.env._(
                    "The survey %s measures no feedback KPI: set its Feedback KPI "
                    "(CSAT, CES or NPS) first.",
                    survey.display_name,
                )
            )
        # whether each is a trader with an address: read as the system (the
        # caller may be the user marking an activity done, without FX rights)
        targets = [
            (partner.sudo(), origin._name, origin.id)
            for partner, origin in targets
            if partner.sudo().fx_is_trader and partner.sudo().email_normalized
        ]
        if not targets:
            return self.browse()
        partner_ids = list({partner.id for partner, _m, _i in targets})
        self.flush_model()
        taken = {
            (partner_id, model, res_id)
            for partner_id, model, res_id in self.env.execute_query(
                SQL(
                    "SELECT partner_id, origin_model, origin_id "
                    "FROM fx_feedback_request "
                    "WHERE survey_id = %s AND partner_id = ANY(%s)",
                    survey.id,
                    partner_ids,
                )
            )
        }
        if cooldown:
            since = fields.Datetime.now() - timedelta(days=COOLDOWN_DAYS)
            recent = {
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT DISTINCT partner_id FROM fx_feedback_request "
                        "WHERE survey_id = %s AND partner_id = ANY(%s) "
                        "AND sent_date >= %s",
                        survey.id,
                        partner_ids,
                        since,
                    )
                )
            }
        else:
            recent = set()
        todo, seen = [], set()
        for partner, model, res_id in targets:
            key = (partner.id, model, res_id)
            if key in taken or key in seen or partner.id in recent:
                continue
            seen.add(key)
            if cooldown:
                recent.add(partner.id)
            todo.append((partner, model, res_id))
        if not todo:
            return self.browse()
        # the personal links: survey answers are survey-manager data, which FX
        # users and the integration may not create; making the trader's token
        # is system work for the traders of this batch only
        survey_sudo = survey.sudo()
        answers = [
            survey_sudo._create_answer(partner=partner, check_attempts=False)
            for partner, _model, _res_id in todo
        ]
        requests = (
            self.sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "survey_id": survey.id,
                        "user_input_id": answer.id,
                        "trigger": trigger,
                        "origin_model": model,
                        "origin_id": res_id,
                        "campaign_id": campaign.id if campaign else False,
                    }
                    for (partner, model, res_id), answer in zip(
                        todo, answers, strict=True
                    )
                ]
            )
        )
        requests._fx_mail()
        return requests.sudo(False)

    def _fx_mail(self):
        """Mail each request's personal link with the feedback template, posted
        on the request (a tracked e-mail, in the trader's channel timeline)."""
        template = self.env.ref("fx_engagement.mail_template_fx_feedback_request")
        self.message_post_with_source(
            template, message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    @api.model
    def _fx_on_interaction(self, trigger, records):
        """The generic hook of the automatic feedback triggers: ``records``
        (each with a ``partner_id``, or a trader itself) had the interaction
        ``trigger`` (``activity``, ``deposit``, ``onboarding``, ``ticket``);
        the survey chosen for it in the settings, if any, is sent to their
        traders, once per record, not to a trader surveyed by it in the last
        COOLDOWN_DAYS. A helpdesk addon calls it for closed tickets:
        ``env["fx.feedback.request"]._fx_on_interaction("ticket", tickets)``."""
        survey = self._fx_trigger_survey(trigger)
        if not survey or not records:
            return self.browse()
        if records._name == "res.partner":
            targets = [(partner, partner) for partner in records]
        else:
            targets = [(record.partner_id, record) for record in records]
        return self._fx_send(
            survey,
            [(partner, origin) for partner, origin in targets if partner],
            trigger,
            cooldown=True,
        )

    @api.model
    def _fx_trigger_survey(self, trigger):
        value = (
            self.env["ir.config_parameter"].sudo().get_param(TRIGGER_PARAM % trigger)
        )
        if not value or not value.isdigit():
            return None
        survey = self.env["survey.survey"].sudo().browse(int(value)).exists()
        if not survey or not survey.active or not survey.fx_feedback_kind:
            return None
        return survey

    # ------------------------------------------------------------ answers
    @api.model
    def _fx_on_answers_done(self, user_input_ids):
        """Record the scores of the completed answers ``user_input_ids`` on their
        requests, recompute their traders' KPIs and follow up detractors."""
        requests = self.search(
            [("user_input_id", "in", user_input_ids), ("state", "=", "sent")]
        )
        if not requests:
            return
        self.env["survey.user_input.line"].flush_model()
        scores = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (l.user_input_id) l.user_input_id, l.value_scale
                      FROM survey_user_input_line l
                      JOIN survey_question q ON q.id = l.question_id
                     WHERE l.user_input_id = ANY(%s) AND q.question_type = 'scale'
                       AND NOT coalesce(l.skipped, false) AND l.value_scale IS NOT NULL
                     ORDER BY l.user_input_id, q.sequence, q.id
                    """,
                    requests.user_input_id.ids,
                )
            )
        )
        checked = {}
        for request in requests:
            score = scores.get(request.user_input_id.id)
            try:
                checked[request.id] = check_score(request.kind, score)
            except ValueError:
                _logger.info(
                    "feedback request %s: answer %s has no score on the %s scale",
                    request.id,
                    request.user_input_id.id,
                    request.kind,
                )
                checked[request.id] = None
        self._fx_record_scores(checked)
        requests.partner_id._fx_recompute_feedback_scores()
        detractors = requests.filtered(
            lambda r: r.is_detractor and not r.is_followup_handled
        )
        if detractors:
            self.env["fx.feedback"]._fx_follow_up(detractors)

    @api.model
    def _fx_record_scores(self, scores):
        """One UPDATE: the requests ``{id: score or None}`` are answered now,
        with their score and the per-answer KPI values."""
        ids = list(scores)
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE fx_feedback_request r
                   SET state = 'done', answered_date = %(now)s, write_date = %(now)s,
                       write_uid = %(uid)s, score = s.score,
                       has_score = s.score IS NOT NULL,
                       responded_pct = 100,
                       is_detractor = (r.kind = 'nps' AND s.score <= %(detractor)s)
                                      IS TRUE,
                       csat_pct = CASE WHEN r.kind = 'csat' AND s.score IS NOT NULL
                                       THEN CASE WHEN s.score >= %(satisfied)s
                                                 THEN 100 ELSE 0 END END,
                       ces_score = CASE WHEN r.kind = 'ces' THEN s.score END,
                       ces_easy_pct = CASE WHEN r.kind = 'ces' AND s.score IS NOT NULL
                                           THEN CASE WHEN s.score >= %(easy)s
                                                     THEN 100 ELSE 0 END END,
                       nps_value = CASE WHEN r.kind = 'nps' AND s.score IS NOT NULL
                                        THEN CASE WHEN s.score >= %(promoter)s THEN 100
                                                  WHEN s.score <= %(detractor)s
                                                  THEN -100 ELSE 0 END END
                  FROM unnest(%(ids)s::int4[], %(scores)s::int4[]) AS s(id, score)
                 WHERE r.id = s.id
                """,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                ids=ids,
                scores=[scores[i] for i in ids],
                satisfied=CSAT_SATISFIED,
                easy=CES_EASY,
                promoter=NPS_PROMOTER,
                detractor=NPS_DETRACTOR_MAX,
            )
        )
        self.invalidate_model()

    @api.model
    def _cron_refresh_feedback_scores(self):
        """Nightly: the 90-day averages move with time. The traders whose
        answers left the window since the last run are recomputed (one UPDATE;
        new answers recompute their trader at once); the first run, or one
        after the parameter is removed, recomputes every trader with
        answers."""
        icp = self.env["ir.config_parameter"].sudo()
        now = fields.Datetime.now()
        last = icp.get_param(SCORES_LAST_RUN)
        Partner = self.env["res.partner"]
        try:
            last = fields.Datetime.to_datetime(last) if last else None
        except ValueError:
            last = None
        if last is None or last > now:
            Partner._fx_recompute_feedback_scores(all_traders=True)
        else:
            self.flush_model()
            window = timedelta(days=ROLLING_DAYS)
            ids = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT DISTINCT partner_id FROM fx_feedback_request "
                        "WHERE state = 'done' AND answered_date >= %s "
                        "AND answered_date < %s",
                        last - window,
                        now - window,
                    )
                )
            ]
            Partner.browse(ids)._fx_recompute_feedback_scores()
        icp.set_param(SCORES_LAST_RUN, fields.Datetime.to_string(now))
