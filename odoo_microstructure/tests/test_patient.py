from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestPatient(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alcohol = cls.env.ref("odoo_microstructure.substance_alcohol")
        cls.tobacco = cls.env.ref("odoo_microstructure.substance_tobacco")
        Patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1)
        cls.patient_a1 = Patient.create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": cls.site_a1.id,
            "gp_id": cls.pro_gp_a1.id, "inclusion_date": "2023-02-01",
            "motive_addiction": True,
            "substance_ids": [Command.set((cls.alcohol | cls.tobacco).ids)],
            "main_substance_id": cls.alcohol.id,
        })
        cls.patient_a2 = cls.env["microstructure.patient"].with_user(cls.user_psy_a).create({
            "name": "Lambert", "first_names": "Jean", "birth_date": "1980-01-01",
            "sex": "male", "site_id": cls.site_a2.id, "motive_mental_health": True,
        })
        cls.patient_b1 = cls.env["microstructure.patient"].with_user(cls.user_coord_b1).create({
            "name": "Garcia", "first_names": "Ana", "birth_date": "1990-06-30",
            "sex": "female", "site_id": cls.site_b1.id, "motive_precarity": True,
        })
        cls.patients = cls.patient_a1 | cls.patient_a2 | cls.patient_b1

    def _visible(self, user):
        return self.env["microstructure.patient"].with_user(user).search(
            [("id", "in", self.patients.ids)]
        )

    # Isolation ---------------------------------------------------------------
    def test_care_team_isolation(self):
        self.assertEqual(self._visible(self.user_gp_a1), self.patient_a1)
        self.assertEqual(self._visible(self.user_psy_a), self.patient_a1 | self.patient_a2)
        self.assertEqual(self._visible(self.user_coord_b1), self.patient_b1)
        Patient = self.env["microstructure.patient"].with_user(self.user_gp_a1)
        self.assertEqual(Patient.search_count([("id", "in", self.patients.ids)]), 1)
        self.assertEqual(
            Patient._read_group([("id", "in", self.patients.ids)], ["site_id"], ["__count"]),
            [(self.site_a1, 1)],
        )
        self.assertFalse(Patient.name_search("Garcia"))
        with self.assertRaises(AccessError):
            self.patient_b1.with_user(self.user_gp_a1).read(["name"])
        with self.assertRaises(AccessError):
            self.patient_b1.with_user(self.user_gp_a1).write({"phone": "0600000000"})
        with self.assertRaises(AccessError):
            Patient.create({
                "name": "Intrus", "first_names": "X", "birth_date": "1970-01-01",
                "sex": "male", "site_id": self.site_b1.id,
            })

    def test_administrators_and_managers_see_no_patient(self):
        for user in (self.user_manager, self.user_admin_a, self.user_regional_ge,
                     self.user_carsat, self.user_employee):
            with self.assertRaises(AccessError):
                self.env["microstructure.patient"].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.patient_a1.with_user(user).read(["name"])

    def test_removed_member_loses_access(self):
        self.assertTrue(self._visible(self.user_gp_a1))
        self.membership_gp_a1.with_user(self.user_admin_a).action_archive()
        self.assertFalse(self._visible(self.user_gp_a1))

    def test_messages_and_attachments_follow_the_patient(self):
        self.patient_a1.with_user(self.user_gp_a1).message_post(body="Point d'étape")
        attachment = self.env["ir.attachment"].with_user(self.user_gp_a1).create({
            "name": "bilan.txt", "raw": b"bilan", "res_model": "microstructure.patient",
            "res_id": self.patient_a1.id,
        })
        with self.assertRaises(AccessError):
            attachment.with_user(self.user_coord_b1).read(["raw"])
        messages = self.env["mail.message"].with_user(self.user_coord_b1).search(
            [("model", "=", "microstructure.patient"), ("res_id", "=", self.patient_a1.id)]
        )
        self.assertFalse(messages)

    # Private notes ---------------------------------------------------------------
    def test_private_notes_by_profession(self):
        Note = self.env["microstructure.patient.note"]
        psy_note = Note.with_user(self.user_psy_a).create({
            "patient_id": self.patient_a1.id, "body": "<p>Entretien psychologique</p>",
        })
        self.assertEqual(psy_note.profession, "psychologist")
        self.assertEqual(Note.with_user(self.user_psy_a).search([]), psy_note)
        self.assertFalse(Note.with_user(self.user_gp_a1).search([]))
        with self.assertRaises(AccessError):
            psy_note.with_user(self.user_gp_a1).read(["body"])
        with self.assertRaises(AccessError):
            Note.with_user(self.user_psy_a).create({
                "patient_id": self.patient_a1.id, "profession": "social_worker",
                "body": "<p>Usurpation</p>",
            })
        # a social worker of the team reads the social notes, not the psychologist's
        self.pro_sw_a.user_id = self.user_employee
        self.user_employee.groups_id = [Command.link(
            self.env.ref("odoo_microstructure.group_microstructure_practitioner").id
        )]
        social_note = Note.with_user(self.user_employee).create({
            "patient_id": self.patient_a1.id, "body": "<p>Dossier MDPH</p>",
        })
        self.assertEqual(social_note.profession, "social_worker")
        self.assertEqual(Note.with_user(self.user_employee).search([]), social_note)
        self.assertEqual(Note.with_user(self.user_psy_a).search([]), psy_note)

    # Followers ---------------------------------------------------------------
    def test_only_team_members_follow(self):
        patient = self.patient_a1.with_user(self.user_gp_a1)
        patient.message_subscribe(partner_ids=self.user_psy_a.partner_id.ids)
        self.assertIn(self.user_psy_a.partner_id, patient.message_partner_ids)
        with self.assertRaisesText(UserError, "Only the current members of the care team"):
            patient.message_subscribe(partner_ids=self.user_coord_b1.partner_id.ids)
        outsider = self.env["res.partner"].create({"name": "Voisin curieux", "email": "v@example.com"})
        with self.assertRaisesText(UserError, "Voisin curieux"):
            patient.message_subscribe(partner_ids=outsider.ids)

    def test_chatter_notifications_stay_in_odoo(self):
        """Team members who prefer e-mails still get patient messages in Odoo only."""
        self.user_psy_a.notification_type = "email"
        patient = self.patient_a1.with_user(self.user_gp_a1)
        patient.message_subscribe(partner_ids=self.user_psy_a.partner_id.ids)
        message = patient.with_context(mail_notrack=False).message_post(
            body="Rechute, à revoir en réunion", message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        notifications = self.env["mail.notification"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(notifications.res_partner_id, self.user_psy_a.partner_id)
        self.assertEqual(set(notifications.mapped("notification_type")), {"inbox"})
        self.assertFalse(self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)]))

    def test_clinical_fields_are_restricted(self):
        for name in ("motive_addiction", "substance_ids", "main_substance_id", "synthesis"):
            self.assertEqual(
                self.env["microstructure.patient"]._fields[name].groups,
                "odoo_microstructure.group_microstructure_practitioner",
            )

    # Integrity and bad input ------------------------------------------------
    def test_no_hard_delete(self):
        with self.assertRaisesText(UserError, "cannot be deleted"):
            self.patient_a1.with_user(self.user_gp_a1).unlink()
        self.patient_a1.with_user(self.user_gp_a1).action_archive()
        self.assertFalse(self.patient_a1.active)

    def test_birth_date_in_future(self):
        tomorrow = fields.Date.add(fields.Date.context_today(self.patient_a1), days=1)
        with self.assertRaisesText(ValidationError, "is in the future"):
            self.patient_a1.with_user(self.user_gp_a1).birth_date = tomorrow
            self.patient_a1.flush_recordset()

    def test_adults_only(self):
        with self.assertRaisesText(ValidationError, "under 18"):
            self.env["microstructure.patient"].with_user(self.user_gp_a1).create({
                "name": "Petit", "first_names": "Léo", "birth_date": "2010-05-01",
                "sex": "male", "site_id": self.site_a1.id, "inclusion_date": "2024-01-15",
            })

    def test_main_substance_among_substances(self):
        with self.assertRaisesText(ValidationError, "main substance"):
            self.patient_a1.with_user(self.user_gp_a1).main_substance_id = self.env.ref(
                "odoo_microstructure.substance_cocaine"
            )
            self.patient_a1.flush_recordset()

    def test_exit_and_reopen(self):
        patient = self.patient_a1.with_user(self.user_gp_a1)
        with self.assertRaisesText(ValidationError, "exit date and reason"):
            patient.state = "exited"
            patient.flush_recordset()
        patient.write({"state": "exited", "exit_date": "2024-03-01", "exit_reason": "goal_reached"})
        patient.action_reopen()
        self.assertEqual((patient.state, patient.exit_date), ("followed", False))

    def test_consent_and_age(self):
        patient = self.patient_a1.with_user(self.user_gp_a1)
        self.assertFalse(patient.consent_date)
        patient.action_record_consent()
        self.assertEqual(patient.consent_user_id, self.user_gp_a1)
        self.assertEqual(patient.consent_method, "oral")
        self.assertGreaterEqual(patient.age, 48)
        self.assertEqual(patient.display_name, "Mrs DUPONT Marie")

    def test_patients_query_budget(self):
        """The patients kanban costs the same for 3 or 30 patients."""
        Patient = self.env["microstructure.patient"].with_user(self.user_psy_a)
        specification = {
            name: {} for name in (
                "display_name", "age", "motive_addiction", "motive_precarity",
                "motive_mental_health", "consent_date", "color", "state",
            )
        }
        specification["site_id"] = {"fields": {"display_name": {}}}
        specification["main_substance_id"] = {"fields": {"display_name": {}}}
        specification["activity_ids"] = {"fields": {}}
        for extra in (0, 27):
            Patient.sudo().create([
                {"name": f"Patient {extra}-{i}", "first_names": "Test", "birth_date": "1970-01-01",
                 "sex": "male", "site_id": self.site_a2.id, "main_substance_id": False}
                for i in range(extra)
            ])
            self.env.invalidate_all()
            Patient.web_search_read([], specification)
            self.env.invalidate_all()
            with self.assertQueryCount(9):
                Patient.web_search_read([], specification)
