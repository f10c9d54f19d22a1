from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools import indicator_definitions as definitions


class MicrostructureLiaisonFunnel(models.Model):
    """One row per liaison sheet, with its steps as counts and its delays in
    days, for the pivot and graph of the referral funnel."""

    _name = "microstructure.liaison.funnel"
    _description = "Liaison funnel"
    _auto = False
    _order = "date desc"

    site_id = fields.Many2one("microstructure.site", readonly=True)
    network_id = fields.Many2one("microstructure.network", readonly=True)
    region_id = fields.Many2one("microstructure.region", readonly=True)
    social_service_id = fields.Many2one("microstructure.social.service", readonly=True)
    date = fields.Date(readonly=True)
    state = fields.Selection(
        lambda self: self.env["microstructure.liaison"]._fields["state"].selection,
        string="Step", readonly=True,
    )
    sheet_count = fields.Integer(string="Sheets", readonly=True, aggregator="sum")
    sent_count = fields.Integer(string="Sent", readonly=True, aggregator="sum")
    handled_count = fields.Integer(
        string="Handled", readonly=True, aggregator="sum",
        help="Sheets that led to an interview with the social worker.",
    )
    accompanied_count = fields.Integer(string="Accompanied", readonly=True, aggregator="sum")
    delay_contact = fields.Float(
        string="Days from alert to contact", readonly=True, aggregator="avg",
    )
    delay_interview = fields.Float(
        string="Days from contact to interview", readonly=True, aggregator="avg",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # the steps and delays of the regional report (one definition); a
        # cancelled sheet keeps its row, counted nowhere
        counted = definitions.liaison_counted("liaison")
        self.env.cr.execute(SQL(
            """
            CREATE OR REPLACE VIEW microstructure_liaison_funnel AS (
                SELECT liaison.id,
                       liaison.site_id,
                       site.network_id,
                       site.region_id,
                       liaison.social_service_id,
                       liaison.date,
                       liaison.state,
                       (%(counted)s)::int AS sheet_count,
                       (%(counted)s AND %(sent)s)::int AS sent_count,
                       (%(counted)s AND %(handled)s)::int AS handled_count,
                       (%(counted)s AND %(accompanied)s)::int AS accompanied_count,
                       %(delay_contact)s AS delay_contact,
                       %(delay_interview)s AS delay_interview
                  FROM microstructure_liaison liaison
                  JOIN microstructure_site site ON site.id = liaison.site_id
            )
            """,
            counted=counted,
            sent=definitions.liaison_step_reached("liaison", "sent"),
            handled=definitions.liaison_step_reached("liaison", "handled"),
            accompanied=definitions.liaison_step_reached("liaison", "accompanied"),
            delay_contact=definitions.liaison_delay("liaison", "contact"),
            delay_interview=definitions.liaison_delay("liaison", "interview"),
        ))
