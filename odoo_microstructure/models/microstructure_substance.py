from odoo import fields, models


class MicrostructureSubstance(models.Model):
    _name = "microstructure.substance"
    _description = "Substance or addictive behaviour"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_unique", "unique(name)", "This substance already exists."),
    ]
