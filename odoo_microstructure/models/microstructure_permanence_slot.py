from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class MicrostructurePermanenceSlot(models.Model):
    _name = "microstructure.permanence.slot"
    _description = "Consultation slot of a permanence"
    _inherit = ["microstructure.confidential"]
    _order = "start"
    _scope_fields = ("permanence_id",)

    permanence_id = fields.Many2one(
        "microstructure.permanence", required=True, ondelete="cascade", index=True
    )
    site_id = fields.Many2one(related="permanence_id.site_id", store=True, index=True)
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    consultation_id = fields.Many2one(
        "microstructure.consultation", ondelete="set null", readonly=True, index="btree_not_null"
    )
    patient_id = fields.Many2one(
        "microstructure.patient",
        compute="_compute_patient_id",
        inverse="_inverse_patient_id",
        domain="[('site_id', '=', site_id), ('state', '=', 'followed')]",
    )
    consultation_state = fields.Selection(
        related="consultation_id.state", string="Consultation status"
    )
    professional_id = fields.Many2one(related="permanence_id.professional_id")
    permanence_state = fields.Selection(related="permanence_id.state", string="Permanence status")
    is_free = fields.Boolean(compute="_compute_patient_id", search="_search_is_free")

    @api.depends("consultation_id.patient_id", "consultation_id.state")
    def _compute_patient_id(self):
        for slot in self:
            consultation = slot.consultation_id
            slot.patient_id = consultation.patient_id
            slot.is_free = not consultation or consultation.state == "cancelled"

    def _search_is_free(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on the free slots."))
        free = ["|", ("consultation_id", "=", False), ("consultation_id.state", "=", "cancelled")]
        return free if (operator == "=") == value else ["!"] + free

    @api.depends("consultation_id.patient_id", "consultation_id.state", "permanence_id.professional_id")
    def _compute_display_name(self):
        for slot in self:
            if slot.is_free:
                slot.display_name = self.env._(
                    "Free slot - %(professional)s", professional=slot.permanence_id.professional_id.name or "",
                )
            else:
                slot.display_name = slot.patient_id.display_name or ""

    def _inverse_patient_id(self):
        for slot in self:
            if slot.patient_id and slot.patient_id != slot.consultation_id.patient_id:
                slot.action_book(slot.patient_id)

    def action_book(self, patient):
        """Book ``patient`` (a record or an id) into this free slot: creates its
        consultation."""
        self.ensure_one()
        patient = self._get_patient_to_book(patient)
        permanence = self.permanence_id
        # Lock the slot: two colleagues booking it at once get one booking.
        self.env.cr.execute(
            "SELECT consultation_id FROM microstructure_permanence_slot WHERE id = %s FOR UPDATE",
            [self.id],
        )
        booked_id = self.env.cr.fetchone()[0]
        booked = self.env["microstructure.consultation"].browse(booked_id).exists()
        if booked and booked.state != "cancelled":
            raise UserError(self.env._("This slot is already booked: choose a free slot."))
        if permanence.state != "planned":
            raise UserError(self.env._("This permanence is not open for booking."))
        if patient.site_id != permanence.site_id:
            raise UserError(self.env._("A permanence receives the patients of its own site only."))
        if self.start < fields.Datetime.now():
            raise UserError(self.env._("This slot is in the past: it cannot be booked."))
        consultation = self.env["microstructure.consultation"].create({
            "patient_id": patient.id,
            "professional_id": permanence.professional_id.id,
            "start": self.start,
            "duration": (self.stop - self.start).total_seconds() / 3600,
            "place": "practice",
            "permanence_id": permanence.id,
        })
        # sudo: the booking is the workflow's, done on a slot locked above
        self.sudo().consultation_id = consultation
        return consultation

    def action_book_context_patient(self):
        """Book the patient the slots were opened for (from the patient file)
        into this slot: one click."""
        self.ensure_one()
        patient_id = self.env.context.get("microstructure_booking_patient_id")
        if not patient_id:
            raise UserError(self.env._("Open the free slots from a patient file to book them in one click."))
        consultation = self.action_book(patient_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Booked: %(patient)s, %(date)s.",
                    patient=consultation.patient_id.display_name,
                    date=fields.Datetime.context_timestamp(self, self.start).strftime("%d/%m/%Y %H:%M"),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _get_patient_to_book(self, patient):
        if isinstance(patient, int) and not isinstance(patient, bool):
            patient = self.env["microstructure.patient"].browse(patient)
        if not isinstance(patient, models.BaseModel) or patient._name != "microstructure.patient" \
                or len(patient) != 1:
            raise UserError(self.env._("Choose one patient to book this slot for."))
        self._check_reachable(self._fields["patient_id"], patient.ids)
        return patient

    def action_done(self):
        self.consultation_id.action_done()

    def action_no_show(self):
        self.consultation_id.action_no_show()
