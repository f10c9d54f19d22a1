from odoo import api, fields, models


class MicrostructureNetwork(models.Model):
    _name = "microstructure.network"
    _description = "Regional network of microstructures"
    _inherit = ["mail.thread", "mail.activity.mixin", "microstructure.input.check"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(help="Short name of the network, e.g. RMS Alsace.")
    region_ids = fields.Many2many(
        "microstructure.region",
        string="Regions",
        required=True,
        tracking=True,
    )
    coordinator_ids = fields.Many2many(
        "res.users",
        "microstructure_network_coordinator_rel",
        "network_id",
        "user_id",
        string="Coordinators",
        domain=[("share", "=", False)],
        help="Network administrators: they configure the sites, professionals "
        "and memberships of this network.",
    )
    site_ids = fields.One2many("microstructure.site", "network_id", string="Sites")
    site_count = fields.Integer(compute="_compute_counts", string="Number of sites")
    professional_count = fields.Integer(
        compute="_compute_counts",
        string="Number of professionals",
        help="Professionals with an active membership in a site of the network.",
    )
    email = fields.Char()
    phone = fields.Char()
    note = fields.Html()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_unique", "unique(name)", "A network with this name already exists."),
    ]

    @api.depends("site_ids", "site_ids.membership_ids")
    def _compute_counts(self):
        site_counts = dict(
            self.env["microstructure.site"]._read_group(
                [("network_id", "in", self.ids)], ["network_id"], ["__count"]
            )
        )
        professional_counts = dict(
            self.env["microstructure.membership"]._read_group(
                self.env["microstructure.membership"]._get_current_domain()
                + [("site_id.network_id", "in", self.ids)],
                ["network_id"],
                ["professional_id:count_distinct"],
            )
        )
        for network in self:
            network.site_count = site_counts.get(network, 0)
            network.professional_count = professional_counts.get(network, 0)

    def action_view_sites(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_site_action"
        )
        action["domain"] = [("network_id", "=", self.id)]
        action["context"] = {"default_network_id": self.id}
        return action

    def action_view_professionals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_professional_action"
        )
        action["domain"] = [
            ("membership_ids", "any", [
                ("network_id", "=", self.id), ("is_current", "=", True),
            ]),
        ]
        action["context"] = {"default_network_ids": [self.id]}
        return action
