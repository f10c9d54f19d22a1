from odoo import fields, models


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


class SurveyQuestionAnswer(models.Model):
    _inherit = "survey.question.answer"

    microstructure_positive = fields.Boolean(
        string="Counts as positive",
        help="This answer counts in the share shown by the microstructures' indicator "
        "of the question.",
    )
