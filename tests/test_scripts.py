"""The test command fails loudly when Odoo or PostgreSQL is missing."""

import os

from .common import ROOT, run


def test_refuses_without_odoo():
    env = dict(os.environ, PYTHON="python3 -S")  # no site-packages: no Odoo
    result = run("bash", str(ROOT / "scripts" / "test.sh"), env=env)
    assert result.returncode == 2
    assert "cannot import Odoo 18" in result.stderr


def test_refuses_without_postgresql():
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT="1")
    result = run("bash", str(ROOT / "scripts" / "test.sh"), env=env)
    assert result.returncode == 2
    assert "PostgreSQL does not answer" in result.stderr
