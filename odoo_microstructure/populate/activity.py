"""Patients and a year of activity: permanences and their slots,
consultations, synthesis meetings, their calendar events, and the answers to
the satisfaction survey.

Rows are dicts written in bulk (``bulk.insert``); the ORM then computes the
figures that aggregate other records (``bulk.recompute``).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from odoo import Command
from odoo.tools.misc import split_every

from . import bulk, figures
from .tools import adult_ages, days_between, first_weekday, spread, year_before

# the values of an event that a row holds, with their defaults
EVENT_COLUMNS = {
    "name": None, "start": None, "stop": None, "duration": 0.0, "allday": False, "privacy": "private",
    "show_as": "busy", "location": None, "user_id": None, "res_model_id": None, "res_model": None, "res_id": None,
    "active": True,
}


# PATIENTS ---------------------------------------------------------------------
def populate_patients(env, rng, scale, sites, counts, reference_date=figures.REFERENCE_DATE):
    """Patients of ``sites`` at ``scale``: per motive, the 2023 counts, shares
    of men and mean ages, main substances ranked as in the report; all
    followed during the year before ``reference_date``. Return them per site
    id, as dicts (see ``patient_plan``)."""
    substances = [(env.ref(f"odoo_microstructure.{xmlid}").id, weight) for xmlid, weight in figures.MAIN_SUBSTANCES]
    substance_ids, substance_weights = [sid for sid, _w in substances], [w for _sid, w in substances]
    addiction_sites = [site for site in sites if site["addiction"]] or sites
    mental_sites = [site for site in sites if site["mental_health"]] or sites
    plan = [("addiction", site) for site in spread(rng, addiction_sites, round(figures.PATIENTS["addiction"] * scale))]
    plan += [("mental_health", site)
             for site in spread(rng, mental_sites, round(figures.PATIENTS["mental_health"] * scale))]
    profiles = {}
    for motive, (men, mean_age, deviation) in figures.PROFILES.items():
        size = sum(1 for planned, _site in plan if planned == motive)
        sexes = ["male"] * round(men * size) + ["female"] * (size - round(men * size))
        profiles[motive] = (iter(rng.sample(sexes, size)), iter(adult_ages(rng, size, mean_age, deviation)))
    rows, extra_substances = [], []
    for motive, site in plan:
        sexes, ages = profiles[motive]
        sex, age = next(sexes), next(ages)
        birth = reference_date - timedelta(days=round(age * 365.25))
        earliest = max(site["open"], birth + timedelta(days=round(18.1 * 365.25)))
        span = max((reference_date - earliest).days - 1, 1)
        inclusion = earliest + timedelta(days=rng.randrange(span))
        addiction = motive == "addiction" and rng.random() < figures.ADDICTION_SHARE
        precarity = motive == "addiction" and (not addiction or rng.random() < figures.PRECARITY_SHARE)
        main = rng.choices(substance_ids, substance_weights)[0] if addiction else None
        exited = rng.random() < figures.EXIT_SHARE
        exit_date = inclusion + timedelta(days=rng.randrange(30, 400)) if exited else None
        if exit_date and exit_date >= reference_date:
            exited, exit_date = False, None
        elif exit_date and exit_date < year_before(reference_date):
            # exits fall in the year of the report: every patient generated
            # was followed during that year
            exit_date = reference_date - timedelta(days=rng.randrange(1, 365))
        rows.append({
            "site_id": site["id"],
            "gp_id": rng.choice(site["team"].get("gp") or [None]),
            "civility": "mrs" if sex == "female" else "mr",
            "name": rng.choice(figures.LAST_NAMES),
            "first_names": rng.choice(figures.FIRST_NAMES[sex]),
            "birth_date": birth,
            "sex": sex,
            "inclusion_date": inclusion,
            "motive_addiction": addiction,
            "motive_precarity": precarity,
            "motive_mental_health": motive == "mental_health",
            "main_substance_id": main,
            "disorder_anxiety": motive == "mental_health" and rng.random() < 0.6,
            "disorder_mood": motive == "mental_health" and rng.random() < 0.5,
            "consent_date": inclusion,
            "consent_method": "written" if rng.random() < 0.4 else "oral",
            "state": "exited" if exited else "followed",
            "exit_date": exit_date,
            "exit_reason": "goal_reached" if exited else None,
            "active": True,
        })
        extra = rng.choices(substance_ids, substance_weights)[0] if main and rng.random() < 0.5 else None
        extra_substances.append(extra)
    ids = bulk.insert(env, "microstructure.patient", rows)
    bulk.link(env, "microstructure.patient", "substance_ids", sorted({
        (patient_id, substance_id)
        for patient_id, row, extra in zip(ids, rows, extra_substances)
        for substance_id in (row["main_substance_id"], extra) if substance_id
    }))
    counts["microstructure.patient"] = len(ids)
    patients = defaultdict(list)
    for patient_id, row in zip(ids, rows):
        patients[row["site_id"]].append(patient_plan(patient_id, row))
    return patients


def patient_plan(patient_id, values, default_gp=None, start=None):
    """A patient as the activity generators read it."""
    return {
        "id": patient_id,
        "gp": values["gp_id"] or default_gp,
        "inclusion": values["inclusion_date"] or start,
        "addiction": values["motive_addiction"],
        "precarity": values["motive_precarity"],
        "mental_health": values["motive_mental_health"],
        "exit": values["exit_date"],
    }


# ACTIVITY OF THE YEAR ------------------------------------------------------------
def populate_activity(env, rng, sites, patients, counts, with_events, activity=1.0,
                      reference_date=figures.REFERENCE_DATE, book_more=None):
    """Permanences, consultations and meetings of ``sites`` (dicts of
    ``registry.site_plan``) for ``patients`` (per site id) in the year before
    ``reference_date``; ``activity`` multiplies the consultations each patient
    asks for.

    ``book_more(consultations, free_slots, busy)``, if given, returns more
    consultations to book (rows, with the ``slot_id`` they take, if any),
    given the consultations booked, the free slots per (site, profession)
    sorted by start and the times taken per professional. Return the
    consultations as dicts."""
    year_start = year_before(reference_date)
    busy = set()  # (professional, start) already taken
    permanences, slots = _populate_permanences(env, rng, sites, year_start, reference_date, busy, counts)
    every_slot = {key: sorted(site_slots, key=lambda slot: slot["start"]) for key, site_slots in slots.items()}
    rows = _plan_consultations(rng, sites, patients, slots, year_start, reference_date, busy, activity)
    if book_more:
        booked = {row["slot_id"] for row in rows}
        free_slots = {key: [slot for slot in site_slots if slot["id"] not in booked]
                      for key, site_slots in every_slot.items()}
        rows += book_more(rows, free_slots, busy)
    consultations = _insert_consultations(env, rows, counts)
    # the booked slots and fill rates, by the ORM
    bulk.recompute(env, "microstructure.permanence", [permanence["id"] for permanence in permanences],
                   ["slot_count", "booked_count", "fill_rate"])
    meetings = _populate_meetings(env, rng, sites, patients, year_start, counts)
    if with_events:
        for model_name, records in (("microstructure.consultation", consultations),
                                    ("microstructure.permanence", permanences),
                                    ("microstructure.meeting", meetings)):
            counts["calendar.event"] = counts.get("calendar.event", 0) + create_events(
                env, model_name, [record["id"] for record in records],
            )
    return consultations


def _populate_permanences(env, rng, sites, year_start, reference_date, busy, counts):
    """Psychologists weekly, social workers fortnightly (none in August), each
    permanence of 4 slots of 45 minutes; return the permanences, and the
    slots per (site, profession) in random order."""
    permanences = []
    for rank, site in enumerate(sites):
        for profession, weeks in figures.PERMANENCES.items():
            for position, professional_id in enumerate(site["team"].get(profession, [])[:1]):
                # the weekday follows the site's rank: the same seed gives
                # the same days whatever the ids of the database
                weekday = (rank + position + (profession == "social_worker")) % 5
                day = first_weekday(year_start, weekday)
                while day < reference_date:
                    start = datetime.combine(day, time(8, 0))
                    if day.month != 8 and (professional_id, start) not in busy:
                        busy.add((professional_id, start))
                        permanences.append({
                            "site_id": site["id"], "professional_id": professional_id, "start": start,
                            "stop": start + timedelta(minutes=figures.PERMANENCE_SLOTS * figures.SLOT_MINUTES),
                            "slot_minutes": figures.SLOT_MINUTES, "state": "held", "profession": profession,
                        })
                    day += timedelta(weeks=weeks)
    ids = bulk.insert(env, "microstructure.permanence", permanences)
    for permanence_id, permanence in zip(ids, permanences):
        permanence["id"] = permanence_id
    slot_rows = [
        {"permanence_id": permanence["id"], "site_id": permanence["site_id"],
         "start": permanence["start"] + timedelta(minutes=figures.SLOT_MINUTES * index),
         "stop": permanence["start"] + timedelta(minutes=figures.SLOT_MINUTES * (index + 1))}
        for permanence in permanences
        for index in range(figures.PERMANENCE_SLOTS)
    ]
    slot_ids = bulk.insert(env, "microstructure.permanence.slot", slot_rows)
    slots = defaultdict(list)
    for index, (slot_id, row) in enumerate(zip(slot_ids, slot_rows)):
        permanence = permanences[index // figures.PERMANENCE_SLOTS]
        slots[(permanence["site_id"], permanence["profession"])].append({
            "id": slot_id, "start": row["start"], "permanence_id": permanence["id"],
            "professional_id": permanence["professional_id"],
        })
    for site_slots in slots.values():
        rng.shuffle(site_slots)
    counts["microstructure.permanence"] = len(ids)
    counts["microstructure.permanence.slot"] = len(slot_ids)
    return permanences, slots


def _plan_consultations(rng, sites, patients, slots, year_start, reference_date, busy, activity):
    """The consultations asked for by the patients, each in a free slot of a
    permanence or at a free time of its professional."""
    workdays = [day for day in days_between(year_start, reference_date) if day.weekday() < 5 and day.month != 8]

    def free_time(professional_id, hours):
        for _attempt in range(40):
            day = rng.choice(workdays)
            start = datetime.combine(day, time(rng.choice(hours), rng.choice((0, 30))))
            if (professional_id, start) not in busy:
                busy.add((professional_id, start))
                return start
        return None

    states = [state for state, share in figures.CONSULTATION_STATES.items() for _n in range(share)]
    wishes_of = figures.CONSULTATION_WISHES
    rows = []
    for site in sites:
        for patient in patients[site["id"]]:
            active_from = max(patient["inclusion"], year_start)
            active_to = patient["exit"] or reference_date
            if active_from >= active_to:
                continue
            wishes = [("gp", rng.randint(*wishes_of["gp"]))]
            wishes.append(("psychologist", rng.randint(
                *wishes_of["psychologist"]["mental_health" if patient["mental_health"] else "other"])))
            wishes.append(("social_worker", rng.randint(
                *wishes_of["social_worker"]["precarity" if patient["precarity"] else "other"])))
            if patient["mental_health"] and site["team"].get("psychiatrist"):
                wishes.append(("psychiatrist", rng.randint(*wishes_of["psychiatrist"])))
            for kind, number in wishes:
                for _n in range(round(number * activity)):
                    if kind in figures.PERMANENCES:
                        pool = slots.get((site["id"], kind))
                        if not pool:
                            continue
                        slot = pool.pop()
                        start, professional_id = slot["start"], slot["professional_id"]
                        if not active_from <= start.date() < active_to:
                            continue
                        duration = figures.SLOT_MINUTES / 60
                    else:
                        professional_id = patient["gp"] if kind == "gp" else site["team"][kind][0]
                        if not professional_id:
                            continue
                        start = free_time(professional_id, range(8, 18))
                        if not start or not active_from <= start.date() < active_to:
                            continue
                        slot = None
                        duration = 0.5
                    rows.append(consultation_row(patient, site, professional_id, kind, start, duration,
                                                 rng.choice(states), slot))
    return rows


def consultation_row(patient, site, professional_id, kind, start, duration, state, slot=None, place="practice"):
    """A consultation, and the slot of a permanence it takes (``slot_id``)."""
    return {
        "patient_id": patient["id"], "site_id": site["id"], "professional_id": professional_id, "kind": kind,
        "start": start, "duration": duration, "stop": start + timedelta(hours=duration), "place": place,
        "state": state, "permanence_id": slot and slot["permanence_id"], "slot_id": slot and slot["id"],
    }


def _insert_consultations(env, rows, counts):
    booked = [row.pop("slot_id") for row in rows]
    ids = bulk.insert(env, "microstructure.consultation", rows)
    bulk.set_column(env, "microstructure.permanence.slot", "consultation_id", [
        (slot_id, consultation_id) for slot_id, consultation_id in zip(booked, ids) if slot_id
    ])
    counts["microstructure.consultation"] = len(ids)
    for consultation_id, row in zip(ids, rows):
        row["id"] = consultation_id
    return rows


def _populate_meetings(env, rng, sites, patients, year_start, counts):
    """A synthesis meeting a month (reviews in January and June, none in
    August), attended by the care team, discussing up to 8 patients."""
    rows, meeting_sites = [], []
    for site in sites:
        for month in range(12):
            day = date(year_start.year + (year_start.month + month - 1) // 12,
                       (year_start.month + month - 1) % 12 + 1, 10)
            if day.month == 8 or day < site["open"]:
                continue
            start = datetime.combine(day, time(16, 0))
            rows.append({
                "site_id": site["id"], "kind": "review" if day.month in figures.REVIEW_MONTHS else "synthesis",
                "start": start, "duration": 2.0, "stop": start + timedelta(hours=2), "state": "done",
            })
            meeting_sites.append(site)
    ids = bulk.insert(env, "microstructure.meeting", rows)
    attendees, presents, lines = [], [], []
    for meeting_id, row, site in zip(ids, rows, meeting_sites):
        attendees += [(meeting_id, pid) for pid in site["members"]]
        presents += [(meeting_id, pid) for pid in site["members"] if rng.random() < figures.MEETING_PRESENCE]
        candidates = [patient for patient in patients[site["id"]] if patient["inclusion"] <= row["start"].date()]
        chosen = rng.sample(candidates, min(figures.PATIENTS_PER_MEETING, len(candidates)))
        lines += [{"meeting_id": meeting_id, "patient_id": patient["id"], "sequence": sequence,
                   "site_id": site["id"], "meeting_date": row["start"], "meeting_state": row["state"]}
                  for sequence, patient in enumerate(chosen)]
    bulk.link(env, "microstructure.meeting", "attendee_ids", attendees)
    bulk.link(env, "microstructure.meeting", "present_ids", presents)
    bulk.recompute(env, "microstructure.meeting", ids, ["attendance_rate"])
    line_ids = bulk.insert(env, "microstructure.meeting.line", lines)
    # the last discussion of each patient discussed
    bulk.recompute(env, "microstructure.patient", sorted({line["patient_id"] for line in lines}),
                   ["last_discussed_date"])
    counts["microstructure.meeting"] = len(ids)
    counts["microstructure.meeting.line"] = len(line_ids)
    for meeting_id, row in zip(ids, rows):
        row["id"] = meeting_id
    return rows


# CALENDAR EVENTS ---------------------------------------------------------------------
def create_events(env, model_name, ids):
    """The private calendar events of the records ``ids`` of a calendar
    model, with the values the model gives them (``_prepare_event_vals``);
    return their number. An event that invites someone (a professional with
    a login) is made by the model itself."""
    model = env[model_name]
    Event = env["calendar.event"]
    created, invited = 0, []
    for batch in split_every(bulk.RECOMPUTE_BATCH, ids):
        rows, owners = [], []
        for record in model.browse(batch):
            values = record._prepare_event_vals()
            partners = values.pop("partner_ids", None)
            if partners and any(command[2] for command in partners):
                invited.append(record.id)
                continue
            unknown = set(values) - set(EVENT_COLUMNS)
            assert not unknown, f"values of the events of {model_name} not written here: {unknown}"
            row = {**EVENT_COLUMNS, **values}
            # the event's own stored computes
            row["duration"] = Event._get_duration(row["start"], row["stop"])
            row["res_model"] = row["res_model_id"] and model_name
            rows.append(row)
            owners.append(record.id)
        event_ids = bulk.insert(env, "calendar.event", rows)
        bulk.set_column(env, model_name, "event_id", list(zip(owners, event_ids)))
        created += len(event_ids)
        env.invalidate_all()
    if invited:
        model.browse(invited)._sync_events()
    return created + len(invited)


# SATISFACTION SURVEY -------------------------------------------------------------------
def populate_survey(env, rng, site_ids, total, counts=None, reference_date=figures.REFERENCE_DATE):
    """Answers of ``total`` patients of ``site_ids`` to the satisfaction
    survey over the year before ``reference_date``, with the shares of the
    2023 report (through the ORM)."""
    survey = env.ref("odoo_microstructure.survey_satisfaction")
    questions = survey.question_ids.filtered("microstructure_indicator")
    answers = {}
    for question in questions:
        suggestions = question.suggested_answer_ids
        positive = round(figures.SURVEY_POSITIVE[question.microstructure_indicator] * total / figures.SURVEY_ANSWERS)
        positive_ids = suggestions.filtered("microstructure_positive").ids
        other_ids = (suggestions - suggestions.filtered("microstructure_positive")).ids
        choices = [rng.choice(positive_ids) for _n in range(positive)]
        choices += [rng.choice(other_ids) for _n in range(total - positive)]
        rng.shuffle(choices)
        answers[question] = choices
    year_start = datetime.combine(year_before(reference_date), time(9, 0))
    vals = []
    for index in range(total):
        end = year_start + timedelta(days=rng.randrange(364), minutes=rng.randrange(600))
        vals.append({
            "survey_id": survey.id,
            "microstructure_site_id": rng.choice(site_ids),
            "state": "done",
            "start_datetime": end - timedelta(minutes=5),
            "end_datetime": end,
            "user_input_line_ids": [
                Command.create({
                    "question_id": question.id,
                    "answer_type": "suggestion",
                    "suggested_answer_id": choices[index],
                })
                for question, choices in answers.items()
            ],
        })
    records = env["survey.user_input"].create(vals)
    if counts is not None:
        counts["survey.user_input"] = len(records)
    return records
