"""Install from scratch and upgrade, in a database of their own."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

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
        # the SQL views of the removed indicator pivot models, as an older
        # version left them: the upgrade drops them
        views = ("microstructure_indicator_patient", "microstructure_indicator_activity",
                 "microstructure_indicator_satisfaction")
        for view in views:
            run("psql", "-d", db, "-c", f"CREATE VIEW {view} AS SELECT 1 AS id")
        upgrade = run_odoo(
            "-d", db, "-u", "odoo_microstructure", "--stop-after-init", "--log-level=warn",
        )
        _assert_clean(upgrade, "upgrading")
        left = run("psql", "-d", db, "-tAc", "SELECT " + ", ".join(f"to_regclass('{view}')" for view in views))
        assert left.stdout.strip() == "||", f"views left after the upgrade: {left.stdout}"
        state = run(
            "psql", "-d", db, "-tAc",
            "SELECT state, latest_version FROM ir_module_module WHERE name = 'odoo_microstructure'",
        )
        manifest = ast.literal_eval(
            (Path(__file__).parent.parent / "odoo_microstructure" / "__manifest__.py").read_text()
        )
        assert state.stdout.strip() == f"installed|{manifest['version']}"
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
        # liaison sheets at every step of the method, from 10 steps
        steps = run("psql", "-d", db, "-tAc", "SELECT count(DISTINCT state) FROM microstructure_liaison")
        assert steps.stdout.strip() == "10"
        _assert_report_2023(db)
    finally:
        run("dropdb", "--if-exists", db)


def _assert_report_2023(db):
    """The tables of the 2023 report, computed by the export from the
    population at scale 1 (the year to 2023-09-01)."""
    script = (
        "import json\n"
        "env = env(context={'lang': 'en_US', 'tz': 'Europe/Paris'})\n"
        "sites = env['microstructure.site'].search([])\n"
        "tables = env['microstructure.indicators']._get_tables(sites, '2022-09-01', '2023-08-31')\n"
        "print('TABLES=' + json.dumps({t['key']: t for t in tables}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", odoo_config_file(), "-d", db,
         "--log-level=warn", "--no-http"],
        input=script, capture_output=True, text=True, timeout=600, check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("TABLES=")]
    assert lines, result.stdout[-2000:] + result.stderr[-3000:]
    tables = json.loads(lines[0][len("TABLES="):])
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
