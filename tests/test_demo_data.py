"""The demo data reproduce the national figures of 2023-09-01, in the last
reporting year ended at the installation (the dashboard's default period)."""

from odoo import fields

from odoo.addons.odoo_microstructure.reports.microstructure_indicators import (
    last_complete_year,
    reporting_year_bounds,
)
from odoo.addons.odoo_microstructure.tools.indicator_definitions import round_half_up

from .common import assert_report_2023, odoo_env

SITES_PER_REGION = {
    "27": 14,  # Bourgogne-Franche-Comté
    "44": 42,  # Grand Est
    "32": 26,  # Hauts-de-France
    "11": 21,  # Île-de-France
    "75": 1,  # Nouvelle-Aquitaine
    "76": 35,  # Occitanie
    "93": 4,  # Provence-Alpes-Côte d'Azur
}


def _default_period(env):
    """The dashboard's default period: the last reporting year ended."""
    year = last_complete_year(fields.Date.today())
    admin = env.ref("base.user_admin")
    Indicators = env["microstructure.indicators"].with_user(admin)
    assert Indicators._get_default_year(Indicators._get_scope_sites(), fields.Date.today()) == year
    return reporting_year_bounds(year)


def _demo(env, model):
    data = env["ir.model.data"].search(
        [("module", "=", "odoo_microstructure"), ("model", "=", model), ("name", "=like", "%_demo")]
    )
    return env[model].browse(data.mapped("res_id"))


def test_sites_per_region():
    with odoo_env() as env:
        sites = _demo(env, "microstructure.site")
        groups = env["microstructure.site"]._read_group(
            [("id", "in", sites.ids)], ["region_id"], ["__count"]
        )
        assert {region.code: count for region, count in groups} == SITES_PER_REGION
        assert len(sites) == 143
        polyvalent = sites.filtered("polyvalent")
        assert round(100 * len(polyvalent) / len(sites)) == 36
        assert len(sites.network_id) == 22
        assert len(_demo(env, "microstructure.network")) == 22


def test_professionals_per_profession():
    with odoo_env() as env:
        professionals = _demo(env, "microstructure.professional")
        groups = env["microstructure.membership"]._read_group(
            env["microstructure.membership"]._get_current_domain()
            + [("professional_id", "in", professionals.ids)],
            ["profession"],
            ["professional_id:count_distinct"],
        )
        assert dict(groups) == {
            "gp": 360, "psychologist": 87, "social_worker": 80, "psychiatrist": 8,
        }
        # every site has a GP, a psychologist and a social worker in its team
        sites = _demo(env, "microstructure.site")
        assert all(sites.mapped("gp_count"))
        assert all(sites.mapped("psychologist_count"))
        assert all(sites.mapped("social_worker_count"))


def test_demo_logins():
    with odoo_env() as env:
        logins = {
            "reseau": "group_microstructure_network_admin",
            "coordinateur": "group_microstructure_coordinator",
            "medecin": "group_microstructure_practitioner",
            "psychologue": "group_microstructure_practitioner",
            "ars": "group_microstructure_regional_manager",
            "carsat": "group_microstructure_carsat",
            "dpo": "group_microstructure_dpo",
            "selestat": "group_microstructure_coordinator",
        }
        for login, group in logins.items():
            user = env["res.users"].search([("login", "=", login)])
            assert user.has_group(f"odoo_microstructure.{group}"), login
            assert user.lang == "fr_FR"
        doctor = env["res.users"].search([("login", "=", "medecin")])
        assert doctor.microstructure_site_ids.mapped("name") == ["Microstructure de Strasbourg"]


def test_liaison_experiment_funnel():
    """The seed's twelve months at one MSP, in the default period: 26
    permanences, 92 sheets, 80 handled with an interview, 26 patients
    accompanied; written by the site's GP, moved along by the Carsat user."""
    with odoo_env() as env:
        site = env.ref("odoo_microstructure.microstructure_site_017_demo")
        date_from, date_to = _default_period(env)
        funnel = site._get_liaison_funnel(date_from, date_to)
        assert funnel["permanences_held"] == 26
        assert (funnel["sheets"], funnel["sent"], funnel["handled"], funnel["accompanied"]) == (92, 92, 80, 26)
        assert 0 < funnel["median_days_to_contact"] < 7
        groups = env["microstructure.liaison.funnel"]._read_group(
            [("site_id", "=", site.id), ("date", ">=", date_from), ("date", "<=", date_to)], [],
            ["sent_count:sum", "handled_count:sum", "accompanied_count:sum"],
        )
        assert groups == [(92, 80, 26)]
        # every sheet sent still matches its fingerprint
        sheets = env["microstructure.liaison"].search([("site_id", "=", site.id)])
        assert all(sheet._compute_sent_hash() == sheet.sent_hash for sheet in sheets)
        # the sheets of the last two weeks are on their way
        recent = sheets.filtered(lambda sheet: sheet.date > date_to)
        assert sorted(recent.mapped("state")) == ["assessed", "contacted", "sent", "sent"]
        sheets -= recent
        assert all(sheet._compute_sent_hash() == sheet.sent_hash for sheet in sheets)
        gp = env.ref("odoo_microstructure.user_selestat_demo")
        carsat = env.ref("odoo_microstructure.user_carsat_demo")
        assert sheets.requester_id == gp and sheets.sent_by_id == gp
        assert sheets.contacted_by_id == carsat and sheets.assessed_by_id == carsat
        assert site in gp.microstructure_site_ids
        # the site's GP and the Carsat user read them, the GP of another site does not
        assert len(sheets.with_user(gp).search([("id", "in", sheets.ids)])) == 92
        assert len(sheets.with_user(carsat).search([("id", "in", sheets.ids)])) == 92
        other = env["res.users"].search([("login", "=", "medecin")])
        assert not sheets.with_user(other).search([("id", "in", sheets.ids)])


def test_activity_in_the_default_period():
    """The default period holds a year of consultations, permanences and
    meetings at the sites of the demo patients; the current week keeps its
    own."""
    with odoo_env() as env:
        date_from, date_to = _default_period(env)
        start, stop = str(date_from), str(fields.Date.add(date_to, days=1))
        for xmlid in ("microstructure_site_015_demo", "microstructure_site_017_demo"):
            site = env.ref(f"odoo_microstructure.{xmlid}")
            for model, field in (("microstructure.consultation", "start"), ("microstructure.permanence", "start"),
                                 ("microstructure.meeting", "start")):
                count = env[model].search_count([("site_id", "=", site.id), (field, ">=", start), (field, "<", stop)])
                assert count > 10, (xmlid, model, count)
        # the psychologist's permanence of next week is still there
        permanence = env.ref("odoo_microstructure.microstructure_permanence_01_demo")
        assert permanence.start.date() > fields.Date.today()


def test_report_2023_from_the_demo():
    """The export of the default period reproduces the registry and
    satisfaction tables of the 2023 report from the demo data, for the
    national administrator; the regional
    manager of Grand Est gets its region only."""
    with odoo_env() as env:
        admin = env.ref("base.user_admin")
        Indicators = env["microstructure.indicators"].with_user(admin).with_context(lang="en_US")
        sites = Indicators._get_scope_sites()
        date_from, date_to = _default_period(env)
        tables = {t["key"]: t for t in Indicators._get_tables(sites, date_from, date_to)}
        assert_report_2023(tables)
        ars = env["res.users"].search([("login", "=", "ars")])
        Indicators = Indicators.with_user(ars)
        sites = Indicators._get_scope_sites()
        tables = {t["key"]: t for t in Indicators._get_tables(sites, date_from, date_to)}
        assert [row[:2] for row in tables["sites"]["rows"]] == [["Grand Est", 42], ["Total", 42]]


def test_outcomes_in_the_default_period():
    """The demo shows outcomes: in the default period, the outcome table of
    the national administrator prints the figures of a scale, the same as
    an independent count from the results (baseline: the first result;
    follow-up: the last result of the year at least 5 months later)."""
    with odoo_env() as env:
        date_from, date_to = _default_period(env)
        admin = env.ref("base.user_admin")
        Indicators = env["microstructure.indicators"].with_user(admin).with_context(lang="en_US")
        tables = {t["key"]: t for t in Indicators._get_tables(Indicators._get_scope_sites(), date_from, date_to)}
        rows = {row[0]: row for row in tables["outcomes"]["rows"]}
        results = env["microstructure.scale.result"].search([("patient_id.active", "=", True)], order="date, id")
        expected = {}
        for (patient, scale), mine in results.grouped(lambda r: (r.patient_id, r.scale_id)).items():
            baseline = mine[0]
            follow_ups = mine.filtered(
                lambda r, b=baseline: date_from <= r.date <= date_to and r.date >= fields.Date.add(b.date, months=5)
            )
            if follow_ups:
                follow_up = follow_ups[-1]
                counts = expected.setdefault(scale.code, [0, 0.0, 0, 0])
                counts[0] += 1
                counts[1] += follow_up.score - baseline.score
                counts[2] += baseline.band_id.above_threshold
                counts[3] += baseline.band_id.above_threshold and not follow_up.band_id.above_threshold
        shown = [code for code, row in rows.items() if isinstance(row[1], int) and row[1] > 10]
        assert shown, rows
        for code in shown:
            patients, change, above, moved = expected[code]
            assert rows[code][1] == patients, (code, rows[code], expected[code])
            assert rows[code][2] == round_half_up(change / patients), (code, rows[code], expected[code])
            if isinstance(rows[code][6], int):
                assert rows[code][6] == above, (code, rows[code], expected[code])
            if isinstance(rows[code][7], int):
                assert rows[code][7] == moved, (code, rows[code], expected[code])
