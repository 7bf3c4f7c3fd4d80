"""The sync API refuses every malformed value with one clean error (record index,
field, reason) and writes nothing; time zones, exchange rates, identity matching
and company isolation of the upsert keys; the database CHECK constraints that hold
the same rules for every other path.

The generated suite (:func:`bad_input_cases`) builds its cases from the API's
schemas: every field of every ``push_*`` method x wrong type, blank, white space,
control characters, overflow, calendar edges, unknown references and duplicates.
It runs through the ORM as the integration user, and a sample of it through real
JSON-RPC and XML-RPC requests (:class:`TestBadInputOverHttp`).
"""

import json
import xmlrpc.client

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tests.common import Transport
from odoo.tools import mute_logger

from odoo.addons.fx_engagement.models.fx_sync import (
    ACCOUNT_SCHEMA,
    EQUITY_SCHEMA,
    EVENT_SCHEMA,
    FUNDING_SCHEMA,
    TRADE_SCHEMA,
)

from .common import SyncCase

NOW = "2026-11-23 12:00:00"
AT = "2026-11-20T10:00:00Z"
MODELS = (
    "fx.trading.account",
    "fx.funding",
    "fx.trade",
    "fx.equity.point",
    "fx.client.event",
    "fx.trader.stage.history",
    "fx.facts.queue",
    "fx.instrument",
    "fx.strategy",
    "res.partner",
)
KEYS = {"platform": "mt5", "server": "Live01", "login": "1001"}


def good_records():
    """{method: (schema, record 0, record 1)}: two valid records of each method,
    record 1 carrying every field of the schema (it gets the bad values)."""
    return {
        "push_accounts": (
            ACCOUNT_SCHEMA,
            {**KEYS, "login": "2001", "client_ref": "C2001", "currency": "USD"},
            {
                **KEYS,
                "login": "2002",
                "client_ref": "C2002",
                "email": "c2002@example.com",
                "name": "Client 2002",
                "type": "live",
                "currency": "USD",
                "leverage": 100,
                "balance": 10.0,
                "equity": 10.0,
                "credit": 0.0,
                "opened_at": AT,
                "status": "active",
            },
        ),
        "push_fundings": (
            FUNDING_SCHEMA,
            {
                "ref": "F0",
                **KEYS,
                "kind": "deposit",
                "amount": 10,
                "currency": "USD",
                "at": AT,
            },
            {
                "ref": "F1",
                "source": "psp",
                **KEYS,
                "kind": "deposit",
                "amount": 100,
                "currency": "USD",
                "at": AT,
                "method_fingerprint": "card-1",
            },
        ),
        "push_trades": (
            TRADE_SCHEMA,
            {
                **KEYS,
                "ticket": "T0",
                "symbol": "EURUSD",
                "side": "buy",
                "volume": 1.0,
                "open_time": AT,
            },
            {
                **KEYS,
                "ticket": "T1",
                "symbol": "EURUSD",
                "side": "sell",
                "volume": 0.5,
                "open_time": AT,
                "close_time": "2026-11-20T11:00:00Z",
                "open_price": 1.1,
                "close_price": 1.2,
                "profit": -5.0,
                "commission": -1.0,
                "swap": 0.0,
                "broker_revenue": 2.0,
                "comment": "[tp]",
                "strategy": "scalping",
            },
        ),
        "push_equity": (
            EQUITY_SCHEMA,
            {**KEYS, "date": "2026-11-20", "equity": 10.0},
            {**KEYS, "date": "2026-11-21", "balance": 10.0, "equity": 11.0},
        ),
        "push_events": (
            EVENT_SCHEMA,
            {"type": "login", "at": AT, "client_ref": "C1001"},
            {
                "type": "registration",
                "at": "2026-11-19T10:00:00Z",
                "client_ref": "C1001",
                "email": "c1001@example.com",
                "name": "Client 1001",
                "phone": "+971500000001",
                "country": "AE",
                "kyc_status": "pending",
                "reason": "first submission",
                "referral_code": "REF1",
            },
        ),
    }


def bad_values(name, spec):
    """(label, value) pairs that ``spec`` must refuse."""
    values = []
    if spec.required:
        values += [("missing", None), ("empty", "")]
    if spec.kind in ("str", "enum"):
        values += [
            ("wrong type list", [name]),
            ("wrong type dict", {name: 1}),
            ("wrong type bool", True),
            ("white space", "   "),
            ("white space and line breaks", " \t\r\n "),
            ("NUL", "ab\x00cd"),
            ("escape", "a\x1b[31m"),
            ("C1 control", "a\x85b"),
            ("lone surrogate", "a\ud800b"),
            ("too long", "x" * (1000 if spec.kind == "enum" else spec.max_len + 1)),
            ("huge", "x" * 200_000),
            ("non-finite number", float("nan")),
        ]
        if not spec.multiline:
            values += [("tab inside", "a\tb"), ("line break inside", "a\nb")]
        if spec.kind == "enum":
            values += [("not a choice", "hold"), ("number", 7)]
    elif spec.kind in ("float", "int"):
        values += [
            ("wrong type str", "1.5"),
            ("wrong type bool", True),
            ("wrong type list", [1]),
            ("white space", " "),
            ("NUL", "\x00"),
            ("too large", 1e15),
            ("too large negative", -1e300),
            ("huge integer", 10**400),
            ("infinity", float("inf")),
            ("not a number", float("nan")),
        ]
        if spec.kind == "int":
            values += [("not whole", 1.5), ("over 32 bits", 2**31)]
        if spec.min_value is not None:
            low = spec.min_value if spec.strict_min else spec.min_value - 1
            values.append(("below the minimum", low))
    elif spec.kind == "datetime":
        values += [
            ("wrong type int", 1700000000),
            ("wrong type bool", True),
            ("white space", "  "),
            ("NUL", "2026-11-20T10:00:00\x00Z"),
            ("year 1 with an offset", "0001-01-01T00:00:00+01:00"),
            ("year 9999 with an offset", "9999-12-31T23:59:59-01:00"),
            ("before 1990", "1989-12-31T23:59:59Z"),
            ("far future", "2999-01-01T00:00:00Z"),
            ("garbage suffix", "2024-06-01garbage"),
            ("no such day", "2026-02-30T10:00:00Z"),
            ("bad offset", "2026-11-20T10:00:00+24:00"),
        ]
    elif spec.kind == "date":
        values += [
            ("wrong type int", 20261120),
            ("white space", "  "),
            ("NUL", "2026-11-20\x00"),
            ("year 1", "0001-01-01"),
            ("year 9999", "9999-12-31"),
            ("before 1990", "1989-12-31"),
            ("garbage suffix", "2024-06-01garbage"),
            ("a date-time", "2026-11-20T00:00:00Z"),
            ("no such day", "2026-02-30"),
        ]
    return values


def reference_cases():
    """(method, label, change to record 1, field named): unknown references and
    rules between fields."""
    unknown = [
        ("login", "9999"),
        ("server", "Nowhere"),
        ("platform", "mt4"),
    ]
    cases = []
    for method in ("push_fundings", "push_trades", "push_equity"):
        for key, value in unknown:
            cases.append((method, f"unknown account ({key})", {key: value}, "login"))
    for method in ("push_accounts", "push_fundings"):
        cases += [
            (method, "unknown currency", {"currency": "XYZ"}, "currency"),
            (method, "inactive currency", {"currency": "XAF"}, "currency"),
        ]
    cases += [
        ("push_fundings", "currency without a rate", {"currency": "JPY"}, "currency"),
        (
            "push_trades",
            "closes before it opens",
            {"close_time": "2026-11-20T09:00:00Z"},
            "close_time",
        ),
        (
            "push_accounts",
            "neither client_ref nor email",
            {"client_ref": None, "email": None},
            "client_ref",
        ),
        (
            "push_events",
            "login of an unknown client",
            {"type": "login", "client_ref": "NOPE"},
            "client_ref",
        ),
        (
            "push_events",
            "login of an unknown e-mail",
            {"type": "login", "client_ref": None, "email": "nobody@example.com"},
            "email",
        ),
        ("push_events", "unknown country", {"country": "XX"}, "country"),
        (
            "push_events",
            "kyc without status",
            {"type": "kyc", "kyc_status": None},
            "kyc_status",
        ),
    ]
    return cases


def bad_input_cases():
    """[(method, label, records, field)]: every case sends [good, bad] and must be
    refused with "record 1, field '<field>'"."""
    cases = []
    for method, (schema, first, second) in good_records().items():
        for name, spec in schema.items():
            for label, value in bad_values(name, spec):
                cases.append(
                    (method, f"{name}: {label}", [first, {**second, name: value}], name)
                )
        cases.append((method, "duplicate key", [first, dict(first)], "*"))
        cases.append(
            (method, "unknown key", [first, {**second, "colour": "red"}], "colour")
        )
        cases.append((method, "not a record", [first, [second]], "*"))
    for method, label, change, field_name in reference_cases():
        _schema, first, second = good_records()[method]
        cases.append((method, label, [first, {**second, **change}], field_name))
    return cases


class BadInputMixin:
    @classmethod
    def _setup_book(cls):
        """Accounts 1001 / 1002 (mt5 Live01) of clients C1001 / C1002; JPY active
        without any rate, XAF inactive."""
        cls.sync.push_accounts([SyncCase.account("1001"), SyncCase.account("1002")])
        Currency = cls.env["res.currency"].with_context(active_test=False)
        jpy = Currency.search([("name", "=", "JPY")])
        jpy.active = True
        jpy.rate_ids.unlink()
        Currency.search([("name", "=", "XAF")]).active = False

    def counts(self):
        self.env.flush_all()
        return {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in MODELS
        }


@freeze_time(NOW)
class TestSyncBadInput(BadInputMixin, SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls._setup_book()

    def assertRefused(self, method, records, *messages, sync=None):
        """The call raises a ValidationError with ``messages`` and writes nothing
        (counted before the error's savepoint is rolled back)."""
        sync = self.sync if sync is None else sync
        before = self.counts()
        after = None
        with self.assertRaises(ValidationError) as ctx, self.env.cr.savepoint():
            try:
                getattr(sync, method)(records)
            except ValidationError:
                after = self.counts()
                raise
        text = str(ctx.exception)
        self.assertIn(f"{method} refused, nothing was written", text)
        for message in messages:
            self.assertIn(message, text)
        self.assertEqual(after, before)
        return text

    def test_generated_bad_input(self):
        cases = bad_input_cases()
        self.assertGreaterEqual(len(cases), 200)
        methods = {method for method, *_rest in cases}
        self.assertEqual(
            methods,
            {
                "push_accounts",
                "push_fundings",
                "push_trades",
                "push_equity",
                "push_events",
            },
        )
        for method, label, records, field_name in cases:
            with self.subTest(method=method, case=label):
                self.assertRefused(method, records, f"record 1, field '{field_name}'")

    def test_good_records_pass(self):
        """The generated suite's base records are valid: each case fails because of
        its one bad value."""
        for method, (_schema, first, second) in good_records().items():
            with self.subTest(method=method):
                result = getattr(self.sync, method)([first, second])
                self.assertEqual(result["created"] + result["updated"], 2)

    def test_blank_keys_are_refused(self):
        """A white-space key no longer becomes an empty key that the next blank key
        overwrites."""
        for key in ("ref", "source", "login", "server"):
            with self.subTest(key=key):
                self.assertRefused(
                    "push_fundings",
                    [
                        self.funding("P1", 100, AT),
                        {**self.funding("P2", 100, AT), key: " "},
                    ],
                    f"record 1, field '{key}': blank (only white space)",
                )
        self.assertRefused(
            "push_trades",
            [self.trade("\t", AT)],
            "record 0, field 'ticket': blank (only white space)",
        )
        self.assertRefused(
            "push_accounts",
            [self.account("1003", client_ref="  ")],
            "record 0, field 'client_ref': blank (only white space)",
        )
        self.assertRefused(
            "push_events",
            [{"type": "registration", "at": AT, "client_ref": "\n"}],
            "record 0, field 'client_ref': blank (only white space)",
        )
        self.assertFalse(self.env["fx.funding"].search([("ref", "in", ("", " "))]))

    def test_control_characters(self):
        self.assertRefused(
            "push_accounts",
            [self.account("1003", name="Eve\x00")],
            "record 0, field 'name': control character U+0000 not allowed",
        )
        self.assertRefused(
            "push_events",
            [{"type": "kyc", "at": AT, "client_ref": "C1001", "kyc_status": "rejected",
              "reason": "blurry\x00"}],
            "record 0, field 'reason': control character U+0000 not allowed",
        )  # fmt: skip
        self.assertRefused(
            "push_trades",
            [self.trade("T1", AT, login="10\t01")],
            "record 0, field 'login': control character U+0009 not allowed",
        )
        # free text keeps its tabs and line breaks
        self.sync.push_trades([self.trade("T1", AT, comment="line 1\nline\t2")])
        trade = self.env["fx.trade"].search([("ticket", "=", "T1")])
        self.assertEqual(trade.comment, "line 1\nline\t2")

    def test_calendar_edges_and_garbage_dates(self):
        for value, reason in (
            ("0001-01-01T00:00:00+01:00", "date out of range"),
            ("9999-12-31T23:59:59-01:00", "date out of range"),
            ("2024-06-01garbage", "not an ISO 8601 date-time"),
        ):
            with self.subTest(value=value):
                self.assertRefused(
                    "push_fundings",
                    [self.funding("P1", 100, value)],
                    f"record 0, field 'at': {reason}: '{value}'",
                )
                self.assertRefused(
                    "push_accounts",
                    [self.account("1003", opened_at=value)],
                    f"record 0, field 'opened_at': {reason}: '{value}'",
                )
        self.assertRefused(
            "push_equity",
            [{**self.keys(), "date": "2024-06-01garbage", "equity": 1}],
            "record 0, field 'date': not an ISO 8601 date: '2024-06-01garbage'",
        )

    def test_offset_less_times_in_the_platform_time_zone(self):
        icp = self.env["ir.config_parameter"]
        self.sync.push_accounts([self.account("4001", platform="mt4")])
        mt4 = {"platform": "mt4", "server": "Live01", "login": "4001"}
        # not set: UTC, as before
        self.sync.push_trades([self.trade("U1", "2026-11-20T10:00:00")])
        self.assertEqual(
            str(self.env["fx.trade"].search([("ticket", "=", "U1")]).open_time),
            "2026-11-20 10:00:00",
        )
        # the settings: MT5 on Athens time (UTC+2 in winter, +3 in summer), MT4
        # refuses times without offset, client events on Dubai time (UTC+4)
        self.env["res.config.settings"].create(
            {
                "fx_server_tz_mt5": "Europe/Athens",
                "fx_server_tz_mt4": "refuse",
                "fx_server_tz_events": "Asia/Dubai",
            }
        ).execute()
        self.assertEqual(icp.get_param("fx_engagement.server_tz_mt5"), "Europe/Athens")
        self.sync.push_trades(
            [
                self.trade("E1", "2026-11-20T10:00:00", close_time="2026-11-20 11:30"),
                self.trade("E2", "2026-07-01T10:00:00"),
                self.trade("E3", "2026-07-01T10:00:00Z"),  # an offset wins
            ]
        )
        trades = self.env["fx.trade"].search([("ticket", "in", ("E1", "E2", "E3"))])
        self.assertEqual(
            {t.ticket: (str(t.open_time), str(t.close_time)) for t in trades},
            {
                "E1": ("2026-11-20 08:00:00", "2026-11-20 09:30:00"),
                "E2": ("2026-07-01 07:00:00", "False"),
                "E3": ("2026-07-01 10:00:00", "False"),
            },
        )
        # read in the zone, then checked: 2026-11-24 13:30 in Athens is 11:30 UTC,
        # within the day ahead allowed; 14:30 is not
        self.sync.push_fundings([self.funding("Z1", 5, "2026-11-24T13:30:00")])
        self.assertEqual(
            str(self.env["fx.funding"].search([("ref", "=", "Z1")]).date),
            "2026-11-24 11:30:00",
        )
        self.assertRefused(
            "push_fundings",
            [self.funding("Z2", 5, "2026-11-24T14:30:00")],
            "record 0, field 'at': date in the future: '2026-11-24T14:30:00'",
        )
        self.assertRefused(
            "push_trades",
            [self.trade("E4", AT), {**self.trade("M1", "2026-11-20T10:00:00"), **mt4}],
            "record 1, field 'open_time': no time zone in '2026-11-20T10:00:00': add "
            "'Z' (UTC) or an offset such as '+02:00'",
        )
        self.sync.push_trades(
            [{**self.trade("M2", "2026-11-20T10:00:00+02:00"), **mt4}]
        )
        self.sync.push_events(
            [{"type": "login", "at": "2026-11-20T10:00:00", "client_ref": "C1001"}]
        )
        login = self.env["fx.client.event"].search(
            [
                ("event_type", "=", "login"),
                ("partner_id", "=", self.partner("C1001").id),
            ]
        )
        self.assertEqual(str(login.date), "2026-11-20 06:00:00")
        # the calendar's edges without an offset
        self.assertRefused(
            "push_trades",
            [self.trade("E5", "0001-01-01T00:00:00")],
            "record 0, field 'open_time': date out of range: '0001-01-01T00:00:00'",
        )
        # an unknown zone (set by hand) refuses rather than guessing
        icp.set_param("fx_engagement.server_tz_mt5", "Mars/Olympus")
        with mute_logger("odoo.addons.fx_engagement.models.fx_sync"):
            self.assertRefused(
                "push_trades",
                [self.trade("E6", "2026-11-20T10:00:00")],
                "record 0, field 'open_time': no time zone",
            )

    def test_currency_without_rate_is_refused(self):
        company = self.company
        jpy = self.env.ref("base.JPY")
        self.sync.push_accounts([self.account("5001", currency="JPY")])
        jpy_keys = {"platform": "mt5", "server": "Live01", "login": "5001"}
        # no JPY rate at all: Odoo would convert at 1.0
        self.assertRefused(
            "push_fundings",
            [
                self.funding("J0", 5, AT),
                self.funding("J1", 1_000_000, AT, currency="JPY"),
            ],
            f"record 1, field 'currency': no exchange rate for JPY on 2026-11-20 in "
            f"company {company.name}",
        )
        self.assertRefused(
            "push_trades",
            [{**self.trade("JT1", AT), **jpy_keys}],
            "record 0, field 'open_time': no exchange rate for JPY (the account's "
            f"currency) on 2026-11-20 in company {company.name}",
        )
        # a rate after the date does not count (Odoo would take it), nor one of
        # another company
        other = self.env["res.company"].create({"name": "Other Broker"})
        self.env["res.currency.rate"].create(
            [
                {"currency_id": jpy.id, "name": "2026-11-21", "rate": 150.0,
                 "company_id": company.id},
                {"currency_id": jpy.id, "name": "2026-01-01", "rate": 100.0,
                 "company_id": other.id},
            ]
        )  # fmt: skip
        self.assertRefused(
            "push_fundings",
            [self.funding("J1", 1_000_000, AT, currency="JPY")],
            "record 0, field 'currency': no exchange rate for JPY on 2026-11-20",
        )
        # on the rate's day: 1,000,000 JPY at 150 per USD
        self.sync.push_fundings(
            [self.funding("J2", 1_500_000, "2026-11-21T10:00:00Z", currency="JPY")]
        )
        funding = self.env["fx.funding"].search([("ref", "=", "J2")])
        self.assertEqual(funding.amount_company, 10_000.0)
        self.sync.push_trades(
            [
                {
                    **self.trade("JT2", "2026-11-21T10:00:00Z", broker_revenue=300),
                    **jpy_keys,
                }
            ]
        )
        self.assertEqual(
            self.env["fx.trade"].search([("ticket", "=", "JT2")]).revenue_company, 2.0
        )
        # EUR has a rate from 2026-01-01 only
        self.assertRefused(
            "push_fundings",
            [self.funding("E1", 10, "2025-12-31T10:00:00Z", currency="EUR")],
            "record 0, field 'currency': no exchange rate for EUR on 2025-12-31",
        )
        # the company currency needs no rate
        self.env.ref("base.USD").rate_ids.unlink()
        self.sync.push_fundings([self.funding("U1", 10, AT)])
        self.assertEqual(
            self.env["fx.funding"].search([("ref", "=", "U1")]).amount_company, 10.0
        )

    def test_identity_matching_spares_employees_other_companies_and_contacts(self):
        Partner = self.env["res.partner"]
        employee = new_test_user(
            self.env, login="fx_emp", email="boss@example.com", name="The Boss"
        )
        employee.partner_id.phone = "+1000"
        other = self.env["res.company"].create({"name": "Other Broker"})
        foreign = Partner.create(
            {"name": "Foreign", "email": "foreign@example.com", "company_id": other.id}
        )
        contact = Partner.create(
            {"name": "Known Person", "email": "known@example.com", "phone": "+2000"}
        )
        older = Partner.create({"name": "Older", "email": "trader@example.com"})
        trader = Partner.create(
            {"name": "Old Name", "email": "trader@example.com", "fx_is_trader": True,
             "fx_client_ref": "T-OLD"}
        )  # fmt: skip
        self.assertLess(older.id, trader.id)
        self.sync.push_events(
            [
                {"type": "registration", "at": AT, "email": "BOSS@example.com",
                 "name": "Mallory", "phone": "+666"},
                {"type": "registration", "at": AT, "email": "foreign@example.com",
                 "name": "Foreign Client"},
                {"type": "registration", "at": AT, "email": "known@example.com",
                 "name": "Someone Else", "phone": "+3000", "country": "AE"},
                {"type": "registration", "at": AT, "email": "trader@example.com",
                 "name": "New Name", "phone": "+4000"},
            ]
        )  # fmt: skip
        # the employee's and the other company's contacts are untouched; the
        # clients got contacts of their own, in the caller's company
        self.assertRecordValues(
            employee.partner_id,
            [{"name": "The Boss", "phone": "+1000", "fx_is_trader": False}],
        )
        self.assertRecordValues(foreign, [{"name": "Foreign", "fx_is_trader": False}])
        new = Partner.search(
            [("email", "in", ("boss@example.com", "foreign@example.com")),
             ("fx_is_trader", "=", True)]
        )  # fmt: skip
        self.assertEqual(sorted(new.mapped("name")), ["Foreign Client", "Mallory"])
        self.assertEqual(new.company_id, self.company)
        # a contact that was not a trader becomes one, keeps its name and phone,
        # gets what it lacked
        self.assertRecordValues(
            contact,
            [{"name": "Known Person", "phone": "+2000", "fx_is_trader": True,
              "country_id": self.env.ref("base.ae").id}],
        )  # fmt: skip
        # a trader is updated from the registration (the trader first, not the
        # older plain contact with the same e-mail)
        self.assertRecordValues(trader, [{"name": "New Name", "phone": "+4000"}])
        self.assertRecordValues(older, [{"name": "Older", "fx_is_trader": False}])
        # accounts by e-mail: the same rule
        self.sync.push_accounts(
            [self.account("6001", client_ref=None, email="boss@example.com")]
        )
        account = self.env["fx.trading.account"].search([("login", "=", "6001")])
        self.assertNotEqual(account.partner_id, employee.partner_id)
        self.assertEqual(account.partner_id.name, "Mallory")
        # by client_ref (unique): refused, not matched
        foreign.fx_client_ref = "F-1"
        employee.partner_id.fx_client_ref = "E-1"
        self.assertRefused(
            "push_events",
            [{"type": "registration", "at": AT, "client_ref": "F-1", "name": "X"}],
            "record 0, field 'client_ref': client 'F-1' is a contact of another "
            "company",
        )
        self.assertRefused(
            "push_accounts",
            [self.account("6002", client_ref="E-1")],
            "record 0, field 'client_ref': client 'E-1' is an internal user's contact",
        )
        self.assertRefused(
            "push_events",
            [{"type": "login", "at": AT, "client_ref": "E-1"}],
            "record 0, field 'client_ref': client 'E-1' is an internal user's contact",
        )

    def test_no_takeover_of_another_companys_keys(self):
        other = self.env["res.company"].create(
            {"name": "Other Broker", "currency_id": self.company.currency_id.id}
        )
        bridge = new_test_user(
            self.env,
            login="fx_integration_other",
            groups="base.group_user,fx_engagement.group_fx_integration",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        sync_other = self.env["fx.sync"].with_user(bridge)
        self.assertEqual(sync_other.env.company, other)
        self.sync.push_fundings([self.funding("P1", 100, AT)])
        self.sync.push_trades([self.trade("T1", AT)])
        mine = self.env["fx.trading.account"].search([("login", "=", "1001")])
        trader = mine.partner_id
        # the other company's bridge cannot take the account over ...
        self.assertRefused(
            "push_accounts",
            [self.account("1001", client_ref="THIEF")],
            "record 0, field 'login': account mt5 Live01 1001 belongs to another "
            "company",
            sync=sync_other,
        )
        # ... nor push facts on it
        self.assertRefused(
            "push_trades",
            [self.trade("T2", AT)],
            "record 0, field 'login': unknown account mt5 Live01 1001",
            sync=sync_other,
        )
        # its own account with the same login on its own server is its own
        sync_other.push_accounts(
            [self.account("1001", server="OtherLive", client_ref="O-1")]
        )
        theirs = self.env["fx.trading.account"].search([("server", "=", "OtherLive")])
        self.assertEqual(theirs.company_id, other)
        self.assertEqual(theirs.partner_id.company_id, other)
        other_keys = {"server": "OtherLive"}
        # a funding reference of this company is not taken over
        self.assertRefused(
            "push_fundings",
            [self.funding("P1", 999, AT, **other_keys)],
            "record 0, field 'ref': funding platform P1 belongs to another company",
            sync=sync_other,
        )
        # the same ticket on its own account is another trade
        sync_other.push_trades([self.trade("T1", AT, **other_keys)])
        self.assertRecordValues(
            mine, [{"partner_id": trader.id, "company_id": self.company.id}]
        )
        funding = self.env["fx.funding"].search([("ref", "=", "P1")])
        self.assertRecordValues(
            funding,
            [{"amount": 100.0, "account_id": mine.id, "company_id": self.company.id}],
        )
        self.assertEqual(
            self.env["fx.trade"].search([("ticket", "=", "T1")]).company_id,
            self.company | other,
        )
        # a user of both companies working in the other one cannot move it either
        both = new_test_user(
            self.env,
            login="fx_integration_both",
            groups="base.group_user,fx_engagement.group_fx_integration",
            company_id=other.id,
            company_ids=[(6, 0, (self.company | other).ids)],
        )
        self.assertRefused(
            "push_accounts",
            [self.account("1001")],
            "record 0, field 'login': account mt5 Live01 1001 belongs to another "
            "company",
            sync=self.env["fx.sync"].with_user(both),
        )


@tagged("post_install", "-at_install")
class TestBadInputOverHttp(BadInputMixin, HttpCase):
    """A sample of the generated cases through real JSON-RPC and XML-RPC requests
    as the integration user: the API's error, never a traceback of PostgreSQL or
    Python, and nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.bridge = new_test_user(
            cls.env,
            login="fx_http_bridge",
            password="fx_http_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        cls.sync = cls.env["fx.sync"].with_user(cls.bridge)
        cls.env.ref("base.EUR").active = True
        cls._setup_book()

    def jsonrpc(self, model, method, args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    self.bridge.id,
                    "fx_http_bridge_pw",
                    model,
                    method,
                    args,
                ],
            },
        }
        response = self.url_open(
            "/jsonrpc",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def xmlrpc(self, model, method, args):
        proxy = xmlrpc.client.ServerProxy(
            self.xmlrpc_url + "object",
            transport=Transport(self.cr),
            allow_none=True,
        )
        return proxy.execute_kw(
            self.env.cr.dbname, self.bridge.id, "fx_http_bridge_pw", model, method, args
        )

    def assertJsonRefused(self, method, records, *messages):
        before = self.counts()
        with mute_logger("odoo.http"):
            answer = self.jsonrpc("fx.sync", method, [records])
        self.assertNotIn("result", answer)
        error = answer["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
        self.assertIn(f"{method} refused, nothing was written", error["message"])
        for message in messages:
            self.assertIn(message, error["message"])
        self.assertEqual(self.counts(), before)

    def assertXmlRefused(self, method, records, *messages):
        before = self.counts()
        with self.assertRaises(xmlrpc.client.Fault) as ctx:
            self.xmlrpc("fx.sync", method, [records])
        text = ctx.exception.faultString
        self.assertIn(f"{method} refused, nothing was written", text)
        for message in messages:
            self.assertIn(message, text)
        for name in ("psycopg2", "OverflowError", "Traceback"):
            self.assertNotIn(name, text)
        self.assertEqual(self.counts(), before)

    @staticmethod
    def json_safe(records):
        text = json.dumps(records)
        return "NaN" not in text and "Infinity" not in text

    @staticmethod
    def xml_safe(records):
        """Values XML-RPC can carry: no C0 control characters but tab and line
        breaks (XML 1.0 has no way to write them; DEL and C1 it has), no lone
        surrogates, 32-bit integers, finite floats."""
        try:
            data = xmlrpc.client.dumps((records,), allow_none=True)
        except OverflowError:
            return False
        text = json.dumps(records)
        return (
            "NaN" not in text
            and "Infinity" not in text
            and not any(0xD800 <= ord(c) <= 0xDFFF for c in data)
            and all(c in "\t\n\r" or ord(c) >= 0x20 for c in data)
        )

    def test_sample_over_jsonrpc(self):
        cases = [case for case in bad_input_cases() if self.json_safe(case[2])]
        sample = cases[:: max(1, len(cases) // 30)]
        self.assertGreaterEqual(len(sample), 30)
        for method, label, records, field_name in sample:
            with self.subTest(method=method, case=label):
                self.assertJsonRefused(
                    method, records, f"record 1, field '{field_name}'"
                )
        # the tracebacks reported in the issue, and a lone surrogate (valid JSON,
        # not encodable in UTF-8)
        for method, records, message in (
            ("push_trades", [{**KEYS, "ticket": "N1", "symbol": "EURUSD", "side": "buy",
              "volume": 1, "open_time": AT, "comment": "nul \x00 inside"}],
             "record 0, field 'comment': control character U+0000 not allowed"),
            ("push_events", [{"type": "registration", "at": AT, "client_ref": "N2",
              "name": "\x00"}],
             "record 0, field 'name': control character U+0000 not allowed"),
            ("push_fundings", [{"ref": "N3", **KEYS, "kind": "deposit", "amount": 1,
              "currency": "USD", "at": "0001-01-01T00:00:00+01:00"}],
             "record 0, field 'at': date out of range: '0001-01-01T00:00:00+01:00'"),
            ("push_fundings", [{"ref": "N4", **KEYS, "kind": "deposit", "amount": 1,
              "currency": "USD", "at": "9999-12-31T23:59:59-01:00"}],
             "record 0, field 'at': date out of range: '9999-12-31T23:59:59-01:00'"),
            ("push_fundings", [{"ref": " ", **KEYS, "kind": "deposit", "amount": 1,
              "currency": "USD", "at": AT}],
             "record 0, field 'ref': blank (only white space)"),
            ("push_accounts", [{**KEYS, "login": "7", "client_ref": "a\ud800",
              "currency": "USD"}],
             "record 0, field 'client_ref': control character U+D800 not allowed"),
        ):  # fmt: skip
            with self.subTest(message=message):
                self.assertJsonRefused(method, records, message)

    def test_sample_over_xmlrpc(self):
        cases = [case for case in bad_input_cases() if self.xml_safe(case[2])]
        sample = cases[:: max(1, len(cases) // 20)]
        self.assertGreaterEqual(len(sample), 20)
        for method, label, records, field_name in sample:
            with self.subTest(method=method, case=label):
                self.assertXmlRefused(
                    method, records, f"record 1, field '{field_name}'"
                )
        self.assertXmlRefused(
            "push_fundings",
            [{"ref": "X1", **KEYS, "kind": "deposit", "amount": 1, "currency": "USD",
              "at": "9999-12-31T23:59:59-01:00"}],
            "record 0, field 'at': date out of range",
        )  # fmt: skip
        # XML carries DEL and the C1 controls: the API refuses them
        self.assertXmlRefused(
            "push_fundings",
            [{"ref": "X\x852", **KEYS, "kind": "deposit", "amount": 1,
              "currency": "USD", "at": AT}],
            "record 0, field 'ref': control character U+0085 not allowed",
        )  # fmt: skip

    def test_nul_over_xmlrpc_is_refused_by_the_parser(self):
        """XML cannot carry a NUL (nor most control characters): the request is
        refused before the API, with the API's error (no traceback), and nothing
        is written."""
        before = self.counts()
        body = xmlrpc.client.dumps(
            (
                self.env.cr.dbname,
                self.bridge.id,
                "fx_http_bridge_pw",
                "fx.sync",
                "push_trades",
                [[{**KEYS, "ticket": "X\x00", "symbol": "EURUSD", "side": "buy",
                   "volume": 1, "open_time": AT}]],
            ),
            "execute_kw",
        )  # fmt: skip
        with mute_logger("odoo.http", "odoo.service.model"):
            response = self.url_open(
                "/xmlrpc/2/object", data=body, headers={"Content-Type": "text/xml"}
            )
        with self.assertRaises(xmlrpc.client.Fault) as ctx:
            xmlrpc.client.loads(response.content)
        self.assertIn("not well-formed (invalid token)", ctx.exception.faultString)
        self.assertIn("control characters such as NUL", ctx.exception.faultString)
        self.assertNotIn("Traceback", ctx.exception.faultString)
        self.assertNotIn("psycopg2", ctx.exception.faultString)
        self.assertEqual(self.counts(), before)
