from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class MicrostructureMeetingLine(models.Model):
    _name = "microstructure.meeting.line"
    _description = "Patient discussed in a meeting"
    _inherit = ["microstructure.confidential"]
    _order = "meeting_id, sequence, id"
    _scope_fields = ("meeting_id", "patient_id")

    meeting_id = fields.Many2one(
        "microstructure.meeting", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    site_id = fields.Many2one(related="meeting_id.site_id", store=True, index=True)
    meeting_date = fields.Datetime(related="meeting_id.start", store=True)
    meeting_state = fields.Selection(related="meeting_id.state", store=True)
    patient_id = fields.Many2one(
        "microstructure.patient",
        required=True,
        ondelete="restrict",
        index=True,
        domain="[('site_id', '=', site_id)]",
    )
    summary = fields.Text()
    decision = fields.Text()
    responsible_id = fields.Many2one(
        "microstructure.professional",
        string="In charge",
        ondelete="restrict",
        domain="[('membership_ids.site_id', '=', site_id)]",
    )
    deadline = fields.Date()
    # indexed: marking any activity done sets it to null in the lines that hold it
    activity_id = fields.Many2one(
        "mail.activity", ondelete="set null", readonly=True, copy=False, index="btree_not_null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            meetings = self.env["microstructure.meeting"].browse(
                [vals["meeting_id"] for vals in vals_list if isinstance(vals.get("meeting_id"), int)]
            )
            meetings._check_not_held({"line_ids": True})
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self.meeting_id._check_not_held({"line_ids": True})
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_held(self):
        self.meeting_id._check_not_held({"line_ids": True})

    @api.constrains("patient_id", "meeting_id")
    def _check_patient_site(self):
        for line in self:
            if line.patient_id.site_id != line.meeting_id.site_id:
                raise ValidationError(
                    self.env._("A meeting discusses the patients of its own site only.")
                )

    def _create_activities(self):
        todo = self.filtered(lambda line: line.decision and line.responsible_id and not line.activity_id)
        missing_user = todo.filtered(lambda line: not line.responsible_id.user_id)
        if missing_user:
            raise UserError(
                self.env._(
                    "%(professional)s has no login: choose someone in charge who uses the application.",
                    professional=missing_user[0].responsible_id.name,
                )
            )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("microstructure.patient")
        vals_list = []
        for line in todo:
            meeting_day = line.meeting_id.start.date()
            vals_list.append({
                "res_model_id": model_id,
                "res_id": line.patient_id.id,
                "activity_type_id": activity_type.id,
                "summary": self.env._("Decision of the meeting of %(date)s", date=meeting_day.strftime("%d/%m/%Y")),
                "note": line.decision,
                "user_id": line.responsible_id.user_id.id,
                "date_deadline": line.deadline or meeting_day + timedelta(days=7),
            })
        # No e-mail: the assignment notice would carry the patient's name.
        activities = self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)
        for line, activity in zip(todo, activities):
            # sudo: the activity of the decision is set by the application
            # (the field is read-only for the user)
            line.sudo().activity_id = activity
