#!/usr/bin/env python3
"""Example: the trading-platform bridge pushing facts into FX CRM over XML-RPC.

Usage (an integration user in the "FX Integration" group, with an API key made
in Preferences > Account Security > New API Key):

    ODOO_URL=http://localhost:8069 ODOO_DB=fxcrm ODOO_LOGIN=bridge \
    ODOO_API_KEY=... python3 examples/sync_client.py

Only the standard library is used. Every push_* call is atomic: a bad record
refuses the whole call (nothing written) and the fault names the record's index,
the field and the reason. Re-sending a batch is safe: it reports "unchanged".
"""

import os
import sys
import xmlrpc.client
from datetime import UTC, datetime, timedelta

URL = os.environ.get("ODOO_URL", "http://localhost:8069")
DB = os.environ.get("ODOO_DB", "fxcrm")
LOGIN = os.environ.get("ODOO_LOGIN", "bridge")
KEY = os.environ.get("ODOO_API_KEY", "")
BATCH = 10000  # the server's default limit per call


def iso(days_ago, hour=12):
    when = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (when - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    uid = xmlrpc.client.ServerProxy(f"{URL}/xmlrpc/2/common").authenticate(
        DB, LOGIN, KEY, {}
    )
    if not uid:
        sys.exit("login refused: check ODOO_DB, ODOO_LOGIN and ODOO_API_KEY")
    models = xmlrpc.client.ServerProxy(f"{URL}/xmlrpc/2/object", allow_none=True)

    def push(method, records):
        total = {"created": 0, "updated": 0, "unchanged": 0}
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            try:
                result = models.execute_kw(DB, uid, KEY, "fx.sync", method, [chunk])
            except xmlrpc.client.Fault as fault:
                sys.exit(f"{method} refused:\n{fault.faultString}")
            for key in total:
                total[key] += result[key]
        print(f"{method:14} {total}")

    account = {"platform": "mt5", "server": "Broker-Live01", "login": "7001234"}
    push(
        "push_events",
        [
            {
                "type": "registration",
                "at": iso(10, 8),
                "client_ref": "CL-77001",
                "email": "sara@example.com",
                "name": "Sara Demo",
                "country": "AE",
            },
            {
                "type": "kyc",
                "at": iso(9, 8),
                "client_ref": "CL-77001",
                "kyc_status": "approved",
            },
        ],
    )
    push(
        "push_accounts",
        [
            {
                **account,
                "client_ref": "CL-77001",
                "type": "live",
                "currency": "USD",
                "leverage": 100,
                "balance": 950.0,
                "equity": 965.5,
                "opened_at": iso(9, 9),
                "status": "active",
            }
        ],
    )
    push(
        "push_fundings",
        [
            {
                "ref": "PSP-000123",
                **account,
                "kind": "deposit",
                "amount": 1000.0,
                "currency": "USD",
                "at": iso(8, 10),
                "method_fingerprint": "card:9f86d081",
            }
        ],
    )
    push(
        "push_trades",
        [
            {
                **account,
                "ticket": "55012",
                "symbol": "XAUUSD",
                "side": "buy",
                "volume": 0.2,
                "open_time": iso(2, 10),
                "close_time": iso(2, 14),
                "open_price": 2350.10,
                "close_price": 2356.40,
                "profit": 126.0,
                "commission": -1.4,
                "swap": 0.0,
                "strategy": "scalping",
            },
            {
                **account,
                "ticket": "55013",
                "symbol": "EURUSD",
                "side": "sell",
                "volume": 1.0,
                "open_time": iso(1, 9),
                "open_price": 1.0812,
            },
        ],
    )
    push(
        "push_equity",
        [
            {**account, "date": iso(d)[:10], "balance": 950.0, "equity": 950.0 + d}
            for d in range(1, 8)
        ],
    )


if __name__ == "__main__":
    main()
