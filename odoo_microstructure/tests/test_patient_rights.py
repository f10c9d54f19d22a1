"""The rights of the patient over its data and the retention of its file:
export for the patient (PDF and JSON), archiving after 5 years without
intervention, restoring by the data protection officer, anonymisation after
20 years and erasure on request; what each role may do, over HTTP.
"""

import json
import subprocess
from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, MicrostructureCommon
from .test_access_trace import committed_entries

IDENTITY = {
    "name": "Zabaleta", "first_names": "Ophélie", "birth_name": "Kerbrat",
    "street": "12 rue des Tanneurs", "phone": "0611223344",
}


class PatientRightsCommon(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_dpo = cls.env["res.users"].create({
            "name": "Déléguée test", "login": "ms_dpo_rights", "password": "ms_dpo_rights",
            "lang": "en_US", "tz": "Europe/Paris",
            "groups_id": [Command.set(cls.env.ref("odoo_microstructure.group_microstructure_dpo").ids)],
        })
        cls.office = cls._create_office("Service social droits", "droits@carsat-test.fr", users=cls.user_carsat)
        Patient = cls.env["microstructure.patient"]
        cls.patient = Patient.create({
            **IDENTITY, "civility": "mrs", "birth_date": "1971-06-23", "sex": "female",
            "zip": "67000", "city": "Strasbourg", "site_id": cls.site_a1.id,
            "inclusion_date": "2015-03-02", "motive_addiction": True, "motive_mental_health": True,
            "substance_ids": [Command.set(cls.env.ref("odoo_microstructure.substance_alcohol").ids)],
            "disorder_other": "Phobie de Zabaleta", "synthesis": "<p>Synthèse Zabaleta</p>",
        })
        cls.other = Patient.create({
            "name": "Témoin", "first_names": "Jean", "birth_date": "1980-01-15", "sex": "male",
            "site_id": cls.site_a1.id, "inclusion_date": "2015-03-02", "motive_precarity": True,
        })
        cls.consultation = cls.env["microstructure.consultation"].create({
            "patient_id": cls.patient.id, "professional_id": cls.pro_psy_a.id,
            "start": datetime(2016, 4, 5, 9, 0),
        })
        cls.consultation.sudo().state = "done"
        cls.meeting = cls.env["microstructure.meeting"].create({
            "site_id": cls.site_a1.id, "start": datetime(2016, 5, 10, 17, 0),
            "line_ids": [Command.create({
                "patient_id": cls.patient.id, "summary": "Zabaleta va mieux",
                "decision": "Revoir Ophélie", "responsible_id": cls.pro_gp_a1.id,
            })],
        })
        cls.sheet = cls.env["microstructure.liaison"].create({
            "patient_id": cls.patient.id, "consent": "yes", "reason_rights": True,
            "reason_other": True, "reason_other_text": "Logement de Zabaleta",
            "extra_information": "Appeler au 0611223344", "social_service_id": cls.office.id,
            "requester_id": cls.user_gp_a1.id, "date": "2016-06-01",
        })
        Note = cls.env["microstructure.patient.note"]
        cls.psy_note = Note.create({
            "patient_id": cls.patient.id, "profession": "psychologist", "date": "2016-07-01",
            "body": "<p>Note du psychologue sur Zabaleta</p>", "author_id": cls.user_psy_a.id,
        })
        cls.sw_note = Note.create({
            "patient_id": cls.patient.id, "profession": "social_worker", "date": "2016-08-01",
            "body": "<p>Note de l'assistante sociale</p>", "author_id": cls.user_gp_a1.id,
        })


@tagged("post_install", "-at_install")
class TestPatientExport(PatientRightsCommon):
    def test_json_export_by_the_psychologist(self):
        content = self.patient.with_user(self.user_psy_a)._get_export_json()
        data = json.loads(content)
        self.assertEqual(set(data), {
            "file", "exported_at", "exported_by", "identity", "follow_up", "consent", "motives",
            "substances", "main_substance", "team_synthesis", "consultations", "meetings",
            "liaison_sheets", "private_notes", "scales", "access_trace",
        })
        self.assertEqual(data["identity"]["usage_name"], "Zabaleta")
        self.assertEqual(data["identity"]["phone"], "0611223344")
        self.assertTrue(data["motives"]["addictions"])
        self.assertEqual(data["substances"], ["Alcohol"])
        self.assertIn("Synthèse Zabaleta", data["team_synthesis"])
        self.assertEqual([c["status"] for c in data["consultations"]], ["Done"])
        self.assertEqual(data["meetings"][0]["summary"], "Zabaleta va mieux")
        self.assertEqual(data["liaison_sheets"][0]["other_reason"], "Logement de Zabaleta")
        self.assertEqual(data["scales"], [])
        # the psychologist's notes, never the social worker's
        self.assertEqual([note["profession"] for note in data["private_notes"]], ["Psychologist"])
        self.assertNotIn("assistante sociale", content)

    def test_the_gp_reads_no_private_note(self):
        data = json.loads(self.patient.with_user(self.user_gp_a1)._get_export_json())
        self.assertEqual(data["private_notes"], [])
        self.assertEqual(data["identity"]["first_names"], "Ophélie")

    def test_outsiders_export_nothing(self):
        for user in (self.user_coord_b1, self.user_regional_ge, self.user_carsat, self.user_admin_a,
                     self.user_dpo):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.patient.with_user(user)._get_export_json()

    def test_pdf_for_the_patient(self):
        report = self.env.ref("odoo_microstructure.action_report_microstructure_patient_data")
        html, _kind = report.with_user(self.user_psy_a)._render_qweb_html(report.report_name, self.patient.ids)
        html = html.decode()
        self.assertIn("Zabaleta", html)
        self.assertIn("Note du psychologue", html)
        self.assertNotIn("assistante sociale", html)
        pdf, kind = report.with_user(self.user_gp_a1).with_context(force_report_rendering=True)._render_qweb_pdf(
            report.report_name, self.patient.ids,
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        self.assertIn("Zabaleta", text)
        self.assertIn("Ophélie", text)
        with self.assertRaises(AccessError):
            report.with_user(self.user_coord_b1)._render_qweb_html(report.report_name, self.patient.ids)


# text columns searched for what identified the patient
SEARCHED_TABLES = (
    "microstructure_patient", "microstructure_liaison", "microstructure_meeting_line",
    "microstructure_patient_note", "mail_message", "mail_mail", "mail_tracking_value", "ir_attachment",
    "mail_activity", "calendar_event", "survey_user_input",
)


@tagged("post_install", "-at_install")
class TestPatientRetention(PatientRightsCommon):
    def _fill_mail(self):
        """What mail keeps of the patient: a sheet sent by e-mail, a tracked
        change, a message with a file, an activity, an event description."""
        patient = self.patient.with_context(tracking_disable=False)
        patient.with_user(self.user_gp_a1).name = "Zabaleta"  # tracked: the old name stays in the tracking
        self.sheet.with_user(self.user_gp_a1).with_context(tracking_disable=False).action_send()
        attachment = self.env["ir.attachment"].create({
            "name": "Courrier Zabaleta.txt", "raw": b"Zabaleta", "res_model": patient._name, "res_id": patient.id,
        })
        patient.message_post(body="Appel de Mme Zabaleta au 0611223344", attachment_ids=attachment.ids)
        patient.activity_schedule(
            "mail.mail_activity_data_todo", summary="Rappeler Ophélie", note="12 rue des Tanneurs",
            user_id=self.user_gp_a1.id,
        )
        self.consultation.event_id.sudo().description = "<p>Zabaleta</p>"

    def _identity_left(self):
        """(table, column, needle) of every text column where something of the
        patient's identity is left."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT table_name, column_name FROM information_schema.columns
                WHERE table_name = ANY(%s) AND data_type IN ('character varying', 'text', 'jsonb')""",
            [list(SEARCHED_TABLES)],
        )
        found = []
        for table, column in cr.fetchall():
            for needle in IDENTITY.values():
                cr.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1', [f"%{needle}%"])  # pylint: disable=sql-injection
                if cr.fetchone():
                    found.append((table, column, needle))
        return found

    def _retention_on(self, day, anonymised=False):
        """The files the retention schedule archives (or anonymises) on ``day``."""
        with freeze_time(day):
            archived, anonymised_files = self.env["microstructure.patient"]._cron_retention()
        return anonymised_files if anonymised else archived

    def test_archive_restore_anonymise(self):
        Patient = self.env["microstructure.patient"]
        # 2016-08-01: last intervention of the patient (a private note)
        archived = self._retention_on("2021-07-01")
        self.assertIn(self.other, archived)
        self.assertNotIn(self.patient, archived)
        self.assertTrue(self.patient.active)
        self.assertIn(self.patient, self._retention_on("2021-08-02"))
        self.assertFalse(self.patient.active)
        self.assertEqual(str(self.patient.archive_date), "2021-08-02")
        entries = committed_entries(self.env, patient_ids=[self.patient.id])
        self.assertEqual(entries[-1]["action"], "archive")

        # hidden from the team, read by the officer
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_gp_a1).read(["name"])
        Team = Patient.with_user(self.user_gp_a1).with_context(active_test=False)
        self.assertNotIn(self.patient, Team.search([("site_id", "=", self.site_a1.id)]))
        dpo_patient = self.patient.with_user(self.user_dpo)
        self.assertEqual(dpo_patient.read(["name"])[0]["name"], "Zabaleta")
        self.assertEqual(str(dpo_patient.last_intervention_date), "2016-08-01")

        # the officer restores it: the team reads it again, the clock restarts
        with freeze_time("2021-09-01"):
            dpo_patient.action_restore()
        self.assertTrue(self.patient.active)
        self.assertEqual(committed_entries(self.env, patient_ids=[self.patient.id])[-1]["action"], "restore")
        self.assertEqual(self.patient.with_user(self.user_gp_a1).name, "Zabaleta")
        with self.assertRaises(AccessError):
            dpo_patient.read(["name"])
        self._fill_mail()
        self.assertNotIn(self.patient, self._retention_on("2026-08-01"))
        self.assertIn(self.patient, self._retention_on("2026-09-02"))

        # 20 years after the last intervention: anonymised
        self.assertTrue(self._identity_left())
        sent_hash = self.sheet.sent_hash
        self.env["ir.config_parameter"].set_param("odoo_microstructure.patient_archive_years", 50)
        self.assertNotIn(self.patient, self._retention_on("2036-09-01", anonymised=True))
        self.assertIn(self.patient, self._retention_on("2041-09-02", anonymised=True))
        self.assertEqual(self._identity_left(), [])
        patient = self.patient
        self.assertEqual(str(patient.birth_date), "1971-01-01")
        self.assertEqual(str(patient.anonymised_date), "2041-09-02")
        self.assertFalse(patient.first_names.startswith("Oph"))
        self.assertEqual((patient.site_id, patient.sex), (self.site_a1, "female"))
        self.assertTrue(patient.motive_addiction and patient.motive_mental_health)
        self.assertEqual(patient.substance_ids, self.env.ref("odoo_microstructure.substance_alcohol"))
        self.assertFalse(patient.synthesis or patient.disorder_other or patient.note_ids)
        self.assertEqual((self.consultation.state, str(self.consultation.start)), ("done", "2016-04-05 09:00:00"))
        self.assertEqual((self.sheet.state, self.sheet.sent_hash), ("sent", sent_hash))
        self.assertTrue(self.sheet.date_sent)
        self.assertFalse(self.meeting.line_ids.summary or self.meeting.line_ids.decision)
        self.assertEqual(committed_entries(self.env, patient_ids=[patient.id])[-1]["action"], "anonymise")
        with self.assertRaisesText(UserError, "anonymised"):
            patient.with_user(self.user_dpo).action_restore()

    def test_anonymisation_keeps_the_indicators(self):
        Indicators = self.env["microstructure.indicators"]

        def figures():
            result = Indicators._compute_figures(self.site_a1, date(2015, 1, 1), date(2016, 12, 31))
            # the ages rest on the birth date, cut to the 1st of January
            result["patients"] = {key: value[0] for key, value in result["patients"].items()}
            return result

        def tables():
            return Indicators._get_tables(self.site_a1, date(2015, 1, 1), date(2016, 12, 31))

        self.sheet.with_user(self.user_gp_a1).action_send()
        before, tables_before = figures(), tables()
        self.assertEqual(sum(before["patients"].values()), 2)
        self.patient._anonymise()
        self.assertEqual(figures(), before)
        self.assertEqual(tables(), tables_before)

    def test_archived_files_still_count_and_are_named_by_number(self):
        Indicators = self.env["microstructure.indicators"]

        def tables():
            return Indicators._get_tables(self.site_a1, date(2015, 1, 1), date(2016, 12, 31))

        self.sheet.with_user(self.user_gp_a1).action_send()
        before = tables()
        archived = self._retention_on("2021-08-02")
        self.assertEqual(archived, self.patient | self.other)
        self.assertTrue(archived.mapped("retention_archived"))
        self.assertEqual(tables(), before, "a file archived for retention still counts in its periods")
        # what the team still reads about an archived file names it by number
        for record, field in ((self.consultation, "patient_id"), (self.meeting.line_ids, "patient_id"),
                              (self.sheet, "patient_id")):
            name = record.with_user(self.user_gp_a1).read([field])[0][field][1]
            self.assertEqual(name, f"Patient file no. {self.patient.id}")
        self.assertEqual(self.patient.with_user(self.user_dpo).display_name, "Mrs ZABALETA Ophélie")
        # restored, it is named again
        with freeze_time("2021-09-01"):
            self.patient.with_user(self.user_dpo).action_restore()
        self.assertFalse(self.patient.retention_archived)
        self.assertIn("ZABALETA", self.consultation.with_user(self.user_gp_a1).read(["patient_id"])[0]["patient_id"][1])

    def test_erasure_on_request(self):
        self._fill_mail()
        # the team archives it (tracked, as in the application): back to its list
        action = self.patient.with_user(self.user_gp_a1).with_context(tracking_disable=False).action_archive()
        self.env.flush_all()
        self.assertEqual(action["res_model"], "microstructure.patient")
        # the day in the user's time zone (Paris), which is not UTC's around midnight
        self.assertEqual(self.patient.archive_date,
                         fields.Date.context_today(self.patient.with_user(self.user_gp_a1)))
        wizard = self.env["microstructure.patient.erasure"].with_user(self.user_dpo).create({
            "patient_id": self.patient.id, "reason": "mistake",
        })
        wizard.action_confirm()
        self.assertEqual(self._identity_left(), [])
        self.assertEqual(self.patient.erasure_reason, "mistake")
        actions = [entry["action"] for entry in committed_entries(self.env, patient_ids=[self.patient.id])]
        self.assertEqual(actions[-2:], ["erase", "anonymise"])
        erase = committed_entries(self.env, patient_ids=[self.patient.id])[-2]
        self.assertEqual(erase["path"], "microstructure.patient.erase (mistake)")
        self.assertEqual(erase["user_ref"], self.user_dpo.id)
        # the team cannot erase; the officer erases archived files only
        with self.assertRaises(AccessError):
            self.other.with_user(self.user_gp_a1)._erase("mistake")
        with self.assertRaises(AccessError):
            self.other.with_user(self.user_dpo)._erase("mistake")


@tagged("post_install", "-at_install")
class TestPatientRightsHttp(JsonRpcMixin, PatientRightsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other.write({"active": False, "archive_date": "2021-01-01"})

    def _export_url(self, patient):
        return f"/odoo_microstructure/patient/{patient.id}/export.json"

    def test_the_team_exports(self):
        self.authenticate(self.user_psy_a.login, self.user_psy_a.login)
        result = self._call("microstructure.patient", "action_export_json", [self.patient.id])
        self.assertEqual(result["result"]["url"], self._export_url(self.patient))
        response = self.url_open(self._export_url(self.patient))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Zabaleta", response.headers["Content-Disposition"])
        data = response.json()
        self.assertEqual(data["identity"]["usage_name"], "Zabaleta")
        self.assertEqual(len(data["private_notes"]), 1)
        exports = [e for e in committed_entries(self.env, [self.user_psy_a.id], [self.patient.id])
                   if e["action"] == "export"]
        self.assertTrue(exports)
        response = self.url_open(
            f"/report/pdf/odoo_microstructure.report_microstructure_patient_data/{self.patient.id}"
        )
        self.assertEqual(response.status_code, 200)  # HTML in test mode (no wkhtmltopdf)
        self.assertIn("Zabaleta", response.text)

    def test_other_roles(self):
        archived = self.other
        denied = [
            ("microstructure.patient", "action_export_json", [self.patient.id]),
            ("microstructure.patient", "action_archive", [self.patient.id]),
            ("microstructure.patient", "write", [self.patient.id], {"active": False}),
            ("microstructure.patient", "action_restore", [archived.id]),
            ("microstructure.patient", "action_open_erasure", [archived.id]),
            ("microstructure.patient", "read", [archived.id], ["name"]),
            ("microstructure.patient.erasure", "create", {"patient_id": archived.id, "reason": "mistake"}),
        ]
        users = (self.user_coord_b1, self.user_regional_ge, self.user_carsat, self.user_admin_a)
        for user in users:
            self.authenticate(user.login, user.login)
            for model, method, *args in denied:
                with self.subTest(user=user.login, method=method):
                    result = self._call(model, method, *args)
                    self.assertIn(result.get("error", {}).get("data", {}).get("name"), (
                        "odoo.exceptions.AccessError", "odoo.exceptions.UserError",
                    ), result)
            with self.subTest(user=user.login, method="export.json"):
                response = self.url_open(self._export_url(self.patient))
                self.assertNotEqual(response.status_code, 200)
                self.assertNotIn("Zabaleta", response.text)
        self.assertTrue(self.patient.active)
        self.assertFalse(archived.active)
        self.assertEqual(archived.name, "Témoin")

        # the care team reads no archived file
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        result = self._call("microstructure.patient", "read", [archived.id], ["name"])
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")

        # the officer reads archived files only, exports nothing
        self.authenticate(self.user_dpo.login, self.user_dpo.login)
        result = self._call("microstructure.patient", "read", [self.patient.id], ["name"])
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")
        result = self._call("microstructure.patient", "search_read", [], ["name"],
                            context={"active_test": False})
        self.assertNotIn(self.patient.id, [row["id"] for row in result["result"]])
        self.assertIn(archived.id, [row["id"] for row in result["result"]])
        result = self._call("microstructure.patient", "action_export_json", [archived.id])
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertNotEqual(self.url_open(self._export_url(self.patient)).status_code, 200)

        # the officer restores, then erases
        result = self._call("microstructure.patient", "action_restore", [archived.id])
        self.assertTrue(result.get("result"), result)
        self.assertTrue(archived.active)
        archived.write({"active": False})
        result = self._call("microstructure.patient.erasure", "create",
                            {"patient_id": archived.id, "reason": "duplicate"})
        result = self._call("microstructure.patient.erasure", "action_confirm", [result["result"]])
        self.assertFalse(result.get("error"), result)
        self.assertEqual(archived.erasure_reason, "duplicate")
        self.assertNotEqual(archived.name, "Témoin")
