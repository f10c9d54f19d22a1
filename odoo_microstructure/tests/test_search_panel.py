from lxml import etree

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import MicrostructureCommon

REFUSED = "refused"


@tagged("post_install", "-at_install")
class TestSearchPanel(MicrostructureCommon, HttpCase):
    """The search panels of the sites, patients and liaison sheets.

    Their counts come from ``search_panel_select_range`` and
    ``search_panel_select_multi_range``, public methods that any user may call
    over JSON-RPC on any field of a model it reads: each role is asked here as
    an attacker would, and gets the counts of its own records only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_dpo = cls.env["res.users"].create({
            "name": "Délégué test panneau", "login": "ms_dpo_panel", "password": "ms_dpo_panel",
            "groups_id": [Command.set(cls.env.ref("odoo_microstructure.group_microstructure_dpo").ids)],
            "lang": "en_US",
        })
        cls.office = cls._create_office(
            "Service social test panneau - Strasbourg", "ssr67-panneau@carsat-test.fr", users=cls.user_carsat,
        )
        Patient = cls.env["microstructure.patient"]

        def patient(user, site, name, **values):
            return Patient.with_user(user).create({
                "name": name, "first_names": "Test", "birth_date": "1970-05-05", "sex": "female",
                "site_id": site.id, **values,
            })

        cls.patients_a1 = patient(cls.user_gp_a1, cls.site_a1, "Ardent") | patient(
            cls.user_gp_a1, cls.site_a1, "Brume")
        cls.patient_a2 = patient(cls.user_psy_a, cls.site_a2, "Cendre")
        cls.patient_b1 = patient(cls.user_coord_b1, cls.site_b1, "Dune")
        cls.patient_a2_archived = patient(cls.user_psy_a, cls.site_a2, "Écume")
        cls.patient_a2_archived.action_archive()

        Liaison = cls.env["microstructure.liaison"]
        sent, cls.sheet_a1_identified = Liaison.with_user(cls.user_gp_a1).create([
            {"patient_id": pat.id, "consent": "yes", "reason_rights": True,
             "social_service_id": cls.office.id}
            for pat in cls.patients_a1
        ])
        sent.action_send()
        cls.sheet_a2 = Liaison.with_user(cls.user_psy_a).create({
            "patient_id": cls.patient_a2.id, "consent": "yes", "reason_rights": True,
        })
        cls.networks = cls.network_a | cls.network_b

    def _panel(self, login, model, field, method="search_panel_select_range", **kwargs):
        """The values of a search panel as ``login`` gets them over JSON-RPC:
        {label: count}, or REFUSED."""
        self.authenticate(login, login)
        kwargs.setdefault("enable_counters", True)
        try:
            result = self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {"model": model, "method": method, "args": [field], "kwargs": kwargs},
            )
        except JsonRpcException as error:
            self.assertEqual(error.args[0], "odoo.exceptions.AccessError", error)
            return REFUSED
        return {value["display_name"]: value.get("__count") for value in result["values"]}

    def _search_panel_fields(self, user, model):
        arch = self.env[model].with_user(user).get_views([(False, "search")])["views"]["search"]["arch"]
        panel = etree.fromstring(arch).find("searchpanel")
        self.assertIsNotNone(panel, f"{model}: no search panel for {user.login}")
        return [(field.get("name"), field.get("select", "one")) for field in panel.iter("field")]

    def test_screens_have_their_panels(self):
        self.assertEqual(self._search_panel_fields(self.user_regional_ge, "microstructure.site"),
                         [("region_id", "one"), ("network_id", "multi")])
        self.assertEqual(self._search_panel_fields(self.user_psy_a, "microstructure.patient"),
                         [("site_id", "one")])
        self.assertEqual(self._search_panel_fields(self.user_carsat, "microstructure.liaison"),
                         [("site_id", "one")])

    def test_sites_by_region_and_network(self):
        domain = [("network_id", "in", self.networks.ids)]
        self.assertEqual(self._panel("ms_manager", "microstructure.site", "region_id", search_domain=domain),
                         {"Grand Est": 2, "Occitanie": 1})
        # the regional manager's perimeter: the other region is not even named
        self.assertEqual(self._panel("ms_regional_ge", "microstructure.site", "region_id", search_domain=domain),
                         {"Grand Est": 2})
        self.assertEqual(
            self._panel("ms_admin_a", "microstructure.site", "network_id", "search_panel_select_multi_range",
                        search_domain=domain),
            {"Réseau test A": 2},
        )
        # the counts follow the region chosen in the panel
        self.assertEqual(
            self._panel("ms_manager", "microstructure.site", "network_id", "search_panel_select_multi_range",
                        search_domain=domain, category_domain=[("region_id", "=", self.region_occ.id)]),
            {"Réseau test A": 0, "Réseau test B": 1},
        )
        self.assertEqual(self._panel("ms_gp_a1", "microstructure.site", "region_id", search_domain=domain),
                         {"Grand Est": 1})

    def test_patients_by_site_count_the_care_team_files_only(self):
        self.assertEqual(self._panel("ms_psy_a", "microstructure.patient", "site_id"),
                         {"Microstructure test A1": 2, "Microstructure test A2": 1})
        self.assertEqual(self._panel("ms_gp_a1", "microstructure.patient", "site_id"),
                         {"Microstructure test A1": 2})
        self.assertEqual(self._panel("ms_coord_b1", "microstructure.patient", "site_id"),
                         {"Microstructure test B1": 1})
        # the data protection officer's list of archived files: those only,
        # whatever domain is sent
        for domain in ([("active", "=", False)], []):
            self.assertEqual(
                self._panel("ms_dpo_panel", "microstructure.patient", "site_id", search_domain=domain,
                            context={"active_test": False}),
                {"Microstructure test A2": 1},
            )

    def test_no_patient_data_outside_the_care_team(self):
        outsiders = ["ms_regional_ge", "ms_carsat", "ms_admin_a", "ms_manager", "ms_employee"]
        for login in outsiders:
            for method in ("search_panel_select_range", "search_panel_select_multi_range"):
                for field in ("site_id", "state", "gp_id"):
                    with self.subTest(login=login, method=method, field=field):
                        self.assertEqual(self._panel(login, "microstructure.patient", field, method,
                                                     expand=True), REFUSED)
        for login in ["ms_regional_ge", "ms_admin_a", "ms_manager", "ms_employee"]:
            with self.subTest(login=login, model="microstructure.liaison"):
                self.assertEqual(self._panel(login, "microstructure.liaison", "site_id"), REFUSED)

    def test_liaison_sheets_by_site(self):
        self.assertEqual(self._panel("ms_psy_a", "microstructure.liaison", "site_id"),
                         {"Microstructure test A1": 2, "Microstructure test A2": 1})
        # the office's social worker counts the sheets sent to it, not those
        # still with the team, and reaches no patient through the panel
        self.assertEqual(self._panel("ms_carsat", "microstructure.liaison", "site_id"),
                         {"Microstructure test A1": 1})
        self.assertEqual(self._panel("ms_carsat", "microstructure.liaison", "state", expand=True),
                         {label: 1 if label == "Sent" else 0 for label in self._state_labels()})
        for method in ("search_panel_select_range", "search_panel_select_multi_range"):
            with self.subTest(method=method):
                self.assertEqual(
                    self._panel("ms_carsat", "microstructure.liaison", "patient_id", method), REFUSED)

    def _state_labels(self):
        return [label for __, label in self.env["microstructure.liaison"]._fields["state"].selection]
