"""Install from scratch and upgrade, in a database of their own."""

import re
import sys

from .common import assert_report_2023, odoo_config_file, run, run_odoo

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
            "microstructure_populate", "-c", odoo_config_file(), "-d", db, "--scale", "1",
            "--without-events", "--log-level=warn",
        )
        assert populate.returncode == 0, populate.stderr
        assert "microstructure.patient" in populate.stdout and "created in" in populate.stdout
        counts = run(
            "psql", "-d", db, "-tAc",
            "SELECT (SELECT count(*) FROM microstructure_site),"
            " (SELECT count(*) FROM microstructure_patient)",
        )
        assert counts.stdout.strip() == "143|6092"
        _assert_report_2023(db)
    finally:
        odoo.modules.registry.Registry.delete(db)
        odoo.sql_db.close_db(db)
        run("dropdb", "--if-exists", db)


def _assert_report_2023(db):
    """The tables of the 2023 report, computed by the export from the
    population at scale 1 (state of the year to 2023-09-01)."""
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US", "tz": "Europe/Paris"})
        sites = env["microstructure.site"].search([])
        tables = {
            table["key"]: table
            for table in env["microstructure.indicators"]._get_tables(sites, "2022-09-01", "2023-08-31")
        }
        assert_report_2023(tables)
        patients = {row[0]: row for row in tables["patients"]["rows"]}
        motive, men, women, count, men_share, women_share, age = patients["Addictions / precarity"]
        assert count == 5456 and men + women == 5456
        assert (round(100 * men_share), round(100 * women_share), age) == (53, 47, 45.4)
        motive, men, women, count, men_share, women_share, age = patients["Mental health"]
        assert count == 636
        assert (round(100 * men_share), round(100 * women_share), round(age)) == (28, 72, 45)
        ranked = [row[1] for row in tables["substances"]["rows"]]
        assert ranked[:4] == ["Alcohol", "Tobacco", "Heroin and other opiates", "Cocaine"]
