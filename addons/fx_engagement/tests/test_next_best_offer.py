"""Next best offer on a constructed book: two segments of similar traders,
hand-computed shares, ranking, ties, minimum support, the reason text, the
e-mail template helper and the trader condition
(docs/METRICS.md#next-best-offer)."""

from odoo import Command
from odoo.tests import freeze_time, new_test_user

from .common import SyncCase

NOW = "2026-06-01 12:00:00"
RECENT = "2026-05-20T10:00:00Z"  # within 90 days
OLD = "2025-11-01T10:00:00Z"  # 212 days ago


@freeze_time(NOW)
class TestNextBestOffer(SyncCase):
    """Segment "Gold traders gone quiet" (G): T1..T6, size 6; segment "Index
    fans" (R): T6..T9, size 4. Trades (last 90 days unless said):

    ====  ==========================  =======
    T1    XAUUSD, EURUSD              G
    T2    XAUUSD, EURUSD              G
    T3    XAUUSD, US30                G
    T4    XAUUSD, US30                G
    T5    GBPUSD 212 days ago         G
    T6    nothing                     G, R
    T7    US30                        R
    T8    US30                        R
    T9    US30                        R
    ====  ==========================  =======

    Takers in G: XAUUSD 4 (66.7 %), EURUSD 2 (33.3 %), US30 2 (33.3 %);
    GBPUSD 0 (too old). In R: US30 3 (75 %).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        trades = {
            1: [("XAUUSD", RECENT), ("EURUSD", RECENT)],
            2: [("XAUUSD", RECENT), ("EURUSD", RECENT)],
            3: [("XAUUSD", RECENT), ("US30", RECENT)],
            4: [("XAUUSD", RECENT), ("US30", RECENT)],
            5: [("GBPUSD", OLD)],
            6: [],
            7: [("US30", RECENT)],
            8: [("US30", RECENT)],
            9: [("US30", RECENT)],
        }
        with freeze_time(NOW):
            cls.sync.push_accounts(
                [cls.account(f"90{n}", name=f"T{n}") for n in trades]
            )
            cls.sync.push_trades(
                [
                    cls.trade(cls, f"{n}-{i}", at, login=f"90{n}", symbol=symbol)
                    for n, done in trades.items()
                    for i, (symbol, at) in enumerate(done)
                ]
            )
        cls.t = {n: cls.partner(cls, f"C90{n}") for n in trades}
        Segment = cls.env["fx.segment"]
        # only the two constructed segments group similar traders here (the
        # starter segments picked up the pushed traders)
        Segment.search([]).active = False
        cls.gold = Segment.create({"name": "Gold traders gone quiet"})
        cls.index = Segment.create({"name": "Index fans"})
        for n in range(1, 7):
            cls.t[n].fx_segment_ids = [Command.link(cls.gold.id)]
        for n in range(6, 10):
            cls.t[n].fx_segment_ids = [Command.link(cls.index.id)]
        cls.Offer = cls.env["fx.next.best.offer"]
        cls.env["ir.config_parameter"].set_param("fx_engagement.nbo_min_support", "2")

    def offers(self, n):
        return [
            (o.rank, o.symbol, o.takers, o.group_size, o.share, o.reason)
            for o in self.t[n].fx_next_best_offer_ids.sorted("rank")
        ]

    def test_ranking_and_reasons(self):
        result = self.Offer._fx_recompute()
        gold, index = "Gold traders gone quiet", "Index fans"
        self.assertEqual(
            self.offers(6),
            [
                (1, "US30", 3, 4, 75.0, f"75 % of {index} trade US30"),
                (2, "XAUUSD", 4, 6, 66.7, f"67 % of {gold} trade XAUUSD"),
                (3, "EURUSD", 2, 6, 33.3, f"33 % of {gold} trade EURUSD"),
            ],
        )
        # a tie on share and takers: alphabetical (EURUSD before US30); GBPUSD,
        # traded 212 days ago, is never offered back
        self.assertEqual(
            [o[:2] for o in self.offers(5)],
            [(1, "XAUUSD"), (2, "EURUSD"), (3, "US30")],
        )
        self.assertEqual([o[:2] for o in self.offers(1)], [(1, "US30")])
        self.assertEqual([o[:2] for o in self.offers(3)], [(1, "EURUSD")])
        self.assertEqual(self.offers(7), [])  # R offers only US30, traded already
        mine = self.Offer.search(
            [("partner_id", "in", [p.id for p in self.t.values()])]
        )
        self.assertEqual(len(mine), 3 + 3 + 1 + 1 + 1 + 1)  # T6, T5, T1-T4
        self.assertGreaterEqual(result["offers"], len(mine))
        self.assertEqual(
            mine.filtered(lambda o: o.symbol == "XAUUSD").instrument_id.name, "XAUUSD"
        )

    def test_minimum_support(self):
        self.env["ir.config_parameter"].set_param("fx_engagement.nbo_min_support", "3")
        self.Offer._fx_recompute()
        self.assertEqual([o[:2] for o in self.offers(6)], [(1, "US30"), (2, "XAUUSD")])
        self.assertEqual([o[:2] for o in self.offers(5)], [(1, "XAUUSD")])
        self.assertEqual(self.offers(1), [])
        # rows of a previous run that no longer hold are removed
        self.env["ir.config_parameter"].set_param("fx_engagement.nbo_min_support", "5")
        self.Offer._fx_recompute()
        self.assertEqual(self.offers(6), [])

    def test_rerun_writes_nothing_new(self):
        self.Offer._fx_recompute()
        first = self.t[6].fx_next_best_offer_ids.mapped("computed_on")
        with freeze_time("2026-06-01 13:00:00"):
            self.Offer._fx_recompute()
        self.t[6].invalidate_recordset()
        self.assertEqual(self.t[6].fx_next_best_offer_ids.mapped("computed_on"), first)

    def test_email_template_and_condition(self):
        self.Offer._fx_recompute()
        template = self.env["mail.template"].create(
            {
                "name": "NBO",
                "model_id": self.env.ref("base.model_res_partner").id,
                "subject": "Ideas for you",
                "body_html": (
                    "<p>Ideas: <t t-out='object.fx_next_best_offer_text'/></p>"
                ),
            }
        )
        body = template._render_field("body_html", [self.t[6].id])[self.t[6].id]
        self.assertIn("75 % of Index fans trade US30", body)
        self.assertIn("67 % of Gold traders gone quiet trade XAUUSD", body)
        self.assertEqual(
            self.t[6].fx_next_best_offer_text,
            "75 % of Index fans trade US30\n"
            "67 % of Gold traders gone quiet trade XAUUSD\n"
            "33 % of Gold traders gone quiet trade EURUSD",
        )
        ids = [p.id for p in self.t.values()]
        segment = self.env["fx.segment"].create(
            {
                "name": "Offered US30",
                "domain": repr([("id", "in", ids)]),
                "condition_ids": [
                    Command.create({"kind": "nbo_symbol", "symbol": " us30 "})
                ],
            }
        )
        segment.action_refresh()
        # US30 is offered to T1, T2 (G, 33 %), T5 (G) and T6 (R, 75 %)
        self.assertEqual(
            segment.member_ids, self.t[1] | self.t[2] | self.t[5] | self.t[6]
        )
        self.assertEqual(
            segment.condition_ids.description, "next best offer includes  us30 "
        )

    def test_salespeople_see_their_traders_offers(self):
        self.Offer._fx_recompute()
        seller = new_test_user(
            self.env,
            login="nbo_seller",
            groups="base.group_user,fx_engagement.group_fx_user",
        )
        other = new_test_user(
            self.env,
            login="nbo_other",
            groups="base.group_user,fx_engagement.group_fx_user",
        )
        self.t[6].user_id = seller
        self.t[5].user_id = other
        visible = self.Offer.with_user(seller).search(
            [("partner_id", "in", (self.t[5] | self.t[6]).ids)]
        )
        self.assertEqual(visible.partner_id, self.t[6])
