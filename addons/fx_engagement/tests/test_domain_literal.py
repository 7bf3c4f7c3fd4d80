"""Stored filters are parsed as data (pure; no database)."""

import unittest
from datetime import date
from zoneinfo import ZoneInfo

from odoo.addons.fx_engagement.lib.domain_literal import (
    DomainSyntaxError,
    parse_domain,
)

from .test_security import ATTACKS

TODAY = date(2026, 11, 28)
DUBAI = ZoneInfo("Asia/Dubai")  # UTC+4, no daylight saving


def parse(text, **kw):
    return parse_domain(text, today=TODAY, tz=DUBAI, uid=7, **kw)


class TestLiteralDomain(unittest.TestCase):
    def test_literals(self):
        self.assertEqual(parse(""), [])
        self.assertEqual(parse("[]"), [])
        self.assertEqual(
            parse(
                "['|', ('fx_stage', 'in', ['active', 'funded']), "
                "('fx_net_deposits', '>=', -1.5), ('user_id', '=', uid), "
                "('active', '=', True), ('email', '!=', None)]"
            ),
            [
                "|",
                ("fx_stage", "in", ["active", "funded"]),
                ("fx_net_deposits", ">=", -1.5),
                ("user_id", "=", 7),
                ("active", "=", True),
                ("email", "!=", None),
            ],
        )
        self.assertEqual(
            parse("[('user_ids', 'any', [('name', 'ilike', 'a')])]"),
            [("user_ids", "any", [("name", "ilike", "a")])],
        )

    def test_date_helpers_of_the_domain_editor(self):
        # what Odoo 18's domain editor writes for "in the last 7 days"
        self.assertEqual(
            parse(
                "[('d', '>=', (context_today() + relativedelta(days=-7))"
                ".strftime('%Y-%m-%d'))]"
            ),
            [("d", ">=", "2026-11-21")],
        )
        # date-times: local midnight in the user's zone, converted to UTC
        self.assertEqual(
            parse(
                '[("c", ">=", datetime.datetime.combine(context_today() + '
                "relativedelta(days = -7), datetime.time(0, 0, 0))"
                '.to_utc().strftime("%Y-%m-%d %H:%M:%S"))]'
            ),
            [("c", ">=", "2026-11-20 20:00:00")],
        )
        self.assertEqual(
            parse(
                "[('d', '<', (context_today() - datetime.timedelta(weeks=1))"
                ".strftime('%Y-%m-%d'))]"
            ),
            [("d", "<", "2026-11-21")],
        )
        self.assertEqual(
            parse(
                "[('d', '<', (relativedelta(months=1) + context_today())"
                ".strftime('%Y-%m-%d'))]"
            ),
            [("d", "<", "2026-12-28")],
        )

    def test_code_refused_with_the_reason(self):
        for kind, attack in ATTACKS.items():
            with self.subTest(kind=kind), self.assertRaises(DomainSyntaxError):
                parse(attack % {"admin": 1})
        cases = {
            "user.id": "reading the attribute 'user.id'",
            "[('a', '=', user)]": "the name 'user'",
            "[('a', '=', {'x': 1})]": "a dictionary",
            "[('a', '=', context_today())]": "compares with a date",
            "[('a', 'in', [context_today()])]": "compares with a date",
            "[('a', '=', 'x' * 10 ** 8)]": "only a date plus or minus",
            "[('a', '=', relativedelta(days=1000000))]": "whole number up to",
            "[('a', '=', 10 ** 6)]": "only a date plus or minus",
            "[('a', '=', relativedelta(leapdays=1))]": "accepts only",
            "[('a', '=', context_today().strftime('%A %s'))]": "accepts only",
            "[('a', '=', 1 if True else 2)]": "an if expression",
            "[('a', '=', 1), 'x']": "neither a condition",
            "42": "must be a list",
            "[('a', '='": "not a valid filter",
            "[('a', '=', '\\x00')]": "NUL",
            "[" * 300 + "]" * 300: "",
            "[('a', '=', datetime.datetime.now())]": "datetime.datetime.now",
            "[('a', '=', f'{1}')]": "f-string",
        }
        for text, reason in cases.items():
            with self.subTest(text=text[:40]):
                with self.assertRaisesRegex(DomainSyntaxError, reason):
                    parse(text)
        with self.assertRaisesRegex(DomainSyntaxError, "longer than"):
            parse("[" + "('a', '=', 1), " * 2000 + "]")

    def test_no_time_zone_means_utc(self):
        self.assertEqual(
            parse_domain(
                "[('c', '>=', datetime.datetime.combine(context_today(), "
                "datetime.time(6, 30)).to_utc().strftime('%Y-%m-%d %H:%M:%S'))]",
                today=TODAY,
            ),
            [("c", ">=", "2026-11-28 06:30:00")],
        )
