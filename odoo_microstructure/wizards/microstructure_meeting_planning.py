from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MicrostructureMeetingPlanning(models.TransientModel):
    """Plans a series of meetings: monthly synthesis meetings, or review
    meetings every six months."""

    _name = "microstructure.meeting.planning"
    _description = "Planning of care team meetings"

    site_id = fields.Many2one("microstructure.site", required=True)
    kind = fields.Selection(
        [("synthesis", "Synthesis meeting"), ("review", "Review meeting with the social service")],
        required=True,
        default="synthesis",
    )
    first_start = fields.Datetime(string="First meeting", required=True)
    duration = fields.Float(default=2.0, required=True)
    location = fields.Char()
    count = fields.Integer(string="Number of meetings", required=True, default=12)
    every_months = fields.Integer(string="Every (months)", required=True, default=1)

    @api.onchange("kind")
    def _onchange_kind(self):
        self.every_months = 6 if self.kind == "review" else 1
        self.count = 2 if self.kind == "review" else 12

    @api.constrains("count", "every_months")
    def _check_values(self):
        for planning in self:
            if not 1 <= planning.count <= 36 or planning.every_months < 1:
                raise ValidationError(
                    self.env._("Plan between 1 and 36 meetings, at least one month apart.")
                )

    def action_plan(self):
        self.ensure_one()
        meetings = self.env["microstructure.meeting"].create([
            {
                "kind": self.kind,
                "site_id": self.site_id.id,
                "start": self.first_start + relativedelta(months=index * self.every_months),
                "duration": self.duration,
                "location": self.location,
            }
            for index in range(self.count)
        ])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_meeting_action"
        )
        action["domain"] = [("id", "in", meetings.ids)]
        action["view_mode"] = "list,form,calendar,kanban"
        action["views"] = [(False, "list"), (False, "form"), (False, "calendar"), (False, "kanban")]
        action["context"] = {"initial_date": fields.Datetime.to_string(meetings.sorted("start")[0].start)}
        action["name"] = self.env._("Meetings planned")
        return action
