"""Validation of the records pushed through the sync API (no Odoo imports).

A schema maps each key to a :class:`Field`. :func:`validate_batch` checks a whole
batch and returns normalised records plus a list of errors, each naming the
record's index, the key and the reason, so that the caller can refuse the whole
call before writing anything.

What is refused, for every field (see the README, "Integration API"):

- a value of the wrong type; a string of white space only ("blank"; an empty
  string or null is an absent value: "missing" when the field is required);
- control characters (C0 and C1, DEL) and lone surrogates in any string; free
  text fields (``multiline``) may contain tabs and line breaks;
- numbers that are not finite or too large, whole numbers outside 32 bits;
- dates that are not exactly ``YYYY-MM-DD``; date-times that are not ISO 8601,
  before 1990, in the future, or outside the calendar once converted to UTC;
  a date-time without a time zone offset unless the caller says in which zone
  to read it (``local_time``).
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

MAX_ERRORS = 20
MIN_YEAR = 1990

# control characters (C0 but tab / line feed / carriage return, DEL, C1) and lone
# surrogates (which JSON can carry but UTF-8, hence PostgreSQL, cannot)
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BatchError(ValueError):
    """The batch is refused; ``errors`` is a list of (index, key, reason)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(format_errors(errors))


class _LocalTime(Exception):
    """A date-time without an offset: the caller's ``local_time`` decides."""

    def __init__(self, parsed, text):
        super().__init__(text)
        self.parsed = parsed
        self.text = text


def format_errors(errors):
    lines = [
        f"record {index}, field '{key}': {reason}"
        if index is not None
        else f"{key}: {reason}"
        for index, key, reason in errors[:MAX_ERRORS]
    ]
    if len(errors) > MAX_ERRORS:
        lines.append(f"... and {len(errors) - MAX_ERRORS} more errors")
    return "\n".join(lines)


@dataclass(frozen=True)
class Field:
    kind: str  # str, float, int, datetime, date, enum, bool, list (of str)
    required: bool = False
    max_len: int = 64
    choices: tuple = ()
    min_value: float | None = None
    strict_min: bool = False
    default: object = None
    lower: bool = False
    upper: bool = False
    multiline: bool = False  # free text: tabs and line breaks allowed
    extra: dict = field(default_factory=dict)


def control_character(text, multiline=False):
    """The first character of ``text`` that the API refuses, or None."""
    found = (_BAD_TEXT if multiline else _BAD_LINE).search(text)
    return found.group() if found else None


def _describe(char):
    return f"U+{ord(char):04X}"


def _show(value, limit=40):
    """``value`` quoted for an error message, cut after ``limit`` characters."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return repr(text)


def _to_utc(parsed, value):
    """An aware date-time as a naive UTC one; the calendar's edges are errors."""
    try:
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ValueError(f"date out of range: {_show(value)}") from None


def _check_range(parsed, value, latest):
    if parsed.year < MIN_YEAR:
        raise ValueError(f"date too far in the past: {_show(value)}")
    if parsed > latest:
        raise ValueError(f"date in the future: {_show(value)}")
    return parsed


def _parse_datetime(value, latest):
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    text = value.strip()
    bad = control_character(text)
    if bad:
        raise ValueError(
            f"not an ISO 8601 date-time: control character {_describe(bad)}"
        )
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {_show(value)}") from None
    if parsed.tzinfo is None:
        raise _LocalTime(parsed, value)
    return _check_range(_to_utc(parsed, value), value, latest)


def _local_datetime(exc, record, local_time, latest):
    """Read the offset-less date-time of ``exc`` with the caller's ``local_time``."""
    try:
        aware = local_time(exc.parsed, record) if local_time else None
    except OverflowError:
        raise ValueError(f"date out of range: {_show(exc.text)}") from None
    if aware is None:
        raise ValueError(
            f"no time zone in {_show(exc.text)}: add 'Z' (UTC) or an offset such as "
            "'+02:00'"
        )
    return _check_range(_to_utc(aware, exc.text), exc.text, latest)


def _parse_date(value, latest):
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date string (YYYY-MM-DD)")
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {_show(value)}") from None
    if parsed.year < MIN_YEAR:
        raise ValueError(f"date too far in the past: {_show(value)}")
    if parsed > latest.date():
        raise ValueError(f"date in the future: {_show(value)}")
    return parsed


def _check_str(spec, value, _latest):
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a string, got {value}")
        if isinstance(value, int) and value.bit_length() > 128:
            raise ValueError("number too large")
        value = str(value)  # logins and tickets are often numbers
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    value = value.strip()
    if not value:
        raise ValueError("blank (only white space)")
    bad = control_character(value, spec.multiline)
    if bad:
        raise ValueError(f"control character {_describe(bad)} not allowed")
    if spec.lower:
        value = value.lower()
    if spec.upper:
        value = value.upper()
    if spec.kind == "enum":
        if value not in spec.choices:
            raise ValueError(
                f"{_show(value)} is not one of {', '.join(map(repr, spec.choices))}"
            )
    elif len(value) > spec.max_len:
        raise ValueError(f"longer than {spec.max_len} characters")
    return value


def _check_number(spec, value, _latest):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected a whole number, got {value}")
        if abs(value) > 2**31 - 1:
            raise ValueError("number too large")
        value = int(value)
    elif abs(value) >= 1e15:  # also an int too large for a float
        raise ValueError("number too large")
    if spec.min_value is not None:
        if spec.strict_min and value <= spec.min_value:
            raise ValueError(f"must be greater than {spec.min_value}, got {value}")
        if value < spec.min_value:
            raise ValueError(f"must be at least {spec.min_value}, got {value}")
    return float(value) if spec.kind == "float" else value


def _check_list(spec, value, latest):
    """A list of strings (symbols ...), each checked as a ``str`` of ``spec``;
    duplicates are dropped, the order kept. ``spec.extra["max_items"]``
    bounds its length (100 by default)."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of strings, got {type(value).__name__}")
    max_items = spec.extra.get("max_items", 100)
    if len(value) > max_items:
        raise ValueError(f"more than {max_items} items")
    item_spec = Field("str", max_len=spec.max_len, lower=spec.lower, upper=spec.upper)
    items = []
    for position, item in enumerate(value):
        try:
            text = _check_str(item_spec, item, latest)
        except ValueError as exc:
            raise ValueError(f"item {position}: {exc}") from None
        if text not in items:
            items.append(text)
    return items


def _check_bool(_spec, value, _latest):
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


CHECKS = {
    "str": _check_str,
    "enum": _check_str,
    "float": _check_number,
    "int": _check_number,
    "datetime": lambda _spec, value, latest: _parse_datetime(value, latest),
    "date": lambda _spec, value, latest: _parse_date(value, latest),
    "bool": _check_bool,
    "list": _check_list,
}


def _fast_str(spec, slow):
    max_len, choices = spec.max_len, frozenset(spec.choices)
    lower, upper, is_enum = spec.lower, spec.upper, spec.kind == "enum"

    def check_enum(value):
        # one of the choices: neither blank nor holding a control character
        if value.__class__ is str:
            text = value.strip()
            if lower:
                text = text.lower()
            elif upper:
                text = text.upper()
            if text in choices:
                return text
        return slow(value)

    def check_str(value):
        # printable: no control character (the full check looks at the other
        # unusual characters); empty after strip: blank, refused by the full check
        if value.__class__ is str and value.isprintable():
            text = value.strip()
            if lower:
                text = text.lower()
            elif upper:
                text = text.upper()
            if 0 < len(text) <= max_len:
                return text
        return slow(value)

    return check_enum if is_enum else check_str


def _fast_float(spec, slow):
    low, strict = spec.min_value, spec.strict_min

    def check_float(value):
        cls = value.__class__
        if (cls is float or cls is int) and -1e15 < value < 1e15:
            if low is None or (value > low if strict else value >= low):
                return float(value)
        return slow(value)

    return check_float


def _fast_datetime(latest, slow):
    def check_datetime(value):
        if value.__class__ is str and len(value) == 20 and value[19] == "Z":
            try:
                parsed = datetime.fromisoformat(value[:19])
            except ValueError:
                return slow(value)
            if parsed.year >= MIN_YEAR and parsed <= latest:
                return parsed
        return slow(value)

    return check_datetime


def _fast_date(latest, slow):
    latest = latest.date()

    def check_date(value):
        if (
            value.__class__ is str
            and len(value) == 10
            and value[4] == value[7] == "-"
            and value[5:7].isdigit()
        ):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                return slow(value)
            if parsed.year >= MIN_YEAR and parsed <= latest:
                return parsed
        return slow(value)

    return check_date


def _fast_checker(spec, latest):
    """A checker for the common, valid case of ``spec``; anything unusual goes
    through the full check (which also builds the error message). Loading a
    million trades makes the difference worth it."""
    full = CHECKS[spec.kind]

    def slow(value):
        return full(spec, value, latest)

    if spec.kind in ("str", "enum"):
        return _fast_str(spec, slow)
    if spec.kind == "float":
        return _fast_float(spec, slow)
    if spec.kind == "datetime":
        return _fast_datetime(latest, slow)
    if spec.kind == "date":
        return _fast_date(latest, slow)
    return slow


def _check_envelope(records, max_records):
    """The batch itself: a list, of at most ``max_records`` records."""
    if not isinstance(records, list | tuple):
        raise BatchError([(None, "records", "expected a list of records")])
    if len(records) > max_records:
        raise BatchError(
            [
                (
                    None,
                    "records",
                    f"{len(records)} records in one call, the limit is {max_records}: "
                    "split the batch",
                )
            ]
        )


def validate_batch(
    records,
    schema,
    now,
    *,
    max_records,
    max_future=timedelta(days=1),
    key=None,
    local_time=None,
):
    """Check ``records`` against ``schema``; return the normalised records.

    Raises :class:`BatchError` listing every problem found. ``key`` is a function
    of a normalised record returning its identity; two records with the same key
    in one batch are refused (the second one is named).

    Date-times come back as naive UTC. One without an offset is refused, unless
    ``local_time(naive, record)`` gives it a zone: it returns the aware date-time,
    or None to refuse it (``record`` holds the fields checked so far, in the
    schema's order).
    """
    _check_envelope(records, max_records)
    latest = now + max_future
    errors = []
    cleaned = []
    seen = {}
    known = frozenset(schema)
    plan = [
        (name, spec.required, spec.default, _fast_checker(spec, latest))
        for name, spec in schema.items()
    ]
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            errors.append((index, "*", "expected a record (a dict)"))
            continue
        errors_before = len(errors)
        unknown = record.keys() - known
        if unknown:
            errors.append((index, _key_name(min(unknown, key=str)), "unknown key"))
        out = {}
        for name, required, default, check in plan:
            value = record.get(name)
            if value is None or value == "":
                if required:
                    errors.append((index, name, "missing"))
                out[name] = default
                continue
            try:
                out[name] = check(value)
            except ValueError as exc:
                errors.append((index, name, str(exc)))
            except _LocalTime as local:
                try:
                    out[name] = _local_datetime(local, out, local_time, latest)
                except ValueError as exc:
                    errors.append((index, name, str(exc)))
        if key is not None and len(errors) == errors_before:
            identity = key(out)
            if identity in seen:
                errors.append(
                    (index, "*", f"same key as record {seen[identity]} in this batch")
                )
            else:
                seen[identity] = index
        cleaned.append(out)
        if len(errors) > 1000:
            break
    if errors:
        raise BatchError(errors)
    return cleaned


def _key_name(name):
    """An unknown key as it can be shown: printable, at most 40 characters."""
    text = str(name)
    if control_character(text) or len(text) > 40:
        return repr(text[:40])
    return text
