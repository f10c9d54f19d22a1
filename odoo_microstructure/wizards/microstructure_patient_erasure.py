from odoo import fields, models

from ..models.microstructure_patient import ERASURE_REASONS


class MicrostructurePatientErasure(models.TransientModel):
    """The data protection officer erases an archived patient file before the
    end of its retention, with a reason: the same anonymisation."""

    _name = "microstructure.patient.erasure"
    _description = "Erasure of a patient file"

    patient_id = fields.Many2one(
        "microstructure.patient", string="Patient file", required=True, ondelete="cascade",
        domain="[('active', '=', False), ('anonymised_date', '=', False)]",
    )
    reason = fields.Selection(ERASURE_REASONS, required=True)
    note = fields.Char(
        string="Details", help="Why the file is erased. Do not name the patient: this stays.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.patient_id._erase(self.reason, self.note)
        return {"type": "ir.actions.act_window_close"}
