import logging
import threading
import uuid
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from .fx_trader_condition import ConditionArgs

_logger = logging.getLogger(__name__)

# How long a runner's claim on due participants holds. It must outlast one batch
# (a few minutes for 2,000 e-mails; Odoo kills a worker after limit_time_real);
# a runner that dies without releasing its claim delays its batch this long.
CLAIM_LEASE = timedelta(hours=1)
ACTIVE_STATES = ("running", "waiting")

DEFAULT_CAP = (3, 7)  # messages, days
DEFAULT_QUIET = (21.0, 8.0)  # from 21:00 to 08:00, trader's time zone
DEFAULT_BOUNCE_LIMIT = 3

EXIT_REASONS = [
    ("completed", "Completed"),
    ("left_segment", "Left the segment"),
    ("goal_reached", "Goal reached"),
    ("unsubscribed", "Unsubscribed / no consent"),
    ("capped", "Frequency cap"),
    ("failed", "Failed"),
    ("stopped", "Campaign stopped"),
]


class FxCampaignParticipant(models.Model):
    _name = "fx.campaign.participant"
    _description = "Campaign Participant"
    _order = "id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "fx.campaign", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(
        [
            ("running", "In Journey"),
            ("waiting", "Waiting for A/B Result"),
            ("done", "Completed"),
            ("exited", "Exited"),
        ],
        default="running",
        required=True,
        index=True,
    )
    step_id = fields.Many2one(
        "fx.campaign.step", string="Next Step", ondelete="set null"
    )
    next_action_date = fields.Datetime(index=True)
    enrolled_date = fields.Datetime(string="Entered", required=True)
    exit_reason = fields.Selection(EXIT_REASONS)
    exit_date = fields.Datetime()
    variant_id = fields.Many2one("fx.campaign.variant", ondelete="set null")
    is_holdout = fields.Boolean(string="Holdout")
    in_ab_test = fields.Boolean(string="In A/B Test")
    is_test = fields.Boolean(string="Test")
    converted = fields.Boolean()
    conversion_date = fields.Datetime()
    revenue = fields.Float(string="Attributed Deposits")
    last_error = fields.Text()
    log_ids = fields.One2many("fx.campaign.log", "participant_id", string="History")
    allow_parallel = fields.Boolean(
        string="Parallel Journey",
        readonly=True,
        help="Entered under the 'Any time' re-entry policy: may run alongside "
        "another journey of the same trader in this campaign.",
    )
    # the claim of the runner processing this participant (see _fx_claim_due)
    claim_token = fields.Char(readonly=True, copy=False)
    claim_until = fields.Datetime(readonly=True, copy=False)

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_campaign_participant_due_idx "
            "ON fx_campaign_participant (next_action_date) WHERE state = 'running'"
        )
        # One journey at a time per trader and campaign: two runners enrolling
        # at once cannot both insert (the enrolment uses ON CONFLICT DO NOTHING).
        # Re-entry "never" and "after exit" add their own check on exited rows;
        # "any time" journeys (allow_parallel) may overlap by design.
        self._fx_create_unique_index(
            "fx_campaign_participant_active_uniq",
            SQL(
                "ON fx_campaign_participant (campaign_id, partner_id) "
                "WHERE state IN ('running', 'waiting') "
                "AND allow_parallel IS NOT TRUE"
            ),
        )
        # the frequency cap counts a trader's recent mass-mailing traces
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS mailing_trace_fx_partner_idx "
            "ON mailing_trace (res_id, create_date) WHERE model = 'res.partner'"
        )
        return super().init()

    def _fx_create_unique_index(self, name, definition):
        """CREATE UNIQUE INDEX IF NOT EXISTS, logged (not fatal) when existing
        rows already break it, as Odoo does for its SQL constraints."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "CREATE UNIQUE INDEX IF NOT EXISTS %s %s",
                        SQL.identifier(name),
                        definition,
                    )
                )
        except Exception as exc:  # reported, the install goes on
            _logger.error(
                "Unique index %s not created, resolve the duplicates first: %s",
                name,
                exc,
            )

    # ------------------------------------------------------------------ claims
    @api.model
    def _fx_autocommit(self):
        """Whether a campaign run commits as it goes: exactly when Odoo's mass
        mailing does (always, except inside tests)."""
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _fx_due_sql(self, campaigns, now):
        """Participants of ``campaigns`` whose next step is due, not claimed by
        a live runner and not at a step flagged broken (alias ``d``)."""
        return SQL(
            """
            d.campaign_id = ANY(%(campaigns)s) AND d.state = 'running'
            AND d.next_action_date <= %(now)s
            AND (d.claim_until IS NULL OR d.claim_until < %(now)s)
            AND NOT EXISTS (SELECT 1 FROM fx_campaign_step s
                             WHERE s.id = d.step_id AND s.is_broken)
            """,
            campaigns=campaigns.ids,
            now=now,
        )

    @api.model
    def _fx_claim_due(self, campaigns, now, limit):
        """Claim up to ``limit`` due participants for this runner; return them
        and the claim token.

        Row locks alone cannot keep two runners (the cron and *Run now*, or two
        workers) apart: Odoo's mass mailing commits while it sends, and a commit
        releases every row lock. So the claim is written in the rows (a token
        and a lease) and, outside tests, committed before anything is sent:

        - ``FOR NO KEY UPDATE SKIP LOCKED`` lets two runners claiming at the same
          instant take disjoint rows (the other one's rows are skipped, never
          waited for);
        - once committed, the lease keeps every other runner off these rows
          until this one releases them (:meth:`_fx_release`) or the lease ends
          (a runner that died);
        - within the claim, a step never mails a trader who already has a trace
          of its mailing (checked after the claim, in a fresh snapshot), so a
          runner taking over after a crash does not send twice either.
        """
        if not campaigns:
            return self.browse(), None
        autocommit = self._fx_autocommit()
        if autocommit:
            # the enrolment is done; the claim reads in a fresh snapshot, where
            # the claims other runners committed are seen
            self.env.cr.commit()  # pylint: disable=invalid-commit
        token = uuid.uuid4().hex
        try:
            with self.env.cr.savepoint(flush=False):
                rows = self.env.execute_query(
                    SQL(
                        """
                        UPDATE fx_campaign_participant cp
                           SET claim_token = %(token)s, claim_until = %(until)s
                         WHERE cp.id IN (
                               SELECT d.id FROM fx_campaign_participant d
                                WHERE %(due)s
                                ORDER BY d.next_action_date, d.id
                                LIMIT %(limit)s
                                  FOR NO KEY UPDATE OF d SKIP LOCKED)
                        RETURNING cp.id, cp.next_action_date
                        """,
                        token=token,
                        until=now + CLAIM_LEASE,
                        due=self._fx_due_sql(campaigns, now),
                        limit=limit,
                    )
                )
        except psycopg2.errors.SerializationFailure:
            # another runner claimed rows of this snapshot meanwhile: they are
            # its own; the next run takes what is left
            return self.browse(), None
        self.invalidate_model(["claim_token", "claim_until"])
        if autocommit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        rows.sort(key=lambda row: (row[1], row[0]))
        return self.browse([row[0] for row in rows]), token

    def _fx_release(self, token):
        """End this runner's claim on ``self``."""
        if not self or not token:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE fx_campaign_participant SET claim_token = NULL, "
                "claim_until = NULL WHERE id = ANY(%s) AND claim_token = %s",
                self.ids,
                token,
            )
        )
        self.invalidate_recordset(["claim_token", "claim_until"])

    def _fx_release_after_failure(self, token):
        """The run failed after its claim was committed: undo the failed
        transaction and give the participants back at once (instead of after
        the lease), for the next run or Odoo's retry of the request."""
        if not self or not token or not self._fx_autocommit():
            return
        self.env.cr.rollback()  # pylint: disable=invalid-commit
        self._fx_release(token)
        self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _fx_due_count(self, campaigns, now):
        if not campaigns:
            return 0
        [(count,)] = self.env.execute_query(
            SQL(
                "SELECT count(*) FROM fx_campaign_participant d WHERE %s",
                self._fx_due_sql(campaigns, now),
            )
        )
        return count

    # ------------------------------------------------------------------ settings
    @api.model
    def _fx_cap(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return (
            int(get("fx_engagement.cap_messages") or DEFAULT_CAP[0]),
            int(get("fx_engagement.cap_days") or DEFAULT_CAP[1]),
        )

    @api.model
    def _fx_quiet_hours(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return (
            float(get("fx_engagement.quiet_start") or DEFAULT_QUIET[0]),
            float(get("fx_engagement.quiet_end") or DEFAULT_QUIET[1]),
        )

    @api.model
    def _fx_bounce_limit(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return int(get("mass_mailing.bounce_limit") or DEFAULT_BOUNCE_LIMIT)

    # ------------------------------------------------------------------ moves
    def _fx_advance(self, step, now):
        """Move to the step after ``step``, or complete the journey."""
        following = step.campaign_id.step_ids.filtered(
            lambda s: (s.sequence, s.id) > (step.sequence, step.id)
        ).sorted(lambda s: (s.sequence, s.id))[:1]
        if following:
            self.write(
                {
                    "step_id": following.id,
                    "next_action_date": now + following._fx_wait(),
                    "state": "running",
                }
            )
        else:
            self.write(
                {
                    "step_id": False,
                    "next_action_date": False,
                    "state": "done",
                    "exit_reason": "completed",
                    "exit_date": now,
                }
            )

    def _fx_exit(self, reason, now):
        self.write(
            {
                "state": "exited",
                "exit_reason": reason,
                "exit_date": now,
                "next_action_date": False,
            }
        )

    def _fx_exit_left_segment(self, now):
        """Exit those who left the campaign's segment; return the others."""
        if not self:
            return self
        campaign = self.campaign_id
        if (
            campaign.is_test
            or not campaign.segment_id
            or not campaign.exit_on_segment_leave
        ):
            return self
        in_segment = self.env["fx.trader.condition"]._fx_sql(
            "segment", ConditionArgs(now=now, segment_id=campaign.segment_id.id)
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT cp.id FROM fx_campaign_participant cp "
                "JOIN res_partner p ON p.id = cp.partner_id "
                "WHERE cp.id = ANY(%s) AND NOT %s",
                self.ids,
                in_segment,
            )
        )
        gone = self.browse([row[0] for row in rows])
        if gone:
            self.env["fx.campaign.log"]._fx_record(
                gone, gone[:1].step_id, "skipped", self.env._("left the segment")
            )
            gone._fx_exit("left_segment", now)
        return self - gone

    def _fx_run_one(self, step, now):
        """A step for one participant, isolated: a failure is recorded on the
        participant and does not stop the others."""
        self.ensure_one()
        Log = self.env["fx.campaign.log"]
        try:
            with self.env.cr.savepoint():
                step._fx_run_action(self)
        except Exception as exc:
            _logger.info("Campaign step %s failed for %s: %s", step.id, self.id, exc)
            self.env.invalidate_all()
            Log._fx_record(self, step, "failed", str(exc))
            self.write({"last_error": str(exc)})
            self._fx_exit("failed", now)
            return
        Log._fx_record(self, step, "done")
        self._fx_advance(step, now)
