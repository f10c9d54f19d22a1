from odoo import fields, models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    microstructure_site_id = fields.Many2one(
        "microstructure.site",
        string="Microstructure",
        ondelete="restrict",
        index="btree_not_null",
        readonly=True,
        help="Site whose patient was invited to answer. The answer keeps the site "
        "only, never the patient.",
    )
