"""The integration API: the trading platform, registration site, KYC provider and
payment systems push facts here over XML-RPC / JSON-RPC (``execute_kw``).

Each ``push_*`` method validates the whole batch first (nothing is written when a
record is wrong; the error names the record's index, the key and the reason),
then upserts set-based (one ``INSERT ... ON CONFLICT`` per table), then
recomputes the facts of the traders it touched, once.

Keys are isolated per company: a push never takes over an account, a funding
event or a contact of another company, nor an internal user's contact.
"""

import logging
from collections import defaultdict

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..lib.validation import BatchError, Field, format_errors, validate_batch
from ..tools import json_recordset
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
    "leverage": Field("int", min_value=1),
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
    "referral_code": Field("str", max_len=32),
}


def _account_key(record):
    return (record["platform"], record["server"], record["login"])


class FxSync(models.AbstractModel):
    _name = "fx.sync"
    _description = "Trading Data Sync API"

    # ------------------------------------------------------------------ public API
    @api.model
    def push_accounts(self, records):
        """Create or update trading accounts; see README, "Integration API"."""
        self._check_caller()
        rows = self._validate("push_accounts", records, ACCOUNT_SCHEMA, _account_key)
        errors = []
        currencies = self._resolve_currencies(rows, errors)
        for index, row in enumerate(rows):
            if not (row["client_ref"] or row["email"]):
                errors.append((index, "client_ref", "missing (or give email)"))
        company = self.env.company
        existing = self._account_map([_account_key(r) for r in rows])
        for index, row in enumerate(rows):
            account = existing.get(_account_key(row))
            if account and account[2] != company.id:
                errors.append(
                    (
                        index,
                        "login",
                        "account {} {} {} belongs to another company".format(
                            *_account_key(row)
                        ),
                    )
                )
        matched = self._find_partners(rows, errors)
        self._raise_if("push_accounts", errors)
        partners = self._match_or_create_partners(rows, matched)
        moved = {
            existing[_account_key(r)][0]
            for r, partner_id in zip(rows, partners, strict=True)
            if _account_key(r) in existing
            and existing[_account_key(r)][1] != partner_id
        }
        columns = [
            ("partner_id", "int4", partners),
            ("company_id", "int4", [company.id] * len(rows)),
            ("platform", "varchar", [r["platform"] for r in rows]),
            ("server", "varchar", [r["server"] for r in rows]),
            ("login", "varchar", [r["login"] for r in rows]),
            ("account_type", "varchar", [r["type"] for r in rows]),
            ("currency_id", "int4", [currencies[r["currency"]] for r in rows]),
            ("leverage", "int4", [r["leverage"] or 0 for r in rows]),
            ("balance", "numeric", [r["balance"] for r in rows]),
            ("equity", "numeric", [r["equity"] for r in rows]),
            ("credit", "numeric", [r["credit"] for r in rows]),
            ("opened_at", "timestamp", [r["opened_at"] for r in rows]),
            ("status", "varchar", [r["status"] for r in rows]),
        ]
        result, _ids = self._upsert(
            "fx.trading.account", columns, ("platform", "server", "login")
        )
        touched = set(partners)
        if moved:
            touched |= self._move_account_facts(moved)
        self.env["fx.trading.account"].invalidate_model()
        self._recompute(touched)
        return result

    @api.model
    def push_fundings(self, records):
        """Create or update deposits, withdrawals, bonuses and adjustments."""
        self._check_caller()
        rows = self._validate(
            "push_fundings", records, FUNDING_SCHEMA, lambda r: (r["source"], r["ref"])
        )
        errors = []
        accounts = self._resolve_accounts(rows, errors)
        currencies = self._resolve_currencies(rows, errors)
        if not errors:
            self._check_funding_companies(rows, accounts, errors)
            self._check_rates(
                [
                    (currencies[r["currency"]], accounts[i][2], r["at"].date())
                    for i, r in enumerate(rows)
                ],
                "currency",
                errors,
            )
        self._raise_if("push_fundings", errors)
        rates = self._rates(
            [
                (currencies[r["currency"]], accounts[i][2], r["at"].date())
                for i, r in enumerate(rows)
            ]
        )
        amounts_company = [
            round(
                r["amount"]
                * rates[(currencies[r["currency"]], accounts[i][2], r["at"].date())],
                6,
            )
            for i, r in enumerate(rows)
        ]
        columns = [
            ("source", "varchar", [r["source"] for r in rows]),
            ("ref", "varchar", [r["ref"] for r in rows]),
            ("account_id", "int4", [a[0] for a in accounts]),
            ("partner_id", "int4", [a[1] for a in accounts]),
            ("company_id", "int4", [a[2] for a in accounts]),
            ("kind", "varchar", [r["kind"] for r in rows]),
            ("amount", "numeric", [r["amount"] for r in rows]),
            ("currency_id", "int4", [currencies[r["currency"]] for r in rows]),
            ("amount_company", "numeric", amounts_company),
            ("date", "timestamp", [r["at"] for r in rows]),
            ("method_fingerprint", "varchar", [r["method_fingerprint"] for r in rows]),
        ]
        result, written = self._upsert(
            "fx.funding", columns, ("source", "ref"), returning="partner_id"
        )
        self.env["fx.funding"].invalidate_model()
        self._recompute(written)  # a re-sent batch (all unchanged) recomputes nothing
        return result

    @api.model
    def push_trades(self, records):
        """Create or update trades (open or closed) by account and ticket."""
        self._check_caller()
        rows = self._validate(
            "push_trades",
            records,
            TRADE_SCHEMA,
            lambda r: (*_account_key(r), r["ticket"]),
        )
        errors = []
        for index, row in enumerate(rows):
            if row["close_time"] and row["close_time"] < row["open_time"]:
                errors.append((index, "close_time", "before open_time"))
        accounts = self._resolve_accounts(rows, errors)
        if not errors:
            self._check_rates(
                [
                    (a[3], a[2], r["open_time"].date())
                    for r, a in zip(rows, accounts, strict=True)
                ],
                "open_time",
                errors,
                "the account's currency",
            )
        self._raise_if("push_trades", errors)
        rates = self._rates(
            [
                (a[3], a[2], r["open_time"].date())
                for r, a in zip(rows, accounts, strict=True)
            ]
        )
        revenue = [
            round(
                (r["broker_revenue"] or abs(r["commission"]))
                * rates[(a[3], a[2], r["open_time"].date())],
                6,
            )
            for r, a in zip(rows, accounts, strict=True)
        ]
        columns = [
            ("account_id", "int4", [a[0] for a in accounts]),
            ("ticket", "varchar", [r["ticket"] for r in rows]),
            ("partner_id", "int4", [a[1] for a in accounts]),
            ("company_id", "int4", [a[2] for a in accounts]),
            ("symbol", "varchar", [r["symbol"] for r in rows]),
            ("side", "varchar", [r["side"] for r in rows]),
            ("volume", "float8", [r["volume"] for r in rows]),
            ("open_time", "timestamp", [r["open_time"] for r in rows]),
            ("close_time", "timestamp", [r["close_time"] for r in rows]),
            ("open_price", "float8", [r["open_price"] for r in rows]),
            ("close_price", "float8", [r["close_price"] for r in rows]),
            ("profit", "numeric", [r["profit"] for r in rows]),
            ("commission", "numeric", [r["commission"] for r in rows]),
            ("swap", "numeric", [r["swap"] for r in rows]),
            ("broker_revenue", "numeric", [r["broker_revenue"] for r in rows]),
            ("revenue_company", "float8", revenue),
            ("comment", "varchar", [r["comment"] for r in rows]),
            ("strategy", "varchar", [r["strategy"] for r in rows]),
            (
                "state",
                "varchar",
                ["closed" if r["close_time"] else "open" for r in rows],
            ),
        ]
        result, written = self._upsert(
            "fx.trade", columns, ("account_id", "ticket"), returning="partner_id"
        )
        self.env["fx.trade"].invalidate_model()
        self._recompute(written)  # a re-sent batch (all unchanged) recomputes nothing
        return result

    @api.model
    def push_equity(self, records):
        """Create or update daily equity points by account and day."""
        self._check_caller()
        rows = self._validate(
            "push_equity",
            records,
            EQUITY_SCHEMA,
            lambda r: (*_account_key(r), r["date"]),
        )
        errors = []
        accounts = self._resolve_accounts(rows, errors)
        self._raise_if("push_equity", errors)
        columns = [
            ("account_id", "int4", [a[0] for a in accounts]),
            ("date", "date", [r["date"] for r in rows]),
            ("partner_id", "int4", [a[1] for a in accounts]),
            ("balance", "numeric", [r["balance"] for r in rows]),
            ("equity", "numeric", [r["equity"] for r in rows]),
        ]
        result, _ids = self._upsert("fx.equity.point", columns, ("account_id", "date"))
        self.env["fx.equity.point"].invalidate_model()
        return result

    @api.model
    def push_events(self, records):
        """Record registrations (creating or matching the contact), logins and KYC
        status changes."""
        self._check_caller()
        rows = self._validate(
            "push_events",
            records,
            EVENT_SCHEMA,
            lambda r: (r["type"], r["client_ref"] or r["email"], r["at"]),
        )
        errors = []
        countries = self._resolve_countries(rows, errors)
        for index, row in enumerate(rows):
            if not (row["client_ref"] or row["email"]):
                errors.append((index, "client_ref", "missing (or give email)"))
            if row["type"] == "kyc" and not row["kyc_status"]:
                errors.append((index, "kyc_status", "missing for a kyc event"))
        known = self._find_partners(rows, errors)
        registering = {
            row["client_ref"] or row["email"]
            for row in rows
            if row["type"] == "registration"
        }
        refused = {index for index, _key, _reason in errors}
        for index, row in enumerate(rows):
            if (
                row["type"] != "registration"
                and known[index] is None
                and index not in refused
                and (row["client_ref"] or row["email"]) not in registering
            ):
                key = "client_ref" if row["client_ref"] else "email"
                errors.append((index, key, f"unknown client {row[key]!r}"))
        self._raise_if("push_events", errors)
        partners = self._register_clients(rows, known, countries)
        columns = [
            ("partner_id", "int4", partners),
            ("event_type", "varchar", [r["type"] for r in rows]),
            ("date", "timestamp", [r["at"] for r in rows]),
            ("kyc_status", "varchar", [r["kyc_status"] for r in rows]),
            ("reason", "varchar", [r["reason"] for r in rows]),
            ("referral_code", "varchar", [r["referral_code"] for r in rows]),
            ("country_code", "varchar", [r["country"] for r in rows]),
        ]
        result, _ids = self._upsert(
            "fx.client.event", columns, ("partner_id", "event_type", "date")
        )
        self.env["fx.client.event"].invalidate_model()
        self._recompute(set(partners))
        return result

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

    def _validate(self, method, records, schema, key):
        try:
            return validate_batch(
                records,
                schema,
                fields.Datetime.now(),
                max_records=self._batch_limit(),
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

    def _resolve_currencies(self, rows, errors):
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
            if row["currency"] not in found:
                errors.append(
                    (
                        index,
                        "currency",
                        f"unknown or inactive currency {row['currency']!r}",
                    )
                )
        return found

    def _resolve_countries(self, rows, errors):
        codes = {r["country"] for r in rows if r["country"]}
        found = dict(
            self.env.execute_query(
                SQL(
                    "SELECT code, id FROM res_country WHERE code = ANY(%s)", list(codes)
                )
            )
        )
        for index, row in enumerate(rows):
            if row["country"] and row["country"] not in found:
                reason = f"unknown country {row['country']!r}"
                errors.append((index, "country", reason))
        return found

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
        """The account tuple of each row, in order; unknown accounts are errors."""
        found = self._account_map([_account_key(r) for r in rows])
        company_ids = set(self.env.user.company_ids.ids)
        accounts = []
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
            accounts.append(account)
        return accounts

    def _check_rates(self, keys, field_name, errors, what=None):
        """Refuse the rows whose currency has no rate on or before their date in
        their company (Odoo would convert at 1.0); the company currency needs
        none. ``keys`` is the (currency_id, company_id, date) of each row."""
        companies = self.env["res.company"].sudo().browse({k[1] for k in keys})
        own = {company.id: company.currency_id.id for company in companies}
        needed = {key for key in keys if key[0] != own[key[1]]}
        if not needed:
            return
        roots = {company.id: company.root_id.id for company in companies}
        currency_ids, company_ids, days = zip(*needed, strict=True)
        missing = set(
            self.env.execute_query(
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
        if not missing:
            return
        names = dict(
            self.env["res.currency"]
            .browse({key[0] for key in missing})
            .sudo()
            .mapped(lambda c: (c.id, c.name))
        )
        for index, key in enumerate(keys):
            if key in missing:
                currency = names[key[0]] + (f" ({what})" if what else "")
                company = companies.browse(key[1]).name
                reason = (
                    f"no exchange rate for {currency} on {key[2]} in company {company}"
                )
                errors.append((index, field_name, reason))

    def _check_funding_companies(self, rows, accounts, errors):
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
        for index, (row, account) in enumerate(zip(rows, accounts, strict=True)):
            key = (row["source"], row["ref"])
            if key in found and found[key] != account[2]:
                reason = (
                    f"funding {row['source']} {row['ref']} belongs to another company"
                )
                errors.append((index, "ref", reason))

    def _rates(self, keys):
        """{(currency_id, company_id, date): rate to the company currency}"""
        rates = {}
        Currency = self.env["res.currency"]
        for currency_id, company_id, day in set(keys):
            company = self.env["res.company"].browse(company_id)
            rates[(currency_id, company_id, day)] = Currency._get_conversion_rate(
                Currency.browse(currency_id), company.currency_id, company, day
            )
        return rates

    def _find_partners(self, rows, errors):
        """The partner id of each row, matched by client_ref, else by e-mail.

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
        matched = []
        for index, row in enumerate(rows):
            if row["client_ref"]:
                partner_id = by_ref.get(row["client_ref"])
                if isinstance(partner_id, str):
                    reason = f"client {row['client_ref']!r} is {partner_id}"
                    errors.append((index, "client_ref", reason))
                    partner_id = None
            else:
                partner_id = by_email.get(row["email"])
            matched.append(partner_id)
        return matched

    def _match_or_create_partners(self, rows, matched):
        """Partner ids for account rows; unknown clients get a new trader contact."""
        missing = {}
        for row, partner_id in zip(rows, matched, strict=True):
            if partner_id is None:
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
        return [
            partner_id or new_ids[row["client_ref"] or row["email"]]
            for row, partner_id in zip(rows, matched, strict=True)
        ]

    def _create_partners(self, vals_list):
        if not vals_list:
            return self.env["res.partner"]
        company_id = self.env.company.id
        return (
            self.env["res.partner"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create([{"company_id": company_id, **vals} for vals in vals_list])
        )

    def _register_clients(self, rows, known, countries):
        """Create or update the contacts of registration events; return the
        partner id of every row."""
        by_key = {}
        for row, partner_id in zip(rows, known, strict=True):
            if partner_id:
                by_key[row["client_ref"] or row["email"]] = partner_id
        to_create = {}
        to_update = defaultdict(dict)
        for row, partner_id in zip(rows, known, strict=True):
            if row["type"] != "registration":
                continue
            key = row["client_ref"] or row["email"]
            vals = {"fx_is_trader": True}
            for field_name, value in (
                ("name", row["name"]),
                ("email", row["email"]),
                ("phone", row["phone"]),
                ("fx_client_ref", row["client_ref"]),
                ("country_id", countries.get(row["country"])),
            ):
                if value:
                    vals[field_name] = value
            if partner_id:
                to_update[partner_id].update(vals)
            else:
                to_create.setdefault(key, {"name": key}).update(vals)
        created = self._create_partners(list(to_create.values()))
        by_key.update(zip(to_create, created.ids, strict=True))
        if to_update:
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
        return [
            partner_id or by_key[row["client_ref"] or row["email"]]
            for row, partner_id in zip(rows, known, strict=True)
        ]

    def _move_account_facts(self, account_ids):
        """Accounts given to another trader take their facts along; return the
        partners whose facts changed."""
        touched = set()
        for table in ("fx_trade", "fx_funding", "fx_equity_point"):
            rows = self.env.execute_query(
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
                    ids=list(account_ids),
                )
            )
            for old, new in rows:
                touched.update((old, new))
        touched.discard(None)
        return touched

    def _upsert(self, model, columns, keys, returning="id"):
        """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of the given columns into
        ``model``'s table, writing only rows whose values changed.

        ``columns`` is a list of (name, type, values). Returns the API result
        dict and the ``returning`` column of the rows written (created or
        updated; unchanged rows are not written).
        """
        count = len(columns[0][2])
        if not count:
            return {"created": 0, "updated": 0, "unchanged": 0}, []
        names = [name for name, _type, _values in columns]
        non_keys = [name for name in names if name not in keys]
        if self.env[model]._log_access:
            now, uid = fields.Datetime.now(), self.env.uid
            log_cols = SQL(", create_uid, write_uid, create_date, write_date")
            log_values = SQL(", %s, %s, %s, %s", uid, uid, now, now)
            log_sets = SQL(
                ", write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date"
            )
        else:
            log_cols = log_values = log_sets = SQL("")
        idents = SQL(", ").join(SQL.identifier(name) for name in names)
        query = SQL(
            """
            INSERT INTO %(table)s AS t (%(cols)s %(log_cols)s)
            SELECT %(cols)s %(log_values)s FROM %(rows)s
            ON CONFLICT (%(keys)s) DO UPDATE SET %(sets)s %(log_sets)s
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
            RETURNING t.%(returning)s, (xmax = 0)
            """,
            returning=SQL.identifier(returning),
            table=SQL.identifier(self.env[model]._table),
            cols=idents,
            log_cols=log_cols,
            log_values=log_values,
            log_sets=log_sets,
            rows=json_recordset(columns),
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
            "unchanged": count - len(written),
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
