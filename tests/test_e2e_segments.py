"""Segments over real XML-RPC: built by a manager, refreshed and read by staff,
refused to users outside the FX groups."""

import uuid
import xmlrpc.client

import pytest
from conftest import provision_user


def test_segment_refresh_and_access_over_http(odoo_server, admin_rpc, rpc_factory):
    tag = uuid.uuid4().hex[:6].upper()
    ids = admin_rpc(
        "res.partner",
        "create",
        [
            {
                "name": f"Seg {tag} {n}",
                "fx_is_trader": True,
                "fx_client_ref": f"SEG-{tag}-{n}",
                "email": f"seg{n}.{tag}@example.com",
            }
            for n in range(3)
        ],
    )
    segment_id = admin_rpc(
        "fx.segment",
        "create",
        [
            {
                "name": f"E2E {tag}",
                "domain": f"[('fx_client_ref', '=like', 'SEG-{tag}-%')]",
                "refresh_policy": "manual",
            }
        ],
    )[0]
    assert admin_rpc("fx.segment", "action_refresh", [segment_id]) == {
        "entered": 3,
        "left": 0,
        "members": 3,
    }
    assert sorted(
        admin_rpc("res.partner", "search", [("fx_segment_ids", "in", [segment_id])])
    ) == sorted(ids)

    # a salesperson in FX Engagement / User reads and refreshes, cannot edit rules
    password = provision_user(
        odoo_server["db"],
        "e2e_fx_user",
        ["base.group_user", "fx_engagement.group_fx_user"],
    )
    staff = rpc_factory("e2e_fx_user", password)
    [seg] = staff("fx.segment", "read", [segment_id], fields=["member_count"])
    assert seg["member_count"] == 3
    assert staff("fx.segment", "action_refresh", [segment_id])["members"] == 3
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to modify"):
        staff("fx.segment", "write", [segment_id], {"domain": "[]"})

    # an employee outside the FX groups sees nothing of it
    clerk = rpc_factory(
        "e2e_clerk", provision_user(odoo_server["db"], "e2e_clerk", ["base.group_user"])
    )
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
        clerk("fx.segment", "read", [segment_id], fields=["name"])
    with pytest.raises(xmlrpc.client.Fault, match="not allowed to access"):
        clerk("fx.segment", "action_refresh", [segment_id])

    # an invalid rule is refused with the reason, and nothing is written
    with pytest.raises(xmlrpc.client.Fault, match="unknown field fx_nope"):
        admin_rpc(
            "fx.segment",
            "create",
            [{"name": f"Bad {tag}", "domain": "[('fx_nope', '=', 1)]"}],
        )
    assert admin_rpc("fx.segment", "search", [("name", "=", f"Bad {tag}")]) == []
