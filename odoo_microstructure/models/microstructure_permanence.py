from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class MicrostructurePermanence(models.Model):
    """Half-day session of a psychologist or a social worker at a site, cut
    into consultation slots (e.g. Thursday 9:00-12:00, 4 slots of 45 min)."""

    _name = "microstructure.permanence"
    _description = "Permanence"
    _inherit = ["mail.thread", "microstructure.confidential", "microstructure.calendar.mixin"]
    _order = "start desc, id desc"
    _scope_fields = ("site_id", "professional_id")
    _event_fields = ("start", "stop", "professional_id", "state")

    site_id = fields.Many2one(
        "microstructure.site", required=True, ondelete="restrict", index=True, tracking=True
    )
    professional_id = fields.Many2one(
        "microstructure.professional",
        required=True,
        ondelete="restrict",
        index=True,
        domain="[('profession', 'in', ('psychologist', 'social_worker')), "
        "('membership_ids.site_id', '=', site_id)]",
        tracking=True,
    )
    profession = fields.Selection(related="professional_id.profession", store=True)
    start = fields.Datetime(required=True, tracking=True)
    stop = fields.Datetime(required=True, tracking=True)
    slot_minutes = fields.Integer(
        string="Slot length (minutes)",
        required=True,
        default=45,
        help="Length of a consultation slot: 30 to 45 minutes.",
    )
    slot_ids = fields.One2many("microstructure.permanence.slot", "permanence_id", string="Slots")
    slot_count = fields.Integer(compute="_compute_fill", store=True, aggregator="sum")
    booked_count = fields.Integer(compute="_compute_fill", store=True, aggregator="sum")
    fill_rate = fields.Float(
        compute="_compute_fill", store=True, aggregator="avg", help="Share of booked slots (%)."
    )
    state = fields.Selection(
        [("planned", "Planned"), ("held", "Held"), ("cancelled", "Cancelled")],
        string="Status", required=True, default="planned", tracking=True,
    )

    @api.depends("slot_ids.consultation_id", "slot_ids.consultation_id.state")
    def _compute_fill(self):
        for permanence in self:
            slots = permanence.slot_ids
            booked = slots.filtered(
                lambda slot: slot.consultation_id and slot.consultation_id.state != "cancelled"
            )
            permanence.slot_count = len(slots)
            permanence.booked_count = len(booked)
            permanence.fill_rate = 100.0 * len(booked) / len(slots) if slots else 0.0

    @api.depends("professional_id", "site_id", "start")
    def _compute_display_name(self):
        for permanence in self:
            when = (
                fields.Datetime.context_timestamp(permanence, permanence.start).strftime("%d/%m/%Y %H:%M")
                if permanence.start else ""
            )
            permanence.display_name = " - ".join(
                part for part in (permanence.site_id.name, permanence.professional_id.name, when) if part
            )

    @api.constrains("start", "stop", "slot_minutes")
    def _check_times(self):
        for permanence in self:
            if permanence.stop <= permanence.start:
                raise ValidationError(self.env._("A permanence must end after it starts."))
            if permanence.stop - permanence.start > timedelta(hours=6):
                raise ValidationError(self.env._("A permanence lasts half a day at most (6 hours)."))
            if not 30 <= permanence.slot_minutes <= 45:
                raise ValidationError(self.env._("Consultation slots last 30 to 45 minutes."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("state", "planned") != "planned" for vals in vals_list):
            raise UserError(self.env._("A permanence is created planned: it is held or cancelled afterwards."))
        permanences = super().create(vals_list)
        permanences._generate_slots()
        return permanences

    def write(self, vals):
        if "state" in vals and not self.env.su:
            self._check_transition(vals["state"])
        if {"site_id", "professional_id"} & set(vals) and self.slot_ids.consultation_id:
            raise UserError(
                self.env._("Move or cancel the booked consultations before changing the site or the professional.")
            )
        result = super().write(vals)
        if {"start", "stop", "slot_minutes"} & set(vals):
            if self.slot_ids.consultation_id:
                raise UserError(
                    self.env._("Move or cancel the booked consultations before changing the times.")
                )
            self.slot_ids.unlink()
            self._generate_slots()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if self.slot_ids.consultation_id:
            raise UserError(self.env._("A permanence with booked consultations cannot be deleted: cancel it."))

    def _generate_slots(self):
        vals_list = []
        for permanence in self:
            length = timedelta(minutes=permanence.slot_minutes)
            start = permanence.start
            while start + length <= permanence.stop:
                vals_list.append({"permanence_id": permanence.id, "start": start, "stop": start + length})
                start += length
        self.env["microstructure.permanence.slot"].create(vals_list)

    def _prepare_event_vals(self):
        self.ensure_one()
        user = self.professional_id.user_id
        return {
            "name": self.env._("Permanence at %(site)s", site=self.site_id.name),
            "start": self.start,
            "stop": self.stop,
            "user_id": user.id or False,
            "partner_ids": [fields.Command.set(user.partner_id.ids)],
            "active": self.state != "cancelled",
        }

    def _book(self, patient):
        """Book ``patient`` into the first free slot of the permanence."""
        self.ensure_one()
        free = self.slot_ids.filtered("is_free")
        if not free:
            raise UserError(
                self.env._("The permanence %(permanence)s is full.", permanence=self.display_name)
            )
        return free[0].action_book(patient)

    def _check_transition(self, state):
        """A planned permanence is held or cancelled; a cancelled one may be
        planned again; a permanence held stays held."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        allowed = {"held": ("planned",), "cancelled": ("planned",), "planned": ("cancelled",)}
        if not isinstance(state, str) or state not in allowed:
            raise UserError(self.env._("Unknown permanence status."))
        for permanence in self.filtered(lambda p: p.state != state and p.state not in allowed[state])[:1]:
            raise UserError(
                self.env._(
                    "A permanence cannot go from %(old)s to %(new)s.",
                    old=labels[permanence.state], new=labels[state],
                )
            )

    def action_held(self):
        self.write({"state": "held"})

    def action_cancel(self):
        self.slot_ids.consultation_id.filtered(lambda c: c.state == "planned").action_cancel()
        self.write({"state": "cancelled"})
