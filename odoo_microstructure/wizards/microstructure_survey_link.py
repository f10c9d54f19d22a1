from odoo import fields, models


class MicrostructureSurveyLink(models.TransientModel):
    _name = "microstructure.survey.link"
    _description = "Link to the satisfaction survey"

    url = fields.Char(string="Link", readonly=True)
