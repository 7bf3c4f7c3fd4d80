from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user
from odoo.tools import mute_logger

from .common import SyncCase

NOW = "2026-11-23 12:00:00"


@freeze_time(NOW)
class TestSegment(SyncCase):
    """A small book: four traders with known behaviour, pushed through the API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls._push_book()
        cls.manager = new_test_user(
            cls.env, login="seg_manager", groups="fx_engagement.group_fx_manager"
        )
        cls.user = new_test_user(
            cls.env, login="seg_user", groups="fx_engagement.group_fx_user"
        )
        cls.Segment = cls.env["fx.segment"].with_user(cls.manager)

    @classmethod
    def _push_book(cls):
        sync = cls.sync
        people = {"ann": "S1", "bob": "S2", "cem": "S3", "dia": "S4"}
        sync.push_events(
            [
                {
                    "type": "registration",
                    "at": "2026-01-01T08:00:00Z",
                    "client_ref": ref,
                    "name": name.title(),
                    "email": f"{name}@example.com",
                    "country": "AE" if name != "dia" else "GB",
                }
                for name, ref in people.items()
            ]
        )
        sync.push_accounts(
            [
                {
                    "platform": "mt5",
                    "server": "Seg",
                    "login": ref,
                    "client_ref": ref,
                    "currency": "USD",
                    "opened_at": "2026-01-02T08:00:00Z",
                }
                for ref in people.values()
            ]
        )

        def keys(ref):
            return {"platform": "mt5", "server": "Seg", "login": ref}

        sync.push_fundings(
            [
                # ann: big depositor lately; bob: funded 3 days ago; cem: old money
                {
                    "ref": "A1",
                    **keys("S1"),
                    "kind": "deposit",
                    "amount": 6000,
                    "currency": "USD",
                    "at": "2026-09-01T10:00:00Z",
                },
                {
                    "ref": "A2",
                    **keys("S1"),
                    "kind": "deposit",
                    "amount": 4000,
                    "currency": "USD",
                    "at": "2026-11-10T10:00:00Z",
                },
                {
                    "ref": "B1",
                    **keys("S2"),
                    "kind": "deposit",
                    "amount": 500,
                    "currency": "USD",
                    "at": "2026-11-20T10:00:00Z",
                },
                {
                    "ref": "C1",
                    **keys("S3"),
                    "kind": "deposit",
                    "amount": 2000,
                    "currency": "USD",
                    "at": "2026-06-01T10:00:00Z",
                },
            ]
        )

        def trade(ref, ticket, day, symbol, strategy=None):
            return {
                **keys(ref),
                "ticket": ticket,
                "symbol": symbol,
                "side": "buy",
                "volume": 1,
                "open_time": f"{day}T10:00:00Z",
                "strategy": strategy,
            }

        sync.push_trades(
            [
                trade("S1", "1", "2026-11-05", "XAUUSD"),  # gold 18 days ago
                trade("S1", "2", "2026-11-22", "EURUSD", "scalping"),
                trade("S2", "3", "2026-11-21", "XAUUSD"),  # gold 2 days ago
                trade("S3", "4", "2026-08-01", "EURUSD", "martingale"),
            ]
        )
        cls.ann, cls.bob, cls.cem, cls.dia = (
            cls.env["res.partner"].search([("fx_client_ref", "=", ref)])
            for ref in people.values()
        )
        cls.book = cls.ann | cls.bob | cls.cem | cls.dia

    def segment(self, conditions=(), domain=None, **kw):
        domain = domain or f"[('id', 'in', {self.book.ids})]"
        return self.Segment.create(
            {
                "name": kw.pop("name", "Test segment"),
                "domain": domain,
                "condition_ids": [(0, 0, c) for c in conditions],
                **kw,
            }
        )

    def members(self, segment):
        segment.action_refresh()
        return segment.member_ids

    def test_book_facts(self):
        self.assertEqual(
            [p.fx_stage for p in self.book],
            ["active", "active", "churned", "registered"],
        )

    def test_each_condition(self):
        cases = [
            ({"kind": "deposit_min", "amount": 4000, "days": 30}, self.ann),
            (
                {"kind": "deposit_min", "amount": 4001, "days": 30},
                self.env["res.partner"],
            ),
            ({"kind": "deposit_min", "amount": 9000, "days": 90}, self.ann),
            ({"kind": "ftd_within", "days": 7}, self.bob),
            ({"kind": "no_trade", "days": 30}, self.cem | self.dia),
            ({"kind": "no_trade", "days": 30, "negate": True}, self.ann | self.bob),
            (
                {"kind": "traded_symbol", "symbol": "xauusd", "days": 30},
                self.ann | self.bob,
            ),
            ({"kind": "traded_symbol", "symbol": "XAUUSD", "days": 7}, self.bob),
            (
                {
                    "kind": "used_strategy",
                    "days": 0,
                    "strategy_id": self.env.ref(
                        "fx_engagement.fx_strategy_martingale"
                    ).id,
                },
                self.cem,
            ),
            (
                {
                    "kind": "used_strategy",
                    "days": 30,
                    "strategy_id": self.env.ref(
                        "fx_engagement.fx_strategy_martingale"
                    ).id,
                },
                self.env["res.partner"],
            ),
            # cem is churned: risk 100 (docs/METRICS.md#churn-risk); the others
            # are active with at most a few points
            ({"kind": "churn_risk", "risk": 100}, self.cem),
            ({"kind": "churn_risk", "risk": 50}, self.cem),
            ({"kind": "stage_window", "stage": "churned", "days": 30}, self.cem),
            # all four were "registered" earlier today (the book was pushed today)
            ({"kind": "stage_window", "stage": "registered", "days": 30}, self.book),
            (
                {"kind": "stage_window", "stage": "funded", "days": 30},
                self.ann | self.bob,  # cem went from registered straight to churned
            ),
        ]
        for condition, expected in cases:
            with self.subTest(condition=condition):
                self.assertEqual(
                    self.members(self.segment([condition])), expected, condition
                )

    def test_gold_quiet_example(self):
        """Funded traders from the UAE who traded gold in the last 30 days but
        not in the last 7, excluding VIPs."""
        vip = self.segment(domain=f"[('id', '=', {self.ann.id})]", name="VIP")
        gold_quiet = self.segment(
            [
                {"kind": "traded_symbol", "symbol": "XAUUSD", "days": 30},
                {
                    "kind": "traded_symbol",
                    "symbol": "XAUUSD",
                    "days": 7,
                    "negate": True,
                },
                {"kind": "segment", "other_segment_id": vip.id, "negate": True},
            ],
            # within the test's book (the demo book has UAE gold traders too)
            domain="[('fx_is_funded', '=', True), ('country_id.code', '=', 'AE'), "
            f"('id', 'in', {self.book.ids})]",
        )
        vip.action_refresh()
        self.assertFalse(self.members(gold_quiet))  # ann is the VIP
        vip.write({"domain": "[('id', '=', 0)]"})
        vip.action_refresh()
        self.assertEqual(self.members(gold_quiet), self.ann)
        # mass mailing, lists and filters target it with a plain domain
        self.assertEqual(
            self.env["res.partner"].search([("fx_segment_ids", "in", gold_quiet.ids)]),
            self.ann,
        )
        self.assertIn(gold_quiet, self.ann.fx_segment_ids)

    def test_cycle_refused(self):
        a = self.segment(name="A")
        b = self.segment([{"kind": "segment", "other_segment_id": a.id}], name="B")
        c = self.segment([{"kind": "segment", "other_segment_id": b.id}], name="C")
        with self.assertRaisesRegex(ValidationError, "in a loop: A → C → B → A"):
            a.write(
                {
                    "condition_ids": [
                        (0, 0, {"kind": "segment", "other_segment_id": c.id})
                    ]
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot include itself"):
            a.write(
                {
                    "condition_ids": [
                        (0, 0, {"kind": "segment", "other_segment_id": a.id})
                    ]
                }
            )

    def test_refresh_order_follows_dependencies(self):
        base = self.segment(name="Base", domain=f"[('id', 'in', {self.bob.ids})]")
        derived = self.segment(
            [{"kind": "segment", "other_segment_id": base.id}], name="Derived"
        )
        # refreshing both at once refreshes Base first, whatever the order asked
        results = (derived | base).action_refresh()
        self.assertEqual(
            results,
            [
                {"entered": 1, "left": 0, "members": 1},
                {"entered": 1, "left": 0, "members": 1},
            ],
        )
        self.assertEqual(derived.member_ids, self.bob)

    def test_membership_history_enter_and_leave(self):
        segment = self.segment([{"kind": "no_trade", "days": 7}])
        self.assertEqual(
            segment.action_refresh(), {"entered": 2, "left": 0, "members": 2}
        )
        self.assertEqual(segment.member_ids, self.cem | self.dia)
        self.assertEqual(
            segment.action_refresh(), {"entered": 0, "left": 0, "members": 2}
        )
        with freeze_time("2026-11-24 12:00:00"):
            self.sync.push_trades(
                [
                    {
                        "platform": "mt5",
                        "server": "Seg",
                        "login": "S3",
                        "ticket": "9",
                        "symbol": "EURUSD",
                        "side": "sell",
                        "volume": 1,
                        "open_time": "2026-11-24T09:00:00Z",
                    }
                ]
            )
            self.assertEqual(
                segment.action_refresh(), {"entered": 0, "left": 1, "members": 1}
            )
        history = segment.membership_ids.sorted(lambda m: m.partner_id.id)
        self.assertEqual(
            [
                (m.partner_id, str(m.date_entered), str(m.date_left or ""))
                for m in history
            ],
            [
                (self.cem, NOW, "2026-11-24 12:00:00"),
                (self.dia, NOW, ""),
            ],
        )
        self.assertEqual(
            segment.refresh_ids.sorted("id").mapped("member_count"), [2, 2, 1]
        )

    def test_history_buttons_open_this_segments_lines(self):
        segment = self.segment(
            [{"kind": "traded_symbol", "symbol": "BTCUSD", "days": 7}]
        )
        for method, model in (
            ("action_view_membership", "fx.segment.membership"),
            ("action_view_refreshes", "fx.segment.refresh"),
        ):
            action = getattr(segment, method)()
            self.assertEqual(
                (action["res_model"], action["domain"]),
                (model, [("segment_id", "=", segment.id)]),
            )

    def test_refresh_after_push_for_touched_traders(self):
        segment = self.segment(
            [{"kind": "traded_symbol", "symbol": "BTCUSD", "days": 7}],
            refresh_policy="on_change",
        )
        segment.action_refresh()
        self.assertFalse(segment.member_ids)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT ctid::text FROM fx_segment WHERE id = %s", [segment.id]
        )
        [(row_version,)] = self.env.cr.fetchall()
        self.sync.push_trades(
            [
                {
                    "platform": "mt5",
                    "server": "Seg",
                    "login": "S4",
                    "ticket": "7",
                    "symbol": "BTCUSD",
                    "side": "buy",
                    "volume": 0.1,
                    "open_time": "2026-11-23T10:00:00Z",
                }
            ]
        )
        self.assertEqual(segment.member_ids, self.dia)
        self.assertEqual(segment.member_count, 1)
        # ... without writing the segment's row (concurrent pushes would conflict)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT ctid::text FROM fx_segment WHERE id = %s", [segment.id]
        )
        self.assertEqual(self.env.cr.fetchall(), [(row_version,)])
        # a manual segment waits for its refresh
        manual = self.segment(
            [{"kind": "traded_symbol", "symbol": "USOIL", "days": 7}],
            refresh_policy="manual",
        )
        self.sync.push_trades(
            [
                {
                    "platform": "mt5",
                    "server": "Seg",
                    "login": "S4",
                    "ticket": "8",
                    "symbol": "USOIL",
                    "side": "buy",
                    "volume": 0.1,
                    "open_time": "2026-11-23T10:00:00Z",
                }
            ]
        )
        self.assertFalse(manual.member_ids)

    def test_mailing_list_and_tag_sync(self):
        tag = self.env["res.partner.category"].create({"name": "Quiet"})
        segment = self.segment([{"kind": "no_trade", "days": 7}], tag_id=tag.id)
        segment.action_create_mailing_list()
        mailing_list = segment.mailing_list_id
        segment.action_refresh()
        self.assertEqual(
            sorted(mailing_list.contact_ids.mapped("email")),
            ["cem@example.com", "dia@example.com"],
        )
        self.assertEqual(mailing_list.contact_count, 2)
        self.assertEqual(
            self.env["res.partner"].search([("category_id", "in", tag.ids)]),
            self.cem | self.dia,
        )
        # dia opts out of the list: the opt-out is kept across refreshes
        dia_sub = mailing_list.subscription_ids.filtered(
            lambda s: s.contact_id.email == "dia@example.com"
        )
        dia_sub.opt_out = True
        # cem trades again and leaves the segment: unsubscribed and untagged
        self.sync.push_trades(
            [
                {
                    "platform": "mt5",
                    "server": "Seg",
                    "login": "S3",
                    "ticket": "9",
                    "symbol": "EURUSD",
                    "side": "sell",
                    "volume": 1,
                    "open_time": "2026-11-23T09:00:00Z",
                }
            ]
        )
        segment.action_refresh()
        mailing_list.invalidate_recordset()
        self.assertEqual(mailing_list.contact_ids.mapped("email"), ["dia@example.com"])
        self.assertTrue(mailing_list.subscription_ids.opt_out)
        self.assertEqual(
            self.env["res.partner"].search([("category_id", "in", tag.ids)]), self.dia
        )

    def test_live_preview_before_saving(self):
        form = Form(self.Segment)
        form.name = "Preview"
        form.domain = f"[('id', 'in', {self.book.ids})]"
        self.assertEqual(form.preview_count, 4)
        with form.condition_ids.new() as cond:
            cond.kind = "traded_symbol"
            cond.symbol = "XAUUSD"
            cond.days = 30
        self.assertEqual(form.preview_count, 2)
        self.assertEqual(
            {p.id for p in form.preview_partner_ids}, {self.ann.id, self.bob.id}
        )
        form.domain = "[('fx_made_up_field', '=', 1)]"
        self.assertEqual(form.preview_count, 0)
        self.assertIn("unknown field fx_made_up_field", form.preview_error)

    def test_invalid_rules_refused(self):
        with self.assertRaisesRegex(ValidationError, "the filter is not valid"):
            self.segment(domain="[('name', '=', ")
        with self.assertRaisesRegex(ValidationError, "unknown field fx_nope"):
            self.segment(domain="[('fx_nope', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "must be a list"):
            self.segment(domain="42")
        with self.assertRaisesRegex(
            ValidationError, "you may not filter on signup_type"
        ):
            self.segment(domain="[('signup_type', '=', 'signup')]")
        with self.assertRaisesRegex(ValidationError, "a symbol is required"):
            self.segment([{"kind": "traded_symbol", "days": 7}])
        with self.assertRaisesRegex(ValidationError, "number of days must be positive"):
            self.segment([{"kind": "no_trade", "days": 0}])

    def test_broken_segment_isolated_in_scheduled_refresh(self):
        good = self.segment([{"kind": "ftd_within", "days": 7}], name="Good")
        broken = self.segment(name="Broken")
        # a field removed by an upgrade, say: the stored rule no longer works
        self.env.cr.execute(
            "UPDATE fx_segment SET domain = %s WHERE id = %s",
            ["[('fx_removed_field', '=', 1)]", broken.id],
        )
        broken.invalidate_recordset()
        with mute_logger("odoo.addons.fx_engagement.models.fx_segment"):
            (good | broken)._fx_refresh_isolated()
        self.assertEqual(good.member_ids, self.bob)
        self.assertFalse(good.is_broken)
        self.assertTrue(broken.is_broken)
        self.assertIn("unknown field fx_removed_field", broken.last_error)

    def test_users_read_managers_edit(self):
        segment = self.segment(name="Readable")
        as_user = segment.with_user(self.user)
        self.assertEqual(as_user.name, "Readable")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            as_user.write({"domain": "[]"})
        # a user may refresh it (rules unchanged)
        self.assertEqual(as_user.action_refresh()["members"], 4)
        plain = new_test_user(self.env, login="seg_plain", groups="base.group_user")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            segment.with_user(plain).action_refresh()

    def test_overlap(self):
        a = self.segment([{"kind": "no_trade", "days": 7}], name="A")  # cem, dia
        b = self.segment(
            domain=f"[('id', 'in', {(self.dia | self.ann).ids})]", name="B"
        )
        (a | b).action_refresh()
        wizard = self.env["fx.segment.overlap"].create(
            {"segment_a_id": a.id, "segment_b_id": b.id}
        )
        self.assertRecordValues(
            wizard,
            [
                {
                    "count_a": 2,
                    "count_b": 2,
                    "count_both": 1,
                    "count_only_a": 1,
                    "count_only_b": 1,
                    "overlap_pct": 100 / 3,
                }
            ],
        )
        both = self.env["res.partner"].search(wizard.action_open_both()["domain"])
        self.assertEqual(both, self.dia)
