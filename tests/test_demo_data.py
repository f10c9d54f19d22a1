"""The demo data reproduce the national figures of 2023-09-01."""

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
        }
        for login, group in logins.items():
            user = env["res.users"].search([("login", "=", login)])
            assert user.has_group(f"odoo_microstructure.{group}"), login
            assert user.lang == "fr_FR"
        doctor = env["res.users"].search([("login", "=", "medecin")])
        assert doctor.microstructure_site_ids.mapped("name") == ["Microstructure de Strasbourg"]


def test_liaison_experiment_funnel():
    """The seed's twelve months at one MSP: 26 permanences, 92 sheets, 80
    handled with an interview, 26 patients accompanied."""
    with odoo_env() as env:
        site = env.ref("odoo_microstructure.microstructure_site_017_demo")
        funnel = site._get_liaison_funnel("2018-02-01", "2019-01-31")
        assert funnel["permanences_held"] == 26
        assert (funnel["sheets"], funnel["sent"], funnel["handled"], funnel["accompanied"]) == (92, 92, 80, 26)
        assert 0 < funnel["median_days_to_contact"] < 7
        groups = env["microstructure.liaison.funnel"]._read_group(
            [("site_id", "=", site.id)], [],
            ["sent_count:sum", "handled_count:sum", "accompanied_count:sum"],
        )
        assert groups == [(92, 80, 26)]
        # every sheet sent still matches its fingerprint
        sheets = env["microstructure.liaison"].search([("site_id", "=", site.id)])
        assert all(sheet._compute_sent_hash() == sheet.sent_hash for sheet in sheets)


def test_report_2023_from_the_demo():
    """The export reproduces the registry and satisfaction tables of the 2023
    report from the demo data, for the national administrator; the regional
    manager of Grand Est gets its region only."""
    with odoo_env() as env:
        admin = env.ref("base.user_admin")
        Indicators = env["microstructure.indicators"].with_user(admin).with_context(lang="en_US")
        sites = Indicators._get_scope_sites()
        tables = {t["key"]: t for t in Indicators._get_tables(sites, "2022-09-01", "2023-08-31")}
        assert_report_2023(tables)
        ars = env["res.users"].search([("login", "=", "ars")])
        Indicators = Indicators.with_user(ars)
        sites = Indicators._get_scope_sites()
        tables = {t["key"]: t for t in Indicators._get_tables(sites, "2022-09-01", "2023-08-31")}
        assert [row[:2] for row in tables["sites"]["rows"]] == [["Grand Est", 42], ["Total", 42]]
