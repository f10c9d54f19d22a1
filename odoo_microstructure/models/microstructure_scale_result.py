from odoo import api, fields, models
from odoo.exceptions import UserError

from .microstructure_patient_note import ANONYMISING


class MicrostructureScaleResult(models.Model):
    """Result of a validated scale filled in for a patient, recorded when its
    questionnaire is completed: readable by the patient's care team only."""

    _name = "microstructure.scale.result"
    _description = "Scale result"
    _inherit = ["microstructure.confidential"]
    _order = "date desc, id desc"

    patient_id = fields.Many2one(
        "microstructure.patient", required=True, ondelete="restrict", index=True, readonly=True,
    )
    site_id = fields.Many2one(related="patient_id.site_id", store=True, index=True)
    scale_id = fields.Many2one(
        "microstructure.scale", required=True, ondelete="restrict", readonly=True,
    )
    date = fields.Date(required=True, readonly=True)
    score = fields.Float(digits=(10, 2), readonly=True, aggregator=False)
    band_id = fields.Many2one(
        "microstructure.scale.band", string="Interpretation", ondelete="restrict", readonly=True,
    )
    professional_id = fields.Many2one(
        "microstructure.professional", string="Administered by", ondelete="restrict", readonly=True,
    )
    consultation_id = fields.Many2one(
        "microstructure.consultation", ondelete="set null", readonly=True,
    )
    user_input_id = fields.Many2one(
        "survey.user_input", string="Answers", required=True, ondelete="restrict", readonly=True,
    )
    safety_alert = fields.Boolean(
        string="Safety alert",
        readonly=True,
        help="The answer to the scale's safety item raised an alert (PHQ-9 item 9 above 0).",
    )
    how = fields.Selection(
        [("practitioner", "By the practitioner"), ("patient", "By the patient, from a link")],
        string="Filled in", required=True, readonly=True,
    )

    _sql_constraints = [
        ("user_input_unique", "unique(user_input_id)", "These answers already have a result."),
    ]

    @api.depends("scale_id", "date")
    def _compute_display_name(self):
        for result in self:
            result.display_name = " - ".join(
                part for part in (result.scale_id.code, result.date and result.date.strftime("%d/%m/%Y")) if part
            )

    @api.model
    def _create_from_user_inputs(self, user_inputs):
        """Record the results of completed questionnaires of validated scales
        (called as superuser when they are completed)."""
        Scale = self.env["microstructure.scale"].with_context(active_test=False)
        scale_of = {}
        for scale in Scale.search([("survey_id", "in", user_inputs.survey_id.ids)]):
            scale_of.setdefault(scale.survey_id, scale)
        done = set(self.search([("user_input_id", "in", user_inputs.ids)]).user_input_id.ids)
        vals_list = []
        for user_input in user_inputs:
            scale = scale_of.get(user_input.survey_id)
            if not scale or user_input.id in done:
                continue
            patient = user_input.microstructure_patient_id
            score = scale._score_user_input(user_input)
            vals_list.append({
                "patient_id": patient.id,
                "scale_id": scale.id,
                "date": fields.Date.context_today(self, user_input.end_datetime),
                "score": score,
                "band_id": scale._band(score, patient.sex).id,
                "professional_id": user_input.microstructure_professional_id.id,
                "consultation_id": user_input.microstructure_consultation_id.id,
                "user_input_id": user_input.id,
                "how": user_input.microstructure_how or "patient",
                "safety_alert": scale._is_alert(user_input),
            })
        results = self.create(vals_list)
        results.filtered("safety_alert")._create_safety_activities()
        results._close_scale_due_activities()
        return results

    def _close_scale_due_activities(self):
        """Mark done the open "scale due" activities of the scales of these
        results on their patients (called as superuser: the activities are
        the application's)."""
        if not self:
            return
        activities = self.env["mail.activity"].search([
            ("res_model", "=", "microstructure.patient"),
            ("res_id", "in", self.patient_id.ids),
            ("activity_type_id", "=", self.env.ref("odoo_microstructure.mail_activity_type_scale_due").id),
            ("microstructure_scale_id", "in", self.scale_id.ids),
        ])
        done = {(result.patient_id.id, result.scale_id.id) for result in self}
        activities = activities.filtered(
            lambda activity: (activity.res_id, activity.microstructure_scale_id.id) in done
        )
        if activities:
            # the application marks them done, whoever answered (the patient from
            # a link has no user of its own)
            activities.with_user(self.env.ref("base.user_root"))._action_done(
                feedback=self.env._("Result recorded.")
            )

    def _create_safety_activities(self):
        """An urgent activity, due today, for the patient's GP and for the
        psychiatrists and psychologists of its site (its whole care team when
        none of them has a login). Called as superuser: the activities are
        the application's, on the patient file, for members of its team."""
        activity_type = self.env.ref("odoo_microstructure.mail_activity_type_safety_alert")
        model_id = self.env["ir.model"]._get_id("microstructure.patient")
        Membership = self.env["microstructure.membership"]
        # the psychiatrists and psychologists of all the sites, in one query
        psy_users = dict(Membership._read_group(
            Membership._get_current_domain() + [
                ("site_id", "in", self.patient_id.site_id.ids),
                ("profession", "in", ("psychiatrist", "psychologist")), ("user_id", "!=", False),
            ],
            ["site_id"],
            ["user_id:recordset"],
        ))
        vals_list = []
        for result in self:
            patient, site = result.patient_id, result.patient_id.site_id
            users = patient.gp_id.user_id | psy_users.get(site, self.env["res.users"])
            users = users or site.care_team_user_ids
            for user in users:
                vals_list.append({
                    "res_model_id": model_id,
                    "res_id": patient.id,
                    "activity_type_id": activity_type.id,
                    # no name: the summary is shown wherever the activity is
                    "summary": self.env._("Safety alert: %(scale)s", scale=result.scale_id.code),
                    "note": self.env._(
                        "The answer of %(date)s to the safety item (thoughts of death or self-harm) is above 0: "
                        "see the patient without delay.", date=result.date.strftime("%d/%m/%Y"),
                    ),
                    "user_id": user.id,
                    "date_deadline": result.date,
                })
        # No e-mail: the assignment notice would carry the patient's name.
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)

    def action_open_answers(self):
        """The answers of the questionnaire, as printed by the survey module."""
        self.ensure_one()
        self.check_access("read")
        self._trace("view", "action_open_answers")
        # sudo: the tokens of the answers the user reads (record rule above)
        user_input = self.sudo().user_input_id
        return {
            "type": "ir.actions.act_url",
            "url": f"/survey/print/{user_input.survey_id.access_token}?answer_token={user_input.access_token}",
            "target": "new",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clinical_record(self):
        if self.env.su and self.env.context.get(ANONYMISING):
            return
        raise UserError(self.env._("A result of a patient file cannot be deleted."))
