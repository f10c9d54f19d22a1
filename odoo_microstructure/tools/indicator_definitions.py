"""The definitions of the indicators, in one place.

The regional report (the dashboard page and its workbook), the referral
funnel of a site or of a review meeting and the funnel pivot of the care
teams count with these definitions only: the reporting period, who is a
patient followed and under which motive, which consultations count for which
profession, when a liaison sheet reaches a step, what a delay and its median
are, what a positive survey answer is, and how a figure is rounded. The
masking of small counts is the policy of ``microstructure_small_counts``.

The SQL pieces take the alias of the table they read, so that a query of any
shape (an aggregation, a view, an ORM query under record rules) uses them as
they are.
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytz

from odoo.tools import SQL

# PERIOD ----------------------------------------------------------------------
# the reporting year runs from 1 September to 31 August (the national report
# is dated 1 September)
YEAR_START_MONTH = 9
FIRST_YEAR = 2015
# the reporting year runs in French time, whoever reads it
REPORT_TZ = pytz.timezone("Europe/Paris")


def reporting_year_bounds(year):
    """First and last day of the reporting year starting in ``year``."""
    return date(year, YEAR_START_MONTH, 1), date(year + 1, YEAR_START_MONTH, 1) - timedelta(days=1)


def last_complete_year(today):
    """Start year of the last reporting year that has ended by ``today``."""
    return today.year - 1 if today.month >= YEAR_START_MONTH else today.year - 2


def utc_bounds(date_from, date_to):
    """UTC datetimes of the start of ``date_from`` and of the day after
    ``date_to``, in French time.

    Not in the time zone of the context or of the user: both are the
    caller's to choose, and two reports whose years start a few hours apart
    would tell, by their difference, the consultations or answers of those
    hours.
    """
    def utc(day):
        return REPORT_TZ.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    return utc(date_from), utc(date_to + timedelta(days=1))


# PATIENTS --------------------------------------------------------------------
# each patient followed is counted under one of them: addictions or precarity
# (without mental health), mental health (without addictions or precarity),
# both, or none ticked
MOTIVES = ("addiction", "mental_health", "both", "none")
SEXES = ("male", "female")


def patient_counted(patient):
    """A patient file that counts: active, or archived at the end of its
    retention (archived by the data protection officer, it counts nowhere)."""
    return SQL("(%s OR %s)", SQL.identifier(patient, "active"), SQL.identifier(patient, "retention_archived"))


def patient_followed(patient, date_from, date_to):
    """A patient file that counts, included by the end of the period and not
    exited before its start."""
    return SQL(
        "%(counted)s AND %(inclusion)s <= %(to)s AND (%(exit)s IS NULL OR %(exit)s >= %(from)s)",
        counted=patient_counted(patient), inclusion=SQL.identifier(patient, "inclusion_date"),
        exit=SQL.identifier(patient, "exit_date"), to=date_to, **{"from": date_from},
    )


def patient_motive(patient):
    """The motive a patient is counted under (one of ``MOTIVES``)."""
    return SQL(
        """CASE WHEN (%(addiction)s OR %(precarity)s) AND %(mental)s THEN 'both'
                WHEN %(addiction)s OR %(precarity)s THEN 'addiction'
                WHEN %(mental)s THEN 'mental_health'
                ELSE 'none' END""",
        addiction=SQL.identifier(patient, "motive_addiction"), precarity=SQL.identifier(patient, "motive_precarity"),
        mental=SQL.identifier(patient, "motive_mental_health"),
    )


# an age in years is a number of days over the mean length of a year
DAYS_PER_YEAR = 365.25


def patient_age_days(patient, day):
    """The age in days on ``day``, from the birth date (an integer, so that
    sums stay exact and cheap: divide by ``DAYS_PER_YEAR`` for years)."""
    return SQL("%s::date - %s", day, SQL.identifier(patient, "birth_date"))


# CONSULTATIONS ---------------------------------------------------------------
# the professions of the care team, in the order of the report
PROFESSIONS = ("gp", "psychologist", "social_worker", "psychiatrist")
# the consultations of the other professions (coordinator, other) make one row
OTHER_PROFESSIONS = "others"
CONSULTATION_STATES = ("done", "no_show", "excused", "cancelled")
# the consultations due to take place: the base of the no-show rate
DUE_STATES = ("done", "no_show", "excused")


def consultation_profession(professional):
    """The row of a consultation: the profession of its professional, or
    ``OTHER_PROFESSIONS``."""
    profession = SQL.identifier(professional, "profession")
    return SQL("CASE WHEN %s = ANY(%s) THEN %s ELSE %s END", profession, list(PROFESSIONS), profession,
               OTHER_PROFESSIONS)


# LIAISON SHEETS --------------------------------------------------------------
# the steps of the funnel and the date each one is reached on: a sheet counts
# in a step over the period that holds that date
LIAISON_STEPS = {
    "sheets": "date",
    "sent": "date_sent",
    "handled": "date_assessed",  # handled with an interview
    "accompanied": "date_accompanied",
}
# each delay in days: (from the date of, to the date of); a delay counts over
# the period that holds its end
LIAISON_DELAYS = {
    "contact": ("date_sent", "date_contacted"),
    "interview": ("date_contacted", "date_assessed"),
}


def liaison_counted(liaison):
    """A cancelled sheet counts nowhere."""
    return SQL("%s != 'cancelled'", SQL.identifier(liaison, "state"))


def liaison_step_reached(liaison, step):
    """The sheet has reached ``step`` (one of ``LIAISON_STEPS``)."""
    return SQL("%s IS NOT NULL", SQL.identifier(liaison, LIAISON_STEPS[step]))


def liaison_date_in(liaison, column, date_from=None, date_to=None):
    """The date ``column`` of the sheet is set and lies in the period (either
    bound may be open): the sheet's own date is a day, the steps' dates are
    datetimes, taken in French time."""
    day = SQL.identifier(liaison, column)
    if column == "date":
        start, stop = date_from, date_to and date_to + timedelta(days=1)
    else:
        start = date_from and utc_bounds(date_from, date_from)[0]
        stop = date_to and utc_bounds(date_to, date_to)[1]
    return SQL(" AND ").join([
        SQL("%s IS NOT NULL", day),
        *([SQL("%s >= %s", day, start)] if start else []),
        *([SQL("%s < %s", day, stop)] if stop else []),
    ])


def liaison_delay(liaison, delay):
    """The delay in days (a decimal) of ``delay`` (one of ``LIAISON_DELAYS``),
    null until both dates are known."""
    start, stop = LIAISON_DELAYS[delay]
    return SQL(
        "EXTRACT(EPOCH FROM %s - %s) / 86400", SQL.identifier(liaison, stop), SQL.identifier(liaison, start),
    )


def median(expression):
    """The median of ``expression`` over the rows of the group (nulls left
    out), interpolated between the two middle values."""
    return SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", expression)


def liaison_funnel(liaison, date_from=None, date_to=None):
    """The aggregates of the funnel over a group of sheets: the sheets that
    reach each step in the period, then the median of each delay and the
    number of sheets behind it (the delays that end in the period). Without
    a period, every step reached and every delay known."""
    counted = liaison_counted(liaison)
    steps = [
        SQL("count(*) FILTER (WHERE %s AND %s)", counted, liaison_date_in(liaison, column, date_from, date_to))
        for column in LIAISON_STEPS.values()
    ]
    medians, bases = [], []
    for delay, (_start, stop) in LIAISON_DELAYS.items():
        ending = SQL("%s AND %s", counted, liaison_date_in(liaison, stop, date_from, date_to))
        medians.append(SQL("%s FILTER (WHERE %s)", median(liaison_delay(liaison, delay)), ending))
        bases.append(SQL("count(%s) FILTER (WHERE %s)", liaison_delay(liaison, delay), ending))
    return [*steps, *medians, *bases]


def liaison_in_period(liaison, date_from, date_to):
    """The sheet counts, and one of its steps or delays falls in the period."""
    columns = dict.fromkeys([*LIAISON_STEPS.values(), *(stop for _start, stop in LIAISON_DELAYS.values())])
    return SQL("%s AND (%s)", liaison_counted(liaison), SQL(" OR ").join(
        liaison_date_in(liaison, column, date_from, date_to) for column in columns
    ))


# SATISFACTION SURVEY ---------------------------------------------------------
SATISFACTION_QUESTIONS = (
    "never_social_worker", "never_psychiatrist", "never_psychologist",
    "quality_of_life", "consumption", "recommend",
)


def answer_counted(answer, start, stop):
    """A questionnaire answered in full between the UTC datetimes ``start``
    (included) and ``stop`` (excluded), not a test."""
    return SQL(
        "%(state)s = 'done' AND NOT coalesce(%(test)s, FALSE) AND %(end)s >= %(start)s AND %(end)s < %(stop)s",
        state=SQL.identifier(answer, "state"), test=SQL.identifier(answer, "test_entry"),
        end=SQL.identifier(answer, "end_datetime"), start=start, stop=stop,
    )


def answer_line_given(line):
    """An answer line that was not skipped."""
    return SQL("NOT coalesce(%s, FALSE)", SQL.identifier(line, "skipped"))


def answer_positive(suggestion):
    """The suggestion chosen counts as positive (``microstructure_positive``
    on the survey's answers)."""
    return SQL("coalesce(%s, FALSE)", SQL.identifier(suggestion, "microstructure_positive"))


# OUTCOMES OF THE VALIDATED SCALES ---------------------------------------------
# a patient's outcome on a scale compares its baseline (its first result of
# the scale, whenever it was) with its follow-up in the period (its last
# result of the period at least this long after the baseline); the results of
# a patient file that does not count (``patient_counted``) count nowhere
FOLLOW_UP_AFTER = "5 months"


def scale_followed_up(result, baseline_date):
    """The result is a follow-up of the baseline of date ``baseline_date``:
    at least ``FOLLOW_UP_AFTER`` later."""
    return SQL("%s >= %s + %s::interval", SQL.identifier(result, "date"), baseline_date, FOLLOW_UP_AFTER)


def scale_change(follow_up_score, baseline_score):
    """The change of the score from the baseline to the follow-up (every
    scale shipped scores worse higher: a fall is an improvement)."""
    return SQL("(%s - %s)", follow_up_score, baseline_score)


def scale_improved(change, scale):
    """The score fell by at least the scale's clinically meaningful change
    (false when the scale has none)."""
    meaningful = SQL.identifier(scale, "meaningful_change")
    return SQL("coalesce(%s > 0 AND -%s >= %s, FALSE)", meaningful, change, meaningful)


def band_above_threshold(band):
    """The band is at or above the scale's clinical threshold (a result
    without a band is not)."""
    return SQL("coalesce(%s, FALSE)", SQL.identifier(band, "above_threshold"))


# ROUNDING --------------------------------------------------------------------
def round_half_up(value, digits=1):
    """A decimal figure as printed: rounded half up (2.25 gives 2.3), from
    its shortest decimal writing, not by the binary rounding of ``round()``
    (which gives 2.2)."""
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
