from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import MicrostructureCommon
from .test_scale_result import ScaleResultCase

INCLUSION = date(2031, 3, 3)


@tagged("post_install", "-at_install")
class TestScaleSchedule(MicrostructureCommon):
    """The scales shipped in the schedule fall due at inclusion, 6 and 12
    months for the motives and substances of each followed patient: the team
    gets one activity per scale due, closed by the result."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.scale_due = ref("odoo_microstructure.mail_activity_type_scale_due")
        cls.audit = ref("odoo_microstructure.microstructure_scale_audit")
        cls.ftnd = ref("odoo_microstructure.microstructure_scale_ftnd")
        cls.phq9 = ref("odoo_microstructure.microstructure_scale_phq9")
        cls.gad7 = ref("odoo_microstructure.microstructure_scale_gad7")
        cls.alcohol = ref("odoo_microstructure.substance_alcohol")
        cls.tobacco = ref("odoo_microstructure.substance_tobacco")
        cls.Schedule = cls.env["microstructure.scale.schedule"]

    def _patient(self, site, name, **vals):
        return self.env["microstructure.patient"].create({
            "name": name, "first_names": "Jeanne", "birth_date": "1970-01-01", "sex": "female",
            "site_id": site.id, "inclusion_date": INCLUSION, **vals,
        })

    def _patient_a1(self, name="Planifiee"):
        """Followed at A1 by its GP for alcohol, tobacco and mental health."""
        return self._patient(
            self.site_a1, name, gp_id=self.pro_gp_a1.id, motive_addiction=True, motive_mental_health=True,
            substance_ids=[Command.set((self.alcohol | self.tobacco).ids)],
        )

    def _activities(self, patients, active=True):
        return self.env["mail.activity"].with_context(active_test=False).search([
            ("res_model", "=", "microstructure.patient"), ("res_id", "in", patients.ids),
            ("activity_type_id", "=", self.scale_due.id), ("active", "in", [active]),
        ])

    def _fill(self, patient, scale):
        """A result of ``scale`` for ``patient`` today, as a completed questionnaire gives it."""
        user_input = self.env["survey.user_input"].create({
            "survey_id": scale.survey_id.id, "microstructure_patient_id": patient.id,
            "microstructure_how": "practitioner",
        })
        user_input._mark_done()
        return self.env["microstructure.scale.result"].search([("user_input_id", "=", user_input.id)])

    def test_shipped_schedule(self):
        lines = self.Schedule.search([("scale_id", "=", self.audit.id)])
        self.assertEqual(lines.mapped("months"), [0, 6, 12])
        self.assertEqual(lines.substance_id, self.alcohol)
        self.assertEqual(set(self.Schedule.search([]).scale_id.mapped("code")),
                         {"AUDIT", "FTND", "CAST", "PHQ-9", "GAD-7", "EPICES"})
        self.assertEqual(self.Schedule.search_count([]), 18)
        with self.assertRaises(ValidationError):
            lines[0].motive = "precarity"
        # managed by the network administrators, read by the care team
        self.assertTrue(self.Schedule.with_user(self.user_gp_a1).search_count([]))
        with self.assertRaises(AccessError):
            self.Schedule.with_user(self.user_gp_a1).create({"scale_id": self.audit.id, "motive": "addiction"})
        self.Schedule.with_user(self.user_admin_a).create({"scale_id": self.gad7.id, "motive": "precarity", "months": 3})

    def test_inclusion_six_months_not_twice(self):
        with freeze_time(INCLUSION):
            patient = self._patient_a1()
            mails_before = self.env["mail.mail"].search_count([])
            activities = self.Schedule._cron_schedule_due_scales()
            self.assertEqual(activities, self._activities(patient))
            # its substances (alcohol, tobacco: not cannabis) and its motive (not precarity)
            self.assertEqual(activities.microstructure_scale_id, self.audit | self.ftnd | self.phq9 | self.gad7)
            self.assertEqual(len(activities), 4)
            self.assertEqual(activities.user_id, self.user_gp_a1)
            self.assertEqual(set(activities.mapped("date_deadline")), {INCLUSION})
            self.assertIn("Scale due: AUDIT", activities.mapped("summary"))
            for activity in activities:
                self.assertNotIn(patient.name, activity.summary + str(activity.note) + activity.res_name)
            self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
            # not twice, even once done without a result
            self.assertFalse(self.Schedule._cron_schedule_due_scales())
            activities.filtered(lambda a: a.microstructure_scale_id == self.gad7).with_user(self.user_gp_a1).action_done()
            self.assertFalse(self.Schedule._cron_schedule_due_scales())
            self.assertEqual(len(self._activities(patient)), 3)
        # 5 months later, nothing new
        with freeze_time(INCLUSION + relativedelta(months=5)):
            self.assertFalse(self.Schedule._cron_schedule_due_scales())
        # at 6 months, again: the open inclusion activities stay as they are
        six_months = INCLUSION + relativedelta(months=6)
        with freeze_time(six_months):
            self._fill(patient, self.phq9)
            activities = self.Schedule._cron_schedule_due_scales()
            self.assertEqual(len(activities), 3, "the PHQ-9 filled in today counts for its 6-month occurrence")
            self.assertEqual(set(activities.mapped("date_deadline")), {six_months})
            self.assertEqual(activities.microstructure_scale_id, self.audit | self.ftnd | self.gad7)
            self.assertFalse(self.Schedule._cron_schedule_due_scales())

    def test_result_closes_the_activity(self):
        with freeze_time(INCLUSION):
            patient, other = self._patient_a1(), self._patient_a1("Autre")
            self.Schedule._cron_schedule_due_scales()
            result = self._fill(patient, self.audit)
            self.assertEqual(result.scale_id, self.audit)
            done = self._activities(patient, active=False)
            self.assertEqual(done.microstructure_scale_id, self.audit)
            self.assertEqual(done.date_done, INCLUSION)
            self.assertEqual(self._activities(patient).microstructure_scale_id, self.ftnd | self.phq9 | self.gad7)
            # the other patient's AUDIT stays to do
            self.assertEqual(len(self._activities(other)), 4)

    def test_tolerance_and_catch_up(self):
        """A result 30 days before the due date counts for it; an occurrence due
        for more than 90 days is not asked any more; only the last one is."""
        with freeze_time(INCLUSION + relativedelta(months=6, days=-30)):
            patient = self._patient_a1()
            self._fill(patient, self.audit)
        with freeze_time(INCLUSION + relativedelta(months=6)):
            activities = self.Schedule._cron_schedule_due_scales()
            self.assertEqual(activities.microstructure_scale_id, self.ftnd | self.phq9 | self.gad7)
            self.assertEqual(set(activities.mapped("date_deadline")), {INCLUSION + relativedelta(months=6)})
        with freeze_time(INCLUSION + relativedelta(months=12, days=91)):
            self.assertFalse(self.Schedule._cron_schedule_due_scales())

    def test_other_sites_and_patients(self):
        """Without a GP of its team, the site's coordinators; exited patients
        and the motives of another schedule get nothing."""
        with freeze_time(INCLUSION):
            patient_a1 = self._patient_a1()
            patient_b1 = self._patient(self.site_b1, "Ailleurs", motive_mental_health=True)
            patient_a2 = self._patient(self.site_a2, "Sans motif", gp_id=self.pro_gp_a1.id)
            exited = self._patient(self.site_b1, "Sortie", motive_precarity=True)
            exited.write({"state": "exited", "exit_date": INCLUSION, "exit_reason": "moved"})
            self.Schedule._cron_schedule_due_scales()
            activities_b1 = self._activities(patient_b1)
            self.assertEqual(activities_b1.microstructure_scale_id, self.phq9 | self.gad7)
            self.assertEqual(activities_b1.user_id, self.user_coord_b1)
            self.assertFalse(self._activities(patient_a2 | exited))
            # the result of A1's patient closes nothing at B1
            self._fill(patient_a1, self.phq9)
            self.assertEqual(self._activities(patient_b1), activities_b1)
            # nobody outside the team reads them
            found = self.env["mail.activity"].with_user(self.user_gp_a1).search([
                ("activity_type_id", "=", self.scale_due.id),
            ])
            self.assertFalse(found & activities_b1)

    def test_queries_do_not_grow_with_the_patients(self):
        with freeze_time(INCLUSION):
            self.Schedule._cron_schedule_due_scales()
            self._patient_a1()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.assertEqual(len(self.Schedule._cron_schedule_due_scales()), 4)
            for_one = self.env.cr.sql_log_count - before
            for number in range(20):
                self._patient_a1(f"Patient {number}")
            self.env.invalidate_all()
            with self.assertQueryCount(for_one):
                self.assertEqual(len(self.Schedule._cron_schedule_due_scales()), 80)


@tagged("post_install", "-at_install")
class TestScaleScheduleLink(ScaleResultCase):
    """The result filled in by the patient from its link, without a login,
    closes the activity of the scale due."""

    def test_patient_link_closes_the_activity(self):
        self.patient_b1.motive_precarity = True
        activity = self.env["microstructure.scale.schedule"]._cron_schedule_due_scales()
        self.assertEqual(activity.microstructure_scale_id, self.epices)
        self.assertEqual(activity.user_id, self.user_coord_b1)
        self._link_b1()
        self.assertFalse(activity.active)
        self.assertTrue(activity.date_done)
