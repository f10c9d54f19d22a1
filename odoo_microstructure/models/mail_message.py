from odoo import api, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model
    def _get_record_name(self, values):
        """A message on a care team's record carries its neutral label: the
        record name reaches whoever is notified."""
        model = values.get("model", self.env.context.get("default_model"))
        res_id = values.get("res_id", self.env.context.get("default_res_id"))
        if model in self.env and res_id and hasattr(self.env[model], "_get_neutral_name"):
            return self.env[model].browse(res_id)._get_neutral_name()
        return super()._get_record_name(values)
