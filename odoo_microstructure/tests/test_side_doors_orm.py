"""Side doors that need the clock, the mail machinery or several steps:
access over time, the end of a membership, what mail carries, the contact
cards of network administrators, bad input."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestSideDoorsOrm(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1).create({
            "name": "Kowalczyk", "first_names": "Zéphyrine", "birth_date": "1961-04-17",
            "sex": "female", "site_id": cls.site_a1.id,
        })
        cls.membership_psy_a1 = cls.env["microstructure.membership"].search([
            ("professional_id", "=", cls.pro_psy_a.id), ("site_id", "=", cls.site_a1.id),
        ])

    # ACCESS OVER TIME ----------------------------------------------------------
    def test_membership_dates_in_paris_whatever_the_user_time_zone(self):
        self.membership_psy_a1.date_end = "2030-01-10"
        self.user_psy_a.tz = "Etc/GMT+12"  # still 10 January there
        Patient = self.env["microstructure.patient"].with_user(self.user_psy_a)
        with freeze_time("2030-01-10 23:30:00"):  # 00:30 on 11 January in Paris
            self.env.invalidate_all()
            self.assertFalse(Patient.search([("id", "=", self.patient.id)]))
            with self.assertRaises(AccessError):
                self.patient.with_user(self.user_psy_a).read(["name"])

    def test_access_ends_at_midnight_without_any_cache_flush(self):
        self.membership_psy_a1.date_end = "2030-01-10"
        self.env.registry.cache_invalidated.clear()
        Patient = self.env["microstructure.patient"].with_user(self.user_psy_a)
        with freeze_time("2030-01-10 22:30:00"):  # 23:30 in Paris: still a member
            self.env.invalidate_all()
            self.assertEqual(Patient.search([("id", "=", self.patient.id)]), self.patient)
        # the rule domains stay cached: nothing is cleared at midnight
        self.assertFalse(self.env.registry.cache_invalidated)
        with freeze_time("2030-01-10 23:30:00"):  # 00:30 in Paris, the next day
            self.env.invalidate_all()
            self.assertFalse(Patient.search([("id", "=", self.patient.id)]))
            with self.assertRaises(AccessError):
                self.patient.with_user(self.user_psy_a).read(["name"])
        with freeze_time("2030-01-08 10:00:00"):
            self.env.invalidate_all()
            self.assertEqual(Patient.search([("id", "=", self.patient.id)]), self.patient)

    def test_membership_change_flushes_no_cache(self):
        Patient = self.env["microstructure.patient"].with_user(self.user_gp_a1)
        specification = {"name": {}, "first_names": {}, "site_id": {"fields": {"display_name": {}}}}

        def kanban_queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Patient.web_search_read([], specification)
            return self.env.cr.sql_log_count - before

        kanban_queries()  # warm the caches
        warm = kanban_queries()
        self.env.registry.cache_invalidated.clear()
        self.env["microstructure.membership"].with_user(self.user_admin_a).create({
            "professional_id": self.pro_psychiatrist_a2.id, "site_id": self.site_a1.id,
        })
        self.membership_psy_a1.with_user(self.user_admin_a).date_end = "2030-01-10"
        self.network_a.with_user(self.user_manager).coordinator_ids = [Command.link(self.user_admin_b.id)]
        self.user_regional_ge.microstructure_region_ids = [Command.link(self.region_occ.id)]
        self.assertFalse(self.env.registry.cache_invalidated, "a registry-wide cache flush")
        self.assertEqual(kanban_queries(), warm)

    # END OF A MEMBERSHIP -------------------------------------------------------
    def test_ended_membership_loses_followers_activities_and_notifications(self):
        patient = self.patient
        patient.message_subscribe(partner_ids=self.user_psy_a.partner_id.ids)
        patient.with_user(self.user_gp_a1).message_post(
            body="Point sur le suivi", partner_ids=self.user_psy_a.partner_id.ids,
            message_type="comment", subtype_xmlid="mail.mt_comment",
        )
        patient.with_user(self.user_gp_a1).activity_schedule(
            "mail.mail_activity_data_todo", summary="Rappeler", user_id=self.user_psy_a.id,
        )
        psy_partner = self.user_psy_a.partner_id
        Notification = self.env["mail.notification"]
        self.assertTrue(Notification.search([("res_partner_id", "=", psy_partner.id)]))
        # the coordinator of the site takes over the activities left
        self.membership_gp_a1.role = "coordinator"
        self.membership_psy_a1.with_user(self.user_admin_a).date_end = "2021-02-01"
        self.assertNotIn(psy_partner, patient.message_partner_ids)
        self.assertFalse(Notification.search([
            ("res_partner_id", "=", psy_partner.id), ("mail_message_id.model", "=", patient._name),
        ]))
        self.assertEqual(patient.activity_ids.user_id, self.user_gp_a1)
        # without a coordinator, they go
        patient.with_user(self.user_gp_a1).activity_schedule(
            "mail.mail_activity_data_todo", summary="Relancer", user_id=self.user_gp_a1.id,
        )
        self.membership_gp_a1.role = "member"
        self.membership_gp_a1.date_end = "2021-02-01"
        self.assertFalse(patient.sudo().activity_ids)

    def test_the_daily_cron_revokes_memberships_that_ended_since(self):
        self.patient.message_subscribe(partner_ids=self.user_psy_a.partner_id.ids)
        with freeze_time("2030-01-05"):
            self.membership_psy_a1.date_end = "2030-01-10"
            self.assertIn(self.user_psy_a.partner_id, self.patient.message_partner_ids)
        with freeze_time("2030-01-11 08:00:00"):
            self.env["microstructure.membership"]._cron_revoke_ended_memberships()
            self.assertNotIn(self.user_psy_a.partner_id, self.patient.message_partner_ids)

    # MAIL ----------------------------------------------------------------------
    def test_outsiders_cannot_be_named_followers_or_assignees(self):
        patient = self.patient.with_user(self.user_gp_a1)
        outsider = self.user_coord_b1
        with self.assertRaisesText(UserError, "current members of the care team"):
            patient.message_post(body="Vu ?", partner_ids=outsider.partner_id.ids)
        with self.assertRaisesText(UserError, "current members of the care team"):
            patient.message_subscribe(partner_ids=outsider.partner_id.ids)
        consultation = self.env["microstructure.consultation"].with_user(self.user_gp_a1).create({
            "patient_id": self.patient.id, "professional_id": self.pro_gp_a1.id,
            "start": datetime(2030, 1, 7, 9, 0),
        })
        with self.assertRaisesText(UserError, "current members of the care team"):
            consultation.message_subscribe(partner_ids=outsider.partner_id.ids)
        with self.assertRaisesText(UserError, "current members? of the care team"):
            patient.activity_schedule("mail.mail_activity_data_todo", user_id=outsider.id)
        activity = patient.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_gp_a1.id)
        with self.assertRaisesText(UserError, "current members? of the care team"):
            activity.user_id = outsider
        self.assertFalse(self.env["mail.notification"].search([("res_partner_id", "=", outsider.partner_id.id)]))

    def test_messages_are_read_by_those_who_read_the_record(self):
        """Neither a former member nor someone named by mistake before the
        rules keeps reading what the team writes about a patient."""
        message = self.patient.sudo().message_post(
            body="Bilan confidentiel", partner_ids=(self.user_psy_a | self.user_coord_b1).partner_id.ids,
            message_type="comment", subtype_xmlid="mail.mt_comment",
        )
        Message = self.env["mail.message"]
        self.assertEqual(Message.with_user(self.user_psy_a).search([("id", "=", message.id)]), message)
        self.assertFalse(Message.with_user(self.user_coord_b1).search([("id", "=", message.id)]))
        with self.assertRaises(AccessError):
            message.with_user(self.user_coord_b1).read(["body"])
        self.membership_psy_a1.date_end = "2021-02-01"
        self.env.invalidate_all()
        self.assertFalse(Message.with_user(self.user_psy_a).search([("id", "=", message.id)]))
        with self.assertRaises(AccessError):
            message.with_user(self.user_psy_a).read(["body"])

    def test_what_mail_carries_names_no_patient(self):
        patient = self.patient.with_user(self.user_gp_a1)
        message = patient.message_post(body="Point", message_type="comment", subtype_xmlid="mail.mt_note")
        activity = patient.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_psy_a.id)
        label = f"Patient file no. {self.patient.id}"
        self.assertEqual(message.record_name, label)
        self.assertEqual(activity.res_name, label)
        self.assertEqual(patient._message_compute_subject(), label)
        self.env.invalidate_all()
        tracked = self.patient.message_ids.filtered("record_name")
        self.assertTrue(tracked)
        self.assertNotIn("Kowalczyk", " ".join(tracked.mapped("record_name")))
        # the team still sees the name in its screens
        self.assertEqual(patient.display_name, "KOWALCZYK Zéphyrine")

    # NETWORK ADMINISTRATORS ----------------------------------------------------
    def test_network_admin_edits_its_professionals_cards_only(self):
        admin = self.user_admin_a
        self.assertFalse(admin.has_group("base.group_partner_manager"))
        self.pro_psy_a.with_user(admin).write({"phone": "03 88 11 22 33", "email": "p.weber@example.fr"})
        self.assertEqual(self.pro_psy_a.partner_id.phone, "03 88 11 22 33")
        with self.assertRaises(AccessError):
            self.user_manager.partner_id.with_user(admin).write({"phone": "0000"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(admin).create({"name": "Contact quelconque"})
        with self.assertRaises(AccessError):
            self.pro_coord_b1.with_user(admin).write({"phone": "0000"})
        with self.assertRaises(AccessError):
            self.pro_psy_a.with_user(admin).write({"parent_id": self.user_manager.partner_id.id})
        with self.assertRaises(AccessError):
            self.env["microstructure.professional"].with_user(admin).create({
                "name": "Usurpation", "partner_id": self.user_manager.partner_id.id,
            })
        professional = self.env["microstructure.professional"].with_user(admin).create({
            "name": "Léa Roux", "profession": "psychologist", "phone": "03 89 00 00 00",
        })
        self.assertEqual(professional.partner_id.phone, "03 89 00 00 00")
        self.assertEqual(self.user_manager.partner_id.phone, self.user_manager.partner_id.phone)

    # WORKFLOWS -----------------------------------------------------------------
    def test_protected_fields_change_through_the_workflow_only(self):
        patient = self.patient.with_user(self.user_gp_a1)
        with self.assertRaisesText(UserError, "stays with the care team"):
            patient.write({"site_id": self.site_a2.id})
        with self.assertRaisesText(UserError, "set by the application"):
            patient.write({"survey_date": "2024-01-01"})
        note = self.env["microstructure.patient.note"].with_user(self.user_psy_a).create({
            "patient_id": self.patient.id, "body": "<p>Note</p>",
        })
        with self.assertRaises(AccessError):
            # handing its note over to another profession
            note.write({"profession": "social_worker"})
        consultation = self.env["microstructure.consultation"].with_user(self.user_gp_a1).create({
            "patient_id": self.patient.id, "professional_id": self.pro_gp_a1.id,
            "start": datetime(2030, 1, 7, 9, 0),
        })
        consultation.action_cancel()
        with self.assertRaisesText(UserError, "cannot go from Cancelled to Done"):
            consultation.write({"state": "done"})
        with self.assertRaisesText(UserError, "set by the application"):
            consultation.write({"event_id": False})
        self._grant_coordinator(self.user_gp_a1)
        meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "start": datetime(2024, 5, 14, 17, 0),
            "line_ids": [Command.create({"patient_id": self.patient.id, "summary": "Suivi"})],
        })
        meeting.write({"state": "done"})  # a kanban drag to "Held"
        for vals in ({"state": "cancelled"}, {"state": "planned"}, {"location": "Ailleurs"},
                     {"line_ids": [Command.create({"patient_id": self.patient.id})]}):
            with self.assertRaisesText(UserError, "already held"):
                meeting.write(vals)
        with self.assertRaisesText(UserError, "already held"):
            meeting.line_ids.write({"summary": "Réécrit"})
        with self.assertRaisesText(UserError, "already held"):
            meeting.line_ids.unlink()
        self.assertEqual(meeting.line_ids.summary, "Suivi")

    def test_the_reserved_part_is_final_once_the_sheet_is_ended(self):
        office = self._create_office("Bureau test", "bureau@carsat-test.fr", users=self.user_carsat)
        sheet = self.env["microstructure.liaison"].with_user(self.user_gp_a1).create({
            "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
            "social_service_id": office.id,
        })
        sheet.action_send()
        carsat = sheet.with_user(self.user_carsat)
        carsat.action_not_reachable()
        with self.assertRaisesText(UserError, "reserved part is final"):
            carsat.write({"outcome": "Réécrit après la clôture"})

    # BAD INPUT -----------------------------------------------------------------
    def test_bad_input_gets_a_clear_error_and_writes_nothing(self):
        Patient = self.env["microstructure.patient"].with_user(self.user_gp_a1)
        base = {"name": "Martin", "first_names": "Luc", "birth_date": "1970-01-01", "sex": "male",
                "site_id": self.site_a1.id}
        count = Patient.search_count([])
        for vals, pattern in (
            ({"name": "x" * 1_000_000}, "too long"),
            ({"phone": "0" * 31}, "too long"),
            ({"birth_date": "31/02/2020"}, "Invalid value"),
            ({"birth_date": 19700101}, "Invalid value"),
            ({"site_id": "A1"}, "Invalid value"),
            ({"site_id": [self.site_a1.id]}, "Invalid value"),
            ({"site_id": 999_999_999}, "does not exist"),
            ({"sex": "other"}, "Invalid value"),
            ({"name": 42}, "Invalid value"),
            ({"substance_ids": "alcool"}, "Invalid value"),
            ({"substance_ids": [(6, 0, [999_999_999])]}, "does not exist"),
            ({"no_such_field": 1}, "has no field"),
        ):
            with self.subTest(vals=str(vals)[:40]):
                with self.assertRaisesText(ValidationError, pattern):
                    Patient.create({**base, **vals})
        self.assertEqual(Patient.search_count([]), count)
        with self.assertRaisesText(AccessError, "outside your reach"):
            Patient.create({**base, "site_id": self.site_b1.id, "gp_id": self.pro_coord_b1.id})
        permanence = self.env["microstructure.permanence"].with_user(self.user_psy_a).create({
            "site_id": self.site_a1.id, "professional_id": self.pro_psy_a.id,
            "start": datetime(2030, 1, 10, 8, 0), "stop": datetime(2030, 1, 10, 11, 0),
        })
        slot = permanence.slot_ids[0].with_user(self.user_psy_a)
        patient_b1 = self.env["microstructure.patient"].with_user(self.user_coord_b1).create({
            **base, "site_id": self.site_b1.id,
        })
        for patient, error in (("abc", UserError), (None, UserError), ([1, 2], UserError),
                               (999_999_999, ValidationError), (patient_b1.id, AccessError)):
            with self.subTest(patient=patient):
                with self.assertRaises(error):
                    slot.action_book(patient)
        self.assertFalse(slot.consultation_id)
        consultation = slot.action_book(self.patient.id)
        self.assertEqual(consultation.patient_id, self.patient)
