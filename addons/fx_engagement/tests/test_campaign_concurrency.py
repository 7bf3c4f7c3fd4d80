"""Campaign runners at once, in real concurrent transactions.

The data is committed (other transactions must see it) through cursors of their
own, outside the test transaction, and deleted at the end of each test. The
threaded test runs the campaign exactly as the cron does outside tests: its
threads are not test threads, so Odoo's mass mailing and the campaign commit
while they work.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import TransactionCase, freeze_time
from odoo.tools import SQL, mute_logger

from odoo.addons.fx_engagement.models.fx_campaign_participant import CLAIM_LEASE

T0 = "2026-11-23 10:00:00"
SIZE = 12


@freeze_time(T0)
class TestCampaignRunnersAtOnce(TransactionCase):
    def setUp(self):
        super().setUp()
        self.db = self.env.cr.dbname
        with self.cursor() as cr:
            env = self.new_env(cr)
            [(self.last_trigger,)] = env.execute_query(
                SQL("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            )
            partners = env["res.partner"].create(
                [
                    {"name": f"Race {n}", "email": f"race{n}@example.com"}
                    for n in range(SIZE)
                ]
            )
            campaign = env["fx.campaign"].create(
                {
                    "name": "Race",
                    "is_test": True,
                    "test_partner_ids": [(6, 0, partners.ids)],
                    "trigger_type": "once",
                    "start_date": "2026-11-01 00:00:00",
                    "goal_type": "none",
                    "reentry_policy": "after_exit",
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Race mail",
                                "action_type": "email",
                                "subject": "Race",
                                # exempt from the cap and the quiet hours
                                "is_transactional": True,
                            },
                        )
                    ],
                }
            )
            campaign.action_start()
            params = env["ir.config_parameter"]
            force_send = params.get_param("mail.mail.force.send.limit")
            # mails stay queued: nothing tries to reach a mail server
            params.set_param("mail.mail.force.send.limit", "0")
            self.partner_ids = partners.ids
            self.campaign_id = campaign.id
            self.mailing_id = campaign.step_ids.mailing_id.id
            self.utm_id = campaign.utm_campaign_id.id
        self.addCleanup(self.cleanup, force_send)

    # ------------------------------------------------------------------ helpers
    @contextmanager
    def cursor(self):
        """A cursor of its own, committed when the block ends without error."""
        with sql_db.db_connect(self.db).cursor() as cr:
            cr.execute("SET lock_timeout = '10s'")  # a wait is a failure, not a hang
            yield cr

    @staticmethod
    def new_env(cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def cleanup(self, force_send):
        with self.cursor() as cr:
            env = self.new_env(cr)
            env["ir.config_parameter"].set_param(
                "mail.mail.force.send.limit", force_send or False
            )
            env["mail.mail"].search([("mailing_id", "=", self.mailing_id)]).unlink()
            env["mailing.trace"].search(
                [("mass_mailing_id", "=", self.mailing_id)]
            ).unlink()
            env["fx.campaign"].browse(self.campaign_id).unlink()
            env["mailing.mailing"].browse(self.mailing_id).unlink()
            env["utm.campaign"].browse(self.utm_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            # the cron wake-ups this test committed (campaign cron on start,
            # mass mailing's A/B cron on each send)
            cr.execute(
                SQL("DELETE FROM ir_cron_trigger WHERE id > %s", self.last_trigger)
            )

    def enrol(self):
        with self.cursor() as cr:
            campaign = self.new_env(cr)["fx.campaign"].browse(self.campaign_id)
            self.assertEqual(campaign._fx_enrol(fields.Datetime.now()), SIZE)

    def outcome(self):
        """{partner: (traces, queued mails)} of the step's mailing, the
        participants' states and the claims still held, as committed."""
        with self.cursor() as cr:
            env = self.new_env(cr)
            rows = env.execute_query(
                SQL(
                    """
                    SELECT p.id,
                           (SELECT count(*) FROM mailing_trace t
                             WHERE t.mass_mailing_id = %(mailing)s
                               AND t.model = 'res.partner' AND t.res_id = p.id),
                           (SELECT count(*) FROM mail_mail m
                              JOIN mail_mail_res_partner_rel r
                                ON r.mail_mail_id = m.id
                             WHERE m.mailing_id = %(mailing)s
                               AND r.res_partner_id = p.id)
                      FROM res_partner p WHERE p.id = ANY(%(partners)s)
                    """,
                    mailing=self.mailing_id,
                    partners=self.partner_ids,
                )
            )
            states = env.execute_query(
                SQL(
                    "SELECT state, count(*), count(claim_token) "
                    "FROM fx_campaign_participant WHERE campaign_id = %s "
                    "GROUP BY state",
                    self.campaign_id,
                )
            )
        return {pid: (traces, mails) for pid, traces, mails in rows}, states

    def assert_sent_once(self):
        messages, states = self.outcome()
        self.assertEqual(messages, dict.fromkeys(self.partner_ids, (1, 1)))
        self.assertEqual(states, [("done", SIZE, 0)])  # all through, no claim left

    # ------------------------------------------------------------------ tests
    def test_two_runners_at_once_send_once(self):
        """The cron and *Run now* (or two workers) at the same instant, each
        in its own thread and transaction, committing as they go."""
        self.enrol()
        barrier = threading.Barrier(2)
        done, errors = {}, []

        def runner(name):
            try:
                with self.cursor() as cr:
                    campaign = self.new_env(cr)["fx.campaign"].browse(self.campaign_id)
                    barrier.wait()
                    done[name] = campaign._fx_process()
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=runner, args=(n,)) for n in "AB"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assert_sent_once()
        self.assertEqual(errors, [])
        self.assertEqual(sum(done.values()), SIZE)

    def test_claim_outlives_the_commits_of_the_mass_mailing(self):
        """Runner A claims and commits (as it does before sending); runner B
        runs in between, as if A's mass mailing had committed and released its
        row locks: B takes nothing, A sends once to everyone."""
        self.enrol()
        now = fields.Datetime.now()
        with self.cursor() as cr_a:
            env_a = self.new_env(cr_a)
            campaign_a = env_a["fx.campaign"].browse(self.campaign_id)
            claimed, token = env_a["fx.campaign.participant"]._fx_claim_due(
                campaign_a, now, 2000
            )
            self.assertEqual(len(claimed), SIZE)
            cr_a.commit()  # pylint: disable=invalid-commit
            with self.cursor() as cr_b:
                campaign_b = self.new_env(cr_b)["fx.campaign"].browse(self.campaign_id)
                self.assertEqual(campaign_b._fx_process(), 0)
            self.assertEqual(self.outcome()[0], dict.fromkeys(self.partner_ids, (0, 0)))
            self.assertEqual(campaign_a._fx_run_claimed(claimed, token, now), SIZE)
        self.assert_sent_once()

    def test_claim_of_a_dead_runner_lapses(self):
        self.enrol()
        with self.cursor() as cr_a:
            env_a = self.new_env(cr_a)
            env_a["fx.campaign.participant"]._fx_claim_due(
                env_a["fx.campaign"].browse(self.campaign_id),
                fields.Datetime.now(),
                2000,
            )
            # committed, then the runner dies before sending anything
        with self.cursor() as cr:
            campaign = self.new_env(cr)["fx.campaign"].browse(self.campaign_id)
            self.assertEqual(campaign._fx_process(), 0)
        lapsed = fields.Datetime.now() + CLAIM_LEASE + timedelta(seconds=1)
        with freeze_time(lapsed), self.cursor() as cr:
            campaign = self.new_env(cr)["fx.campaign"].browse(self.campaign_id)
            self.assertEqual(campaign._fx_process(), SIZE)
        self.assert_sent_once()

    def test_enrolments_at_once_never_duplicate(self):
        now = fields.Datetime.now()
        with self.cursor() as cr_a, self.cursor() as cr_b:
            campaign_a = self.new_env(cr_a)["fx.campaign"].browse(self.campaign_id)
            campaign_b = self.new_env(cr_b)["fx.campaign"].browse(self.campaign_id)
            # the cron's enrolment holds the campaign: the other one skips it
            self.assertEqual(campaign_a._fx_enrol(now), SIZE)
            self.assertEqual(campaign_b._fx_enrol(now), 0)
            cr_a.commit()  # pylint: disable=invalid-commit
            cr_b.commit()  # pylint: disable=invalid-commit
            # a trader who left the journey enters again through another
            # module (enrol_partners) in two transactions at once
            partner = self.partner_ids[0]
            campaign_a.participant_ids.filtered(
                lambda p: p.partner_id.id == partner
            )._fx_exit("stopped", now)
            cr_a.commit()  # pylint: disable=invalid-commit
            cr_b.execute("SELECT 1")  # b's snapshot: before a's next commit
            self.assertEqual(campaign_a.enrol_partners([partner]), 1)
            cr_a.commit()  # pylint: disable=invalid-commit
            with (
                self.assertRaises(psycopg2.errors.SerializationFailure),
                mute_logger("odoo.sql_db"),
            ):
                campaign_b.enrol_partners([partner])
            cr_b.rollback()
            # Odoo retries the request: the journey is there, no second one
            self.assertEqual(campaign_b.enrol_partners([partner]), 0)
        with self.cursor() as cr:
            rows = self.new_env(cr).execute_query(
                SQL(
                    "SELECT state, count(*) FROM fx_campaign_participant "
                    "WHERE campaign_id = %s GROUP BY state ORDER BY state",
                    self.campaign_id,
                )
            )
        self.assertEqual(rows, [("exited", 1), ("running", SIZE)])
