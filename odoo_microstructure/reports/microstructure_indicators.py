"""Regional indicators: the figures of the national report over a reporting
year, computed by aggregation queries in PostgreSQL.

The scope is the whole perimeter of the user: the sites it may read under its
record rules (a regional manager finds the sites of its regions, a network
administrator those of its networks). The aggregation queries then run on
these sites only and return counts, never a row of patient, consultation or
liaison sheet. All the tables of a report are protected together
(``microstructure_small_counts.Protection``): a figure shared by two tables,
or a sum of another table's figures, is one cell or one equation of the same
report. The tables carry whitelisted columns only.
"""

from datetime import date, timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import indicator_definitions as definitions
from ..tools.indicator_definitions import (
    CONSULTATION_STATES,
    FIRST_YEAR,
    LIAISON_STEPS,
    MOTIVES,
    OTHER_PROFESSIONS,
    PROFESSIONS,
    SATISFACTION_QUESTIONS,
    SEXES,
    YEAR_START_MONTH,
    last_complete_year,
    reporting_year_bounds,
)
from .microstructure_small_counts import SMALL, Protection

# Every column a published table may carry. Nothing identifies a person:
# sites, networks and regions are public facts.
EXPORT_COLUMNS = frozenset({
    "region", "site", "network", "profession", "motive", "substance", "rank", "month",
    "kind", "question", "step",
    "sites", "polyvalent", "polyvalent_share", "networks", "professionals",
    "men", "women", "patients", "men_share", "women_share", "mean_age",
    "addiction", "mental_health", "both", "no_motive", "inclusions", "exits",
    "done", "no_show", "excused", "cancelled", "consultations", "no_show_rate",
    "permanences", "slots", "booked", "fill_rate",
    "meetings", "invited", "present", "attendance_rate", "discussed",
    "sheets", "sent", "handled", "accompanied", "median_contact", "median_interview",
    "respondents", "positive", "positive_share", "answers",
    "scale", "mean_change", "meaningful_change", "improved", "improved_share", "above_threshold",
    "moved_below", "moved_below_share",
})
# Identifying data that no published table may ever carry.
FORBIDDEN_COLUMNS = frozenset({
    "name", "first_names", "birth_name", "birth_date", "street", "zip", "city", "phone",
    "email", "nir", "rpps", "adeli", "patient_id", "usage_name", "first_name",
})
# the published tables, in the order of the report
TABLES = ("sites", "professionals", "patients", "patients_by_region", "substances", "flows",
          "consultations", "permanences", "meetings", "liaisons", "satisfaction", "outcomes", "activity")


def _share(part, whole):
    return part / whole if whole else None


def _months(date_from, date_to):
    """The first day of every month of the period."""
    month = date(date_from.year, date_from.month, 1)
    while month <= date_to:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


class IndicatorReport:
    """One report: the raw figures, the protection engine of their counts of
    people, the labels its tables are made with, and its tables."""

    def __init__(self, env, sites, date_from, date_to, figures, engine):
        self.sites, self.date_from, self.date_to = sites, date_from, date_to
        self.figures, self.engine = figures, engine
        self.tables = []
        self.value = engine.value
        self.total_label = env._("Total")
        self.profession_label = dict(
            env["microstructure.professional"]._fields["profession"]._description_selection(env)
        )
        self.profession_label[OTHER_PROFESSIONS] = env._("Other professions")
        self.motive_label = {
            "addiction": env._("Addictions / precarity"), "mental_health": env._("Mental health"),
            "both": env._("Both motives"), "none": env._("No motive"),
        }
        # the regions with a figure, by name: (id, name)
        region_names = {region: name for _site, region, name, _network in figures["scope"].values()}
        self.regions = sorted(
            ((region, region_names[region]) for region in (
                set(figures["sites"]) | {r for r, _m in figures["patients_by_region"]} | set(figures["liaisons"])
            ) if region),
            key=lambda region: region[1],
        )


class MicrostructureIndicators(models.AbstractModel):
    _name = "microstructure.indicators"
    _description = "Regional indicators"

    def init(self):
        # The pivot models of the indicators were SQL views. Odoo drops the
        # table of a removed model only while its code is still loaded, so
        # the upgrade that removed them drops their views here.
        for view in ("microstructure_indicator_patient", "microstructure_indicator_activity",
                     "microstructure_indicator_satisfaction"):
            tools.drop_view_if_exists(self.env.cr, view)

    # SCOPE -------------------------------------------------------------------
    @api.model
    def _get_scope_sites(self):
        """The whole perimeter of the user: every site it may read, archived
        ones included. Never a part of it, so that no two reports differ by a
        few sites."""
        # every site under the record rules, by design (the whole perimeter)
        return self.env["microstructure.site"].with_context(active_test=False).search([])  # pylint: disable=no-search-all

    @api.model
    def _get_default_year(self, sites, today):
        """The last complete reporting year, or the latest one before it that
        has data in ``sites``."""
        last = last_complete_year(today)
        last_day = reporting_year_bounds(last)[1]
        self.env.flush_all()
        # most often a patient is still followed on the last day: the latest
        # day of data can be no later
        self.env.cr.execute(SQL("""
            SELECT EXISTS(
                SELECT FROM microstructure_patient patient
                 WHERE patient.site_id = ANY(%(sites)s) AND %(followed)s)
        """, sites=sites.ids or [0], followed=definitions.patient_followed("patient", last_day, last_day)))
        if self.env.cr.fetchone()[0]:
            return last
        self.env.cr.execute(SQL("""
            SELECT max(day) FROM (
                SELECT max(LEAST(coalesce(patient.exit_date, %(last)s), %(last)s)) AS day
                  FROM microstructure_patient patient
                 WHERE patient.site_id = ANY(%(sites)s) AND %(counted)s
                   AND patient.inclusion_date <= %(last)s
                UNION ALL
                SELECT max(liaison.date) FROM microstructure_liaison liaison
                 WHERE liaison.site_id = ANY(%(sites)s) AND liaison.date <= %(last)s
                UNION ALL
                SELECT max(consultation.start)::date FROM microstructure_consultation consultation
                 WHERE consultation.site_id = ANY(%(sites)s) AND consultation.start::date <= %(last)s
            ) days
        """, sites=sites.ids or [0], last=last_day, counted=definitions.patient_counted("patient")))
        day = self.env.cr.fetchone()[0]
        if not day:
            return last
        return max(FIRST_YEAR, day.year if day.month >= YEAR_START_MONTH else day.year - 1)

    # RAW FIGURES (SQL) -------------------------------------------------------
    @api.model
    def _compute_figures(self, sites, date_from, date_to):
        """All the figures of ``sites`` over the period, as plain counts.

        One aggregation query per table read (sites, memberships, patients,
        their substances, consultations, permanences, meetings, liaison
        sheets, survey answers): each scans its table once, filtered by the
        sites before any aggregation, and returns counts, never a row of
        patient, consultation or liaison sheet.

        The figures that add up over sites (``_compute_site_rows``) are read,
        for a reporting year, from those kept per site and year
        (``microstructure.indicator.summary``) where they are up to date, and
        computed for the other sites only; the others (the sites and their
        members, the patients discussed, each one once, and the liaison
        funnel with its medians) are computed over the whole scope.
        """
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        start, stop = definitions.utc_bounds(date_from, date_to)
        params = {"sites": sites.ids or [0], "from": date_from, "to": date_to, "start": start, "stop": stop}
        self.env.flush_all()
        # per site: patients followed, consultations done, permanences and
        # meetings held, liaison sheets, survey answers
        figures = {"activity": {site_id: [0] * 6 for site_id in params["sites"]}}
        for query in (self._query_scope, self._query_sites, self._query_professionals):
            query(params, figures)
        site_rows = self.env["microstructure.indicator.summary"]._get_site_rows(params)
        self._fold_site_rows(params, figures, site_rows)
        for query in (self._query_discussed, self._query_liaisons):
            query(params, figures)
        return figures

    def _fetch(self, query, **params):
        return self.env.execute_query(SQL(query, **params))

    def _query_scope(self, params, figures):
        """The sites of the scope with their region and network, public
        facts: {site: (name, region, region's name, network's name)}."""
        figures["scope"] = {row[0]: row[1:] for row in self._fetch("""
            SELECT site.id, site.name, site.region_id, region.name, network.name
              FROM microstructure_site site
              LEFT JOIN microstructure_region region ON region.id = site.region_id
              LEFT JOIN microstructure_network network ON network.id = site.network_id
             WHERE site.id = ANY(%(sites)s)
        """, **params)}

    def _query_sites(self, params, figures):
        """Sites open during the period, per region and in all."""
        rows = self._fetch("""
            SELECT GROUPING(site.region_id), site.region_id, count(*), count(*) FILTER (WHERE site.polyvalent),
                   count(DISTINCT site.network_id)
              FROM microstructure_site site
             WHERE site.id = ANY(%(sites)s)
               AND (site.date_open IS NULL OR site.date_open <= %(to)s)
               AND (site.date_end IS NULL OR site.date_end >= %(from)s)
             GROUP BY GROUPING SETS ((site.region_id), ())
        """, **params)
        figures["sites"] = {region: (count, poly, nets) for total, region, count, poly, nets in rows if not total}
        figures["networks"] = next(nets for total, _r, _c, _p, nets in rows if total)

    def _query_professionals(self, params, figures):
        figures["professionals"] = dict(self._fetch("""
            SELECT membership.profession, count(DISTINCT membership.professional_id)
              FROM microstructure_membership membership
             WHERE membership.site_id = ANY(%(sites)s) AND membership.active
               AND membership.date_start <= %(to)s
               AND (membership.date_end IS NULL OR membership.date_end >= %(to)s)
             GROUP BY membership.profession
        """, **params))

    # FIGURES PER SITE ----------------------------------------------------------
    @api.model
    def _get_site_row_keys(self):
        """The figures that add up over sites, as rows of plain JSON values
        (numbers, strings, ISO dates) per site, so that they can be kept as
        they are."""
        return ("patients", "flows", "substances", "consultations", "permanences", "meetings", "liaisons",
                "satisfaction", "outcomes")

    @api.model
    def _get_site_queries(self):
        """The queries of the figures per site, each made by its
        ``_site_rows_<key>`` method, which fills ``{site: {key: rows}}``."""
        return ("patients", "substances", "consultations", "permanences", "meetings", "liaisons", "satisfaction",
                "outcomes")

    @api.model
    def _compute_site_rows(self, params):
        """The figures of each site of ``params["sites"]`` that add up over
        sites: ``{site: {key: rows}}``, every site and key present."""
        result = {site_id: {key: [] for key in self._get_site_row_keys()} for site_id in params["sites"]}
        for query in self._get_site_queries():
            getattr(self, f"_site_rows_{query}")(params, result)
        return result

    @staticmethod
    def _add_site_rows(result, key, rows):
        """Add rows ``(site, *row)`` to ``result[site][key]``."""
        for site_id, *row in rows:
            if site_id in result:
                result[site_id][key].append(row)

    def _patient_period(self, params):
        """The patients read for a period: followed over it, or over the
        period before or after. The patients followed over two consecutive
        periods tell the exits of the first and the inclusions of the second
        (followed = carried over + inclusions = carried on + exits): the
        flows of the neighbour periods say whether the patients carried over
        and on are protected."""
        date_from, date_to = params["from"], params["to"]
        length = date_to - date_from + timedelta(days=1)
        return SQL(
            "patient.site_id = ANY(%s) AND %s AND patient.inclusion_date <= %s "
            "AND (patient.exit_date IS NULL OR patient.exit_date >= %s)",
            params["sites"], definitions.patient_counted("patient"), date_to + length, date_from - length,
        )

    def _site_rows_patients(self, params, result):
        """Per site, motive and sex: the patients followed, the sum of their
        ages in days and how many have a birth date, the exits of the period
        before and the inclusions of the period after (``patients``); per
        site and month, the inclusions and the exits (``flows``)."""
        date_from, date_to = params["from"], params["to"]
        rows = self._fetch("""
            SELECT GROUPING(patient.motive, patient.included, patient.exited), patient.site_id,
                   patient.motive, patient.sex, to_char(coalesce(patient.included, patient.exited), 'YYYY-MM-DD'),
                   count(*), count(*) FILTER (WHERE patient.followed), sum(patient.age) FILTER (WHERE patient.followed),
                   count(patient.age) FILTER (WHERE patient.followed),
                   count(*) FILTER (WHERE patient.exited_before), count(*) FILTER (WHERE patient.included_after)
              FROM (
                SELECT patient.site_id, %(motive)s AS motive, patient.sex, %(followed)s AS followed,
                       %(age)s AS age, patient.exit_date < %(from)s AS exited_before,
                       patient.inclusion_date > %(to)s AS included_after,
                       CASE WHEN patient.inclusion_date BETWEEN %(from)s AND %(to)s
                            THEN date_trunc('month', patient.inclusion_date) END AS included,
                       CASE WHEN patient.exit_date BETWEEN %(from)s AND %(to)s
                            THEN date_trunc('month', patient.exit_date) END AS exited
                  FROM microstructure_patient patient
                 WHERE %(period)s
              ) patient
             GROUP BY GROUPING SETS ((patient.site_id, patient.motive, patient.sex),
                                     (patient.site_id, patient.included), (patient.site_id, patient.exited))
        """, motive=definitions.patient_motive("patient"),
            followed=definitions.patient_followed("patient", date_from, date_to),
            age=definitions.patient_age_days("patient", date_to), period=self._patient_period(params),
            **{"from": date_from, "to": date_to})
        patients, flows = [], {}
        # grouping: 3 (0b011) per motive and sex, 5 (0b101) per month of
        # inclusion, 6 (0b110) per month of exit
        for grouping, site_id, motive, sex, month, count, *counts in rows:
            if grouping == 3:
                patients.append((site_id, motive, sex, *counts))
            elif month:
                included, exited = flows.get((site_id, month), (0, 0))
                flows[site_id, month] = (included + count, exited) if grouping == 5 else (included, exited + count)
        self._add_site_rows(result, "patients", patients)
        self._add_site_rows(result, "flows", [(site_id, month, *counts) for (site_id, month), counts in flows.items()])

    def _site_rows_substances(self, params, result):
        """Per site: the patients followed per substance (a patient may have
        several)."""
        self._add_site_rows(result, "substances", self._fetch("""
            SELECT patient.site_id, rel.microstructure_substance_id, count(*)
              FROM microstructure_patient_microstructure_substance_rel rel
              JOIN microstructure_patient patient ON patient.id = rel.microstructure_patient_id
             WHERE patient.site_id = ANY(%(sites)s) AND %(followed)s
             GROUP BY 1, 2
        """, sites=params["sites"], followed=definitions.patient_followed("patient", params["from"], params["to"])))

    def _site_rows_consultations(self, params, result):
        """Per site: the consultations per profession and state."""
        # counted per professional first, then per profession: the join reads
        # the counts, not every consultation
        self._add_site_rows(result, "consultations", self._fetch("""
            SELECT counts.site_id, %(profession)s, counts.state, sum(counts.count)::int
              FROM (
                SELECT consultation.site_id, consultation.professional_id, consultation.state, count(*) AS count
                  FROM microstructure_consultation consultation
                 WHERE consultation.site_id = ANY(%(sites)s) AND consultation.state = ANY(%(states)s)
                   AND consultation.start >= %(start)s AND consultation.start < %(stop)s
                 GROUP BY 1, 2, 3
              ) counts
              JOIN microstructure_professional professional ON professional.id = counts.professional_id
             GROUP BY 1, 2, 3
        """, profession=definitions.consultation_profession("professional"), states=list(CONSULTATION_STATES),
            **params))

    def _site_rows_permanences(self, params, result):
        """Per site and profession: the permanences held, their slots and the
        slots booked."""
        self._add_site_rows(result, "permanences", self._fetch("""
            SELECT permanence.site_id, permanence.profession, count(*), sum(permanence.slot_count)::int,
                   sum(permanence.booked_count)::int
              FROM microstructure_permanence permanence
             WHERE permanence.site_id = ANY(%(sites)s) AND permanence.state = 'held'
               AND permanence.start >= %(start)s AND permanence.start < %(stop)s
             GROUP BY 1, 2
        """, **params))

    def _held_meetings(self, params):
        return SQL(
            "meeting.site_id = ANY(%s) AND meeting.state = 'done' AND meeting.start >= %s AND meeting.start < %s",
            params["sites"], params["start"], params["stop"],
        )

    def _site_rows_meetings(self, params, result):
        """Per site and kind: the meetings held, the professionals invited
        and present."""
        self._add_site_rows(result, "meetings", self._fetch("""
            WITH held AS MATERIALIZED (
                SELECT meeting.id, meeting.kind, meeting.site_id FROM microstructure_meeting meeting WHERE %(held)s
            )
            SELECT held.site_id, held.kind, count(*), coalesce(sum(invited.count), 0)::int,
                   coalesce(sum(present.count), 0)::int
              FROM held
              LEFT JOIN (SELECT rel.meeting_id, count(*) AS count FROM microstructure_meeting_attendee_rel rel
                          WHERE rel.meeting_id IN (SELECT held.id FROM held) GROUP BY 1
                        ) invited ON invited.meeting_id = held.id
              LEFT JOIN (SELECT rel.meeting_id, count(*) AS count FROM microstructure_meeting_present_rel rel
                          WHERE rel.meeting_id IN (SELECT held.id FROM held) GROUP BY 1
                        ) present ON present.meeting_id = held.id
             GROUP BY 1, 2
        """, held=self._held_meetings(params)))

    def _site_rows_liaisons(self, params, result):
        """Per site: the liaison sheets of the period (the first step of the
        funnel)."""
        self._add_site_rows(result, "liaisons", self._fetch("""
            SELECT liaison.site_id, count(*) FROM microstructure_liaison liaison
             WHERE liaison.site_id = ANY(%(sites)s) AND %(counted)s AND %(dated)s
             GROUP BY 1
        """, sites=params["sites"], counted=definitions.liaison_counted("liaison"),
            dated=definitions.liaison_date_in("liaison", LIAISON_STEPS["sheets"], params["from"], params["to"])))

    def _site_rows_satisfaction(self, params, result):
        """Per site: the questionnaires answered (``per_site`` true), then
        the respondents and the positive answers per question."""
        self._add_site_rows(result, "satisfaction", self._fetch("""
            SELECT answer.microstructure_site_id, GROUPING(question.microstructure_indicator) = 1 AS per_site,
                   question.microstructure_indicator, count(DISTINCT answer.id),
                   count(DISTINCT answer.id) FILTER (WHERE %(positive)s)
              FROM survey_user_input answer
              LEFT JOIN survey_user_input_line line ON line.user_input_id = answer.id AND %(given)s
              LEFT JOIN survey_question question
                ON question.id = line.question_id AND question.microstructure_indicator IS NOT NULL
              LEFT JOIN survey_question_answer suggestion ON suggestion.id = line.suggested_answer_id
             WHERE answer.microstructure_site_id = ANY(%(sites)s) AND %(answered)s
             GROUP BY GROUPING SETS ((answer.microstructure_site_id),
                                     (answer.microstructure_site_id, question.microstructure_indicator))
        """, sites=params["sites"], given=definitions.answer_line_given("line"),
            positive=definitions.answer_positive("suggestion"),
            answered=definitions.answer_counted("answer", params["start"], params["stop"])))

    def _site_rows_outcomes(self, params, result):
        """Per site and scale, the patients with a baseline (their first
        result of the scale) and a follow-up in the period (their last result
        of the period at least ``FOLLOW_UP_AFTER`` after the baseline): how
        many, the sum of their changes in hundredths of a point (an integer:
        sums stay exact), how many improved by the scale's meaningful change,
        how many were at or above the threshold at baseline, and how many of
        them are below it at the follow-up."""
        # a result's site is its patient's (a stored related field): the
        # results of the sites up to the end of the period hold every
        # baseline of their patients
        self._add_site_rows(result, "outcomes", self._fetch("""
            SELECT outcome.site_id, outcome.scale_id, count(*),
                   round(sum(outcome.change) * 100)::bigint,
                   count(*) FILTER (WHERE %(improved)s),
                   count(*) FILTER (WHERE %(baseline_above)s),
                   count(*) FILTER (WHERE %(baseline_above)s AND NOT %(follow_up_above)s)
              FROM (
                SELECT DISTINCT ON (result.patient_id, result.scale_id)
                       result.site_id, result.scale_id, result.band_id, result.baseline_band_id,
                       %(change)s AS change
                  FROM (
                    SELECT result.id, result.patient_id, result.scale_id, result.site_id, result.date,
                           result.score, result.band_id,
                           first_value(result.date) OVER baseline AS baseline_date,
                           first_value(result.score) OVER baseline AS baseline_score,
                           first_value(result.band_id) OVER baseline AS baseline_band_id
                      FROM microstructure_scale_result result
                     WHERE result.site_id = ANY(%(sites)s) AND result.date <= %(to)s
                    WINDOW baseline AS (PARTITION BY result.patient_id, result.scale_id
                                        ORDER BY result.date, result.id)
                  ) result
                  JOIN microstructure_patient patient ON patient.id = result.patient_id
                 WHERE result.date >= %(from)s AND %(counted)s AND %(followed_up)s
                 ORDER BY result.patient_id, result.scale_id, result.date DESC, result.id DESC
              ) outcome
              JOIN microstructure_scale scale ON scale.id = outcome.scale_id
              LEFT JOIN microstructure_scale_band baseline_band ON baseline_band.id = outcome.baseline_band_id
              LEFT JOIN microstructure_scale_band follow_up_band ON follow_up_band.id = outcome.band_id
             GROUP BY 1, 2
        """, change=definitions.scale_change(SQL("result.score"), SQL("result.baseline_score")),
            baseline_above=definitions.band_above_threshold("baseline_band"),
            follow_up_above=definitions.band_above_threshold("follow_up_band"),
            improved=definitions.scale_improved(SQL("outcome.change"), "scale"),
            counted=definitions.patient_counted("patient"),
            followed_up=definitions.scale_followed_up("result", SQL("result.baseline_date")), **params))

    def _fold_site_rows(self, params, figures, site_rows):
        """The figures of the report from those of its sites, site by site in
        the order of their ids (sums of integers: the order changes
        nothing)."""
        activity = figures["activity"]
        site_region = {site_id: scope[1] for site_id, scope in figures["scope"].items()}
        patients, by_region, inclusions, exits, substances = {}, {}, {}, {}, {}
        consultations, permanences, meetings, satisfaction, outcomes = {}, {}, {}, {}, {}
        exits_before = inclusions_after = answers = 0
        for site_id in sorted(site_rows):
            rows, region, counts = site_rows[site_id], site_region.get(site_id), activity[site_id]
            # (count, sum of the ages in days, patients with a birth date: the
            # base of the mean age)
            for motive, sex, followed, ages, aged, exited_before, included_after in rows["patients"]:
                exits_before += exited_before
                inclusions_after += included_after
                if followed:
                    count_, ages_, aged_ = patients.get((motive, sex), (0, 0, 0))
                    patients[motive, sex] = (count_ + followed, ages_ + (ages or 0), aged_ + aged)
                    by_region[region, motive] = by_region.get((region, motive), 0) + followed
                    counts[0] += followed
            for month, included, exited in rows["flows"]:
                month = date.fromisoformat(month)
                inclusions[month] = inclusions.get(month, 0) + included
                exits[month] = exits.get(month, 0) + exited
            for substance, count in rows["substances"]:
                substances[substance] = substances.get(substance, 0) + count
            for profession, state, count in rows["consultations"]:
                states = consultations.setdefault(profession, dict.fromkeys(CONSULTATION_STATES, 0))
                states[state] += count
                if state == "done":
                    counts[1] += count
            for profession, held, slots, booked in rows["permanences"]:
                totals = permanences.get(profession, (0, 0, 0))
                permanences[profession] = (totals[0] + held, totals[1] + slots, totals[2] + booked)
                counts[2] += held
            for kind, held, invited, present in rows["meetings"]:
                totals = meetings.get(kind, (0, 0, 0))
                meetings[kind] = (totals[0] + held, totals[1] + invited, totals[2] + present)
                counts[3] += held
            for (sheets,) in rows["liaisons"]:
                counts[4] = sheets
            for per_site, question, respondents, positive in rows["satisfaction"]:
                if per_site:
                    counts[5] = respondents
                    answers += respondents
                elif question:
                    totals = satisfaction.get(question, (0, 0))
                    satisfaction[question] = (totals[0] + respondents, totals[1] + positive)
            for scale, *counts in rows["outcomes"]:
                totals = outcomes.get(scale, (0,) * len(counts))
                outcomes[scale] = tuple(total + count for total, count in zip(totals, counts))
        figures["patients"] = {
            key: (count, ages / definitions.DAYS_PER_YEAR, aged) for key, (count, ages, aged) in patients.items()
        }
        figures["patients_by_region"] = by_region
        # every month of the period, those with no inclusion nor exit too
        figures["flows"] = [
            (month, inclusions.get(month, 0), exits.get(month, 0)) for month in _months(params["from"], params["to"])
        ]
        figures["exits_before"], figures["inclusions_after"] = exits_before, inclusions_after
        figures["substances"] = substances
        figures["consultations"] = {
            profession: tuple(states[state] for state in CONSULTATION_STATES)
            for profession, states in consultations.items()
        }
        figures["permanences"], figures["meetings"] = permanences, meetings
        figures["satisfaction"], figures["survey_answers"] = satisfaction, answers
        # per scale: (patients, sum of the changes in hundredths of a point,
        # improved, at or above the threshold at baseline, moved below it)
        figures["outcomes"] = outcomes

    # FIGURES OVER THE SCOPE ----------------------------------------------------
    def _query_discussed(self, params, figures):
        """The patients discussed in the meetings held, each one once, by the
        kinds of meeting that discussed it (a patient may have changed
        sites: counted over the scope, not per site)."""
        kinds = self.env["microstructure.meeting"]._fields["kind"].get_values(self.env)
        # the kinds of meeting that discussed a patient, as the bits of a mask
        rows = self._fetch("""
            SELECT discussed.kinds, count(*) FROM (
                SELECT bit_or(1 << (array_position(%(kinds)s::varchar[], meeting.kind::varchar) - 1)) AS kinds
                  FROM microstructure_meeting_line line
                  JOIN microstructure_meeting meeting ON meeting.id = line.meeting_id
                 WHERE %(held)s
                 GROUP BY line.patient_id
            ) discussed GROUP BY discussed.kinds
        """, kinds=kinds, held=self._held_meetings(params))
        figures["discussed"] = {
            tuple(sorted(k for n, k in enumerate(kinds) if mask >> n & 1)): count for mask, count in rows
        }

    def _query_liaisons(self, params, figures):
        """The funnel per region and over the report, each sheet counted in a
        step over the period that holds the step's date (its medians do not
        add up over sites)."""
        funnel = definitions.liaison_funnel("liaison", params["from"], params["to"])
        rows = self._fetch("""
            SELECT GROUPING(site.region_id), site.region_id, %(funnel)s
              FROM microstructure_liaison liaison
              JOIN microstructure_site site ON site.id = liaison.site_id
             WHERE liaison.site_id = ANY(%(sites)s) AND %(in_period)s
             GROUP BY GROUPING SETS ((site.region_id), ())
        """, sites=params["sites"], funnel=SQL(", ").join(funnel),
            in_period=definitions.liaison_in_period("liaison", params["from"], params["to"]))
        # (sheets, sent, handled, accompanied, median days to contact, median
        # days to interview, sheets behind each median)
        figures["liaisons"], figures["liaison_total"] = {}, (0, 0, 0, 0, None, None, 0, 0)
        for total, region, *funnel_row in rows:
            if total:
                figures["liaison_total"] = tuple(funnel_row)
            else:
                figures["liaisons"][region] = tuple(funnel_row)

    # PROTECTION ----------------------------------------------------------------
    @api.model
    def _protect_figures(self, figures, sites):
        """The figures of people of one report as cells and equations of one
        protection engine, masked together.

        Keys: ``("patients", motive, sex)``, ``("region_patients", region,
        motive)``, ``("site", site, column)``, ``("consult", profession,
        state)``, ``("liaison", region, step)``, ``("survey", question, what)``
        and so on, ``"*"`` standing for a total. A figure printed in two tables
        is one cell; a figure that is a sum of another table's figures is an
        equation; differences that count people (sheets not sent, answers
        skipped) are hidden cells.

        Each table declares its cells in its ``_cells_<key>`` method; the
        activity per site comes first, as the base of the region and report
        totals.
        """
        engine = Protection()
        site_region = {site_id: scope[1] for site_id, scope in figures["scope"].items()}
        region_ids = sorted(set(site_region.values()), key=lambda r: (r is None, r or 0))
        self._cells_activity(engine, figures, site_region, region_ids)
        for key in self._get_table_keys():
            method = getattr(self, f"_cells_{key}", None)
            if key != "activity" and method:
                method(engine, figures, site_region, region_ids)
        return engine.protect()

    def _cells_activity(self, engine, figures, site_region, region_ids):
        # Activity per site, the base of the region and report totals
        activity = figures["activity"]
        site_columns = ("patients", "done", "sheets", "answers")
        site_index = {"patients": 0, "done": 1, "sheets": 4, "answers": 5}
        for site_id in activity:
            for column in site_columns:
                engine.cell(("site", site_id, column), activity[site_id][site_index[column]])
        for column in site_columns:
            engine.add(("activity", column), [("site", site_id, column) for site_id in activity])

    def _cells_patients(self, engine, figures, site_region, region_ids):
        # Patients followed per motive and sex: each patient in one motive
        patients = figures["patients"]
        for motive in MOTIVES:
            for sex in SEXES:
                engine.cell(("patients", motive, sex), patients.get((motive, sex), (0, 0, 0))[0])
            engine.add(("patients", motive), [("patients", motive, sex) for sex in SEXES])
        for sex in SEXES:
            engine.add(("patients", "*", sex), [("patients", motive, sex) for motive in MOTIVES])
        engine.add(("patients", "*"), [("patients", motive) for motive in MOTIVES])
        engine.equation(("patients", "*"), [("patients", "*", sex) for sex in SEXES])
        engine.equation(("activity", "patients"), [("patients", "*")])

    def _cells_patients_by_region(self, engine, figures, site_region, region_ids):
        # Patients per region and motive: the patients of the region's sites
        by_region = figures["patients_by_region"]
        for region in region_ids:
            for motive in MOTIVES:
                engine.cell(("region_patients", region, motive), by_region.get((region, motive), 0))
            engine.add(("region_patients", region), [("region_patients", region, motive) for motive in MOTIVES])
            engine.equation(("region_patients", region),
                            [("site", site, "patients") for site in figures["activity"] if site_region.get(site) == region])
        for motive in MOTIVES:
            engine.equation(("patients", motive), [("region_patients", region, motive) for region in region_ids])
        engine.equation(("patients", "*"), [("region_patients", region) for region in region_ids])

    def _cells_substances(self, engine, figures, site_region, region_ids):
        # a patient may have several substances: no sum is printed
        for substance, count in figures["substances"].items():
            engine.cell(("substance", substance), count)

    def _cells_flows(self, engine, figures, site_region, region_ids):
        # Inclusions and exits per month; the patients carried over from the
        # period before and carried on to the next one
        for month, inclusions, exits in figures["flows"]:
            engine.cell(("flows", month, "inclusions"), inclusions)
            engine.cell(("flows", month, "exits"), exits)
        for column in ("inclusions", "exits"):
            engine.add(("flows", "*", column), [("flows", month, column) for month, _i, _e in figures["flows"]])
        followed = engine.count(("activity", "patients"))
        for hidden, column, neighbour in (("carried_over", "inclusions", "exits_before"),
                                          ("carried_on", "exits", "inclusions_after")):
            engine.cell((hidden,), followed - engine.count(("flows", "*", column)), hidden=True,
                        sensitive=figures[neighbour] in SMALL)
            engine.equation(("activity", "patients"), [(hidden,), ("flows", "*", column)])

    def _cells_consultations(self, engine, figures, site_region, region_ids):
        # Consultations per profession (the other professions in one row) and
        # state; the due ones (done, missed or excused) are the base of the
        # no-show rate
        consultations = figures["consultations"]
        professions = (*PROFESSIONS, OTHER_PROFESSIONS)
        for profession in professions:
            counts = dict(zip(CONSULTATION_STATES, consultations.get(profession, (0, 0, 0, 0))))
            for state in CONSULTATION_STATES:
                engine.cell(("consult", profession, state), counts[state])
            engine.add(("consult", profession, "due"),
                       [("consult", profession, state) for state in definitions.DUE_STATES], hidden=True)
            engine.add(("consult", profession), [("consult", profession, "due"), ("consult", profession, "cancelled")])
        for column in (*CONSULTATION_STATES, "due"):
            engine.add(("consult", "*", column), [("consult", p, column) for p in professions], hidden=column == "due")
        engine.add(("consult", "*"), [("consult", p) for p in professions])
        engine.equation(("consult", "*"), [("consult", "*", "due"), ("consult", "*", "cancelled")])
        engine.equation(("consult", "*", "due"), [("consult", "*", state) for state in definitions.DUE_STATES])
        # consultations done per site and per profession
        engine.equation(("activity", "done"), [("consult", "*", "done")])

    def _cells_permanences(self, engine, figures, site_region, region_ids):
        # Slots booked in the permanences
        for profession, (_held, _slots, booked) in figures["permanences"].items():
            engine.cell(("booked", profession), booked)
        engine.add(("booked", "*"), [("booked", p) for p in figures["permanences"]])

    def _cells_meetings(self, engine, figures, site_region, region_ids):
        # Patients discussed in meetings, each one once: a patient discussed
        # in meetings of two kinds counts in both rows and once in the total,
        # so the patients of each combination of kinds are hidden cells
        discussed = figures["discussed"]
        for kinds, count in discussed.items():
            engine.cell(("discussed", kinds), count, hidden=True)
        for kind in self.env["microstructure.meeting"]._fields["kind"].get_values(self.env):
            engine.add(("discussed", kind), [("discussed", kinds) for kinds in discussed if kind in kinds])
        engine.add(("discussed", "*"), [("discussed", kinds) for kinds in discussed])

    def _cells_liaisons(self, engine, figures, site_region, region_ids):
        # Liaison funnel per region. Each step counts the sheets that reached
        # it during the period: the steps are not nested, their differences
        # count no group of people.
        liaisons = figures["liaisons"]
        liaison_regions = [region for region in region_ids if region in liaisons]
        for region in liaison_regions:
            for step, value in zip(LIAISON_STEPS, liaisons[region][:4]):
                engine.cell(("liaison", region, step), value)
            engine.equation(("liaison", region, "sheets"),
                            [("site", site, "sheets") for site in figures["activity"] if site_region.get(site) == region])
        for step in LIAISON_STEPS:
            engine.add(("liaison", "*", step), [("liaison", region, step) for region in liaison_regions])
        engine.equation(("activity", "sheets"), [("liaison", "*", "sheets")])

    def _cells_satisfaction(self, engine, figures, site_region, region_ids):
        # Satisfaction: respondents per question, and who skipped it
        satisfaction = figures["satisfaction"]
        for question in SATISFACTION_QUESTIONS:
            respondents, positive = satisfaction.get(question, (0, 0))
            engine.cell(("survey", question, "positive"), positive)
            engine.cell(("survey", question, "negative"), respondents - positive, hidden=True)
            engine.add(("survey", question, "respondents"),
                       [("survey", question, "positive"), ("survey", question, "negative")])
            engine.cell(("survey", question, "skipped"), engine.count(("activity", "answers")) - respondents,
                        hidden=True)
            engine.equation(("activity", "answers"),
                            [("survey", question, "respondents"), ("survey", question, "skipped")])

    def _cells_outcomes(self, engine, figures, site_region, region_ids):
        # Outcomes per scale: the patients who improved and who did not
        # (hidden), those at or above the threshold at baseline and those
        # below it (hidden), and of the former those who moved below it and
        # those who stayed (hidden). A patient may have several scales: no
        # sum over the scales is printed.
        for scale_id, (patients, _change, improved, above, moved_below) in figures["outcomes"].items():
            key = ("outcome", scale_id)
            engine.cell((*key, "patients"), patients)
            engine.cell((*key, "improved"), improved)
            engine.cell((*key, "not_improved"), patients - improved, hidden=True)
            engine.equation((*key, "patients"), [(*key, "improved"), (*key, "not_improved")])
            engine.cell((*key, "above"), above)
            engine.cell((*key, "below"), patients - above, hidden=True)
            engine.equation((*key, "patients"), [(*key, "above"), (*key, "below")])
            engine.cell((*key, "moved_below"), moved_below)
            engine.cell((*key, "stayed"), above - moved_below, hidden=True)
            engine.equation((*key, "above"), [(*key, "moved_below"), (*key, "stayed")])

    # PUBLISHED TABLES ----------------------------------------------------------
    @api.model
    def _get_table_keys(self):
        """The published tables, in the order of the report: each one is
        made by its ``_table_<key>`` method (and its cells declared by its
        ``_cells_<key>`` method when it counts people)."""
        return TABLES

    @api.model
    def _get_tables(self, sites, date_from, date_to):
        """The published tables: dicts with ``key``, ``title``, ``columns``
        (``(key, label, kind)`` where kind is text, count, number, percent or
        decimal), ``rows`` and ``chart`` (the column keys to plot). Counts of
        people are protected together (``_protect_figures``); a share, rate,
        mean or median is printed only when it rests on more than 10 people
        and on figures that are known (printed, or recomputable from printed
        figures): then it reveals nothing more than they do.
        """
        return self._get_report(sites, date_from, date_to).tables

    @api.model
    def _get_report(self, sites, date_from, date_to):
        """The report of ``sites`` over the period: its figures, their
        protection and its tables (``IndicatorReport``)."""
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        figures = self._compute_figures(sites, date_from, date_to)
        engine = self._protect_figures(figures, sites)
        report = IndicatorReport(self.env, sites, date_from, date_to, figures, engine)
        report.tables = [getattr(self, f"_table_{key}")(report) for key in self._get_table_keys()]
        return report

    def _table_sites(self, report):
        # public facts, published as they are
        figures, rows = report.figures, []
        for region, name in report.regions:
            count, poly, networks = figures["sites"].get(region, (0, 0, 0))
            if count:
                rows.append([name, count, poly, _share(poly, count), networks])
        total = sum(row[1] for row in rows)
        poly_total = sum(row[2] for row in rows)
        rows.append([report.total_label, total, poly_total, _share(poly_total, total), figures["networks"]])
        return self._make_table("sites", self.env._("Sites per region"), [
            ("region", self.env._("Region"), "text"), ("sites", self.env._("Microstructures"), "number"),
            ("polyvalent", self.env._("Polyvalent"), "number"),
            ("polyvalent_share", self.env._("Share polyvalent"), "percent"),
            ("networks", self.env._("Networks"), "number"),
        ], rows, ["sites"])

    def _table_professionals(self, report):
        # public facts
        professionals = report.figures["professionals"]
        rows = [[report.profession_label[p], professionals.get(p, 0)] for p in PROFESSIONS]
        rows.append([report.total_label, sum(row[1] for row in rows)])
        return self._make_table("professionals", self.env._("Professionals"), [
            ("profession", self.env._("Profession"), "text"),
            ("professionals", self.env._("Professionals"), "number"),
        ], rows, ["professionals"])

    def _table_patients(self, report):
        # Patients followed per motive and sex, with the mean age
        engine, value, patients = report.engine, report.value, report.figures["patients"]
        rows = []
        for motive, label in [(m, report.motive_label[m]) for m in MOTIVES] + [("*", report.total_label)]:
            motives = MOTIVES if motive == "*" else (motive,)
            ages = sum(float(patients.get((m, sex), (0, 0, 0))[1] or 0) for m in motives for sex in SEXES)
            aged = sum(patients.get((m, sex), (0, 0, 0))[2] for m in motives for sex in SEXES)
            count_key = ("patients", motive)
            men_key, women_key = (("patients", motive, sex) for sex in SEXES)
            count = engine.count(count_key)
            mean_age = engine.statistic(lambda ages=ages, aged=aged: ages / aged if aged else None, aged, [count_key])
            rows.append([
                label, value(men_key), value(women_key), value(count_key),
                engine.share(men_key, count_key, count), engine.share(women_key, count_key, count),
                definitions.round_half_up(mean_age) if isinstance(mean_age, float) else mean_age,
            ])
        return self._make_table("patients", self.env._("Patients followed"), [
            ("motive", self.env._("Motive"), "text"), ("men", self.env._("Men"), "count"),
            ("women", self.env._("Women"), "count"), ("patients", self.env._("Patients followed"), "count"),
            ("men_share", self.env._("Share of men"), "percent"),
            ("women_share", self.env._("Share of women"), "percent"),
            ("mean_age", self.env._("Mean age"), "decimal"),
        ], rows, ["men", "women"])

    def _table_patients_by_region(self, report):
        by_region, value = report.figures["patients_by_region"], report.value
        rows = [
            [name, *(value(("region_patients", region, m)) for m in MOTIVES), value(("region_patients", region))]
            for region, name in report.regions if any(by_region.get((region, m)) for m in MOTIVES)
        ]
        rows.append([report.total_label, *(value(("patients", m)) for m in MOTIVES), value(("patients", "*"))])
        return self._make_table("patients_by_region", self.env._("Patients per region"), [
            ("region", self.env._("Region"), "text"), ("addiction", self.env._("Addictions / precarity"), "count"),
            ("mental_health", self.env._("Mental health"), "count"), ("both", self.env._("Both motives"), "count"),
            ("no_motive", self.env._("No motive"), "count"),
            ("patients", self.env._("Patients followed"), "count"),
        ], rows, ["addiction", "mental_health", "both"])

    def _table_substances(self, report):
        """Ranked by the patients shown: substances with as many patients
        share a rank, and so do the masked ones, after the others (in the
        order of their names: their order would tell their counts apart)."""
        engine = report.engine
        substances = self.env["microstructure.substance"].browse(list(report.figures["substances"]))
        shown = substances.filtered(lambda s: not engine.is_masked(("substance", s.id)))
        shown = shown.sorted(lambda s: (-engine.count(("substance", s.id)), s.name))
        counts = [engine.count(("substance", substance.id)) for substance in shown]
        rows = [
            [1 + sum(1 for other in counts if other > count), substance.name, count]
            for substance, count in zip(shown, counts)
        ]
        rows += [
            [len(shown) + 1, substance.name, report.value(("substance", substance.id))]
            for substance in (substances - shown).sorted("name")
        ]
        return self._make_table("substances", self.env._("Main substances"), [
            ("rank", self.env._("Rank"), "number"), ("substance", self.env._("Substance"), "text"),
            ("patients", self.env._("Patients"), "count"),
        ], rows, ["patients"], label_column=1, total=False)

    def _table_flows(self, report):
        # Inclusions and exits per month
        value = report.value
        rows = [
            [month.strftime("%m/%Y"), value(("flows", month, "inclusions")), value(("flows", month, "exits"))]
            for month, _i, _e in report.figures["flows"]
        ]
        rows.append([report.total_label, value(("flows", "*", "inclusions")), value(("flows", "*", "exits"))])
        return self._make_table("flows", self.env._("Inclusions and exits"), [
            ("month", self.env._("Month"), "text"), ("inclusions", self.env._("Inclusions"), "count"),
            ("exits", self.env._("Exits"), "count"),
        ], rows, ["inclusions", "exits"])

    def _table_consultations(self, report):
        # Consultations per profession, with the no-show rate
        engine, value, rows = report.engine, report.value, []
        professions = (*PROFESSIONS, OTHER_PROFESSIONS)
        for profession, label in [(p, report.profession_label[p]) for p in professions] + [("*", report.total_label)]:
            due = ("consult", profession, "due")
            rows.append([
                label, *(value(("consult", profession, state)) for state in CONSULTATION_STATES),
                value(("consult", profession)),
                engine.share(("consult", profession, "no_show"), due, engine.count(due)),
            ])
        return self._make_table("consultations", self.env._("Consultations"), [
            ("profession", self.env._("Profession"), "text"), ("done", self.env._("Done"), "count"),
            ("no_show", self.env._("No-shows"), "count"), ("excused", self.env._("Excused absences"), "count"),
            ("cancelled", self.env._("Cancelled"), "count"), ("consultations", self.env._("Consultations"), "count"),
            ("no_show_rate", self.env._("No-show rate"), "percent"),
        ], rows, ["done", "no_show"])

    def _table_permanences(self, report):
        # Permanences of psychologists and social workers (held and slots:
        # public facts; slots booked: consultations)
        engine, value, permanences = report.engine, report.value, report.figures["permanences"]
        kinds = [p for p in ("psychologist", "social_worker", "psychiatrist", "gp") if p in permanences]
        rows = []
        for profession in kinds:
            held, slots, booked = permanences[profession]
            key = ("booked", profession)
            rows.append([report.profession_label[profession], held, slots, value(key), engine.share(key, slots, booked)])
        if not kinds:
            rows = [[report.profession_label[p], 0, 0, 0, None] for p in ("psychologist", "social_worker")]
        held_total = sum(row[1] for row in rows)
        slot_total = sum(row[2] for row in rows)
        booked_total = engine.count(("booked", "*"))
        rows.append([report.total_label, held_total, slot_total, value(("booked", "*")),
                     engine.share(("booked", "*"), slot_total, booked_total)])
        return self._make_table("permanences", self.env._("Permanences"), [
            ("profession", self.env._("Profession"), "text"),
            ("permanences", self.env._("Permanences held"), "number"),
            ("slots", self.env._("Slots"), "number"), ("booked", self.env._("Slots booked"), "count"),
            ("fill_rate", self.env._("Fill rate"), "percent"),
        ], rows, ["permanences"])

    def _table_meetings(self, report):
        # Meetings held and attendance (professionals: public facts)
        meetings, value = report.figures["meetings"], report.value
        meeting_kinds = dict(self.env["microstructure.meeting"]._fields["kind"]._description_selection(self.env))
        rows = []
        for kind, label in meeting_kinds.items():
            held, invited, present = meetings.get(kind, (0, 0, 0))
            rows.append([label, held, invited, present, _share(present, invited), value(("discussed", kind))])
        invited, present = sum(row[2] for row in rows), sum(row[3] for row in rows)
        rows.append([report.total_label, sum(row[1] for row in rows), invited, present, _share(present, invited),
                     value(("discussed", "*"))])
        return self._make_table("meetings", self.env._("Meetings"), [
            ("kind", self.env._("Meeting"), "text"), ("meetings", self.env._("Meetings held"), "number"),
            ("invited", self.env._("Professionals invited"), "number"), ("present", self.env._("Present"), "number"),
            ("attendance_rate", self.env._("Attendance rate"), "percent"),
            ("discussed", self.env._("Patients discussed"), "count"),
        ], rows, ["meetings"])

    def _table_liaisons(self, report):
        # Liaison funnel per region and over the report; a median is printed
        # when it rests on more than 10 sheets and the count of its step is
        # known
        engine, value, liaisons = report.engine, report.value, report.figures["liaisons"]

        def row(label, region, figures):
            medians = [
                None if median is None else engine.statistic(
                    lambda median=median: definitions.round_half_up(median), base, [("liaison", region, step)])
                for median, base, step in ((figures[4], figures[6], "sent"), (figures[5], figures[7], "handled"))
            ]
            return [label, *(value(("liaison", region, step)) for step in LIAISON_STEPS), *medians]

        rows = [row(name, region, liaisons[region]) for region, name in report.regions if region in liaisons]
        rows.append(row(report.total_label, "*", report.figures["liaison_total"]))
        return self._make_table("liaisons", self.env._("Liaison sheets"), [
            ("region", self.env._("Region"), "text"), ("sheets", self.env._("Sheets"), "count"),
            ("sent", self.env._("Sent"), "count"),
            ("handled", self.env._("Handled with an interview"), "count"),
            ("accompanied", self.env._("Accompanied"), "count"),
            ("median_contact", self.env._("Median days to contact"), "decimal"),
            ("median_interview", self.env._("Median days to interview"), "decimal"),
        ], rows, ["sheets", "sent", "handled", "accompanied"])

    def _table_satisfaction(self, report):
        engine, value = report.engine, report.value
        labels = dict(self.env["survey.question"]._fields["microstructure_indicator"]._description_selection(self.env))
        rows = []
        for question in SATISFACTION_QUESTIONS:
            respondents = ("survey", question, "respondents")
            positive = ("survey", question, "positive")
            rows.append([labels[question], value(respondents), value(positive),
                         engine.share(positive, respondents, engine.count(respondents))])
        rows.append([self.env._("Questionnaires answered"), value(("activity", "answers")), None, None])
        return self._make_table("satisfaction", self.env._("Patient satisfaction"), [
            ("question", self.env._("Question"), "text"), ("respondents", self.env._("Respondents"), "count"),
            ("positive", self.env._("Positive answers"), "count"),
            ("positive_share", self.env._("Share positive"), "percent"),
        ], rows, ["positive_share"])

    def _get_outcome_scales(self, figures):
        """The scales of the outcome table: the active ones and those with
        figures, in their order."""
        # sudo: the scales, their codes and meaningful changes are public
        # facts (published references), which the regional managers do not
        # read otherwise
        Scale = self.env["microstructure.scale"].sudo().with_context(active_test=False)
        return Scale.search_fetch(
            ["|", ("active", "=", True), ("id", "in", list(figures["outcomes"]))],
            ["code", "meaningful_change", "meaningful_change_source"],
        )

    def _table_outcomes(self, report):
        """Per scale, the patients with a baseline and a follow-up at least
        five months later in the period: the mean change of their score, the
        share improved by at least the scale's clinically meaningful change
        (for the scales that have a published one), the share of those at or
        above the threshold at baseline who moved below it."""
        engine, value, outcomes = report.engine, report.value, report.figures["outcomes"]
        rows, sources = [], []
        for scale in self._get_outcome_scales(report.figures):
            patients, change, _improved, _above, _moved = outcomes.get(scale.id, (0, 0, 0, 0, 0))
            key = ("outcome", scale.id)
            meaningful = scale.meaningful_change or None
            row = [scale.code, 0, None, meaningful, None, None, 0, 0, None]
            if scale.id in outcomes:
                count = engine.count((*key, "patients"))
                row[1] = value((*key, "patients"))
                row[2] = engine.statistic(
                    lambda change=change, patients=patients: definitions.round_half_up(change / 100 / patients),
                    count, [(*key, "patients")],
                ) if patients else None
                if meaningful:
                    row[4] = value((*key, "improved"))
                    row[5] = engine.share((*key, "improved"), (*key, "patients"), count)
                row[6] = value((*key, "above"))
                row[7] = value((*key, "moved_below"))
                row[8] = engine.share((*key, "moved_below"), (*key, "above"), engine.count((*key, "above")))
            elif meaningful:
                row[4] = 0
            rows.append(row)
            if meaningful:
                points = f"{meaningful:g}"
                sources.append(self.env._(
                    "%(scale)s: %(points)s points (%(reference)s)",
                    scale=scale.code, points=points, reference=scale.meaningful_change_source,
                ))
        note = self.env._(
            "Patients with a first result of the scale (the baseline) and, during the year, a result at least "
            "5 months later (the follow-up: the last one). A negative change is an improvement. Clinically "
            "meaningful change: %(sources)s; the other scales have none published. Threshold: the bands "
            "marked as such on each scale, from the source of its bands.",
            sources="; ".join(sources) or self.env._("none published"),
        )
        return self._make_table("outcomes", self.env._("Outcomes of the validated scales"), [
            ("scale", self.env._("Scale"), "text"),
            ("patients", self.env._("Patients with a baseline and a follow-up"), "count"),
            ("mean_change", self.env._("Mean change (points)"), "decimal"),
            ("meaningful_change", self.env._("Clinically meaningful change (points)"), "decimal"),
            ("improved", self.env._("Improved by at least the meaningful change"), "count"),
            ("improved_share", self.env._("Share improved"), "percent"),
            ("above_threshold", self.env._("At or above the threshold at baseline"), "count"),
            ("moved_below", self.env._("Moved below the threshold"), "count"),
            ("moved_below_share", self.env._("Share moved below the threshold"), "percent"),
        ], rows, ["improved_share", "moved_below_share"], total=False, note=note)

    def _table_activity(self, report):
        # Activity per site (permanences and meetings held: public facts),
        # by region, network and site
        activity, scope, value = report.figures["activity"], report.figures["scope"], report.value
        active_sites = sorted(
            (site for site in scope if any(activity[site])),
            key=lambda site: (scope[site][2] or "", scope[site][3] or "", scope[site][0], site),
        )
        rows = [
            [scope[site][0], scope[site][3] or None,
             value(("site", site, "patients")), value(("site", site, "done")), activity[site][2], activity[site][3],
             value(("site", site, "sheets")), value(("site", site, "answers"))]
            for site in active_sites
        ]
        if rows:
            rows.append([
                report.total_label, None, value(("activity", "patients")), value(("activity", "done")),
                sum(activity[site][2] for site in active_sites), sum(activity[site][3] for site in active_sites),
                value(("activity", "sheets")), value(("activity", "answers")),
            ])
        return self._make_table("activity", self.env._("Activity per site"), [
            ("site", self.env._("Site"), "text"), ("network", self.env._("Network"), "text"),
            ("patients", self.env._("Patients followed"), "count"),
            ("consultations", self.env._("Consultations done"), "count"),
            ("permanences", self.env._("Permanences held"), "number"),
            ("meetings", self.env._("Meetings held"), "number"),
            ("sheets", self.env._("Liaison sheets"), "count"), ("answers", self.env._("Survey answers"), "count"),
        ], rows, ["patients"])

    @staticmethod
    def _make_table(key, title, columns, rows, chart, label_column=0, total=True, note=None):
        """A published table; ``total``: its last row sums up the others;
        ``note``: what its figures mean, printed under it."""
        for column, _label, _kind in columns:
            if column not in EXPORT_COLUMNS or column in FORBIDDEN_COLUMNS:
                raise ValueError(f"column {column!r} is not in the whitelist of published columns")
        return {
            "key": key, "title": title, "columns": columns, "rows": rows,
            "chart": chart, "label_column": label_column, "total": total and bool(rows), "note": note,
        }
