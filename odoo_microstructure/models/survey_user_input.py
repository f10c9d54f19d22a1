from odoo import api, fields, models
from odoo.exceptions import AccessError

# fields of an answer that only the application sets (a scale filled in for a
# patient): they decide who reads the answer
SET_BY_APPLICATION = (
    "microstructure_patient_id", "microstructure_consultation_id",
    "microstructure_professional_id", "microstructure_how",
)


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    microstructure_site_id = fields.Many2one(
        "microstructure.site",
        string="Microstructure",
        ondelete="restrict",
        index="btree_not_null",
        readonly=True,
        help="Site whose patient was invited to answer. The answer keeps the site "
        "only, never the patient.",
    )
    microstructure_clinical = fields.Boolean(
        related="survey_id.microstructure_clinical", store=True, string="Clinical scale",
    )
    microstructure_patient_id = fields.Many2one(
        "microstructure.patient",
        string="Patient",
        ondelete="restrict",
        index="btree_not_null",
        readonly=True,
        help="Patient who answers a validated scale: the answer belongs to the care team.",
    )
    microstructure_consultation_id = fields.Many2one(
        "microstructure.consultation", string="Consultation", ondelete="set null", readonly=True,
    )
    microstructure_professional_id = fields.Many2one(
        "microstructure.professional", string="Administered by", ondelete="restrict", readonly=True,
    )
    microstructure_how = fields.Selection(
        [("practitioner", "By the practitioner"), ("patient", "By the patient, from a link")],
        string="Filled in", readonly=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(set(SET_BY_APPLICATION) & set(vals) for vals in vals_list):
            raise AccessError(self.env._("Only the application ties an answer to a patient."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(SET_BY_APPLICATION) & set(vals):
            raise AccessError(self.env._("Only the application ties an answer to a patient."))
        return super().write(vals)

    def _mark_done(self):
        result = super()._mark_done()
        # sudo: the answer of a patient link is completed by the public user; the
        # result it records belongs to the care team (record rules)
        scales = self.sudo().filtered(lambda user_input: user_input.microstructure_patient_id)
        if scales:
            self.env["microstructure.scale.result"].sudo()._create_from_user_inputs(scales)
        return result


class SurveyUserInputLine(models.Model):
    _inherit = "survey.user_input.line"

    microstructure_clinical = fields.Boolean(
        related="user_input_id.microstructure_clinical", store=True, string="Clinical scale",
    )
