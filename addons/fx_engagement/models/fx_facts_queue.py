from odoo import api, fields, models
from odoo.tools import SQL

QUEUE_BATCH = 20000


class FxFactsQueue(models.Model):
    """Traders whose facts wait for a refresh after a bulk push.

    Small pushes (the platform's real-time trickle) refresh the facts of the
    traders they touch before returning. Bulk pushes (a back-fill, a nightly
    reload) only queue them: the queue cron then refreshes each trader once, in
    large set-based batches, however many pushes touched it.
    """

    _name = "fx.facts.queue"
    _description = "Trader Facts Refresh Queue"
    _log_access = False
    _order = "id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")

    _sql_constraints = [
        ("partner_unique", "UNIQUE(partner_id)", "The trader is already queued."),
    ]

    @api.model
    def _enqueue(self, partner_ids):
        self.env.cr.execute(
            SQL(
                "INSERT INTO fx_facts_queue (partner_id) SELECT unnest(%s::int4[]) "
                "ON CONFLICT DO NOTHING",
                sorted(partner_ids),
            )
        )
        self.env.ref("fx_engagement.ir_cron_fx_facts_queue")._trigger()

    @api.model
    def _process(self, limit=QUEUE_BATCH):
        """Refresh up to ``limit`` queued traders; return how many."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, partner_id FROM fx_facts_queue ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED",
                limit,
            )
        )
        if not rows:
            return 0
        partner_ids = [partner_id for _id, partner_id in rows]
        self.env["res.partner"].browse(partner_ids)._fx_recompute_facts()
        self.env["fx.segment"]._fx_refresh_for_partners(partner_ids)
        self.env.cr.execute(
            SQL(
                "DELETE FROM fx_facts_queue WHERE id = ANY(%s)",
                [queue_id for queue_id, _p in rows],
            )
        )
        return len(rows)

    @api.model
    def _cron_process(self):
        done = self._process()
        [(remaining,)] = self.env.execute_query(
            SQL("SELECT count(*) FROM fx_facts_queue")
        )
        # Odoo runs the cron again right away while work remains
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done
