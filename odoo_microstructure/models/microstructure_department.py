from odoo import api, fields, models


class MicrostructureDepartment(models.Model):
    _name = "microstructure.department"
    _description = "French department"
    _order = "code"
    _rec_names_search = ["name", "code"]

    name = fields.Char(required=True)
    code = fields.Char(string="INSEE code", required=True)
    region_id = fields.Many2one(
        "microstructure.region", required=True, ondelete="restrict", index=True
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_unique",
            "unique(code)",
            "The INSEE code of a department must be unique.",
        ),
    ]

    @api.depends("name", "code")
    def _compute_display_name(self):
        for department in self:
            department.display_name = f"{department.code} - {department.name}"
