from odoo import api, fields, models
from odoo.exceptions import UserError


class MicrostructureScaleFill(models.TransientModel):
    """A validated scale to fill in for a patient: now, by the practitioner, in
    Odoo, or later by the patient from a personal link."""

    _name = "microstructure.scale.fill"
    _description = "Scale to fill in for a patient"
    _inherit = ["microstructure.input.check"]

    patient_id = fields.Many2one("microstructure.patient", required=True, ondelete="cascade")
    scale_id = fields.Many2one("microstructure.scale", required=True, ondelete="cascade")
    consultation_id = fields.Many2one(
        "microstructure.consultation",
        ondelete="cascade",
        domain="[('patient_id', '=', patient_id)]",
        help="Consultation during which the scale is filled in, if any.",
    )
    how = fields.Selection(
        [("practitioner", "By the practitioner"), ("patient", "By the patient, from a link")],
        string="Filled in", required=True, default="practitioner",
    )
    # shown read-only; written by the actions below, in the user's own wizard
    url = fields.Char(string="Link")

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # the patient and the consultation must be within the user's reach
        records.patient_id.check_access("write")
        records.consultation_id.check_access("read")
        return records

    def _create_user_input(self):
        self.ensure_one()
        patient = self.patient_id
        patient.check_access("write")
        if patient.state != "followed":
            raise UserError(self.env._("Scales are filled in for the patients followed by the team."))
        if self.consultation_id and self.consultation_id.patient_id != patient:
            raise UserError(self.env._("The consultation is not one of this patient's."))
        # sudo: the questionnaire is the administrators'; the team creates the
        # patient's answer to it, tied to the patient by the application
        survey = self.scale_id.survey_id.sudo()
        user_input = survey._create_answer(
            # answered in Odoo, the answer is the practitioner's session's (the
            # survey refuses another logged-in user); from a link, nobody's
            user=self.env.user if self.how == "practitioner" else False,
            check_attempts=False,
            microstructure_patient_id=patient.id,
            microstructure_consultation_id=self.consultation_id.id,
            microstructure_professional_id=self.env.user.microstructure_professional_ids[:1].id,
            microstructure_how=self.how,
        )
        patient._trace("link", f"{self._name}.{self.how}")
        return user_input

    def action_fill_in(self):
        """Open the questionnaire, to be answered now with the patient."""
        self.how = "practitioner"
        user_input = self._create_user_input()
        return {
            "type": "ir.actions.act_url",
            "url": user_input.get_start_url(),
            "target": "new",
        }

    def action_patient_link(self):
        """Create the patient's personal link to the questionnaire."""
        self.how = "patient"
        user_input = self._create_user_input()
        self.url = user_input.get_base_url() + user_input.get_start_url()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Scale link for the patient"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
