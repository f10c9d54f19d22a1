from odoo import fields, models

from .microstructure_scale import SEXES


class MicrostructureScaleBand(models.Model):
    _name = "microstructure.scale.band"
    _description = "Band of a validated scale"
    _order = "scale_id, sex, sequence, id"

    scale_id = fields.Many2one(
        "microstructure.scale", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    min_score = fields.Float(string="From", digits=(10, 2), required=True)
    max_score = fields.Float(string="To", digits=(10, 2), required=True)
    sex = fields.Selection(SEXES, help="Empty when the band applies to both sexes.")
    name = fields.Char(string="Interpretation", required=True)
    above_threshold = fields.Boolean(
        string="At or above the threshold",
        help="The band lies at or above the scale's clinical threshold: the outcome indicators count the "
        "patients who move from such a band to a band below it.",
    )

    _sql_constraints = [
        ("range_check", "CHECK(min_score <= max_score)", "A band must start before it ends."),
    ]

