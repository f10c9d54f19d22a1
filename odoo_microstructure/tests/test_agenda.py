from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MicrostructureCommon

NOW = datetime(2025, 3, 10, 8, 0)  # a Monday


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestAgenda(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1)
        cls.patient = Patient.create({
            "name": "Dupont", "first_names": "Marie", "birth_date": "1975-04-12",
            "sex": "female", "site_id": cls.site_a1.id, "inclusion_date": "2023-02-01",
            "motive_addiction": True,
        })
        cls.patient_2 = Patient.create({
            "name": "Moreau", "first_names": "Paul", "birth_date": "1966-10-02",
            "sex": "male", "site_id": cls.site_a1.id, "inclusion_date": "2023-05-01",
        })
        # Thursday 13 March 2025, 9:00-12:00 in Paris = 8:00-11:00 UTC
        cls.permanence = cls.env["microstructure.permanence"].with_user(cls.user_psy_a).create({
            "site_id": cls.site_a1.id,
            "professional_id": cls.pro_psy_a.id,
            "start": datetime(2025, 3, 13, 8, 0),
            "stop": datetime(2025, 3, 13, 11, 0),
            "slot_minutes": 45,
        })

    def test_slots_and_fill_rate(self):
        slots = self.permanence.slot_ids
        self.assertEqual(len(slots), 4)
        self.assertEqual(slots[0].start, datetime(2025, 3, 13, 8, 0))
        self.assertEqual(slots[-1].stop, datetime(2025, 3, 13, 11, 0))
        self.assertEqual(self.permanence.fill_rate, 0)
        slots[0].with_user(self.user_psy_a).action_book(self.patient)
        slots[1].with_user(self.user_psy_a).patient_id = self.patient_2
        self.assertEqual((self.permanence.booked_count, self.permanence.fill_rate), (2, 50.0))
        slots[1].consultation_id.with_user(self.user_psy_a).action_cancel()
        self.assertEqual(self.permanence.fill_rate, 25.0)
        self.assertTrue(slots[1].is_free)

    def test_booking_creates_a_private_consultation(self):
        slot = self.permanence.slot_ids[0].with_user(self.user_gp_a1)
        consultation = slot.action_book(self.patient)
        self.assertEqual(consultation.professional_id, self.pro_psy_a)
        self.assertEqual(consultation.kind, "psychologist")
        self.assertAlmostEqual(consultation.duration, 0.75)
        self.assertEqual(consultation.state, "planned")
        event = consultation.event_id.sudo()
        self.assertEqual(event.name, "Consultation")
        self.assertEqual(event.privacy, "private")
        self.assertEqual(event.partner_ids, self.user_psy_a.partner_id)
        self.assertNotIn("Dupont", (event.name or "") + (event.description or "") + (event.location or ""))
        # a colleague outside the team sees "Busy" at most
        outsider_view = consultation.event_id.with_user(self.user_coord_b1).read(["name", "partner_ids"])
        self.assertNotIn("Dupont", str(outsider_view))

        consultation.with_user(self.user_psy_a).action_done()
        self.assertEqual(consultation.state, "done")
        with self.assertRaisesText(UserError, "cannot go from"):
            consultation.with_user(self.user_psy_a).action_cancel()

    def test_booking_bad_input(self):
        slot = self.permanence.slot_ids[0].with_user(self.user_psy_a)
        slot.action_book(self.patient)
        with self.assertRaisesText(UserError, "already booked"):
            slot.action_book(self.patient_2)
        # an exited patient cannot be booked
        self.patient_2.write({"state": "exited", "exit_date": "2025-03-01", "exit_reason": "moved"})
        with self.assertRaisesText(ValidationError, "has exited"):
            self.permanence.slot_ids[1].with_user(self.user_psy_a).action_book(self.patient_2)
        # the same professional cannot consult twice at once
        with self.assertRaisesText(ValidationError, "already has a consultation"):
            self.env["microstructure.consultation"].with_user(self.user_psy_a).create({
                "patient_id": self.patient.id, "professional_id": self.pro_psy_a.id,
                "start": datetime(2025, 3, 13, 8, 30), "duration": 0.5,
            })
        # past permanences are closed
        with freeze_time(NOW + timedelta(days=5)), self.assertRaisesText(UserError, "in the past"):
            self.permanence.slot_ids[2].with_user(self.user_psy_a).action_book(self.patient)
        self.permanence.with_user(self.user_psy_a).action_cancel()
        with self.assertRaisesText(UserError, "not open for booking"):
            self.permanence.slot_ids[3].with_user(self.user_psy_a).action_book(self.patient)
        self.assertEqual(slot.consultation_id.state, "cancelled", "cancelling cancels the bookings")

    def test_full_permanence(self):
        permanence = self.permanence.with_user(self.user_psy_a)
        patients = self.env["microstructure.patient"].create([
            {"name": f"Plein {i}", "first_names": "Test", "birth_date": "1970-01-01",
             "sex": "male", "site_id": self.site_a1.id}
            for i in range(5)
        ])
        for patient in patients[:4]:
            permanence._book(patient)
        self.assertEqual(permanence.fill_rate, 100.0)
        with self.assertRaisesText(UserError, "is full"):
            permanence._book(patients[4])
        self.assertEqual(len(permanence.slot_ids.consultation_id), 4, "nothing more written")

    def test_consultation_rules(self):
        Consultation = self.env["microstructure.consultation"].with_user(self.user_gp_a1)
        consultation = Consultation.create({
            "patient_id": self.patient.id, "professional_id": self.pro_gp_a1.id,
            "start": datetime(2025, 3, 11, 9, 0), "duration": 0.5,
        })
        self.assertEqual(consultation.kind, "gp")
        with self.assertRaisesText(UserError, "cannot be deleted"):
            consultation.unlink()
        # a professional of another care team is out of the author's reach
        with self.assertRaisesText(AccessError, "outside your reach"):
            Consultation.create({
                "patient_id": self.patient.id, "professional_id": self.pro_psychiatrist_a2.id,
                "start": datetime(2025, 3, 11, 10, 0),
            })
        with self.assertRaisesText(ValidationError, "between 30 and 45 minutes"):
            consultation.duration = 1.5
        with self.assertRaisesText(ValidationError, "between 30 and 45 minutes"):
            consultation.duration = 0.25
        # isolation
        with self.assertRaises(AccessError):
            consultation.with_user(self.user_coord_b1).read(["start"])
        self.assertFalse(
            self.env["microstructure.consultation"].with_user(self.user_coord_b1).search([])
        )
        with self.assertRaises(AccessError):
            self.env["microstructure.consultation"].with_user(self.user_admin_a).search([])
        # moving the consultation moves its event
        consultation.start = datetime(2025, 3, 11, 14, 0)
        self.assertEqual(consultation.event_id.sudo().start, datetime(2025, 3, 11, 14, 0))
        consultation.action_cancel()
        self.assertFalse(consultation.event_id.sudo().active)

    def test_weekly_planning(self):
        planning = self.env["microstructure.permanence.planning"].with_user(self.user_psy_a).create({
            "site_id": self.site_a2.id,
            "professional_id": self.pro_psy_a.id,
            "weekday_id": self.env.ref("odoo_microstructure.weekday_4").id,
            "hour_from": 9.0, "hour_to": 12.0, "slot_minutes": 45,
            "date_from": "2025-03-10", "date_to": "2025-06-30",
        })
        action = planning.action_plan()
        permanences = self.env["microstructure.permanence"].search(action["domain"])
        self.assertEqual(len(permanences), 16)  # Thursdays from 13 March to 26 June
        self.assertTrue(all(p.start.weekday() == 3 for p in permanences))
        self.assertEqual(permanences.mapped("slot_count"), [4] * 16)
        # 9:00 in Paris: UTC+1 in winter, UTC+2 in summer
        hours = set(fields.Datetime.context_timestamp(
            planning.with_context(tz="Europe/Paris"), p.start).hour for p in permanences)
        self.assertEqual(hours, {9})
        with self.assertRaisesText(ValidationError, "last week cannot be before"):
            planning.date_to = "2025-01-01"

    def test_week_calendar_query_budget(self):
        """A site's week calendar costs the same for 3 or 30 consultations."""
        Consultation = self.env["microstructure.consultation"].with_user(self.user_psy_a)
        domain = [("site_id", "=", self.site_a1.id),
                  ("start", ">=", datetime(2025, 3, 10)), ("start", "<", datetime(2025, 3, 17))]
        specification = {
            "start": {}, "stop": {}, "kind": {}, "state": {},
            "patient_id": {"fields": {"display_name": {}}},
            "professional_id": {"fields": {"display_name": {}}},
        }
        for count in (3, 30):
            patients = self.env["microstructure.patient"].create([
                {"name": f"Semaine {count}-{i}", "first_names": "Test", "birth_date": "1970-01-01",
                 "sex": "male", "site_id": self.site_a1.id}
                for i in range(count)
            ])
            self.env["microstructure.consultation"].create([
                {"patient_id": patient.id, "professional_id": self.pro_gp_a1.id,
                 "start": datetime(2025, 3, 10 + i % 5, 7 + (i // 5), 0) + timedelta(minutes=30 * (count == 30)),
                 "duration": 0.5}
                for i, patient in enumerate(patients)
            ])
            self.env.invalidate_all()
            Consultation.web_search_read(domain, specification)
            self.env.invalidate_all()
            # the record rules join the care team when the query runs (no
            # literal ids cached): one query more than a rule on literal ids;
            # the access trace reads its author once per request: one more
            with self.assertQueryCount(8):
                Consultation.web_search_read(domain, specification)
