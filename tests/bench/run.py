"""Benchmark of the trading-data sync API (fx.sync) over real XML-RPC.

Run it with ``make bench`` or ``scripts/fxcrm.sh bench [options]``: the script
passes the Odoo python (FXCRM_ODOO_PYTHON) and addons path (FXCRM_ADDONS_PATH).

    scripts/fxcrm.sh bench                 # full size: 20,000 traders, 1M trades
    scripts/fxcrm.sh bench --scale 0.05    # a quick run at 5 % of the size
    scripts/fxcrm.sh bench --help

What it does:

1. generates the data set (tests/bench/generate.py, cached in tests/bench/data/);
2. creates a fresh database (fxcrm_bench, dropped first if present) and installs
   fx_engagement without demo data;
3. activates EUR and GBP, creates an integration user (group
   fx_engagement.group_fx_integration) and API keys, through ``odoo shell``;
4. starts a real Odoo HTTP server on a free loopback port (--workers, default
   Odoo's advice of 2 x CPU cores + 1) and pushes everything through XML-RPC with
   the API key, in batches of 10,000 records, from --clients parallel clients
   (default 4: a broker runs one bridge per trading server; each client sends the
   records of its own traders): events (one client, in feed order), accounts,
   fundings, trades, equity points; then pushes a sample of trades again (all
   unchanged);
5. runs VACUUM ANALYZE (what autovacuum does during a load in production; it is
   off on some servers) and refreshes the trader facts of all traders
   (fx.sync.action_recompute_all);
6. imports a sample of the same trades (new tickets) with Odoo's generic
   ``load()`` and pushes samples of the same size with push_trades, over XML-RPC
   and over JSON-RPC, and with a single client, to compare;
7. prints a table: records/s per kind, CPU seconds of Odoo, PostgreSQL and this
   client per phase, peak server memory (RSS of the server and its children),
   sizes; writes the figures to tests/bench/data/results.json; stops the server and
   drops the database (unless --keep).

--clients 1 --workers 2 gives the figures of a single bridge on a minimal server.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import xmlrpc.client
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import common
import generate
import psutil
import psycopg2
import psycopg2.sql
from common import DATA, MODULE, BenchError, say

INTEGRATION_GROUP = "fx_engagement.group_fx_integration"
# pushes touching more traders than this queue their facts instead of refreshing them
INLINE_LIMIT = "fx_engagement.sync_inline_limit"
PUSH_ORDER = ("events", "accounts", "fundings", "trades", "equity")
SEQUENTIAL = {"events"}  # registration before KYC decision: keep the feed order
TARGETS = {"trades_per_s": 10_000, "load_ratio": 5.0, "facts_s": 10.0}
LOAD_FIELDS = [
    "account_id/.id",
    "ticket",
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
    "comment",
    "strategy",
    "state",
]
# Odoo logs each request with its query count, SQL time and remaining time
REQUEST_LOG = re.compile(
    r'"POST /(?:xmlrpc/2/object|jsonrpc) [^"]*" 200 - (\d+) ([\d.]+) ([\d.]+)'
)
RPC_TIMEOUT = 3600  # seconds for one call
TABLE_HEAD = (
    f"{'phase':<24}{'records':>10}{'wall s':>8}{'rec/s':>9}{'calls':>6}"
    f"{'slow s':>7}{'cpu:od':>8}{'pg':>6}{'client':>7}{'req:sql':>8}{'other':>6}"
    f"{'retry':>6}{'GiB':>6}{'others':>7}"
)
TABLE_NOTE = """\
  wall s: wall time of the phase; slow s: slowest call; cpu: CPU seconds used by the
  Odoo server (od), its PostgreSQL backends (pg) and this client; req: Odoo's own
  per-request log, seconds in SQL and in the rest (Python, XML-RPC); retry:
  transactions retried after a serialization failure; GiB: peak server RSS;
  others: CPU seconds used meanwhile by other programs on this machine (noise)."""
GiB = 1 << 30


# --- Odoo processes ------------------------------------------------------------------


@dataclass
class Odoo:
    python: str
    addons_path: str
    db: str
    data_dir: Path
    logs: Path

    @classmethod
    def from_env(cls, db):
        python, addons = common.odoo_paths(
            "'make bench' or 'scripts/fxcrm.sh bench [options]'"
        )
        common.LOGS.mkdir(parents=True, exist_ok=True)
        return cls(python, addons, db, DATA / "odoo-data", common.LOGS)

    def command(self, *args, subcommand=None):
        return common.odoo_command(
            self.python,
            self.addons_path,
            self.data_dir,
            self.db,
            *args,
            subcommand=subcommand,
        )

    def run(self, name, *args, stdin=None, subcommand=None):
        """Run an Odoo command to completion, its stderr in logs/<name>.log; returns
        its output."""
        return common.run_odoo(
            name, self.command(*args, subcommand=subcommand), stdin=stdin, capture=True
        )

    def drop_database(self):
        common.drop_database(self.db, self.data_dir)

    def install(self):
        self.run(
            "install",
            "-i",
            MODULE,
            "--stop-after-init",
            "--without-demo=all",
            "--log-level=warn",
        )

    def setup(self, settings):
        """Currencies, integration user, API keys and the ``settings``
        (ir.config_parameter); returns the keys."""
        script = SETUP_SCRIPT + "".join(
            f"env['ir.config_parameter'].set_param({k!r}, {v!r})\n"
            for k, v in settings.items()
        )
        script += "env.cr.commit()\nprint('BENCH_SETUP ' + json.dumps(result))\n"
        out = self.run("setup", "--log-level=warn", stdin=script, subcommand="shell")
        for line in out.splitlines():
            if line.startswith("BENCH_SETUP "):
                return json.loads(line.split(" ", 1)[1])
        raise BenchError(f"the setup script printed no result:\n{out[-2000:]}")


SETUP_SCRIPT = f"""
import json
from odoo import Command

# an internal user (it reads currencies, countries...) in the integration group
groups = env.ref("base.group_user") | env.ref("{INTEGRATION_GROUP}")
currencies = env["res.currency"].with_context(active_test=False)
for code, rate in (("EUR", 0.92), ("GBP", 0.79)):
    currency = currencies.search([("name", "=", code)], limit=1)
    currency.active = True
    if not currency.rate_ids:
        env["res.currency.rate"].create(
            {{"currency_id": currency.id, "name": "2000-01-01", "rate": rate}}
        )
user = env["res.users"].create(
    {{
        "name": "Bench Integration",
        "login": "bench_integration",
        "groups_id": [Command.set(groups.ids)],
    }}
)
keys = env["res.users.apikeys"]
admin = env.ref("base.user_admin")
result = {{
    "login": user.login,
    "key": keys.with_user(user).sudo()._generate("rpc", "benchmark", None),
    "admin_login": admin.login,
    "admin_key": keys.with_user(admin).sudo()._generate("rpc", "benchmark", None),
    "groups": user.groups_id.mapped("full_name"),
}}
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real Odoo HTTP server on a free loopback port."""

    def __init__(self, odoo, workers):
        self.odoo = odoo
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = odoo.logs / "server.log"
        self.proc = None

    def start(self, timeout=180):
        args = [
            f"--db-filter=^{self.odoo.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--max-cron-threads=0",
            f"--workers={self.workers}",
            f"--logfile={self.log}",
        ]
        if self.workers:
            args += [
                "--limit-time-real=7200",
                "--limit-time-cpu=7200",
                f"--limit-memory-soft={8 * GiB}",
                f"--limit-memory-hard={16 * GiB}",
                "--limit-request=100000",
            ]
        self.log.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            self.odoo.command(*args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.proc.poll() is not None:
                raise BenchError(
                    f"Odoo exited with {self.proc.returncode}:\n{self.tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise BenchError(f"Odoo did not answer on {self.url}:\n{self.tail()}")
            time.sleep(0.3)

    def answers(self):
        try:
            with urllib.request.urlopen(f"{self.url}/web/health", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def tail(self, size=3000):
        if not self.log.exists():
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")[-size:]

    def log_size(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset):
        if not self.log.exists():
            return ""
        with open(self.log, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            return log.read()

    def processes(self):
        try:
            proc = psutil.Process(self.proc.pid)
            return [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        children = self.processes()[1:]
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        for child in children:
            if child.is_running():
                child.kill()


# --- measuring -----------------------------------------------------------------------


def cpu_seconds(processes):
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
        except psutil.Error:  # it has just ended
            continue
        total += times.user + times.system
    return total


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def postgres_backends(db):
    """The PostgreSQL server processes working for database ``db``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and f" {db} " in f"{cmdline} ":
            found.append(proc)
    return found


class Monitor(threading.Thread):
    """Samples the server's memory (RSS, its children included) in the background."""

    def __init__(self, server, interval=0.2):
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.peak = 0
        self.phase_peak = 0
        self.stopping = threading.Event()

    def rss(self):
        total = 0
        for proc in self.server.processes():
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # it has just ended
                continue
        return total

    def run(self):
        while not self.stopping.is_set():
            rss = self.rss()
            self.peak = max(self.peak, rss)
            self.phase_peak = max(self.phase_peak, rss)
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


@dataclass
class Phase:
    name: str
    records: int = 0
    seconds: float = 0.0
    calls: int = 0
    odoo_cpu: float = 0.0
    pg_cpu: float = 0.0
    client_cpu: float = 0.0
    others_cpu: float = 0.0  # used by other programs on the machine meanwhile
    peak_rss: int = 0
    retries: int = 0
    queries: int = 0
    sql_s: float = 0.0  # as Odoo logs each request: time in SQL ...
    python_s: float = 0.0  # ... and the rest (Python, XML-RPC parsing)
    slowest_call: float = 0.0
    result: dict = field(default_factory=dict)
    durations: list = field(default_factory=list)  # of each call, seconds

    @property
    def rate(self):
        return self.records / self.seconds if self.seconds else 0.0


class Stopwatch:
    """Wall time, CPU of Odoo / PostgreSQL / this client and peak RSS of a phase."""

    def __init__(self, bench, phase):
        self.bench = bench
        self.phase = phase

    def __enter__(self):
        bench = self.bench
        self.odoo = bench.server.processes()
        self.pg = postgres_backends(bench.odoo.db)
        self.cpu0 = cpu_seconds(self.odoo), cpu_seconds(self.pg), time.process_time()
        self.busy0 = busy_cpu_seconds()
        self.log0 = bench.server.log_size()
        bench.monitor.phase_peak = bench.monitor.rss()
        self.began = time.perf_counter()
        return self.phase

    def __exit__(self, exc_type, exc, traceback):
        phase, bench = self.phase, self.bench
        phase.seconds = time.perf_counter() - self.began
        if exc_type is not None:
            phase.name += " FAILED"
            phase.records = 0
        # processes that appeared during the phase count from their start
        odoo = {p.pid: p for p in self.odoo + bench.server.processes()}.values()
        pg = {p.pid: p for p in self.pg + postgres_backends(bench.odoo.db)}.values()
        phase.odoo_cpu = cpu_seconds(odoo) - self.cpu0[0]
        phase.pg_cpu = cpu_seconds(pg) - self.cpu0[1]
        phase.client_cpu = time.process_time() - self.cpu0[2]
        ours = phase.odoo_cpu + phase.pg_cpu + phase.client_cpu
        phase.others_cpu = max(0.0, busy_cpu_seconds() - self.busy0 - ours)
        phase.peak_rss = bench.monitor.phase_peak
        log = bench.server.log_since(self.log0)
        phase.retries = len(re.findall(r"tries left, try again", log))
        for queries, sql, rest in REQUEST_LOG.findall(log):
            phase.queries += int(queries)
            phase.sql_s += float(sql)
            phase.python_s += float(rest)
        bench.phases.append(phase)
        return False


# --- XML-RPC -------------------------------------------------------------------------


class Transport(xmlrpc.client.Transport):
    """xmlrpc.client's transport with a socket timeout."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class Rpc:
    """The smallest XML-RPC client an integrator would write (API key as password)."""

    def __init__(self, url, db, login, key):
        self.db = db
        self.key = key
        common = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/common", transport=Transport(60)
        )
        self.uid = common.authenticate(db, login, key, {})
        if not self.uid:
            raise BenchError(f"{login} could not log in over XML-RPC with its API key")
        self.models = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True, transport=Transport(RPC_TIMEOUT)
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.key, model, method, list(args), kwargs
        )


class JsonRpc:
    """The same calls over Odoo's JSON-RPC endpoint (for comparison only)."""

    def __init__(self, url, db, login, key):
        self.url = f"{url}/jsonrpc"
        self.db = db
        self.key = key
        self.uid = self.post("common", "login", db, login, key)
        if not self.uid:
            raise BenchError(f"{login} could not log in over JSON-RPC with its API key")

    def post(self, service, method, *args):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=RPC_TIMEOUT) as resp:
            answer = json.loads(resp.read())
        if "error" in answer:
            error = answer["error"].get("data", {}).get("message") or answer["error"]
            raise BenchError(f"JSON-RPC {method} failed: {error}")
        return answer["result"]

    def __call__(self, model, method, *args, **kwargs):
        return self.post(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.key,
            model,
            method,
            args,
            kwargs,
        )


def account_key(record):
    return record["platform"], record["server"], record["login"]


def split_streams(records, count, owner):
    """Split records into ``count`` streams, all records of a trader in the same
    one (``owner`` names the trader of a record), so that parallel calls never
    write the same trader's facts at the same time."""
    if count == 1:
        return [records]
    streams = [[] for _ in range(count)]
    for record in records:
        streams[zlib.crc32(owner(record).encode()) % count].append(record)
    return streams


def run_calls(phase, clients, streams, batch, call):
    """Send each stream in batches on its own client; returns the call results
    and records the duration of each call in ``phase``."""

    def worker(client, stream):
        results = []
        for start in range(0, len(stream), batch):
            began = time.perf_counter()
            results.append(call(client, stream[start : start + batch]))
            phase.durations.append(round(time.perf_counter() - began, 3))
        return results

    with ThreadPoolExecutor(len(streams)) as pool:
        futures = [
            pool.submit(worker, client, stream)
            for client, stream in zip(clients, streams, strict=False)
        ]
        results = [r for future in futures for r in future.result()]
    phase.calls = len(results)
    phase.slowest_call = max(phase.durations, default=0.0)
    return results


# --- the benchmark -------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.odoo = Odoo.from_env(args.db)
        self.server = None
        self.monitor = None
        self.phases = []
        self.figures = {}
        self.data_dir = None
        self.meta = None
        self.keys = None
        self.owners = None

    # setup
    def data(self):
        args = self.args
        end = args.end or datetime.now(timezone.utc).date()
        overrides = {k: getattr(args, k) for k in generate.FULL_SIZE}
        tag = "-".join(f"{k}{v}" for k, v in overrides.items() if v is not None)
        name = f"seed{args.seed}-scale{args.scale:g}-end{end}" + (
            f"-{tag}" if tag else ""
        )
        self.data_dir = DATA / name
        meta_file = self.data_dir / "meta.json"
        if meta_file.exists() and not args.regenerate:
            self.meta = json.loads(meta_file.read_text())
            say(f"data set: {self.data_dir} (cached)")
        else:
            say(f"generating the data set into {self.data_dir}")
            self.meta = generate.generate(
                self.data_dir,
                args.seed,
                args.scale,
                end,
                log=lambda text: say(f"  {text}"),
                **overrides,
            )
            say(f"  generated in {self.meta['seconds']} s")
        say("  " + ", ".join(f"{k} {v:,}" for k, v in self.meta["records"].items()))

    def prepare_database(self):
        began = time.perf_counter()
        self.odoo.drop_database()
        say(f"installing {MODULE} (no demo data) into a fresh database {self.odoo.db}")
        self.odoo.install()
        self.figures["install_s"] = time.perf_counter() - began
        settings = {}
        if self.args.inline_limit is not None:
            settings[INLINE_LIMIT] = str(self.args.inline_limit)
        self.keys = self.odoo.setup(settings)
        say(
            f"  {self.figures['install_s']:.0f} s; integration user "
            f"{self.keys['login']} ({', '.join(self.keys['groups'])}) with an API key"
        )

    def start_server(self):
        self.server = Server(self.odoo, self.args.workers)
        began = time.perf_counter()
        self.server.start()
        self.monitor = Monitor(self.server)
        self.monitor.start()
        say(
            f"Odoo serving {self.server.url} (workers={self.args.workers}, started in "
            f"{time.perf_counter() - began:.1f} s); {self.args.clients} client(s), "
            f"batches of {self.args.batch:,}"
        )

    def clients(self, count, admin=False):
        login = self.keys["admin_login" if admin else "login"]
        key = self.keys["admin_key" if admin else "key"]
        return [Rpc(self.server.url, self.odoo.db, login, key) for _ in range(count)]

    # phases
    def records(self, kind, limit=None):
        records = []
        with open(self.data_dir / f"{kind}.jsonl", encoding="utf-8") as lines:
            for line in lines:
                records.append(json.loads(line))
                if limit and len(records) == limit:
                    break
        return records

    def owner(self, record):
        """The trader of a record (client id, or e-mail when only that is known)."""
        if self.owners is None:
            self.owners = {}
            for event in self.records("events"):
                if event.get("email"):
                    self.owners[event["email"]] = event["client_ref"]
            for account in self.records("accounts"):
                owner = account.get("client_ref") or account["email"]
                self.owners[account_key(account)] = self.owners.get(owner, owner)
        if "login" in record:
            return self.owners[account_key(record)]
        owner = record.get("client_ref") or record["email"]
        return self.owners.get(owner, owner)

    def push(self, kind, records, name=None, rpc=None, clients=None):
        """push_<kind> every record; returns the phase."""
        count = 1 if kind in SEQUENTIAL else clients or self.args.clients
        streams = split_streams(records, count, self.owner)
        clients = [
            (rpc or Rpc)(
                self.server.url, self.odoo.db, self.keys["login"], self.keys["key"]
            )
            for _ in streams
        ]
        method = f"push_{kind}"
        phase = Phase(name or f"push_{kind}", records=len(records))
        with Stopwatch(self, phase):
            results = run_calls(
                phase,
                clients,
                streams,
                self.args.batch,
                lambda client, batch: client("fx.sync", method, batch),
            )
        phase.result = dict(sum((Counter(r) for r in results), Counter()))
        total = sum(phase.result.get(k, 0) for k in ("created", "updated", "unchanged"))
        if total != len(records):
            say(f"  ! {method} accounted for {total:,} of {len(records):,} records")
        self.show(phase)
        return phase

    def show(self, phase):
        result = ", ".join(f"{k} {v:,}" for k, v in sorted(phase.result.items()))
        say(
            f"  {phase.name:<22} {phase.records:>9,} in {phase.seconds:7.1f} s = "
            f"{phase.rate:>8,.0f}/s  ({result})"
        )

    def push_all(self):
        for kind in PUSH_ORDER:
            records = self.records(kind)
            self.push(kind, records)
            del records
        if self.args.load_sample:
            sample = self.records("trades", self.args.load_sample)
            self.push("trades", sample, name="push_trades (again)")

    def facts(self):
        client = self.clients(1)[0]
        phase = Phase("recompute_all facts", records=self.meta["traders"])
        with Stopwatch(self, phase):
            phase.result = client("fx.sync", "action_recompute_all")
        phase.calls = 1
        self.show(phase)

    def analyze(self):
        """VACUUM ANALYZE after the load: what autovacuum does in the background in
        production. Some servers run with autovacuum off (ours does): the planner
        would then have no statistics for the tables just filled."""
        conn = psycopg2.connect(dbname=self.odoo.db)
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                cr.execute("SHOW autovacuum")
                [(autovacuum,)] = cr.fetchall()
                phase = Phase(f"VACUUM ANALYZE (autovacuum {autovacuum})")
                with Stopwatch(self, phase):
                    cr.execute("VACUUM ANALYZE")
        finally:
            conn.close()
        phase.calls = 1
        say(f"  {phase.name:<34} {phase.seconds:7.1f} s")

    def compare_with_load(self):
        """load() a sample of trades with new tickets, then push_trades another."""
        size = self.args.load_sample
        if not size:
            return
        sample = self.records("trades", size)
        admin = self.clients(1, admin=True)[0]
        accounts = {
            account_key(a): a
            for a in admin(
                "fx.trading.account",
                "search_read",
                [],
                fields=["platform", "server", "login"],
            )
        }
        trade_fields = admin("fx.trade", "fields_get", attributes=["type"])
        columns = [f for f in LOAD_FIELDS if f.split("/")[0] in trade_fields]
        rows = [load_row(t, accounts, columns) for t in sample]
        user = self.clients(1)[0]
        can_create = user("fx.trade", "has_access", [], "create")
        loaders = self.clients(self.args.clients, admin=not can_create)
        who = "integration user" if can_create else "admin"
        say(f"  fx.trade load() as the {who}, columns: {', '.join(columns)}")
        phase = Phase("fx.trade load()", records=len(rows))
        with Stopwatch(self, phase):
            results = run_calls(
                phase,
                loaders,
                [rows[i :: len(loaders)] for i in range(len(loaders))],
                self.args.batch,
                lambda client, batch: client(
                    "fx.trade", "load", columns, batch, context={"tz": "UTC"}
                ),
            )
        errors = [m for r in results for m in r["messages"] if m["type"] == "error"]
        loaded = sum(len(r["ids"] or []) for r in results)
        phase.result = {"created": loaded, "errors": len(errors)}
        if errors:
            say(f"  ! load() reported {len(errors)} errors, first: {errors[0]}")
        self.show(phase)
        same = [{**t, "ticket": f"P{t['ticket']}"} for t in sample]
        self.push("trades", same, name="push_trades (sample)")
        same = [{**t, "ticket": f"J{t['ticket']}"} for t in sample]
        self.push("trades", same, name="push_trades JSON-RPC", rpc=JsonRpc)
        if self.args.clients > 1:
            same = [{**t, "ticket": f"S{t['ticket']}"} for t in sample]
            self.push("trades", same, name="push_trades 1 client", clients=1)

    # report
    def report(self):
        phases = {p.name: p for p in self.phases}
        trades = phases.get("push_trades")
        load = phases.get("fx.trade load()")
        sample = phases.get("push_trades (sample)")
        facts = phases.get("recompute_all facts")
        pushed = [
            p for p in self.phases if p.name.startswith("push_") and "(" not in p.name
        ]
        push_records = sum(p.records for p in pushed)
        push_seconds = sum(p.seconds for p in pushed)
        figures = self.figures
        figures.update(
            trades_per_s=trades.rate if trades else None,
            load_per_s=load.rate if load else None,
            load_ratio=trades.rate / load.rate
            if trades and load and load.rate
            else None,
            load_ratio_same_sample=(
                sample.rate / load.rate if sample and load and load.rate else None
            ),
            facts_s=facts.seconds if facts else None,
            peak_rss_gib=self.monitor.peak / GiB if self.monitor else None,
            push_records=push_records,
            push_seconds=push_seconds,
        )
        self.table()
        say()
        say("targets (from the issue)")
        check = self.target_line
        check(
            "trades/s end to end over XML-RPC",
            figures["trades_per_s"],
            ">=",
            TARGETS["trades_per_s"],
            "{:,.0f}",
        )
        check(
            "push_trades vs load() (per record)",
            figures["load_ratio"],
            ">=",
            TARGETS["load_ratio"],
            "{:.1f}x",
        )
        if figures["load_ratio_same_sample"]:
            say(
                f"  {'  same sample, same database':<40}"
                f"{figures['load_ratio_same_sample']:.1f}x"
            )
        check(
            f"facts refresh, {self.meta['traders']:,} traders (s)",
            figures["facts_s"],
            "<=",
            TARGETS["facts_s"],
            "{:.1f}",
        )
        if trades and len(trades.durations) >= 4:
            n = max(2, len(trades.durations) // 10)
            first = sum(trades.durations[:n]) / n
            last = sum(trades.durations[-n:]) / n
            say(
                f"  {'push_trades call, first / last calls':<40}{first:.2f} s / "
                f"{last:.2f} s per call of {self.args.batch:,} (average of {n})"
            )
            figures.update(trades_call_first_s=first, trades_call_last_s=last)
        single = phases.get("push_trades 1 client")
        if single and sample:
            say(
                f"  {'push_trades, one client (same sample)':<40}"
                f"{single.rate:,.0f}/s ({single.rate / load.rate:.1f}x load())"
            )
            figures["one_client_per_s"] = single.rate
        json_rpc = phases.get("push_trades JSON-RPC")
        if json_rpc and sample:
            say(
                f"  {'push_trades JSON-RPC vs XML-RPC':<40}"
                f"{json_rpc.rate / sample.rate:.1f}x ({json_rpc.rate:,.0f}/s, "
                "same sample size)"
            )
        say(
            f"  {'peak server RSS (with children)':<40}"
            f"{figures['peak_rss_gib']:.2f} GiB"
        )
        wall = sum(p.seconds for p in self.phases)
        noise = sum(p.others_cpu for p in self.phases) / wall if wall else 0.0
        figures["others_cpu_per_s"] = noise
        say(
            f"  {'other programs meanwhile':<40}{noise:.2f} CPU busy on average "
            f"(of {os.cpu_count()}; near 0 on a quiet machine)"
        )
        say(
            f"  {'all pushes':<40}{push_records:,} records in {push_seconds:.0f} s "
            f"= {push_records / push_seconds if push_seconds else 0:,.0f}/s"
        )

    def table(self):
        say()
        say(TABLE_HEAD)
        for p in self.phases:
            say(
                f"{p.name:<24}{p.records:>10,}{p.seconds:>8.1f}{p.rate:>9,.0f}"
                f"{p.calls:>6}{p.slowest_call:>7.1f}{p.odoo_cpu:>8.1f}"
                f"{p.pg_cpu:>6.1f}{p.client_cpu:>7.1f}{p.sql_s:>8.1f}"
                f"{p.python_s:>6.1f}{p.retries:>6}{p.peak_rss / GiB:>6.2f}"
                f"{p.others_cpu:>7.1f}"
            )
        say(TABLE_NOTE)

    def target_line(self, label, value, op, target, fmt):
        if value is None:
            say(f"  {label:<40}not measured")
            return
        met = value >= target if op == ">=" else value <= target
        verdict = "met" if met else "NOT MET"
        say(f"  {label:<40}{fmt.format(value):<12} target {op} {target:,}  {verdict}")

    def sizes(self):
        conn = psycopg2.connect(dbname=self.odoo.db)
        try:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT relname, pg_total_relation_size(relid) "
                    "FROM pg_stat_user_tables WHERE relname LIKE 'fx\\_%' "
                    "ORDER BY 2 DESC LIMIT 8"
                )
                tables = []
                for name, size in cr.fetchall():
                    cr.execute(
                        psycopg2.sql.SQL("SELECT count(*) FROM {}").format(
                            psycopg2.sql.Identifier(name)
                        )
                    )
                    tables.append((name, cr.fetchone()[0], size))
                cr.execute("SELECT pg_database_size(current_database())")
                db_size = cr.fetchone()[0]
        finally:
            conn.close()
        say()
        say(f"database {self.odoo.db}: {db_size / GiB:.2f} GiB")
        for name, rows, size in tables:
            say(f"  {name:<32}{rows:>11,} rows {size / GiB:>7.2f} GiB")
        self.figures["db_size_gib"] = db_size / GiB
        self.figures["tables"] = {n: {"rows": r, "bytes": s} for n, r, s in tables}

    def save(self, wall):
        self.figures["wall_s"] = wall
        common.save_results(
            "results.json",
            options={k: str(v) for k, v in vars(self.args).items()},
            data=self.meta,
            figures=self.figures,
            phases=[vars(p) for p in self.phases],
            machine={
                "cpus": os.cpu_count(),
                "memory_gib": round(psutil.virtual_memory().total / GiB, 1),
            },
        )

    def run(self):
        began = time.perf_counter()
        try:
            self.data()
            self.prepare_database()
            self.start_server()
            say("pushing")
            try:
                self.push_all()
                self.analyze()
                self.facts()
                self.compare_with_load()
            except Exception:
                if self.phases:  # what was measured before the failure
                    self.table()
                say(f"server log: {self.server.log}")
                raise
            self.report()
            self.sizes()
        finally:
            if self.monitor:
                self.monitor.stop()
            if self.server:
                self.server.stop()
            if self.args.keep:
                say(f"database {self.odoo.db} kept")
            else:
                self.odoo.drop_database()
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s (install, setup and data generation included)")
        self.save(wall)


def load_row(trade, accounts, columns):
    """A trade as an import row for fx.trade.load() (strings, like a CSV file)."""
    account = accounts[account_key(trade)]
    values = {
        "account_id/.id": str(account["id"]),
        "ticket": f"L{trade['ticket']}",
        "state": "closed" if "close_time" in trade else "open",
    }
    for name in ("open_time", "close_time"):
        if trade.get(name):
            values[name] = trade[name].replace("T", " ").rstrip("Z")
    return [str(values.get(c, trade.get(c, ""))) for c in columns]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of the trading-data sync API over XML-RPC.",
        epilog="Run through 'scripts/fxcrm.sh bench' (make bench).",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data size factor (default 1)"
    )
    for kind, size in generate.FULL_SIZE.items():
        parser.add_argument(
            f"--{kind}", type=int, help=f"{kind} count (default {size:,} x scale)"
        )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        help="the data ends the day before (YYYY-MM-DD, default today, UTC)",
    )
    parser.add_argument("--regenerate", action="store_true", help="ignore the cache")
    parser.add_argument("--batch", type=int, default=10_000, help="records per call")
    parser.add_argument(
        "--clients",
        type=int,
        default=4,
        help="parallel XML-RPC clients (bridges), each sending the records of its own "
        "traders (default 4)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="Odoo --workers (default: Odoo's advice, 2 x CPU cores + 1)",
    )
    parser.add_argument(
        "--load-sample",
        type=int,
        default=50_000,
        help="trades imported with load() for the comparison (0: skip)",
    )
    parser.add_argument(
        "--inline-limit",
        type=int,
        help=f"set {INLINE_LIMIT} (default: the module's own default)",
    )
    parser.add_argument("--db", default="fxcrm_bench")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end"
    )
    args = parser.parse_args(argv)
    trades = args.trades or round(generate.FULL_SIZE["trades"] * args.scale)
    args.load_sample = min(args.load_sample, trades)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        return common.main("bench", lambda: Bench(args).run())
    except xmlrpc.client.Fault as exc:
        tail = "\n".join(exc.faultString.strip().splitlines()[-12:])
        sys.stderr.write(f"bench: the server refused a call:\n...\n{tail}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
