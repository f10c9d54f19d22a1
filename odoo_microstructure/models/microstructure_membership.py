import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# Memberships follow the French calendar day, whatever the user's own time zone.
ACCESS_TZ = pytz.timezone("Europe/Paris")


class MicrostructureMembership(models.Model):
    _name = "microstructure.membership"
    _description = "Membership of a professional in a site"
    _inherit = ["mail.thread", "microstructure.input.check"]
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
        related="site_id.region_id", store=True, string="Region", index=True
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
    def _today(self):
        """Today in Paris: the day on which memberships start and end."""
        return pytz.utc.localize(fields.Datetime.now()).astimezone(ACCESS_TZ).date()

    @api.model
    def _get_current_domain(self, date=None):
        """Domain of the memberships in force on ``date`` (default: today in Paris)."""
        date = date or self._today()
        return [
            ("active", "=", True),
            ("date_start", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]

    @api.depends("date_start", "date_end", "active")
    def _compute_is_current(self):
        today = self._today()
        for membership in self:
            membership.is_current = (
                membership.active
                and membership.date_start <= today
                and (not membership.date_end or membership.date_end >= today)
            )

    @api.model
    def _get_current_sql(self, user_ids, column):
        """Subquery of ``column`` of the memberships of ``user_ids`` in force
        today (e.g. their sites).

        Record rules use it through search methods: it is evaluated at each
        query, so that the rules hold no literal site id and nothing needs to
        be flushed when a membership changes or a day ends."""
        self.flush_model(["site_id", "user_id", "profession", "date_start", "date_end", "active"])
        today = self._today()
        return SQL(
            """(SELECT %s FROM microstructure_membership membership
                 WHERE membership.active AND membership.user_id = ANY(%s)
                   AND membership.date_start <= %s
                   AND (membership.date_end IS NULL OR membership.date_end >= %s))""",
            SQL.identifier("membership", column), list(user_ids), today, today,
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
        memberships = self.filtered("active")
        if not memberships:
            return
        # One query for the whole batch, in SQL: an overlap with any
        # membership of the site counts, also one the author does not read.
        self.flush_model(["professional_id", "site_id", "date_start", "date_end", "active"])
        self.env.cr.execute(SQL(
            """SELECT membership.id
                 FROM microstructure_membership membership
                 JOIN microstructure_membership other
                   ON other.professional_id = membership.professional_id
                  AND other.site_id = membership.site_id
                  AND other.id != membership.id
                  AND other.active
                  AND (other.date_end IS NULL OR other.date_end >= membership.date_start)
                  AND (membership.date_end IS NULL OR other.date_start <= membership.date_end)
                WHERE membership.id IN %s
             ORDER BY membership.date_start, membership.id
                LIMIT 1""",
            tuple(memberships.ids),
        ))
        row = self.env.cr.fetchone()
        if row:
            membership = self.browse(row[0])
            raise ValidationError(
                self.env._(
                    "%(professional)s is already a member of %(site)s over "
                    "these dates.",
                    professional=membership.professional_id.name,
                    site=membership.site_id.name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        memberships = super().create(vals_list)
        self.env["res.users"]._invalidate_microstructure_access()
        memberships._check_not_self()
        return memberships

    def write(self, vals):
        before = self._get_access_pairs()
        # sudo: whom the memberships are for, compared with the author only
        if not self.env.su and self.sudo().filtered(lambda m: m.user_id == self.env.user):
            raise UserError(self.env._("Your own memberships are managed by another administrator."))
        result = super().write(vals)
        self._check_not_self()
        self.env["res.users"]._invalidate_microstructure_access()
        if "site_id" in vals:
            # Rules are checked before a write only: the new site must be
            # one its author manages too.
            self.check_access("write")
        if {"date_end", "active", "site_id", "professional_id", "date_start"} & set(vals):
            self._revoke_care_team_traces(before)
        return result

    def unlink(self):
        before = self._get_access_pairs()
        result = super().unlink()
        self.env["res.users"]._invalidate_microstructure_access()
        self._revoke_care_team_traces(before)
        return result

    def _check_not_self(self):
        """Administering a network gives no access to patient files: nobody
        makes itself a member of a care team."""
        # sudo: whom the memberships are for, compared with the author only,
        # also for a membership moved out of its reach (refused afterwards)
        if not self.env.su and self.sudo().filtered(lambda m: m.user_id == self.env.user):
            raise UserError(
                self.env._("You cannot make yourself a member of a care team: another administrator does it.")
            )

    # END OF MEMBERSHIP
    def _get_access_pairs(self):
        # sudo: user and site ids, for the clean-up of the care team's records
        return {(membership.user_id, membership.site_id) for membership in self.sudo() if membership.user_id}

    @api.model
    def _revoke_care_team_traces(self, pairs):
        """For each (user, site) whose user is no longer a current member of
        the site: its followers and notifications on the team's records go,
        and its open activities pass to a coordinator of the site (or go)."""
        # sudo: cleaning up what a former member holds on records it can no
        # longer read; nothing is returned
        env = self.sudo().env
        Membership = env["microstructure.membership"]
        today = self._today()
        current = set()
        if pairs:
            memberships = Membership.search(
                self._get_current_domain(today)
                + [("user_id", "in", [user.id for user, _site in pairs]),
                   ("site_id", "in", [site.id for _user, site in pairs])]
            )
            current = {(membership.user_id, membership.site_id) for membership in memberships}
        models = [
            name for name, model in env.registry.items()
            if getattr(model, "_microstructure_confidential", False) and not model._abstract
            and "message_follower_ids" in model._fields and "site_id" in model._fields
        ]
        for user, site in pairs - current:
            partner = user.partner_id
            coordinators = Membership.search(
                self._get_current_domain(today)
                + [("site_id", "=", site.id), ("role", "=", "coordinator"), ("user_id", "not in", [False, user.id])]
            ).user_id
            for name in models:
                records = env[name].with_context(active_test=False)._search([("site_id", "=", site.id)])
                env["mail.followers"].search([
                    ("partner_id", "=", partner.id), ("res_model", "=", name), ("res_id", "in", records),
                ]).unlink()
                env["mail.notification"].search([
                    ("res_partner_id", "=", partner.id), ("mail_message_id.model", "=", name),
                    ("mail_message_id.res_id", "in", records),
                ]).unlink()
                activities = env["mail.activity"].search([
                    ("user_id", "=", user.id), ("res_model", "=", name), ("res_id", "in", records),
                ])
                if coordinators:
                    activities.write({"user_id": coordinators[0].id})
                else:
                    activities.unlink()

    @api.model
    def _cron_revoke_ended_memberships(self):
        """Daily: the memberships that ended in the last 30 days lose what
        their members still hold on the team's records."""
        today = self._today()
        ended = self.with_context(active_test=False).search([
            ("date_end", "<", today), ("date_end", ">=", fields.Date.subtract(today, days=30)),
            ("user_id", "!=", False),
        ])
        self._revoke_care_team_traces(ended._get_access_pairs())
