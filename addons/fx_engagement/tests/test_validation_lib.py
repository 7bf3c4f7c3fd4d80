"""lib/validation.py: blank values, control characters, the calendar's edges,
offset-less date-times and oversized numbers are refused with index, key and
reason; the fast path for valid values gives what the full check gives."""

import unittest
from datetime import date, datetime, timedelta, timezone

from odoo.addons.fx_engagement.lib.validation import (
    CHECKS,
    BatchError,
    Field,
    _fast_checker,
    control_character,
    validate_batch,
)

NOW = datetime(2026, 11, 23, 12, 0, 0)
LATEST = NOW + timedelta(days=1)
SCHEMA = {
    "code": Field("str", required=True, max_len=8),
    "side": Field("enum", choices=("buy", "sell"), lower=True),
    "note": Field("str", max_len=20, multiline=True),
    "qty": Field("float", min_value=0, strict_min=True),
    "n": Field("int"),
    "at": Field("datetime"),
    "day": Field("date"),
    "zone": Field("str", max_len=40),
}
EET = timezone(timedelta(hours=2))


class TestValidationEdges(unittest.TestCase):
    def errors(self, record, **kw):
        with self.assertRaises(BatchError) as ctx:
            validate_batch([{"code": "ok"}, record], SCHEMA, NOW, max_records=5, **kw)
        return ctx.exception.errors

    def one(self, record, **kw):
        [row] = validate_batch([record], SCHEMA, NOW, max_records=5, **kw)
        return row

    def test_blank_values(self):
        self.assertEqual(
            self.errors({"code": " "}), [(1, "code", "blank (only white space)")]
        )
        self.assertEqual(
            self.errors({"code": "\t\n "}), [(1, "code", "blank (only white space)")]
        )
        self.assertEqual(
            self.errors({"code": "a", "side": "  "}),
            [(1, "side", "blank (only white space)")],
        )
        self.assertEqual(
            self.errors({"code": "a", "note": " "}),
            [(1, "note", "blank (only white space)")],
        )
        # empty or null: absent (missing when required)
        self.assertEqual(self.errors({"code": ""}), [(1, "code", "missing")])
        self.assertEqual(self.errors({"code": None}), [(1, "code", "missing")])
        self.assertIsNone(self.one({"code": "a", "note": ""})["note"])

    def test_control_characters(self):
        for char in ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"):
            with self.subTest(char=repr(char)):
                self.assertEqual(
                    self.errors({"code": f"a{char}b"}),
                    [(1, "code", f"control character U+{ord(char):04X} not allowed")],
                )
        # free text may have tabs and line breaks, keys and names may not
        self.assertEqual(
            self.one({"code": "a", "note": "line 1\r\nline\t2"})["note"],
            "line 1\r\nline\t2",
        )
        self.assertEqual(
            self.errors({"code": "a\tb"}),
            [(1, "code", "control character U+0009 not allowed")],
        )
        self.assertEqual(
            self.errors({"code": "a", "note": "a\x00"}),
            [(1, "note", "control character U+0000 not allowed")],
        )
        # the white space around a value is stripped, control characters too
        self.assertEqual(self.one({"code": "\n1001\r\n"})["code"], "1001")
        # unusual but harmless characters pass (no-break space, joiner, accents)
        text = "Zo\u00eb\u00a0\U0001f468\u200d\U0001f4bb"
        self.assertEqual(self.one({"code": "a", "zone": text})["zone"], text)
        self.assertEqual(
            self.errors({"code": "a", "side": "buy\x00"}),
            [(1, "side", "control character U+0000 not allowed")],
        )
        self.assertEqual(
            self.errors({"code": "a", "at": "2026-11-20T10:00:00\x00Z"}),
            [(1, "at", "not an ISO 8601 date-time: control character U+0000")],
        )
        self.assertIsNone(control_character("plain text"))
        self.assertEqual(control_character("a\nb"), "\n")
        self.assertIsNone(control_character("a\nb", multiline=True))

    def test_calendar_edges_and_garbage(self):
        cases = {
            "0001-01-01T00:00:00+01:00": (
                "date out of range: '0001-01-01T00:00:00+01:00'"
            ),
            "9999-12-31T23:59:59-01:00": (
                "date out of range: '9999-12-31T23:59:59-01:00'"
            ),
            "0001-01-01T00:00:00Z": "date too far in the past: '0001-01-01T00:00:00Z'",
            "9999-12-31T23:59:59Z": "date in the future: '9999-12-31T23:59:59Z'",
            "1989-12-31T23:59:59Z": "date too far in the past: '1989-12-31T23:59:59Z'",
            # 1990-01-01 00:30 at +01:00 is still 1989 in UTC
            "1990-01-01T00:30:00+01:00": (
                "date too far in the past: '1990-01-01T00:30:00+01:00'"
            ),
            "2026-02-30T10:00:00Z": "not an ISO 8601 date-time: '2026-02-30T10:00:00Z'",
            "2024-06-01garbage": "not an ISO 8601 date-time: '2024-06-01garbage'",
            "2026-11-20T10:00:00+24:00": (
                "not an ISO 8601 date-time: '2026-11-20T10:00:00+24:00'"
            ),
        }
        for value, reason in cases.items():
            with self.subTest(value=value):
                self.assertEqual(
                    self.errors({"code": "a", "at": value}), [(1, "at", reason)]
                )
        days = {
            "2024-06-01garbage": "not an ISO 8601 date: '2024-06-01garbage'",
            "2024-06-01T00:00:00Z": "not an ISO 8601 date: '2024-06-01T00:00:00Z'",
            "2026-W47-1": "not an ISO 8601 date: '2026-W47-1'",
            "20261120": "not an ISO 8601 date: '20261120'",
            "2026-02-30": "not an ISO 8601 date: '2026-02-30'",
            "0001-01-01": "date too far in the past: '0001-01-01'",
            "9999-12-31": "date in the future: '9999-12-31'",
            "2026-11-25": "date in the future: '2026-11-25'",
            # digits of another script
            "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0660": (
                "not an ISO 8601 date: "
                "'\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0660'"
            ),
        }
        for value, reason in days.items():
            with self.subTest(value=value):
                self.assertEqual(
                    self.errors({"code": "a", "day": value}), [(1, "day", reason)]
                )
        self.assertEqual(
            self.one({"code": "a", "day": " 2026-11-24 "})["day"], date(2026, 11, 24)
        )
        long_value = "2026-11-20" + "x" * 1000
        [(_index, _key, reason)] = self.errors({"code": "a", "day": long_value})
        self.assertEqual(reason, f"not an ISO 8601 date: '{long_value[:40]}...'")

    def test_offset_less_date_times(self):
        # refused unless the caller gives a zone
        self.assertEqual(
            self.errors({"code": "a", "at": "2026-11-20T10:00:00"}),
            [
                (
                    1,
                    "at",
                    "no time zone in '2026-11-20T10:00:00': add 'Z' (UTC) or an "
                    "offset such as '+02:00'",
                )
            ],
        )

        def local_time(naive, record):
            # the record's fields checked so far decide (here: its "code")
            return naive.replace(tzinfo=EET) if record["code"] == "eet" else None

        row = self.one(
            {"code": "eet", "at": "2026-11-20 10:00:00"}, local_time=local_time
        )
        self.assertEqual(row["at"], datetime(2026, 11, 20, 8, 0, 0))
        errors = self.errors(
            {"code": "utc?", "at": "2026-11-20T10:00"}, local_time=local_time
        )
        self.assertEqual(errors[0][:2], (1, "at"))
        self.assertIn("no time zone in '2026-11-20T10:00'", errors[0][2])
        # read in the zone, then checked: the future and the calendar's edges
        # (the latest accepted is 2026-11-24 12:00 UTC, 14:00 at +02:00)
        self.assertEqual(
            self.one(
                {"code": "eet", "at": "2026-11-24T13:30:00"}, local_time=local_time
            )["at"],
            datetime(2026, 11, 24, 11, 30, 0),
        )
        self.assertEqual(
            self.errors(
                {"code": "eet", "at": "2026-11-24T14:30:00"}, local_time=local_time
            ),
            [(1, "at", "date in the future: '2026-11-24T14:30:00'")],
        )
        self.assertEqual(
            self.errors(
                {"code": "eet", "at": "0001-01-01T00:00:00"}, local_time=local_time
            ),
            [(1, "at", "date out of range: '0001-01-01T00:00:00'")],
        )

        def overflowing(naive, _record):
            return naive - timedelta(days=1)  # raises OverflowError at year 1

        self.assertEqual(
            self.errors(
                {"code": "a", "at": "0001-01-01T00:00:00"}, local_time=overflowing
            ),
            [(1, "at", "date out of range: '0001-01-01T00:00:00'")],
        )
        # with an offset, local_time is not asked
        self.assertEqual(
            self.one(
                {"code": "utc?", "at": "2026-11-20T10:00:00+02:00"},
                local_time=local_time,
            )["at"],
            datetime(2026, 11, 20, 8, 0, 0),
        )

    def test_numbers_and_wrong_types(self):
        cases = [
            ({"qty": 10**400}, "qty", "number too large"),
            ({"qty": -(10**400)}, "qty", "number too large"),
            ({"qty": 1e15}, "qty", "number too large"),
            ({"qty": float("inf")}, "qty", "expected a finite number"),
            ({"qty": float("nan")}, "qty", "expected a finite number"),
            ({"qty": True}, "qty", "expected a number, got bool"),
            ({"qty": "1"}, "qty", "expected a number, got str"),
            ({"n": 2**31}, "n", "number too large"),
            ({"n": 10**400}, "n", "number too large"),
            ({"n": float("inf")}, "n", "expected a finite number"),
            ({"n": 1.5}, "n", "expected a whole number, got 1.5"),
            ({"zone": float("nan")}, "zone", "expected a string, got nan"),
            ({"zone": 10**400}, "zone", "number too large"),
            ({"zone": ["a"]}, "zone", "expected a string, got list"),
            ({"zone": {"a": 1}}, "zone", "expected a string, got dict"),
            ({"zone": True}, "zone", "expected a string, got bool"),
            ({"at": 1700000000}, "at", "expected an ISO 8601 date-time string"),
            ({"day": 20261120}, "day", "expected an ISO 8601 date string (YYYY-MM-DD)"),
            (
                {"side": "x" * 500},
                "side",
                f"'{'x' * 40}...' is not one of 'buy', 'sell'",
            ),
            ({"zone": "x" * 100_000}, "zone", "longer than 40 characters"),
        ]
        for record, key, reason in cases:
            with self.subTest(record=str(record)[:60]):
                self.assertEqual(
                    self.errors({"code": "a", **record}), [(1, key, reason)]
                )
        # logins and tickets sent as numbers become strings
        self.assertEqual(self.one({"code": 1001})["code"], "1001")

    def test_unknown_key_is_shown_safely(self):
        self.assertEqual(
            self.errors({"code": "a", "bad\x00key": 1}),
            [(1, "'bad\\x00key'", "unknown key")],
        )
        self.assertEqual(
            self.errors({"code": "a", "k" * 50: 1}),
            [(1, repr("k" * 40), "unknown key")],
        )
        self.assertEqual(
            self.errors({"code": "a", "colour": 1}), [(1, "colour", "unknown key")]
        )

    def test_fast_path_gives_the_full_checks_answer(self):
        """The fast checkers decide only valid values, exactly as the full check;
        anything else goes to the full check."""
        values = [
            "buy", "BUY", " sell ", "", " ", "x" * 8, "x" * 9, "\x00", "a\x00",
            "buy\x00", "a\tb", "Zoë", "\u00a0a", 1, 1.5, -1, 0, 0.0, 10**20, 1e15,
            -1e15, float("inf"), float("nan"), True, None, [], "2026-11-20T10:00:00Z",
            "2026-11-24T13:00:00Z", "1989-12-31T23:59:59Z", "2026-02-30T10:00:00Z",
            "2026-11-20T10:00:00", "2026-11-20", "2026-W47-1", "2026-11-2x",
            "1989-12-31", "2026-11-25", "0001-01-01T00:00:00+01:00",
            "2026-W47-1T10:00:00Z",
        ]  # fmt: skip
        for name, spec in SCHEMA.items():
            fast = _fast_checker(spec, LATEST)
            for value in values:
                with self.subTest(field=name, value=repr(value)):
                    try:
                        expected = ("ok", CHECKS[spec.kind](spec, value, LATEST))
                    except Exception as exc:  # compared below
                        expected = ("error", type(exc).__name__, str(exc))
                    try:
                        got = ("ok", fast(value))
                    except Exception as exc:  # compared below
                        got = ("error", type(exc).__name__, str(exc))
                    self.assertEqual(got, expected)
