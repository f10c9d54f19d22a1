import functools
import io
from datetime import datetime, time, timedelta
from unittest.mock import patch

import openpyxl

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import GROUP, MicrostructureCommon


@tagged("post_install", "-at_install")
class TestUi(MicrostructureCommon, HttpCase):
    def test_network_admin_tour(self):
        self.user_admin_a.password = "ms_admin_a_password"
        self.start_tour("/odoo", "odoo_microstructure_network_admin_tour", login="ms_admin_a")

    def test_practitioner_booking_tour(self):
        patient = self.env["microstructure.patient"].create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": self.site_a1.id,
        })
        tomorrow = fields.Date.today() + timedelta(days=1)
        permanence = self.env["microstructure.permanence"].create({
            "site_id": self.site_a1.id,
            "professional_id": self.pro_psy_a.id,
            "start": datetime.combine(tomorrow, time(8, 0)),
            "stop": datetime.combine(tomorrow, time(11, 0)),
        })
        self.user_psy_a.password = "ms_psy_a_password"
        self.start_tour(
            f"/odoo/microstructure-permanences/{permanence.id}",
            "odoo_microstructure_practitioner_booking_tour",
            login="ms_psy_a",
        )
        consultation = permanence.slot_ids[0].consultation_id
        self.assertEqual(consultation.patient_id, patient)
        self.assertEqual(consultation.state, "done")
        self.assertEqual(permanence.booked_count, 1)

    def test_scale_tour(self):
        """The psychologist fills in a PHQ-9 from the patient file, in French,
        and finds its result and graph in the file."""
        patient = self.env["microstructure.patient"].create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": self.site_a1.id,
        })
        self.user_psy_a.write({"password": "ms_psy_a_password", "lang": "fr_FR"})
        self.start_tour(f"/odoo/microstructure-patients/{patient.id}", "odoo_microstructure_scale_tour",
                        login="ms_psy_a")
        result = patient.scale_result_ids
        self.assertEqual(result.scale_id, self.env.ref("odoo_microstructure.microstructure_scale_phq9"))
        self.assertEqual((result.score, result.how, result.professional_id), (12, "practitioner", self.pro_psy_a))
        self.assertFalse(result.safety_alert)

    def test_liaison_tour(self):
        """A practitioner creates and sends a sheet; the Carsat social worker
        moves it to "accompanied"."""
        office = self._create_office(
            "Service social Carsat - Strasbourg", "ssr67@carsat-test.fr", users=self.user_carsat,
        )
        self.env["microstructure.patient"].create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": self.site_a1.id,
        })
        self.user_gp_a1.password = "ms_gp_a1_password"
        self.start_tour("/odoo/microstructure-liaisons/new", "odoo_microstructure_liaison_send_tour",
                        login="ms_gp_a1")
        sheet = self.env["microstructure.liaison"].search([("social_service_id", "=", office.id)])
        self.assertEqual(sheet.state, "sent")
        self.assertEqual(sheet.usage_name, "Dupont")
        self.user_carsat.password = "ms_carsat_password"
        self.start_tour(f"/odoo/microstructure-liaisons/{sheet.id}", "odoo_microstructure_liaison_carsat_tour",
                        login="ms_carsat")
        self.assertEqual(sheet.state, "accompanied")
        self.assertEqual((sheet.social_worker_name, sheet.in_scope), ("LE GALL Sylvie", "yes"))

    def _search_read_sites(self):
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/microstructure.site/search_read",
            {
                "model": "microstructure.site",
                "method": "search_read",
                "args": [[]],
                "kwargs": {"fields": ["name"]},
            },
        )
        return {site["name"] for site in result}

    def test_membership_change_at_next_request(self):
        """A removed member loses access at its very next HTTP request."""
        # also a network administrator from the start (the coordinators' rule is
        # this role's): the change of coordinators alone applies below
        self.user_gp_a1.groups_id = [Command.link(self.env.ref(GROUP + "network_admin").id)]
        self.user_gp_a1.password = "ms_gp_a1_password"
        self.authenticate("ms_gp_a1", "ms_gp_a1_password")
        self.assertEqual(self._search_read_sites(), {"Microstructure test A1"})

        membership = self.env["microstructure.membership"].with_user(self.user_admin_a).create(
            {"professional_id": self.pro_gp_a1.id, "site_id": self.site_a2.id}
        )
        self.assertEqual(
            self._search_read_sites(), {"Microstructure test A1", "Microstructure test A2"}
        )
        membership.with_user(self.user_admin_a).action_archive()
        self.membership_gp_a1.with_user(self.user_admin_a).write({"active": False})
        self.assertEqual(self._search_read_sites(), set())

        self.network_a.write({"coordinator_ids": [Command.link(self.user_gp_a1.id)]})
        self.assertEqual(
            self._search_read_sites(), {"Microstructure test A1", "Microstructure test A2"}
        )

    def _indicator_patients(self):
        """Twelve patients in A1 and in B1, followed since the reporting year
        2022-2023: figures above the small counts in every year since."""
        self.env["microstructure.patient"].create([
            {"name": f"Indicateur{n}", "first_names": "Test", "birth_date": "1970-01-01",
             "sex": "male", "site_id": site.id, "motive_addiction": True, "inclusion_date": "2023-01-16"}
            for n in range(12) for site in (self.site_a1, self.site_b1)
        ])

    def test_indicators_tour(self):
        """A regional manager opens the dashboard of its region, changes the
        year and exports it: the figures are asked once per year shown, and
        the browser gets the workbook of the year chosen."""
        self._indicator_patients()
        Export = type(self.env["microstructure.indicator.export"])
        calls = []
        original = Export.get_dashboard

        @functools.wraps(original)
        def get_dashboard(self, year=None):
            calls.append(year)
            return original(self, year)

        self.user_regional_ge.password = "ms_regional_ge_password"
        with patch.object(Export, "get_dashboard", get_dashboard):
            self.start_tour("/odoo/microstructure-indicators", "odoo_microstructure_indicators_tour",
                            login="ms_regional_ge")
        # once on opening (the default year), once for the year chosen;
        # nothing when the page is left
        self.assertEqual(calls, [None, "2022"])

        exports = self.env["microstructure.indicator.export"].search([("create_uid", "=", self.user_regional_ge.id)])
        self.assertEqual(len(exports), 1)
        self.assertEqual(exports.year, "2022")
        self.authenticate("ms_regional_ge", "ms_regional_ge_password")
        response = self.url_open(
            f"/web/content/microstructure.indicator.export/{exports.id}/file/{exports.filename}?download=true"
        )
        self.assertEqual(response.status_code, 200)
        # the browser's session speaks the language of the database (French):
        # the sheets are found by their place, the first and the last table
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sites = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True) if row[0]}
        open_sites = self.env["microstructure.site"].with_context(active_test=False).search_count([
            ("region_id", "=", self.region_ge.id),
            "|", ("date_open", "=", False), ("date_open", "<=", "2023-08-31"),
            "|", ("date_end", "=", False), ("date_end", ">=", "2022-09-01"),
        ])
        self.assertEqual(sites["Grand Est"], open_sites)
        self.assertNotIn("Occitanie", sites)
        activity = [row[0] for row in book.worksheets[-1].iter_rows(min_row=5, values_only=True)]
        self.assertIn(self.site_a1.name, activity)
        self.assertNotIn(self.site_b1.name, activity)

    def test_indicators_network_admin_tour(self):
        """A network administrator finds the indicators of its network in
        the reporting menu."""
        self._indicator_patients()
        self.user_admin_a.password = "ms_admin_a_password"
        self.start_tour("/odoo", "odoo_microstructure_indicators_network_admin_tour", login="ms_admin_a")

    def test_survey_link_opens_for_the_patient(self):
        """The link given to a patient opens the survey without a login."""
        patient = self.env["microstructure.patient"].create({
            "name": "Dupont", "first_names": "Marie", "birth_date": "1975-04-12",
            "sex": "female", "site_id": self.site_a1.id,
        })
        action = patient.with_user(self.user_gp_a1).action_survey_link()
        link = self.env["microstructure.survey.link"].browse(action["res_id"]).url
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        survey = self.env.ref("odoo_microstructure.survey_satisfaction")
        title = survey.with_context(lang=self.env.ref("base.public_user").lang).title
        self.assertIn(f'o_survey_main_title pt-4">{title}<', response.text)
        self.assertNotIn("Dupont", response.text)
