"""Odoo's command line, started as a script (what Odoo's own ``odoo-bin`` does).

``python -m odoo`` serves fine with one process, but with ``--workers`` Odoo starts
its long-polling (gevent) process by running ``sys.argv[0]`` again: for
``odoo/__main__.py`` that fails at once and Odoo respawns it several times a
second, which burns most of a CPU core. Started through this file, the gevent
process has a script it can run. Used by ``scripts/fxcrm.sh``, the end-to-end
tests and the benchmarks.
"""

import os

os.environ["TZ"] = "UTC"  # as odoo-bin: before the time module is used

import odoo.cli

if __name__ == "__main__":
    odoo.cli.main()
