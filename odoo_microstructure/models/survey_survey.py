from odoo import api, fields, models


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
