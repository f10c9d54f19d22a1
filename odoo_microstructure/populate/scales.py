"""Results of the validated scales: for each patient, the scales of the
schedule (``microstructure.scale.schedule``) of its motives and substances,
at inclusion and at the follow-ups reached before ``reference_date`` (and
before its exit), with plausible trajectories: most scores improve, some stay
where they were, a few get worse.

Each result is written as Odoo records it: a completed survey answer
(``survey.user_input``), its answer lines, and the
``microstructure.scale.result`` row, in bulk (``bulk.insert``); the stored
computed values (scores of the answer, related fields) are in the rows and
``tests/test_population.py`` checks them against the ORM.
"""

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from odoo.tools import SQL

from . import bulk

# share of the scales asked that the team fills in: at inclusion, at a follow-up
FILLED_AT_INCLUSION = 0.9
FILLED_AT_FOLLOW_UP = 0.75
# trajectories of a patient's score on a scale: (share, change of severity per
# 6 months, from, to), severity being 0 (lowest score) to 1 (highest)
TRAJECTORIES = (
    (0.65, (-0.20, -0.08)),  # improving
    (0.22, (-0.04, 0.04)),  # stable
    (0.13, (0.04, 0.12)),  # getting worse
)
# share of the PHQ-9 whose safety item is answered above 0
SAFETY_ITEM_SHARE = 0.03


def _scale_plans(env):
    """The schedule, and per scale what the generator needs of its questionnaire."""
    schedule = env["microstructure.scale.schedule"].search([("scale_id.active", "=", True)])
    plans = {}
    for scale in schedule.scale_id:
        survey = scale.survey_id
        questions = []
        for question in survey.question_ids.sorted(lambda q: (q.sequence, q.id)):
            answers = sorted(((a.answer_score, a.id, a.is_correct) for a in question.suggested_answer_ids))
            questions.append({
                "id": question.id, "sequence": question.sequence, "answers": answers,
                "alert": question == scale.alert_question_id,
            })
        possible = sum(max((score for score, _id, _c in q["answers"] if score > 0), default=0) for q in questions)
        plans[scale.id] = {
            "scale": scale, "survey_id": survey.id, "questions": questions, "possible": possible,
            "success_min": survey.scoring_success_min,
        }
    lines = [
        (line.scale_id.id, line.motive, line.substance_id.id, line.months)
        for line in schedule.sorted(lambda line: (line.scale_id.id, line.months, line.id))
    ]
    return plans, lines


def _patients(env, patient_ids):
    """The patients' values the schedule depends on, in one query."""
    env.flush_all()
    env.cr.execute(SQL(
        """SELECT patient.id, patient.site_id, patient.gp_id, patient.sex, patient.inclusion_date,
                  patient.exit_date, patient.motive_addiction, patient.motive_precarity,
                  patient.motive_mental_health,
                  ARRAY(SELECT rel.microstructure_substance_id
                          FROM microstructure_patient_microstructure_substance_rel rel
                         WHERE rel.microstructure_patient_id = patient.id)
             FROM microstructure_patient patient WHERE patient.id = ANY(%s) ORDER BY patient.id""",
        list(patient_ids),
    ))
    return env.cr.fetchall()


def _answers(rng, plan, severity):
    """The answer chosen to each item for a score of ``severity`` (0 to 1)."""
    chosen = []
    for question in plan["questions"]:
        answers = question["answers"]
        if question["alert"]:
            chosen.append(answers[-1] if rng.random() < SAFETY_ITEM_SHARE else answers[0])
            continue
        low, high = answers[0][0], answers[-1][0]
        wanted = low + (high - low) * min(1.0, max(0.0, severity + rng.gauss(0, 0.15)))
        chosen.append(min(answers, key=lambda answer, wanted=wanted: abs(answer[0] - wanted)))
    return chosen


def populate_scale_results(env, rng, patient_ids, reference_date, counts):
    """Results of the scheduled scales for the patients ``patient_ids`` up to
    the day before ``reference_date``; return the number of results."""
    plans, schedule = _scale_plans(env)
    inputs, answer_rows, results = [], [], []
    for (patient_id, site_id, gp_id, sex, inclusion, exit_date, addiction, precarity, mental_health,
         substances) in _patients(env, patient_ids):
        motives = {"addiction": addiction, "precarity": precarity, "mental_health": mental_health}
        last_day = min(reference_date - timedelta(days=1), exit_date or reference_date)
        occurrences = defaultdict(list)
        for scale_id, motive, substance_id, months in schedule:
            if motives[motive] and (not substance_id or substance_id in substances):
                due = inclusion + relativedelta(months=months)
                if due <= last_day and months not in occurrences[scale_id]:
                    occurrences[scale_id].append(months)
        for scale_id, months_list in occurrences.items():
            plan = plans[scale_id]
            severity = rng.uniform(0.3, 0.8)
            trajectory = rng.choices(TRAJECTORIES, [share for share, _change in TRAJECTORIES])[0]
            change = rng.uniform(*trajectory[1])
            for months in sorted(months_list):
                if rng.random() > (FILLED_AT_FOLLOW_UP if months else FILLED_AT_INCLUSION):
                    continue
                day = min(inclusion + relativedelta(months=months) + timedelta(days=rng.randrange(21)), last_day)
                answers = _answers(rng, plan, min(1.0, max(0.0, severity + change * months / 6)))
                end = datetime.combine(day, time(9, 0)) + timedelta(minutes=rng.randrange(540))
                total = sum(score for score, _id, _correct in answers) if plan["possible"] else 0
                percentage = round(total / plan["possible"] * 100, 2) if plan["possible"] and total > 0 else 0
                how = "patient" if rng.random() < 0.2 else "practitioner"
                inputs.append({
                    "survey_id": plan["survey_id"],
                    "state": "done",
                    "start_datetime": end - timedelta(minutes=10),
                    "end_datetime": end,
                    "access_token": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "microstructure_patient_id": patient_id,
                    "microstructure_professional_id": gp_id,
                    "microstructure_how": how,
                    "microstructure_clinical": True,
                    "scoring_total": total,
                    "scoring_percentage": percentage,
                    "scoring_success": percentage >= plan["success_min"],
                })
                answer_rows.append((plan, answers))
                scale = plan["scale"]
                score = scale._score([total])
                results.append({
                    "patient_id": patient_id,
                    "site_id": site_id,
                    "scale_id": scale_id,
                    "date": day,
                    "score": score,
                    "band_id": scale._band(score, sex).id,
                    "professional_id": gp_id,
                    "how": how,
                    "safety_alert": any(
                        question["alert"] and answer[0] > 0
                        for question, answer in zip(plan["questions"], answers)
                    ),
                })
    input_ids = bulk.insert(env, "survey.user_input", inputs)
    lines, predefined = [], []
    for input_id, (plan, answers) in zip(input_ids, answer_rows):
        for question, (score, answer_id, correct) in zip(plan["questions"], answers):
            lines.append({
                "user_input_id": input_id,
                "survey_id": plan["survey_id"],
                "question_id": question["id"],
                "question_sequence": question["sequence"],
                "microstructure_clinical": True,
                "answer_type": "suggestion",
                "suggested_answer_id": answer_id,
                "answer_score": score,
                "answer_is_correct": correct,
                "skipped": False,
            })
            predefined.append((input_id, question["id"]))
    bulk.insert(env, "survey.user_input.line", lines)
    bulk.link(env, "survey.user_input", "predefined_question_ids", predefined)
    for row, input_id in zip(results, input_ids):
        row["user_input_id"] = input_id
    bulk.insert(env, "microstructure.scale.result", results)
    counts["microstructure.scale.result"] = counts.get("microstructure.scale.result", 0) + len(results)
    return len(results)
