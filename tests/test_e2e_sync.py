"""The trading-platform bridge pushes a small book over real XML-RPC with an API
key, then staff read the trader facts back."""

import os
import subprocess
import sys
import threading
import uuid
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import provision_user


def days_ago(days, hour=12):
    """An ISO 8601 UTC time ``days`` before now: the server checks that pushed
    times are not in the future, so the book is dated relative to today."""
    when = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (when - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def book():
    tag = uuid.uuid4().hex[:6].upper()
    client_ref = f"E2E-{tag}"
    keys = {"platform": "mt5", "server": f"E2E-{tag}", "login": "50001"}
    return {"tag": tag, "client_ref": client_ref, "keys": keys}


def test_push_book_and_read_facts(integration_rpc, admin_rpc, book):
    keys, ref = book["keys"], book["client_ref"]
    rpc = integration_rpc
    assert rpc(
        "fx.sync",
        "push_events",
        [
            {
                "type": "registration",
                "at": days_ago(30, 8),
                "client_ref": ref,
                "email": f"{ref.lower()}@example.com",
                "name": "Rania E2E",
                "country": "AE",
            },
            {
                "type": "kyc",
                "at": days_ago(29, 8),
                "client_ref": ref,
                "kyc_status": "approved",
            },
        ],
    ) == {"created": 2, "updated": 0, "unchanged": 0}
    account = {
        **keys,
        "client_ref": ref,
        "type": "live",
        "currency": "USD",
        "leverage": 200,
        "balance": 1500,
        "equity": 1480,
        "opened_at": days_ago(29, 9),
    }
    assert rpc("fx.sync", "push_accounts", [account]) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    fundings = [
        {
            "ref": f"{ref}-D1",
            **keys,
            "kind": "deposit",
            "amount": 1000,
            "currency": "USD",
            "at": days_ago(28, 10),
            "method_fingerprint": "card:ab12",
        },
        {
            "ref": f"{ref}-D2",
            **keys,
            "kind": "deposit",
            "amount": 700,
            "currency": "USD",
            "at": days_ago(20, 10),
        },
        {
            "ref": f"{ref}-W1",
            **keys,
            "kind": "withdrawal",
            "amount": 200,
            "currency": "USD",
            "at": days_ago(10, 10),
        },
    ]
    assert rpc("fx.sync", "push_fundings", fundings)["created"] == 3
    trades = [
        {
            **keys,
            "ticket": str(9000 + n),
            "symbol": "XAUUSD",
            "side": "buy",
            "volume": 0.5,
            "open_time": days_ago(9 - n, 12),
            "close_time": days_ago(9 - n, 13),
            "open_price": 2050.1,
            "close_price": 2051.3,
            "profit": 60,
            "commission": -3.5,
            "swap": 0,
        }
        for n in range(4)
    ]
    assert rpc("fx.sync", "push_trades", trades) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
    }
    # re-sending the whole book changes nothing
    assert rpc("fx.sync", "push_trades", trades) == {
        "created": 0,
        "updated": 0,
        "unchanged": 4,
    }
    points = [
        {**keys, "date": days_ago(9)[:10], "balance": 1000, "equity": 1000},
        {**keys, "date": days_ago(8)[:10], "balance": 1060, "equity": 1055.5},
    ]
    assert rpc("fx.sync", "push_equity", points)["created"] == 2

    [trader] = admin_rpc(
        "res.partner",
        "search_read",
        [("fx_client_ref", "=", ref)],
        fields=[
            "name",
            "fx_kyc_status",
            "fx_account_count",
            "fx_ftd_amount",
            "fx_total_deposits",
            "fx_total_withdrawals",
            "fx_net_deposits",
            "fx_trade_count_total",
            "fx_revenue_total",
            "fx_ltv",
            "fx_stage",
            "fx_instrument_ids",
        ],
    )
    assert trader["name"] == "Rania E2E"
    assert trader["fx_kyc_status"] == "approved"
    assert trader["fx_account_count"] == 1
    assert trader["fx_ftd_amount"] == 1000
    assert trader["fx_total_deposits"] == 1700
    assert trader["fx_total_withdrawals"] == 200
    assert trader["fx_net_deposits"] == 1500
    assert trader["fx_trade_count_total"] == 4
    assert trader["fx_revenue_total"] == pytest.approx(14.0)
    assert trader["fx_ltv"] == pytest.approx(1514.0)
    assert trader["fx_stage"] == "active"
    assert len(trader["fx_instrument_ids"]) == 1


def test_bad_batch_names_record_and_writes_nothing(integration_rpc, admin_rpc, book):
    keys = book["keys"]
    bad = [
        {
            **keys,
            "ticket": "T-OK",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": 1,
            "open_time": days_ago(5),
        },
        {
            **keys,
            "ticket": "T-BAD",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": -2,
            "open_time": days_ago(5),
        },
    ]
    with pytest.raises(xmlrpc.client.Fault) as info:
        integration_rpc("fx.sync", "push_trades", bad)
    assert "record 1, field 'volume': must be greater than 0" in info.value.faultString
    assert admin_rpc("fx.trade", "search", [("ticket", "in", ["T-OK", "T-BAD"])]) == []


def test_wrong_key_and_plain_user_refused(odoo_server, rpc_factory, book):
    assert rpc_factory("fx_bridge", "not-a-valid-key").uid is False
    password = provision_user(odoo_server["db"], "e2e_clerk", ["base.group_user"])
    clerk = rpc_factory("e2e_clerk", password)
    assert clerk.uid
    account = {**book["keys"], "login": "50002", "client_ref": "X", "currency": "USD"}
    with pytest.raises(xmlrpc.client.Fault, match="FX Integration"):
        clerk("fx.sync", "push_accounts", [account])
    # private helpers are not reachable over RPC
    with pytest.raises(xmlrpc.client.Fault, match="Private methods"):
        clerk("fx.sync", "_upsert", "fx_trade", [], [])


def test_readme_example_client_runs(odoo_server, integration_rpc, admin_rpc):
    """The example client of the README works as documented."""
    env = dict(
        os.environ,
        ODOO_URL=odoo_server["url"],
        ODOO_DB=odoo_server["db"],
        ODOO_LOGIN="fx_bridge",
        ODOO_API_KEY=integration_rpc.password,
    )
    script = Path(__file__).parent.parent / "examples" / "sync_client.py"
    for _run in range(2):  # twice: the second run changes nothing
        done = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert "push_trades    {'created': 0, 'updated': 0, 'unchanged': 2}" in done.stdout
    [sara] = admin_rpc(
        "res.partner",
        "search_read",
        [("fx_client_ref", "=", "CL-77001")],
        fields=["fx_stage", "fx_total_deposits", "fx_trade_count_total"],
    )
    assert sara["fx_stage"] == "active"
    assert sara["fx_total_deposits"] == 1000.0
    assert sara["fx_trade_count_total"] == 2


def test_parallel_bridges_introducing_the_same_symbol(
    integration_rpc, rpc_factory, admin_rpc, book
):
    """Two bridges (one per trading server) push at the same moment, both with a
    symbol and a strategy the CRM has never seen: both calls succeed, each symbol
    exists once, the facts of every trader are right."""
    tag = book["tag"]
    symbol, strategy = f"NEW{tag}", f"bot_{tag.lower()}"
    bridges = {
        side: rpc_factory("fx_bridge", integration_rpc.password) for side in "AB"
    }
    batches = {}
    for side, rpc in bridges.items():
        server = f"E2E-{tag}-{side}"
        accounts = [
            {
                "platform": "mt4",
                "server": server,
                "login": str(login),
                "client_ref": f"PAR-{tag}-{side}{login}",
                "currency": "USD",
            }
            for login in range(25)
        ]
        assert rpc("fx.sync", "push_accounts", accounts)["created"] == 25
        batches[side] = [
            {
                "platform": "mt4",
                "server": server,
                "login": str(n % 25),
                "ticket": str(n),
                "symbol": symbol,
                "side": "buy",
                "volume": 0.1,
                "open_time": days_ago(1 + n % 5),
                "strategy": strategy,
            }
            for n in range(1000)
        ]
    start = threading.Barrier(2)

    def push(side):
        start.wait()
        return bridges[side]("fx.sync", "push_trades", batches[side])

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(push, "AB"))
    assert results == [{"created": 1000, "updated": 0, "unchanged": 0}] * 2
    [instrument] = admin_rpc(
        "fx.instrument", "search_read", [("name", "=", symbol)], fields=["id"]
    )
    assert admin_rpc("fx.strategy", "search_count", [("code", "=", strategy)]) == 1
    traders = admin_rpc(
        "res.partner",
        "search_read",
        [("fx_client_ref", "=like", f"PAR-{tag}-%")],
        fields=["fx_trade_count_total", "fx_instrument_ids"],
    )
    assert len(traders) == 50
    assert {t["fx_trade_count_total"] for t in traders} == {40}
    assert all(t["fx_instrument_ids"] == [instrument["id"]] for t in traders)
