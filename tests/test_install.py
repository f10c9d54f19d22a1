"""Install from scratch and upgrade, in a database of their own."""

import re
import sys

from .common import odoo_config_file, run, run_odoo

import odoo

PROBLEM = re.compile(r" (WARNING|ERROR|CRITICAL) ")


def _assert_clean(result, what):
    assert result.returncode == 0, f"{what} failed:\n{result.stderr[-5000:]}"
    problems = [line for line in result.stderr.splitlines() if PROBLEM.search(line)]
    assert not problems, f"{what} logged problems:\n" + "\n".join(problems)


def test_install_from_scratch_and_upgrade():
    odoo_config_file()
    db = odoo.tools.config["db_name"] + "_install"
    run("dropdb", "--if-exists", db)
    try:
        install = run_odoo(
            "-d", db, "-i", "odoo_microstructure", "--without-demo=all",
            "--stop-after-init", "--log-level=warn",
        )
        _assert_clean(install, "installing without demo data")
        upgrade = run_odoo(
            "-d", db, "-u", "odoo_microstructure", "--stop-after-init", "--log-level=warn",
        )
        _assert_clean(upgrade, "upgrading")
        state = run(
            "psql", "-d", db, "-tAc",
            "SELECT state, latest_version FROM ir_module_module WHERE name = 'odoo_microstructure'",
        )
        assert state.stdout.strip() == "installed|18.0.1.0.0"
        counts = run(
            "psql", "-d", db, "-tAc",
            "SELECT (SELECT count(*) FROM microstructure_region),"
            " (SELECT count(*) FROM microstructure_department),"
            " (SELECT count(*) FROM microstructure_site)",
        )
        assert counts.stdout.strip() == "18|101|0", "reference data only, no demo"

        populate = run(
            sys.executable, "-m", "odoo", f"--addons-path={odoo.tools.config['addons_path']}",
            "microstructure_populate", "-c", odoo_config_file(), "-d", db, "--scale", "0.05",
            "--log-level=warn",
        )
        assert populate.returncode == 0, populate.stderr
        assert "microstructure.patient" in populate.stdout and "created in" in populate.stdout
        counts = run(
            "psql", "-d", db, "-tAc",
            "SELECT (SELECT count(*) FROM microstructure_site),"
            " (SELECT count(*) FROM microstructure_patient)",
        )
        assert counts.stdout.strip() == "7|305"
    finally:
        run("dropdb", "--if-exists", db)
