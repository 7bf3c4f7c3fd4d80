"""A trader created and read back over real XML-RPC against a running Odoo."""

import uuid
import xmlrpc.client

import pytest

TRADING_FIELDS = [
    "fx_is_trader",
    "fx_client_ref",
    "fx_stage",
    "fx_kyc_status",
    "fx_total_deposits",
    "fx_total_withdrawals",
    "fx_net_deposits",
    "fx_is_funded",
    "fx_ftd_date",
    "fx_ftd_amount",
    "fx_trade_count_30d",
    "fx_volume_90d",
    "fx_experience_level",
    "fx_preferred_channel",
]


def test_login_refused_with_wrong_password(rpc_factory):
    assert rpc_factory("admin", "not-the-password").uid is False


def test_create_trader_and_read_trading_fields(admin_rpc):
    ref = f"E2E-{uuid.uuid4().hex[:8]}"
    partner_id = admin_rpc(
        "res.partner",
        "create",
        [
            {
                "name": "E2E Trader",
                "email": "e2e.trader@example.com",
                "fx_is_trader": True,
                "fx_client_ref": ref,
                "fx_stage": "funded",
                "fx_kyc_status": "approved",
                "fx_ftd_date": "2026-11-01 10:00:00",
                "fx_ftd_amount": 250.0,
                "fx_total_deposits": 1250.0,
                "fx_total_withdrawals": 100.25,
                "fx_trade_count_30d": 12,
                "fx_volume_90d": 3.5,
                "fx_experience_level": "beginner",
                "fx_preferred_channel": "email",
            }
        ],
    )[0]
    [trader] = admin_rpc("res.partner", "read", [partner_id], fields=TRADING_FIELDS)
    assert trader["fx_client_ref"] == ref
    assert trader["fx_stage"] == "funded"
    assert trader["fx_kyc_status"] == "approved"
    assert trader["fx_net_deposits"] == pytest.approx(1149.75)
    assert trader["fx_is_funded"] is True
    assert trader["fx_ftd_date"] == "2026-11-01 10:00:00"
    assert trader["fx_trade_count_30d"] == 12
    assert trader["fx_volume_90d"] == 3.5
    # and it is found with the Traders filters staff use
    found = admin_rpc(
        "res.partner",
        "search",
        [("fx_client_ref", "=", ref), ("fx_is_funded", "=", True)],
    )
    assert found == [partner_id]


def test_bad_value_is_refused_and_nothing_written(admin_rpc):
    ref = f"E2E-{uuid.uuid4().hex[:8]}"
    with pytest.raises(
        xmlrpc.client.Fault, match="Wrong value for res.partner.fx_stage"
    ):
        admin_rpc(
            "res.partner",
            "create",
            [{"name": "Bad Stage", "fx_client_ref": ref, "fx_stage": "millionaire"}],
        )
    assert admin_rpc("res.partner", "search", [("fx_client_ref", "=", ref)]) == []
