from odoo import api, fields, models


class MicrostructureSocialService(models.Model):
    """An office of the Assurance Maladie social service (run by the Carsat)."""

    _name = "microstructure.social.service"
    _description = "Social service office"
    _inherit = ["mail.thread", "microstructure.input.check"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    email = fields.Char(required=True, tracking=True, help="Address the liaison sheets are sent to.")
    phone = fields.Char()
    department_ids = fields.Many2many(
        "microstructure.department", string="Departments covered", required=True
    )
    region_id = fields.Many2one(
        "microstructure.region", compute="_compute_region_id", store=True
    )
    user_ids = fields.Many2many(
        "res.users",
        "microstructure_social_service_user_rel",
        "social_service_id",
        "user_id",
        string="Social workers",
        domain=[("share", "=", False)],
        help="Carsat social workers who handle the sheets sent to this office.",
    )
    active = fields.Boolean(default=True)

    @api.depends("department_ids.region_id")
    def _compute_region_id(self):
        for office in self:
            office.region_id = office.department_ids.region_id[:1]
