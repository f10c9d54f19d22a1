from odoo import api, fields, models
from odoo.exceptions import AccessError

NETWORK_ADMIN = "odoo_microstructure.group_microstructure_network_admin"


def check_clinical_survey_change(records, surveys):
    """Only the network administrators change the questionnaire of a
    validated scale: an item or a score changed elsewhere would change its
    results."""
    env = records.env
    if env.su or env.user.has_group(NETWORK_ADMIN):
        return
    # sudo: whether the surveys are the questionnaires of scales decides, whoever reads them
    if any(surveys.sudo().mapped("microstructure_clinical")):
        raise AccessError(env._(
            "The questionnaire of a validated scale is changed by the network administrators only."
        ))


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    microstructure_indicator = fields.Selection(
        [
            ("never_social_worker", "Had never seen a social worker"),
            ("never_psychiatrist", "Had never seen a psychiatrist"),
            ("never_psychologist", "Had never seen a psychologist"),
            ("quality_of_life", "Quality of life improved"),
            ("consumption", "Better management of consumption"),
            ("recommend", "Would recommend the microstructure"),
        ],
        string="Microstructure indicator",
        copy=False,
        help="Indicator of the microstructures' reports that this question feeds: "
        "the share of the answers marked positive.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        surveys = self.env["survey.survey"].browse(
            {vals["survey_id"] for vals in vals_list if isinstance(vals.get("survey_id"), int)}
        )
        check_clinical_survey_change(self, surveys)
        return super().create(vals_list)

    def write(self, vals):
        surveys = self.sudo().survey_id
        if isinstance(vals.get("survey_id"), int):
            surveys |= surveys.browse(vals["survey_id"])
        check_clinical_survey_change(self, surveys)
        return super().write(vals)

    def unlink(self):
        check_clinical_survey_change(self, self.sudo().survey_id)
        return super().unlink()


class SurveyQuestionAnswer(models.Model):
    _inherit = "survey.question.answer"

    microstructure_positive = fields.Boolean(
        string="Counts as positive",
        help="This answer counts in the share shown by the microstructures' indicator "
        "of the question.",
    )

    def _get_microstructure_surveys(self):
        # sudo: the survey of the answers, to know whether it is a scale's
        records = self.sudo()
        return records.question_id.survey_id | records.matrix_question_id.survey_id

    @api.model_create_multi
    def create(self, vals_list):
        question_ids = {
            vals.get(name) for vals in vals_list for name in ("question_id", "matrix_question_id")
            if isinstance(vals.get(name), int)
        }
        check_clinical_survey_change(self, self.env["survey.question"].sudo().browse(question_ids).survey_id)
        return super().create(vals_list)

    def write(self, vals):
        check_clinical_survey_change(self, self._get_microstructure_surveys())
        return super().write(vals)

    def unlink(self):
        check_clinical_survey_change(self, self._get_microstructure_surveys())
        return super().unlink()
