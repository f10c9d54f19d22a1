"""A population at a scale of the national figures of 2023, and the demo's
activity: what the ``microstructure_populate`` command and the demo data
call."""

import random
from collections import defaultdict
from datetime import timedelta

from odoo import fields

from . import activity, figures, liaison, registry, scales


def populate(env, scale=1.0, seed=2023, with_events=True, patient_scale=None, activity_scale=1.0):
    """Create a population at ``scale`` (1 = the 2023 national figures) and
    return the number of records created per model.

    ``patient_scale`` (default: ``scale``) scales the patients and survey
    answers apart from the registry; ``activity_scale`` multiplies the
    consultations each patient asks for. The same arguments give the same
    data.
    """
    rng = random.Random(seed)
    counts = {}
    patient_scale = scale if patient_scale is None else patient_scale
    sites, serial = registry.populate_registry(env, rng, scale, counts)
    env.flush_all()
    patients = activity.populate_patients(env, rng, patient_scale, sites, counts)
    # the referrals draw from a stream of their own: the rest stays what the
    # seed gave before they were added
    referrals = liaison.Referrals(random.Random(f"liaison-{seed}"), sites, patients)
    activity.populate_activity(env, rng, sites, patients, counts, with_events, activity_scale,
                               book_more=referrals.book_interviews)
    activity.populate_survey(env, rng, [site["id"] for site in sites],
                             round(figures.SURVEY_ANSWERS * patient_scale), counts)
    referrals.write_sheets(env, serial, counts)
    # a stream of their own too
    scales.populate_scale_results(
        env, random.Random(f"scales-{seed}"),
        [patient["id"] for site_patients in patients.values() for patient in site_patients],
        figures.REFERENCE_DATE, counts,
    )
    env.flush_all()
    env.invalidate_all()
    env.registry.clear_cache()
    return counts


def demo_year(today):
    """First day of the last reporting year ended by ``today``, and the day
    after its last day: the demo's activity falls in it, so that the
    dashboard's default period shows it."""
    # imported here: the reports package defines models built on those of
    # the models package, which must be registered first
    from ..reports.microstructure_indicators import last_complete_year, reporting_year_bounds  # noqa: PLC0415

    first, last = reporting_year_bounds(last_complete_year(today))
    return first, last + timedelta(days=1)


def populate_demo_activity(env, site_ids):
    """A year of activity of the demo sites ``site_ids`` (their patients,
    care teams and the permanences already held there) in the last reporting
    year ended today: consultations, permanences and meetings, as the
    population command makes them."""
    start, stop = demo_year(fields.Date.today())
    sites = env["microstructure.site"].browse(site_ids)
    Membership = env["microstructure.membership"]
    memberships = Membership.search(Membership._get_current_domain() + [("site_id", "in", sites.ids)],
                                    order="site_id, role, professional_id")
    plans = registry.site_plan(sites, memberships, start=start)
    # a profession whose permanences of the year are there already (the
    # experiment replayed at a site) gets no more
    held = {
        (site.id, profession)
        for site, profession in env["microstructure.permanence"]._read_group(
            [("site_id", "in", sites.ids), ("start", ">=", start), ("start", "<", stop)],
            ["site_id", "profession"],
        )
    }
    patients = defaultdict(list)
    for plan in plans:
        for profession in list(plan["team"]):
            if (plan["id"], profession) in held:
                del plan["team"][profession]
        default_gp = (plan["team"].get("gp") or [None])[0]
        for patient in env["microstructure.patient"].search([("site_id", "=", plan["id"])], order="id"):
            patients[plan["id"]].append(activity.patient_plan(patient.id, {
                "gp_id": patient.gp_id.id, "inclusion_date": patient.inclusion_date,
                "motive_addiction": patient.motive_addiction, "motive_precarity": patient.motive_precarity,
                "motive_mental_health": patient.motive_mental_health, "exit_date": patient.exit_date,
            }, default_gp=default_gp, start=start))
    env.flush_all()
    counts = {}
    activity.populate_activity(env, random.Random(start.year), plans, patients, counts, True, reference_date=stop)
    # the scales filled in up to today, so that the files show outcomes
    scales.populate_scale_results(
        env, random.Random(f"scales-{start.year}"),
        [patient["id"] for site_patients in patients.values() for patient in site_patients],
        fields.Date.today() + timedelta(days=1), counts,
    )
    env.invalidate_all()
    return counts


def populate_demo_survey(env):
    """The 134 answers of the 2023 report, over the demo sites, in the last
    reporting year ended today."""
    sites = env["microstructure.site"].search([("active", "=", True)], order="id")
    activity.populate_survey(env, random.Random(134), sites.ids, figures.SURVEY_ANSWERS,
                             reference_date=demo_year(fields.Date.today())[1])


def replay_last_year(env, site, office, social_worker, requester, carsat_user):
    """The experiment replayed in the last reporting year ended today, from
    its first Thursday (the seed's year began on a Thursday: the weekdays and
    figures are those of the 2018 replay)."""
    first = demo_year(fields.Date.today())[0]
    return liaison.replay_experiment(env, site, office, social_worker, requester,
                                     start=first + timedelta(days=(3 - first.weekday()) % 7),
                                     carsat_user=carsat_user)


def demo_current_sheets(env, site_id, office_id, requester_id, carsat_user_id):
    """Sheets of the last two weeks at the experiment's site, on their way,
    after the reporting year of the experiment (whose figures stay those of
    the seed)."""
    return liaison.demo_current_sheets(env, site_id, office_id, requester_id, carsat_user_id,
                                       first_day=demo_year(fields.Date.today())[1])
