from odoo import api, models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    @api.depends("composition_mode", "model", "parent_id", "res_domain", "res_ids")
    def _compute_record_name(self):
        """The composer computes the record name as superuser, for any id it
        is given: on a care team's record, it is the neutral label."""
        result = super()._compute_record_name()
        for composer in self:
            Model = self.env.get(composer.model) if composer.model else None
            if Model is None or not hasattr(Model, "_get_neutral_name"):
                continue
            res_ids = composer._evaluate_res_ids()
            composer.record_name = (
                Model.browse(res_ids)._get_neutral_name() if len(res_ids) == 1 else False
            )
        return result
