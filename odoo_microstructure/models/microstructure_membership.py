from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MicrostructureMembership(models.Model):
    _name = "microstructure.membership"
    _description = "Membership of a professional in a site"
    _inherit = ["mail.thread"]
    _order = "site_id, profession, date_start desc"

    professional_id = fields.Many2one(
        "microstructure.professional",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    site_id = fields.Many2one(
        "microstructure.site",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    network_id = fields.Many2one(
        related="site_id.network_id", store=True, index=True, string="Network"
    )
    region_id = fields.Many2one(
        related="site_id.region_id", store=True, string="Region"
    )
    profession = fields.Selection(
        related="professional_id.profession", store=True, index=True
    )
    user_id = fields.Many2one(related="professional_id.user_id", store=True, index=True)
    role = fields.Selection(
        [("member", "Team member"), ("coordinator", "Site coordinator")],
        required=True,
        default="member",
        tracking=True,
    )
    date_start = fields.Date(
        string="Start date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="End date", tracking=True)
    is_current = fields.Boolean(
        compute="_compute_is_current",
        search="_search_is_current",
        string="Current",
        help="The membership has started and has not ended: the professional "
        "belongs to the care team of the site.",
    )
    active = fields.Boolean(default=True)

    @api.model
    def _get_current_domain(self, date=None):
        """Domain of the memberships in force on ``date`` (default: today)."""
        date = date or fields.Date.context_today(self)
        return [
            ("active", "=", True),
            ("date_start", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]

    @api.depends("date_start", "date_end", "active")
    @api.depends_context("tz")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for membership in self:
            membership.is_current = (
                membership.active
                and membership.date_start <= today
                and (not membership.date_end or membership.date_end >= today)
            )

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on Current."))
        domain = self._get_current_domain()
        if (operator == "=") == value:
            return domain
        return ["!", *domain]

    @api.model
    def _get_records_action_for(self, field_name, record):
        """Window action listing the memberships whose ``field_name`` is ``record``."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_membership_action"
        )
        action["domain"] = [(field_name, "=", record.id)]
        action["context"] = {f"default_{field_name}": record.id}
        return action

    @api.depends("professional_id", "site_id")
    def _compute_display_name(self):
        for membership in self:
            membership.display_name = (
                f"{membership.professional_id.name or ''} - "
                f"{membership.site_id.name or ''}"
            )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for membership in self:
            if membership.date_end and membership.date_end < membership.date_start:
                raise ValidationError(
                    self.env._(
                        "The membership of %(professional)s in %(site)s cannot end "
                        "(%(end)s) before it starts (%(start)s).",
                        professional=membership.professional_id.name,
                        site=membership.site_id.name,
                        start=membership.date_start,
                        end=membership.date_end,
                    )
                )

    @api.constrains("professional_id", "site_id", "date_start", "date_end", "active")
    def _check_overlap(self):
        for membership in self.filtered("active"):
            domain = [
                ("id", "!=", membership.id),
                ("professional_id", "=", membership.professional_id.id),
                ("site_id", "=", membership.site_id.id),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", membership.date_start),
            ]
            if membership.date_end:
                domain.append(("date_start", "<=", membership.date_end))
            if self.search_count(domain, limit=1):
                raise ValidationError(
                    self.env._(
                        "%(professional)s is already a member of %(site)s over "
                        "these dates.",
                        professional=membership.professional_id.name,
                        site=membership.site_id.name,
                    )
                )

    # Record rules read the memberships of the user through ir.rule, whose
    # domains are cached per user: any change must drop that cache so that
    # access follows the care team at the very next request.
    @api.model
    def _invalidate_access_cache(self):
        self.env.registry.clear_cache()
        self.env["res.users"].invalidate_model(["microstructure_site_ids"])

    @api.model_create_multi
    def create(self, vals_list):
        memberships = super().create(vals_list)
        self._invalidate_access_cache()
        return memberships

    def write(self, vals):
        result = super().write(vals)
        self._invalidate_access_cache()
        if "site_id" in vals:
            # Rules are checked before a write only: the new site must be
            # one its author manages too.
            self.check_access("write")
        return result

    def unlink(self):
        result = super().unlink()
        self._invalidate_access_cache()
        return result
