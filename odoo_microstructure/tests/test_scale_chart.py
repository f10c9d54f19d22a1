from odoo.tests import tagged

from .test_scale_result import ScaleResultCase


@tagged("post_install", "-at_install")
class TestScaleChart(ScaleResultCase):
    """The graphs of the scale results in the patient file: the data the
    widget gets, and to whom."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.audit_c = cls.env.ref("odoo_microstructure.microstructure_scale_audit_c")

    def _result(self, patient, scale, day, score):
        # as the completion of a questionnaire records it
        user_input = scale.survey_id._create_answer(
            user=False, check_attempts=False, microstructure_patient_id=patient.id,
        )
        return self.env["microstructure.scale.result"].create({
            "patient_id": patient.id, "scale_id": scale.id, "date": day, "score": score,
            "band_id": scale._band(score, patient.sex).id, "user_input_id": user_input.id,
            "how": "practitioner",
        })

    def _chart_data(self, user, patient):
        self.authenticate(user.login, user.login)
        return self._call(
            "microstructure.patient", "web_read", [patient.id], specification={"scale_chart_data": {}},
        )

    def test_points_in_date_order_and_thresholds_of_the_bands(self):
        self._result(self.patient_a1, self.phq9, "2030-03-02", 8)
        self._result(self.patient_a1, self.audit_c, "2030-01-15", 4)
        self._result(self.patient_a1, self.phq9, "2030-01-10", 16)
        self._result(self.patient_a1, self.phq9, "2030-02-05", 12)
        response = self._chart_data(self.user_psy_a, self.patient_a1)
        charts = response["result"][0]["scale_chart_data"]
        # one graph per scale with results, in the order of the scales
        self.assertEqual([chart["code"] for chart in charts], ["AUDIT-C", "PHQ-9"])
        audit_c, phq9 = charts
        self.assertEqual(
            [(point["date"], point["score"]) for point in phq9["points"]],
            [("2030-01-10", 16), ("2030-02-05", 12), ("2030-03-02", 8)],
        )
        self.assertEqual(
            [point["band"] for point in phq9["points"]],
            ["Symptômes dépressifs modérément sévères", "Symptômes dépressifs modérés",
             "Symptômes dépressifs légers"],
        )
        self.assertEqual((phq9["min"], phq9["max"], phq9["digits"]), (0, 27, 0))
        self.assertEqual(
            [(threshold["score"], threshold["band"]) for threshold in phq9["thresholds"]],
            [(0, "Symptômes dépressifs minimes"), (5, "Symptômes dépressifs légers"),
             (10, "Symptômes dépressifs modérés"), (15, "Symptômes dépressifs modérément sévères"),
             (20, "Symptômes dépressifs sévères")],
        )
        # AUDIT-C: the bands of a woman
        self.assertEqual(
            [(threshold["score"], threshold["band"]) for threshold in audit_c["thresholds"]],
            [(0, "Pas de mésusage évoqué"), (3, "Mésusage actuel d'alcool à évoquer"),
             (10, "Dépendance à l'alcool probable")],
        )
        self.assertEqual(audit_c["points"], [
            {"date": "2030-01-15", "score": 4, "band": "Mésusage actuel d'alcool à évoquer"},
        ])

    def test_sex_specific_thresholds_follow_the_patient(self):
        self._result(self.patient_b1, self.audit_c, "2030-01-15", 3)
        response = self._chart_data(self.user_coord_b1, self.patient_b1)
        (audit_c,) = response["result"][0]["scale_chart_data"]
        # AUDIT-C: the bands of a man
        self.assertEqual([threshold["score"] for threshold in audit_c["thresholds"]], [0, 4, 10])
        self.assertEqual(audit_c["points"][0]["band"], "Pas de mésusage évoqué")

    def test_a_patient_without_results_has_no_graph(self):
        response = self._chart_data(self.user_psy_a, self.patient_a1)
        self.assertFalse(response["result"][0]["scale_chart_data"])

    def test_nobody_outside_the_team_gets_the_data(self):
        self._result(self.patient_a1, self.phq9, "2030-01-10", 16)
        for user in (self.user_coord_b1, self.user_admin_a, self.user_regional_ge, self.user_carsat,
                     self.user_survey_manager, self.user_manager):
            for method, args, kwargs in (
                ("web_read", [[self.patient_a1.id]], {"specification": {"scale_chart_data": {}}}),
                ("read", [[self.patient_a1.id], ["scale_chart_data"]], {}),
                ("onchange", [[self.patient_a1.id], {}, [], {"scale_chart_data": {}}], {}),
            ):
                self.authenticate(user.login, user.login)
                response = self._call("microstructure.patient", method, *args, **kwargs)
                self.assertNotIn("result", response, f"{user.login} {method}")
                self.assertEqual(
                    response["error"]["data"]["name"], "odoo.exceptions.AccessError", f"{user.login} {method}",
                )
                self.assertNotIn("Symptômes", str(response), f"{user.login} {method}")
