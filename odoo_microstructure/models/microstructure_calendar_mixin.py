from odoo import api, fields, models


class MicrostructureCalendarMixin(models.AbstractModel):
    """Records shown in the professionals' calendars through a private
    ``calendar.event`` that names no patient."""

    _name = "microstructure.calendar.mixin"
    _description = "Private calendar event of a care team record"

    event_id = fields.Many2one(
        "calendar.event", string="Calendar event", ondelete="set null", readonly=True, copy=False
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
        for record in self:
            vals = {"privacy": "private", **record._prepare_event_vals()}
            if record.event_id:
                record.event_id.sudo().with_context(**context).write(vals)
            else:
                # sudo: the event is the record's own, set by the application
                record.sudo().event_id = Event.create(vals)
