"""Helpers shared by fx_engagement's models: the set-based SQL writes, and the
one evaluator of stored trader filters."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .lib.domain_literal import DomainSyntaxError, parse_domain

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


# --------------------------------------------------------------------- filters
def _user_tz(env):
    try:
        return ZoneInfo(env.user.tz or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _check_paths(env, model, domain, label):
    """Every field named in ``domain`` (paths and sub-domains included) exists
    and is readable by ``env``'s user."""
    for leaf in domain:
        if not isinstance(leaf, tuple) or not isinstance(leaf[0], str):
            continue
        current = model
        path = leaf[0].split(".")
        for fname in path:
            field = current._fields.get(fname)
            if field is None:
                raise ValidationError(
                    env._(
                        "%(label)s: unknown field %(field)s in the filter.",
                        label=label,
                        field=leaf[0],
                    )
                )
            if not env.su and not field.is_accessible(current.env):
                raise ValidationError(
                    env._(
                        "%(label)s: you may not filter on %(field)s.",
                        label=label,
                        field=leaf[0],
                    )
                )
            if field.relational:
                current = current.env[field.comodel_name]
        if leaf[1] in ("any", "not any") and isinstance(leaf[2], list | tuple):
            _check_paths(
                env,
                current,
                [tuple(x) if isinstance(x, list) else x for x in leaf[2]],
                label,
            )


def parse_trader_filter(env, text, label):
    """A stored trader filter (``res.partner`` domain as text) as a list.

    Filters are data, never code: the text is read by
    :func:`lib.domain_literal.parse_domain` (literals and the date helpers of
    Odoo's domain editor only), every field it names must exist and be readable
    by ``env``'s user, and the domain must compile for that user. ``label``
    names the filter's owner in the error (e.g. "Segment VIP").
    """
    Partner = env["res.partner"]
    try:
        domain = parse_domain(
            text,
            today=fields.Date.context_today(Partner),
            tz=_user_tz(env),
            uid=env.uid,
        )
    except DomainSyntaxError as exc:
        raise ValidationError(
            env._(
                "%(label)s: the filter is not valid: %(error)s", label=label, error=exc
            )
        ) from None
    _check_paths(env, Partner, domain, label)
    try:
        Partner._search(domain)
    except (ValueError, KeyError, TypeError, AccessError) as exc:
        raise ValidationError(
            env._(
                "%(label)s: the filter is not valid: %(error)s", label=label, error=exc
            )
        ) from None
    return domain


# ----------------------------------------------------------------- mailing lists
def sync_mailing_list(mailing_list, members):
    """Make ``mailing_list``'s subscribers the rows of ``members``, an SQL
    query of ``(email_normalized, email, name, country_id)``, one row per
    normalized e-mail.

    The one place where fx_engagement writes Odoo's mass-mailing tables in SQL
    (a segment of 200,000 traders exports in about a second; the ORM needs
    minutes). It writes what ``mailing.contact`` / ``mailing.subscription``
    creation would and nothing else, so Odoo's own behaviour holds (tested in
    test_segment_export.py): subscribers whose e-mail left the rows are
    unsubscribed unless they opted out (an opt-out is the subscriber's choice
    and is kept), new e-mails get a mailing contact and a subscription, the
    blacklist applies through ``email_normalized`` when mailing, and the
    list's counters count the rows written here.
    """
    env = mailing_list.env
    params = {
        "list": mailing_list.id,
        "now": fields.Datetime.now(),
        "uid": env.uid,
        "members": members,
    }
    env.cr.execute(
        SQL(
            """
            DELETE FROM mailing_subscription s
             USING mailing_contact c
             WHERE s.contact_id = c.id AND s.list_id = %(list)s
               AND NOT s.opt_out
               AND (c.email_normalized IS NULL OR c.email_normalized NOT IN (
                    SELECT email_normalized FROM (%(members)s) m))
            """,
            **params,
        )
    )
    env.cr.execute(
        SQL(
            """
            WITH m AS (%(members)s),
            subscribed AS (
                SELECT c.email_normalized FROM mailing_subscription s
                  JOIN mailing_contact c ON c.id = s.contact_id
                 WHERE s.list_id = %(list)s
            ),
            missing AS (
                SELECT * FROM m WHERE m.email_normalized NOT IN
                    (SELECT email_normalized FROM subscribed
                      WHERE email_normalized IS NOT NULL)
            ),
            contacts AS (
                INSERT INTO mailing_contact
                       (name, email, email_normalized, country_id, message_bounce,
                        create_uid, write_uid, create_date, write_date)
                SELECT name, email, email_normalized, country_id, 0,
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM missing
                RETURNING id
            )
            INSERT INTO mailing_subscription
                   (contact_id, list_id, opt_out,
                    create_uid, write_uid, create_date, write_date)
            SELECT id, %(list)s, false, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM contacts
            """,
            **params,
        )
    )
    env["mailing.contact"].invalidate_model()
    env["mailing.subscription"].invalidate_model()
    env["mailing.list"].invalidate_model()
