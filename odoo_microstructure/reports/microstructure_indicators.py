"""Regional indicators: the figures of the national report, per scope and
period, computed by aggregation queries in PostgreSQL.

The scope is a set of sites found through the ORM, so under the record rules
of the user (a regional manager finds the sites of its regions, a network
administrator those of its networks). The aggregation queries then run on
these sites only and return counts, never a row of patient, consultation or
liaison sheet. The published tables go through small-count protection
(``microstructure_small_counts.protect``) and carry whitelisted columns only.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from .microstructure_small_counts import PRIMARY, protect

# Every column a published table may carry. Nothing identifies a person:
# sites, networks and regions are public facts.
EXPORT_COLUMNS = frozenset({
    "region", "site", "network", "profession", "motive", "substance", "rank", "month",
    "kind", "question", "step",
    "sites", "polyvalent", "polyvalent_share", "networks", "professionals",
    "men", "women", "patients", "men_share", "women_share", "mean_age",
    "addiction", "mental_health", "inclusions", "exits",
    "done", "no_show", "excused", "cancelled", "consultations", "no_show_rate",
    "permanences", "slots", "booked", "fill_rate",
    "meetings", "invited", "present", "attendance_rate", "discussed",
    "sheets", "sent", "handled", "accompanied", "median_contact", "median_interview",
    "respondents", "positive", "positive_share", "answers",
})
# Identifying data that no published table may ever carry.
FORBIDDEN_COLUMNS = frozenset({
    "name", "first_names", "birth_name", "birth_date", "street", "zip", "city", "phone",
    "email", "nir", "rpps", "adeli", "patient_id", "usage_name", "first_name",
})
MOTIVES = ("addiction", "mental_health")
PROFESSIONS = ("gp", "psychologist", "social_worker", "psychiatrist")
SATISFACTION_QUESTIONS = (
    "never_social_worker", "never_psychiatrist", "never_psychologist",
    "quality_of_life", "consumption", "recommend",
)


def _share(part, whole):
    """Share (0 to 1) or the mask of the cells it would reveal."""
    for value in (part, whole):
        if isinstance(value, str):
            return value
    return part / whole if whole else None


def _masked(value):
    return isinstance(value, str)


class MicrostructureIndicators(models.AbstractModel):
    _name = "microstructure.indicators"
    _description = "Regional indicators"

    # SCOPE -------------------------------------------------------------------
    @api.model
    def _get_scope_sites(self, regions=None, networks=None):
        """Sites of the scope, as the current user may read them."""
        domain = []
        if regions:
            domain.append(("region_id", "in", regions.ids))
        if networks:
            domain.append(("network_id", "in", networks.ids))
        return self.env["microstructure.site"].with_context(active_test=False).search(domain)

    def _bounds(self, date_from, date_to):
        """UTC datetimes of the start of ``date_from`` and of the day after
        ``date_to``, in the user's time zone."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "Europe/Paris")

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        return utc(date_from), utc(date_to + timedelta(days=1))

    # RAW FIGURES (SQL) -------------------------------------------------------
    @api.model
    def _compute_figures(self, sites, date_from, date_to):
        """All the figures of ``sites`` over the period, as plain counts.

        One aggregation query per table; no record of patient, consultation or
        liaison sheet is read.
        """
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        start, stop = self._bounds(date_from, date_to)
        params = {"sites": sites.ids or [0], "from": date_from, "to": date_to, "start": start, "stop": stop}
        self.env.flush_all()
        cr = self.env.cr
        figures = {}

        cr.execute(SQL("""
            SELECT site.region_id, count(*), count(*) FILTER (WHERE site.polyvalent),
                   count(DISTINCT site.network_id)
              FROM microstructure_site site
             WHERE site.id = ANY(%(sites)s)
               AND (site.date_open IS NULL OR site.date_open <= %(to)s)
               AND (site.date_end IS NULL OR site.date_end >= %(from)s)
             GROUP BY site.region_id
        """, **params))
        figures["sites"] = {region: (count, poly, networks) for region, count, poly, networks in cr.fetchall()}
        cr.execute(SQL("""
            SELECT count(DISTINCT site.network_id)
              FROM microstructure_site site
             WHERE site.id = ANY(%(sites)s)
               AND (site.date_open IS NULL OR site.date_open <= %(to)s)
               AND (site.date_end IS NULL OR site.date_end >= %(from)s)
        """, **params))
        figures["networks"] = cr.fetchone()[0]

        cr.execute(SQL("""
            SELECT membership.profession, count(DISTINCT membership.professional_id)
              FROM microstructure_membership membership
             WHERE membership.site_id = ANY(%(sites)s) AND membership.active
               AND membership.date_start <= %(to)s
               AND (membership.date_end IS NULL OR membership.date_end >= %(to)s)
             GROUP BY membership.profession
        """, **params))
        figures["professionals"] = dict(cr.fetchall())

        followed = SQL("""
            patient.site_id = ANY(%(sites)s) AND patient.active
            AND patient.inclusion_date <= %(to)s
            AND (patient.exit_date IS NULL OR patient.exit_date >= %(from)s)
        """, **params)
        motive = SQL("""
            CASE WHEN patient.motive_addiction OR patient.motive_precarity THEN 'addiction'
                 WHEN patient.motive_mental_health THEN 'mental_health' END
        """)
        cr.execute(SQL("""
            SELECT %(motive)s, patient.sex, count(*),
                   sum((%(to)s::date - patient.birth_date) / 365.25)
              FROM microstructure_patient patient
             WHERE %(followed)s
             GROUP BY 1, 2
        """, motive=motive, followed=followed, to=date_to))
        figures["patients"] = {(m, sex): (count, age) for m, sex, count, age in cr.fetchall()}

        cr.execute(SQL("""
            SELECT site.region_id, %(motive)s, count(*)
              FROM microstructure_patient patient
              JOIN microstructure_site site ON site.id = patient.site_id
             WHERE %(followed)s
             GROUP BY 1, 2
        """, motive=motive, followed=followed))
        figures["patients_by_region"] = {(region, m): count for region, m, count in cr.fetchall()}

        cr.execute(SQL("""
            SELECT rel.microstructure_substance_id, count(DISTINCT patient.id)
              FROM microstructure_patient patient
              JOIN microstructure_patient_microstructure_substance_rel rel
                ON rel.microstructure_patient_id = patient.id
             WHERE %(followed)s
             GROUP BY 1
        """, followed=followed))
        figures["substances"] = dict(cr.fetchall())

        cr.execute(SQL("""
            SELECT month, sum(inclusions)::int, sum(exits)::int FROM (
                SELECT date_trunc('month', patient.inclusion_date)::date AS month, 1 AS inclusions, 0 AS exits
                  FROM microstructure_patient patient
                 WHERE patient.site_id = ANY(%(sites)s) AND patient.active
                   AND patient.inclusion_date BETWEEN %(from)s AND %(to)s
                UNION ALL
                SELECT date_trunc('month', patient.exit_date)::date, 0, 1
                  FROM microstructure_patient patient
                 WHERE patient.site_id = ANY(%(sites)s) AND patient.active
                   AND patient.exit_date BETWEEN %(from)s AND %(to)s
            ) flows GROUP BY month ORDER BY month
        """, **params))
        figures["flows"] = [(month, inclusions, exits) for month, inclusions, exits in cr.fetchall()]

        cr.execute(SQL("""
            SELECT professional.profession,
                   count(*) FILTER (WHERE consultation.state = 'done'),
                   count(*) FILTER (WHERE consultation.state = 'no_show'),
                   count(*) FILTER (WHERE consultation.state = 'excused'),
                   count(*) FILTER (WHERE consultation.state = 'cancelled')
              FROM microstructure_consultation consultation
              JOIN microstructure_professional professional ON professional.id = consultation.professional_id
             WHERE consultation.site_id = ANY(%(sites)s)
               AND consultation.start >= %(start)s AND consultation.start < %(stop)s
             GROUP BY professional.profession
        """, **params))
        figures["consultations"] = {row[0]: row[1:] for row in cr.fetchall()}

        cr.execute(SQL("""
            SELECT permanence.profession, count(*), sum(permanence.slot_count)::int,
                   sum(permanence.booked_count)::int
              FROM microstructure_permanence permanence
             WHERE permanence.site_id = ANY(%(sites)s) AND permanence.state = 'held'
               AND permanence.start >= %(start)s AND permanence.start < %(stop)s
             GROUP BY permanence.profession
        """, **params))
        figures["permanences"] = {row[0]: row[1:] for row in cr.fetchall()}

        cr.execute(SQL("""
            SELECT meeting.kind, count(*),
                   coalesce(sum((SELECT count(*) FROM microstructure_meeting_attendee_rel rel
                                   WHERE rel.meeting_id = meeting.id)), 0)::int,
                   coalesce(sum((SELECT count(*) FROM microstructure_meeting_present_rel rel
                                   WHERE rel.meeting_id = meeting.id)), 0)::int,
                   coalesce(sum((SELECT count(DISTINCT line.patient_id) FROM microstructure_meeting_line line
                                   WHERE line.meeting_id = meeting.id)), 0)::int
              FROM microstructure_meeting meeting
             WHERE meeting.site_id = ANY(%(sites)s) AND meeting.state = 'done'
               AND meeting.start >= %(start)s AND meeting.start < %(stop)s
             GROUP BY meeting.kind
        """, **params))
        figures["meetings"] = {row[0]: row[1:] for row in cr.fetchall()}

        cr.execute(SQL("""
            SELECT site.region_id, count(*),
                   count(*) FILTER (WHERE liaison.date_sent IS NOT NULL),
                   count(*) FILTER (WHERE liaison.date_assessed IS NOT NULL),
                   count(*) FILTER (WHERE liaison.date_accompanied IS NOT NULL),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       EXTRACT(EPOCH FROM liaison.date_contacted - liaison.date_sent) / 86400),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       EXTRACT(EPOCH FROM liaison.date_assessed - liaison.date_contacted) / 86400)
              FROM microstructure_liaison liaison
              JOIN microstructure_site site ON site.id = liaison.site_id
             WHERE liaison.site_id = ANY(%(sites)s) AND liaison.state != 'cancelled'
               AND liaison.date BETWEEN %(from)s AND %(to)s
             GROUP BY site.region_id
        """, **params))
        figures["liaisons"] = {row[0]: row[1:] for row in cr.fetchall()}

        cr.execute(SQL("""
            SELECT question.microstructure_indicator,
                   count(DISTINCT answer.id),
                   count(DISTINCT answer.id) FILTER (WHERE suggestion.microstructure_positive)
              FROM survey_user_input answer
              JOIN survey_user_input_line line ON line.user_input_id = answer.id
              JOIN survey_question question ON question.id = line.question_id
              LEFT JOIN survey_question_answer suggestion ON suggestion.id = line.suggested_answer_id
             WHERE answer.microstructure_site_id = ANY(%(sites)s) AND answer.state = 'done'
               AND NOT coalesce(answer.test_entry, FALSE) AND NOT coalesce(line.skipped, FALSE)
               AND question.microstructure_indicator IS NOT NULL
               AND answer.end_datetime >= %(start)s AND answer.end_datetime < %(stop)s
             GROUP BY question.microstructure_indicator
        """, **params))
        figures["satisfaction"] = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(SQL("""
            SELECT count(*) FROM survey_user_input answer
             WHERE answer.microstructure_site_id = ANY(%(sites)s) AND answer.state = 'done'
               AND NOT coalesce(answer.test_entry, FALSE)
               AND answer.end_datetime >= %(start)s AND answer.end_datetime < %(stop)s
        """, **params))
        figures["survey_answers"] = cr.fetchone()[0]

        figures["activity"] = self._compute_site_activity(params)
        return figures

    def _compute_site_activity(self, params):
        """Per site: patients followed, consultations done, permanences and
        meetings held, liaison sheets, survey answers."""
        cr = self.env.cr
        activity = {site_id: [0] * 6 for site_id in params["sites"]}
        queries = [
            """SELECT patient.site_id, count(*) FROM microstructure_patient patient
                WHERE patient.site_id = ANY(%(sites)s) AND patient.active
                  AND patient.inclusion_date <= %(to)s
                  AND (patient.exit_date IS NULL OR patient.exit_date >= %(from)s)
                GROUP BY 1""",
            """SELECT consultation.site_id, count(*) FROM microstructure_consultation consultation
                WHERE consultation.site_id = ANY(%(sites)s) AND consultation.state = 'done'
                  AND consultation.start >= %(start)s AND consultation.start < %(stop)s
                GROUP BY 1""",
            """SELECT permanence.site_id, count(*) FROM microstructure_permanence permanence
                WHERE permanence.site_id = ANY(%(sites)s) AND permanence.state = 'held'
                  AND permanence.start >= %(start)s AND permanence.start < %(stop)s
                GROUP BY 1""",
            """SELECT meeting.site_id, count(*) FROM microstructure_meeting meeting
                WHERE meeting.site_id = ANY(%(sites)s) AND meeting.state = 'done'
                  AND meeting.start >= %(start)s AND meeting.start < %(stop)s
                GROUP BY 1""",
            """SELECT liaison.site_id, count(*) FROM microstructure_liaison liaison
                WHERE liaison.site_id = ANY(%(sites)s) AND liaison.state != 'cancelled'
                  AND liaison.date BETWEEN %(from)s AND %(to)s
                GROUP BY 1""",
            """SELECT answer.microstructure_site_id, count(*) FROM survey_user_input answer
                WHERE answer.microstructure_site_id = ANY(%(sites)s) AND answer.state = 'done'
                  AND NOT coalesce(answer.test_entry, FALSE)
                  AND answer.end_datetime >= %(start)s AND answer.end_datetime < %(stop)s
                GROUP BY 1""",
        ]
        for column, query in enumerate(queries):
            cr.execute(SQL(query, **params))
            for site_id, count in cr.fetchall():
                activity[site_id][column] = count
        return activity

    # PUBLISHED TABLES ----------------------------------------------------------
    @api.model
    def _get_tables(self, sites, date_from, date_to):
        """The published tables: dicts with ``key``, ``title``, ``columns``
        (``(key, label, kind)`` where kind is text, count, number, percent or
        decimal), ``rows`` and ``chart`` (the column keys to plot). Person
        counts are protected; derived shares and means are masked with them.
        """
        figures = self._compute_figures(sites, date_from, date_to)
        selection = self.env["microstructure.professional"]._fields["profession"]._description_selection(self.env)
        profession_label = dict(selection)
        regions = self.env["microstructure.region"].browse(
            sorted(set(figures["sites"]) | {r for r, _m in figures["patients_by_region"]} | set(figures["liaisons"]))
        ).sorted("name")
        motive_label = {"addiction": self.env._("Addictions / precarity"), "mental_health": self.env._("Mental health")}
        tables = []

        # Sites per region: public facts, published as they are
        rows = []
        for region in regions:
            count, poly, networks = figures["sites"].get(region.id, (0, 0, 0))
            if count:
                rows.append([region.name, count, poly, _share(poly, count), networks])
        total = sum(row[1] for row in rows)
        poly_total = sum(row[2] for row in rows)
        rows.append([self.env._("Total"), total, poly_total, _share(poly_total, total), figures["networks"]])
        tables.append(self._make_table("sites", self.env._("Sites per region"), [
            ("region", self.env._("Region"), "text"), ("sites", self.env._("Microstructures"), "number"),
            ("polyvalent", self.env._("Polyvalent"), "number"), ("polyvalent_share", self.env._("Share polyvalent"), "percent"),
            ("networks", self.env._("Networks"), "number"),
        ], rows, ["sites"]))

        # Professionals: public facts
        rows = [[profession_label[p], figures["professionals"].get(p, 0)] for p in PROFESSIONS]
        rows.append([self.env._("Total"), sum(row[1] for row in rows)])
        tables.append(self._make_table("professionals", self.env._("Professionals"), [
            ("profession", self.env._("Profession"), "text"), ("professionals", self.env._("Professionals"), "number"),
        ], rows, ["professionals"]))

        # Patients followed per motive and sex
        patients = figures["patients"]
        grid = protect([[patients.get((m, sex), (0, 0))[0] for sex in ("male", "female")] for m in MOTIVES])
        rows = []
        for index, label in enumerate([motive_label[m] for m in MOTIVES] + [self.env._("Total")]):
            men, women, count = grid[index]
            keys = MOTIVES if index == len(MOTIVES) else (MOTIVES[index],)
            age_sum = sum(float(patients.get((m, sex), (0, 0))[1] or 0) for m in keys for sex in ("male", "female"))
            mean_age = count if _masked(count) else (round(age_sum / count, 1) if count else None)
            rows.append([label, men, women, count, _share(men, count), _share(women, count), mean_age])
        tables.append(self._make_table("patients", self.env._("Patients followed"), [
            ("motive", self.env._("Motive"), "text"), ("men", self.env._("Men"), "count"), ("women", self.env._("Women"), "count"),
            ("patients", self.env._("Patients followed"), "count"), ("men_share", self.env._("Share of men"), "percent"),
            ("women_share", self.env._("Share of women"), "percent"), ("mean_age", self.env._("Mean age"), "decimal"),
        ], rows, ["men", "women"]))

        # Patients per region and motive
        by_region = figures["patients_by_region"]
        patient_regions = regions.filtered(lambda r: any(by_region.get((r.id, m)) for m in MOTIVES))
        if patient_regions:
            grid = protect([[by_region.get((r.id, m), 0) for m in MOTIVES] for r in patient_regions])
            rows = [[label] + grid[i] for i, label in enumerate(patient_regions.mapped("name") + [self.env._("Total")])]
        else:
            rows = [[self.env._("Total"), 0, 0, 0]]
        tables.append(self._make_table("patients_by_region", self.env._("Patients per region"), [
            ("region", self.env._("Region"), "text"), ("addiction", self.env._("Addictions / precarity"), "count"),
            ("mental_health", self.env._("Mental health"), "count"), ("patients", self.env._("Patients followed"), "count"),
        ], rows, ["addiction", "mental_health"]))

        # Substances, ranked
        ranked = sorted(figures["substances"].items(), key=lambda item: (-item[1], item[0]))
        substances = self.env["microstructure.substance"].browse([s for s, _c in ranked])
        rows = []
        if ranked:
            grid = protect([[count] for _s, count in ranked])
            rows = [[rank, substance.name, grid[rank - 1][0]] for rank, substance in enumerate(substances, 1)]
        tables.append(self._make_table("substances", self.env._("Main substances"), [
            ("rank", self.env._("Rank"), "number"), ("substance", self.env._("Substance"), "text"),
            ("patients", self.env._("Patients"), "count"),
        ], rows, ["patients"], label_column=1, total=False))

        # Inclusions and exits per month
        flows = figures["flows"] or [(date_from, 0, 0)]
        grid = protect([[inclusions, exits] for _m, inclusions, exits in flows])
        rows = [[fields.Date.to_date(month).strftime("%m/%Y"), *grid[i][:2]] for i, (month, _i, _e) in enumerate(flows)]
        rows.append([self.env._("Total"), *grid[-1][:2]])
        tables.append(self._make_table("flows", self.env._("Inclusions and exits"), [
            ("month", self.env._("Month"), "text"), ("inclusions", self.env._("Inclusions"), "count"),
            ("exits", self.env._("Exits"), "count"),
        ], rows, ["inclusions", "exits"]))

        # Consultations per profession
        consultations = figures["consultations"]
        grid = protect([list(consultations.get(p, (0, 0, 0, 0))) for p in PROFESSIONS])
        rows = []
        for index, label in enumerate([profession_label[p] for p in PROFESSIONS] + [self.env._("Total")]):
            done, no_show, excused, cancelled, total = grid[index]
            due = None if any(_masked(v) for v in (done, no_show, excused)) else done + no_show + excused
            rate = no_show if _masked(no_show) else (_share(no_show, due) if due is not None else PRIMARY)
            rows.append([label, done, no_show, excused, cancelled, total, rate])
        tables.append(self._make_table("consultations", self.env._("Consultations"), [
            ("profession", self.env._("Profession"), "text"), ("done", self.env._("Done"), "count"),
            ("no_show", self.env._("No-shows"), "count"), ("excused", self.env._("Excused absences"), "count"),
            ("cancelled", self.env._("Cancelled"), "count"), ("consultations", self.env._("Consultations"), "count"),
            ("no_show_rate", self.env._("No-show rate"), "percent"),
        ], rows, ["done", "no_show"]))

        # Permanences of psychologists and social workers
        permanences = figures["permanences"]
        kinds = [p for p in ("psychologist", "social_worker", "psychiatrist", "gp") if p in permanences] or ["psychologist", "social_worker"]
        grid = protect([[permanences.get(p, (0, 0, 0))[2]] for p in kinds])
        rows = []
        for index, profession in enumerate(kinds):
            held, slots, _booked = permanences.get(profession, (0, 0, 0))
            booked = grid[index][0]
            rows.append([profession_label[profession], held, slots, booked, _share(booked, slots)])
        held_total = sum(row[1] for row in rows)
        slot_total = sum(row[2] for row in rows)
        rows.append([self.env._("Total"), held_total, slot_total, grid[-1][0], _share(grid[-1][0], slot_total)])
        tables.append(self._make_table("permanences", self.env._("Permanences"), [
            ("profession", self.env._("Profession"), "text"), ("permanences", self.env._("Permanences held"), "number"),
            ("slots", self.env._("Slots"), "number"), ("booked", self.env._("Slots booked"), "count"),
            ("fill_rate", self.env._("Fill rate"), "percent"),
        ], rows, ["permanences"]))

        # Meetings held and attendance
        meetings = figures["meetings"]
        meeting_kinds = dict(self.env["microstructure.meeting"]._fields["kind"]._description_selection(self.env))
        grid = protect([[meetings.get(kind, (0, 0, 0, 0))[3]] for kind in meeting_kinds])
        rows = []
        for index, (kind, label) in enumerate(meeting_kinds.items()):
            held, invited, present, _discussed = meetings.get(kind, (0, 0, 0, 0))
            rows.append([label, held, invited, present, _share(present, invited), grid[index][0]])
        invited, present = sum(row[2] for row in rows), sum(row[3] for row in rows)
        rows.append([self.env._("Total"), sum(row[1] for row in rows), invited, present, _share(present, invited), grid[-1][0]])
        tables.append(self._make_table("meetings", self.env._("Meetings"), [
            ("kind", self.env._("Meeting"), "text"), ("meetings", self.env._("Meetings held"), "number"),
            ("invited", self.env._("Professionals invited"), "number"), ("present", self.env._("Present"), "number"),
            ("attendance_rate", self.env._("Attendance rate"), "percent"), ("discussed", self.env._("Patients discussed"), "count"),
        ], rows, ["meetings"]))

        # Liaison funnel per region
        liaisons = figures["liaisons"]
        liaison_regions = regions.filtered(lambda r: r.id in liaisons)
        counts = [list(liaisons[r.id][:4]) for r in liaison_regions] or [[0, 0, 0, 0]]
        grid = protect(counts)
        labels = liaison_regions.mapped("name") if liaison_regions else []
        rows = []
        for index, label in enumerate(labels):
            medians = [round(v, 1) if v is not None else None for v in liaisons[liaison_regions[index].id][4:]]
            if any(_masked(v) for v in grid[index][:4]):
                medians = [PRIMARY if v is not None else None for v in medians]
            rows.append([label, *grid[index][:4], *medians])
        rows.append([self.env._("Total"), *grid[-1][:4], None, None])
        tables.append(self._make_table("liaisons", self.env._("Liaison sheets"), [
            ("region", self.env._("Region"), "text"), ("sheets", self.env._("Sheets"), "count"), ("sent", self.env._("Sent"), "count"),
            ("handled", self.env._("Handled with an interview"), "count"), ("accompanied", self.env._("Accompanied"), "count"),
            ("median_contact", self.env._("Median days to contact"), "decimal"),
            ("median_interview", self.env._("Median days to interview"), "decimal"),
        ], rows, ["sheets", "sent", "handled", "accompanied"]))

        # Satisfaction survey
        satisfaction = figures["satisfaction"]
        labels = dict(self.env["survey.question"]._fields["microstructure_indicator"]._description_selection(self.env))
        grid = protect([
            [satisfaction.get(q, (0, 0))[1], satisfaction.get(q, (0, 0))[0] - satisfaction.get(q, (0, 0))[1]]
            for q in SATISFACTION_QUESTIONS
        ])
        rows = []
        for index, question in enumerate(SATISFACTION_QUESTIONS):
            positive, _negative, respondents = grid[index]
            rows.append([labels[question], respondents, positive, _share(positive, respondents)])
        answers = figures["survey_answers"]
        rows.append([self.env._("Questionnaires answered"), PRIMARY if 0 < answers < 11 else answers, None, None])
        tables.append(self._make_table("satisfaction", self.env._("Patient satisfaction"), [
            ("question", self.env._("Question"), "text"), ("respondents", self.env._("Respondents"), "count"),
            ("positive", self.env._("Positive answers"), "count"), ("positive_share", self.env._("Share positive"), "percent"),
        ], rows, ["positive_share"]))

        # Activity per site
        activity = figures["activity"]
        active_sites = sites.filtered(lambda s: any(activity.get(s.id, ())))
        active_sites = active_sites.sorted(lambda s: (s.region_id.name or "", s.network_id.name or "", s.name))
        person_columns = (0, 1, 4, 5)
        rows = []
        if active_sites:
            grid = protect([[activity[s.id][c] for c in person_columns] for s in active_sites])
            for index, site in enumerate(active_sites):
                patients, consultations_done, sheets, answers = grid[index][:4]
                rows.append([
                    site.name, site.network_id.name, patients, consultations_done,
                    activity[site.id][2], activity[site.id][3], sheets, answers,
                ])
            total = grid[-1]
            rows.append([
                self.env._("Total"), None, total[0], total[1],
                sum(activity[s.id][2] for s in active_sites), sum(activity[s.id][3] for s in active_sites),
                total[2], total[3],
            ])
        tables.append(self._make_table("activity", self.env._("Activity per site"), [
            ("site", self.env._("Site"), "text"), ("network", self.env._("Network"), "text"),
            ("patients", self.env._("Patients followed"), "count"), ("consultations", self.env._("Consultations done"), "count"),
            ("permanences", self.env._("Permanences held"), "number"), ("meetings", self.env._("Meetings held"), "number"),
            ("sheets", self.env._("Liaison sheets"), "count"), ("answers", self.env._("Survey answers"), "count"),
        ], rows, ["patients"]))
        return tables

    @staticmethod
    def _make_table(key, title, columns, rows, chart, label_column=0, total=True):
        """A published table; ``total``: its last row sums up the others."""
        for column, _label, _kind in columns:
            if column not in EXPORT_COLUMNS or column in FORBIDDEN_COLUMNS:
                raise ValueError(f"column {column!r} is not in the whitelist of published columns")
        return {
            "key": key, "title": title, "columns": columns, "rows": rows,
            "chart": chart, "label_column": label_column, "total": total and bool(rows),
        }
