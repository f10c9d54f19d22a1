from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

CONSULTATION_KINDS = [
    ("gp", "GP"),
    ("psychologist", "Psychologist"),
    ("social_worker", "Social worker"),
    ("psychiatrist", "Psychiatrist"),
]
ACTIVE_STATES = ("planned", "done")
# legal transitions: state -> the states it may come from
TRANSITIONS = {
    "done": ("planned", "no_show", "excused"),
    "cancelled": ("planned",),
    "excused": ("planned",),
    "no_show": ("planned",),
    "planned": ("cancelled", "excused", "no_show"),
}


class MicrostructureConsultation(models.Model):
    """A consultation of a patient with a professional of its care team.

    Each consultation is mirrored by a private ``calendar.event`` titled
    "Consultation": the professional's calendar shows the appointment, and
    nothing in it names the patient.
    """

    _name = "microstructure.consultation"
    _description = "Consultation"
    _inherit = ["microstructure.care.thread", "microstructure.calendar.mixin"]
    _order = "start desc, id desc"
    _event_fields = ("start", "duration", "professional_id", "state", "place")
    _scope_fields = ("patient_id", "professional_id")

    patient_id = fields.Many2one(
        "microstructure.patient", required=True, ondelete="restrict", index=True
    )
    site_id = fields.Many2one(related="patient_id.site_id", store=True, index=True)
    professional_id = fields.Many2one(
        "microstructure.professional",
        required=True,
        ondelete="restrict",
        index=True,
        domain="[('membership_ids.site_id', '=', site_id)]",
        tracking=True,
    )
    user_id = fields.Many2one(related="professional_id.user_id", string="Professional user")
    kind = fields.Selection(
        CONSULTATION_KINDS,
        required=True,
        compute="_compute_kind",
        store=True,
        readonly=False,
        precompute=True,
    )
    start = fields.Datetime(required=True, tracking=True, index=True)
    duration = fields.Float(
        default=0.5, required=True, help="Duration in hours (30 to 45 minutes)."
    )
    stop = fields.Datetime(compute="_compute_stop", store=True)
    place = fields.Selection(
        [("practice", "At the practice"), ("cpam", "CPAM office"), ("phone", "By phone")],
        required=True,
        default="practice",
    )
    calendar_title = fields.Char(
        compute="_compute_calendar_title", string="Title in the calendar",
        help="The patient and the professional, shown to the care team in its calendar.",
    )
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
            ("excused", "Excused absence"),
            ("no_show", "No-show"),
        ],
        string="Status",
        required=True,
        default="planned",
        tracking=True,
        index=True,
    )
    permanence_id = fields.Many2one(
        "microstructure.permanence", ondelete="restrict", index="btree_not_null"
    )

    @api.depends("professional_id")
    def _compute_kind(self):
        kinds = dict(CONSULTATION_KINDS)
        for consultation in self:
            profession = consultation.professional_id.profession
            if profession in kinds:
                consultation.kind = profession
            elif not consultation.kind:
                consultation.kind = "gp"

    @api.depends("start", "duration")
    def _compute_stop(self):
        for consultation in self:
            consultation.stop = consultation.start and consultation.start + timedelta(
                hours=consultation.duration
            )

    @api.depends("patient_id", "professional_id")
    def _compute_calendar_title(self):
        for consultation in self:
            consultation.calendar_title = " \u00b7 ".join(
                name for name in (consultation.patient_id.display_name, consultation.professional_id.name) if name
            )

    @api.depends("patient_id", "kind", "start")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for consultation in self:
            when = (
                fields.Datetime.context_timestamp(consultation, consultation.start).strftime(
                    "%d/%m/%Y %H:%M"
                )
                if consultation.start
                else ""
            )
            consultation.display_name = " - ".join(
                part for part in (consultation.patient_id.display_name, kinds.get(consultation.kind), when) if part
            )

    def init(self):
        # a site's consultations by date: its list and its week, fast without
        # statistics
        tools.create_index(
            self.env.cr, "microstructure_consultation_site_id_start_index",
            self._table, ["site_id", "start"],
        )
        # The indicators count the consultations per site, professional and
        # state. Taking the three columns for independent, the planner
        # expects several times more groups than there are and gives up the
        # parallel aggregation; statistics on the three together tell it.
        self.env.cr.execute("""
            CREATE STATISTICS IF NOT EXISTS microstructure_consultation_site_professional_state (ndistinct)
                ON site_id, professional_id, state FROM microstructure_consultation
        """)

    # CONSTRAINTS
    @api.constrains("duration")
    def _check_duration(self):
        for consultation in self:
            if not 0.5 <= round(consultation.duration, 4) <= 0.75:
                raise ValidationError(
                    self.env._("A consultation lasts between 30 and 45 minutes.")
                )

    @api.constrains("patient_id", "permanence_id")
    def _check_permanence_site(self):
        for consultation in self.filtered("permanence_id"):
            if consultation.permanence_id.site_id != consultation.site_id:
                raise ValidationError(
                    self.env._("A permanence receives the patients of its own site only.")
                )

    @api.constrains("patient_id", "professional_id")
    def _check_team(self):
        for consultation in self:
            # sudo: the professional's memberships at other sites count too;
            # only the site of the consultation is looked for
            sites = consultation.professional_id.sudo().membership_ids.filtered("is_current").site_id
            if consultation.site_id not in sites:
                raise ValidationError(
                    self.env._(
                        "%(professional)s is not a current member of the care team of "
                        "%(site)s.",
                        professional=consultation.professional_id.name,
                        site=consultation.site_id.name,
                    )
                )

    @api.constrains("start", "stop", "professional_id", "state")
    def _check_overlap(self):
        consultations = self.filtered(lambda c: c.state in ACTIVE_STATES)
        if not consultations:
            return
        # One query for the whole batch, in SQL, past the record rules: the
        # professional may consult at other sites whose patients the author
        # cannot see; only the first consultation of the batch in conflict
        # comes back. A consultation lasts 45 minutes at most: the other one
        # starts less than a day before, which keeps to the index on start.
        self.flush_model(["start", "stop", "professional_id", "state"])
        self.env.cr.execute(SQL(
            """SELECT consultation.id
                 FROM microstructure_consultation consultation
                 JOIN microstructure_consultation other
                   ON other.professional_id = consultation.professional_id
                  AND other.id != consultation.id
                  AND other.state IN %(states)s
                  AND other.start > consultation.start - INTERVAL '1 day'
                  AND other.start < consultation.stop
                  AND other.stop > consultation.start
                WHERE consultation.id IN %(ids)s
             ORDER BY consultation.start, consultation.id
                LIMIT 1""",
            states=ACTIVE_STATES, ids=tuple(consultations.ids),
        ))
        row = self.env.cr.fetchone()
        if row:
            raise ValidationError(
                self.env._(
                    "%(professional)s already has a consultation at that time.",
                    professional=self.browse(row[0]).professional_id.name,
                )
            )

    # CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("state", "planned") != "planned" for vals in vals_list):
            raise UserError(
                self.env._("A consultation is created planned: mark it done, missed or cancelled afterwards.")
            )
        consultations = super().create(vals_list)
        consultations._check_patient_followed()
        return consultations

    def write(self, vals):
        if "state" in vals and not self.env.su:
            self._check_transition(vals["state"], strict=False)
        result = super().write(vals)
        if "patient_id" in vals:
            self.patient_id._check_followed()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clinical_record(self):
        raise UserError(
            self.env._("A consultation cannot be deleted: cancel it instead.")
        )

    def _check_patient_followed(self):
        self.filtered(lambda c: c.state == "planned").patient_id._check_followed()

    # CALENDAR
    def _prepare_event_vals(self):
        self.ensure_one()
        places = dict(self._fields["place"]._description_selection(self.env))
        user = self.professional_id.user_id
        return {
            "name": self.env._("Consultation"),
            "start": self.start,
            "stop": self.stop,
            "show_as": "busy",
            "location": places.get(self.place),
            "user_id": user.id or False,
            "partner_ids": [fields.Command.set(user.partner_id.ids)],
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "active": self.state in ACTIVE_STATES,
        }

    # ACTIONS
    def _check_transition(self, state, strict=True):
        """Refuse a change of status that the follow-up does not allow, whatever
        the way (button, RPC, import, kanban drag)."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        if not isinstance(state, str) or state not in labels:
            raise UserError(self.env._("Unknown consultation status."))
        allowed_from = TRANSITIONS[state]
        for consultation in self.filtered(lambda c: (strict or c.state != state) and c.state not in allowed_from)[:1]:
            raise UserError(
                self.env._(
                    "The consultation %(consultation)s cannot go from %(old)s to %(new)s.",
                    consultation=consultation.display_name,
                    old=labels[consultation.state],
                    new=labels[state],
                )
            )

    def _set_state(self, state):
        self._check_transition(state)
        self.write({"state": state})

    def action_done(self):
        self._set_state("done")

    def action_cancel(self):
        self._set_state("cancelled")

    def action_excused(self):
        self._set_state("excused")

    def action_no_show(self):
        self._set_state("no_show")

    def action_replan(self):
        self._set_state("planned")
