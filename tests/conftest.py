"""End-to-end fixtures: a real Odoo HTTP server on a free loopback port.

The test command (scripts/fxcrm.sh test) installs the addons into a throwaway
database and passes it here through FXCRM_TEST_DB and FXCRM_ODOO_CONF. The server
runs in its own process, exactly as in production, and the tests talk to it with
the standard library's xmlrpc.client.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client
from pathlib import Path

import pytest

ADMIN = ("admin", "admin")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    db = os.environ.get("FXCRM_TEST_DB")
    conf = os.environ.get("FXCRM_ODOO_CONF")
    if not (db and conf):
        pytest.fail(
            "FXCRM_TEST_DB / FXCRM_ODOO_CONF are not set: run the suite with "
            "'make test' (scripts/fxcrm.sh test), which prepares the database."
        )
    port = _free_port()
    log = tmp_path_factory.mktemp("odoo") / "server.log"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve().parents[1] / "scripts" / "odoo_cli.py"),
        "-c",
        conf,
        "-d",
        db,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--max-cron-threads=0",
        "--workers=0",
        f"--logfile={log}",
    ]
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"Odoo exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        if _answers(f"{url}/web/health"):
            break
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Odoo did not answer on {url}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    yield {"url": url, "db": db, "log": log}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


class RpcClient:
    """The smallest XML-RPC client an integrator would write."""

    def __init__(self, server, login, password):
        self.db = server["db"]
        self.password = password
        common = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/common")
        self.uid = common.authenticate(self.db, login, password, {})
        self.models = xmlrpc.client.ServerProxy(
            f"{server['url']}/xmlrpc/2/object", allow_none=True
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )


@pytest.fixture(scope="session")
def admin_rpc(odoo_server):
    client = RpcClient(odoo_server, *ADMIN)
    assert client.uid, "admin could not log in over XML-RPC"
    return client


@pytest.fixture(scope="session")
def rpc_factory(odoo_server):
    def make(login, password):
        return RpcClient(odoo_server, login, password)

    return make


def provision_user(db, login, groups, api_key=False):
    """Create (once) a user in the test database as a broker's admin would, and
    return its password or a fresh API key. Committed, so the server sees it."""
    import odoo
    from odoo.modules.registry import Registry

    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", login)])
        if not user:
            user = env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "password": f"{login}-pw",
                    "groups_id": [(6, 0, [env.ref(g).id for g in groups])],
                }
            )
        secret = (
            env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate("rpc", "e2e", None)
            if api_key
            else f"{login}-pw"
        )
        cr.commit()  # pylint: disable=invalid-commit
    return secret


@pytest.fixture(scope="session")
def integration_rpc(odoo_server):
    key = provision_user(
        odoo_server["db"],
        "fx_bridge",
        ["base.group_user", "fx_engagement.group_fx_integration"],
        api_key=True,
    )
    client = RpcClient(odoo_server, "fx_bridge", key)
    assert client.uid, "the integration user could not log in with its API key"
    return client
