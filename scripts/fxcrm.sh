#!/usr/bin/env bash
# fxcrm.sh - install what is missing, then run, test or benchmark the FX CRM addons.
#
#   scripts/fxcrm.sh run     create or upgrade the database (default "fxcrm") and serve it
#   scripts/fxcrm.sh test    fresh throwaway database, lint, pytest + pytest-odoo, drop
#   scripts/fxcrm.sh bench   benchmarks (tests/bench), never part of the test suite;
#                            'bench NAME' runs tests/bench/NAME.py (segments,
#                            campaigns, ...)
#   scripts/fxcrm.sh setup   only install what is missing (Odoo venv, requirements)
#   scripts/fxcrm.sh lint    ruff + pylint-odoo
#
# Settings (environment): ODOO_PYTHON, ODOO_SOURCE, FXCRM_HOME, FXCRM_DB, FXCRM_PORT,
# PGHOST, PGPORT, PGUSER, PGPASSWORD.  See README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FXCRM_HOME=${FXCRM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/fxcrm}
VENV=$FXCRM_HOME/venv
ODOO_SOURCE=${ODOO_SOURCE:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
ADDONS="fx_engagement,fx_referrals,fx_social_trading"
# make test also installs the test module (a fact added the way another addon would)
TEST_ADDONS="$ADDONS,test_fx_engagement"
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-$(id -un)}
[ "$PGUSER" != postgres ] || PGUSER=odoo

# colours only on a terminal (and never with NO_COLOR set)
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$'\033[1m' RED=$'\033[1;31m' OFF=$'\033[0m'; else BOLD= RED= OFF=; fi
export FXCRM_RED=$RED FXCRM_OFF=$OFF
say() { printf '%s[fxcrm]%s %s\n' "$BOLD" "$OFF" "$*" >&2; }
die() {
    printf '%s[fxcrm] error:%s %s\n' "$RED" "$OFF" "$*" >&2
    exit 2
}

# Odoo 18 importable as a regular package (odoo.tools too: an addon wheel installed
# into site-packages/odoo/addons must not shadow it as a namespace package)
is_odoo18() { "$1" -c 'import sys, odoo.tools, odoo.release as r; sys.exit(r.version_info[0] != 18)' >/dev/null 2>&1; }

# --- Odoo --------------------------------------------------------------------------
find_python() {
    if [ -n "${ODOO_PYTHON:-}" ]; then
        is_odoo18 "$ODOO_PYTHON" ||
            die "ODOO_PYTHON=$ODOO_PYTHON cannot import Odoo 18.0: set it to a python that imports Odoo 18.0, or unset it to let the script find or install Odoo."
        PY=$ODOO_PYTHON
    elif is_odoo18 python3; then
        PY=$(command -v python3)
    elif [ -x "$VENV/bin/python" ] && is_odoo18 "$VENV/bin/python"; then
        PY=$VENV/bin/python
    else
        install_odoo
        PY=$VENV/bin/python
    fi
}

fetch_source() { # -> prints the source tree path
    local src=$FXCRM_HOME/odoo-src
    if [ -d "$ODOO_SOURCE" ]; then
        [ -f "$ODOO_SOURCE/odoo/release.py" ] || die "ODOO_SOURCE=$ODOO_SOURCE is not an Odoo source tree (no odoo/release.py)."
        src=$(cd "$ODOO_SOURCE" && pwd)
    elif [ -f "$src/odoo/release.py" ]; then
        say "reusing the Odoo source in $src"
    else
        local archive=$ODOO_SOURCE
        if [[ "$ODOO_SOURCE" =~ ^https?:// ]]; then
            archive=$FXCRM_HOME/odoo-src.tar.gz
            say "downloading Odoo 18.0 from $ODOO_SOURCE"
            local err
            err=$(curl -fsSL --retry 2 -o "$archive.part" "$ODOO_SOURCE" 2>&1) || {
                rm -f "$archive.part"
                die "could not download Odoo from ODOO_SOURCE=$ODOO_SOURCE ($(tail -n1 <<<"$err" | sed 's/^curl: ([0-9]*) //')). Set ODOO_SOURCE to a local Odoo 18.0 source tree or archive, or ODOO_PYTHON to a python that imports Odoo 18.0."
            }
            mv "$archive.part" "$archive"
        fi
        [ -f "$archive" ] ||
            die "no Odoo 18.0 found (neither python3 nor $VENV/bin/python imports it) and ODOO_SOURCE=$ODOO_SOURCE is neither a source tree, an archive nor an http(s) URL. Set ODOO_PYTHON to a python that imports Odoo 18.0, or ODOO_SOURCE to an Odoo 18.0 source tree, source archive or its URL."
        rm -rf "$src.part" && mkdir -p "$src.part"
        tar -xf "$archive" -C "$src.part" --strip-components=1 2>/dev/null || {
            rm -rf "$src.part"
            die "could not unpack $archive (ODOO_SOURCE=$ODOO_SOURCE): it should be an Odoo 18.0 source archive (.tar.gz)."
        }
        mv "$src.part" "$src"
    fi
    grep -q "version_info = (18, 0" "$src/odoo/release.py" || die "$src is not Odoo 18.0."
    echo "$src"
}

install_odoo() {
    mkdir -p "$FXCRM_HOME"
    local base=${PYTHON:-}
    if [ -z "$base" ]; then
        for c in python3.11 python3.12 python3.10 python3; do
            if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
                base=$c
                break
            fi
        done
    fi
    [ -n "$base" ] || die "Odoo 18 needs Python 3.10-3.12; set PYTHON to one, or ODOO_PYTHON to a python that imports Odoo 18."
    local src
    src=$(fetch_source)
    if ! command -v pg_config >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing libpq-dev (needed to build psycopg2)"
            apt-get update -qq && apt-get install -y -qq libpq-dev >/dev/null
        else
            die "pg_config is missing: install your system's libpq development package (Debian: libpq-dev)."
        fi
    fi
    say "installing Odoo 18.0 from $src into $VENV (a few minutes, once)"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
    # Python 3.11 fixes (see README): cbor2 5.4.2 does not build, 5.4.6 has a wheel;
    # old setup.py files import pkg_resources, gone from recent setuptools;
    # python-ldap is only for auth_ldap and needs LDAP headers, so it is left out.
    local reqs=$FXCRM_HOME/odoo-requirements.txt cons=$FXCRM_HOME/constraints.txt
    sed -e 's/^cbor2==5\.4\.2/cbor2==5.4.6/' -e '/^python-ldap/d' "$src/requirements.txt" >"$reqs"
    # gevent (Odoo's long-polling process) loads its plugins through pkg_resources,
    # which cannot find zope.interface >= 8 / zope.event >= 5.1 (dist-info names
    # with underscores): the gevent process would die and be respawned for ever
    printf '%s\n' 'setuptools<70' 'zope.interface<8' 'zope.event<5.1' >"$cons"
    PIP_CONSTRAINT=$cons "$VENV/bin/pip" install -q -r "$reqs" phonenumbers ||
        die "installing Odoo's requirements failed (see pip's message above)."
    # compat mode: a plain .pth entry, so that OCA addon wheels (odoo/addons/...)
    # installed later extend Odoo's addons instead of shadowing the odoo package
    PIP_CONSTRAINT=$cons "$VENV/bin/pip" install -q --no-deps -e "$src" \
        --config-settings editable_mode=compat >/dev/null ||
        die "installing Odoo from $src failed."
    is_odoo18 "$VENV/bin/python" || die "Odoo was installed into $VENV but cannot be imported."
}

install_requirements() {
    local stamp=$FXCRM_HOME/requirements.$(sha1sum "$ROOT/requirements-dev.txt" | cut -c1-12).$(echo "$PY" | sha1sum | cut -c1-8)
    if [ ! -f "$stamp" ]; then
        say "installing the project's requirements (requirements-dev.txt)"
        "$PY" -m pip install -q -r "$ROOT/requirements-dev.txt" || die "pip could not install requirements-dev.txt."
        mkdir -p "$FXCRM_HOME" && touch "$stamp"
    fi
}

addons_path() {
    "$PY" - "$ROOT/addons" <<'PY'
import os, sys
import odoo
root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
paths = [sys.argv[1]]
if os.path.isdir(os.path.join(root, "addons", "crm")):  # source tree: addons/ beside odoo/
    paths.append(os.path.join(root, "addons"))
paths.append(os.path.join(root, "odoo", "addons"))
print(",".join(paths))
PY
}

# --- PostgreSQL --------------------------------------------------------------------
check_postgres() {
    "$PY" - <<'PY' || exit 2
import os, sys
import psycopg2

where = "%s:%s" % (os.environ["PGHOST"], os.environ["PGPORT"])
user = os.environ["PGUSER"]

def fail(msg):
    red, off = os.environ.get("FXCRM_RED", ""), os.environ.get("FXCRM_OFF", "")
    sys.stderr.write("%s[fxcrm] error:%s %s\n" % (red, off, msg))
    sys.exit(2)

def connect(**kw):
    return psycopg2.connect(dbname="postgres", connect_timeout=5, **kw)

try:
    connect().close()
except psycopg2.OperationalError as e:
    text = str(e)
    if "no password supplied" in text:
        fail("PostgreSQL at %s asks for a password for role %r and PGPASSWORD is not set: set PGPASSWORD (and PGUSER) to a valid login." % (where, user))
    if "password authentication failed" in text:
        fail("PostgreSQL at %s refused the password for role %r: set PGPASSWORD (and PGUSER) to a valid login." % (where, user))
    if 'role "%s" does not exist' % user in text:
        try:  # trust authentication (our default local setup): create the role once
            conn = connect(user="postgres")
            conn.autocommit = True
            conn.cursor().execute('CREATE ROLE "%s" LOGIN CREATEDB' % user.replace('"', '""'))
            conn.close()
            sys.stderr.write("[fxcrm] created PostgreSQL role %r (LOGIN CREATEDB)\n" % user)
        except psycopg2.Error:
            fail("PostgreSQL role %r does not exist at %s: create it (createuser -d %s) or set PGUSER." % (user, where, user))
    elif "Connection refused" in text or "could not connect" in text or "timeout" in text or "could not translate" in text:
        fail("no PostgreSQL answers at %s (%s). Start it (Debian: pg_ctlcluster <version> main start) or set PGHOST/PGPORT." % (where, text.strip().splitlines()[0]))
    else:
        fail("cannot connect to PostgreSQL at %s as %r: %s" % (where, user, text.strip()))
PY
}

db_exists() {
    "$PY" -c 'import sys, psycopg2
c = psycopg2.connect(dbname="postgres"); cr = c.cursor()
cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[1],))
sys.exit(0 if cr.fetchone() else 1)' "$1"
}

drop_db() {
    "$PY" -c 'import sys, psycopg2
c = psycopg2.connect(dbname="postgres"); c.autocommit = True; cr = c.cursor()
cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (sys.argv[1],))
cr.execute("DROP DATABASE IF EXISTS \"%s\"" % sys.argv[1].replace(chr(34), ""))' "$1"
}

odoo() { "$PY" "$ROOT/scripts/odoo_cli.py" -c "$ROOT/config/odoo.conf" --addons-path="$(addons_path)" "$@"; }

# Browser tours need Debian's chromium; right-to-left (Arabic) assets need rtlcss.
install_browser_tools() {
    if ! command -v chromium >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing chromium (browser tours)"
            { apt-get install -y -qq chromium >/dev/null 2>&1 ||
                { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; } ||
                die "could not install chromium with apt-get: install it (Debian: apt-get install chromium)."
        else
            die "chromium is missing (browser tours): install it (Debian: apt-get install chromium)."
        fi
    fi
    if ! command -v rtlcss >/dev/null; then
        if command -v npm >/dev/null; then
            say "installing rtlcss (right-to-left layout for Arabic)"
            npm install -g --silent rtlcss >/dev/null 2>&1 ||
                die "npm could not install rtlcss: install it (npm install -g rtlcss)."
        else
            die "rtlcss is missing (right-to-left layout for Arabic): install Node.js and run npm install -g rtlcss."
        fi
    fi
}

prepare() {
    find_python
    install_requirements
    install_browser_tools
    check_postgres
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- commands ----------------------------------------------------------------------
cmd_run() {
    prepare
    local db=${FXCRM_DB:-fxcrm} port=${FXCRM_PORT:-8069}
    if db_exists "$db" && [ "$("$PY" -c 'import sys, psycopg2
cr = psycopg2.connect(dbname=sys.argv[1]).cursor()
cr.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = %s", ("ir_module_module",))
print(cr.fetchone()[0])' "$db")" = 1 ]; then
        say "upgrading the addons in database $db"
        odoo -d "$db" -i "$ADDONS" -u "$ADDONS" --stop-after-init
    else
        say "creating database $db with the addons and their demo data"
        odoo -d "$db" -i "$ADDONS" --stop-after-init
    fi
    say "serving http://localhost:$port  (database $db, login: admin / password: admin)"
    exec "$PY" "$ROOT/scripts/odoo_cli.py" -c "$ROOT/config/odoo.conf" --addons-path="$(addons_path)" -d "$db" --db-filter="^$db\$" --http-port="$port"
}

cmd_lint() {
    [ -n "${PY:-}" ] || { find_python && install_requirements; }
    say "ruff"
    "$PY" -m ruff check "$ROOT/addons" "$ROOT/tests" "$ROOT/scripts" "$ROOT/examples" || return 1
    "$PY" -m ruff format --check "$ROOT/addons" "$ROOT/tests" "$ROOT/scripts" "$ROOT/examples" || return 1
    say "pylint-odoo"
    (cd "$ROOT" && "$PY" -m pylint --rcfile="$ROOT/.pylintrc" addons/* tests) || return 1
}

cmd_test() {
    prepare
    cmd_lint || die "lint failed (see above)."
    local rc=0
    TEST_DB=fxcrm_test_$$_$RANDOM
    TEST_CONF=$(mktemp)
    local db=$TEST_DB conf=$TEST_CONF
    # a config for pytest-odoo and the end-to-end server: the checked-in one plus the addons path
    # a free HTTP port for HttpCase and the tours, so two test runs can share a machine
    { sed '/^http_port/d' "$ROOT/config/odoo.conf"; echo "addons_path = $(addons_path)"; echo "http_port = $(free_port)"; } >"$conf"
    trap 'drop_db "$TEST_DB" || true; rm -f "$TEST_CONF"' EXIT
    say "installing $TEST_ADDONS into the throwaway database $db"
    "$PY" "$ROOT/scripts/odoo_cli.py" -c "$conf" -d "$db" -i "$TEST_ADDONS" --stop-after-init --log-level=warn ||
        die "installing the addons failed."
    say "pytest"
    (cd "$ROOT" && FXCRM_TEST_DB=$db FXCRM_ODOO_CONF=$conf \
        "$PY" -m pytest --odoo-database="$db" --odoo-config="$conf" "$@") || rc=$?
    return $rc
}

cmd_bench() { # bench [NAME] [options]: the sync benchmark, or tests/bench/NAME.py
    local script=tests/bench/run.py
    if [ -n "${1:-}" ] && [[ "$1" != -* ]]; then
        [ -f "$ROOT/tests/bench/$1.py" ] || die "no benchmark tests/bench/$1.py (see README, Benchmarks)."
        script=tests/bench/$1.py
        shift
    fi
    prepare
    (cd "$ROOT" && FXCRM_ODOO_PYTHON=$PY FXCRM_ADDONS_PATH=$(addons_path) "$PY" "$script" "$@")
}

cmd_versions() {
    prepare
    say "Odoo $("$PY" -c 'import odoo.release as r; print(r.version)') ($PY)"
    say "PostgreSQL $("$PY" -c 'import psycopg2
cr = psycopg2.connect(dbname="postgres").cursor()
cr.execute("SHOW server_version")
print(cr.fetchone()[0])') at $PGHOST:$PGPORT"
}

case "${1:-}" in
run) shift && cmd_run "$@" ;;
test) shift && cmd_test "$@" ;;
bench) shift && cmd_bench "$@" ;;
lint) shift && find_python && install_requirements && cmd_lint ;;
versions) cmd_versions ;;
setup) find_python && install_requirements && say "Odoo: $("$PY" -c 'import odoo.release as r; print(r.version)') ($PY)" ;;
*)
    echo "usage: $0 run|test|bench|lint|setup|versions" >&2
    exit 2
    ;;
esac
