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
    manager_ids = fields.Many2many(
        "res.users",
        "microstructure_region_manager_rel",
        "region_id",
        "user_id",
        string="Regional managers",
        help="Users who read the aggregated indicators of this region.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "The INSEE code of a region must be unique."),
    ]
