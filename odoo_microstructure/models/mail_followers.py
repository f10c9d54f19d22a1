from odoo import api, models
from odoo.exceptions import AccessError
from odoo.osv import expression


class MailFollowers(models.Model):
    """Followers of a record covered by medical secrecy are read by those who
    read the record only: a follower names its record's id and who follows it.
    Odoo lets every internal user read and count all followers."""

    _inherit = "mail.followers"

    @api.model
    def _get_confidential_models(self):
        return [
            name for name, model in self.env.registry.items()
            if getattr(model, "_microstructure_confidential", False) and not model._abstract
            and "message_follower_ids" in model._fields
        ]

    @api.model
    def _get_confidential_domain(self):
        """Followers of confidential records the user reads, or of anything else."""
        confidential = self._get_confidential_models()
        domains = [[("res_model", "not in", confidential)]]
        for name in confidential:
            Model = self.env[name].with_context(active_test=False)
            if Model.has_access("read"):
                domains.append([("res_model", "=", name), ("res_id", "in", Model._search([]))])
        return expression.OR(domains)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            domain = expression.AND([domain, self._get_confidential_domain()])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not self:
            return result
        forbidden = self.browse()
        followers = self.sudo()
        for name in self._get_confidential_models():
            of_model = followers.filtered(lambda follower, name=name: follower.res_model == name)
            if not of_model:
                continue
            records = self.env[name].with_context(active_test=False).browse(of_model.mapped("res_id"))
            readable = set(records.exists()._filtered_access("read").ids)
            forbidden |= self.browse(of_model.filtered(lambda f: f.res_id not in readable).ids)
        if forbidden:
            return forbidden, lambda: AccessError(
                self.env._("You may not see who follows a record of a care team you do not belong to.")
            )
        return None
