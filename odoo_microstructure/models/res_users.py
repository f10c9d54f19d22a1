from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    microstructure_professional_ids = fields.One2many(
        "microstructure.professional", "user_id", string="Professional records"
    )
    microstructure_network_ids = fields.Many2many(
        "microstructure.network",
        "microstructure_network_coordinator_rel",
        "user_id",
        "network_id",
        string="Coordinated networks",
        help="Networks this user administers.",
    )
    microstructure_region_ids = fields.Many2many(
        "microstructure.region",
        "microstructure_region_manager_rel",
        "user_id",
        "region_id",
        string="Managed regions",
        help="Regions whose aggregated indicators this regional manager reads.",
    )
    microstructure_social_service_ids = fields.Many2many(
        "microstructure.social.service",
        "microstructure_social_service_user_rel",
        "user_id",
        "social_service_id",
        string="Social service offices",
        help="Offices whose liaison sheets this Carsat social worker handles.",
    )
    microstructure_site_ids = fields.Many2many(
        "microstructure.site",
        compute="_compute_microstructure_site_ids",
        string="Care teams",
        help="Sites where the user is an active member of the care team.",
    )

    def _compute_microstructure_site_ids(self):
        # Read as superuser: record rules call this to know the user's own
        # care teams, which the memberships rule itself depends on.
        memberships = self.env["microstructure.membership"].sudo()
        groups = memberships._read_group(
            memberships._get_current_domain() + [("user_id", "in", self.ids)],
            ["user_id"],
            ["site_id:array_agg"],
        )
        sites = {user.id: site_ids for user, site_ids in groups}
        for user in self:
            user.microstructure_site_ids = [
                fields.Command.set(sites.get(user.id, []))
            ]

    @api.model
    def _invalidate_microstructure_access(self):
        """Forget the computed fields that tell who belongs to which care team,
        after a change of membership, login or profession.

        Record rules need nothing: they find the care teams in SQL at each
        query and their cached domains hold no site id. Only the values
        computed earlier in the current transaction would be stale."""
        self.env["res.users"].invalidate_model(["microstructure_site_ids"])
        self.env["microstructure.site"].invalidate_model(["care_team_user_ids"])
        self.env["microstructure.patient.note"].invalidate_model(["reader_ids"])
        self.env["microstructure.access.log"].invalidate_model(["coordinated"])
