"""Market events: the push, instruments derived from currencies, exposure by
each rule, the campaign trigger before and after an event, once-per-event
enrolment, the risk-notice exception and the holdout report."""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import SQL, mute_logger

from odoo.addons.fx_engagement.models.fx_trader_condition import ConditionArgs

from .test_campaign import CampaignCase

T0 = "2026-11-20 10:00:00"
EVENT_AT = "2026-11-20T12:30:00Z"  # fires at 10:30 two hours before
USD_SYMBOLS = ["EURUSD", "GBPUSD", "NAS100", "US30", "USDJPY", "XAUUSD"]


def market_event(key="nfp", **values):
    return {
        "key": key,
        "title": "US Non-Farm Payrolls",
        "importance": "high",
        "scheduled_at": EVENT_AT,
        "country": "US",
        "currency": "USD",
        "forecast": "180K",
        "previous": 254,
        **values,
    }


class MarketCase(CampaignCase):
    """Six traders (see each rule in docs/METRICS.md#market-event-exposure):

    - ann: an open EURUSD buy (opened 10 days before T0): an open position;
    - bob: a closed USDJPY trade 3 days before T0: traded recently;
    - cid: a closed GBPUSD trade 15 days before T0: not concerned;
    - dan: watches XAUUSD;
    - eve: an open EURGBP sell the day before T0 (EUR, not USD);
    - fay: open USDJPY and XAUUSD positions opened 2 days before, watches US30.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only this test's trading data and catalogue (demo data has trades)
        cls.env.cr.execute("DELETE FROM fx_trade")
        cls.env.cr.execute("DELETE FROM res_partner_fx_watch_rel")
        Instrument = cls.env["fx.instrument"]
        Instrument.search(
            [("name", "not in", [*USD_SYMBOLS, "XAGUSD", "USOIL", "BTCUSD"])]
        ).active = False
        ids = Instrument._fx_ids_by_symbol(["EURGBP", "DE40"])
        cls.eurgbp, cls.de40 = Instrument.browse([ids["EURGBP"], ids["DE40"]])
        cls.eurgbp.write({"asset_class": "forex", "active": True})
        cls.de40.write({"asset_class": "index", "active": True})
        cls.xauusd = Instrument.search([("name", "=", "XAUUSD")])
        cls.us30 = Instrument.search([("name", "=", "US30")])
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        with freeze_time(T0):
            names = ("ann", "bob", "cid", "dan", "eve", "fay")
            people = self.register(*names, at="2026-11-01T09:00:00Z")
            self.ann, self.bob, self.cid, self.dan, self.eve, self.fay = people
            for name in names:
                self.sync.push_accounts(
                    [self.account(f"L-{name}", client_ref=f"R-{name}")]
                )
            closed = {"close_time": None}
            self.sync.push_trades(
                [
                    self.trade("1", "2026-11-10T09:00:00Z", "L-ann", **closed),
                    self.trade(
                        "2",
                        "2026-11-17T09:00:00Z",
                        "L-bob",
                        symbol="USDJPY",
                        close_time="2026-11-17T11:00:00Z",
                    ),
                    self.trade(
                        "3",
                        "2026-11-05T09:00:00Z",
                        "L-cid",
                        symbol="GBPUSD",
                        close_time="2026-11-05T10:00:00Z",
                    ),
                    self.trade(
                        "4",
                        "2026-11-19T09:00:00Z",
                        "L-eve",
                        symbol="EURGBP",
                        side="sell",
                        volume=0.5,
                    ),
                    self.trade(
                        "5",
                        "2026-11-18T09:00:00Z",
                        "L-fay",
                        symbol="USDJPY",
                        side="sell",
                        volume=0.3,
                    ),
                    self.trade(
                        "6",
                        "2026-11-18T09:05:00Z",
                        "L-fay",
                        symbol="XAUUSD",
                        volume=0.2,
                    ),
                ]
            )
        self.dan.fx_watched_instrument_ids = self.xauusd
        self.fay.fx_watched_instrument_ids = self.us30

    def push_event(self, **values):
        self.sync.push_market_events([market_event(**values)])
        return self.env["fx.market.event"].search(
            [("key", "=", values.get("key", "nfp"))]
        )

    def market_campaign(self, steps=None, **values):
        return self.campaign(
            steps or [{"action_type": "email", "subject": "Alert"}],
            **{
                "trigger_type": "market_event",
                "market_offset_hours": 2,
                "market_timing": "before",
                "market_importance": "high",
                "reentry_policy": "any_time",
                **values,
            },
        )


@freeze_time(T0)
class TestMarketEventPush(MarketCase):
    def test_push_idempotent_and_updates(self):
        result = self.sync.push_market_events(
            [
                market_event(),
                market_event(
                    key="ecb",
                    title="ECB Rate Decision",
                    country=None,
                    currency="eur",
                    importance="MEDIUM",
                    scheduled_at="2026-12-10T13:15:00+01:00",
                    instruments=["usoil", "DE40"],
                ),
            ]
        )
        self.assertEqual(result, {"created": 2, "updated": 0, "unchanged": 0})
        nfp, ecb = (
            self.env["fx.market.event"].search([("key", "=", k)])
            for k in ("nfp", "ecb")
        )
        self.assertEqual(nfp.name, "US Non-Farm Payrolls")
        self.assertEqual(str(nfp.scheduled_at), "2026-11-20 12:30:00")
        self.assertEqual((nfp.country_id.code, nfp.currency_id.name), ("US", "USD"))
        self.assertEqual(
            (nfp.forecast, nfp.previous, nfp.actual), ("180K", "254", False)
        )
        self.assertEqual(str(ecb.scheduled_at), "2026-12-10 12:15:00")
        self.assertEqual(ecb.importance, "medium")
        self.assertEqual(ecb.instrument_ids.mapped("name"), ["USOIL", "DE40"])
        self.assertEqual(
            sorted(ecb.affected_instrument_ids.mapped("name")),
            ["DE40", "EURGBP", "EURUSD", "USOIL"],
        )
        # re-sent: nothing written; a new figure or other instruments: updated
        again = [
            market_event(),
            market_event(
                key="ecb",
                title="ECB Rate Decision",
                country=None,
                currency="EUR",
                importance="medium",
                scheduled_at="2026-12-10T12:15:00Z",
                instruments=["DE40", "USOIL"],
            ),
        ]
        self.assertEqual(
            self.sync.push_market_events(again),
            {"created": 0, "updated": 0, "unchanged": 2},
        )
        again[0]["actual"] = "227K"
        again[1]["instruments"] = ["USOIL"]
        self.assertEqual(
            self.sync.push_market_events(again),
            {"created": 0, "updated": 2, "unchanged": 0},
        )
        self.env.invalidate_all()
        self.assertEqual(nfp.actual, "227K")
        self.assertEqual(ecb.instrument_ids.mapped("name"), ["USOIL"])
        self.assertEqual(
            sorted(ecb.affected_instrument_ids.mapped("name")),
            ["DE40", "EURGBP", "EURUSD", "USOIL"],  # DE40 still: an EUR index
        )

    def test_new_symbol_is_added_to_the_instruments(self):
        event = self.push_event(currency=None, instruments=["AAPL.US"])
        self.assertEqual(event.instrument_ids.name, "AAPL.US")
        self.assertEqual(event.instrument_ids.asset_class, "other")
        self.assertEqual(event.affected_instrument_ids.name, "AAPL.US")

    def test_bad_batch_refused_nothing_written(self):
        before = self.env["fx.market.event"].search_count([])
        instruments_before = self.env["fx.instrument"].search_count([])
        bad = [
            market_event(instruments=["NEWSYM1"]),
            market_event(key="b", currency="XXX"),
            market_event(key="c", currency=None),
            market_event(key="d", importance="huge"),
            market_event(key="e", scheduled_at="2028-01-01T00:00:00Z"),
            market_event(key="f", instruments="EURUSD"),
            market_event(key="nfp"),
            market_event(key="g", title=" "),
        ]
        with self.assertRaises(ValidationError) as caught:
            self.sync.push_market_events(bad)
        message = str(caught.exception)
        self.assertIn("push_market_events refused, nothing was written", message)
        for line in (
            "record 3, field 'importance': 'huge' is not one of 'low', 'medium', "
            "'high'",
            "record 4, field 'scheduled_at': date in the future: "
            "'2028-01-01T00:00:00Z'",
            "record 5, field 'instruments': expected a list of strings, got str",
            "record 6, field '*': same key as record 0 in this batch",
            "record 7, field 'title': blank (only white space)",
        ):
            self.assertIn(line, message)
        # the resolvers run once the records are well formed
        with self.assertRaises(ValidationError) as caught:
            self.sync.push_market_events(
                [
                    market_event(instruments=["NEWSYM1"]),
                    market_event(key="b", currency="XXX"),
                    market_event(key="c", currency=None),
                    market_event(key="h", country="ZZ"),
                ]
            )
        self.assertEqual(
            str(caught.exception),
            "push_market_events refused, nothing was written:\n"
            "record 1, field 'currency': unknown currency 'XXX'\n"
            "record 2, field 'currency': missing (or give instruments)\n"
            "record 3, field 'country': unknown country 'ZZ'",
        )
        self.assertEqual(self.env["fx.market.event"].search_count([]), before)
        self.assertEqual(self.env["fx.instrument"].search_count([]), instruments_before)

    def test_inactive_currency_accepted(self):
        jpy = self.env.ref("base.JPY")
        jpy.active = False
        event = self.push_event(currency="JPY")
        self.assertEqual(event.currency_id, jpy)
        self.assertEqual(event.affected_instrument_ids.mapped("name"), ["USDJPY"])

    def test_only_the_integration_pushes(self):
        clerk = new_test_user(self.env, login="mk_clerk", groups="base.group_user")
        staff = new_test_user(
            self.env, login="mk_staff", groups="fx_engagement.group_fx_user"
        )
        for user in (clerk, staff):
            with self.assertRaises(AccessError):
                self.env["fx.sync"].with_user(user).push_market_events([market_event()])
        self.assertFalse(self.env["fx.market.event"].search([("key", "=", "nfp")]))
        # staff add events by hand; plain employees cannot see them
        event = (
            self.env["fx.market.event"]
            .with_user(staff)
            .create(
                {
                    "key": "manual-1",
                    "name": "RBA decision",
                    "scheduled_at": "2026-11-25 03:30:00",
                    "importance": "high",
                    "currency_id": self.env.ref("base.AUD").id,
                }
            )
        )
        self.assertFalse(event.affected_instrument_ids)  # no AUD instrument
        with self.assertRaises(AccessError):
            self.env["fx.market.event"].with_user(clerk).search([])


@freeze_time(T0)
class TestInstrumentDerivation(MarketCase):
    def test_existing_instruments_get_their_currencies(self):
        rows = {
            i.name: (i.base_currency, i.quote_currency)
            for i in self.env["fx.instrument"].search(
                [("name", "in", [*USD_SYMBOLS, "USOIL", "BTCUSD", "XAGUSD"])]
            )
        }
        self.assertEqual(
            rows,
            {
                "EURUSD": ("EUR", "USD"),
                "GBPUSD": ("GBP", "USD"),
                "USDJPY": ("USD", "JPY"),
                "XAUUSD": ("XAU", "USD"),
                "XAGUSD": ("XAG", "USD"),
                "US30": (False, "USD"),
                "NAS100": (False, "USD"),
                "USOIL": (False, "USD"),
                "BTCUSD": ("BTC", "USD"),
            },
        )

    def test_usd_and_eur_events(self):
        usd = self.push_event()
        self.assertEqual(
            sorted(usd.affected_instrument_ids.mapped("name")), USD_SYMBOLS
        )
        eur = self.push_event(key="ecb", currency="EUR")
        self.assertEqual(
            sorted(eur.affected_instrument_ids.mapped("name")),
            ["DE40", "EURGBP", "EURUSD"],
        )

    def test_new_instrument_joins_upcoming_events(self):
        usd = self.push_event()
        self.env["fx.instrument"].create({"name": "AUDUSD", "asset_class": "forex"})
        self.assertIn("AUDUSD", usd.affected_instrument_ids.mapped("name"))
        # staff correct a currency: the events follow
        self.us30.quote_currency = "EUR"
        self.assertNotIn("US30", usd.affected_instrument_ids.mapped("name"))


@freeze_time(T0)
class TestExposure(MarketCase):
    def test_each_rule_counted(self):
        usd = self.push_event()
        self.assertEqual(
            (
                usd.exposure_count,
                usd.exposure_position_count,
                usd.exposure_recent_count,
                usd.exposure_watch_count,
            ),
            (4, 2, 2, 2),  # ann, fay / bob, fay / dan, fay
        )
        self.assertEqual(
            set(usd._fx_concerned_ids()),
            {self.ann.id, self.bob.id, self.dan.id, self.fay.id},
        )
        action = usd.action_view_concerned()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]),
            self.ann | self.bob | self.dan | self.fay,
        )
        eur = self.push_event(key="ecb", currency="EUR")
        self.assertEqual(
            (
                eur.exposure_count,
                eur.exposure_position_count,
                eur.exposure_recent_count,
                eur.exposure_watch_count,
            ),
            (2, 2, 1, 0),  # ann, eve / ann, eve / eve
        )

    def test_recent_window_is_a_setting(self):
        self.env["ir.config_parameter"].set_param(
            "fx_engagement.market_recent_days", 20
        )
        usd = self.push_event()
        # ann (opened 10 days ago), bob, cid (15 days ago) and fay
        self.assertEqual((usd.exposure_count, usd.exposure_recent_count), (5, 4))
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"fx_market_recent_days": 0})

    def test_by_segment_and_as_the_viewing_user(self):
        segment = self.env["fx.segment"].create(
            {
                "name": "Watchers",
                "domain": "[('fx_client_ref', 'in', ['R-dan', 'R-fay', 'R-cid'])]",
            }
        )
        segment.action_refresh()
        usd = self.push_event()
        self.assertIn(
            "<td>Watchers</td><td class='text-end'>2</td>", usd.exposure_by_segment
        )
        seller = new_test_user(
            self.env, login="mk_seller", groups="fx_engagement.group_fx_user"
        )
        other = new_test_user(
            self.env, login="mk_other", groups="fx_engagement.group_fx_user"
        )
        self.fay.user_id = other
        mine = usd.with_user(seller)
        self.assertEqual(
            (
                mine.exposure_count,
                mine.exposure_position_count,
                mine.exposure_watch_count,
            ),
            (3, 1, 1),  # fay is another salesperson's
        )
        self.assertIn(
            "<td>Watchers</td><td class='text-end'>1</td>", mine.exposure_by_segment
        )

    def test_condition_kinds(self):
        Condition = self.env["fx.trader.condition"]
        for code, symbol, expected in (
            ("holds_position", "usdjpy", {self.fay}),
            ("holds_position", "EURUSD", {self.ann}),
            ("watches_symbol", "XAUUSD", {self.dan}),
        ):
            predicate = Condition._fx_sql(code, ConditionArgs(now=None, symbol=symbol))
            rows = self.env.execute_query(
                SQL(
                    "SELECT p.id FROM res_partner p WHERE p.fx_client_ref LIKE %s "
                    "AND %s",
                    "R-%",
                    predicate,
                )
            )
            self.assertEqual({r[0] for r in rows}, {p.id for p in expected}, code)
        self.assertEqual(
            Condition._fx_problem("holds_position", ConditionArgs(now=None)),
            "a symbol is required",
        )

    def test_segments_offer_the_market_kinds(self):
        """A segment of the traders holding USDJPY but not watching XAUUSD,
        built with the two market kinds the segment editor offers."""
        kinds = dict(self.env["fx.segment.condition"]._selection_kind())
        self.assertEqual(kinds["holds_position"], "Holds an open position in a symbol")
        self.assertEqual(kinds["watches_symbol"], "Watches a symbol")
        segment = self.env["fx.segment"].create(
            {
                "name": "Yen holders",
                "domain": "[('fx_client_ref', '=like', 'R-%')]",
                "condition_ids": [
                    Command.create({"kind": "holds_position", "symbol": "usdjpy"}),
                    Command.create(
                        {"kind": "watches_symbol", "symbol": "XAUUSD", "negate": True}
                    ),
                ],
            }
        )
        segment.action_refresh()
        self.assertEqual(segment.member_ids, self.fay)
        self.assertEqual(
            segment.condition_ids.mapped("description"),
            ["holds an open position in usdjpy", "NOT watches XAUUSD"],
        )
        with self.assertRaisesRegex(ValidationError, "a symbol is required"):
            segment.condition_ids[0].symbol = False


class TestMarketTrigger(MarketCase):
    def test_before_the_event(self):
        with freeze_time(T0):
            self.push_event()
            campaign = self.market_campaign()
        with freeze_time("2026-11-20 10:29:00"):
            campaign._fx_process()
            self.assertFalse(campaign.participant_ids)
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_process()
        self.assertEqual(
            set(campaign.participant_ids.partner_id.ids),
            {self.ann.id, self.bob.id, self.dan.id, self.fay.id},
        )
        self.assertEqual(campaign.market_fired_event_ids.key, "nfp")
        self.assertEqual(
            set(campaign.participant_ids.mapped("market_event_id.key")), {"nfp"}
        )

    def test_after_the_event_and_filters(self):
        with freeze_time(T0):
            usd = self.push_event()
            self.push_event(key="ecb", currency="EUR")
            self.push_event(key="low", currency="USD", importance="low")
            after = self.market_campaign(
                market_offset_hours=1,
                market_timing="after",
                market_currency_ids=[(6, 0, self.env.ref("base.EUR").ids)],
                market_importance="medium",
            )
            gold = self.market_campaign(
                name="Gold", market_instrument_ids=[(6, 0, self.xauusd.ids)]
            )
        with freeze_time("2026-11-20 13:29:00"):
            after._fx_process()
            self.assertFalse(after.participant_ids)
        with freeze_time("2026-11-20 13:31:00"):
            after._fx_process()
            gold._fx_process()
        # EUR only: ann and eve; the USD events are filtered out
        self.assertEqual(
            set(after.participant_ids.partner_id.ids), {self.ann.id, self.eve.id}
        )
        # gold: the high USD event affects XAUUSD (the low one is below the filter)
        self.assertEqual(gold.market_fired_event_ids, usd)
        self.assertEqual(len(gold.participant_ids), 4)

    def test_missed_long_ago_does_not_fire(self):
        with freeze_time(T0):
            self.push_event()
            campaign = self.market_campaign()
        with freeze_time("2026-11-20 16:31:00"):  # 6 h after its firing time
            campaign._fx_process()
        self.assertFalse(campaign.participant_ids)

    def test_once_per_event(self):
        with freeze_time(T0):
            self.push_event()
            campaign = self.market_campaign(
                steps=[
                    {
                        "action_type": "email",
                        "subject": "Alert",
                        "is_transactional": True,
                    }
                ]
            )
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_process()
            campaign.last_enrol_date = False
            campaign.market_fired_event_ids = False  # as if fired again
            campaign._fx_process()
            event = campaign.participant_ids.market_event_id
            # two runners at once: the unique index keeps one journey per event
            self.assertEqual(
                campaign._fx_insert_participants(
                    [self.ann.id],
                    campaign.last_enrol_date,
                    extra=[("market_event_id", [event.id])],
                ),
                0,
            )
        self.assertEqual(len(campaign.participant_ids), 4)
        self.assertEqual(len(self.traces(self.ann)), 1)
        # the next event: everyone concerned enters again, for that event
        with freeze_time("2026-11-21 09:00:00"):
            self.push_event(
                key="claims",
                title="Jobless Claims",
                scheduled_at="2026-11-21T10:30:00Z",
            )
            campaign._fx_process()
        self.assertEqual(len(campaign.participant_ids), 8)
        self.assertEqual(
            len(campaign.participant_ids.filtered(lambda p: p.partner_id == self.ann)),
            2,
        )
        traces = self.traces(self.ann)
        self.assertEqual(len(traces), 2)  # one message per event
        self.assertEqual(
            set(traces.mass_mailing_id.fx_market_event_id.mapped("key")),
            {"nfp", "claims"},
        )

    def test_message_names_event_instruments_and_positions(self):
        with freeze_time(T0):
            self.push_event()
            campaign = self.market_campaign()
        mailing = campaign.step_ids.mailing_id
        mailing.write(
            {
                "subject": "Alert: {{ object.fx_market_event_id.name }}",
                "body_html": "<p>Instruments: <t t-out='object.fx_market_symbols'/></p>"
                "<p>Positions: <t t-out='object.fx_market_positions or \"none\"'/></p>",
            }
        )
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_process()
        mails = self.env["mail.mail"].search(
            [("mailing_id.fx_source_mailing_id", "=", mailing.id)]
        )
        by_partner = {mail.recipient_ids: mail for mail in mails}
        self.assertEqual(set(by_partner), {self.ann, self.bob, self.dan, self.fay})
        fay = by_partner[self.fay]
        self.assertEqual(fay.subject, "Alert: US Non-Farm Payrolls")
        self.assertIn("Instruments: US30, USDJPY, XAUUSD", fay.body_html)
        self.assertIn(
            "Positions: USDJPY sell 0.30 lots, XAUUSD buy 0.20 lots", fay.body_html
        )
        self.assertIn("Instruments: EURUSD", by_partner[self.ann].body_html)
        self.assertIn("Positions: EURUSD buy 1.00 lots", by_partner[self.ann].body_html)
        self.assertIn("Positions: none", by_partner[self.dan].body_html)
        # the step's own mailing is never sent: each event has its copy, which
        # Email Marketing cannot send either
        self.assertFalse(self.traces(self.ann, mailing))
        copy = mails.mailing_id
        self.assertEqual(copy.fx_market_event_id.key, "nfp")
        with self.assertRaises(UserError):
            copy.action_launch()


class TestMarketAbTest(MarketCase):
    def test_variant_opens_counted_on_the_event_copies(self):
        with freeze_time(T0):
            self.push_event()
            campaign = self.market_campaign(
                steps=[
                    {
                        "action_type": "email",
                        "subject": "Alert",
                        "variant_ids": [
                            (0, 0, {"name": "A", "split_pct": 50, "sequence": 1}),
                            (0, 0, {"name": "B", "split_pct": 50, "sequence": 2}),
                        ],
                    }
                ],
                ab_metric="open",
                ab_min_sample=2,
            )
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_process()
        participants = campaign.participant_ids
        self.assertEqual(len(participants), 4)
        opened = participants[:2]
        self.traces(opened[0].partner_id).open_datetime = "2026-11-20 11:00:00"
        self.traces(opened[1].partner_id).open_datetime = "2026-11-20 11:00:00"
        self.env.flush_all()
        stats = self.env["fx.campaign.report"]._fx_variant_stats(campaign)
        self.assertEqual(sum(v["n"] for v in stats.values()), 4)
        self.assertEqual(sum(v["successes"] for v in stats.values()), 2.0)
        self.assertEqual(
            set(
                self.traces(opened[0].partner_id).mass_mailing_id.mapped(
                    "fx_market_event_id.key"
                )
            ),
            {"nfp"},
        )


class TestRiskNotice(MarketCase):
    def test_risk_notice_skips_cap_and_quiet_hours(self):
        params = self.env["ir.config_parameter"]
        params.set_param("fx_engagement.quiet_start", 21)
        params.set_param("fx_engagement.quiet_end", 8)
        self.fay.tz = "Pacific/Auckland"  # 23:31 there at 10:31 UTC
        with freeze_time(T0):
            other = self.env["mailing.mailing"].create(
                {
                    "subject": "Newsletter",
                    "mailing_model_id": self.env.ref("base.model_res_partner").id,
                }
            )
            self.env["mailing.trace"].create(
                [
                    {
                        "model": "res.partner",
                        "res_id": self.ann.id,
                        "mass_mailing_id": other.id,
                        "email": "ann@example.com",
                    }
                    for _n in range(3)
                ]
            )
            self.push_event()
            marketing = self.market_campaign(name="Marketing")
            notice = self.market_campaign(
                name="Risk notice",
                steps=[
                    {
                        "action_type": "email",
                        "subject": "Margin",
                        "is_transactional": True,
                    }
                ],
            )
        with freeze_time("2026-11-20 10:31:00"):
            (marketing | notice)._fx_process()
        ann_m = self.participant(marketing, self.ann)
        fay_m = self.participant(marketing, self.fay)
        self.assertEqual(
            (ann_m.exit_reason, ann_m.log_ids.result), ("capped", "capped")
        )
        self.assertEqual(fay_m.log_ids.result, "deferred")
        self.assertEqual(str(fay_m.next_action_date), "2026-11-20 19:00:00")
        for partner in (self.ann, self.fay, self.bob, self.dan):
            self.assertEqual(self.participant(notice, partner).log_ids.result, "sent")
        self.assertEqual(
            notice.step_ids._fields["is_transactional"].string,
            "Service Message / Risk Notice",
        )


class TestMarketEventReport(MarketCase):
    def test_messaged_against_holdout(self):
        with freeze_time(T0):
            usd = self.push_event()
            campaign = self.market_campaign()
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_enrol(fields.Datetime.now())
            holdout = campaign.participant_ids.filtered(
                lambda p: p.partner_id in (self.bob | self.dan)
            )
            holdout.is_holdout = True
            (campaign.participant_ids - holdout).is_holdout = False
            campaign._fx_process()
        traces = self.traces(self.ann)
        traces.open_datetime = "2026-11-20 11:00:00"
        with freeze_time("2026-11-23 12:00:00"):
            self.sync.push_trades(
                [
                    # ann: EURUSD 3 h after entering (messaged, traded)
                    self.trade("10", "2026-11-20T13:31:00Z", "L-ann"),
                    # bob (holdout): 30 h after: outside the 24 h
                    self.trade("11", "2026-11-21T16:31:00Z", "L-bob", symbol="USDJPY"),
                    # dan (holdout): XAUUSD 5 h after
                    self.trade("12", "2026-11-20T15:31:00Z", "L-dan", symbol="XAUUSD"),
                    # fay: EURGBP is not affected by the USD event
                    self.trade("13", "2026-11-20T12:00:00Z", "L-fay", symbol="EURGBP"),
                ]
            )
            self.sync.push_fundings(
                [
                    self.funding("D-fay", 500, "2026-11-22T10:00:00Z", login="L-fay"),
                    self.funding("D-ann", 500, "2026-11-23T11:00:00Z", login="L-ann"),
                ]
            )
        self.env.invalidate_all()
        self.assertEqual(
            (usd.report_messaged, usd.report_opened, usd.report_holdout),
            (2, 1, 2),
        )
        self.assertEqual(
            (
                usd.report_traded_rate,
                usd.report_holdout_traded_rate,
                usd.report_traded_uplift,
            ),
            (50.0, 50.0, 0.0),
        )
        self.assertEqual(
            (
                usd.report_deposit_rate,
                usd.report_holdout_deposit_rate,
                usd.report_deposit_uplift,
            ),
            (50.0, 0.0, 50.0),  # fay within 72 h; ann's deposit came 72.5 h after
        )
        rows = self.env["fx.market.event.report"].search([("event_id", "=", usd.id)])
        self.assertEqual(
            {
                r.partner_id.name: (
                    r.is_holdout,
                    r.messaged,
                    r.opened,
                    r.traded_24h,
                    r.deposited_72h,
                )
                for r in rows
            },
            {
                "Ann": (False, 1, 1, 1, 0),
                "Fay": (False, 1, 0, 0, 1),
                "Bob": (True, 0, 0, 0, 0),
                "Dan": (True, 0, 0, 1, 0),
            },
        )

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_report_follows_the_trader(self):
        with freeze_time(T0):
            usd = self.push_event()
            campaign = self.market_campaign()
        with freeze_time("2026-11-20 10:31:00"):
            campaign._fx_process()
        seller = new_test_user(
            self.env, login="mk_rep", groups="fx_engagement.group_fx_user"
        )
        self.ann.user_id = self.env.ref("base.user_admin")
        rows = (
            self.env["fx.market.event.report"]
            .with_user(seller)
            .search([("event_id", "=", usd.id)])
        )
        self.assertEqual(
            set(rows.mapped("partner_id").ids), {self.bob.id, self.dan.id, self.fay.id}
        )
