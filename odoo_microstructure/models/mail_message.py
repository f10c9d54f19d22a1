from odoo import api, models
from odoo.exceptions import AccessError
from odoo.osv import expression

from .microstructure_confidential import readable_documents_domain, unreadable_documents


class MailMessage(models.Model):
    """A message on a care team's record is read by those who read the record.

    Odoo also lets its author, its recipients and whoever was notified read
    it: a former member of the team, or someone named by mistake, would keep
    reading what the team writes about a patient.
    """

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

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.is_superuser():
            domain = expression.AND([domain, readable_documents_domain(self.env, "model", "res_id")])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.is_superuser() or not self or operation == "create":
            return result
        forbidden = unreadable_documents(self, "model", "res_id")
        if forbidden:
            return forbidden, lambda: AccessError(
                self.env._("You may not read the messages of a care team you do not belong to.")
            )
        return None
