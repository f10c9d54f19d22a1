import subprocess
from datetime import datetime

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestMeeting(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the GP of A1 coordinates the site
        cls._grant_coordinator(cls.user_gp_a1)
        Patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1)
        cls.patient = Patient.create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": cls.site_a1.id,
            "inclusion_date": "2023-02-01", "motive_addiction": True,
        })
        cls.patient_2 = Patient.create({
            "name": "Moreau", "first_names": "Paul", "birth_date": "1966-10-02",
            "sex": "male", "site_id": cls.site_a1.id, "inclusion_date": "2023-05-01",
        })
        cls.meeting = cls.env["microstructure.meeting"].with_user(cls.user_gp_a1).create({
            "site_id": cls.site_a1.id,
            "start": datetime(2024, 5, 14, 17, 0),
            "location": "Salle de réunion du cabinet",
        })

    def test_invitations_and_private_event(self):
        self.assertEqual(self.meeting.attendee_ids, self.pro_gp_a1 | self.pro_psy_a | self.pro_sw_a)
        event = self.meeting.event_id.sudo()
        self.assertEqual(event.name, "Synthesis meeting")
        self.assertEqual(event.privacy, "private")
        self.assertEqual(event.partner_ids, (self.user_gp_a1 | self.user_psy_a).partner_id)
        with self.assertRaisesText(AccessError, "outside your reach"):
            self.meeting.attendee_ids = [Command.link(self.pro_coord_b1.id)]

    def test_attendance_and_lines_by_a_practitioner(self):
        meeting = self.meeting.with_user(self.user_psy_a)
        meeting.write({
            "present_ids": [Command.set((self.pro_gp_a1 | self.pro_psy_a).ids)],
            "line_ids": [Command.create({"patient_id": self.patient_2.id, "summary": "Situation stable"})],
        })
        self.assertAlmostEqual(meeting.attendance_rate, 200 / 3)
        self.assertEqual(meeting.line_count, 1)
        with self.assertRaisesText(ValidationError, "must have been invited"):
            meeting.write({
                "attendee_ids": [Command.set(self.pro_gp_a1.ids)],
                "present_ids": [Command.set(self.pro_psy_a.ids)],
            })

    def test_close_meeting(self):
        self.meeting.write({
            "line_ids": [
                Command.create({
                    "patient_id": self.patient.id, "summary": "Rechute en avril",
                    "decision": "Proposer un rendez-vous avec la psychologue",
                    "responsible_id": self.pro_psy_a.id, "deadline": "2024-05-31",
                }),
                Command.create({"patient_id": self.patient_2.id, "summary": "Situation stable"}),
            ],
        })
        self.meeting.with_user(self.user_gp_a1).action_done()
        activity = self.meeting.line_ids[0].activity_id
        self.assertEqual(activity.res_model, "microstructure.patient")
        self.assertEqual(activity.res_id, self.patient.id)
        self.assertEqual(activity.user_id, self.user_psy_a)
        self.assertEqual(activity.date_deadline, fields.Date.to_date("2024-05-31"))
        self.assertNotIn("Dupont", activity.summary)
        self.assertFalse(self.meeting.line_ids[1].activity_id)
        self.assertEqual(self.patient.last_discussed_date, fields.Date.to_date("2024-05-14"))
        with self.assertRaisesText(UserError, "already held cannot be changed"):
            self.meeting.action_done()
        with self.assertRaisesText(UserError, "cannot be deleted"):
            self.meeting.unlink()

    def test_patients_not_discussed_for_three_months(self):
        self.meeting.write({"line_ids": [Command.create({"patient_id": self.patient.id})]})
        self.meeting.action_done()
        Patient = self.env["microstructure.patient"].with_context(tz="Europe/Paris")
        domain = [("id", "in", (self.patient | self.patient_2).ids),
                  "|", ("last_discussed_date", "=", False), ("last_discussed_date", "<", "2024-06-01")]
        self.assertEqual(Patient.search(domain), self.patient | self.patient_2)
        domain[-1] = ("last_discussed_date", "<", "2024-05-01")
        self.assertEqual(Patient.search(domain), self.patient_2)

    def test_isolation(self):
        self.meeting.write({"line_ids": [Command.create({"patient_id": self.patient.id})]})
        with self.assertRaises(AccessError):
            self.meeting.with_user(self.user_coord_b1).read(["start"])
        with self.assertRaises(AccessError):
            self.meeting.line_ids.with_user(self.user_coord_b1).read(["summary"])
        with self.assertRaisesText(AccessError, "outside your reach"):
            self.meeting.write({"line_ids": [Command.create({"patient_id": self.env["microstructure.patient"].create({
                "name": "Garcia", "first_names": "Ana", "birth_date": "1990-06-30",
                "sex": "female", "site_id": self.site_b1.id,
            }).id})]})
        with self.assertRaises(AccessError):
            self.env["microstructure.meeting"].with_user(self.user_psy_a).create({
                "site_id": self.site_a1.id, "start": datetime(2024, 6, 11, 17, 0),
            })

    def test_monthly_planning(self):
        planning = self.env["microstructure.meeting.planning"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "first_start": datetime(2025, 1, 14, 17, 0), "count": 12,
        })
        meetings = self.env["microstructure.meeting"].search(planning.action_plan()["domain"])
        self.assertEqual(len(meetings), 12)
        self.assertEqual(sorted(m.start.month for m in meetings), list(range(1, 13)))
        with self.assertRaisesText(ValidationError, "between 1 and 36"):
            planning.count = 50

    def test_minutes(self):
        self.meeting.write({
            "present_ids": [Command.set(self.pro_gp_a1.ids)],
            "line_ids": [Command.create({
                "patient_id": self.patient.id, "summary": "Rechute en avril",
                "decision": "Rendez-vous psychologue", "responsible_id": self.pro_psy_a.id,
            })],
        })
        self.meeting.action_done()
        report = self.env.ref("odoo_microstructure.action_report_microstructure_meeting")
        html, _ = report.with_user(self.user_gp_a1)._render_qweb_html(report.report_name, self.meeting.ids)
        html = html.decode()
        for text in ("Synthesis meeting", "Microstructure test A1", "Mrs DUPONT Marie",
                     "Rechute en avril", "Rendez-vous psychologue", "Paul Weber", "Present", "Absent"):
            self.assertIn(text, html)
        # French minutes for a French user
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["odoo_microstructure"], ["fr_FR"])
        self.user_gp_a1.lang = "fr_FR"
        html_fr, _ = report.with_user(self.user_gp_a1).with_context(lang="fr_FR")._render_qweb_html(
            report.report_name, self.meeting.ids
        )
        self.assertIn("Patients évoqués", html_fr.decode())
        # a real PDF of one page (its web fonts carry no text layer to read back)
        pdf, kind = report.with_user(self.user_gp_a1).with_context(
            force_report_rendering=True
        )._render_qweb_pdf(report.report_name, self.meeting.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
        self.assertRegex(info.decode(), r"Pages:\s+1\n")
        # the minutes of another team's meeting are out of reach
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            report.with_user(self.user_coord_b1)._render_qweb_html(report.report_name, self.meeting.ids)
