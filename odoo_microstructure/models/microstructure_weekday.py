from odoo import fields, models


class MicrostructureWeekday(models.Model):
    _name = "microstructure.weekday"
    _description = "Day of the week"
    _order = "sequence"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(required=True, help="1 for Monday to 7 for Sunday.")
