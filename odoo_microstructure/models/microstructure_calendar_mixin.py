from odoo import api, fields, models


class MicrostructureCalendarMixin(models.AbstractModel):
    """Records shown in the professionals' calendars through a private
    ``calendar.event`` that names no patient."""

    _name = "microstructure.calendar.mixin"
    _description = "Private calendar event of a care team record"

    # indexed: deleting an event sets it to null in every record that holds it
    event_id = fields.Many2one(
        "calendar.event", string="Calendar event", ondelete="set null", readonly=True, copy=False,
        index="btree_not_null",
    )

    # Fields whose change is copied to the event.
    _event_fields = ()
    # Invite the attendees by e-mail (the invitation names no patient).
    _event_invitations = False

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._sync_events()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(self._event_fields) & set(vals):
            self._sync_events()
        return result

    def _prepare_event_vals(self):
        """Values of the event: ``name`` never names a patient."""
        raise NotImplementedError()

    def _sync_events(self):
        """Create or update the private calendar events of ``self``."""
        # As superuser: the event belongs to a professional's calendar, whose
        # privacy rules would stop a colleague working for the team; access to
        # the record itself was checked by the ORM.
        context = {"active_test": False}
        if not self._event_invitations:
            context.update(no_mail_to_attendees=True, dont_notify=True)
        Event = self.env["calendar.event"].sudo().with_context(**context)
        new = self.filtered(lambda record: not record.event_id)
        for record in self - new:
            Event.browse(record.event_id.id).write({"privacy": "private", **record._prepare_event_vals()})
        if new:
            # one batch of events for a batch of records
            events = Event.create([{"privacy": "private", **record._prepare_event_vals()} for record in new])
            for record, event in zip(new, events):
                # sudo: the event is the record's own, set by the application
                record.sudo().event_id = event
