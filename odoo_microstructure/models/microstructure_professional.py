import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .microstructure_professions import PROFESSIONS


ADELI_RE = re.compile(r"^(\d{2}|2[AB])\d{7}$")
# Fields of the contact card that the network administrators edit through
# their professionals (they have no right on the other contacts).
CONTACT_FIELDS = frozenset({
    "name", "email", "phone", "mobile", "street", "street2", "zip", "city", "state_id",
    "country_id", "title", "function", "website", "comment", "image_1920", "lang",
})


def luhn_valid(number):
    """Return whether a string of digits passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class MicrostructureProfessional(models.Model):
    _name = "microstructure.professional"
    _description = "Health or social professional"
    _inherit = ["mail.thread", "mail.activity.mixin", "microstructure.input.check"]
    _inherits = {"res.partner": "partner_id"}
    _order = "name"
    _rec_names_search = ["name", "rpps", "adeli"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Contact card",
        required=True,
        ondelete="restrict",
        index=True,
        auto_join=True,
    )
    user_id = fields.Many2one(
        "res.users",
        ondelete="set null",
        index="btree_not_null",
        domain=[("share", "=", False)],
        tracking=True,
        help="Login of the professional, when it uses the application.",
    )
    profession = fields.Selection(
        PROFESSIONS, required=True, default="gp", tracking=True, index=True
    )
    rpps = fields.Char(
        string="RPPS number",
        tracking=True,
        help="11-digit number of the Répertoire partagé des professionnels de santé.",
    )
    adeli = fields.Char(
        string="ADELI number",
        tracking=True,
        help="9-character ADELI number, for professionals without an RPPS number.",
    )
    employer_id = fields.Many2one(
        "res.partner",
        ondelete="restrict",
        help="Employer of the professional, e.g. the Carsat for its social workers.",
    )
    membership_ids = fields.One2many(
        "microstructure.membership", "professional_id", string="Memberships"
    )
    site_ids = fields.Many2many(
        "microstructure.site",
        compute="_compute_site_ids",
        string="Current sites",
    )
    site_count = fields.Integer(compute="_compute_site_ids", string="Number of sites")
    network_ids = fields.Many2many(
        "microstructure.network",
        string="Networks",
        default=lambda self: self.env.user.microstructure_network_ids,
        help="Networks whose administrators manage this professional.",
    )
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [
        ("rpps_unique", "unique(rpps)", "Another professional has this RPPS number."),
        (
            "adeli_unique",
            "unique(adeli)",
            "Another professional has this ADELI number.",
        ),
        (
            "user_unique",
            "unique(user_id)",
            "This user is already linked to another professional.",
        ),
    ]

    @api.depends("membership_ids.date_start", "membership_ids.date_end")
    def _compute_site_ids(self):
        groups = self.env["microstructure.membership"]._read_group(
            self.env["microstructure.membership"]._get_current_domain()
            + [("professional_id", "in", self.ids)],
            ["professional_id"],
            ["site_id:array_agg"],
        )
        sites = {professional: site_ids for professional, site_ids in groups}
        for professional in self:
            site_ids = sites.get(professional, [])
            professional.site_ids = [fields.Command.set(site_ids)]
            professional.site_count = len(set(site_ids))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.update(self._normalize_identifiers(vals))
            self._check_not_own_login(vals)
        if self._edits_contacts_through_professionals():
            self.check_access("create")
            for vals in vals_list:
                if vals.get("partner_id"):
                    raise AccessError(self.env._("A professional gets a contact card of its own."))
                contact = self._pop_contact_values(vals)
                # sudo: a contact card of the new professional only, from the
                # whitelisted contact fields; the professional is checked
                # against the record rules when created
                vals["partner_id"] = self.env["res.partner"].sudo().create(contact).id
        return super().create(vals_list)

    def write(self, vals):
        vals.update(self._normalize_identifiers(vals))
        self._check_not_own_login(vals)
        contact = {}
        if self._edits_contacts_through_professionals():
            if "partner_id" in vals:
                raise AccessError(self.env._("The contact card of a professional cannot be replaced."))
            contact = self._pop_contact_values(vals)
            if contact:
                self.check_access("write")
        result = super().write(vals)
        if contact:
            # sudo: the contact cards of professionals the user may edit
            # (checked above), whitelisted fields only
            self.partner_id.sudo().write(contact)
        if {"user_id", "profession"} & set(vals):
            # The login and the profession give access to patient files.
            self.env["res.users"]._invalidate_microstructure_access()
        return result

    @api.model
    def _check_not_own_login(self, vals):
        """A login linked to a professional reads the patients of its care
        teams: nobody links its own login."""
        if not self.env.su and vals.get("user_id") == self.env.uid:
            raise UserError(
                self.env._("You cannot link your own login to a professional: another administrator does it.")
            )

    @api.model
    def _edits_contacts_through_professionals(self):
        """Network administrators are no contact managers: the card of their
        professionals is written for them, and no other contact."""
        return not self.env.su and not self.env.user.has_group("base.group_partner_manager")

    @api.model
    def _pop_contact_values(self, vals):
        inherited = {
            name for name, field in self._fields.items()
            if field.inherited and field.related_field.model_name == "res.partner"
        }
        refused = (set(vals) & inherited) - CONTACT_FIELDS
        if refused:
            raise AccessError(
                self.env._(
                    "These fields of the contact card are not edited from a professional: %(fields)s.",
                    fields=", ".join(sorted(refused)),
                )
            )
        return {name: vals.pop(name) for name in list(vals) if name in inherited}

    @api.model
    def _normalize_identifiers(self, vals):
        """Strip spaces from the RPPS and ADELI numbers typed by users."""
        result = {}
        for field_name in ("rpps", "adeli"):
            if vals.get(field_name):
                result[field_name] = re.sub(r"\s", "", vals[field_name]).upper()
        return result

    @api.constrains("rpps")
    def _check_rpps(self):
        for professional in self.filtered("rpps"):
            rpps = professional.rpps
            if not (len(rpps) == 11 and rpps.isdigit()):
                raise ValidationError(
                    self.env._(
                        "The RPPS number of %(name)s must have exactly 11 digits "
                        "(%(rpps)s given).",
                        name=professional.name,
                        rpps=rpps,
                    )
                )
            if not luhn_valid(rpps):
                raise ValidationError(
                    self.env._(
                        "The RPPS number %(rpps)s of %(name)s is not valid: its "
                        "check digit is wrong. Check for a typing error.",
                        name=professional.name,
                        rpps=rpps,
                    )
                )

    @api.constrains("adeli")
    def _check_adeli(self):
        for professional in self.filtered("adeli"):
            if not ADELI_RE.match(professional.adeli):
                raise ValidationError(
                    self.env._(
                        "The ADELI number of %(name)s must have 9 characters: "
                        "the department (2 digits, 2A or 2B) followed by 7 digits "
                        "(%(adeli)s given).",
                        name=professional.name,
                        adeli=professional.adeli,
                    )
                )

    def action_view_memberships(self):
        self.ensure_one()
        return self.env["microstructure.membership"]._get_records_action_for("professional_id", self)
