"""The harness the three benchmarks share (run.py, segments.py, campaigns.py):
output and errors, Odoo's command line and its runs, the benchmark databases, the
results files; for segments.py and campaigns.py, Odoo opened in their own process.

run.py's client never imports Odoo (it talks to an Odoo server over XML-RPC): the
functions that need Odoo import it when called, and only the in-process benchmarks
call them.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import psycopg2
import psycopg2.sql

HERE = Path(__file__).resolve().parent
ODOO_CLI = HERE.parents[1] / "scripts" / "odoo_cli.py"  # see that file: not -m odoo
DATA = HERE / "data"
LOGS = DATA / "logs"
MODULE = "fx_engagement"


def say(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class BenchError(RuntimeError):
    pass


def main(name, run):
    """Call ``run()``; on a BenchError, print it after ``name`` and return 2."""
    try:
        run()
    except BenchError as exc:
        sys.stderr.write(f"{name}: {exc}\n")
        return 2
    return 0


# --- Odoo commands -------------------------------------------------------------------


def odoo_paths(how):
    """The Odoo python and addons path that scripts/fxcrm.sh passes; ``how`` names
    the commands that run the benchmark, for the error when they are missing."""
    python = os.environ.get("FXCRM_ODOO_PYTHON", "")
    addons_path = os.environ.get("FXCRM_ADDONS_PATH", "")
    if not (python and addons_path):
        raise BenchError(
            "FXCRM_ODOO_PYTHON / FXCRM_ADDONS_PATH are not set: run the benchmark "
            f"with {how}."
        )
    return python, addons_path


def odoo_command(python, addons_path, data_dir, db, *args, subcommand=None):
    """Odoo's command line on database ``db``, through scripts/odoo_cli.py."""
    return [
        python,
        str(ODOO_CLI),
        *([subcommand] if subcommand else []),
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        "-d",
        db,
        *args,
    ]


def run_odoo(name, command, log_name=None, stdin=None, capture=False, timeout=3600):
    """Run an Odoo ``command`` to completion, its output in data/logs/<log_name>.log
    (``name`` by default). With ``capture``, only its stderr goes to the log and its
    stdout is returned."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{log_name or name}.log"
    with open(log, "w", encoding="utf-8") as out:
        done = subprocess.run(
            command,
            input=stdin,
            stdout=subprocess.PIPE if capture else out,
            stderr=out if capture else subprocess.STDOUT,
            text=True,
            check=False,
            timeout=timeout,
        )
    if done.returncode:
        tail = log.read_text(encoding="utf-8")[-3000:]
        raise BenchError(f"odoo {name} failed ({done.returncode}):\n{tail}")
    return done.stdout


# --- databases -----------------------------------------------------------------------


def database_exists(db):
    conn = psycopg2.connect(dbname="postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_database(db, data_dir):
    """Drop ``db`` (its connections ended first) and its filestore in ``data_dir``."""
    conn = psycopg2.connect(dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [db],
            )
            cr.execute(
                psycopg2.sql.SQL("DROP DATABASE IF EXISTS {}").format(
                    psycopg2.sql.Identifier(db)
                )
            )
    finally:
        conn.close()
    shutil.rmtree(data_dir / "filestore" / db, ignore_errors=True)


def analyze(db, *tables):
    """ANALYZE the given tables, or VACUUM (ANALYZE) the whole database."""
    conn = psycopg2.connect(dbname=db)
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            if tables:
                cr.execute(
                    psycopg2.sql.SQL("ANALYZE {}").format(
                        psycopg2.sql.SQL(", ").join(
                            psycopg2.sql.Identifier(t) for t in tables
                        )
                    )
                )
            else:
                cr.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


# --- results -------------------------------------------------------------------------


def save_results(name, **results):
    """Write data/<name>: the date (UTC), then ``results``, as JSON."""
    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), **results}
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / name
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    say(f"figures written to {path}")


# --- Odoo in this process (segments.py, campaigns.py) --------------------------------


def configure_odoo(addons_path, data_dir):
    """Odoo's configuration of this process, as on the command line."""
    import odoo.tools  # see the module docstring

    odoo.tools.config.parse_config(
        [
            f"--addons-path={addons_path}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
        ]
    )


def open_registry(db, fresh=False):
    """Odoo's registry of ``db`` (loaded again when ``fresh``) and the admin's id."""
    import odoo  # see the module docstring
    from odoo import api
    from odoo.modules.registry import Registry

    if fresh:
        Registry.delete(db)
    registry = Registry(db)
    with registry.cursor() as cr:
        uid = api.Environment(cr, odoo.SUPERUSER_ID, {}).ref("base.user_admin").id
    return registry, uid


def close_and_drop(db, data_dir):
    """Forget Odoo's registry and connections of ``db`` in this process, then
    drop it with its filestore."""
    import odoo.sql_db  # see the module docstring
    from odoo.modules.registry import Registry

    Registry.delete(db)
    odoo.sql_db.close_db(db)
    drop_database(db, data_dir)


def install_fresh(python, addons_path, data_dir, db, log_name, module=MODULE, **kw):
    """Drop ``db``, create it with ``module`` installed without demo data (an
    Odoo command, its log data/logs/<log_name>.log) and open it in this
    process: ``(registry, admin uid)``. ``kw``: run_odoo's (timeout)."""
    say(f"creating database {db} with {module} (no demo data)")
    close_and_drop(db, data_dir)
    start = time.perf_counter()
    command = odoo_command(
        python,
        addons_path,
        data_dir,
        db,
        "--log-level=warn",
        "-i",
        module,
        "--without-demo=all",
        "--stop-after-init",
    )
    run_odoo("install", command, log_name=log_name, **kw)
    say(f"  installed in {time.perf_counter() - start:.0f} s")
    return open_registry(db, fresh=True)


@contextmanager
def odoo_env(registry, uid):
    """An environment of ``uid`` in a new transaction, committed at the end."""
    from odoo import api  # see the module docstring

    with registry.cursor() as cr:
        yield api.Environment(cr, uid, {})


def timed(registry, uid, work):
    """Run ``work(env)`` in its own transaction, commit included; return the
    seconds and its result."""
    from odoo import api

    start = time.perf_counter()
    with registry.cursor() as cr:  # commits when the block ends
        result = work(api.Environment(cr, uid, {}))
    return time.perf_counter() - start, result
