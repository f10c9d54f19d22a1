from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression


class MicrostructureMeeting(models.Model):
    """Monthly synthesis meeting of a care team, or twice-yearly review
    meeting with the social service, backed by a private calendar event."""

    _name = "microstructure.meeting"
    _description = "Care team meeting"
    _inherit = ["microstructure.care.thread", "mail.activity.mixin", "microstructure.calendar.mixin"]
    _order = "start desc, id desc"
    _event_fields = ("start", "duration", "attendee_ids", "state", "kind", "location")
    _event_invitations = True
    _scope_fields = ("site_id",)
    _folded_states = ("cancelled",)

    kind = fields.Selection(
        [("synthesis", "Synthesis meeting"), ("review", "Review meeting with the social service")],
        required=True,
        default="synthesis",
        tracking=True,
    )
    site_id = fields.Many2one(
        "microstructure.site", required=True, ondelete="restrict", index=True, tracking=True
    )
    start = fields.Datetime(required=True, tracking=True, index=True)
    duration = fields.Float(default=2.0, required=True, help="Duration in hours.")
    stop = fields.Datetime(compute="_compute_stop", store=True)
    location = fields.Char()
    attendee_ids = fields.Many2many(
        "microstructure.professional",
        "microstructure_meeting_attendee_rel",
        "meeting_id",
        "professional_id",
        string="Invited",
        domain="[('membership_ids.site_id', '=', site_id)]",
    )
    present_ids = fields.Many2many(
        "microstructure.professional",
        "microstructure_meeting_present_rel",
        "meeting_id",
        "professional_id",
        domain="[('id', 'in', attendee_ids)]",
    )
    attendance_rate = fields.Float(
        compute="_compute_attendance", store=True, aggregator="avg",
        help="Share of the invited professionals who attended (%).",
    )
    liaison_ids = fields.Many2many(
        "microstructure.liaison",
        compute="_compute_liaison_ids",
        string="Liaison sheets of the period",
        help="Sheets of the site over the six months before a review meeting.",
    )
    line_ids = fields.One2many("microstructure.meeting.line", "meeting_id", string="Patients discussed")
    line_count = fields.Integer(compute="_compute_line_count", string="Patients")
    has_started = fields.Boolean(
        compute="_compute_has_started",
        help="The meeting has begun: it can be closed and its minutes written.",
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Held"), ("cancelled", "Cancelled")],
        string="Status", required=True, default="planned", tracking=True, group_expand=True,
    )

    @api.depends("start", "duration")
    def _compute_stop(self):
        for meeting in self:
            meeting.stop = meeting.start and meeting.start + timedelta(hours=meeting.duration)

    @api.depends("attendee_ids", "present_ids")
    def _compute_attendance(self):
        for meeting in self:
            invited = len(meeting.attendee_ids)
            meeting.attendance_rate = 100.0 * len(meeting.present_ids) / invited if invited else 0.0

    @api.depends("kind", "site_id", "start")
    def _compute_liaison_ids(self):
        reviews = self.filtered(lambda meeting: meeting.kind == "review" and meeting.start)
        (self - reviews).liaison_ids = False
        if not reviews:
            return
        # one search for all the meetings, shared out by site and period
        sheets = self.env["microstructure.liaison"].search(
            expression.OR([meeting._get_review_domain() for meeting in reviews])
        )
        for meeting in reviews:
            meeting.liaison_ids = sheets.filtered_domain(meeting._get_review_domain())

    def _get_review_domain(self):
        self.ensure_one()
        day = self.start.date()
        return [
            ("site_id", "=", self.site_id.id),
            ("date", ">", fields.Date.subtract(day, months=6)),
            ("date", "<=", day),
        ]

    def _get_review_funnel(self):
        """Funnel of the sheets discussed at a review meeting."""
        self.ensure_one()
        return self.env["microstructure.liaison"]._get_funnel(self._get_review_domain())

    @api.depends("start")
    def _compute_has_started(self):
        now = fields.Datetime.now()
        for meeting in self:
            meeting.has_started = bool(meeting.start) and meeting.start <= now

    @api.depends("line_ids")
    def _compute_line_count(self):
        for meeting in self:
            meeting.line_count = len(meeting.line_ids)

    @api.depends("kind", "site_id", "start")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for meeting in self:
            when = (
                fields.Datetime.context_timestamp(meeting, meeting.start).strftime("%d/%m/%Y")
                if meeting.start else ""
            )
            meeting.display_name = " - ".join(
                part for part in (kinds.get(meeting.kind), meeting.site_id.name, when) if part
            )

    @api.constrains("attendee_ids", "present_ids", "site_id")
    def _check_attendees(self):
        # As superuser: the whole team counts, even members the author cannot
        # read; only names of the professionals invited by mistake come out.
        for meeting in self.sudo():
            team = meeting.site_id.membership_ids.filtered("is_current").professional_id
            outsiders = meeting.attendee_ids - team
            if outsiders:
                raise ValidationError(
                    self.env._(
                        "Only the care team of %(site)s can be invited (%(names)s are not members).",
                        site=meeting.site_id.name,
                        names=", ".join(outsiders.mapped("name")),
                    )
                )
            if meeting.present_ids - meeting.attendee_ids:
                raise ValidationError(self.env._("A professional present must have been invited."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("state", "planned") != "planned" for vals in vals_list):
            raise UserError(self.env._("A meeting is created planned: it is held or cancelled afterwards."))
        for vals in vals_list:
            if "attendee_ids" not in vals and vals.get("site_id"):
                vals["attendee_ids"] = [fields.Command.set(self._default_attendees(vals["site_id"]).ids)]
        return super().create(vals_list)

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        if "state" in vals:
            # buttons, RPC and kanban drags alike go through the transitions
            state = vals.pop("state")
            if vals:
                self.write(vals)
            self._transition(state)
            return True
        self._check_not_held(vals)
        if "site_id" in vals and any(meeting.line_ids for meeting in self):
            raise UserError(
                self.env._("A meeting where patients were discussed stays at its site.")
            )
        return super().write(vals)

    def _check_not_held(self, vals):
        """The minutes of a meeting held are final."""
        changed = {name for name in vals if not name.startswith(("message_", "activity_"))}
        if changed and any(meeting.state == "done" for meeting in self):
            raise UserError(self.env._("A meeting already held cannot be changed: its minutes are final."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_held(self):
        if any(meeting.state == "done" or meeting.line_ids for meeting in self):
            raise UserError(
                self.env._("A meeting with patients discussed cannot be deleted: cancel it.")
            )

    @api.model
    def _default_attendees(self, site_id):
        Membership = self.env["microstructure.membership"]
        return Membership.search(
            Membership._get_current_domain() + [("site_id", "=", site_id)]
        ).professional_id

    def _prepare_event_vals(self):
        self.ensure_one()
        return {
            "name": dict(self._fields["kind"]._description_selection(self.env))[self.kind],
            "start": self.start,
            "stop": self.stop,
            "location": self.location,
            "partner_ids": [fields.Command.set(self.attendee_ids.user_id.partner_id.ids)],
            "active": self.state != "cancelled",
        }

    # WORKFLOW
    def _transition(self, state):
        """Move the meetings to ``state`` if allowed: planned to held or
        cancelled, cancelled back to planned. Closing a meeting turns each
        decision into an activity for the professional in charge."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        if not isinstance(state, str) or state not in labels:
            raise UserError(self.env._("Unknown meeting status."))
        allowed = {"done": ("planned",), "cancelled": ("planned",), "planned": ("cancelled",)}[state]
        for meeting in self:
            if meeting.state == "done":
                raise UserError(self.env._("A meeting already held cannot be changed: its minutes are final."))
            if meeting.state not in allowed:
                raise UserError(
                    self.env._(
                        "A meeting cannot go from %(old)s to %(new)s.",
                        old=labels[meeting.state], new=labels[state],
                    )
                )
            if state == "done" and not meeting.has_started:
                raise UserError(
                    self.env._(
                        "The meeting of %(date)s has not begun yet: close it once it is held.",
                        date=fields.Datetime.context_timestamp(meeting, meeting.start).strftime("%d/%m/%Y %H:%M"),
                    )
                )
        # sudo: the transition was checked above; the record rules were checked
        # by the caller's access to the meetings
        self.check_access("write")
        self.sudo().write({"state": state})
        if state == "done":
            self.line_ids._create_activities()

    # ACTIONS
    def action_done(self):
        self._transition("done")

    def action_cancel(self):
        self._transition("cancelled")

    def action_print_minutes(self):
        return self.env.ref("odoo_microstructure.action_report_microstructure_meeting").report_action(self)
