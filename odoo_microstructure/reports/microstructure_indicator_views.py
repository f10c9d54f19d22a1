"""Indicator views for the pivot and graph dashboards of network
administrators and regional managers.

Each view aggregates its rows per site and month (never one row per patient,
consultation or liaison sheet), and its rows cannot be read one by one: only
``read_group`` answers, and it masks the counts of 1 to 10 people.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError

SMALL = range(1, 11)


class MicrostructureIndicatorMixin(models.AbstractModel):
    _name = "microstructure.indicator.mixin"
    _description = "Aggregated indicator"
    _auto = False
    _order = "date desc"

    # fields counting people (or what happened to them): masked from 1 to 10
    _person_measures = ()
    # ratio fields: (numerator, denominator, factor)
    _ratio_measures = {}

    site_id = fields.Many2one("microstructure.site", readonly=True)
    network_id = fields.Many2one("microstructure.network", readonly=True)
    region_id = fields.Many2one("microstructure.region", readonly=True)
    date = fields.Date(string="Month", readonly=True)

    def _fetch_query(self, query, fields):
        """No row is read one by one, by any path (forms, lists, exports)."""
        if not self.env.su:
            raise AccessError(
                self.env._("The indicators are read aggregated only, in the pivot and graph views.")
            )
        return super()._fetch_query(query, fields)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        names = {spec.split(":")[0] for spec in fields}
        needed = set()
        for ratio, (numerator, denominator, _factor) in self._ratio_measures.items():
            if ratio in names:
                needed |= {numerator, denominator}
        fields = list(fields) + [f"{name}:sum" for name in needed - names]
        result = super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)
        for group in result:
            for ratio, (numerator, denominator, factor) in self._ratio_measures.items():
                if ratio not in names:
                    continue
                num, den = group.get(numerator) or 0, group.get(denominator) or 0
                small = any(
                    name in self._person_measures and value in SMALL
                    for name, value in ((numerator, num), (denominator, den))
                )
                group[ratio] = False if small or not den else factor * num / den
            for name in self._person_measures:
                if group.get(name) in SMALL:
                    group[name] = False
            for name in needed - names:
                group.pop(name, None)
        return result


class MicrostructureIndicatorPatient(models.Model):
    _name = "microstructure.indicator.patient"
    _inherit = "microstructure.indicator.mixin"
    _description = "Patients (indicator)"
    _auto = False
    _person_measures = ("patient_count",)
    _ratio_measures = {"mean_age": ("age_total", "patient_count", 1.0)}

    motive = fields.Selection(
        [("addiction", "Addictions / precarity"), ("mental_health", "Mental health")],
        readonly=True,
    )
    sex = fields.Selection([("female", "Female"), ("male", "Male")], readonly=True)
    state = fields.Selection([("followed", "Followed"), ("exited", "Exited")], string="Status", readonly=True)
    patient_count = fields.Integer(string="Patients", readonly=True, aggregator="sum")
    age_total = fields.Float(readonly=True, aggregator="sum")
    mean_age = fields.Float(
        readonly=True, aggregator="sum", digits=(16, 1), help="Mean age today, in years.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("""
            CREATE VIEW microstructure_indicator_patient AS (
                SELECT row_number() OVER () AS id, data.*
                  FROM (
                    SELECT patient.site_id, site.network_id, site.region_id,
                           date_trunc('month', patient.inclusion_date)::date AS date,
                           CASE WHEN patient.motive_addiction OR patient.motive_precarity THEN 'addiction'
                                WHEN patient.motive_mental_health THEN 'mental_health' END AS motive,
                           patient.sex, patient.state,
                           count(*) AS patient_count,
                           sum((CURRENT_DATE - patient.birth_date) / 365.25) AS age_total,
                           0.0 AS mean_age
                      FROM microstructure_patient patient
                      JOIN microstructure_site site ON site.id = patient.site_id
                     WHERE patient.active
                     GROUP BY 1, 2, 3, 4, 5, 6, 7
                  ) data
            )
        """)


class MicrostructureIndicatorActivity(models.Model):
    _name = "microstructure.indicator.activity"
    _inherit = "microstructure.indicator.mixin"
    _description = "Activity (indicator)"
    _auto = False
    _person_measures = (
        "inclusion_count", "exit_count", "consultation_count", "done_count", "no_show_count",
        "due_count", "booked_count", "sheet_count", "sent_count", "handled_count",
        "accompanied_count", "answer_count",
    )
    _ratio_measures = {
        "no_show_rate": ("no_show_count", "due_count", 100.0),
        "fill_rate": ("booked_count", "slot_count", 100.0),
        "attendance_rate": ("present_count", "invited_count", 100.0),
    }

    profession = fields.Selection(
        lambda self: self.env["microstructure.professional"]._fields["profession"].selection,
        readonly=True,
    )
    inclusion_count = fields.Integer(string="Inclusions", readonly=True, aggregator="sum")
    exit_count = fields.Integer(string="Exits", readonly=True, aggregator="sum")
    consultation_count = fields.Integer(string="Consultations", readonly=True, aggregator="sum")
    done_count = fields.Integer(string="Consultations done", readonly=True, aggregator="sum")
    no_show_count = fields.Integer(string="No-shows", readonly=True, aggregator="sum")
    due_count = fields.Integer(
        string="Consultations due", readonly=True, aggregator="sum",
        help="Consultations done, missed or excused.",
    )
    no_show_rate = fields.Float(string="No-show rate (%)", readonly=True, aggregator="sum")
    permanence_count = fields.Integer(string="Permanences held", readonly=True, aggregator="sum")
    slot_count = fields.Integer(string="Slots", readonly=True, aggregator="sum")
    booked_count = fields.Integer(string="Slots booked", readonly=True, aggregator="sum")
    fill_rate = fields.Float(string="Fill rate (%)", readonly=True, aggregator="sum")
    meeting_count = fields.Integer(string="Meetings held", readonly=True, aggregator="sum")
    invited_count = fields.Integer(string="Professionals invited", readonly=True, aggregator="sum")
    present_count = fields.Integer(string="Professionals present", readonly=True, aggregator="sum")
    attendance_rate = fields.Float(string="Attendance rate (%)", readonly=True, aggregator="sum")
    sheet_count = fields.Integer(string="Liaison sheets", readonly=True, aggregator="sum")
    sent_count = fields.Integer(string="Sheets sent", readonly=True, aggregator="sum")
    handled_count = fields.Integer(string="Sheets handled", readonly=True, aggregator="sum")
    accompanied_count = fields.Integer(string="Patients accompanied", readonly=True, aggregator="sum")
    answer_count = fields.Integer(string="Survey answers", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("""
            CREATE VIEW microstructure_indicator_activity AS (
                SELECT row_number() OVER () AS id, events.site_id, site.network_id, site.region_id,
                       events.date, events.profession,
                       sum(inclusion_count)::int AS inclusion_count,
                       sum(exit_count)::int AS exit_count,
                       sum(consultation_count)::int AS consultation_count,
                       sum(done_count)::int AS done_count,
                       sum(no_show_count)::int AS no_show_count,
                       sum(due_count)::int AS due_count,
                       sum(permanence_count)::int AS permanence_count,
                       sum(slot_count)::int AS slot_count,
                       sum(booked_count)::int AS booked_count,
                       sum(meeting_count)::int AS meeting_count,
                       sum(invited_count)::int AS invited_count,
                       sum(present_count)::int AS present_count,
                       sum(sheet_count)::int AS sheet_count,
                       sum(sent_count)::int AS sent_count,
                       sum(handled_count)::int AS handled_count,
                       sum(accompanied_count)::int AS accompanied_count,
                       sum(answer_count)::int AS answer_count,
                       0.0 AS no_show_rate, 0.0 AS fill_rate, 0.0 AS attendance_rate
                  FROM (
                    SELECT patient.site_id, date_trunc('month', patient.inclusion_date)::date AS date,
                           NULL::varchar AS profession,
                           1 AS inclusion_count, 0 AS exit_count, 0 AS consultation_count, 0 AS done_count,
                           0 AS no_show_count, 0 AS due_count, 0 AS permanence_count, 0 AS slot_count,
                           0 AS booked_count, 0 AS meeting_count, 0 AS invited_count, 0 AS present_count,
                           0 AS sheet_count, 0 AS sent_count, 0 AS handled_count, 0 AS accompanied_count,
                           0 AS answer_count
                      FROM microstructure_patient patient WHERE patient.active
                    UNION ALL
                    SELECT patient.site_id, date_trunc('month', patient.exit_date)::date, NULL,
                           0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                      FROM microstructure_patient patient
                     WHERE patient.active AND patient.exit_date IS NOT NULL
                    UNION ALL
                    SELECT consultation.site_id, date_trunc('month', consultation.start)::date,
                           professional.profession,
                           0, 0, 1, (consultation.state = 'done')::int, (consultation.state = 'no_show')::int,
                           (consultation.state IN ('done', 'no_show', 'excused'))::int,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                      FROM microstructure_consultation consultation
                      JOIN microstructure_professional professional
                        ON professional.id = consultation.professional_id
                    UNION ALL
                    SELECT permanence.site_id, date_trunc('month', permanence.start)::date,
                           permanence.profession,
                           0, 0, 0, 0, 0, 0, 1, permanence.slot_count, permanence.booked_count,
                           0, 0, 0, 0, 0, 0, 0, 0
                      FROM microstructure_permanence permanence WHERE permanence.state = 'held'
                    UNION ALL
                    SELECT meeting.site_id, date_trunc('month', meeting.start)::date, NULL,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                           (SELECT count(*) FROM microstructure_meeting_attendee_rel rel
                             WHERE rel.meeting_id = meeting.id)::int,
                           (SELECT count(*) FROM microstructure_meeting_present_rel rel
                             WHERE rel.meeting_id = meeting.id)::int,
                           0, 0, 0, 0, 0
                      FROM microstructure_meeting meeting WHERE meeting.state = 'done'
                    UNION ALL
                    SELECT liaison.site_id, date_trunc('month', liaison.date)::date, NULL,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                           (liaison.date_sent IS NOT NULL)::int, (liaison.date_assessed IS NOT NULL)::int,
                           (liaison.date_accompanied IS NOT NULL)::int, 0
                      FROM microstructure_liaison liaison WHERE liaison.state != 'cancelled'
                    UNION ALL
                    SELECT answer.microstructure_site_id, date_trunc('month', answer.end_datetime)::date,
                           NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
                      FROM survey_user_input answer
                     WHERE answer.microstructure_site_id IS NOT NULL AND answer.state = 'done'
                       AND NOT coalesce(answer.test_entry, FALSE)
                  ) events
                  JOIN microstructure_site site ON site.id = events.site_id
                 GROUP BY events.site_id, site.network_id, site.region_id, events.date, events.profession
            )
        """)


class MicrostructureIndicatorSatisfaction(models.Model):
    _name = "microstructure.indicator.satisfaction"
    _inherit = "microstructure.indicator.mixin"
    _description = "Patient satisfaction (indicator)"
    _auto = False
    _person_measures = ("respondent_count", "positive_count")
    _ratio_measures = {"positive_share": ("positive_count", "respondent_count", 100.0)}

    question = fields.Selection(
        lambda self: self.env["survey.question"]._fields["microstructure_indicator"].selection,
        readonly=True,
    )
    respondent_count = fields.Integer(string="Respondents", readonly=True, aggregator="sum")
    positive_count = fields.Integer(string="Positive answers", readonly=True, aggregator="sum")
    positive_share = fields.Float(string="Share positive (%)", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("""
            CREATE VIEW microstructure_indicator_satisfaction AS (
                SELECT row_number() OVER () AS id, answer.microstructure_site_id AS site_id,
                       site.network_id, site.region_id,
                       date_trunc('month', answer.end_datetime)::date AS date,
                       question.microstructure_indicator AS question,
                       count(DISTINCT answer.id)::int AS respondent_count,
                       (count(DISTINCT answer.id) FILTER (WHERE suggestion.microstructure_positive))::int
                           AS positive_count,
                       0.0 AS positive_share
                  FROM survey_user_input answer
                  JOIN microstructure_site site ON site.id = answer.microstructure_site_id
                  JOIN survey_user_input_line line ON line.user_input_id = answer.id
                  JOIN survey_question question ON question.id = line.question_id
                  LEFT JOIN survey_question_answer suggestion ON suggestion.id = line.suggested_answer_id
                 WHERE answer.state = 'done' AND NOT coalesce(answer.test_entry, FALSE)
                   AND NOT coalesce(line.skipped, FALSE)
                   AND question.microstructure_indicator IS NOT NULL
                 GROUP BY 2, 3, 4, 5, 6
            )
        """)
