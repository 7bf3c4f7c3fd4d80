"""Stored filters are data: parse a domain written as text into a list of
literal conditions without running any code (no Odoo imports).

A filter saved by a user (a segment's or a campaign's trader filter) is never
given to ``eval`` / ``safe_eval``. :func:`parse_domain` reads the text with
Python's parser and accepts only:

- literals: strings, numbers, ``True`` / ``False`` / ``None``, lists and tuples
  of them, a unary minus on a number;
- the name ``uid`` (the id of the user the filter is evaluated for);
- the date helpers Odoo's domain editor writes for relative dates, and nothing
  else: ``context_today()``, ``relativedelta(days=-7)`` (keywords years, months,
  weeks, days, hours, minutes, seconds with whole numbers) and
  ``timedelta(...)`` / ``datetime.timedelta(...)`` (weeks, days, hours,
  minutes, seconds), ``+`` / ``-`` between a date and such a delta,
  ``datetime.datetime.combine(<date>, datetime.time(h, m, s))``,
  ``<datetime>.to_utc()`` and ``<date or datetime>.strftime(<format>)`` with the
  formats ``%Y-%m-%d`` and ``%Y-%m-%d %H:%M:%S``.

Everything else (attribute access, other calls, comprehensions, lambdas,
subscripts, operators on other values ...) is refused with
:class:`DomainSyntaxError`, naming what was found. The result is a list whose
values are plain literals (dates become strings through ``strftime``).
"""

import ast
from datetime import date, datetime, time, timedelta, timezone

from dateutil.relativedelta import relativedelta

MAX_LENGTH = 20000
MAX_NODES = 5000
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S")
RELATIVEDELTA_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
TIMEDELTA_KEYS = ("weeks", "days", "hours", "minutes", "seconds")
MAX_DELTA = 100000  # a whole number of any unit above this is refused


class DomainSyntaxError(ValueError):
    """The text is not a literal domain (the message says why)."""


class _Reader:
    def __init__(self, today, tz, uid):
        self.today = today
        self.tz = tz
        self.uid = uid
        self.nodes = 0

    # ------------------------------------------------------------------ entry
    def visit(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise DomainSyntaxError("the filter is too large")
        method = getattr(self, "_read_" + type(node).__name__, None)
        if method is None:
            raise DomainSyntaxError(f"{_describe(node)} is not allowed in a filter")
        return method(node)

    # ------------------------------------------------------------------ literals
    def _read_Constant(self, node):
        value = node.value
        if isinstance(value, str) and "\x00" in value:
            raise DomainSyntaxError("a NUL character is not allowed in a filter")
        if value is None or isinstance(value, bool | int | float | str):
            return value
        raise DomainSyntaxError(f"the value {value!r} is not allowed in a filter")

    def _read_List(self, node):
        return [self.visit(elt) for elt in node.elts]

    def _read_Tuple(self, node):
        return tuple(self.visit(elt) for elt in node.elts)

    def _read_UnaryOp(self, node):
        value = self.visit(node.operand)
        if isinstance(node.op, ast.USub | ast.UAdd) and _is_number(value):
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node.op, ast.USub) and isinstance(
            value, timedelta | relativedelta
        ):
            return -value
        raise DomainSyntaxError(f"{_describe(node)} is not allowed in a filter")

    def _read_Name(self, node):
        if node.id == "uid":
            return self.uid
        raise DomainSyntaxError(f"the name {node.id!r} is not allowed in a filter")

    # ------------------------------------------------------------------ dates
    def _read_BinOp(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        deltas = timedelta | relativedelta
        if (
            isinstance(node.op, ast.Add | ast.Sub)
            and isinstance(left, date)
            and isinstance(right, deltas)
        ):
            result = left + right if isinstance(node.op, ast.Add) else left - right
            if isinstance(right, timedelta) and not isinstance(left, datetime):
                result = result if not isinstance(result, datetime) else result.date()
            return result
        if isinstance(node.op, ast.Add) and isinstance(left, deltas):
            if isinstance(right, date):
                return right + left
        raise DomainSyntaxError(
            "only a date plus or minus a relativedelta / timedelta is allowed "
            "in a filter's arithmetic"
        )

    def _read_Call(self, node):
        name = _dotted(node.func)
        if name == "context_today":
            self._no_args(node, name)
            return self.today
        if name == "relativedelta":
            return relativedelta(**self._delta_kwargs(node, name, RELATIVEDELTA_KEYS))
        if name in ("timedelta", "datetime.timedelta"):
            return timedelta(**self._delta_kwargs(node, name, TIMEDELTA_KEYS))
        if name == "datetime.time":
            return self._time(node)
        if name == "datetime.datetime.combine":
            return self._combine(node)
        if isinstance(node.func, ast.Attribute) and name is None:
            method = node.func.attr
            if method == "strftime":
                return self._strftime(node)
            if method == "to_utc":
                return self._to_utc(node)
        if name is None and isinstance(node.func, ast.Attribute):
            name = "." + node.func.attr
        raise DomainSyntaxError(
            f"the call {name or 'of ' + _describe(node.func)}(...) is not allowed "
            "in a filter"
        )

    def _no_args(self, node, name):
        if node.args or node.keywords:
            raise DomainSyntaxError(f"{name}() takes no arguments in a filter")

    def _delta_kwargs(self, node, name, keys):
        if node.args:
            raise DomainSyntaxError(f"{name}() takes keyword arguments only")
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg not in keys:
                raise DomainSyntaxError(
                    f"{name}() accepts only {', '.join(keys)}; got {keyword.arg!r}"
                )
            value = self.visit(keyword.value)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or abs(value) > MAX_DELTA
            ):
                raise DomainSyntaxError(
                    f"{name}({keyword.arg}=...) needs a whole number up to {MAX_DELTA}"
                )
            kwargs[keyword.arg] = value
        return kwargs

    def _time(self, node):
        if node.keywords or not 0 < len(node.args) <= 3:
            raise DomainSyntaxError("datetime.time() takes hour, minute, second")
        parts = [self.visit(arg) for arg in node.args]
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise DomainSyntaxError("datetime.time() takes whole numbers")
        try:
            return time(*parts)
        except ValueError as exc:
            raise DomainSyntaxError(f"datetime.time(): {exc}") from None

    def _combine(self, node):
        if node.keywords or len(node.args) != 2:
            raise DomainSyntaxError(
                "datetime.datetime.combine() takes a date and a time"
            )
        day, at = self.visit(node.args[0]), self.visit(node.args[1])
        if isinstance(day, datetime) or not isinstance(day, date):
            raise DomainSyntaxError("datetime.datetime.combine() needs a date first")
        if not isinstance(at, time):
            raise DomainSyntaxError("datetime.datetime.combine() needs a time second")
        return _Local(datetime.combine(day, at))

    def _to_utc(self, node):
        self._no_args(node, "to_utc")
        value = self.visit(node.func.value)
        if not isinstance(value, _Local):
            raise DomainSyntaxError(
                "to_utc() applies to datetime.datetime.combine(...)"
            )
        if not self.tz:
            return value.value
        try:
            moved = value.value.replace(tzinfo=self.tz).astimezone(timezone.utc)
        except (OverflowError, ValueError) as exc:
            raise DomainSyntaxError(f"to_utc(): {exc}") from None
        return moved.replace(tzinfo=None)

    def _strftime(self, node):
        value = self.visit(node.func.value)
        if node.keywords or len(node.args) != 1:
            raise DomainSyntaxError("strftime() takes one format")
        fmt = self.visit(node.args[0])
        if fmt not in DATE_FORMATS:
            raise DomainSyntaxError(
                f"strftime() accepts only {' or '.join(map(repr, DATE_FORMATS))}"
            )
        if not isinstance(value, date):
            raise DomainSyntaxError("strftime() applies to a date")
        if not isinstance(value, datetime) and fmt != DATE_FORMATS[0]:
            value = datetime.combine(value, time())
        return value.strftime(fmt)


class _Local:
    """A date-time in the user's time zone, waiting for ``to_utc()``."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dotted(node):
    """``a.b.c`` for a chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _describe(node):
    kinds = {
        "Attribute": "reading an attribute",
        "Subscript": "indexing",
        "Lambda": "a lambda",
        "ListComp": "a comprehension",
        "GeneratorExp": "a comprehension",
        "SetComp": "a comprehension",
        "DictComp": "a comprehension",
        "Dict": "a dictionary",
        "Set": "a set",
        "Compare": "a comparison",
        "BoolOp": "and / or",
        "IfExp": "an if expression",
        "Starred": "unpacking",
        "NamedExpr": "an assignment",
        "JoinedStr": "an f-string",
        "Await": "await",
        "Yield": "yield",
    }
    name = type(node).__name__
    text = kinds.get(name, name)
    if name == "Attribute":
        dotted = _dotted(node)
        text = f"reading the attribute {dotted or node.attr!r}"
    return text


def parse_domain(text, *, today, tz=None, uid=None):
    """The domain in ``text`` as a list of literal conditions.

    ``today`` is the user's current date (``context_today()``), ``tz`` their
    time zone (a ``tzinfo``, for ``to_utc()``), ``uid`` their id. Raises
    :class:`DomainSyntaxError` when the text is not a literal domain.
    """
    if text is None or text is False:
        text = "[]"
    if not isinstance(text, str):
        raise DomainSyntaxError("the filter must be text")
    if len(text) > MAX_LENGTH:
        raise DomainSyntaxError(f"the filter is longer than {MAX_LENGTH} characters")
    if not text.strip():
        return []
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise DomainSyntaxError(f"not a valid filter: {exc.msg}") from None
    except ValueError as exc:  # e.g. a NUL character
        raise DomainSyntaxError(f"not a valid filter: {exc}") from None
    except (RecursionError, MemoryError):
        raise DomainSyntaxError("the filter is nested too deeply") from None
    try:
        domain = _Reader(today, tz, uid).visit(tree.body)
    except RecursionError:
        raise DomainSyntaxError("the filter is nested too deeply") from None
    if not isinstance(domain, list | tuple):
        raise DomainSyntaxError("the filter must be a list of conditions")
    return [_check_item(item) for item in domain]


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _holds_date(value):
    if isinstance(value, date | timedelta | relativedelta | time | _Local):
        return True
    if isinstance(value, list | tuple):
        return any(_holds_date(v) for v in value)
    return False


def _check_item(item):
    if item in ("&", "|", "!"):
        return item
    if isinstance(item, list | tuple) and len(item) == 3:
        if not isinstance(item[0], str | int) or not isinstance(item[1], str):
            raise DomainSyntaxError(
                f"the condition {_short(item)} is not (field, operator, value)"
            )
        if _holds_date(item[2]):
            raise DomainSyntaxError(
                f"the condition on {item[0]!r} compares with a date: format it "
                "with strftime('%Y-%m-%d')"
            )
        return tuple(item)
    raise DomainSyntaxError(
        f"{_short(item)} is neither a condition (field, operator, value) "
        "nor '&', '|', '!'"
    )
