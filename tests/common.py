"""Helpers for the repository-wide tests (run by pytest-odoo)."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "odoo_microstructure"


def odoo_config_file():
    path = os.environ.get("MICROSTRUCTURE_ODOO_CONF") or odoo.tools.config.rcfile
    assert path and Path(path).is_file(), "run the tests through scripts/test.sh"
    return path


def run_odoo(*args, timeout=900):
    """Run the Odoo command line in a child process with the suite's config."""
    return subprocess.run(
        [sys.executable, "-m", "odoo", "-c", odoo_config_file(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run(*command, **kwargs):
    return subprocess.run(
        list(command), capture_output=True, text=True, cwd=ROOT, check=False, **kwargs
    )


@contextmanager
def odoo_env():
    """An environment on the suite's database, as superuser, rolled back."""
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.rollback()
