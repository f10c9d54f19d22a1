"""Liaison sheets to the social service, at every step of their workflow:
the experiment of the MSP Laënnec replayed at one site, and the sheets of a
population.

A sheet is a dict: its content (patient, date, requester, office, reason)
and its steps, each a dict (step, date, user), in an order the workflow
allows (``TRANSITIONS``). ``create_sheets`` writes them through the ORM,
at the step they reached, as the workflow would have left them: the
identity copied from the patient and the fingerprint of the sheet as sent
are computed by the model on the sheet as written; each step has its date
and author; the social worker who calls the patient signs the reserved
part. The workflow itself is not replayed: it would e-mail every sheet and
its PDF to the office.
"""

import random
from datetime import date, datetime, time, timedelta

from odoo import Command, fields

from ..models.microstructure_liaison import CONTENT_FIELDS, END_STATES, STEP_FIELDS, TRANSITIONS
from . import activity, figures
from .tools import days_between, first_weekday, year_before

# the steps of each outcome, after the sheet is sent
OUTCOME_STEPS = {
    "accompanied": ["contacted", "assessed", "accompanied", "closed"],
    "out_of_scope": ["contacted", "assessed", "out_of_scope"],
    "declined_after": ["contacted", "assessed", "declined"],
    "not_reachable": ["not_reachable"],
    "declined": ["contacted", "declined"],
}


def step(state, when, user_id):
    return {"state": state, "date": when, "user_id": user_id}


def create_sheets(env, sheets):
    """Create the liaison sheets ``sheets`` (dicts, see the module) through
    the ORM, each at the last of its steps; return them in order."""
    assert env.su, "historical sheets are written by the data loader"
    Liaison = env["microstructure.liaison"]
    users = env["res.users"].browse(sorted({item["user_id"] for sheet in sheets for item in sheet["steps"]}))
    names = {user.id: user.name for user in users}
    # the sheets as their requesters wrote them, in one batch: the model
    # copies the identity from the patient files and computes what is sent
    drafts = Liaison.concat(*(
        Liaison.new({
            "state": "identified",
            "patient_id": sheet["patient_id"],
            "date": sheet["date"],
            "requester_id": sheet["requester_id"],
            "requester_qualification": figures.REQUESTER_QUALIFICATION,
            "social_service_id": sheet["social_service_id"],
            "consent": "yes",
            sheet["reason"]: True,
        })
        for sheet in sheets
    ))
    vals_list = []
    for sheet, draft in zip(sheets, drafts):
        values = draft._convert_to_write({name: draft[name] for name in CONTENT_FIELDS})
        state = "identified"
        for item in sheet["steps"]:
            assert item["state"] in TRANSITIONS.get(state, {}), (state, item["state"])
            state = item["state"]
            if state == "sent":
                values["sent_hash"] = draft._compute_sent_hash()
            if state in STEP_FIELDS:
                date_field, user_field = STEP_FIELDS[state]
                values.update({date_field: item["date"], user_field: item["user_id"]})
            if state in END_STATES:
                values["date_closed"] = item["date"]
            if state in ("contacted", "not_reachable") and not values.get("social_worker_name"):
                values["social_worker_name"] = names[item["user_id"]][:100]
        values.update({"state": state, "in_scope": sheet.get("in_scope") or False})
        vals_list.append(values)
    return Liaison.create(vals_list)


def outcome_steps(outcome, sent, contacted, interview, decided, closed, requester_id, carsat_id, until=None):
    """The steps of a sheet sent at ``sent`` with ``outcome``, those before
    ``until`` only (the sheet is still on its way at that date)."""
    steps = [step("sent", sent, requester_id)]
    dates = {"contacted": contacted, "not_reachable": contacted, "assessed": interview,
             "accompanied": decided, "closed": closed}
    if outcome == "declined":
        dates["declined"] = contacted
    else:
        dates.update(out_of_scope=interview, declined=interview)
    for state in OUTCOME_STEPS[outcome]:
        when = dates[state]
        if when is None or (until and when >= until):
            break
        steps.append(step(state, when, carsat_id))
    return steps


def outcome_scope(outcome):
    """Whether the request was in scope, for the outcomes decided after the
    interview."""
    return {"accompanied": "yes", "declined_after": "yes", "out_of_scope": "no"}.get(outcome)


# THE EXPERIMENT OF THE MSP LAËNNEC -----------------------------------------------
def replay_experiment(env, site, office, social_worker, requester, start, seed=2018, carsat_user=None):
    """Replay the experiment at ``site`` from ``start``: 26 permanences of
    ``social_worker``, 92 sheets written by ``requester``, 80 handled with an
    interview at a permanence, 26 patients accompanied; the Carsat user
    ``carsat_user`` (by default the current user) moves them along. Return
    the sheets."""
    rng = random.Random(seed)
    carsat_id = (carsat_user or env.user).id
    # every other Thursday, 9:00-12:00 (8:00-11:00 UTC), 4 slots
    first = first_weekday(start, 3)
    permanences = env["microstructure.permanence"].create([
        {
            "site_id": site.id,
            "professional_id": social_worker.id,
            "start": datetime.combine(first + timedelta(weeks=2 * n), time(8, 0)),
            "stop": datetime.combine(first + timedelta(weeks=2 * n), time(11, 0)),
            "slot_minutes": figures.SLOT_MINUTES,
            "state": "held",
        }
        for n in range(figures.EXPERIMENT_PERMANENCES)
    ])
    slots = permanences.slot_ids.sorted("start")
    patients = env["microstructure.patient"].create([
        {
            "civility": "mrs" if sex == "female" else "mr",
            "name": rng.choice(figures.LAST_NAMES),
            "first_names": rng.choice(figures.FIRST_NAMES[sex]),
            "birth_date": date(1950, 1, 1) + timedelta(days=rng.randrange(40 * 365)),
            "sex": sex,
            "site_id": site.id,
            "inclusion_date": start - timedelta(days=rng.randrange(30, 900)),
            "motive_precarity": True,
            "consent_date": start,
        }
        for sex in (rng.choice(["female", "male"]) for _n in range(figures.EXPERIMENT_PATIENTS))
    ])
    sheets = [
        {
            "patient_id": patients[n % len(patients)].id,
            "date": start + timedelta(days=round(n * 330 / figures.EXPERIMENT_SHEETS)),
            "requester_id": requester.id,
            "social_service_id": office.id,
            "reason": rng.choice(figures.LIAISON_REASONS),
        }
        for n in range(figures.EXPERIMENT_SHEETS)
    ]
    outcomes = [outcome for outcome, count in figures.EXPERIMENT_OUTCOMES.items() for _n in range(count)]
    rng.shuffle(outcomes)
    free_slots = iter(slots)
    interviews = []
    for sheet, outcome in zip(sheets, outcomes):
        sent = datetime.combine(sheet["date"], time(10, 0))
        contacted = sent + timedelta(days=rng.randint(*figures.LIAISON_DELAYS["contact"]), hours=rng.randint(0, 6))
        interview = decided = None
        if outcome_scope(outcome):
            slot = next(slot for slot in free_slots if slot.start > contacted)
            interviews.append({"slot": slot, "patient_id": sheet["patient_id"]})
            interview = slot.start
            if outcome == "accompanied":
                decided = interview + timedelta(days=rng.randint(*figures.LIAISON_DELAYS["accompany"]))
        sheet["steps"] = outcome_steps(outcome, sent, contacted, interview, decided, None, requester.id, carsat_id)
        sheet["in_scope"] = outcome_scope(outcome)
    records = create_sheets(env, sheets)
    consultations = env["microstructure.consultation"].create([
        {
            "patient_id": interview["patient_id"],
            "professional_id": social_worker.id,
            "start": interview["slot"].start,
            "duration": figures.SLOT_MINUTES / 60,
            "state": "done",
            "permanence_id": interview["slot"].permanence_id.id,
        }
        for interview in interviews
    ])
    for interview, consultation in zip(interviews, consultations):
        interview["slot"].consultation_id = consultation
    return records


def demo_current_sheets(env, site_id, office_id, requester_id, carsat_user_id, first_day):
    """Sheets of the last two weeks at a site, on their way (sent, contacted,
    assessed), none before ``first_day``, so that the boards show work to
    do."""
    today = fields.Date.today()
    patients = env["microstructure.patient"].search([("site_id", "=", site_id)], order="id desc", limit=4)
    plan = [("sent", 2), ("sent", 5), ("contacted", 9), ("assessed", 13)]
    sheets = []
    for index, (patient, (last_step, days)) in enumerate(zip(patients, plan)):
        day = max(today - timedelta(days=days), first_day)
        sent = datetime.combine(day, time(9, 0))
        steps = [step("sent", sent, requester_id)]
        if last_step in ("contacted", "assessed"):
            steps.append(step("contacted", sent + timedelta(days=2), carsat_user_id))
        if last_step == "assessed":
            steps.append(step("assessed", sent + timedelta(days=8), carsat_user_id))
        sheets.append({
            "patient_id": patient.id,
            "date": day,
            "requester_id": requester_id,
            "social_service_id": office_id,
            "reason": figures.LIAISON_REASONS[index],
            "steps": steps,
            "in_scope": "yes" if last_step == "assessed" else None,
        })
    return create_sheets(env, sheets)


# THE SHEETS OF A POPULATION ---------------------------------------------------------
class Referrals:
    """The liaison sheets of a population: about 30 % of the precarity
    patients followed in the year are referred by the coordinator GP of
    their site to the Carsat office of its department, with the outcomes of
    the experiment. Planned with the year's activity (``book_interviews``:
    a patient seen by the site's social worker at a permanence had the
    interview there; for the others, one is booked in the next free slot
    after the call, or at the CPAM), written once the GPs and offices have
    their logins (``write_sheets``)."""

    def __init__(self, rng, sites, patients, reference_date=figures.REFERENCE_DATE):
        self.rng = rng
        self.sites = sites
        self.patients = patients
        self.reference_date = reference_date
        self.plans = []

    def book_interviews(self, consultations, free_slots, busy):
        """Plan the sheets; return the interviews to book (consultation rows)."""
        rng, reference_date = self.rng, self.reference_date
        year_start = year_before(reference_date)
        until = datetime.combine(reference_date, time(0, 0))
        seen = {}
        for consultation in sorted(consultations, key=lambda row: row["start"]):
            if consultation["kind"] == "social_worker" and consultation["permanence_id"] \
                    and consultation["state"] == "done":
                seen.setdefault(consultation["patient_id"], consultation["start"])
        outcomes = {**figures.EXPERIMENT_OUTCOMES, **figures.LIAISON_NOT_SENT}
        interviews = []
        for site in self.sites:
            followed = [patient for patient in self.patients[site["id"]] if patient["precarity"]
                        and patient["inclusion"] < reference_date and (patient["exit"] or reference_date) > year_start]
            for patient in rng.sample(followed, round(figures.LIAISON_REFERRED_SHARE * len(followed))):
                outcome = rng.choices(list(outcomes), list(outcomes.values()))[0]
                interview = seen.get(patient["id"]) if outcome_scope(outcome) else None
                if interview:
                    # the sheet that led to the interview already held
                    contacted = interview - timedelta(days=rng.randint(*figures.LIAISON_DELAYS["interview"]),
                                                      hours=rng.randint(0, 6))
                    sent = max(datetime.combine(patient["inclusion"], time(0, 0)),
                               contacted - timedelta(days=rng.randint(*figures.LIAISON_DELAYS["contact"])))
                    contacted = min(max(contacted, sent), interview)
                else:
                    first = max(year_start, patient["inclusion"])
                    last = min(reference_date, patient["exit"] or reference_date)
                    days = [day for day in days_between(first, last) if day.month != 8] or [first]
                    sent = datetime.combine(rng.choice(days), time(rng.randint(8, 17), 0))
                    contacted = after_summer(sent + timedelta(days=rng.randint(*figures.LIAISON_DELAYS["contact"]),
                                                              hours=rng.randint(0, 6)))
                    if outcome_scope(outcome) and contacted < until:
                        booked = self._book(site, patient, contacted, free_slots, busy)
                        if booked:
                            interviews.append(booked)
                            interview = booked["start"]
                decided = interview and after_summer(
                    interview + timedelta(days=rng.randint(*figures.LIAISON_DELAYS["accompany"])))
                closed = decided and after_summer(
                    decided + timedelta(days=rng.randint(*figures.LIAISON_DELAYS["close"])))
                if outcome == "identified":
                    steps = []
                elif outcome == "cancelled":
                    steps = [step("cancelled", sent, "requester")]
                else:
                    steps = outcome_steps(outcome, sent, contacted, interview, decided, closed,
                                          "requester", "carsat", until=until)
                assessed = any(item["state"] == "assessed" for item in steps)
                self.plans.append({
                    "site_id": site["id"],
                    "patient_id": patient["id"],
                    "date": sent.date(),
                    "reason": rng.choice(figures.LIAISON_REASONS),
                    "steps": steps,
                    "in_scope": outcome_scope(outcome) if assessed else None,
                })
        return interviews

    def _book(self, site, patient, contacted, free_slots, busy):
        """The interview after ``contacted``: the next free slot of the
        site's social worker's permanences, else a free hour of the social
        worker at the CPAM, in the year; ``None`` past its end."""
        end = min(self.reference_date, patient["exit"] or self.reference_date)
        duration = figures.SLOT_MINUTES / 60
        slots = free_slots.get((site["id"], "social_worker"), [])
        for index, slot in enumerate(slots):
            if slot["start"] > contacted:
                if slot["start"].date() >= end:
                    break
                del slots[index]
                return activity.consultation_row(patient, site, slot["professional_id"], "social_worker",
                                                 slot["start"], duration, "done", slot)
        social_worker = (site["team"].get("social_worker") or [None])[0]
        day = contacted.date() + timedelta(days=1)
        while social_worker and day < end:
            if day.weekday() < 5 and day.month != 8:
                for hour in range(9, 17):
                    start = datetime.combine(day, time(hour, 0))
                    if (social_worker, start) not in busy:
                        busy.add((social_worker, start))
                        return activity.consultation_row(patient, site, social_worker, "social_worker", start,
                                                         duration, "done", place="cpam")
            day += timedelta(days=1)
        return None

    def write_sheets(self, env, serial, counts):
        """Logins for the coordinator GPs and the Carsat offices of the
        departments (one is made, with its social worker, where none covers
        it), then the sheets through the ORM."""
        site_records = env["microstructure.site"].browse([site["id"] for site in self.sites])
        offices = _offices(env, site_records.department_id, serial, counts)
        requesters = _requesters(env, self.sites, serial, counts)
        departments = {site.id: site.department_id.id for site in site_records}
        sheets = []
        for plan in self.plans:
            requester_id = requesters.get(plan["site_id"])
            if not requester_id:
                continue
            office = offices[departments[plan["site_id"]]]
            actors = {"requester": requester_id, "carsat": office.user_ids[:1].id}
            sheets.append({
                **plan,
                "requester_id": requester_id,
                "social_service_id": office.id,
                "steps": [{**item, "user_id": actors[item["user_id"]]} for item in plan["steps"]],
            })
        records = create_sheets(env, sheets)
        counts["microstructure.liaison"] = len(records)
        return records


def after_summer(when):
    """``when``, or the first of September when it falls in August: the
    social service closes in August, as the microstructures do."""
    if when.month == 8:
        return datetime.combine(when.replace(month=9, day=1), time(9, 0))
    return when


def _offices(env, departments, serial, counts):
    """The Carsat office of each department (id -> office), each with a
    social worker."""
    Office = env["microstructure.social.service"]
    existing = Office.search([("department_ids", "in", departments.ids)], order="id")
    offices = {}
    for department in departments:
        offices[department.id] = existing.filtered(lambda office, d=department: d in office.department_ids)[:1]
    missing = departments.filtered(lambda department: not offices[department.id])
    created = Office.create([
        {
            "name": f"Service social Carsat {department.name} {serial}",
            "email": f"service-social-{department.code.lower()}-{serial}@carsat.exemple.fr",
            "department_ids": [Command.set(department.ids)],
        }
        for department in missing
    ])
    for department, office in zip(missing, created):
        offices[department.id] = office
    staffed = [office for office in dict.fromkeys(offices.values()) if not office.user_ids]
    carsat = env.ref("odoo_microstructure.group_microstructure_carsat")
    users = env["res.users"].with_context(no_reset_password=True).create([
        {
            "name": f"Assistant social {office.name.removeprefix('Service social ')}",
            "login": f"carsat.{serial}.{office.department_ids[:1].code.lower()}",
            "groups_id": [Command.set(carsat.ids)],
        }
        for office in staffed
    ])
    for office, user in zip(staffed, users):
        office.user_ids = [Command.link(user.id)]
    counts["microstructure.social.service"] = len(created)
    counts["res.users"] = counts.get("res.users", 0) + len(users)
    return offices


def _requesters(env, sites, serial, counts):
    """A login for the coordinator GP of each site (site id -> user id)."""
    Professional = env["microstructure.professional"]
    coordinators = {site["id"]: site["team"]["gp"][0] for site in sites if site["team"].get("gp")}
    professionals = Professional.browse(list(coordinators.values()))
    practitioner = env.ref("odoo_microstructure.group_microstructure_practitioner")
    without = professionals.filtered(lambda professional: not professional.user_id)
    users = env["res.users"].with_context(no_reset_password=True).create([
        {
            "name": professional.name,
            "login": f"medecin.{serial}.{index}",
            "groups_id": [Command.set(practitioner.ids)],
        }
        for index, professional in enumerate(without, 1)
    ])
    for professional, user in zip(without, users):
        professional.user_id = user
    counts["res.users"] = counts.get("res.users", 0) + len(users)
    by_professional = {professional.id: professional.user_id.id for professional in professionals}
    return {site_id: by_professional[professional_id] for site_id, professional_id in coordinators.items()}

