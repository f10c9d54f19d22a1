from odoo import fields, models


class MicrostructureRegion(models.Model):
    _name = "microstructure.region"
    _description = "French region"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(string="INSEE code", required=True)
    overseas = fields.Boolean(help="Overseas region (région d'outre-mer).")
    department_ids = fields.One2many(
        "microstructure.department", "region_id", string="Departments"
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "The INSEE code of a region must be unique."),
    ]
