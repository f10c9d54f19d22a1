from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class MicrostructurePermanencePlanning(models.TransientModel):
    """Plans the weekly permanences of a professional at a site."""

    _name = "microstructure.permanence.planning"
    _description = "Weekly planning of permanences"

    site_id = fields.Many2one("microstructure.site", required=True)
    professional_id = fields.Many2one(
        "microstructure.professional",
        required=True,
        domain="[('profession', 'in', ('psychologist', 'social_worker')), "
        "('membership_ids.site_id', '=', site_id)]",
    )
    weekday_id = fields.Many2one("microstructure.weekday", string="Day", required=True)
    hour_from = fields.Float(string="From", required=True, default=9.0)
    hour_to = fields.Float(string="To", required=True, default=12.0)
    slot_minutes = fields.Integer(string="Slot length (minutes)", required=True, default=45)
    date_from = fields.Date(string="First week", required=True, default=fields.Date.context_today)
    date_to = fields.Date(string="Last week", required=True)
    every_weeks = fields.Integer(string="Every (weeks)", required=True, default=1)

    @api.constrains("date_from", "date_to", "hour_from", "hour_to", "every_weeks")
    def _check_values(self):
        for planning in self:
            if planning.date_to < planning.date_from:
                raise ValidationError(self.env._("The last week cannot be before the first one."))
            if planning.hour_to <= planning.hour_from:
                raise ValidationError(self.env._("The permanence must end after it starts."))
            if planning.every_weeks < 1:
                raise ValidationError(self.env._("Plan at least one permanence every week or more."))

    def _get_dates(self):
        self.ensure_one()
        day = self.date_from + timedelta(days=(self.weekday_id.sequence - 1 - self.date_from.weekday()) % 7)
        dates = []
        while day <= self.date_to:
            dates.append(day)
            day += timedelta(weeks=self.every_weeks)
        return dates

    def _to_utc(self, day, hours):
        tz = pytz.timezone(self.env.user.tz or "Europe/Paris")
        local = tz.localize(datetime.combine(day, time()) + timedelta(hours=hours))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def action_plan(self):
        self.ensure_one()
        dates = self._get_dates()
        if not dates:
            raise UserError(self.env._("No such day between these dates."))
        permanences = self.env["microstructure.permanence"].create([
            {
                "site_id": self.site_id.id,
                "professional_id": self.professional_id.id,
                "start": self._to_utc(day, self.hour_from),
                "stop": self._to_utc(day, self.hour_to),
                "slot_minutes": self.slot_minutes,
            }
            for day in dates
        ])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_permanence_action"
        )
        action["domain"] = [("id", "in", permanences.ids)]
        # open the calendar on the week of the first permanence planned
        action["context"] = {"initial_date": fields.Datetime.to_string(permanences.sorted("start")[0].start)}
        action["name"] = self.env._("Permanences planned")
        return action
