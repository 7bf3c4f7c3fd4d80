"""Campaigns over real XML-RPC: a manager builds and starts one, the platform's
registrations bring traders in, staff read the results; others are refused."""

import uuid
import xmlrpc.client
from datetime import UTC, datetime

import pytest
from conftest import provision_user


def test_campaign_over_xmlrpc(odoo_server, admin_rpc, integration_rpc, rpc_factory):
    tag = uuid.uuid4().hex[:6].upper()
    campaign_id = admin_rpc(
        "fx.campaign",
        "create",
        [
            {
                "name": f"E2E welcome {tag}",
                "trigger_type": "event",
                "event_type": "registration",
                "domain": f"[('fx_client_ref', '=like', 'CAMP-{tag}-%')]",
                "goal_type": "none",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Welcome",
                            "action_type": "email",
                            "subject": "Welcome",
                            "is_transactional": True,
                        },
                    ),
                ],
            }
        ],
    )[0]
    assert admin_rpc("fx.campaign", "action_start", [campaign_id]) is True
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    integration_rpc(
        "fx.sync",
        "push_events",
        [
            {
                "type": "registration",
                "at": now,
                "client_ref": f"CAMP-{tag}-{n}",
                "email": f"camp{n}.{tag.lower()}@example.com",
                "name": f"Camp {n}",
            }
            for n in range(3)
        ],
    )
    admin_rpc("fx.campaign", "action_run_now", [campaign_id])
    participants = admin_rpc(
        "fx.campaign.participant",
        "search_read",
        [("campaign_id", "=", campaign_id)],
        fields=["state", "exit_reason"],
    )
    assert len(participants) == 3
    assert {p["state"] for p in participants} == {"done"}
    [campaign] = admin_rpc(
        "fx.campaign", "read", [campaign_id], fields=["participant_count", "sent_count"]
    )
    assert (campaign["participant_count"], campaign["sent_count"]) == (3, 3)

    staff = rpc_factory(
        "e2e_fx_user",
        provision_user(
            odoo_server["db"],
            "e2e_fx_user",
            ["base.group_user", "fx_engagement.group_fx_user"],
        ),
    )
    assert (
        staff("fx.campaign", "read", [campaign_id], fields=["state"])[0]["state"]
        == "running"
    )
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to modify"):
        staff("fx.campaign", "action_pause", [campaign_id])
    clerk = rpc_factory(
        "e2e_clerk", provision_user(odoo_server["db"], "e2e_clerk", ["base.group_user"])
    )
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
        clerk("fx.campaign.participant", "search_read", [], fields=["state"])
