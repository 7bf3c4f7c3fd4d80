"""Trader facts, declared once.

A trader fact is a stored field of ``res.partner`` that carries its own
definition in an ``fx_fact`` parameter:

- ``Fact(source, sql, default)``: an SQL aggregate over one *source*, a
  sub-query of the fact tables grouped by trader (``fund``: fundings of live
  accounts, ``tr``: trades of live accounts, ``ev``: client events ...);
  ``default`` replaces NULL (a trader without rows);
- ``Fact(compute=function)``: a value derived in Python from the SQL facts of
  the same trader (``function(row, context)``, where ``row`` maps field names
  to values and ``context`` holds ``now`` and the lifecycle settings).

``res.partner._fx_recompute_facts`` builds one query from the declarations
(one CTE per source in use, one column per fact) and one set-based write;
column types come from the fields. Sources are listed by
``res.partner._fx_fact_sources()``; another addon adds facts by declaring
fields with ``fx_fact=`` and, if it needs one, a source by extending that
method. See README, "Adding a trader fact".
"""

from dataclasses import dataclass, field
from typing import Any

from odoo.tools import SQL


@dataclass(frozen=True)
class Source:
    """A sub-query of the fact tables giving one row per trader.

    ``head`` is what comes before the fact columns (``SELECT f.partner_id`` or
    ``SELECT DISTINCT ON (partner_id) partner_id``), ``tail`` the rest
    (``FROM ... WHERE ... GROUP BY``). Both may use the parameters
    ``%(ids)s`` (the traders), ``%(now)s``, ``%(d30)s`` and ``%(d90)s``
    (now minus 30 and 90 days). ``depends`` names the sources it reads.
    """

    head: str
    tail: str
    depends: tuple = ()


@dataclass(frozen=True)
class Fact:
    """The definition of a trader fact; see the module docstring."""

    source: str | None = None
    sql: str | None = None
    default: Any = None
    compute: Any = None
    # an internal value of the query (not a field), e.g. the stage before
    internal: bool = field(default=False, compare=False)

    def __post_init__(self):
        if (self.compute is None) == (self.sql is None):
            raise ValueError("a fact has either an SQL expression or a compute")


def facts_query(sources, facts, params):
    """One query giving, for each trader of ``params["ids"]``, a row with a
    column per SQL fact.

    ``sources``: {name: Source}; ``facts``: {column: Fact} (SQL facts only).
    The CTEs of the sources in use (and of those they depend on) come first,
    in dependency order; each fact is ``coalesce(source.column, default)``.
    """
    by_source = {}
    for column, fact in facts.items():
        if fact.source not in sources:
            raise KeyError(f"fact {column}: unknown source {fact.source!r}")
        by_source.setdefault(fact.source, []).append(column)
    order = []

    def visit(name):
        if name in order:
            return
        for dependency in sources[name].depends:
            visit(dependency)
        order.append(name)

    for name in by_source:
        visit(name)
    ctes = [SQL("p AS (SELECT unnest(%(ids)s::int4[]) AS id)", **params)]
    for name in order:
        source = sources[name]
        columns = [
            SQL("%s AS %s", SQL(facts[c].sql, **params), SQL.identifier(c))
            for c in by_source.get(name, ())
        ]
        ctes.append(
            SQL(
                "%s AS (%s)",
                SQL.identifier(name),
                SQL(" ").join(
                    [
                        SQL(", ").join([SQL(source.head), *columns]),
                        SQL(source.tail, **params),
                    ]
                ),
            )
        )
    selected = [
        SQL(
            "coalesce(%s, %s) AS %s",
            SQL.identifier(fact.source, column),
            fact.default,
            SQL.identifier(column),
        )
        if fact.default is not None
        else SQL(
            "%s AS %s", SQL.identifier(fact.source, column), SQL.identifier(column)
        )
        for column, fact in facts.items()
    ]
    joins = [
        SQL(
            "LEFT JOIN %s ON %s = p.id",
            SQL.identifier(name),
            SQL.identifier(name, "partner_id"),
        )
        for name in by_source
    ]
    return SQL(
        "WITH %s SELECT p.id, %s FROM p %s",
        SQL(", ").join(ctes),
        SQL(", ").join(selected),
        SQL(" ").join(joins),
    )
