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


SITES_2023 = {
    "Bourgogne-Franche-Comté": 14, "Grand Est": 42, "Hauts-de-France": 26, "Île-de-France": 21,
    "Nouvelle-Aquitaine": 1, "Occitanie": 35, "Provence-Alpes-Côte d'Azur": 4,
}
PROFESSIONALS_2023 = {
    "General practitioner": 360, "Psychologist": 87, "Social worker": 80, "Psychiatrist": 8,
}
SATISFACTION_2023 = {  # share of the 134 answers, in %
    "Had never seen a social worker": 78,
    "Had never seen a psychiatrist": 66,
    "Had never seen a psychologist": 61,
    "Quality of life improved": 87,
    "Better management of consumption": 72,
    "Would recommend the microstructure": 92,
}


def assert_report_2023(tables):
    """The registry and satisfaction tables of the 2023 report (DESIGN)."""
    sites = {row[0]: row for row in tables["sites"]["rows"]}
    assert {name: row[1] for name, row in sites.items() if name != "Total"} == SITES_2023
    assert sites["Total"][1] == 143 and sites["Total"][4] == 22
    assert round(100 * sites["Total"][3]) == 36
    professionals = dict(tables["professionals"]["rows"])
    assert professionals == {**PROFESSIONALS_2023, "Total": 535}
    satisfaction = {row[0]: row for row in tables["satisfaction"]["rows"]}
    assert satisfaction["Questionnaires answered"][1] == 134
    for question, share in SATISFACTION_2023.items():
        respondents, positive, ratio = satisfaction[question][1:]
        assert respondents == 134 and round(100 * ratio) == share, (question, positive)
