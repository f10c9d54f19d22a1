from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import MicrostructureCommon

NOW = datetime(2025, 3, 10, 8, 0)  # a Monday
BATCH = 200


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestBatchWrites(MicrostructureCommon):
    """A batch of records costs the same few queries whatever its size, and
    its checks still refuse what they refused record by record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._grant_coordinator(cls.user_gp_a1)
        Patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1)
        cls.patients = Patient.create([
            {"name": f"Lot {i}", "first_names": "Test", "birth_date": "1970-01-01", "sex": "male",
             "site_id": cls.site_a1.id, "inclusion_date": "2024-01-01"}
            for i in range(5)
        ])

    def _assert_batch_costs(self, create, budget_20, budget_200):
        """After a first batch (the caches of rules and defaults are warm), a
        batch of 20 and a batch of 200 records cost a few queries, not one or
        more per record (Odoo inserts and updates by chunks of 100 rows)."""
        create(2)
        for count, budget in ((BATCH // 10, budget_20), (BATCH, budget_200)):
            self.env.invalidate_all()
            with self.assertQueryCount(budget):
                records = create(count)
            self.assertEqual(len(records), count)

    # CONSULTATIONS
    def _consultation_vals(self, count, first=datetime(2025, 4, 1, 7, 0)):
        return [
            {"patient_id": self.patients[i % len(self.patients)].id, "professional_id": self.pro_gp_a1.id,
             "start": first + timedelta(hours=i)}
            for i in range(count)
        ]

    def test_consultations_created_in_one_batch(self):
        Consultation = self.env["microstructure.consultation"].with_user(self.user_gp_a1)
        days = iter(range(0, 300, 10))
        self._assert_batch_costs(
            lambda count: Consultation.create(
                self._consultation_vals(count, datetime(2025, 4, 1, 7) + timedelta(days=next(days)))
            ),
            25, 32,
        )

    def test_overlapping_consultations_refused_in_a_batch(self):
        Consultation = self.env["microstructure.consultation"].with_user(self.user_gp_a1)
        vals_list = self._consultation_vals(10)
        vals_list[7]["start"] = vals_list[3]["start"] + timedelta(minutes=15)
        with self.assertRaisesText(ValidationError, "^Dr Claire Martin already has a consultation at that time.$"):
            Consultation.create(vals_list)
        Consultation.create(self._consultation_vals(3))
        with self.assertRaisesText(ValidationError, "^Dr Claire Martin already has a consultation at that time.$"):
            Consultation.create(self._consultation_vals(1, datetime(2025, 4, 1, 8, 20)))
        # back to back is no overlap; a cancelled consultation frees its time
        Consultation.create(self._consultation_vals(1, datetime(2025, 4, 1, 9, 30)))
        Consultation.search([("start", "=", datetime(2025, 4, 1, 8, 0))]).action_cancel()
        Consultation.create(self._consultation_vals(1, datetime(2025, 4, 1, 8, 20)))

    def test_overlap_with_a_consultation_the_author_does_not_read(self):
        """The psychologist consults at A1 and A2: the GP of A1 booking him at
        A1 meets his A2 consultation, and learns only that he is busy."""
        patient_a2 = self.env["microstructure.patient"].with_user(self.user_psy_a).create({
            "name": "Autre site", "first_names": "Test", "birth_date": "1980-01-01", "sex": "female",
            "site_id": self.site_a2.id,
        })
        self.env["microstructure.consultation"].with_user(self.user_psy_a).create({
            "patient_id": patient_a2.id, "professional_id": self.pro_psy_a.id,
            "start": datetime(2025, 4, 2, 9, 0),
        })
        with self.assertRaisesText(ValidationError, "^Paul Weber already has a consultation at that time.$"):
            self.env["microstructure.consultation"].with_user(self.user_gp_a1).create({
                "patient_id": self.patients[0].id, "professional_id": self.pro_psy_a.id,
                "start": datetime(2025, 4, 2, 9, 15),
            })

    # MEMBERSHIPS
    def _membership_vals(self, professional, count, first=date(2000, 1, 1)):
        return [
            {"professional_id": professional.id, "site_id": self.site_a1.id,
             "date_start": first + relativedelta(months=i),
             "date_end": first + relativedelta(months=i + 1, days=-1)}
            for i in range(count)
        ]

    def test_memberships_created_in_one_batch(self):
        Membership = self.env["microstructure.membership"].with_user(self.user_admin_a)
        professional = self.env["microstructure.professional"].with_user(self.user_admin_a).create({
            "name": "Léa Roux", "profession": "psychologist",
        })
        firsts = iter((date(1970, 1, 1), date(1980, 1, 1), date(2000, 1, 1)))
        self._assert_batch_costs(
            lambda count: Membership.create(self._membership_vals(professional, count, next(firsts))), 15, 17,
        )

    def test_overlapping_memberships_refused_in_a_batch(self):
        Membership = self.env["microstructure.membership"].with_user(self.user_admin_a)
        message = "^Nadia Klein is already a member of Microstructure test A1 over these dates.$"
        vals_list = self._membership_vals(self.pro_sw_a, 4, date(2010, 1, 1))
        vals_list[2]["date_end"] = False  # open-ended: overlaps the current membership
        with self.assertRaisesText(ValidationError, message):
            Membership.create(vals_list)
        vals_list = self._membership_vals(self.pro_psychiatrist_a2, 4, date(2010, 1, 1))
        vals_list[3]["date_start"] = date(2010, 2, 15)
        with self.assertRaisesText(ValidationError, "^Dr Hugo Meyer is already a member"):
            Membership.create(vals_list)
        Membership.create(self._membership_vals(self.pro_psychiatrist_a2, 4, date(2010, 1, 1)))
        # an archived membership overlaps nothing
        old = Membership.create(self._membership_vals(self.pro_sw_a, 1, date(2005, 1, 1)))
        old.active = False
        Membership.create(self._membership_vals(self.pro_sw_a, 1, date(2005, 1, 1)))

    # MEETINGS
    def test_meeting_lines_created_in_one_batch(self):
        meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "start": datetime(2025, 3, 20, 17, 0),
        })
        Line = self.env["microstructure.meeting.line"].with_user(self.user_gp_a1)
        self._assert_batch_costs(
            lambda count: Line.create([
                {"meeting_id": meeting.id, "patient_id": self.patients[i % len(self.patients)].id,
                 "summary": "Suivi", "decision": "Revoir", "responsible_id": self.pro_gp_a1.id}
                for i in range(count)
            ]),
            15, 17,
        )

    def test_decisions_become_activities_in_one_batch(self):
        """Closing a meeting turns its decisions into activities at once, two
        about one patient for one professional included."""
        for count, budget in ((2, 100), (BATCH // 10, 42), (BATCH, 42)):  # the first warms the caches
            meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
                "site_id": self.site_a1.id, "start": datetime(2025, 3, 3, 17, 0),
                "line_ids": [
                    Command.create({
                        "patient_id": self.patients[i % len(self.patients)].id, "decision": f"Décision {i}",
                        "responsible_id": (self.pro_gp_a1 if i % 2 else self.pro_psy_a).id,
                        "deadline": date(2025, 3, 20) if i % 3 else False,
                    })
                    for i in range(count)
                ],
            })
            self.env.invalidate_all()
            with self.assertQueryCount(budget):
                meeting.action_done()
            self.assertEqual(len(meeting.line_ids.activity_id), count)
            for line in meeting.line_ids:
                activity = line.activity_id
                self.assertEqual((activity.res_model, activity.res_id), ("microstructure.patient", line.patient_id.id))
                self.assertEqual(activity.user_id, line.responsible_id.user_id)
                self.assertEqual(activity.note, f"<p>{line.decision}</p>")
                self.assertEqual(activity.date_deadline, line.deadline or date(2025, 3, 10))
                self.assertEqual(activity.summary, "Decision of the meeting of 03/03/2025")
                self.assertIn(activity.user_id.partner_id, line.patient_id.message_partner_ids)

    def test_decisions_for_a_former_member_refused(self):
        meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "start": datetime(2025, 3, 3, 17, 0),
            "line_ids": [
                Command.create({"patient_id": patient.id, "decision": "Revoir", "responsible_id": pro.id})
                for patient, pro in zip(self.patients, (self.pro_gp_a1, self.pro_psy_a, self.pro_gp_a1))
            ],
        })
        self.env["microstructure.membership"].search([
            ("professional_id", "=", self.pro_psy_a.id), ("site_id", "=", self.site_a1.id),
        ]).date_end = date(2025, 3, 5)
        with self.assertRaisesText(UserError, "^Only the current members of the care team can follow this record"):
            meeting.with_user(self.user_gp_a1).action_done()
        self.assertFalse(meeting.line_ids.activity_id)

    def test_review_meetings_read_their_sheets_in_one_query(self):
        Meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1)
        sheets = self.env["microstructure.liaison"].with_user(self.user_gp_a1).create([
            {"patient_id": patient.id, "consent": "yes", "reason_rights": True} for patient in self.patients
        ])
        Meeting.create({"site_id": self.site_a1.id, "kind": "review", "start": datetime(2025, 3, 3, 17, 0)}).liaison_ids
        for count in (3, 30):
            meetings = Meeting.create([
                {"site_id": self.site_a1.id, "kind": "review", "start": datetime(2025, 3, 10, 17, 0) + timedelta(days=i)}
                for i in range(count)
            ]) | Meeting.create({"site_id": self.site_a1.id, "start": datetime(2025, 3, 10, 17, 0)})
            self.env.invalidate_all()
            with self.assertQueryCount(8):
                meetings.mapped("liaison_ids")
            self.assertEqual(meetings[0].liaison_ids, sheets)
            self.assertFalse(meetings[-1].liaison_ids)  # a synthesis meeting

    # REMINDERS
    def test_reminders_scheduled_in_one_batch(self):
        """The reminder of each sheet goes to its requester, all in one batch;
        a requester who left the care team is reminded of nothing."""
        Liaison = self.env["microstructure.liaison"]
        for count, budget in ((2, 100), (BATCH // 10, 31), (BATCH, 33)):  # the first warms the caches
            sheets = Liaison.browse()
            for user in (self.user_gp_a1, self.user_psy_a):
                sheets |= Liaison.with_user(user).create([
                    {"patient_id": self.patients[i % len(self.patients)].id, "consent": "undecided",
                     "reason_rights": True}
                    for i in range(count // 2)
                ])
            self.env.cr.execute(
                "UPDATE microstructure_liaison SET create_date = %s WHERE id IN %s",
                [NOW - timedelta(days=8), tuple(sheets.ids)],
            )
            self.env.invalidate_all()
            with self.assertQueryCount(budget):
                Liaison._cron_send_reminders()
            self.assertEqual(sheets.activity_ids.mapped("summary"), ["Ask the patient's consent again"] * count)
            for sheet in sheets:
                self.assertEqual(sheet.activity_ids.user_id, sheet.requester_id)
            Liaison._cron_send_reminders()
            self.assertEqual(len(sheets.activity_ids), count, "no second reminder")
        self.env["microstructure.membership"].search([
            ("professional_id", "=", self.pro_psy_a.id), ("site_id", "=", self.site_a1.id),
        ]).date_end = date(2025, 3, 5)
        sheets.activity_ids.unlink()
        Liaison._cron_send_reminders()
        self.assertEqual(sheets.activity_ids.user_id, self.user_gp_a1)
        self.assertEqual(len(sheets.activity_ids), BATCH // 2)
