from odoo.tests import tagged

from .test_scale_result import PHQ9_EXAMPLE, ScaleResultCase

# the worked example with "several days" (1) to item 9: thoughts of death or
# self-harm
PHQ9_ALERT = PHQ9_EXAMPLE[:8] + [1]


@tagged("post_install", "-at_install")
class TestScaleAlert(ScaleResultCase):
    """A PHQ-9 item 9 answer above 0 raises a safety alert at once: an urgent
    activity for the patient's GP and the team's psychiatrists and
    psychologists, and a warning on the file that names no patient outside
    the team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_a1.with_user(cls.user_gp_a1).gp_id = cls.pro_gp_a1
        cls.alert_type = cls.env.ref("odoo_microstructure.mail_activity_type_safety_alert")

    def _alerts(self, patient):
        return self.env["mail.activity"].search([
            ("res_model", "=", "microstructure.patient"), ("res_id", "=", patient.id),
            ("activity_type_id", "=", self.alert_type.id),
        ])

    def _result(self, user_input):
        return self.env["microstructure.scale.result"].search([("user_input_id", "=", user_input.id)])

    def test_no_alert_when_item_9_is_0(self):
        result = self._result(self._fill_a1())
        self.assertEqual(result.score, 12)
        self.assertFalse(result.safety_alert)
        self.assertFalse(self._alerts(self.patient_a1))
        self.assertFalse(self.patient_a1.with_user(self.user_gp_a1).safety_alert)

    def test_alert_for_the_gp_and_the_psychologists(self):
        mails_before = self.env["mail.mail"].sudo().search_count([])
        result = self._result(self._fill_a1(PHQ9_ALERT))
        self.assertEqual(result.score, 13)
        self.assertTrue(result.safety_alert)
        alerts = self._alerts(self.patient_a1)
        # the GP of the patient and the psychologist of site A1 (the
        # psychiatrist of A2 is not of its team); no e-mail
        self.assertEqual(alerts.user_id, self.user_gp_a1 | self.user_psy_a)
        self.assertEqual(set(alerts.mapped("date_deadline")), {result.date})
        # in the language of the request that completed it
        self.assertEqual(len(set(alerts.mapped("summary"))), 1)
        self.assertIn(alerts[0].summary, ("Alerte de sécurité : PHQ-9", "Safety alert: PHQ-9"))
        for alert in alerts:
            self.assertNotIn(self.patient_a1.name, alert.summary + str(alert.note))
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), mails_before)
        # the warning on the file, for its team
        for user in (self.user_gp_a1, self.user_psy_a):
            self.assertTrue(self.patient_a1.with_user(user).safety_alert)
        # done by both: the warning goes
        alerts.with_user(self.user_gp_a1).filtered(lambda a: a.user_id == self.user_gp_a1).action_done()
        self.assertTrue(self.patient_a1.with_user(self.user_gp_a1).safety_alert)
        alerts.exists().with_user(self.user_psy_a).action_done()
        self.patient_a1.invalidate_recordset(["safety_alert"])
        self.assertFalse(self.patient_a1.with_user(self.user_gp_a1).safety_alert)

    def test_alert_from_the_patient_link(self):
        """Filled in by the patient, without a login: the alert goes to the
        team of its site (no psychologist there: the whole team)."""
        wizard = self._wizard(self.user_coord_b1, self.patient_b1, self.phq9, "patient")
        wizard.action_patient_link()
        self.authenticate(None, None)
        user_input = self._submit(wizard.url, self.phq9, self._answer_ids(self.phq9, [0] * 8 + [3] + [0]))
        result = self._result(user_input)
        self.assertEqual((result.score, result.safety_alert), (3, True))
        self.assertEqual(self._alerts(self.patient_b1).user_id, self.user_coord_b1)

    def test_nobody_outside_the_team_sees_the_alert(self):
        self._fill_a1(PHQ9_ALERT)
        alerts = self._alerts(self.patient_a1)
        self.assertTrue(alerts)
        for user in (self.user_coord_b1, self.user_admin_a, self.user_regional_ge, self.user_carsat,
                     self.user_survey_manager):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                found = self._call("mail.activity", "search_read",
                                   [("activity_type_id", "=", self.alert_type.id)], ["res_name", "summary", "note"])
                self.assertNotIn(self.patient_a1.name, str(found))
                self.assertFalse({row["id"] for row in found.get("result", [])} & set(alerts.ids))
                read = self._call("microstructure.patient", "read", [self.patient_a1.id], ["safety_alert"])
                self.assertIn("error", read)
                self.assertNotIn(self.patient_a1.name, str(read))
