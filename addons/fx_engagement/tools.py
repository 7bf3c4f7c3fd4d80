"""Helpers shared by fx_engagement's models: the set-based SQL writes, and the
one evaluator of stored trader filters."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_round

from .lib.domain_literal import DomainSyntaxError, parse_domain

# PostgreSQL types a column of a JSON recordset may have (literal SQL, never input)
PG_TYPES = {
    "int4": "int4",
    "varchar": "varchar",
    "text": "text",
    "float8": "float8",
    "numeric": "numeric",
    "timestamp": "timestamp",
    "date": "date",
    "bool": "bool",
    "jsonb": "jsonb",
}


def column_type(model, name):
    """The PostgreSQL type of ``model``'s column ``name``, as its ORM field
    declares it (``id``: int4). Set-based writes type their JSON recordsets
    with it, so a column is never declared twice."""
    if name == "id":
        return "int4"
    return model._fields[name].column_type[0]


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


def model_recordset(model, columns, alias="s"):
    """:func:`json_recordset` of ``columns``, a list of (name, values) of
    ``model``'s columns, typed by :func:`column_type`."""
    return json_recordset(
        [(name, column_type(model, name), values) for name, values in columns], alias
    )


def json_rows(rows, columns, alias="s"):
    """``json_to_recordset(...) AS alias(key type, ...)`` reading ``rows``, a
    list of dicts: ``columns`` is a list of (key, PostgreSQL type); only those
    keys are sent. As :func:`json_recordset`, for batches held as records
    rather than as columns."""
    keys = [key for key, _kind in columns]
    return SQL(
        "json_to_recordset(%s::json) AS %s(%s)",
        json.dumps([{key: row[key] for key in keys} for row in rows], default=_default),
        SQL.identifier(alias),
        SQL(", ").join(
            SQL("%s %s", SQL.identifier(key), SQL(PG_TYPES[kind]))
            for key, kind in columns
        ),
    )


def insert_missing(model, key, columns):
    """Insert the rows of ``columns`` (as for :func:`model_recordset`: (name,
    values) of ``model``'s columns) into ``model``'s table unless their ``key``
    value exists; return ``{key: id}`` of the rows inserted.

    ``INSERT ... ON CONFLICT DO NOTHING``: two pushes introducing the same new
    symbol at the same time never fail on the unique constraint; under Odoo's
    REPEATABLE READ the later one gets a serialization failure, which Odoo
    retries, and the retry finds the row. Only for simple reference records (no
    defaults, computes or translations beyond what ``columns`` holds).
    """
    if not columns[0][1]:
        return {}
    env = model.env
    names = SQL(", ").join(SQL.identifier(name) for name, _values in columns)
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
            rows=model_recordset(model, columns),
            key=SQL.identifier(key),
        )
    )
    model.invalidate_model()
    return dict(rows)


# ------------------------------------------------------------ company currency
class CompanyConversion:
    """The one conversion of amounts into their company's currency
    (docs/METRICS.md#company-currency-conversion), used by the sync API and by
    the ORM computes alike.

    Built once for a batch of keys ``(currency_id, company_id, day)``:
    ``missing`` holds the keys whose currency has no rate on or before the day,
    of the company's root company or shared (such an amount is refused, never
    converted at a guess; the company currency needs no rate);
    ``convert(amount, key)`` gives the amount in the company currency.
    """

    def __init__(self, env, keys):
        keys = set(keys)
        companies = env["res.company"].sudo().browse({key[1] for key in keys})
        self.companies = companies
        own = {company.id: company.currency_id for company in companies}
        self._rounding = {company.id: own[company.id].rounding for company in companies}
        foreign = {key for key in keys if key[0] != own[key[1]].id}
        self.missing = self._without_rate(env, companies, foreign)
        Currency = env["res.currency"].sudo()
        self._rates = {key: 1.0 for key in keys - foreign}
        for key in foreign - self.missing:
            currency_id, company_id, day = key
            company = companies.browse(company_id)
            self._rates[key] = Currency._get_conversion_rate(
                Currency.browse(currency_id), own[company_id], company, day
            )

    @staticmethod
    def _without_rate(env, companies, keys):
        if not keys:
            return set()
        roots = {company.id: company.root_id.id for company in companies}
        currency_ids, company_ids, days = zip(*keys, strict=True)
        return set(
            env.execute_query(
                SQL(
                    """
                    SELECT k.currency_id, k.company_id, k.day
                      FROM unnest(%s::int4[], %s::int4[], %s::int4[], %s::date[])
                           AS k(currency_id, company_id, root_id, day)
                     WHERE NOT EXISTS (
                           SELECT 1 FROM res_currency_rate r
                            WHERE r.currency_id = k.currency_id AND r.name <= k.day
                              AND (r.company_id IS NULL OR r.company_id = k.root_id))
                    """,
                    list(currency_ids),
                    list(company_ids),
                    [roots[c] for c in company_ids],
                    list(days),
                )
            )
        )

    def convert(self, amount, key):
        """``amount * rate``, rounded half-up to the company currency's rounding
        (``res.currency.rounding``, e.g. 0.01 USD, 1 JPY): the precision at
        which Odoo keeps money, whichever path writes the amount."""
        return float_round(
            amount * self._rates[key], precision_rounding=self._rounding[key[1]]
        )

    def describe_missing(self, key):
        """(currency name, day, company name) of a key without a rate."""
        currency = self.companies.env["res.currency"].sudo().browse(key[0])
        return currency.name, key[2], self.companies.browse(key[1]).name


def check_rates(records):
    """Refuse ``records`` (fundings, trades) whose amount cannot be converted:
    their currency has no rate on or before their day in their company
    (``_fx_conversion_key``). The sync API refuses such rows the same way."""
    keys = {record: record._fx_conversion_key() for record in records}
    conversion = CompanyConversion(records.env, filter(None, keys.values()))
    for record, key in keys.items():
        if key in conversion.missing:
            currency, day, company = conversion.describe_missing(key)
            raise ValidationError(
                records.env._(
                    "%(record)s: no exchange rate for %(currency)s on %(day)s or "
                    "before in company %(company)s; add one to the currency first.",
                    record=record.display_name,
                    currency=currency,
                    day=day,
                    company=company,
                )
            )


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


# ------------------------------------------------------------------ records
def raise_immutable(records, message):
    """Refuse to create, change or delete records of an append-only model
    (audit trail, histories): the system writes them in SQL, nobody through
    the ORM."""
    raise UserError(message)
