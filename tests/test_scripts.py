"""The scripts: the test command fails loudly when Odoo or PostgreSQL is
missing; the demo files are regenerated unchanged."""

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


def test_demo_files_regenerated_unchanged(tmp_path):
    """The demo's CSV files are those the population package writes, without
    Odoo (no site-packages), byte for byte."""
    result = run("python3", "-S", str(ROOT / "scripts" / "generate_demo.py"), "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == [f"microstructure.{name}.csv" for name in ("membership", "network", "professional", "site")]
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / "odoo_microstructure" / "demo" / name).read_bytes(), name
