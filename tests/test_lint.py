"""The linters of the field report nothing on the addon."""

from .common import ADDON, ROOT, run


def test_pylint_odoo():
    result = run("pylint", f"--rcfile={ROOT / '.pylintrc'}", str(ADDON))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_oca_checks_odoo_module():
    result = run("oca-checks-odoo-module", str(ADDON))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_oca_checks_po():
    po_files = sorted(str(path) for path in (ADDON / "i18n").iterdir())
    result = run("oca-checks-po", *po_files)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
