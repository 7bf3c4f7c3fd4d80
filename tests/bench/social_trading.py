"""Benchmark of social trading (fx_social_trading): the copy engine's fan-out,
the strategy statistics and the portal leaderboard.

Run it with ``scripts/fxcrm.sh bench social_trading [options]``: the script
passes the Odoo python (FXCRM_ODOO_PYTHON) and addons path (FXCRM_ADDONS_PATH).

    scripts/fxcrm.sh bench social_trading                  # full scale
    scripts/fxcrm.sh bench social_trading --scale 0.01     # a quick run

What it does, in this one process (an Odoo registry opened from the script),
except (c) which asks an Odoo HTTP server started for it:

1. creates the database fxcrm_bench_social (dropped first if present) with
   fx_social_trading and no demo data; pushes the providers' and followers'
   accounts through the sync API (``env["fx.sync"].push_accounts``, batches of
   10,000); creates the strategies (published, public) with the ORM and the
   followers' active copy subscriptions of the first strategy set-based;
2. loads, set-based (INSERT ... SELECT generate_series), ``--trades`` closed
   trades and ``--days`` daily equity points per provider account;
3. measures, each in its own committed transaction:
   (a) one provider trade pushed through ``push_trades`` fanned out to
       ``--followers`` active copies (orders queued; target 1 s), then the same
       trade re-sent (no new order) and its close (close orders queued);
   (b) ``_fx_recompute_statistics()`` of all ``--providers`` strategies
       (target 30 s);
   (c) the leaderboard page ``/my/strategies`` with every strategy listed, as
       a portal user, median of 10 requests after a warm-up (the client's
       round trip on the loopback interface, an upper bound of the server
       time; target 300 ms);
4. prints the figures, writes tests/bench/data/social_trading-results.json and
   drops the database (unless --keep).
"""

import argparse
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import common
from common import DATA, BenchError, say

try:
    import requests

    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'scripts/fxcrm.sh bench social_trading'."
    )

MODULE = "fx_social_trading"
BATCH = 10000
PORTAL_LOGIN = "bench_portal"


@dataclass
class Figure:
    label: str
    seconds: float | None
    count: int | None = None
    target: float | None = None
    note: str = ""

    @property
    def met(self):
        if self.target is None or self.seconds is None:
            return None
        return self.seconds <= self.target


@dataclass
class Bench:
    args: argparse.Namespace
    python: str = ""
    addons_path: str = ""
    data_dir: Path = DATA / "social-odoo-data"
    registry: object = None
    uid: int = 2
    figures: list = field(default_factory=list)

    # ------------------------------------------------------------------ helpers
    def env(self):
        return common.odoo_env(self.registry, self.uid)

    def timed(self, work):
        return common.timed(self.registry, self.uid, work)

    def add(self, *args, **kwargs):
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        say(
            f"  {figure.label}: {figure.seconds:.3f} s"
            + (f" ({figure.count:,})" if figure.count is not None else "")
        )
        return figure

    def drop_database(self):
        common.close_and_drop(self.args.db, self.data_dir)

    # ------------------------------------------------------------------ setup
    def create_database(self):
        self.registry, self.uid = common.install_fresh(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "social-install",
            MODULE,
        )
        with self.env() as env:
            icp = env["ir.config_parameter"].sudo()
            icp.set_param("fx_engagement.sync_inline_limit", "0")
            icp.set_param("fx_social_trading.listing_min_weeks", "0")
            icp.set_param("fx_social_trading.listing_min_trades", "0")

    @staticmethod
    def account(login, equity):
        return {
            "platform": "mt5",
            "server": "Bench",
            "login": login,
            "client_ref": f"B{login}",
            "currency": "USD",
            "balance": equity,
            "equity": equity,
        }

    def load(self):
        providers, followers = self.args.providers, self.args.followers
        say(f"pushing {providers:,} provider and {followers:,} follower accounts")
        records = [self.account(f"P{i}", 50000) for i in range(providers)]
        records += [self.account(f"F{i}", 1000 + i % 9000) for i in range(followers)]
        start = time.perf_counter()
        for i in range(0, len(records), BATCH):
            with self.env() as env:
                env["fx.sync"].push_accounts(records[i : i + BATCH])
        say(f"  {time.perf_counter() - start:.0f} s")
        with self.env() as env:
            accounts = dict(
                env.execute_query(
                    SQL(
                        "SELECT login, id FROM fx_trading_account WHERE login LIKE %s",
                        "P%",
                    )
                )
            )
            partners = dict(
                env.execute_query(
                    SQL(
                        "SELECT id, partner_id FROM fx_trading_account "
                        "WHERE login LIKE %s",
                        "P%",
                    )
                )
            )
            Strategy = env["fx.strategy.provider"].with_context(
                tracking_disable=True, mail_create_nolog=True
            )
            strategies = Strategy.create(
                [
                    {
                        "name": f"Strategy {i}",
                        "partner_id": partners[accounts[f"P{i}"]],
                        "description": "<p>Benchmark</p>",
                        "performance_fee_pct": 20,
                    }
                    for i in range(providers)
                ]
            )
            env.cr.execute(
                SQL(
                    "INSERT INTO fx_strategy_provider_account_rel "
                    "(strategy_id, account_id) SELECT unnest(%s::int[]), "
                    "unnest(%s::int[])",
                    strategies.ids,
                    [accounts[f"P{i}"] for i in range(providers)],
                )
            )
            env.cr.execute(
                SQL(
                    "UPDATE fx_strategy_provider SET state = 'published' "
                    "WHERE id = ANY(%s)",
                    strategies.ids,
                )
            )
            self.strategy_id = strategies[0].id
            # the followers' active copies of the first strategy
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_copy_subscription (
                        name, partner_id, strategy_id, company_id, kind, account_id,
                        allocation, sizing_mode, ratio, fixed_lot, max_lot,
                        equity_stop_pct, state, start_date, high_water_mark,
                        fee_period_start, create_uid, write_uid, create_date,
                        write_date)
                    SELECT 'bench', a.partner_id, %(strategy)s, a.company_id, 'copy',
                           a.id, 1000, 'proportional', 1, 0, 0, 0, 'active',
                           %(today)s, 1000, %(today)s, %(uid)s, %(uid)s, now(), now()
                      FROM fx_trading_account a WHERE a.login LIKE %(pattern)s
                    """,
                    pattern="F%",
                    strategy=self.strategy_id,
                    today=date.today(),
                    uid=self.uid,
                )
            )
        self.load_history(list(accounts.values()))

    def load_history(self, account_ids):
        trades, days = self.args.trades, self.args.days
        say(
            f"loading {trades:,} closed trades and {days} equity points for each "
            f"of {len(account_ids):,} provider accounts"
        )
        start = time.perf_counter()
        first = date.today() - timedelta(days=days)
        with self.env() as env:
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trade (account_id, partner_id, company_id, ticket,
                        symbol, side, volume, open_time, close_time, open_price,
                        close_price, profit, commission, swap, revenue_company, state)
                    SELECT a.id, a.partner_id, a.company_id, n::text, 'EURUSD',
                           CASE WHEN mod(n, 2) = 0 THEN 'buy' ELSE 'sell' END, 1.0,
                           %(first)s::timestamp + (n * %(step)s) * interval '1 second',
                           %(first)s::timestamp + (n * %(step)s + 3600)
                               * interval '1 second',
                           1.1, 1.1, round((random() * 200 - 90)::numeric, 2),
                           -3, 0, 3, 'closed'
                      FROM fx_trading_account a, generate_series(1, %(trades)s) n
                     WHERE a.id = ANY(%(ids)s)
                    """,
                    first=first,
                    step=int(days * 86400 / (trades + 1)),
                    trades=trades,
                    ids=account_ids,
                )
            )
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_equity_point (account_id, partner_id, company_id,
                        date, balance, equity)
                    SELECT a.id, a.partner_id, a.company_id, %(first)s::date + n,
                           10000,
                           round((10000 * (1 + 0.0004 * n + 0.05 * sin(n / 9.0 + a.id))
                                  + random() * 80)::numeric, 2)
                      FROM fx_trading_account a, generate_series(1, %(days)s) n
                     WHERE a.id = ANY(%(ids)s)
                    """,
                    first=first,
                    days=days,
                    ids=account_ids,
                )
            )
        common.analyze(self.args.db)
        say(f"  {time.perf_counter() - start:.0f} s")

    # ------------------------------------------------------------------ measures
    def measure_fan_out(self):
        trade = {
            "platform": "mt5",
            "server": "Bench",
            "login": "P0",
            "ticket": "FANOUT-1",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": 1.0,
            "open_time": (date.today()).isoformat() + "T00:00:01Z",
        }

        def orders(env):
            return env["fx.copy.order"].search_count(
                [("provider_trade_id.ticket", "=", "FANOUT-1")]
            )

        seconds, _r = self.timed(lambda env: env["fx.sync"].push_trades([trade]))
        with self.env() as env:
            queued = orders(env)
        self.add("(a) one provider trade fanned out", seconds, queued, target=1.0)
        seconds, _r = self.timed(lambda env: env["fx.sync"].push_trades([trade]))
        with self.env() as env:
            self.add("    the same trade re-sent", seconds, orders(env) - queued)
        closed = {
            **trade,
            "close_time": trade["open_time"].replace("00:00:01Z", "00:00:59Z"),
        }
        seconds, _r = self.timed(lambda env: env["fx.sync"].push_trades([closed]))
        with self.env() as env:
            self.add("    its close", seconds, orders(env) - queued)

    def measure_statistics(self):
        seconds, count = self.timed(
            lambda env: env["fx.strategy.provider"]
            .search([])
            ._fx_recompute_statistics()
        )
        self.add("(b) statistics of every strategy", seconds, count, target=30.0)

    def measure_leaderboard(self):
        with self.env() as env:
            env["fx.strategy.provider"].search([])._fx_update_listing()
            listed = env["fx.strategy.provider"].search_count(
                [("is_listed", "=", True)]
            )
            partner = env["res.partner"].create({"name": "Bench Portal"})
            env["res.users"].with_context(no_reset_password=True).create(
                {
                    "login": PORTAL_LOGIN,
                    "password": PORTAL_LOGIN,
                    "partner_id": partner.id,
                    "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
                }
            )
        port = free_port()
        command = common.odoo_command(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "--log-level=warn",
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            "--workers=0",
            "--max-cron-threads=0",
        )
        common.LOGS.mkdir(parents=True, exist_ok=True)
        log = open(common.LOGS / "social-server.log", "w", encoding="utf-8")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            session = requests.Session()
            for _i in range(120):
                try:
                    if session.get(f"{base}/web/login", timeout=5).ok:
                        break
                except requests.RequestException:
                    time.sleep(1)
            else:
                raise BenchError(
                    "the Odoo server did not answer (see social-server.log)"
                )
            page = session.get(f"{base}/web/login", timeout=30).text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            session.post(
                f"{base}/web/login",
                data={
                    "login": PORTAL_LOGIN,
                    "password": PORTAL_LOGIN,
                    "csrf_token": token,
                },
                timeout=30,
            )
            for _i in range(3):  # warm-up: assets, caches
                response = session.get(f"{base}/my/strategies", timeout=60)
            if "o_fx_leaderboard" not in response.text:
                raise BenchError("the leaderboard page did not render the strategies")
            times = []
            for _i in range(10):
                start = time.perf_counter()
                session.get(f"{base}/my/strategies", timeout=60).raise_for_status()
                times.append(time.perf_counter() - start)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        self.add(
            "(c) leaderboard page (median of 10)",
            statistics.median(times),
            listed,
            target=0.3,
            note=f"max {max(times):.3f} s",
        )

    # ------------------------------------------------------------------ main
    def report(self):
        say()
        say(
            f"social trading, {self.args.providers:,} providers x {self.args.trades:,} "
            f"trades x {self.args.days} days, {self.args.followers:,} followers"
        )
        for fig in self.figures:
            verdict = {True: "met", False: "NOT MET", None: ""}[fig.met]
            target = f"target {fig.target:g} s" if fig.target else ""
            count = f"{fig.count:,}" if fig.count is not None else ""
            say(
                f"{fig.label:<42}{count:>10}{fig.seconds:>9.3f} s  {target:<14}"
                f"{verdict}{'  ' + fig.note if fig.note else ''}"
            )

    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench social_trading'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        try:
            self.create_database()
            self.load()
            self.measure_fan_out()
            self.measure_statistics()
            self.measure_leaderboard()
            self.report()
        finally:
            if self.args.keep:
                say(f"database {self.args.db} kept")
            elif self.registry is not None or common.database_exists(self.args.db):
                self.drop_database()
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s (install and loading included)")
        common.save_results(
            "social_trading-results.json",
            options=vars(self.args),
            figures=[{**vars(f), "met": f.met} for f in self.figures],
            wall_s=round(wall),
        )


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the providers, trades and followers (0.01: a quick run)",
    )
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--trades", type=int, default=1000, help="per provider")
    parser.add_argument("--days", type=int, default=365, help="equity points")
    parser.add_argument("--followers", type=int, default=10000)
    parser.add_argument("--db", default="fxcrm_bench_social")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    for name in ("providers", "trades", "followers"):
        setattr(args, name, max(1, int(getattr(args, name) * args.scale)))
    return args


def main(argv=None):
    return common.main("social trading benchmark", Bench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
