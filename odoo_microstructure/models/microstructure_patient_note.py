from odoo import api, fields, models
from odoo.exceptions import UserError

NOTE_PROFESSIONS = [("psychologist", "Psychologist"), ("social_worker", "Social worker")]


class MicrostructurePatientNote(models.Model):
    """Private note of a profession on a patient: readable by the members of
    that profession in the patient's care team only (global record rule)."""

    _name = "microstructure.patient.note"
    _description = "Private note on a patient"
    _order = "date desc, id desc"

    patient_id = fields.Many2one(
        "microstructure.patient", required=True, ondelete="restrict", index=True
    )
    site_id = fields.Many2one(related="patient_id.site_id", store=True, index=True)
    profession = fields.Selection(
        NOTE_PROFESSIONS,
        required=True,
        default=lambda self: self._default_profession(),
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    author_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, ondelete="restrict"
    )
    body = fields.Html(required=True)

    @api.depends("profession", "date")
    def _compute_display_name(self):
        professions = dict(self._fields["profession"]._description_selection(self.env))
        for note in self:
            note.display_name = " - ".join(
                part for part in (professions.get(note.profession), note.date and note.date.strftime("%d/%m/%Y")) if part
            )

    @api.model
    def _default_profession(self):
        professions = self.env.user.microstructure_professional_ids.mapped("profession")
        for profession, _label in NOTE_PROFESSIONS:
            if profession in professions:
                return profession
        return False

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clinical_record(self):
        raise UserError(self.env._("A note of a patient file cannot be deleted."))
