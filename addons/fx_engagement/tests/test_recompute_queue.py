from unittest.mock import patch

from odoo.tests import freeze_time

from ..models import res_partner
from .common import SyncCase


class TestRecomputeAllQueues(SyncCase):
    """A large book is refreshed by the facts cron in committed batches, never
    in the one request or cron run that asked for it."""

    def test_large_book_is_queued_then_refreshed_in_batches(self):
        with freeze_time("2026-11-20 12:00:00"):
            self.sync.push_accounts(
                [self.account(login) for login in ("2001", "2002", "2003")]
            )
            self.sync.push_trades(
                [
                    self.trade(f"T{login}", "2026-11-20T10:00:00Z", login=login)
                    for login in ("2001", "2002", "2003")
                ]
            )
        traders = self.partner("C2001") | self.partner("C2002") | self.partner("C2003")
        self.assertEqual(traders.mapped("fx_trade_count_total"), [1, 1, 1])
        book = len(self.env["res.partner"]._fx_trader_ids())
        self.env.flush_all()
        self.env.cr.execute(  # facts that a refresh puts right
            "UPDATE res_partner SET fx_trade_count_total = 99 WHERE id = ANY(%s)",
            [traders.ids],
        )
        self.env.invalidate_all()
        Queue = self.env["fx.facts.queue"]
        self.assertEqual(Queue.search_count([]), 0)
        # a "large" book: above the chunk, the call queues and returns at once
        with (
            freeze_time("2026-11-21 12:00:00"),
            patch.object(res_partner, "RECOMPUTE_CHUNK", book - 1),
        ):
            result = self.sync.action_recompute_all()
            self.assertEqual(result, {"traders": book, "queued": book})
            self.assertEqual(Queue.search_count([]), book)
            self.assertEqual(traders.mapped("fx_trade_count_total"), [99, 99, 99])
            # the cron takes a batch per run (Odoo commits each run and runs it
            # again at once while work remains)
            self.assertEqual(Queue._process(limit=book - 1), book - 1)
            self.assertEqual(Queue.search_count([]), 1)
            self.assertEqual(Queue._cron_process(), 1)
            self.assertEqual(Queue.search_count([]), 0)
        traders.invalidate_recordset()
        self.assertEqual(traders.mapped("fx_trade_count_total"), [1, 1, 1])

    def test_small_book_refreshed_at_once(self):
        with freeze_time("2026-11-20 12:00:00"):
            self.sync.push_accounts([self.account("2101")])
            result = self.sync.action_recompute_all()
        self.assertEqual(
            set(result), {"traders", "changed_stages", "seconds"}, "done, not queued"
        )
        self.assertEqual(
            result["traders"], len(self.env["res.partner"]._fx_trader_ids())
        )
        self.assertEqual(self.env["fx.facts.queue"].search_count([]), 0)
