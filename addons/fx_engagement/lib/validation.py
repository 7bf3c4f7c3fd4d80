"""Validation of the records pushed through the sync API (no Odoo imports).

A schema maps each key to a :class:`Field`. :func:`validate_batch` checks a whole
batch and returns normalised records plus a list of errors, each naming the
record's index, the key and the reason, so that the caller can refuse the whole
call before writing anything.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

MAX_ERRORS = 20


class BatchError(ValueError):
    """The batch is refused; ``errors`` is a list of (index, key, reason)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(format_errors(errors))


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
    kind: str  # str, float, int, datetime, date, enum, bool
    required: bool = False
    max_len: int = 64
    choices: tuple = ()
    min_value: float | None = None
    strict_min: bool = False
    default: object = None
    lower: bool = False
    upper: bool = False
    extra: dict = field(default_factory=dict)


def _parse_datetime(value, now, max_future):
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    if parsed.year < 1990:
        raise ValueError(f"date too far in the past: {value!r}")
    if parsed > now + max_future:
        raise ValueError(f"date in the future: {value!r}")
    return parsed


def _parse_date(value, now, max_future):
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date string (YYYY-MM-DD)")
    try:
        parsed = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {value!r}") from None
    if parsed.year < 1990:
        raise ValueError(f"date too far in the past: {value!r}")
    if parsed > (now + max_future).date():
        raise ValueError(f"date in the future: {value!r}")
    return parsed


def _check_str(spec, value, _now, _max_future):
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # logins and tickets are often numbers
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    value = value.strip()
    if spec.lower:
        value = value.lower()
    if spec.upper:
        value = value.upper()
    if spec.kind == "enum":
        if value not in spec.choices:
            raise ValueError(
                f"{value!r} is not one of {', '.join(map(repr, spec.choices))}"
            )
    elif len(value) > spec.max_len:
        raise ValueError(f"longer than {spec.max_len} characters")
    return value


def _check_number(spec, value, _now, _max_future):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected a whole number, got {value}")
        value = int(value)
        if abs(value) > 2**31 - 1:
            raise ValueError("number too large")
    elif not math.isfinite(value):
        raise ValueError("expected a finite number")
    if spec.min_value is not None:
        if spec.strict_min and value <= spec.min_value:
            raise ValueError(f"must be greater than {spec.min_value}, got {value}")
        if value < spec.min_value:
            raise ValueError(f"must be at least {spec.min_value}, got {value}")
    if abs(value) >= 1e15:
        raise ValueError("number too large")
    return float(value) if spec.kind == "float" else value


def _check_bool(_spec, value, _now, _max_future):
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


CHECKS = {
    "str": _check_str,
    "enum": _check_str,
    "float": _check_number,
    "int": _check_number,
    "datetime": lambda _spec, value, now, max_future: _parse_datetime(
        value, now, max_future
    ),
    "date": lambda _spec, value, now, max_future: _parse_date(value, now, max_future),
    "bool": _check_bool,
}


def _fast_str(spec, slow):
    max_len, choices = spec.max_len, frozenset(spec.choices)
    lower, upper, is_enum = spec.lower, spec.upper, spec.kind == "enum"

    def check_str(value):
        if value.__class__ is str:
            text = value.strip()
            if lower:
                text = text.lower()
            elif upper:
                text = text.upper()
            if (text in choices) if is_enum else (len(text) <= max_len):
                return text
        return slow(value)

    return check_str


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
            if parsed.year >= 1990 and parsed <= latest:
                return parsed
        return slow(value)

    return check_datetime


def _fast_checker(spec, now, max_future):
    """A checker for the common, valid case of ``spec``; anything unusual goes
    through the full check (which also builds the error message). Loading a
    million trades makes the difference worth it."""
    full = CHECKS[spec.kind]

    def slow(value):
        return full(spec, value, now, max_future)

    if spec.kind in ("str", "enum"):
        return _fast_str(spec, slow)
    if spec.kind == "float":
        return _fast_float(spec, slow)
    if spec.kind == "datetime":
        return _fast_datetime(now + max_future, slow)
    return slow


def validate_batch(
    records, schema, now, *, max_records, max_future=timedelta(days=1), key=None
):
    """Check ``records`` against ``schema``; return the normalised records.

    Raises :class:`BatchError` listing every problem found. ``key`` is a function
    of a normalised record returning its identity; two records with the same key
    in one batch are refused (the second one is named).
    """
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
    errors = []
    cleaned = []
    seen = {}
    known = frozenset(schema)
    plan = [
        (name, spec.required, spec.default, _fast_checker(spec, now, max_future))
        for name, spec in schema.items()
    ]
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            errors.append((index, "*", "expected a record (a dict)"))
            continue
        errors_before = len(errors)
        unknown = record.keys() - known
        if unknown:
            errors.append((index, sorted(unknown)[0], "unknown key"))
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
