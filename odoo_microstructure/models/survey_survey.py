from odoo import api, fields, models

from .survey_question import check_clinical_survey_change

# what makes the score of a scale's questionnaire
SCORING_FIELDS = {"scoring_type", "question_and_page_ids", "question_ids", "page_ids"}


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    microstructure_scale_ids = fields.One2many(
        "microstructure.scale", "survey_id", string="Validated scales",
        context={"active_test": False},
    )
    microstructure_clinical = fields.Boolean(
        string="Clinical scale",
        compute="_compute_microstructure_clinical",
        store=True,
        help="Questionnaire of a validated scale: its answers belong to the care team of "
        "the patient, and nobody else reads them, survey managers included.",
    )

    @api.depends("microstructure_scale_ids")
    def _compute_microstructure_clinical(self):
        for survey in self:
            # sudo: whether a scale uses the survey decides who reads its answers
            survey.microstructure_clinical = bool(survey.sudo().microstructure_scale_ids)

    def write(self, vals):
        if SCORING_FIELDS & set(vals):
            check_clinical_survey_change(self, self)
        return super().write(vals)
