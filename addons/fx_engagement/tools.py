"""SQL helpers shared by the set-based writes of fx_engagement."""

import json
from datetime import date, datetime

from odoo import fields
from odoo.tools import SQL

# PostgreSQL types a column of a JSON recordset may have (literal SQL, never input)
PG_TYPES = {
    "int4": "int4",
    "varchar": "varchar",
    "float8": "float8",
    "numeric": "numeric",
    "timestamp": "timestamp",
    "date": "date",
    "bool": "bool",
    "jsonb": "jsonb",
}


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to PostgreSQL")


def json_recordset(columns, alias="s"):
    """``json_to_recordset(...) AS alias(col type, ...)`` for ``columns``, a list
    of (name, type, values) with values of equal length.

    One JSON parameter carries the whole batch: PostgreSQL parses it far faster
    than one literal per value, and it stays a bound parameter (no SQL built from
    data).
    """
    names = [name for name, _kind, _values in columns]
    rows = [
        dict(zip(names, row, strict=True))
        for row in zip(*(c[2] for c in columns), strict=True)
    ]
    return SQL(
        "json_to_recordset(%s::json) AS %s(%s)",
        json.dumps(rows, default=_default),
        SQL.identifier(alias),
        SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(PG_TYPES[kind]))
            for name, kind, _values in columns
        ),
    )


def insert_missing(model, key, columns):
    """Insert the rows of ``columns`` (as for :func:`json_recordset`) into
    ``model``'s table unless their ``key`` value exists; return ``{key: id}`` of
    the rows inserted.

    ``INSERT ... ON CONFLICT DO NOTHING``: two pushes introducing the same new
    symbol at the same time never fail on the unique constraint; under Odoo's
    REPEATABLE READ the later one gets a serialization failure, which Odoo
    retries, and the retry finds the row. Only for simple reference records (no
    defaults, computes or translations beyond what ``columns`` holds).
    """
    if not columns[0][2]:
        return {}
    env = model.env
    names = SQL(", ").join(SQL.identifier(name) for name, _kind, _values in columns)
    now = fields.Datetime.now()
    rows = env.execute_query(
        SQL(
            """
            INSERT INTO %(table)s (%(names)s, create_uid, write_uid,
                                   create_date, write_date)
            SELECT %(names)s, %(uid)s, %(uid)s, %(now)s, %(now)s FROM %(rows)s
            ON CONFLICT (%(key)s) DO NOTHING
            RETURNING %(key)s, id
            """,
            table=SQL.identifier(model._table),
            names=names,
            uid=env.uid,
            now=now,
            rows=json_recordset(columns),
            key=SQL.identifier(key),
        )
    )
    model.invalidate_model()
    return dict(rows)
