#!/usr/bin/env python3
"""Scale benchmark of the indicators (not part of the test suite).

On a national-scale database made with the population command (about 1,000
sites, 100,000 patients and 1,000,000 consultations), completed here with
liaison sheets at every step of the funnel and a regional manager, it
measures, for the national administrator and for the regional manager of the
largest region:

- the floor: the same figures by a hand-written plain-SQL set, the fastest
  written for them, run on the bare cursor (``FLOOR``), and checked equal to
  the export's figures field by field;
- the aggregation queries of the export (``_compute_figures``);
- the workbook write alone (``_build_workbook`` of tables already computed);
- the whole export (scope under the record rules, queries, small-count
  protection, workbook), its time and its peak memory: the process's peak
  resident memory during the export (Linux VmHWM, reset before each
  export), its growth above the resident memory before the export, and the
  peak of the Python allocations (tracemalloc);
- the dashboard's call (``get_dashboard`` of the year), what the page waits
  for when it opens: with the figures kept per site and year (computed
  first, as the hourly cron does, and timed), and with none kept, every site
  read from the tables;
- the batch writes of the care teams (``--batch-only`` for them alone, on any
  database of the addon, the demo one will do): the queries per record of a
  batch of 200 consultations created in one ``create()`` (target: 3 at the
  most), of memberships with their overlap checks, of meeting lines, of a
  meeting's decisions turned into activities, of the review meetings' sheets
  and of the liaison reminders, as ``tests/test_batch_writes.py`` pins them,
  inside a transaction rolled back at the end.

The export's queries read the figures kept too; the floor reads the tables.

Usage:

    python3 scripts/benchmark_export.py --populate   # creates the database first
    python3 scripts/benchmark_export.py              # reuses it
    python3 scripts/benchmark_export.py --db ms_demo --batch-only

The database (``microstructure_bench`` unless ``--db``) is left in place.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date, datetime, time as day_time, timedelta
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
# 1,000 sites, 100,000 patients and about 1,000,000 consultations
SCALE, PATIENTS_SCALE, ACTIVITY = 7.0, 100_000 / 6_092, 2.75
YEAR = 2022
PERIOD = (date(YEAR, 9, 1), date(YEAR + 1, 8, 31))
# liaison sheets per site, over the reporting year and the one before, at
# every step of the funnel (the population command makes none)
SHEETS_PER_SITE = 20
MANAGER_LOGIN = "bench_regional_manager"
# targets
EXPORT_TARGET = 1.2  # x (floor + workbook write)
DASHBOARD_TARGETS = {"national administrator": 0.3, "regional manager": 0.15}
MEMORY_TARGET = 300  # MB
BATCH = 200
BATCH_TARGET = 3  # queries per record of a batch of 200 consultations
# the context of the tests (DISABLED_MAIL_CONTEXT of odoo.addons.base.tests,
# which cannot be imported outside the tests)
MAIL_OFF = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
            "mail_notrack": True, "no_reset_password": True}


def _status(key):
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # MB
    return float("nan")


def _reset_peak():
    """Reset the peak resident memory (VmHWM) of this process."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _odoo(addons_path, *args):
    command = [sys.executable, "-m", "odoo", f"--addons-path={addons_path}", *args]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return result, time.perf_counter() - started


def _registry(db, addons_path):
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo.modules.registry import Registry  # pylint: disable=import-outside-toplevel

    if odoo.tools.config["db_name"] != db:  # once per process
        odoo.tools.config.parse_config([f"--addons-path={addons_path}", "-d", db, "--log-level=warn"])
    return Registry(db)


# POPULATION -----------------------------------------------------------------
# every step of the funnel: (state, days to sending, to contact, to interview,
# to accompaniment, ended); None where the step is not reached
STEPS = [
    ("identified", None, None, None, None, False),
    ("cancelled", None, None, None, None, True),
    ("sent", 2, None, None, None, False),
    ("not_reachable", 1, 9, None, None, True),
    ("contacted", 3, 4, None, None, False),
    ("declined", 2, 6, 8, None, True),
    ("out_of_scope", 1, 3, 10, None, True),
    ("assessed", 2, 2, 7, None, False),
    ("accompanied", 1, 5, 6, 20, False),
    ("closed", 4, 1, 12, 15, True),
]


def populate(db, addons_path):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    _result, seconds = _odoo(
        addons_path, "-d", db, "-i", "odoo_microstructure", "--without-demo=all",
        "--stop-after-init", "--log-level=warn",
    )
    print(f"installed in {seconds:.0f} s")
    result, seconds = _odoo(
        addons_path, "microstructure_populate", "-d", db, "--scale", str(SCALE),
        "--patients-scale", f"{PATIENTS_SCALE:.4f}", "--activity", str(ACTIVITY),
        "--log-level=warn",
    )
    print(result.stdout.rstrip())
    print(f"populated in {seconds:.0f} s")
    started = time.perf_counter()
    complete(db, addons_path)
    print(f"completed (liaison sheets, regional manager, VACUUM ANALYZE) in {time.perf_counter() - started:.0f} s")


def complete(db, addons_path):
    """Liaison sheets at every step of the funnel when the database has
    none (written over the year and the one before, so that steps fall on
    both sides of 1 September), a regional manager of the region with the
    most sites, then fresh planner statistics."""
    import odoo  # pylint: disable=import-outside-toplevel

    registry = _registry(db, addons_path)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.execute("SELECT count(*) FROM microstructure_liaison")
        if not cr.fetchone()[0]:
            columns = list(zip(*STEPS))
            # the first patients of each site, one step each in turn, on days
            # spread over two years
            cr.execute("""
                WITH steps AS (
                    SELECT * FROM unnest(%(n)s::int[], %(state)s::varchar[], %(sent)s::int[], %(contact)s::int[],
                                         %(interview)s::int[], %(accompany)s::int[], %(ended)s::bool[])
                        AS steps (n, state, sent, contact, interview, accompany, ended)
                ), sheets AS (
                    SELECT patient.id AS patient_id, patient.site_id, patient.id %% %(count)s AS n,
                           %(start)s::date + (patient.id * 7919 %% 730) AS day,
                           interval '1 hour' * (8 + patient.id %% 9) AS hour
                      FROM (SELECT patient.id, patient.site_id,
                                   row_number() OVER (PARTITION BY patient.site_id ORDER BY patient.id) AS rank
                              FROM microstructure_patient patient) patient
                     WHERE patient.rank <= %(per_site)s
                ), dated AS (
                    SELECT sheets.*, steps.state, steps.ended,
                           sheets.day + sheets.hour + interval '1 day' * steps.sent AS date_sent,
                           sheets.day + sheets.hour + interval '1 day' * (steps.sent + steps.contact) AS date_contacted,
                           sheets.day + sheets.hour
                               + interval '1 day' * (steps.sent + steps.contact + steps.interview) AS date_assessed,
                           sheets.day + sheets.hour
                               + interval '1 day' * (steps.sent + steps.contact + steps.interview + steps.accompany)
                               AS date_accompanied
                      FROM sheets JOIN steps ON steps.n = sheets.n
                )
                INSERT INTO microstructure_liaison (
                    requester_id, patient_id, site_id, consent, state, date, reason_rights, date_sent,
                    date_contacted, date_assessed, date_accompanied, date_closed,
                    create_uid, write_uid, create_date, write_date)
                SELECT %(uid)s, patient_id, site_id, 'yes', state, day, TRUE, date_sent, date_contacted,
                       date_assessed, date_accompanied,
                       CASE WHEN ended THEN greatest(day, date_sent, date_contacted, date_assessed,
                                                     date_accompanied) + interval '1 day' END,
                       %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM dated
            """, {"n": list(range(len(STEPS))), "state": list(columns[0]), "sent": list(columns[1]),
                  "contact": list(columns[2]), "interview": list(columns[3]), "accompany": list(columns[4]),
                  "ended": list(columns[5]), "count": len(STEPS), "start": date(YEAR - 1, 9, 1),
                  "per_site": SHEETS_PER_SITE, "uid": odoo.SUPERUSER_ID})
            print(f"liaison sheets: {cr.rowcount:,}")
        if not env["res.users"].search_count([("login", "=", MANAGER_LOGIN)]):
            cr.execute("SELECT region_id FROM microstructure_site GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            region = env["microstructure.region"].browse(cr.fetchone()[0])
            env["res.users"].with_context(no_reset_password=True).create({
                "name": "Bench regional manager", "login": MANAGER_LOGIN,
                "groups_id": [odoo.Command.set([
                    env.ref("base.group_user").id,
                    env.ref("odoo_microstructure.group_microstructure_regional_manager").id,
                ])],
                "microstructure_region_ids": [odoo.Command.set(region.ids)],
            })
            print(f"regional manager of {region.name}")
    subprocess.run(["vacuumdb", "--analyze", "--quiet", db], check=True)


# FLOOR ------------------------------------------------------------------------
# The same figures by hand-written plain SQL on the bare cursor: one query per
# table read (the scale results with their baselines in one), filtered by the scope's sites before any aggregation, with the
# fewest columns and groups; Python only sums what a query returns.
FLOOR = {
    "scope": """
        SELECT site.id, site.name, site.region_id, region.name, network.name
          FROM microstructure_site site
          LEFT JOIN microstructure_region region ON region.id = site.region_id
          LEFT JOIN microstructure_network network ON network.id = site.network_id
         WHERE site.id = ANY(%(sites)s)""",
    "sites": """
        SELECT GROUPING(region_id), region_id, count(*), count(*) FILTER (WHERE polyvalent),
               count(DISTINCT network_id)
          FROM microstructure_site
         WHERE id = ANY(%(sites)s) AND (date_open IS NULL OR date_open <= %(to)s)
           AND (date_end IS NULL OR date_end >= %(from)s)
         GROUP BY GROUPING SETS ((region_id), ())""",
    "professionals": """
        SELECT profession, count(DISTINCT professional_id) FROM microstructure_membership
         WHERE site_id = ANY(%(sites)s) AND active AND date_start <= %(to)s
           AND (date_end IS NULL OR date_end >= %(to)s)
         GROUP BY 1""",
    "patients": """
        SELECT site_id,
               CASE WHEN (motive_addiction OR motive_precarity) AND motive_mental_health THEN 'both'
                    WHEN motive_addiction OR motive_precarity THEN 'addiction'
                    WHEN motive_mental_health THEN 'mental_health' ELSE 'none' END,
               sex,
               CASE WHEN inclusion_date >= %(from)s AND inclusion_date <= %(to)s THEN inclusion_date END,
               CASE WHEN exit_date >= %(from)s AND exit_date <= %(to)s THEN exit_date END,
               count(*) FILTER (WHERE inclusion_date <= %(to)s AND (exit_date IS NULL OR exit_date >= %(from)s)),
               sum(%(to)s::date - birth_date)
                   FILTER (WHERE inclusion_date <= %(to)s AND (exit_date IS NULL OR exit_date >= %(from)s)),
               count(birth_date)
                   FILTER (WHERE inclusion_date <= %(to)s AND (exit_date IS NULL OR exit_date >= %(from)s)),
               count(*) FILTER (WHERE exit_date < %(from)s),
               count(*) FILTER (WHERE inclusion_date > %(to)s),
               count(*)
          FROM microstructure_patient
         WHERE site_id = ANY(%(sites)s) AND (active OR retention_archived)
           AND inclusion_date <= %(after_to)s AND (exit_date IS NULL OR exit_date >= %(before_from)s)
         GROUP BY GROUPING SETS ((1, 2, 3), (4), (5))""",
    "substances": """
        SELECT rel.microstructure_substance_id, count(*)
          FROM microstructure_patient_microstructure_substance_rel rel
          JOIN microstructure_patient patient ON patient.id = rel.microstructure_patient_id
         WHERE patient.site_id = ANY(%(sites)s) AND (patient.active OR patient.retention_archived)
           AND patient.inclusion_date <= %(to)s AND (patient.exit_date IS NULL OR patient.exit_date >= %(from)s)
         GROUP BY 1""",
    "consultations": """
        SELECT counts.site_id, professional.profession, counts.state, sum(counts.n)
          FROM (SELECT site_id, professional_id, state, count(*) AS n FROM microstructure_consultation
                 WHERE site_id = ANY(%(sites)s) AND state IN ('done', 'no_show', 'excused', 'cancelled')
                   AND start >= %(start)s AND start < %(stop)s
                 GROUP BY 1, 2, 3) counts
          JOIN microstructure_professional professional ON professional.id = counts.professional_id
         GROUP BY 1, 2, 3""",
    "permanences": """
        SELECT site_id, profession, count(*), sum(slot_count), sum(booked_count) FROM microstructure_permanence
         WHERE site_id = ANY(%(sites)s) AND state = 'held' AND start >= %(start)s AND start < %(stop)s
         GROUP BY 1, 2""",
    "meetings": """
        WITH held AS MATERIALIZED (
            SELECT id, kind, site_id, CASE kind WHEN 'synthesis' THEN 1 ELSE 2 END AS bit FROM microstructure_meeting
             WHERE site_id = ANY(%(sites)s) AND state = 'done' AND start >= %(start)s AND start < %(stop)s)
        SELECT 0, kind, site_id, count(*) FROM held GROUP BY 2, 3
        UNION ALL SELECT 1, held.kind, NULL, count(*) FROM microstructure_meeting_attendee_rel rel
                    JOIN held ON held.id = rel.meeting_id GROUP BY 2
        UNION ALL SELECT 2, held.kind, NULL, count(*) FROM microstructure_meeting_present_rel rel
                    JOIN held ON held.id = rel.meeting_id GROUP BY 2
        UNION ALL SELECT 3, kinds::varchar, NULL, count(*) FROM (
            SELECT bit_or(held.bit) AS kinds FROM microstructure_meeting_line line JOIN held ON held.id = line.meeting_id
             GROUP BY line.patient_id) discussed GROUP BY 2""",
    "liaisons": """
        SELECT GROUPING(site.region_id, liaison.site_id), site.region_id, liaison.site_id,
               count(*) FILTER (WHERE liaison.date BETWEEN %(from)s AND %(to)s),
               count(*) FILTER (WHERE liaison.date_sent >= %(start)s AND liaison.date_sent < %(stop)s),
               count(*) FILTER (WHERE liaison.date_assessed >= %(start)s AND liaison.date_assessed < %(stop)s),
               count(*) FILTER (WHERE liaison.date_accompanied >= %(start)s AND liaison.date_accompanied < %(stop)s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY
                   EXTRACT(EPOCH FROM liaison.date_contacted - liaison.date_sent) / 86400)
                   FILTER (WHERE liaison.date_contacted >= %(start)s AND liaison.date_contacted < %(stop)s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY
                   EXTRACT(EPOCH FROM liaison.date_assessed - liaison.date_contacted) / 86400)
                   FILTER (WHERE liaison.date_assessed >= %(start)s AND liaison.date_assessed < %(stop)s),
               count(liaison.date_sent)
                   FILTER (WHERE liaison.date_contacted >= %(start)s AND liaison.date_contacted < %(stop)s),
               count(liaison.date_contacted)
                   FILTER (WHERE liaison.date_assessed >= %(start)s AND liaison.date_assessed < %(stop)s)
          FROM microstructure_liaison liaison JOIN microstructure_site site ON site.id = liaison.site_id
         WHERE liaison.site_id = ANY(%(sites)s) AND liaison.state != 'cancelled'
           AND (liaison.date BETWEEN %(from)s AND %(to)s
                OR liaison.date_sent >= %(start)s AND liaison.date_sent < %(stop)s
                OR liaison.date_contacted >= %(start)s AND liaison.date_contacted < %(stop)s
                OR liaison.date_assessed >= %(start)s AND liaison.date_assessed < %(stop)s
                OR liaison.date_accompanied >= %(start)s AND liaison.date_accompanied < %(stop)s)
         GROUP BY GROUPING SETS ((site.region_id), (liaison.site_id), ())""",
    "satisfaction": """
        SELECT answer.microstructure_site_id, NULL, count(*), NULL FROM survey_user_input answer
         WHERE answer.microstructure_site_id = ANY(%(sites)s) AND answer.state = 'done'
           AND NOT coalesce(answer.test_entry, FALSE) AND answer.end_datetime >= %(start)s
           AND answer.end_datetime < %(stop)s
         GROUP BY 1
        UNION ALL
        SELECT NULL, question.microstructure_indicator, count(DISTINCT answer.id),
               count(DISTINCT answer.id) FILTER (WHERE suggestion.microstructure_positive)
          FROM survey_user_input answer
          JOIN survey_user_input_line line ON line.user_input_id = answer.id
          JOIN survey_question question ON question.id = line.question_id
          LEFT JOIN survey_question_answer suggestion ON suggestion.id = line.suggested_answer_id
         WHERE answer.microstructure_site_id = ANY(%(sites)s) AND answer.state = 'done'
           AND NOT coalesce(answer.test_entry, FALSE) AND answer.end_datetime >= %(start)s
           AND answer.end_datetime < %(stop)s AND NOT coalesce(line.skipped, FALSE)
           AND question.microstructure_indicator IS NOT NULL
         GROUP BY 2""",
    # the outcomes of the validated scales: each result with its patient's
    # first of the scale (a window), the last of the period 5 months after
    "outcomes": """
        WITH ranked AS (
            SELECT result.id, result.patient_id, result.scale_id, result.site_id, result.date, result.score,
                   band.above_threshold AS above,
                   first_value(result.date) OVER first AS base_date,
                   first_value(result.score) OVER first AS base_score,
                   first_value(band.above_threshold) OVER first AS base_above
              FROM microstructure_scale_result result
              LEFT JOIN microstructure_scale_band band ON band.id = result.band_id
             WHERE result.patient_id IN (
                 SELECT patient_id FROM microstructure_scale_result
                  WHERE site_id = ANY(%(sites)s) AND date BETWEEN %(from)s AND %(to)s)
            WINDOW first AS (PARTITION BY result.patient_id, result.scale_id ORDER BY result.date, result.id)
        ), follow_up AS (
            SELECT DISTINCT ON (patient_id, scale_id) * FROM ranked
             WHERE date BETWEEN %(from)s AND %(to)s AND date >= base_date + interval '5 months'
             ORDER BY patient_id, scale_id, date DESC, id DESC
        )
        SELECT follow_up.site_id, follow_up.scale_id, count(*),
               round(sum(follow_up.score - follow_up.base_score) * 100)::bigint,
               count(*) FILTER (WHERE scale.meaningful_change > 0
                                  AND follow_up.base_score - follow_up.score >= scale.meaningful_change),
               count(*) FILTER (WHERE follow_up.base_above),
               count(*) FILTER (WHERE follow_up.base_above AND NOT coalesce(follow_up.above, FALSE))
          FROM follow_up
          JOIN microstructure_patient patient ON patient.id = follow_up.patient_id
          JOIN microstructure_scale scale ON scale.id = follow_up.scale_id
         WHERE follow_up.site_id = ANY(%(sites)s) AND (patient.active OR patient.retention_archived)
         GROUP BY 1, 2""",
}


def floor_figures(cr, site_ids, bounds):
    """The figures of ``_compute_figures``, by ``FLOOR``: {figure: value}."""
    date_from, date_to = PERIOD
    length = date_to - date_from + timedelta(days=1)
    params = {"sites": site_ids, "from": date_from, "to": date_to, "start": bounds[0], "stop": bounds[1],
              "before_from": date_from - length, "after_to": date_to + length}

    def fetch(key):
        cr.execute(FLOOR[key], params)
        return cr.fetchall()

    figures = {"activity": {site: [0] * 6 for site in site_ids}}
    activity = figures["activity"]
    figures["scope"] = {row[0]: row[1:] for row in fetch("scope")}
    site_region = {site: row[1] for site, row in figures["scope"].items()}
    rows = fetch("sites")
    figures["sites"] = {region: (count, poly, nets) for total, region, count, poly, nets in rows if not total}
    figures["networks"] = rows[-1][4]
    figures["professionals"] = dict(fetch("professionals"))
    patients, by_region, inclusions, exits, before, after = {}, {}, {}, {}, 0, 0
    for site, motive, sex, included, exited, followed, ages, aged, exited_before, included_after, count in (
            fetch("patients")):
        if site is None:
            for day, flows in ((included, inclusions), (exited, exits)):
                if day:
                    flows[day.replace(day=1)] = flows.get(day.replace(day=1), 0) + count
            continue
        before, after = before + exited_before, after + included_after
        if followed:
            total = patients.get((motive, sex), (0, 0, 0))
            patients[motive, sex] = (total[0] + followed, total[1] + (ages or 0) / 365.25, total[2] + aged)
            key = (site_region[site], motive)
            by_region[key] = by_region.get(key, 0) + followed
            activity[site][0] += followed
    months, month = [], date_from
    while month <= date_to:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    figures.update(patients=patients, patients_by_region=by_region, exits_before=before, inclusions_after=after,
                   flows=[(m, inclusions.get(m, 0), exits.get(m, 0)) for m in months])
    figures["substances"] = dict(fetch("substances"))
    consultations = {}
    states = ("done", "no_show", "excused", "cancelled")
    main = ("gp", "psychologist", "social_worker", "psychiatrist")
    for site, profession, state, count in fetch("consultations"):
        counts = consultations.setdefault(profession if profession in main else "others", dict.fromkeys(states, 0))
        counts[state] += count
        if state == "done":
            activity[site][1] += count
    figures["consultations"] = {p: tuple(c[s] for s in states) for p, c in consultations.items()}
    permanences = {}
    for site, profession, held, slots, booked in fetch("permanences"):
        activity[site][2] += held
        total = permanences.get(profession, (0, 0, 0))
        permanences[profession] = (total[0] + held, total[1] + slots, total[2] + booked)
    figures["permanences"] = permanences
    meetings, discussed = {}, {}
    for what, kind, site, count in fetch("meetings"):
        if what == 3:
            discussed[{"1": ("synthesis",), "2": ("review",), "3": ("review", "synthesis")}[kind]] = count
            continue
        values = list(meetings.get(kind, (0, 0, 0)))
        values[what] += count
        meetings[kind] = tuple(values)
        if what == 0:
            activity[site][3] += count
    figures.update(meetings=meetings, discussed=discussed, liaisons={},
                   liaison_total=(0, 0, 0, 0, None, None, 0, 0))
    for grouping, region, site, *row in fetch("liaisons"):
        if grouping == 1:
            figures["liaisons"][region] = tuple(row)
        elif grouping == 2:
            activity[site][4] = row[0]
        else:
            figures["liaison_total"] = tuple(row)
    figures["satisfaction"], figures["survey_answers"] = {}, 0
    for site, question, respondents, positive in fetch("satisfaction"):
        if question:
            figures["satisfaction"][question] = (respondents, positive)
        else:
            activity[site][5] = respondents
            figures["survey_answers"] += respondents
    outcomes = {}
    for _site, scale, *counts in fetch("outcomes"):
        outcomes[scale] = tuple(a + b for a, b in zip(outcomes.get(scale, (0,) * len(counts)), counts))
    figures["outcomes"] = outcomes
    return figures


def differences(expected, found, path=""):
    """The fields where two sets of figures differ (sums of ages to 1e-6)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        keys = set(expected) | set(found)
        return [d for key in sorted(keys, key=repr)
                for d in differences(expected.get(key), found.get(key), f"{path}/{key}")]
    if isinstance(expected, (list, tuple)) and isinstance(found, (list, tuple)) and len(expected) == len(found):
        return [d for n, (a, b) in enumerate(zip(expected, found)) for d in differences(a, b, f"{path}[{n}]")]
    if isinstance(expected, (float, Decimal)) and isinstance(found, (float, Decimal)):
        return [] if abs(float(expected) - float(found)) < 1e-6 else [(path, expected, found)]
    return [] if expected == found else [(path, expected, found)]


# MEASURE ----------------------------------------------------------------------
def measure(db, addons_path, repeat):
    import odoo  # pylint: disable=import-outside-toplevel

    load = os.getloadavg()
    registry = _registry(db, addons_path)
    from odoo.addons.odoo_microstructure.tools.indicator_definitions import (  # pylint: disable=import-outside-toplevel
        utc_bounds,
    )

    results, ok = {}, True
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # the figures kept per site and ended year, as the hourly cron keeps
        # them (committed: the next run reuses them)
        cr.execute("DELETE FROM microstructure_indicator_kept")
        started = time.perf_counter()
        env["microstructure.indicator.summary"]._refresh()
        refresh = time.perf_counter() - started
        cr.commit()
        cr.execute("""
            SELECT (SELECT count(*) FROM microstructure_site), (SELECT count(*) FROM microstructure_patient),
                   (SELECT count(*) FROM microstructure_consultation),
                   (SELECT count(*) FROM microstructure_permanence),
                   (SELECT count(*) FROM microstructure_meeting),
                   (SELECT count(*) FROM microstructure_liaison),
                   (SELECT count(*) FROM survey_user_input)
        """)
        counts = cr.fetchone()
        print("database {}: {:,} sites, {:,} patients, {:,} consultations, {:,} permanences, {:,} meetings, "
              "{:,} liaison sheets, {:,} survey answers".format(db, *counts))
        users = {
            "national administrator": env.ref("base.user_admin"),
            "regional manager": env["res.users"].search([("login", "=", MANAGER_LOGIN)]),
        }
        if not users["regional manager"]:
            sys.exit(f"no user {MANAGER_LOGIN!r}: run with --populate, or complete the database")
        for role, user in users.items():
            Indicators = env["microstructure.indicators"].with_user(user)
            Export = env["microstructure.indicator.export"].with_user(user)
            wizard = Export.create({"year": str(YEAR)})
            scope = wizard._get_sites()
            bounds = utc_bounds(*PERIOD)
            # the floor gives the export's figures, field by field
            env.invalidate_all()
            expected = Indicators._compute_figures(scope, *PERIOD)
            found = floor_figures(cr, scope.ids, bounds)
            wrong = differences(expected, found)
            if wrong:
                ok = False
                print(f"{role}: the floor differs from the export on {len(wrong)} fields: {wrong[:5]}")
            wizard.action_export()  # warm the caches once
            Export.get_dashboard(str(YEAR))
            timings = {"floor": [], "sql": [], "write": [], "export": [], "dashboard": [], "tables": []}
            memory = {"peak": [], "growth": [], "python": []}
            size = 0
            for _run in range(repeat):
                started = time.perf_counter()
                floor_figures(cr, scope.ids, bounds)
                timings["floor"].append(time.perf_counter() - started)

                env.invalidate_all()
                started = time.perf_counter()
                Indicators._compute_figures(scope, *PERIOD)
                timings["sql"].append(time.perf_counter() - started)

                tables = Indicators._get_tables(scope, *PERIOD)
                started = time.perf_counter()
                size = len(wizard._build_workbook(tables))
                timings["write"].append(time.perf_counter() - started)

                env.invalidate_all()
                started = time.perf_counter()
                wizard.action_export()
                timings["export"].append(time.perf_counter() - started)

                env.invalidate_all()
                started = time.perf_counter()
                Export.get_dashboard(str(YEAR))
                timings["dashboard"].append(time.perf_counter() - started)

                # the same, no figure kept: every site read from the tables
                cr.execute("SAVEPOINT from_the_tables; DELETE FROM microstructure_indicator_kept")
                env.invalidate_all()
                started = time.perf_counter()
                Export.get_dashboard(str(YEAR))
                timings["tables"].append(time.perf_counter() - started)
                cr.execute("ROLLBACK TO SAVEPOINT from_the_tables")

                # memory, in a run of its own (tracemalloc slows Python down)
                env.invalidate_all()
                reset = _reset_peak()
                before = _status("VmRSS")
                tracemalloc.start()
                wizard.action_export()
                python_peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                peak = _status("VmHWM") if reset else float("nan")
                memory["peak"].append(peak)
                memory["growth"].append(peak - before)
                memory["python"].append(python_peak)
            results[role] = {key: statistics.median(values) for key, values in timings.items()}
            results[role].update(sites=len(scope), size=size, peak=max(memory["peak"]),
                                 growth=max(memory["growth"]), python=max(memory["python"]))
        cr.rollback()

    roles = list(results)
    print(f"\nfigures kept per site for every ended reporting year, computed in {refresh:.1f} s")
    print(f"median of {repeat} runs, reporting year {YEAR}-{YEAR + 1}, "
          f"load average {load[0]:.1f} before and {os.getloadavg()[0]:.1f} after (cores: {os.cpu_count()})")
    print(f"  {'':44}" + "".join(f"{role:>26}" for role in roles))
    lines = [
        ("sites in the scope", lambda r: f"{r['sites']:,}"),
        ("floor: hand-written plain SQL", lambda r: f"{r['floor']:.2f} s"),
        ("export's aggregation queries", lambda r: f"{r['sql']:.2f} s = {r['sql'] / r['floor']:.2f} x floor"),
        ("workbook write", lambda r: f"{r['write']:.2f} s ({r['size'] / 1024:.0f} KB)"),
        ("whole export", lambda r: f"{r['export']:.2f} s"),
        (f"whole export / (floor + write), <= {EXPORT_TARGET}", lambda r: f"{r['export'] / (r['floor'] + r['write']):.2f}"),
        ("dashboard (get_dashboard), figures kept", lambda r: f"{r['dashboard']:.3f} s"),
        ("dashboard, every site from the tables", lambda r: f"{r['tables']:.2f} s"),
        ("peak resident memory (MB)", lambda r: f"{r['peak']:.0f}"),
        ("growth during the export (MB)", lambda r: f"{r['growth']:.0f}"),
        ("Python allocations, peak (MB)", lambda r: f"{r['python']:.0f}"),
    ]
    for label, value in lines:
        print(f"  {label:44}" + "".join(f"{value(results[role]):>26}" for role in roles))
    print("  targets: dashboard " + ", ".join(f"<= {target} s ({role})" for role, target in DASHBOARD_TARGETS.items())
          + f"; memory <= {MEMORY_TARGET} MB")
    for role, result in results.items():
        ok &= result["export"] <= EXPORT_TARGET * (result["floor"] + result["write"])
        ok &= result["dashboard"] <= DASHBOARD_TARGETS[role] and result["peak"] <= MEMORY_TARGET
    return ok


# BATCH WRITES -----------------------------------------------------------------
# What tests/test_batch_writes.py pins, on a care team made for the purpose in
# a transaction rolled back at the end: after a first batch of two (the caches
# of rules and defaults are warm), the queries of a batch of 20 and of 200,
# counted on the cursor, the flushes and precommit hooks included.
def _batch_team(env):
    """A network, a site, its coordinating GP and psychologist (practitioners),
    the network's administrator and five patients."""
    from odoo import Command  # pylint: disable=import-outside-toplevel

    department = env["microstructure.department"].search([], limit=1)
    group = "odoo_microstructure.group_microstructure_"

    def user(login, *roles):
        return env["res.users"].create({
            "name": login, "login": login, "lang": "en_US", "tz": "Europe/Paris",
            "groups_id": [Command.set([env.ref(group + role).id for role in roles])],
        })

    team = {
        "gp": user("bench_batch_gp", "practitioner", "coordinator"),
        "psy": user("bench_batch_psy", "practitioner"),
        "admin": user("bench_batch_admin", "network_admin"),
    }
    network = env["microstructure.network"].create({
        "name": "Bench batch network", "region_ids": [Command.set(department.region_id.ids)],
        "coordinator_ids": [Command.set(team["admin"].ids)],
    })
    team["site"] = env["microstructure.site"].create({
        "name": "Bench batch site", "department_id": department.id, "network_id": network.id,
        "program_addiction": True, "date_open": "2021-01-04",
    })
    for key, profession in (("gp", "gp"), ("psy", "psychologist")):
        team[f"pro_{key}"] = env["microstructure.professional"].create({
            "name": f"Bench batch {profession}", "profession": profession, "user_id": team[key].id,
            "network_ids": [Command.set(network.ids)],
        })
        env["microstructure.membership"].create({
            "professional_id": team[f"pro_{key}"].id, "site_id": team["site"].id, "date_start": "2021-01-04",
            "role": "coordinator" if key == "gp" else "member",
        })
    team["patients"] = env["microstructure.patient"].with_user(team["gp"]).create([
        {"name": f"Lot {i}", "first_names": "Test", "birth_date": "1970-01-01", "sex": "male",
         "site_id": team["site"].id, "inclusion_date": date.today() - timedelta(days=365)}
        for i in range(5)
    ])
    return team


def _batch_writes(env, team):
    """(label, write) where ``write(count)`` makes a new batch of ``count``
    records and returns them with the queries of the batch write alone."""
    from odoo import Command  # pylint: disable=import-outside-toplevel

    site, patients, gp = team["site"], team["patients"], team["gp"]
    Meeting = env["microstructure.meeting"].with_user(gp)
    Liaison = env["microstructure.liaison"]
    professional = env["microstructure.professional"].with_user(team["admin"]).create({
        "name": "Bench batch psychiatrist", "profession": "psychiatrist",
    })
    soon = datetime.combine(date.today() + timedelta(days=30), day_time(7, 0))
    past = datetime.combine(date.today() - timedelta(days=7), day_time(17, 0))
    days, years = iter(range(0, 3000, 10)), iter(range(1970, 2100, 20))

    def consultations(count):
        first = soon + timedelta(days=next(days))
        return _counted(env, lambda: env["microstructure.consultation"].with_user(gp).create([
            {"patient_id": patients[i % len(patients)].id, "professional_id": team["pro_gp"].id,
             "start": first + timedelta(hours=i)}
            for i in range(count)
        ]))

    def memberships(count):
        # month after month: none overlaps another
        first = date(next(years), 1, 1)
        return _counted(env, lambda: env["microstructure.membership"].with_user(team["admin"]).create([
            {"professional_id": professional.id, "site_id": site.id, "date_start": _add_months(first, i),
             "date_end": _add_months(first, i + 1) - timedelta(days=1)}
            for i in range(count)
        ]))

    def meeting_lines(count):
        meeting = Meeting.create({"site_id": site.id, "start": soon})
        return _counted(env, lambda: env["microstructure.meeting.line"].with_user(gp).create([
            {"meeting_id": meeting.id, "patient_id": patients[i % len(patients)].id,
             "summary": "Suivi", "decision": "Revoir", "responsible_id": team["pro_gp"].id}
            for i in range(count)
        ]))

    def decisions(count):
        meeting = Meeting.create({"site_id": site.id, "start": past, "line_ids": [
            Command.create({
                "patient_id": patients[i % len(patients)].id, "decision": f"Décision {i}",
                "responsible_id": team["pro_gp" if i % 2 else "pro_psy"].id,
                "deadline": date.today() + timedelta(days=10) if i % 3 else False,
            })
            for i in range(count)
        ]})
        _done, queries = _counted(env, meeting.action_done)
        return meeting.line_ids.activity_id, queries

    def review_sheets(count):
        meetings = Meeting.create([
            {"site_id": site.id, "kind": "review", "start": soon + timedelta(days=i)} for i in range(count)
        ])
        _sheets, queries = _counted(env, lambda: meetings.mapped("liaison_ids"))
        return meetings, queries

    def reminders(count):
        sheets = Liaison.browse()
        for user in (gp, team["psy"]):
            sheets |= Liaison.with_user(user).create([
                {"patient_id": patients[i % len(patients)].id, "consent": "undecided", "reason_rights": True}
                for i in range(count // 2)
            ])
        env.flush_all()
        env.cr.execute(
            "UPDATE microstructure_liaison SET create_date = %s WHERE id IN %s",
            [datetime.now() - timedelta(days=8), tuple(sheets.ids)],
        )
        _none, queries = _counted(env, Liaison._cron_send_reminders)
        return sheets.activity_ids, queries

    # the review meetings read the sheets of their site
    Liaison.with_user(gp).create([
        {"patient_id": patient.id, "consent": "yes", "reason_rights": True} for patient in patients
    ])
    return [
        ("consultations, one create()", consultations),
        ("memberships, with their overlap checks", memberships),
        ("meeting lines, one create()", meeting_lines),
        ("meeting decisions -> activities", decisions),
        ("review meetings, their sheets", review_sheets),
        ("liaison reminders (scheduled action)", reminders),
    ]


def _add_months(day, months):
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _counted(env, run):
    """What ``run()`` returns, and its queries on the cursor (the flushes and
    precommit hooks included), the record cache emptied before."""
    cr = env.cr
    env.flush_all()
    cr.flush()
    env.invalidate_all()
    before = cr.sql_log_count
    result = run()
    env.flush_all()
    cr.flush()
    return result, cr.sql_log_count - before


def measure_batches(db, addons_path):
    """Print the queries per record of the batch writes, with mail tracking
    off (as in the tests) and on (as the users work); True when a batch of
    200 consultations costs ``BATCH_TARGET`` queries per record at the most."""
    import odoo  # pylint: disable=import-outside-toplevel

    registry = _registry(db, addons_path)
    from odoo.addons.odoo_microstructure.models import (  # pylint: disable=import-outside-toplevel
        microstructure_access_log,
    )

    # the access trace is written on a connection of its own, committed
    # whatever becomes of the transaction: held back here
    trace = []
    results = {}
    def held_back(_dbname, groups, *_origin):
        trace.append(sum(len(group[-1]) for group in groups))
        return lambda *_args, **_kwargs: True

    with patch.object(microstructure_access_log, "send_entries", held_back):
        for mail, context in (("mail off (as the tests)", MAIL_OFF), ("mail on", {})):
            results[mail] = {}
            with registry.cursor() as cr:
                try:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
                    for label, write in _batch_writes(env, _batch_team(env)):
                        write(2)  # the caches of rules and defaults warm
                        results[mail][label] = []
                        for count in (BATCH // 10, BATCH):
                            records, queries = write(count)
                            if len(records) != count:
                                sys.exit(f"{label}: {len(records)} records instead of {count}")
                            results[mail][label].append(queries)
                finally:
                    cr.rollback()
    with registry.cursor() as cr:
        cr.execute("""
            SELECT (SELECT count(*) FROM microstructure_site), (SELECT count(*) FROM microstructure_patient),
                   (SELECT count(*) FROM microstructure_consultation)
        """)
        counts = cr.fetchone()
    print("\nbatch writes on {}: {:,} sites, {:,} patients, {:,} consultations; each pass in a transaction "
          "rolled back, queries after a first batch of 2".format(db, *counts))
    print(f"  {'':40}" + "".join(f"{mail:>38}" for mail in results))
    print(f"  {'':40}" + f"{'20 records':>12}{'200 records':>13}{'per record':>13}" * len(results))
    for label in results["mail on"]:
        print(f"  {label:40}" + "".join(
            f"{small:>12}{large:>13}{large / BATCH:>13.2f}" for small, large in (rows[label] for rows in results.values())
        ))
    worst = max(rows["consultations, one create()"][1] / BATCH for rows in results.values())
    print(f"  target: {BATCH} consultations in one create() <= {BATCH_TARGET} queries per record ({worst:.2f}); "
          f"access trace held back: {len(trace)} statements, {sum(trace)} entries")
    return worst <= BATCH_TARGET


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--db", default=os.environ.get("MICROSTRUCTURE_BENCH_DB", "microstructure_bench"))
    parser.add_argument("--populate", action="store_true", help="(re)create the database first")
    parser.add_argument("--complete", action="store_true",
                        help="add the liaison sheets and the regional manager to a populated database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch-only", action="store_true",
                        help="measure the batch writes only (any database of the addon, demo included)")
    args = parser.parse_args()
    import odoo.addons.base  # pylint: disable=import-outside-toplevel

    odoo_addons = Path(odoo.addons.base.__file__).resolve().parent.parent
    paths = [str(odoo_addons)]
    if (odoo_addons.parent.parent / "addons").is_dir():
        paths.insert(0, str(odoo_addons.parent.parent / "addons"))
    addons_path = ",".join([*paths, str(ROOT)])
    if args.batch_only:
        return 0 if measure_batches(args.db, addons_path) else 1
    if args.populate:
        populate(args.db, addons_path)
    elif args.complete:
        complete(args.db, addons_path)
    ok = measure(args.db, addons_path, args.repeat)
    ok &= measure_batches(args.db, addons_path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
