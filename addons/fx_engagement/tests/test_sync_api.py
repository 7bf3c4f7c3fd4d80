import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from .common import SyncCase

NOTHING = {"created": 0, "updated": 0, "unchanged": 0}


@freeze_time("2026-11-23 12:00:00")
class TestSyncApi(SyncCase):
    def test_push_accounts_create_update_unchanged(self):
        batch = [self.account("1001"), self.account("1002", client_ref="C1001")]
        self.assertEqual(
            self.sync.push_accounts(batch), {"created": 2, "updated": 0, "unchanged": 0}
        )
        trader = self.partner("C1001")
        self.assertEqual(len(trader), 1, "both accounts belong to one new contact")
        self.assertTrue(trader.fx_is_trader)
        self.assertEqual(trader.fx_account_count, 2)
        self.assertEqual(trader.fx_stage, "registered")
        # the same batch again changes nothing
        self.assertEqual(
            self.sync.push_accounts(batch), {"created": 0, "updated": 0, "unchanged": 2}
        )
        # new values update
        batch[1] = dict(batch[1], balance=250.5, equity=260.0, status="disabled")
        self.assertEqual(
            self.sync.push_accounts(batch), {"created": 0, "updated": 1, "unchanged": 1}
        )
        account = self.env["fx.trading.account"].search([("login", "=", "1002")])
        self.assertRecordValues(
            account,
            [
                {
                    "balance": 250.5,
                    "equity": 260.0,
                    "status": "disabled",
                    "leverage": 100,
                }
            ],
        )
        # demo accounts are not counted as platform accounts of the trader
        self.sync.push_accounts([self.account("1003", client_ref="C1001", type="demo")])
        self.assertEqual(trader.fx_account_count, 2)

    def test_account_moved_to_another_trader_takes_its_facts(self):
        self.sync.push_accounts([self.account("1001")])
        self.sync.push_fundings([self.funding("P1", 100, "2026-11-20T10:00:00Z")])
        old = self.partner("C1001")
        self.assertEqual(old.fx_total_deposits, 100)
        self.sync.push_accounts([self.account("1001", client_ref="C2002")])
        new = self.partner("C2002")
        self.assertEqual(new.fx_total_deposits, 100)
        self.assertEqual(old.fx_total_deposits, 0)
        self.assertEqual(
            self.env["fx.funding"].search([("ref", "=", "P1")]).partner_id, new
        )

    def test_push_fundings_and_facts(self):
        self.sync.push_accounts([self.account("1001")])
        result = self.sync.push_fundings(
            [
                self.funding("P1", 1000, "2026-06-01T10:00:00Z"),
                self.funding("P2", 500, "2026-11-10T10:00:00Z", currency="EUR"),
                self.funding("P3", 300, "2026-11-15T10:00:00Z", kind="withdrawal"),
                self.funding("P4", 50, "2026-11-16T10:00:00Z", kind="bonus"),
            ]
        )
        self.assertEqual(result, {"created": 4, "updated": 0, "unchanged": 0})
        trader = self.partner("C1001")
        # 500 EUR at 0.8 EUR per USD = 625 USD
        self.assertRecordValues(
            trader,
            [
                {
                    "fx_stage": "funded",
                    "fx_is_funded": True,
                    "fx_ftd_amount": 1000.0,
                    "fx_total_deposits": 1625.0,
                    "fx_total_withdrawals": 300.0,
                    "fx_net_deposits": 1325.0,
                    "fx_deposits_30d": 625.0,
                    "fx_withdrawals_30d": 300.0,
                    "fx_net_deposits_30d": 325.0,
                    "fx_deposits_90d": 625.0,
                    "fx_total_bonus": 50.0,
                    "fx_ltv": 1325.0,
                }
            ],
        )
        self.assertEqual(str(trader.fx_ftd_date), "2026-06-01 10:00:00")
        # explainable churn risk: only the withdrawals weigh (300 of 625 deposited)
        self.assertEqual(trader.fx_churn_risk, 10)
        self.assertEqual(
            trader.fx_churn_factors,
            [
                {
                    "code": "withdrawals",
                    "points": 10,
                    "detail": "withdrew 300.00 against 625.00 deposited in 90 days",
                    "args": {"withdrawn": 300.0, "deposited": 625.0},
                }
            ],
        )
        self.assertIn("<b>+10</b> withdrew 300.00", trader.fx_churn_explanation)
        self.assertEqual(str(trader.fx_last_deposit_date), "2026-11-10 10:00:00")
        # re-send: unchanged; corrected amount: updated
        self.assertEqual(
            self.sync.push_fundings([self.funding("P1", 1000, "2026-06-01T10:00:00Z")]),
            {"created": 0, "updated": 0, "unchanged": 1},
        )
        self.assertEqual(
            self.sync.push_fundings([self.funding("P1", 1200, "2026-06-01T10:00:00Z")]),
            {"created": 0, "updated": 1, "unchanged": 0},
        )
        self.assertEqual(trader.fx_total_deposits, 1825.0)
        self.assertEqual(trader.fx_ftd_amount, 1200.0)
        # the same reference from another source is another event
        self.assertEqual(
            self.sync.push_fundings(
                [self.funding("P1", 10, "2026-11-20T10:00:00Z", source="psp2")]
            ),
            {"created": 1, "updated": 0, "unchanged": 0},
        )

    def test_push_trades_and_facts(self):
        self.sync.push_accounts([self.account("1001")])
        self.sync.push_fundings([self.funding("P1", 1000, "2026-11-01T10:00:00Z")])
        trades = [
            self.trade(
                "T1",
                "2026-11-20T10:00:00Z",
                symbol="xauusd",
                volume=2.5,
                close_time="2026-11-20T11:00:00Z",
                close_price=1.2,
                profit=40,
                strategy="Scalping",
            ),
            self.trade("T2", "2026-11-22T10:00:00Z", volume=0.5, strategy="scalping"),
            self.trade(
                "T3",
                "2026-09-01T10:00:00Z",
                volume=1.0,
                broker_revenue=12.5,
                close_time="2026-09-02T10:00:00Z",
                strategy="news",
            ),
            self.trade("T4", "2026-06-01T10:00:00Z", volume=9.0),
        ]
        self.assertEqual(
            self.sync.push_trades(trades), {"created": 4, "updated": 0, "unchanged": 0}
        )
        self.assertEqual(
            self.sync.push_trades(trades), {"created": 0, "updated": 0, "unchanged": 4}
        )
        t1 = self.env["fx.trade"].search([("ticket", "=", "T1")])
        self.assertRecordValues(
            t1,
            [
                {
                    "symbol": "XAUUSD",
                    "state": "closed",
                    "strategy": "scalping",
                    "profit": 40.0,
                    "revenue_company": 7.0,
                }
            ],
        )
        trader = self.partner("C1001")
        self.assertRecordValues(
            trader,
            [
                {
                    "fx_stage": "active",
                    "fx_trade_count_total": 4,
                    "fx_trade_count_30d": 2,
                    "fx_trade_count_90d": 3,
                    "fx_volume_30d": 3.0,
                    "fx_volume_90d": 4.0,
                    # 7 + 7 + 12.5 (reported) + 7
                    "fx_revenue_total": 33.5,
                    "fx_ltv": 1033.5,
                }
            ],
        )
        self.assertEqual(str(trader.fx_last_trade_date), "2026-11-22 10:00:00")
        self.assertEqual(
            sorted(trader.fx_instrument_ids.mapped("name")), ["EURUSD", "XAUUSD"]
        )
        self.assertEqual(
            trader.fx_instrument_ids.filtered(lambda i: i.name == "XAUUSD").asset_class,
            "metal",
        )
        self.assertEqual(
            sorted(trader.fx_strategy_ids.mapped("code")), ["news", "scalping"]
        )
        # an open trade closes: updated
        closed = dict(trades[1], close_time="2026-11-22T12:00:00Z", profit=-5)
        self.assertEqual(
            self.sync.push_trades([closed]),
            {"created": 0, "updated": 1, "unchanged": 0},
        )
        self.assertEqual(
            self.env["fx.trade"].search([("ticket", "=", "T2")]).state, "closed"
        )

    def test_resent_batch_recomputes_nothing(self):
        """Bridges re-send their last hours: unchanged rows cost no fact refresh;
        the traders of changed rows only are refreshed."""
        self.sync.push_accounts([self.account("1001"), self.account("1002")])
        fundings = [
            self.funding("R1", 100, "2026-11-20T10:00:00Z"),
            self.funding("R2", 200, "2026-11-20T10:00:00Z", login="1002"),
        ]
        trades = [
            self.trade("R1", "2026-11-20T10:00:00Z"),
            self.trade("R2", "2026-11-20T10:00:00Z", login="1002"),
        ]
        self.sync.push_fundings(fundings)
        self.sync.push_trades(trades)
        one, two = self.partner("C1001"), self.partner("C1002")
        self.assertEqual((one.fx_trade_count_total, two.fx_trade_count_total), (1, 1))

        def spoil():  # facts that a refresh would put right
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE res_partner SET fx_trade_count_total = 99, "
                "fx_total_deposits = 99 WHERE id IN %s",
                [(one.id, two.id)],
            )
            self.env.invalidate_all()

        spoil()
        self.assertEqual(self.sync.push_trades(trades)["unchanged"], 2)
        self.assertEqual(self.sync.push_fundings(fundings)["unchanged"], 2)
        self.assertEqual((one.fx_trade_count_total, two.fx_trade_count_total), (99, 99))
        # one trade changes: its trader only is refreshed
        self.sync.push_trades([trades[0], dict(trades[1], volume=0.7)])
        self.assertEqual((one.fx_trade_count_total, two.fx_trade_count_total), (99, 1))
        self.sync.push_fundings([fundings[0], dict(fundings[1], amount=250)])
        self.assertEqual((one.fx_total_deposits, two.fx_total_deposits), (99, 250))

    def test_new_symbols_and_strategies_are_created_once(self):
        self.sync.push_accounts([self.account("1001")])
        trades = [
            {
                **self.keys(),
                "ticket": f"N{n}",
                "symbol": "btcusd.x",
                "side": "buy",
                "volume": 0.1,
                "open_time": "2026-11-22T10:00:00Z",
                "strategy": "grid_bot",
            }
            for n in range(3)
        ]
        self.sync.push_trades(trades)
        instrument = self.env["fx.instrument"].search([("name", "=", "BTCUSD.X")])
        self.assertRecordValues(instrument, [{"asset_class": "crypto", "active": True}])
        strategy = self.env["fx.strategy"].search([("code", "=", "grid_bot")])
        self.assertRecordValues(strategy, [{"name": "Grid Bot", "active": True}])
        self.assertEqual(instrument.create_uid, self.sync.env.user)
        self.assertEqual(str(instrument.create_date), "2026-11-23 12:00:00")
        # a second push finds them instead of creating them again
        self.sync.push_trades([dict(trades[0], ticket="N9")])
        self.assertEqual(
            self.env["fx.instrument"].search_count([("name", "=", "BTCUSD.X")]), 1
        )

    @mute_logger("odoo.sql_db")
    def test_concurrent_new_symbol_is_retried_not_refused(self):
        """Two bridges pushing the same new symbol at once: the later transaction
        gets a serialization failure (which Odoo retries), not a unique-constraint
        error (which would refuse the push)."""
        with (
            sql_db.db_connect(self.env.cr.dbname).cursor() as cr_a,
            sql_db.db_connect(self.env.cr.dbname).cursor() as cr_b,
        ):
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            try:
                cr_a.execute("SELECT 1 FROM fx_instrument LIMIT 1")  # A's snapshot
                ids_b = env_b["fx.instrument"]._fx_ids_by_symbol({"RACEUSD"})
                cr_b.commit()  # pylint: disable=invalid-commit
                with self.assertRaises(psycopg2.errors.SerializationFailure):
                    env_a["fx.instrument"]._fx_ids_by_symbol({"RACEUSD"})
                cr_a.rollback()
                # the retry sees the committed row and uses it
                self.assertEqual(
                    env_a["fx.instrument"]._fx_ids_by_symbol({"RACEUSD"}), ids_b
                )
            finally:
                cr_a.rollback()
                cr_b.execute("DELETE FROM fx_instrument WHERE name = 'RACEUSD'")
                cr_b.commit()  # pylint: disable=invalid-commit

    def test_push_equity(self):
        self.sync.push_accounts([self.account("1001")])
        points = [
            {**self.keys(), "date": "2026-11-20", "balance": 1000, "equity": 1010},
            {**self.keys(), "date": "2026-11-21", "balance": 1000, "equity": 990.5},
        ]
        self.assertEqual(
            self.sync.push_equity(points), {"created": 2, "updated": 0, "unchanged": 0}
        )
        points[1]["equity"] = 995
        self.assertEqual(
            self.sync.push_equity(points), {"created": 0, "updated": 1, "unchanged": 1}
        )
        curve = self.env["fx.equity.point"].search(
            [("partner_id.fx_client_ref", "=", "C1001")], order="date"
        )
        self.assertEqual(curve.mapped("equity"), [1010.0, 995.0])
        self.assertEqual(curve.partner_id, self.partner("C1001"))

    def test_push_events_registration_matches_or_creates(self):
        existing = self.env["res.partner"].create(
            {"name": "Known Person", "email": "Known@Example.com"}
        )
        result = self.sync.push_events(
            [
                {
                    "type": "registration",
                    "at": "2026-11-01T08:00:00Z",
                    "client_ref": "R1",
                    "email": "new@example.com",
                    "name": "New Trader",
                    "phone": "+971500000001",
                    "country": "ae",
                    "referral_code": "ABC123",
                },
                {
                    "type": "registration",
                    "at": "2026-11-02T08:00:00Z",
                    "email": "known@example.com",
                },
                {
                    "type": "kyc",
                    "at": "2026-11-03T08:00:00Z",
                    "client_ref": "R1",
                    "kyc_status": "pending",
                },
                {
                    "type": "kyc",
                    "at": "2026-11-04T08:00:00Z",
                    "client_ref": "R1",
                    "kyc_status": "rejected",
                    "reason": "Blurry passport",
                },
                {"type": "login", "at": "2026-11-05T08:00:00Z", "client_ref": "R1"},
            ]
        )
        self.assertEqual(result, {"created": 5, "updated": 0, "unchanged": 0})
        new = self.partner("R1")
        self.assertRecordValues(
            new,
            [
                {
                    "name": "New Trader",
                    "email": "new@example.com",
                    "country_id": self.env.ref("base.ae").id,
                    "fx_is_trader": True,
                    "fx_kyc_status": "rejected",
                    "fx_stage": "kyc_pending",
                }
            ],
        )
        self.assertEqual(str(new.fx_registration_date), "2026-11-01 08:00:00")
        self.assertEqual(str(new.fx_last_login_date), "2026-11-05 08:00:00")
        self.assertTrue(existing.fx_is_trader)
        self.assertEqual(existing.fx_stage, "registered")
        self.assertEqual(
            self.env["fx.client.event"]
            .search([("partner_id", "=", existing.id)])
            .event_type,
            "registration",
        )
        # re-sent events are unchanged; KYC approved later moves the stage
        self.assertEqual(
            self.sync.push_events(
                [{"type": "login", "at": "2026-11-05T08:00:00Z", "client_ref": "R1"}]
            ),
            {"created": 0, "updated": 0, "unchanged": 1},
        )
        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-11-06T08:00:00Z",
                    "client_ref": "R1",
                    "kyc_status": "approved",
                }
            ]
        )
        self.assertEqual(new.fx_kyc_status, "approved")
        self.assertEqual(new.fx_stage, "kyc_approved")

    def assertRefused(self, method, records, *messages):
        before = self.counts()
        with self.assertRaises(ValidationError) as ctx, self.env.cr.savepoint():
            getattr(self.sync, method)(records)
        text = str(ctx.exception)
        self.assertIn(f"{method} refused, nothing was written", text)
        for message in messages:
            self.assertIn(message, text)
        self.assertEqual(self.counts(), before)

    def test_bad_input_writes_nothing(self):
        self.sync.push_accounts([self.account("1001")])
        good = self.trade("T1", "2026-11-20T10:00:00Z")
        self.assertRefused(
            "push_trades",
            [good, {k: v for k, v in good.items() if k != "symbol"} | {"ticket": "T2"}],
            "record 1, field 'symbol': missing",
        )
        self.assertRefused(
            "push_trades",
            [good, dict(good, ticket="T2", volume=-1)],
            "record 1, field 'volume': must be greater than 0, got -1",
        )
        self.assertRefused(
            "push_trades",
            [good, dict(good, ticket="T2", login="9999")],
            "record 1, field 'login': unknown account mt5 Live01 9999",
        )
        self.assertRefused(
            "push_trades",
            [dict(good, volume="1.0")],
            "record 0, field 'volume': expected a number, got str",
        )
        self.assertRefused(
            "push_trades",
            [dict(good, open_time="2027-02-01T00:00:00Z")],
            "record 0, field 'open_time': date in the future",
        )
        self.assertRefused(
            "push_trades",
            [dict(good, close_time="2026-11-19T00:00:00Z")],
            "record 0, field 'close_time': before open_time",
        )
        self.assertRefused(
            "push_trades",
            [dict(good, comment="x" * 129)],
            "record 0, field 'comment': longer than 128 characters",
        )
        self.assertRefused(
            "push_trades",
            [good, dict(good)],
            "record 1, field '*': same key as record 0 in this batch",
        )
        self.assertRefused(
            "push_fundings",
            [self.funding("P1", 100, "2026-11-20T10:00:00Z", currency="XYZ")],
            "record 0, field 'currency': unknown or inactive currency 'XYZ'",
        )
        self.assertRefused(
            "push_accounts",
            [self.account("1002", client_ref=None)],
            "record 0, field 'client_ref': missing (or give email)",
        )
        self.assertRefused(
            "push_events",
            [
                {
                    "type": "kyc",
                    "at": "2026-11-01T00:00:00Z",
                    "client_ref": "NOPE",
                    "kyc_status": "approved",
                }
            ],
            "record 0, field 'client_ref': unknown client 'NOPE'",
        )
        self.assertRefused(
            "push_events",
            [
                {
                    "type": "registration",
                    "at": "2026-11-01T00:00:00Z",
                    "client_ref": "R9",
                    "country": "XX",
                }
            ],
            "record 0, field 'country': unknown country 'XX'",
        )
        self.assertRefused(
            "push_equity",
            [{**self.keys(), "date": "yesterday", "equity": 1}],
            "record 0, field 'date': not an ISO 8601 date: 'yesterday'",
        )
        self.assertRefused(
            "push_trades", {"not": "a list"}, "records: expected a list of records"
        )

    def test_batch_limit(self):
        self.env["ir.config_parameter"].set_param("fx_engagement.sync_batch_limit", 2)
        self.assertRefused(
            "push_accounts",
            [self.account(str(n)) for n in range(3)],
            "3 records in one call, the limit is 2: split the batch",
        )

    def test_only_integration_and_managers(self):
        salesman = new_test_user(
            self.env, login="fx_sales", groups="fx_engagement.group_fx_user"
        )
        with self.assertRaisesRegex(AccessError, "FX Integration"):
            self.env["fx.sync"].with_user(salesman).push_accounts([self.account()])
        manager = new_test_user(
            self.env, login="fx_mgr", groups="fx_engagement.group_fx_manager"
        )
        self.assertEqual(
            self.env["fx.sync"].with_user(manager).push_accounts([self.account()]),
            {"created": 1, "updated": 0, "unchanged": 0},
        )
        # staff read the facts but cannot write them
        account = (
            self.env["fx.trading.account"]
            .with_user(salesman)
            .search([("login", "=", "1001")])
        )
        self.assertEqual(account.balance, 0.0)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            account.write({"balance": 1})

    def test_query_count_does_not_grow_with_batch(self):
        self.sync.push_accounts([self.account(str(n)) for n in range(1, 41)])
        small = [self.trade("A", "2026-11-20T10:00:00Z", login=str(n)) for n in (1, 2)]
        big = [
            self.trade(f"B{n}", "2026-11-20T10:00:00Z", login=str(n % 40 + 1))
            for n in range(200)
        ]
        self.sync.push_trades([self.trade("W", "2026-11-20T10:00:00Z", login="1")])
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        self.sync.push_trades(small)
        small_count = self.env.cr.sql_log_count - queries
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        self.sync.push_trades(big)
        big_count = self.env.cr.sql_log_count - queries
        self.assertEqual(big_count, small_count)

    def test_bulk_push_queues_facts_for_the_background_job(self):
        self.env["ir.config_parameter"].set_param("fx_engagement.sync_inline_limit", 1)
        cron = self.env.ref("fx_engagement.ir_cron_fx_facts_queue")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.sync.push_accounts([self.account("1001"), self.account("1002")])
        self.sync.push_fundings(
            [
                self.funding("Q1", 100, "2026-11-20T10:00:00Z", login="1001"),
                self.funding("Q2", 200, "2026-11-20T10:00:00Z", login="1002"),
            ]
        )
        first, second = self.partner("C1001"), self.partner("C1002")
        # not refreshed yet: queued, and the job is triggered
        self.assertEqual((first | second).mapped("fx_total_deposits"), [0.0, 0.0])
        queue = self.env["fx.facts.queue"].search([])
        self.assertEqual(queue.partner_id, first | second)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
        )
        self.assertEqual(self.env["fx.facts.queue"]._cron_process(), 2)
        self.assertEqual(first.fx_total_deposits, 100.0)
        self.assertEqual(second.fx_total_deposits, 200.0)
        self.assertEqual(second.fx_stage, "funded")
        self.assertFalse(self.env["fx.facts.queue"].search([]))
        # a full refresh empties the queue too
        self.sync.push_fundings(
            [
                self.funding("Q3", 50, "2026-11-21T10:00:00Z", login="1001"),
                self.funding("Q4", 50, "2026-11-21T10:00:00Z", login="1002"),
            ]
        )
        self.assertEqual(len(self.env["fx.facts.queue"].search([])), 2)
        self.sync.action_recompute_all()
        self.assertFalse(self.env["fx.facts.queue"].search([]))
        self.assertEqual(first.fx_total_deposits, 150.0)
