from odoo import models
from odoo.exceptions import AccessError


class IrRule(models.Model):
    _inherit = "ir.rule"

    def _make_access_error(self, operation, records):
        """In debug mode Odoo lists the refused records by name: a patient's
        name would reach whoever tries its id. Name the kind of record only."""
        # sudo: the model names of the refused files only, to word the message
        if records._name == "ir.attachment" and any(
            getattr(self.env.get(model), "_microstructure_confidential", False)
            for model in records.sudo().mapped("res_model") if model
        ):
            # a file of a patient's record is often named after the patient
            self = self.with_context(**self.env.user.context_get())
            return AccessError(self.env._(
                "You may not access this file: it belongs to a care team you are not a current member of."
            ))
        if not getattr(records, "_microstructure_confidential", False):
            return super()._make_access_error(operation, records)
        # a refused attempt is traced, even though its request rolls back
        self.env["microstructure.access.log"]._record(
            "refused", records._get_trace_pairs() or [(False, False)], None, refused=True,
        )
        self = self.with_context(**self.env.user.context_get())
        description = self.env["ir.model"]._get(records._name).name or records._name
        return AccessError(
            self.env._(
                "You may not access this record (%(kind)s): it belongs to a care team "
                "you are not a current member of.",
                kind=description,
            )
        )
