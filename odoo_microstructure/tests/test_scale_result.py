from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin, MicrostructureCommon

# PHQ-9 answers of the worked example (total 12, moderate), then the
# functioning question
PHQ9_EXAMPLE = [2, 2, 1, 2, 1, 2, 1, 1, 0]


class ScaleResultCase(MicrostructureCommon, HttpCase, JsonRpcMixin):
    """Two patients, a consultation, and the ways to fill a scale in for
    them over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_survey_manager = new_test_user(
            cls.env, login="ms_survey_manager", groups="base.group_user,survey.group_survey_manager",
            lang="en_US",
        )
        cls.phq9 = cls.env.ref("odoo_microstructure.microstructure_scale_phq9")
        cls.epices = cls.env.ref("odoo_microstructure.microstructure_scale_epices")
        cls.patient_a1 = cls.env["microstructure.patient"].with_user(cls.user_gp_a1).create({
            "name": "Scalaire", "first_names": "Anne", "birth_date": "1975-05-05",
            "sex": "female", "site_id": cls.site_a1.id,
        })
        cls.patient_b1 = cls.env["microstructure.patient"].with_user(cls.user_coord_b1).create({
            "name": "Echelle", "first_names": "Marc", "birth_date": "1980-06-06",
            "sex": "male", "site_id": cls.site_b1.id,
        })
        cls.consultation_a1 = cls.env["microstructure.consultation"].with_user(cls.user_gp_a1).create({
            "patient_id": cls.patient_a1.id, "professional_id": cls.pro_gp_a1.id,
            "start": datetime(2030, 1, 7, 9, 0),
        })

    # helpers
    def _wizard(self, user, patient, scale, how, consultation=None):
        action = getattr(patient.with_user(user), f"action_scale_{'fill' if how == 'practitioner' else 'link'}")()
        return self.env["microstructure.scale.fill"].with_user(user).with_context(**action["context"]).create({
            "scale_id": scale.id,
            "consultation_id": consultation and consultation.id,
        })

    def _answer_ids(self, scale, scores):
        questions = scale.survey_id.question_ids.sorted("sequence")
        return {
            str(question.id): question.suggested_answer_ids.filtered(lambda a, s=score: a.answer_score == s)[:1].id
            for question, score in zip(questions, scores)
        }

    def _submit(self, url, scale, answers):
        """Fill the questionnaire in over HTTP, as the browser does."""
        path = url.split("/survey/start/", 1)[1]
        survey_token, answer_token = path.split("?answer_token=")
        self.assertEqual(self.url_open(url).status_code, 200)
        self.opener.post(f"{self.base_url()}/survey/begin/{survey_token}/{answer_token}", json={})
        response = self.opener.post(
            f"{self.base_url()}/survey/submit/{survey_token}/{answer_token}",
            json={"params": {"token": answer_token, "button_submit": "next", **answers}},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("error", response.json().get("result", [{}, {}])[1] or {}, response.text)
        return self.env["survey.user_input"].search([("access_token", "=", answer_token)])

    def _fill_a1(self, scores=tuple(PHQ9_EXAMPLE)):
        wizard = self._wizard(self.user_gp_a1, self.patient_a1, self.phq9, "practitioner", self.consultation_a1)
        action = wizard.action_fill_in()
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        answers = self._answer_ids(self.phq9, list(scores) + [0])
        return self._submit(action["url"], self.phq9, answers)

    def _link_b1(self):
        wizard = self._wizard(self.user_coord_b1, self.patient_b1, self.epices, "patient")
        wizard.action_patient_link()
        self.assertIn("/survey/start/", wizard.url)
        self.authenticate(None, None)  # the patient has no login
        # oui to the complementary insurance and to the three family questions only
        scores = [0, -11.83, 0, 0, 0, 0, 0, 0, -9.47, -9.47, -7.1]
        return self._submit(wizard.url, self.epices, self._answer_ids(self.epices, scores))



@tagged("post_install", "-at_install")
class TestScaleResult(ScaleResultCase):
    """A scale filled in for a patient, by the practitioner in Odoo or by the
    patient from a link, and who reads its result and answers."""

    def test_practitioner_fills_in_during_a_consultation(self):
        user_input = self._fill_a1()
        self.assertEqual(user_input.state, "done")
        result = self.env["microstructure.scale.result"].search([("user_input_id", "=", user_input.id)])
        self.assertEqual(result.patient_id, self.patient_a1)
        self.assertEqual(result.scale_id, self.phq9)
        self.assertEqual(result.score, 12)
        self.assertEqual(result.band_id.name, "Symptômes dépressifs modérés")
        self.assertEqual(result.how, "practitioner")
        self.assertEqual(result.professional_id, self.pro_gp_a1)
        self.assertEqual(result.consultation_id, self.consultation_a1)
        self.assertTrue(result.date)
        self.assertEqual(self.patient_a1.with_user(self.user_gp_a1).scale_result_ids, result)
        # the end page thanks the patient, without a quiz percentage
        page = self.url_open(f"/survey/{self.phq9.survey_id.access_token}/{user_input.access_token}").text
        self.assertIn("o_survey_finished", page)
        self.assertIn("Merci pour vos réponses", page)
        self.assertNotIn("You scored", page)
        self.assertNotIn("Vous avez obtenu", page)

    def test_patient_fills_in_from_a_personal_link(self):
        user_input = self._link_b1()
        result = self.env["microstructure.scale.result"].search([("user_input_id", "=", user_input.id)])
        self.assertEqual(result.patient_id, self.patient_b1)
        self.assertEqual(result.score, 37.27)
        self.assertEqual(result.band_id.name, "Précaire au sens EPICES (score ≥ 30,17)")
        self.assertEqual(result.how, "patient")
        self.assertEqual(result.professional_id, self.pro_coord_b1)
        self.assertFalse(result.consultation_id)
        self.assertFalse(user_input.partner_id, "the link's answer is tied to no contact")

    def test_only_the_application_ties_an_answer_to_a_patient(self):
        survey = self.phq9.survey_id
        with self.assertRaises(AccessError):
            self.env["survey.user_input"].with_user(self.user_survey_manager).create({
                "survey_id": survey.id, "microstructure_patient_id": self.patient_a1.id,
            })
        # a wizard of another site's patient is refused
        with self.assertRaises(AccessError):
            self.env["microstructure.scale.fill"].with_user(self.user_gp_a1).create({
                "patient_id": self.patient_b1.id, "scale_id": self.phq9.id,
            })

    def test_who_reads_results_and_answers(self):
        input_a1 = self._fill_a1()
        input_b1 = self._link_b1()
        results = self.env["microstructure.scale.result"].search([])
        result_a1 = results.filtered(lambda r: r.patient_id == self.patient_a1)
        result_b1 = results.filtered(lambda r: r.patient_id == self.patient_b1)
        lines_a1, lines_b1 = input_a1.user_input_line_ids, input_b1.user_input_line_ids
        self.assertTrue(result_a1 and result_b1 and lines_a1 and lines_b1)
        records = {
            "microstructure.scale.result": (result_a1, result_b1),
            "survey.user_input": (input_a1, input_b1),
            "survey.user_input.line": (lines_a1, lines_b1),
        }
        expected = {
            self.user_gp_a1: "a1", self.user_psy_a: "a1", self.user_coord_b1: "b1",
            self.user_admin_a: None, self.user_regional_ge: None, self.user_carsat: None,
            self.user_survey_manager: None, self.user_manager: None,
        }
        for user, sees in expected.items():
            self.authenticate(user.login, user.login)
            for model, (of_a1, of_b1) in records.items():
                all_ids = (of_a1 | of_b1).ids
                response = self._call(model, "search_read", [("id", "in", all_ids)], fields=["id"])
                got = {row["id"] for row in response.get("result", [])}
                want = set({"a1": of_a1, "b1": of_b1}[sees].ids) if sees else set()
                self.assertEqual(got, want, f"{user.login} reads {model}")
                count = self._call(model, "search_count", [("id", "in", all_ids)]).get("result", 0)
                self.assertEqual(count, len(want), f"{user.login} counts {model}")
                hidden = of_b1 if sees == "a1" else of_a1
                response = self._call(model, "read", hidden.ids, ["id"])
                self.assertIn("error", response, f"{user.login} reads {model} of another team")

    def test_satisfaction_answers_keep_their_rules(self):
        self.patient_a1.with_user(self.user_gp_a1).action_survey_link()
        survey = self.env.ref("odoo_microstructure.survey_satisfaction")
        answer = self.env["survey.user_input"].search([("survey_id", "=", survey.id)], order="id desc", limit=1)
        self.assertFalse(answer.microstructure_clinical)
        self.assertEqual(
            self.env["survey.user_input"].with_user(self.user_survey_manager).search([("id", "=", answer.id)]),
            answer,
        )
        # the practitioners read the answers to the scales only
        self.assertFalse(
            self.env["survey.user_input"].with_user(self.user_gp_a1).search([("id", "=", answer.id)])
        )

    def test_statistics_of_a_scale_show_no_answer_outside_the_team(self):
        self._fill_a1()
        survey = self.phq9.survey_id
        self.authenticate(self.user_survey_manager.login, self.user_survey_manager.login)
        outside = self.url_open(f"/survey/results/{survey.id}")
        self.assertEqual(outside.status_code, 200)
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        self.user_gp_a1.groups_id = [(4, self.env.ref("survey.group_survey_user").id)]
        inside = self.url_open(f"/survey/results/{survey.id}")
        self.assertEqual(inside.status_code, 200)
        # the member's page counts the answer chosen on each item and the mean
        # score; the outsider's page shows no answer, no count and no score
        chosen = "&#34;count&#34;: 1"
        self.assertIn(chosen, inside.text)
        self.assertIn("44.44%", inside.text)
        self.assertIn("survey_data_question_", inside.text)
        self.assertNotIn(chosen, outside.text)
        self.assertNotIn("44.44%", outside.text)
        self.assertNotIn("survey_data_question_", outside.text)

    def test_the_questionnaire_of_a_scale_is_changed_by_network_administrators_only(self):
        survey = self.phq9.survey_id
        answer = survey.question_ids[0].suggested_answer_ids[-1]
        for model, record, vals in (
            ("survey.question.answer", answer, {"answer_score": 30}),
            ("survey.question", survey.question_ids[0], {"title": "Autre item"}),
            ("survey.survey", survey, {"scoring_type": "no_scoring"}),
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.user_survey_manager).browse(record.id).write(vals)
        with self.assertRaises(AccessError):
            self.env["survey.question.answer"].with_user(self.user_survey_manager).create({
                "question_id": survey.question_ids[0].id, "value": "Toujours", "answer_score": 9,
            })
        with self.assertRaises(AccessError):
            answer.with_user(self.user_survey_manager).unlink()
        self.assertEqual(answer.answer_score, 3)
        # other surveys are the survey managers' as before
        satisfaction = self.env.ref("odoo_microstructure.survey_satisfaction")
        satisfaction.with_user(self.user_survey_manager).question_ids[1].title = "Question"
        # a network administrator who manages surveys changes a scale
        self.user_admin_a.groups_id = [(4, self.env.ref("survey.group_survey_manager").id)]
        answer.with_user(self.user_admin_a).answer_score = 3

    def test_the_patient_export_lists_the_results(self):
        self._fill_a1()
        scales = self.patient_a1.with_user(self.user_gp_a1)._get_export_scales()
        self.assertEqual(len(scales), 1)
        self.assertEqual(scales[0]["score"], 12)
        self.assertEqual(scales[0]["interpretation"], "Symptômes dépressifs modérés")
        self.assertEqual(scales[0]["administered_by"], "Dr Claire Martin")
