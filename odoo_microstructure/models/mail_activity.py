from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError


class MailActivity(models.Model):
    """An activity on a record covered by medical secrecy goes to a current
    member of its care team only: its assignee is notified, and reads its
    summary and note."""

    _inherit = "mail.activity"

    microstructure_scale_id = fields.Many2one(
        "microstructure.scale",
        string="Scale due",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
        help="Validated scale whose schedule gave this activity: it is marked done when a result "
        "of the scale is recorded for the patient.",
    )

    @api.depends("res_model", "res_id")
    def _compute_res_name(self):
        result = super()._compute_res_name()
        for activity in self:
            Model = self.env.get(activity.res_model) if activity.res_model else None
            if Model is not None and hasattr(Model, "_get_neutral_name") and activity.res_id:
                activity.res_name = Model.browse(activity.res_id)._get_neutral_name()
        return result

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._check_microstructure_assignee()
        return activities

    def write(self, vals):
        result = super().write(vals)
        if {"user_id", "res_model", "res_id", "res_model_id"} & set(vals):
            self._check_microstructure_assignee()
        return result

    def _check_microstructure_assignee(self):
        # one check per model and assignee: the partners allowed on a set of
        # records are those allowed on each of them
        res_ids = defaultdict(set)
        for activity in self:
            Model = self.env.get(activity.res_model)
            if Model is None or not getattr(Model, "_microstructure_confidential", False) \
                    or not activity.user_id or not hasattr(Model, "_get_allowed_partners"):
                continue
            res_ids[activity.res_model, activity.user_id].add(activity.res_id)
        for (model, user), ids in res_ids.items():
            if user.partner_id not in self.env[model].browse(ids)._get_allowed_partners():
                raise UserError(
                    self.env._(
                        "%(user)s is not a current member of the care team: an activity on "
                        "its records cannot be assigned to them.",
                        user=user.name,
                    )
                )
