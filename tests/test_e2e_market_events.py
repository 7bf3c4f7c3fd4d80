"""Market events over real XML-RPC: the bridge pushes an event and trades, a
manager's market-event campaign runs, exactly the concerned traders get the
message naming the event; bad input and the wrong users are refused."""

import uuid
import xmlrpc.client
from datetime import UTC, datetime, timedelta

import pytest
from conftest import provision_user


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_market_event_campaign_over_xmlrpc(
    odoo_server, admin_rpc, integration_rpc, rpc_factory
):
    tag = uuid.uuid4().hex[:6].upper()
    now = datetime.now(UTC).replace(microsecond=0)
    names = ("open", "cross", "recent", "idle")
    integration_rpc(
        "fx.sync",
        "push_accounts",
        [
            {
                "platform": "mt5",
                "server": f"MKT-{tag}",
                "login": name,
                "client_ref": f"MKT-{tag}-{name}",
                "email": f"{name}.{tag.lower()}@example.com",
                "name": f"Trader {name}",
                "currency": "USD",
            }
            for name in names
        ],
    )

    def trade(ticket, login, symbol, opened, closed=None):
        return {
            "platform": "mt5",
            "server": f"MKT-{tag}",
            "login": login,
            "ticket": ticket,
            "symbol": symbol,
            "side": "buy",
            "volume": 0.5,
            "open_time": _iso(opened),
            "close_time": _iso(closed) if closed else None,
        }

    result = integration_rpc(
        "fx.sync",
        "push_trades",
        [
            trade("1", "open", "EURUSD", now - timedelta(hours=5)),  # open
            trade("2", "cross", "EURGBP", now - timedelta(hours=5)),  # not USD
            trade(
                "3",
                "recent",
                "USDJPY",
                now - timedelta(days=2),
                now - timedelta(days=2) + timedelta(hours=1),
            ),
            trade(  # a month ago: not concerned
                "4",
                "idle",
                "GBPUSD",
                now - timedelta(days=30),
                now - timedelta(days=30) + timedelta(hours=1),
            ),
        ],
    )
    assert result == {"created": 4, "updated": 0, "unchanged": 0}
    event = {
        "key": f"nfp-{tag}",
        "title": f"Payrolls {tag}",
        "importance": "high",
        "currency": "USD",
        "country": "US",
        "scheduled_at": _iso(now + timedelta(hours=1)),
        "forecast": "180K",
        # a symbol of this run only: the campaign below fires for this event
        # alone, whatever other runs left in the database
        "instruments": [f"E2E{tag}"],
    }
    # a bad batch: refused as a whole, with the record and the field named
    with pytest.raises(xmlrpc.client.Fault) as caught:
        integration_rpc(
            "fx.sync",
            "push_market_events",
            [event, {**event, "key": f"bad-{tag}", "importance": "urgent"}],
        )
    assert "record 1, field 'importance'" in caught.value.faultString
    assert not admin_rpc("fx.market.event", "search", [("key", "like", tag)])
    assert integration_rpc("fx.sync", "push_market_events", [event]) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    [event_id] = admin_rpc("fx.market.event", "search", [("key", "=", f"nfp-{tag}")])
    marker = admin_rpc("fx.instrument", "search", [("name", "=", f"E2E{tag}")])

    campaign_id = admin_rpc(
        "fx.campaign",
        "create",
        [
            {
                "name": f"E2E volatility notice {tag}",
                "trigger_type": "market_event",
                "market_offset_hours": 2,
                "market_timing": "before",
                "market_importance": "high",
                "market_instrument_ids": [(6, 0, marker)],
                "reentry_policy": "any_time",
                "start_date": (now - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"),
                "domain": f"[('fx_client_ref', '=like', 'MKT-{tag}-%')]",
                "goal_type": "none",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Volatility notice",
                            "action_type": "email",
                            "subject": "Ahead of {{ object.fx_market_event_id.name }}",
                            "is_transactional": True,
                        },
                    )
                ],
            }
        ],
    )[0]
    admin_rpc("fx.campaign", "action_start", [campaign_id])
    admin_rpc("fx.campaign", "action_run_now", [campaign_id])

    partners = {
        p["fx_client_ref"]: p["id"]
        for p in admin_rpc(
            "res.partner",
            "search_read",
            [("fx_client_ref", "=like", f"MKT-{tag}-%")],
            fields=["fx_client_ref"],
        )
    }
    concerned = {partners[f"MKT-{tag}-open"], partners[f"MKT-{tag}-recent"]}
    participants = admin_rpc(
        "fx.campaign.participant",
        "search_read",
        [("campaign_id", "=", campaign_id)],
        fields=["partner_id", "market_event_id", "state"],
    )
    assert {p["partner_id"][0] for p in participants} == concerned
    assert {p["market_event_id"][0] for p in participants} == {event_id}
    assert {p["state"] for p in participants} == {"done"}
    mails = admin_rpc(
        "mail.mail",
        "search_read",
        [("mailing_id.fx_market_event_id", "=", event_id)],
        fields=["subject", "recipient_ids"],
    )
    assert {m["recipient_ids"][0] for m in mails} == concerned
    assert {m["subject"] for m in mails} == {f"Ahead of Payrolls {tag}"}
    # run again: once per event
    admin_rpc("fx.campaign", "action_run_now", [campaign_id])
    assert (
        admin_rpc(
            "fx.campaign.participant",
            "search_count",
            [("campaign_id", "=", campaign_id)],
        )
        == 2
    )
    [analysis] = admin_rpc(
        "fx.market.event", "read", [event_id], fields=["report_messaged"]
    )
    assert analysis["report_messaged"] == 2

    # staff read the calendar; a plain employee and staff pushing are refused
    staff = rpc_factory(
        "e2e_fx_user",
        provision_user(
            odoo_server["db"],
            "e2e_fx_user",
            ["base.group_user", "fx_engagement.group_fx_user"],
        ),
    )
    assert staff("fx.market.event", "read", [event_id], fields=["name"])[0]["name"] == (
        f"Payrolls {tag}"
    )
    with pytest.raises(xmlrpc.client.Fault, match="FX Integration"):
        staff("fx.sync", "push_market_events", [event])
    clerk = rpc_factory(
        "e2e_clerk", provision_user(odoo_server["db"], "e2e_clerk", ["base.group_user"])
    )
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
        clerk("fx.market.event", "search_read", [], fields=["name"])
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
        clerk("fx.market.event.report", "search_read", [], fields=["event_id"])
    portal = rpc_factory(
        "e2e_mkt_portal",
        provision_user(odoo_server["db"], "e2e_mkt_portal", ["base.group_portal"]),
    )
    for model in ("fx.market.event", "fx.market.event.report"):
        with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
            portal(model, "search_read", [], fields=["id"])
    with pytest.raises(xmlrpc.client.Fault, match="FX Integration"):
        portal("fx.sync", "push_market_events", [event])
