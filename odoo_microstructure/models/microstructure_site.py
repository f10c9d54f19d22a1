from odoo import api, fields, models
from odoo.exceptions import ValidationError

PROFESSIONS_COUNTED = ("gp", "psychologist", "social_worker", "psychiatrist")


class MicrostructureSite(models.Model):
    _name = "microstructure.site"
    _description = "Microstructure"
    _inherit = ["mail.thread", "mail.activity.mixin", "microstructure.input.check"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    practice_kind = fields.Selection(
        [
            ("cabinet", "GP practice (cabinet médical)"),
            ("msp", "Multi-professional health centre (MSP)"),
            ("health_centre", "Health centre (centre de santé)"),
        ],
        string="Kind of practice",
        required=True,
        default="cabinet",
        tracking=True,
    )
    practice_name = fields.Char(help="Name of the GP practice hosting the team.")
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char(tracking=True)
    department_id = fields.Many2one(
        "microstructure.department",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    region_id = fields.Many2one(
        related="department_id.region_id", store=True, index=True, string="Region"
    )
    network_id = fields.Many2one(
        "microstructure.network",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    program_addiction = fields.Boolean(
        string="Addictions (Equip'addict)",
        tracking=True,
        help="The site takes part in the addictions programme (Article 51 experiment).",
    )
    program_mental_health = fields.Boolean(
        string="Mental health (post-Covid)",
        tracking=True,
        help="The site takes part in the post-Covid / mental health programme.",
    )
    polyvalent = fields.Boolean(
        compute="_compute_polyvalent",
        store=True,
        help="The site runs both programmes.",
    )
    date_open = fields.Date(string="Opening date", tracking=True)
    date_end = fields.Date(string="End of experiment", tracking=True)
    consultation_day_ids = fields.Many2many(
        "microstructure.weekday",
        string="Weekly consultation days",
        help="Days of the week when the psychologist and the social worker "
        "consult at the practice.",
    )
    membership_ids = fields.One2many(
        "microstructure.membership", "site_id", string="Memberships"
    )
    member_count = fields.Integer(
        compute="_compute_member_counts", string="Active members"
    )
    gp_count = fields.Integer(compute="_compute_member_counts", string="GPs")
    psychologist_count = fields.Integer(
        compute="_compute_member_counts", string="Psychologists"
    )
    social_worker_count = fields.Integer(
        compute="_compute_member_counts", string="Social workers"
    )
    psychiatrist_count = fields.Integer(
        compute="_compute_member_counts", string="Psychiatrists"
    )
    care_team_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_care_team_user_ids",
        search="_search_care_team_user_ids",
        string="Care team logins",
        help="Logins of the current members of the care team: they read the site's patients.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [
        (
            "name_network_unique",
            "unique(name, network_id)",
            "A site with this name already exists in this network.",
        ),
    ]

    def write(self, vals):
        result = super().write(vals)
        if "network_id" in vals:
            # Record rules are checked before a write only: moving a site
            # must also land in a network its author manages.
            self.check_access("write")
        return result

    @api.depends("program_addiction", "program_mental_health")
    def _compute_polyvalent(self):
        for site in self:
            site.polyvalent = site.program_addiction and site.program_mental_health

    @api.depends("membership_ids.date_start", "membership_ids.date_end")
    def _compute_member_counts(self):
        groups = self.env["microstructure.membership"]._read_group(
            self.env["microstructure.membership"]._get_current_domain()
            + [("site_id", "in", self.ids)],
            ["site_id", "profession"],
            ["professional_id:count_distinct"],
        )
        counts = {}
        totals = {}
        for site, profession, count in groups:
            counts[site, profession] = count
            totals[site] = totals.get(site, 0) + count
        for site in self:
            site.member_count = totals.get(site, 0)
            for profession in PROFESSIONS_COUNTED:
                site[f"{profession}_count"] = counts.get((site, profession), 0)

    @api.depends("membership_ids.user_id", "membership_ids.date_start",
                 "membership_ids.date_end", "membership_ids.active")
    def _compute_care_team_user_ids(self):
        Membership = self.env["microstructure.membership"]
        groups = Membership._read_group(
            Membership._get_current_domain() + [("site_id", "in", self.ids), ("user_id", "!=", False)],
            ["site_id"],
            ["user_id:array_agg"],
        )
        users = {site.id: user_ids for site, user_ids in groups}
        for site in self:
            site.care_team_user_ids = [fields.Command.set(users.get(site.id, []))]

    def _search_care_team_user_ids(self, operator, value):
        """Sites where the users ``value`` are current members, computed in SQL
        when the query runs (record rules rely on it)."""
        user_ids = self._get_searched_user_ids(
            operator, value, self.env._("Unsupported search on the care team.")
        )
        return [("id", "in", self.env["microstructure.membership"]._get_current_sql(user_ids, "site_id"))]

    @api.constrains("date_open", "date_end")
    def _check_dates(self):
        for site in self:
            if site.date_open and site.date_end and site.date_end < site.date_open:
                raise ValidationError(
                    self.env._(
                        "The end of experiment of %(site)s cannot be before its "
                        "opening date.",
                        site=site.name,
                    )
                )

    @api.constrains("program_addiction", "program_mental_health")
    def _check_programs(self):
        for site in self:
            if not (site.program_addiction or site.program_mental_health):
                raise ValidationError(
                    self.env._(
                        "The site %(site)s must take part in at least one "
                        "programme (addictions or mental health).",
                        site=site.name,
                    )
                )

    def _get_liaison_funnel(self, date_from=None, date_to=None):
        """Referral funnel of the site over a period (each sheet counted in a
        step on the step's date, as in the regional report), with the
        permanences of its social workers held in that period."""
        self.ensure_one()
        domain = [("site_id", "=", self.id)]
        permanence_domain = [
            ("site_id", "=", self.id), ("state", "=", "held"), ("profession", "=", "social_worker"),
        ]
        if date_from:
            permanence_domain.append(("start", ">=", date_from))
        if date_to:
            permanence_domain.append(("start", "<", fields.Date.add(fields.Date.to_date(date_to), days=1)))
        funnel = self.env["microstructure.liaison"]._get_funnel(
            domain, fields.Date.to_date(date_from), fields.Date.to_date(date_to),
        )
        funnel["permanences_held"] = self.env["microstructure.permanence"].search_count(permanence_domain)
        return funnel

    def action_view_memberships(self):
        self.ensure_one()
        return self.env["microstructure.membership"]._get_records_action_for("site_id", self)
