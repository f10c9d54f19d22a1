from odoo import api, models

from ..populate import population


class MicrostructurePopulation(models.AbstractModel):
    """What the demo data files call (``<function>`` needs a model): the
    demo's activity, survey answers and liaison sheets, made by the
    ``populate`` package, where the generators and their figures live."""

    _name = "microstructure.population"
    _description = "Population generator"

    @api.model
    def _populate_demo_activity(self, site_ids):
        return population.populate_demo_activity(self.env, site_ids)

    @api.model
    def _populate_demo_survey(self):
        population.populate_demo_survey(self.env)

    @api.model
    def _replay_last_year(self, site_id, office_id, social_worker_id, requester_id, carsat_user_id):
        return population.replay_last_year(
            self.env,
            self.env["microstructure.site"].browse(site_id),
            self.env["microstructure.social.service"].browse(office_id),
            self.env["microstructure.professional"].browse(social_worker_id),
            self.env["res.users"].browse(requester_id),
            self.env["res.users"].browse(carsat_user_id),
        ).ids

    @api.model
    def _demo_current_sheets(self, site_id, office_id, requester_id, carsat_user_id):
        return population.demo_current_sheets(self.env, site_id, office_id, requester_id, carsat_user_id).ids
