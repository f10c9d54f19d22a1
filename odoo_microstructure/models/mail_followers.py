from odoo import api, models
from odoo.exceptions import AccessError
from odoo.osv import expression

from .microstructure_confidential import readable_documents_domain, unreadable_documents


class MailFollowers(models.Model):
    """Followers of a record covered by medical secrecy are read by those who
    read the record only: a follower names its record's id and who follows it.
    Odoo lets every internal user read and count all followers."""

    _inherit = "mail.followers"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            domain = expression.AND([
                domain, readable_documents_domain(self.env, "res_model", "res_id", "message_follower_ids"),
            ])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not self:
            return result
        forbidden = unreadable_documents(self, "res_model", "res_id", "message_follower_ids")
        if forbidden:
            return forbidden, lambda: AccessError(
                self.env._("You may not see who follows a record of a care team you do not belong to.")
            )
        return None
