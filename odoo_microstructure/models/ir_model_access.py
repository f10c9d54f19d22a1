from odoo import api, models


class IrModelAccess(models.Model):
    _inherit = "ir.model.access"

    @api.model
    def _make_access_error(self, model: str, mode: str):
        # a refused attempt on patient data is traced, even without a record
        Model = self.env.get(model)
        if Model is not None and getattr(Model, "_microstructure_confidential", False):
            self.env["microstructure.access.log"]._record("refused", [(False, False)], None, refused=True)
        return super()._make_access_error(model, mode)
