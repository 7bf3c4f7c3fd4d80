"""The integration API: the trading platform, registration site, KYC provider and
payment systems push facts here over XML-RPC / JSON-RPC (``execute_kw``).

Each ``push_*`` method is a declaration (:class:`Push`, in ``PUSHES``) run by
one pipeline, ``FxSync._push``: it validates the whole batch first and resolves
what the records name (nothing is written when a record is wrong; the error
names the record's index, the key and the reason), then upserts set-based (one
``INSERT ... ON CONFLICT`` per table, column types from the ORM fields), then
recomputes the facts of the traders it touched, once.

Keys are isolated per company: a push never takes over an account, a funding
event or a contact of another company, nor an internal user's contact.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..lib.data_quality import normalize_document
from ..lib.validation import BatchError, Field, format_errors, validate_batch
from ..tools import CompanyConversion, column_type, json_rows
from .fx_funding import net_effect
from .fx_trading_account import PLATFORMS

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_LIMIT = 10000
# traders: a push touching more is a bulk load; its traders are queued for the
# facts cron (triggered at once), which refreshes each of them once
DEFAULT_INLINE_LIMIT = 500
# date-times without an offset are read in the time zone set per platform (and one
# for client events, which name no platform): "fx_engagement.server_tz_<code>",
# UTC when not set, "refuse" to refuse them
SERVER_TZ_PARAM = "fx_engagement.server_tz_%s"
SERVER_TZ_EVENTS = "events"
SERVER_TZ_REFUSE = "refuse"

ACCOUNT_KEYS = {
    "platform": Field("enum", required=True, choices=tuple(p for p, _l in PLATFORMS)),
    "server": Field("str", required=True, max_len=64),
    "login": Field("str", required=True, max_len=32),
}
ACCOUNT_SCHEMA = {
    **ACCOUNT_KEYS,
    "client_ref": Field("str", max_len=64),
    "email": Field("str", max_len=254, lower=True),
    "name": Field("str", max_len=128),
    "type": Field("enum", choices=("live", "demo"), default="live"),
    "currency": Field("str", required=True, max_len=3, upper=True),
    "leverage": Field("int", min_value=1, default=0),
    "balance": Field("float", default=0.0),
    "equity": Field("float", default=0.0),
    "credit": Field("float", min_value=0, default=0.0),
    "opened_at": Field("datetime"),
    "status": Field("enum", choices=("active", "disabled", "closed"), default="active"),
}
FUNDING_SCHEMA = {
    "ref": Field("str", required=True, max_len=64),
    "source": Field("str", max_len=32, lower=True, default="platform"),
    **ACCOUNT_KEYS,
    "kind": Field(
        "enum", required=True, choices=("deposit", "withdrawal", "bonus", "adjustment")
    ),
    "amount": Field("float", required=True, min_value=0, strict_min=True),
    "currency": Field("str", required=True, max_len=3, upper=True),
    "at": Field("datetime", required=True),
    "method_fingerprint": Field("str", max_len=128),
}
TRADE_SCHEMA = {
    **ACCOUNT_KEYS,
    "ticket": Field("str", required=True, max_len=32),
    "symbol": Field("str", required=True, max_len=32, upper=True),
    "side": Field("enum", required=True, choices=("buy", "sell"), lower=True),
    "volume": Field("float", required=True, min_value=0, strict_min=True),
    "open_time": Field("datetime", required=True),
    "close_time": Field("datetime"),
    "open_price": Field("float", min_value=0),
    "close_price": Field("float", min_value=0),
    "profit": Field("float", default=0.0),
    "commission": Field("float", default=0.0),
    "swap": Field("float", default=0.0),
    "broker_revenue": Field("float"),
    "comment": Field("str", max_len=128, multiline=True),
    "strategy": Field("str", max_len=64, lower=True),
}
EQUITY_SCHEMA = {
    **ACCOUNT_KEYS,
    "date": Field("date", required=True),
    "balance": Field("float", default=0.0),
    "equity": Field("float", required=True),
}
EVENT_SCHEMA = {
    "type": Field("enum", required=True, choices=("registration", "login", "kyc")),
    "at": Field("datetime", required=True),
    "client_ref": Field("str", max_len=64),
    "email": Field("str", max_len=254, lower=True),
    "name": Field("str", max_len=128),
    "phone": Field("str", max_len=32),
    "country": Field("str", max_len=2, upper=True),
    "kyc_status": Field(
        "enum", choices=("pending", "approved", "rejected"), lower=True
    ),
    "reason": Field("str", max_len=256, multiline=True),
    # accepted and passed to the registration hook (FxSync._on_registrations);
    # stored by fx_referrals, which sets Referred By from it
    "referral_code": Field("str", max_len=32),
    # the identity document's number (registration or kyc events); compared
    # across traders by the duplicate detection (docs/METRICS.md#duplicates)
    "kyc_document_id": Field("str", max_len=64),
}


MARKET_EVENT_SCHEMA = {
    "key": Field("str", required=True, max_len=64),
    "title": Field("str", required=True, max_len=256),
    "importance": Field(
        "enum", required=True, choices=("low", "medium", "high"), lower=True
    ),
    "scheduled_at": Field("datetime", required=True),
    "country": Field("str", max_len=2, upper=True),
    "currency": Field("str", max_len=3, upper=True),
    "actual": Field("str", max_len=32),
    "forecast": Field("str", max_len=32),
    "previous": Field("str", max_len=32),
    # symbols affected besides those derived from the currency
    "instruments": Field("list", max_len=32, upper=True, extra={"max_items": 100}),
}
# market events are scheduled ahead: a calendar feed sends the coming year
MARKET_EVENT_MAX_FUTURE = timedelta(days=400)


def _account_key(record):
    return (record["platform"], record["server"], record["login"])


def columns(*names, **renamed):
    """A push's columns, ``{table column: key of the validated row}``: ``names``
    are both, ``renamed`` maps a column to the API's name (``date="at"``)."""
    return {**{name: name for name in names}, **renamed}


# which traders a push refreshes (see Push.refresh)
WRITTEN = "written"
BATCH = "batch"


@dataclass(frozen=True)
class Push:
    """One push method of the API, declared; ``fx.sync._push`` runs them all
    the same way:

    1. validate the batch against ``schema`` (``lib/validation.py``); ``key``
       is a record's identity (two records with one key in a batch are
       refused);
    2. ``resolve``: stages of fx.sync methods ``(rows, errors)`` that look up
       what the rows name (accounts, currencies, countries, contacts, rates),
       add it to the rows (``row["account_id"]`` ...) and report the rows they
       refuse; a stage runs only when the previous ones refused nothing;
       nothing is written;
    3. any error refuses the whole batch (``<method> refused, nothing was
       written``);
    4. ``prepare``: fx.sync methods ``(rows)`` run once the batch is accepted,
       before the upsert (contacts of new clients, derived columns);
    5. one ``INSERT ... ON CONFLICT (conflict) DO UPDATE`` of ``columns`` into
       ``model``'s table, writing only the rows whose values changed; the
       column types are the model's fields';
    6. ``after``: fx.sync methods ``(rows)`` run after the upsert, returning
       other traders whose facts changed (or None);
    7. ``refresh``: the facts of the traders whose rows were written
       (``WRITTEN``: a re-sent batch refreshes nothing), of every trader of the
       batch (``BATCH``) or of none (None) are refreshed, or queued for a bulk
       load (``_recompute``).

    Another addon extends a push by overriding ``fx.sync._push_declaration``
    (e.g. ``push.extend(columns={"referral_code": "referral_code"})`` for a
    column it adds).
    """

    method: str
    model: str
    schema: dict
    key: Callable
    conflict: tuple
    columns: dict
    resolve: tuple = ()
    prepare: tuple = ()
    after: tuple = ()
    refresh: str | None = None
    # how far ahead of now a date-time of the batch may be
    max_future: timedelta = timedelta(days=1)

    def extend(self, columns=None, prepare=(), after=()):
        """This push with more columns and steps (for an inheriting addon)."""
        return replace(
            self,
            columns={**self.columns, **(columns or {})},
            prepare=self.prepare + tuple(prepare),
            after=self.after + tuple(after),
        )


PUSHES = {
    push.method: push
    for push in (
        Push(
            method="push_accounts",
            model="fx.trading.account",
            schema=ACCOUNT_SCHEMA,
            key=_account_key,
            conflict=("platform", "server", "login"),
            resolve=(
                (
                    "_resolve_currencies",
                    "_require_client",
                    "_check_account_companies",
                    "_resolve_clients",
                ),
            ),
            prepare=("_create_clients",),
            columns=columns(
                "partner_id",
                "company_id",
                "platform",
                "server",
                "login",
                "currency_id",
                "leverage",
                "balance",
                "equity",
                "credit",
                "opened_at",
                "status",
                account_type="type",
            ),
            after=("_move_account_facts",),
            refresh=BATCH,
        ),
        Push(
            method="push_fundings",
            model="fx.funding",
            schema=FUNDING_SCHEMA,
            key=lambda r: (r["source"], r["ref"]),
            conflict=("source", "ref"),
            resolve=(
                ("_resolve_accounts", "_resolve_currencies"),
                ("_check_funding_companies", "_convert_fundings"),
            ),
            columns=columns(
                "source",
                "ref",
                "account_id",
                "partner_id",
                "company_id",
                "kind",
                "amount",
                "currency_id",
                "amount_company",
                "net_amount",
                "method_fingerprint",
                date="at",
            ),
            refresh=WRITTEN,
        ),
        Push(
            method="push_trades",
            model="fx.trade",
            schema=TRADE_SCHEMA,
            key=lambda r: (*_account_key(r), r["ticket"]),
            conflict=("account_id", "ticket"),
            resolve=(("_check_trade_times", "_resolve_accounts"), ("_convert_trades",)),
            prepare=("_set_trade_states",),
            columns=columns(
                "account_id",
                "ticket",
                "partner_id",
                "company_id",
                "symbol",
                "side",
                "volume",
                "open_time",
                "close_time",
                "open_price",
                "close_price",
                "profit",
                "commission",
                "swap",
                "broker_revenue",
                "revenue_company",
                "comment",
                "strategy",
                "state",
            ),
            refresh=WRITTEN,
        ),
        Push(
            method="push_equity",
            model="fx.equity.point",
            schema=EQUITY_SCHEMA,
            key=lambda r: (*_account_key(r), r["date"]),
            conflict=("account_id", "date"),
            resolve=(("_resolve_accounts",),),
            columns=columns(
                "account_id", "date", "partner_id", "company_id", "balance", "equity"
            ),
        ),
        Push(
            method="push_events",
            model="fx.client.event",
            schema=EVENT_SCHEMA,
            key=lambda r: (r["type"], r["client_ref"] or r["email"], r["at"]),
            conflict=("partner_id", "event_type", "date"),
            resolve=(
                (
                    "_resolve_countries",
                    "_require_client",
                    "_require_kyc_status",
                    "_check_document_ids",
                    "_resolve_clients",
                    "_check_known_clients",
                ),
            ),
            prepare=("_register_clients",),
            columns=columns(
                "partner_id",
                "kyc_status",
                "reason",
                event_type="type",
                kyc_document_ref="kyc_document_id",
                date="at",
                country_code="country",
            ),
            after=("_call_registration_hook",),
            refresh=BATCH,
        ),
        Push(
            method="push_market_events",
            model="fx.market.event",
            schema=MARKET_EVENT_SCHEMA,
            key=lambda r: r["key"],
            conflict=("key",),
            resolve=(
                (
                    "_resolve_countries",
                    "_resolve_event_currencies",
                    "_require_event_scope",
                ),
            ),
            prepare=("_resolve_event_instruments",),
            columns=columns(
                "key",
                "importance",
                "scheduled_at",
                "country_id",
                "currency_id",
                "actual",
                "forecast",
                "previous",
                "pushed_symbols",
                name="title",
            ),
            after=("_link_event_instruments",),
            max_future=MARKET_EVENT_MAX_FUTURE,
        ),
    )
}


class FxSync(models.AbstractModel):
    _name = "fx.sync"
    _description = "Trading Data Sync API"

    # ------------------------------------------------------------------ public API
    @api.model
    def push_accounts(self, records):
        """Create or update trading accounts; see README, "Integration API"."""
        return self._push("push_accounts", records)

    @api.model
    def push_fundings(self, records):
        """Create or update deposits, withdrawals, bonuses and adjustments."""
        return self._push("push_fundings", records)

    @api.model
    def push_trades(self, records):
        """Create or update trades (open or closed) by account and ticket."""
        return self._push("push_trades", records)

    @api.model
    def push_equity(self, records):
        """Create or update daily equity points by account and day."""
        return self._push("push_equity", records)

    @api.model
    def push_events(self, records):
        """Record registrations (creating or matching the contact), logins and KYC
        status changes."""
        return self._push("push_events", records)

    @api.model
    def push_market_events(self, records):
        """Create or update market events (the economic calendar) by key; see
        README, "Market events"."""
        return self._push("push_market_events", records)

    @api.model
    def action_recompute_all(self):
        """Refresh the facts of every trader (managers and integrations).

        Returns ``{"traders": n, "changed_stages": n, "seconds": s}`` when done
        now (a book of up to 25,000 traders); for a larger book the traders are
        queued for the facts cron, which refreshes them in committed batches:
        ``{"traders": n, "queued": n}``.
        """
        self._check_caller()
        return self.env["res.partner"]._fx_refresh_all_facts()

    # -------------------------------------------------------------------- hooks
    def _on_registrations(self, registrations):
        """Called by ``push_events`` once its batch is written, with the
        ``(partner_id, referral_code)`` of each registration event of the batch
        (``referral_code`` as sent, None when absent), re-sent ones included.
        Does nothing here; fx_referrals sets *Referred By* from the code. An
        override must not fail the push for one registration: the events are
        written already and the caller expects the batch's result."""

    # ---------------------------------------------------------------- pipeline
    def _push_declaration(self, method):
        """The :class:`Push` declaring ``method`` (overridable by other
        addons)."""
        return PUSHES[method]

    def _push(self, method, records):
        """Run the push ``method`` on ``records``: see :class:`Push`."""
        self._check_caller()
        push = self._push_declaration(method)
        rows = self._validate(method, records, push.schema, push.key, push.max_future)
        errors = []
        for stage in push.resolve:
            if errors:
                break
            for resolver in stage:
                getattr(self, resolver)(rows, errors)
        self._raise_if(method, errors)
        for step in push.prepare:
            getattr(self, step)(rows)
        model = self.env[push.model]
        result, written = self._upsert(model, push.columns, rows, push.conflict)
        model.invalidate_model()
        touched = set()
        if push.refresh == WRITTEN:
            touched = set(written)  # a re-sent batch (all unchanged) refreshes none
        elif push.refresh == BATCH:
            touched = {row["partner_id"] for row in rows}
        for step in push.after:
            touched |= getattr(self, step)(rows) or set()
        if push.refresh:
            self._recompute(touched)
        return result

    # ------------------------------------------------------------------ helpers
    def _check_caller(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("fx_engagement.group_fx_integration")
            or user.has_group("fx_engagement.group_fx_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only members of the group 'FX Integration' (or FX managers) may "
                    "push trading data; user %s is not one.",
                    user.login,
                )
            )

    def _batch_limit(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("fx_engagement.sync_batch_limit")
        )
        return int(value) if value else DEFAULT_BATCH_LIMIT

    def _validate(self, method, records, schema, key, max_future=timedelta(days=1)):
        try:
            return validate_batch(
                records,
                schema,
                fields.Datetime.now(),
                max_records=self._batch_limit(),
                max_future=max_future,
                key=key,
                local_time=self._local_time("platform" in schema),
            )
        except BatchError as exc:
            self._raise_if(method, exc.errors)

    @api.model
    def _server_time_zones(self):
        """{platform code or "events": pytz time zone, or None to refuse}"""
        icp = self.env["ir.config_parameter"].sudo()
        zones = {}
        for code in (*(p for p, _l in PLATFORMS), SERVER_TZ_EVENTS):
            name = icp.get_param(SERVER_TZ_PARAM % code) or "UTC"
            try:
                zones[code] = None if name == SERVER_TZ_REFUSE else pytz.timezone(name)
            except pytz.UnknownTimeZoneError:
                _logger.warning(
                    "unknown time zone %r in %s", name, SERVER_TZ_PARAM % code
                )
                zones[code] = None
        return zones

    def _local_time(self, by_platform):
        """How the batch's date-times without an offset are read: in the time zone
        set for the record's platform, or for client events (see
        validate_batch)."""
        zones = self._server_time_zones()

        def local_time(naive, record):
            if by_platform:
                if "platform" not in record:  # refused already: any zone will do
                    return pytz.utc.localize(naive)
                zone = zones[record["platform"]]
            else:
                zone = zones[SERVER_TZ_EVENTS]
            return zone.localize(naive) if zone is not None else None

        return local_time

    def _raise_if(self, method, errors):
        if errors:
            errors = sorted(errors, key=lambda e: (e[0] is not None, e[0] or 0))
            raise ValidationError(
                self.env._(
                    "%(method)s refused, nothing was written:\n%(errors)s",
                    method=method,
                    errors=format_errors(errors),
                )
            )

    # -------------------------------------------------------------- resolvers
    # each (rows, errors): adds what it finds to the rows, reports refused rows
    def _resolve_currencies(self, rows, errors):
        """``currency_id`` of each row's ``currency`` (an active currency)."""
        codes = {r["currency"] for r in rows}
        found = dict(
            self.env.execute_query(
                SQL(
                    "SELECT name, id FROM res_currency WHERE name = ANY(%s) AND active",
                    list(codes),
                )
            )
        )
        for index, row in enumerate(rows):
            row["currency_id"] = found.get(row["currency"])
            if row["currency_id"] is None:
                errors.append(
                    (
                        index,
                        "currency",
                        f"unknown or inactive currency {row['currency']!r}",
                    )
                )

    def _resolve_countries(self, rows, errors):
        """``country_id`` of each row's ``country`` (None when not given)."""
        codes = {r["country"] for r in rows if r["country"]}
        found = dict(
            self.env.execute_query(
                SQL(
                    "SELECT code, id FROM res_country WHERE code = ANY(%s)", list(codes)
                )
            )
        )
        for index, row in enumerate(rows):
            row["country_id"] = found.get(row["country"])
            if row["country"] and row["country_id"] is None:
                reason = f"unknown country {row['country']!r}"
                errors.append((index, "country", reason))

    def _resolve_event_currencies(self, rows, errors):
        """``currency_id`` of each market event's ``currency`` (any ISO
        currency Odoo knows, active or not: an event on JPY concerns JPY
        pairs even when the company never books JPY)."""
        codes = {r["currency"] for r in rows if r["currency"]}
        found = dict(
            self.env.execute_query(
                SQL(
                    "SELECT name, id FROM res_currency WHERE name = ANY(%s)",
                    list(codes),
                )
            )
        )
        for index, row in enumerate(rows):
            row["currency_id"] = found.get(row["currency"])
            if row["currency"] and row["currency_id"] is None:
                reason = f"unknown currency {row['currency']!r}"
                errors.append((index, "currency", reason))

    def _require_event_scope(self, rows, errors):
        for index, row in enumerate(rows):
            if not (row["currency"] or row["instruments"]):
                errors.append((index, "currency", "missing (or give instruments)"))

    def _account_map(self, keys):
        """{(platform, server, login): (id, partner_id, company_id, currency_id)}"""
        if not keys:
            return {}
        platforms, servers, logins = (
            list(col) for col in zip(*set(keys), strict=False)
        )
        result = self.env.execute_query(
            SQL(
                """
                SELECT a.platform, a.server, a.login,
                       a.id, a.partner_id, a.company_id, a.currency_id
                  FROM fx_trading_account a
                  JOIN unnest(%s::varchar[], %s::varchar[], %s::varchar[])
                       AS k(platform, server, login)
                    ON a.platform = k.platform AND a.server = k.server
                   AND a.login = k.login
                """,
                platforms,
                servers,
                logins,
            )
        )
        return {tuple(row[:3]): tuple(row[3:]) for row in result}

    def _resolve_accounts(self, rows, errors):
        """``account_id``, ``partner_id``, ``company_id`` and
        ``account_currency_id`` of each row's account; unknown accounts (or
        accounts of a company the user is not in) are errors."""
        found = self._account_map([_account_key(r) for r in rows])
        company_ids = set(self.env.user.company_ids.ids)
        for index, row in enumerate(rows):
            account = found.get(_account_key(row))
            if account is None or account[2] not in company_ids:
                errors.append(
                    (
                        index,
                        "login",
                        "unknown account {} {} {} (push it with push_accounts "
                        "first)".format(*_account_key(row)),
                    )
                )
                account = (None, None, None, None)
            (
                row["account_id"],
                row["partner_id"],
                row["company_id"],
                row["account_currency_id"],
            ) = account

    def _check_account_companies(self, rows, errors):
        """Accounts are pushed into the user's current company (``company_id``);
        an existing account of another company is not taken over. Keeps the
        existing account's id and trader (``account_id``, ``previous_partner_id``)
        to move its facts along when it changes trader."""
        company_id = self.env.company.id
        existing = self._account_map([_account_key(r) for r in rows])
        for index, row in enumerate(rows):
            account = existing.get(_account_key(row))
            row["company_id"] = company_id
            row["account_id"], row["previous_partner_id"] = (
                account[:2] if account else (None, None)
            )
            if account and account[2] != company_id:
                errors.append(
                    (
                        index,
                        "login",
                        "account {} {} {} belongs to another company".format(
                            *_account_key(row)
                        ),
                    )
                )

    def _require_client(self, rows, errors):
        for index, row in enumerate(rows):
            if not (row["client_ref"] or row["email"]):
                errors.append((index, "client_ref", "missing (or give email)"))

    def _require_kyc_status(self, rows, errors):
        for index, row in enumerate(rows):
            if row["type"] == "kyc" and not row["kyc_status"]:
                errors.append((index, "kyc_status", "missing for a kyc event"))

    def _check_document_ids(self, rows, errors):
        """A KYC document id must hold letters or digits (what duplicate
        detection compares, lib.data_quality.normalize_document)."""
        for index, row in enumerate(rows):
            if row["kyc_document_id"] and not normalize_document(
                row["kyc_document_id"]
            ):
                errors.append((index, "kyc_document_id", "holds no letter or digit"))

    def _check_known_clients(self, rows, errors):
        """Logins and KYC events need a known client (or one registering in the
        same batch)."""
        registering = {
            row["client_ref"] or row["email"]
            for row in rows
            if row["type"] == "registration"
        }
        refused = {index for index, _key, _reason in errors}
        for index, row in enumerate(rows):
            if (
                row["type"] != "registration"
                and row["partner_id"] is None
                and index not in refused
                and (row["client_ref"] or row["email"]) not in registering
            ):
                key = "client_ref" if row["client_ref"] else "email"
                errors.append((index, key, f"unknown client {row[key]!r}"))

    def _check_trade_times(self, rows, errors):
        for index, row in enumerate(rows):
            if row["close_time"] and row["close_time"] < row["open_time"]:
                errors.append((index, "close_time", "before open_time"))

    def _check_funding_companies(self, rows, errors):
        """A funding event (source, ref) of another company is not taken over."""
        found = dict(
            ((source, ref), company_id)
            for source, ref, company_id in self.env.execute_query(
                SQL(
                    """
                    SELECT f.source, f.ref, f.company_id
                      FROM fx_funding f
                      JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, ref)
                        ON f.source = k.source AND f.ref = k.ref
                    """,
                    [r["source"] for r in rows],
                    [r["ref"] for r in rows],
                )
            )
        )
        for index, row in enumerate(rows):
            key = (row["source"], row["ref"])
            if key in found and found[key] != row["company_id"]:
                reason = (
                    f"funding {row['source']} {row['ref']} belongs to another company"
                )
                errors.append((index, "ref", reason))

    def _convert_fundings(self, rows, errors):
        """``amount_company``: the amount at the rate of its day."""
        self._to_company_currency(
            rows,
            errors,
            [(r["currency_id"], r["company_id"], r["at"].date()) for r in rows],
            [r["amount"] for r in rows],
            "amount_company",
            "currency",
        )
        for row in rows:
            row["net_amount"] = net_effect(row["kind"], row.get("amount_company"))

    def _convert_trades(self, rows, errors):
        """``revenue_company``: the trade's broker revenue (as reported, else
        the absolute commission: docs/METRICS.md#broker-revenue-of-a-trade) at
        the rate of its open day."""
        self._to_company_currency(
            rows,
            errors,
            [
                (r["account_currency_id"], r["company_id"], r["open_time"].date())
                for r in rows
            ],
            [r["broker_revenue"] or abs(r["commission"]) for r in rows],
            "revenue_company",
            "open_time",
            "the account's currency",
        )

    def _to_company_currency(
        self, rows, errors, keys, amounts, target, field_name, what=None
    ):
        """Set ``row[target]`` to the amount in the company currency
        (tools.CompanyConversion, the one conversion); ``keys`` holds the
        (currency_id, company_id, day) of each row. A row whose currency has no
        rate on or before its day is refused (Odoo would convert at a guess)."""
        conversion = CompanyConversion(self.env, keys)
        convert, missing = conversion.convert, conversion.missing
        for index, (row, key, amount) in enumerate(
            zip(rows, keys, amounts, strict=True)
        ):
            if key in missing:
                currency, day, company = conversion.describe_missing(key)
                currency += f" ({what})" if what else ""
                reason = (
                    f"no exchange rate for {currency} on {day} in company {company}"
                )
                errors.append((index, field_name, reason))
            else:
                row[target] = convert(amount, key)

    def _resolve_clients(self, rows, errors):
        """``partner_id`` of each row: its contact matched by client_ref, else by
        e-mail (None when unknown).

        Only contacts of the current company (or shared ones) that are not an
        internal user's are matched: by e-mail, the others are ignored (the client
        gets a contact of its own); by client_ref, which is unique, they are
        errors. By e-mail a trader contact is preferred, then the oldest.
        """
        refs = {r["client_ref"] for r in rows if r["client_ref"]}
        emails = {r["email"] for r in rows if r["email"]}
        company_id = self.env.company.id
        internal = SQL(
            "EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id "
            "AND NOT u.share)"
        )
        by_ref = {}
        if refs:
            for ref, partner_id, partner_company, is_internal in self.env.execute_query(
                SQL(
                    "SELECT p.fx_client_ref, p.id, p.company_id, %s FROM res_partner p "
                    "WHERE p.fx_client_ref = ANY(%s)",
                    internal,
                    list(refs),
                )
            ):
                if partner_company and partner_company != company_id:
                    by_ref[ref] = "a contact of another company"
                elif is_internal:
                    by_ref[ref] = "an internal user's contact"
                else:
                    by_ref[ref] = partner_id
        by_email = {}
        if emails:
            for email, partner_id in self.env.execute_query(
                SQL(
                    """
                    SELECT lower(p.email),
                           (array_agg(p.id ORDER BY p.fx_is_trader IS TRUE DESC,
                                      p.id))[1]
                      FROM res_partner p
                     WHERE lower(p.email) = ANY(%s) AND p.active
                       AND (p.fx_client_ref IS NULL OR p.fx_is_trader)
                       AND (p.company_id IS NULL OR p.company_id = %s)
                       AND NOT %s
                     GROUP BY lower(p.email)
                    """,
                    list(emails),
                    company_id,
                    internal,
                )
            ):
                by_email[email] = partner_id
        for index, row in enumerate(rows):
            if row["client_ref"]:
                partner_id = by_ref.get(row["client_ref"])
                if isinstance(partner_id, str):
                    reason = f"client {row['client_ref']!r} is {partner_id}"
                    errors.append((index, "client_ref", reason))
                    partner_id = None
            else:
                partner_id = by_email.get(row["email"])
            row["partner_id"] = partner_id

    # ---------------------------------------------------------- prepare, after
    # each (rows), once the batch is accepted
    def _create_clients(self, rows):
        """``partner_id`` of account rows; unknown clients get a new trader
        contact."""
        missing = {}
        for row in rows:
            if row["partner_id"] is None:
                key = row["client_ref"] or row["email"]
                missing.setdefault(
                    key,
                    {
                        "name": row["name"] or key,
                        "email": row["email"],
                        "fx_client_ref": row["client_ref"],
                        "fx_is_trader": True,
                    },
                )
        created = self._create_partners(list(missing.values()))
        new_ids = dict(zip(missing, created.ids, strict=True))
        for row in rows:
            if row["partner_id"] is None:
                row["partner_id"] = new_ids[row["client_ref"] or row["email"]]

    def _create_partners(self, vals_list):
        if not vals_list:
            return self.env["res.partner"]
        company_id = self.env.company.id
        return (
            self.env["res.partner"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create([{"company_id": company_id, **vals} for vals in vals_list])
        )

    def _register_clients(self, rows):
        """Create or update the contacts of registration events; set the
        ``partner_id`` of every row."""
        by_key = {}
        for row in rows:
            if row["partner_id"]:
                by_key[row["client_ref"] or row["email"]] = row["partner_id"]
        to_create = {}
        to_update = defaultdict(dict)
        for row in rows:
            if row["type"] != "registration":
                continue
            key = row["client_ref"] or row["email"]
            vals = {"fx_is_trader": True}
            for field_name, value in (
                ("name", row["name"]),
                ("email", row["email"]),
                ("phone", row["phone"]),
                ("fx_client_ref", row["client_ref"]),
                ("country_id", row["country_id"]),
            ):
                if value:
                    vals[field_name] = value
            if row["partner_id"]:
                to_update[row["partner_id"]].update(vals)
            else:
                to_create.setdefault(key, {"name": key}).update(vals)
        created = self._create_partners(list(to_create.values()))
        by_key.update(zip(to_create, created.ids, strict=True))
        if to_update:
            self._update_registered(to_update)
        for row in rows:
            if not row["partner_id"]:
                row["partner_id"] = by_key[row["client_ref"] or row["email"]]

    def _update_registered(self, to_update):
        """Write ``{partner_id: vals}`` of registrations matched to a contact."""
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        fnames = ["name", "email", "phone", "fx_client_ref", "country_id"]
        partners = Partner.browse(list(to_update))
        partners.fetch(["fx_is_trader", *fnames])
        for partner in partners:
            # a contact that was not a trader (matched by e-mail) keeps what
            # it has: only its empty fields are filled
            vals = {
                name: value
                for name, value in to_update[partner.id].items()
                if (
                    current := partner._fields[name].convert_to_write(
                        partner[name], partner
                    )
                )
                != value
                and (partner.fx_is_trader or name == "fx_is_trader" or not current)
            }
            if vals:
                partner.write(vals)

    def _resolve_event_instruments(self, rows):
        """``instrument_ids`` of each market event's symbols (new symbols are
        added to the instruments, as trades do) and ``pushed_symbols``."""
        symbols = {s for row in rows for s in row["instruments"] or ()}
        ids = self.env["fx.instrument"]._fx_ids_by_symbol(symbols) if symbols else {}
        for row in rows:
            names = sorted(row["instruments"] or ())
            row["instrument_ids"] = [ids[name] for name in names]
            row["pushed_symbols"] = ",".join(names) or None

    def _link_event_instruments(self, rows):
        """The named instruments of the batch's events, as pushed (only the
        differences are written), then their affected instruments."""
        Event = self.env["fx.market.event"]
        keys = [row["key"] for row in rows]
        event_ids = dict(
            self.env.execute_query(
                SQL("SELECT key, id FROM fx_market_event WHERE key = ANY(%s)", keys)
            )
        )
        pairs = [
            (event_ids[row["key"]], instrument_id)
            for row in rows
            for instrument_id in row["instrument_ids"]
        ]
        wanted = SQL(
            "SELECT * FROM unnest(%s::int4[], %s::int4[])",
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM fx_market_event_instrument_rel r "
                "WHERE r.event_id = ANY(%s) "
                "AND (r.event_id, r.instrument_id) NOT IN (%s)",
                list(event_ids.values()),
                wanted,
            )
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO fx_market_event_instrument_rel (event_id, instrument_id) "
                "%s ON CONFLICT DO NOTHING",
                wanted,
            )
        )
        events = Event.browse(list(event_ids.values()))
        events.invalidate_recordset()
        events._fx_update_affected()

    def _set_trade_states(self, rows):
        for row in rows:
            row["state"] = "closed" if row["close_time"] else "open"

    def _call_registration_hook(self, rows):
        self._on_registrations(
            [
                (row["partner_id"], row["referral_code"])
                for row in rows
                if row["type"] == "registration"
            ]
        )

    def _move_account_facts(self, rows):
        """Accounts given to another trader take their facts along; return the
        partners whose facts changed."""
        account_ids = [
            row["account_id"]
            for row in rows
            if row["account_id"] and row["previous_partner_id"] != row["partner_id"]
        ]
        if not account_ids:
            return set()
        touched = set()
        for table in ("fx_trade", "fx_funding", "fx_equity_point"):
            moved = self.env.execute_query(
                SQL(
                    """
                    UPDATE %(table)s f SET partner_id = a.partner_id
                      FROM fx_trading_account a, %(table)s old
                     WHERE a.id = f.account_id AND old.id = f.id
                       AND f.account_id = ANY(%(ids)s)
                       AND f.partner_id IS DISTINCT FROM a.partner_id
                    RETURNING old.partner_id, a.partner_id
                    """,
                    table=SQL.identifier(table),
                    ids=account_ids,
                )
            )
            for old, new in moved:
                touched.update((old, new))
        for model in ("fx.trade", "fx.funding", "fx.equity.point"):
            self.env[model].invalidate_model(["partner_id"])
        touched.discard(None)
        return touched

    # ------------------------------------------------------------------ upsert
    def _upsert(self, model, columns, rows, keys):
        """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of ``rows`` into
        ``model``'s table, writing only the rows whose values changed.

        ``columns`` maps each table column to its key in the rows; the JSON
        recordset is typed with the columns' own types (``column_type``).
        Returns the API result dict and the ``partner_id`` of the rows written
        (created or updated; unchanged rows are not written).
        """
        if not rows:
            return {"created": 0, "updated": 0, "unchanged": 0}, []
        names = list(columns)
        non_keys = [name for name in names if name not in keys]
        if model._log_access:
            now, uid = fields.Datetime.now(), self.env.uid
            log_cols = SQL(", create_uid, write_uid, create_date, write_date")
            log_values = SQL(", %s, %s, %s, %s", uid, uid, now, now)
            log_sets = SQL(
                ", write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date"
            )
        else:
            log_cols = log_values = log_sets = SQL("")
        query = SQL(
            """
            INSERT INTO %(table)s AS t (%(cols)s %(log_cols)s)
            SELECT %(values)s %(log_values)s FROM %(rows)s
            ON CONFLICT (%(keys)s) DO UPDATE SET %(sets)s %(log_sets)s
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
            RETURNING %(partner)s, (xmax = 0)
            """,
            # a model without traders (market events, social metrics) touches none
            partner=SQL("t.partner_id" if "partner_id" in model._fields else "NULL"),
            table=SQL.identifier(model._table),
            cols=SQL(", ").join(SQL.identifier(name) for name in names),
            values=SQL(", ").join(SQL.identifier("s", columns[name]) for name in names),
            log_cols=log_cols,
            log_values=log_values,
            log_sets=log_sets,
            rows=json_rows(
                rows, [(columns[name], column_type(model, name)) for name in names]
            ),
            keys=SQL(", ").join(SQL.identifier(k) for k in keys),
            sets=SQL(", ").join(
                SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n))
                for n in non_keys
            ),
            old=SQL(", ").join(SQL.identifier("t", n) for n in non_keys),
            new=SQL(", ").join(SQL.identifier("excluded", n) for n in non_keys),
        )
        self.env.cr.execute(query)
        written = self.env.cr.fetchall()
        created = sum(1 for _id, inserted in written if inserted)
        result = {
            "created": created,
            "updated": len(written) - created,
            "unchanged": len(rows) - len(written),
        }
        return result, [row[0] for row in written]

    def _recompute(self, partner_ids):
        """Refresh the facts (and on-data-change segments) of the touched traders
        now, or queue them when the push is a bulk load (see fx.facts.queue)."""
        partner_ids = {pid for pid in partner_ids if pid}
        if not partner_ids:
            return
        if len(partner_ids) > self._inline_limit():
            self.env["fx.facts.queue"]._enqueue(partner_ids)
            return
        self.env["res.partner"].browse(sorted(partner_ids))._fx_recompute_facts()
        self.env["fx.segment"]._fx_refresh_for_partners(partner_ids)

    def _inline_limit(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("fx_engagement.sync_inline_limit")
        )
        return int(value) if value else DEFAULT_INLINE_LIMIT
