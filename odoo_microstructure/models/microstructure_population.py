"""Fills a database with a realistic population of microstructures.

At scale 1 it reproduces the national figures of 2023-09-01 (DESIGN): 143
sites in 22 networks with the per-region counts, 36 % polyvalent; 360 GPs,
87 psychologists, 80 social workers, 8 psychiatrists; 5,456 patients followed
for addictions or precarity (53 % men, mean age 45.4) and 636 for mental
health (28 % men, mean age 45); main substances ranked alcohol > tobacco >
opiates > cocaine; and the year before (2022-09-01 to 2023-08-31) of weekly
permanences, consultations and monthly synthesis meetings.

The registry goes through the ORM; the bulk (patients, consultations and
their calendar events, permanences, slots, meetings) is written with
parameterised multi-row INSERTs, so that a national-scale database is made in
minutes.
"""

import logging
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from psycopg2 import sql
from psycopg2.extras import execute_values

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

SITES_PER_REGION = {"27": 14, "44": 42, "32": 26, "11": 21, "75": 1, "76": 35, "93": 4}
NETWORKS_PER_REGION = {"27": 2, "44": 5, "32": 4, "11": 3, "75": 1, "76": 5, "93": 2}
PROFESSIONALS = {"gp": 360, "psychologist": 87, "social_worker": 80, "psychiatrist": 8}
ADDICTION_PATIENTS = 5456
MENTAL_HEALTH_PATIENTS = 636
POLYVALENT_SHARE = 0.36
# share of men, mean age, standard deviation of the age
ADDICTION_PROFILE = (0.53, 45.4, 12.0)
MENTAL_HEALTH_PROFILE = (0.28, 45.0, 13.0)
# main substance of the patients followed for an addiction (ranked)
MAIN_SUBSTANCES = [
    ("substance_alcohol", 0.38),
    ("substance_tobacco", 0.24),
    ("substance_opiates", 0.17),
    ("substance_cocaine", 0.10),
    ("substance_cannabis", 0.07),
    ("substance_medicines", 0.03),
    ("substance_gambling", 0.01),
]
REFERENCE_DATE = date(2023, 9, 1)
# the satisfaction survey of 2023: 134 answers, and the answers counted
# positive per question (78 %, 66 %, 61 %, 87 %, 72 %, 92 %)
SURVEY_ANSWERS = 134
SURVEY_POSITIVE = {
    "never_social_worker": 105,
    "never_psychiatrist": 88,
    "never_psychologist": 82,
    "quality_of_life": 117,
    "consumption": 96,
    "recommend": 123,
}
FIRST_NAMES = {
    "female": "Marie Nathalie Isabelle Sylvie Catherine Sandrine Valérie Christine Céline Aurélie "
    "Stéphanie Julie Laetitia Émilie Caroline Sophie Sarah Amandine Audrey Karine".split(),
    "male": "Jean Philippe Thierry Nicolas Christophe Stéphane David Frédéric Patrick Laurent "
    "Sébastien Julien Olivier Éric Pascal Franck Mickaël Karim Mehdi Kevin".split(),
}
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre "
    "Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc "
    "Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez "
    "Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly"
).split()


def _year_before(day):
    """The same day one year earlier (2023-09-01 gives 2022-09-01)."""
    return day.replace(year=day.year - 1)


def _demo_year(today):
    """First day of the last reporting year ended by ``today``, and the day
    after its last day: the demo's activity falls in it, so that the
    dashboard's default period shows it."""
    # imported here: the reports package defines models built on those of
    # this package, which must be registered first
    from ..reports.microstructure_indicators import last_complete_year, reporting_year_bounds  # noqa: PLC0415

    first, last = reporting_year_bounds(last_complete_year(today))
    return first, last + timedelta(days=1)


def _split(total, weights):
    """Largest-remainder split of ``total`` in proportion to ``weights``."""
    weight_sum = sum(weights) or 1
    raw = [total * weight / weight_sum for weight in weights]
    shares = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


class MicrostructurePopulation(models.AbstractModel):
    _name = "microstructure.population"
    _description = "Population generator"

    @api.model
    def _populate(self, scale=1.0, seed=2023, with_events=True, patient_scale=None, activity=1.0):
        """Create a population at ``scale`` (1 = the 2023 national figures).

        ``patient_scale`` (default: ``scale``) scales the patients and survey
        answers apart from the registry; ``activity`` multiplies the
        consultations each patient asks for.

        Returns a dict of the number of records created per model.
        """
        rng = random.Random(seed)
        counts = {}
        patient_scale = scale if patient_scale is None else patient_scale
        sites = self._populate_registry(rng, scale, counts)
        patients = self._populate_patients(rng, patient_scale, sites, counts)
        self._populate_activity(rng, sites, patients, counts, with_events, activity)
        self._populate_survey(rng, [site["id"] for site in sites], round(SURVEY_ANSWERS * patient_scale), counts)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        return counts

    # REGISTRY (ORM) -----------------------------------------------------------
    def _populate_registry(self, rng, scale, counts):
        ref = self.env.ref
        regions = {code: ref(f"odoo_microstructure.region_{code}") for code in SITES_PER_REGION}
        site_counts = _split(max(1, round(143 * scale)), list(SITES_PER_REGION.values()))
        network_counts = _split(max(1, round(22 * scale)), list(NETWORKS_PER_REGION.values()))
        network_vals, site_plan = [], []
        serial = self.env["ir.sequence"].sudo().search_count([]) + rng.randrange(10**6)
        for (code, region), n_sites, n_networks in zip(regions.items(), site_counts, network_counts):
            if not n_sites:
                continue
            n_networks = max(1, min(n_networks, n_sites))
            first = len(network_vals)
            for index in range(n_networks):
                network_vals.append({
                    "name": f"Réseau {region.name} {serial}-{index + 1}",
                    "region_ids": [fields.Command.set(region.ids)],
                })
            departments = region.department_ids
            for index in range(n_sites):
                site_plan.append((first + index % n_networks, departments[index % len(departments)]))
        networks = self.env["microstructure.network"].create(network_vals)
        polyvalent = set(rng.sample(range(len(site_plan)), round(POLYVALENT_SHARE * len(site_plan))))
        site_vals = []
        for index, (network_index, department) in enumerate(site_plan):
            both = index in polyvalent
            mental_only = not both and rng.random() < 0.08
            site_vals.append({
                "name": f"Microstructure {department.name} {serial}-{index + 1}",
                "practice_kind": rng.choice(["cabinet", "cabinet", "msp", "health_centre"]),
                "city": department.name,
                "zip": f"{department.code}000"[:5],
                "department_id": department.id,
                "network_id": networks[network_index].id,
                "program_addiction": both or not mental_only,
                "program_mental_health": both or mental_only,
                "date_open": date(2019, 1, 1) + timedelta(days=rng.randrange(4 * 365)),
            })
        sites = self.env["microstructure.site"].create(site_vals)
        counts["microstructure.network"] = len(networks)
        counts["microstructure.site"] = len(sites)

        # professionals: GPs in one site, the others across their network
        by_network = defaultdict(list)
        for site in sites:
            by_network[site.network_id.id].append(site)
        professional_vals, plans = [], []
        used_names = set()

        def person():
            while True:
                sex = rng.choice(["female", "male"])
                name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)} {len(used_names) + 1}"
                if name not in used_names:
                    used_names.add(name)
                    return name

        for site, count in zip(sites, _split(round(PROFESSIONALS["gp"] * scale) or len(sites),
                                             [rng.choice([1, 2, 2, 3, 4]) for _ in sites])):
            for number in range(max(count, 1)):
                professional_vals.append({"name": f"Dr {person()}", "profession": "gp"})
                plans.append(([site], "coordinator" if number == 0 else "member"))
        network_ids = list(by_network)
        for profession in ("psychologist", "social_worker"):
            total = max(round(PROFESSIONALS[profession] * scale), len(network_ids))
            per_network = _split(total, [len(by_network[n]) for n in network_ids])
            for network_id, count in zip(network_ids, per_network):
                network_sites = by_network[network_id]
                count = max(1, min(count, len(network_sites)))
                for bucket in range(count):
                    professional_vals.append({"name": person(), "profession": profession})
                    plans.append((network_sites[bucket::count], "member"))
        poly_sites = sites.filtered("polyvalent") or sites
        for site in rng.sample(list(poly_sites), min(len(poly_sites), round(PROFESSIONALS["psychiatrist"] * scale))):
            professional_vals.append({"name": f"Dr {person()}", "profession": "psychiatrist"})
            plans.append(([site], "member"))
        professionals = self.env["microstructure.professional"].create(professional_vals)
        membership_vals = [
            {"professional_id": professional.id, "site_id": site.id, "role": role,
             "date_start": site.date_open}
            for professional, (site_list, role) in zip(professionals, plans)
            for site in site_list
        ]
        memberships = self.env["microstructure.membership"].create(membership_vals)
        counts["microstructure.professional"] = len(professionals)
        counts["microstructure.membership"] = len(memberships)

        team = defaultdict(lambda: defaultdict(list))
        for membership in memberships:
            team[membership.site_id.id][membership.professional_id.profession].append(
                membership.professional_id.id
            )
        return [
            {
                "id": site.id,
                "open": site.date_open,
                "addiction": site.program_addiction,
                "mental_health": site.program_mental_health,
                "team": team[site.id],
                "members": [pid for ids in team[site.id].values() for pid in ids],
            }
            for site in sites
        ]

    # PATIENTS (SQL) -----------------------------------------------------------
    def _populate_patients(self, rng, scale, sites, counts):
        self.env.flush_all()
        substances = {xmlid: self.env.ref(f"odoo_microstructure.{xmlid}").id for xmlid, _w in MAIN_SUBSTANCES}
        substance_ids, substance_weights = list(substances.values()), [w for _x, w in MAIN_SUBSTANCES]
        uid, now = self.env.uid, fields.Datetime.now()
        addiction_sites = [s for s in sites if s["addiction"]] or sites
        mental_sites = [s for s in sites if s["mental_health"]] or sites
        plan = [("addiction", site) for site in self._spread(rng, addiction_sites, round(ADDICTION_PATIENTS * scale))]
        plan += [("mental_health", site) for site in self._spread(rng, mental_sites, round(MENTAL_HEALTH_PATIENTS * scale))]
        profiles = {}
        for motive, (men, mean_age, deviation) in (
            ("addiction", ADDICTION_PROFILE), ("mental_health", MENTAL_HEALTH_PROFILE)
        ):
            size = sum(1 for m, _site in plan if m == motive)
            profiles[motive] = (
                iter(rng.sample(["male"] * round(men * size) + ["female"] * (size - round(men * size)), size)),
                iter(self._ages(rng, size, mean_age, deviation)),
            )
        rows, extra_substances = [], []
        for motive, site in plan:
            sexes, ages = profiles[motive]
            sex, age = next(sexes), next(ages)
            birth = REFERENCE_DATE - timedelta(days=round(age * 365.25))
            earliest = max(site["open"], birth + timedelta(days=round(18.1 * 365.25)))
            span = max((REFERENCE_DATE - earliest).days - 1, 1)
            inclusion = earliest + timedelta(days=rng.randrange(span))
            addiction = motive == "addiction" and rng.random() < 0.85
            precarity = motive == "addiction" and (not addiction or rng.random() < 0.3)
            main = rng.choices(substance_ids, substance_weights)[0] if addiction else None
            exited = rng.random() < 0.12
            exit_date = inclusion + timedelta(days=rng.randrange(30, 400)) if exited else None
            if exit_date and exit_date >= REFERENCE_DATE:
                exited, exit_date = False, None
            elif exit_date and exit_date < REFERENCE_DATE - timedelta(days=365):
                # exits fall in the year of the report: every patient generated
                # was followed during that year
                exit_date = REFERENCE_DATE - timedelta(days=rng.randrange(1, 365))
            rows.append((
                site["id"], rng.choice(site["team"].get("gp") or [None]),
                "mrs" if sex == "female" else "mr", rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES[sex]),
                birth, sex, inclusion, addiction, precarity, motive == "mental_health", main,
                motive == "mental_health" and rng.random() < 0.6, motive == "mental_health" and rng.random() < 0.5,
                inclusion, "written" if rng.random() < 0.4 else "oral",
                "exited" if exited else "followed", exit_date, "goal_reached" if exited else None,
                True, uid, now, uid, now,
            ))
            if main and rng.random() < 0.5:
                extra_substances.append(rng.choices(substance_ids, substance_weights)[0])
            else:
                extra_substances.append(None)
        ids = self._insert(
            "microstructure_patient",
            "site_id, gp_id, civility, name, first_names, birth_date, sex, inclusion_date, "
            "motive_addiction, motive_precarity, motive_mental_health, main_substance_id, "
            "disorder_anxiety, disorder_mood, consent_date, consent_method, state, exit_date, "
            "exit_reason, active, create_uid, create_date, write_uid, write_date",
            rows,
        )
        field = self.env["microstructure.patient"]._fields["substance_ids"]
        links = set()
        for patient_id, row, extra in zip(ids, rows, extra_substances):
            for substance_id in (row[11], extra):
                if substance_id:
                    links.add((patient_id, substance_id))
        if links:
            execute_values(
                self.env.cr._obj,
                sql.SQL("INSERT INTO {} ({}, {}) VALUES %s").format(
                    sql.Identifier(field.relation),
                    sql.Identifier(field.column1),
                    sql.Identifier(field.column2),
                ),
                sorted(links),
                page_size=5000,
            )
        counts["microstructure.patient"] = len(ids)
        patients = defaultdict(list)
        for patient_id, row in zip(ids, rows):
            patients[row[0]].append({
                "id": patient_id, "gp": row[1], "inclusion": row[7], "addiction": row[8],
                "precarity": row[9], "mental_health": row[10], "exit": row[17],
            })
        return patients

    # SATISFACTION SURVEY (ORM) -------------------------------------------------
    @api.model
    def _populate_survey(self, rng, site_ids, total, counts=None, reference_date=REFERENCE_DATE):
        """Answers of ``total`` patients of ``site_ids`` to the satisfaction
        survey over the year before ``reference_date``, with the shares of the
        2023 report."""
        survey = self.env.ref("odoo_microstructure.survey_satisfaction")
        questions = survey.question_ids.filtered("microstructure_indicator")
        answers = {}
        for question in questions:
            suggestions = question.suggested_answer_ids
            positive = round(SURVEY_POSITIVE[question.microstructure_indicator] * total / SURVEY_ANSWERS)
            positive_ids = suggestions.filtered("microstructure_positive").ids
            other_ids = (suggestions - suggestions.filtered("microstructure_positive")).ids
            choices = [rng.choice(positive_ids) for _n in range(positive)]
            choices += [rng.choice(other_ids) for _n in range(total - positive)]
            rng.shuffle(choices)
            answers[question] = choices
        year_start = datetime.combine(_year_before(reference_date), time(9, 0))
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
                    fields.Command.create({
                        "question_id": question.id,
                        "answer_type": "suggestion",
                        "suggested_answer_id": choices[index],
                    })
                    for question, choices in answers.items()
                ],
            })
        records = self.env["survey.user_input"].create(vals)
        if counts is not None:
            counts["survey.user_input"] = len(records)
        return records

    @api.model
    def _populate_demo_survey(self):
        """The 134 answers of the 2023 report, over the demo sites, in the last
        reporting year ended at the installation."""
        sites = self.env["microstructure.site"].search([("active", "=", True)], order="id")
        self._populate_survey(random.Random(134), sites.ids, SURVEY_ANSWERS,
                              reference_date=_demo_year(fields.Date.today())[1])

    @api.model
    def _populate_demo_activity(self, site_ids):
        """A year of activity of the demo sites ``site_ids`` (their patients,
        care teams and the permanences already held there) in the last
        reporting year ended at the installation: consultations, permanences
        and meetings, as the population command makes them."""
        start, stop = _demo_year(fields.Date.today())
        sites = self.env["microstructure.site"].browse(site_ids)
        Membership = self.env["microstructure.membership"]
        memberships = Membership.search(Membership._get_current_domain() + [("site_id", "in", sites.ids)],
                                        order="site_id, role, professional_id")
        # a profession whose permanences of the year are there already (the
        # experiment replayed at a site) gets no more
        held = {
            (site.id, profession)
            for site, profession in self.env["microstructure.permanence"]._read_group(
                [("site_id", "in", sites.ids), ("start", ">=", start), ("start", "<", stop)],
                ["site_id", "profession"],
            )
        }
        plan, patients = [], defaultdict(list)
        for site in sites:
            team = defaultdict(list)
            for membership in memberships.filtered(lambda m, site=site: m.site_id == site):
                team[membership.professional_id.profession].append(membership.professional_id.id)
            members = [pid for ids in team.values() for pid in ids]
            for profession in list(team):
                if (site.id, profession) in held:
                    del team[profession]
            plan.append({
                "id": site.id, "open": site.date_open or start, "team": team, "members": members,
                "addiction": site.program_addiction, "mental_health": site.program_mental_health,
            })
            for patient in self.env["microstructure.patient"].search([("site_id", "=", site.id)], order="id"):
                patients[site.id].append({
                    "id": patient.id, "gp": patient.gp_id.id or (team.get("gp") or [None])[0],
                    "inclusion": patient.inclusion_date or start, "addiction": patient.motive_addiction,
                    "precarity": patient.motive_precarity, "mental_health": patient.motive_mental_health,
                    "exit": patient.exit_date,
                })
        self.env.flush_all()
        counts = {}
        self._populate_activity(random.Random(start.year), plan, patients, counts, True, reference_date=stop)
        self.env.invalidate_all()
        return counts

    @staticmethod
    def _ages(rng, size, mean_age, deviation):
        """Adult ages (18.5 to 85) whose mean is ``mean_age``."""
        ages = [rng.gauss(mean_age, deviation) for _ in range(size)]
        for _round in range(5):
            ages = [min(85.0, max(18.5, age)) for age in ages]
            shift = mean_age - sum(ages) / size if size else 0
            ages = [age + shift for age in ages]
        return [min(85.0, max(18.5, age)) for age in ages]

    @staticmethod
    def _spread(rng, sites, total):
        weights = [rng.uniform(0.5, 1.5) for _ in sites]
        result = []
        for site, count in zip(sites, _split(total, weights)):
            result.extend([site] * count)
        return result

    # ACTIVITY OF THE YEAR (SQL) ----------------------------------------------
    def _populate_activity(self, rng, sites, patients, counts, with_events, activity=1.0,
                           reference_date=REFERENCE_DATE):
        """Permanences, consultations and meetings of the year before
        ``reference_date``."""
        uid, now = self.env.uid, fields.Datetime.now()
        year_start = _year_before(reference_date)
        days = [year_start + timedelta(days=n) for n in range((reference_date - year_start).days)]
        workdays = [day for day in days if day.weekday() < 5 and day.month != 8]
        busy = set()  # (professional, start) already taken

        def free_time(professional_id, kind_hours):
            for _attempt in range(40):
                day = rng.choice(workdays)
                start = datetime.combine(day, time(rng.choice(kind_hours), rng.choice((0, 30))))
                if (professional_id, start) not in busy:
                    busy.add((professional_id, start))
                    return start
            return None

        # permanences and their slots: psychologists weekly, social workers fortnightly
        permanence_rows = []
        for site in sites:
            for profession, every in (("psychologist", 1), ("social_worker", 2)):
                for position, professional_id in enumerate(site["team"].get(profession, [])[:1]):
                    weekday = (site["id"] + position + (profession == "social_worker")) % 5
                    first = year_start + timedelta(days=(weekday - year_start.weekday()) % 7)
                    day = first
                    while day < reference_date:
                        start = datetime.combine(day, time(8, 0))
                        if day.month != 8 and (professional_id, start) not in busy:
                            busy.add((professional_id, start))
                            permanence_rows.append((
                                site["id"], professional_id, profession, start, start + timedelta(hours=3),
                                45, "held", uid, now, uid, now,
                            ))
                        day += timedelta(weeks=every)
        permanence_ids = self._insert(
            "microstructure_permanence",
            "site_id, professional_id, profession, start, stop, slot_minutes, state, "
            "create_uid, create_date, write_uid, write_date",
            permanence_rows,
        )
        slot_rows = []
        for permanence_id, row in zip(permanence_ids, permanence_rows):
            for index in range(4):
                start = row[3] + timedelta(minutes=45 * index)
                slot_rows.append((permanence_id, row[0], start, start + timedelta(minutes=45), uid, now, uid, now))
        slot_ids = self._insert(
            "microstructure_permanence_slot",
            "permanence_id, site_id, start, stop, create_uid, create_date, write_uid, write_date",
            slot_rows,
        )
        # free slots per (site, profession): (slot, start, permanence, professional)
        permanence_info = dict(zip(permanence_ids, permanence_rows))
        by_site_profession = defaultdict(list)
        for slot_id, row in zip(slot_ids, slot_rows):
            info = permanence_info[row[0]]
            by_site_profession[(info[0], info[2])].append((slot_id, row[2], row[0], info[1]))
        for slots in by_site_profession.values():
            rng.shuffle(slots)

        # consultations
        states = ["done"] * 85 + ["no_show"] * 7 + ["excused"] * 5 + ["cancelled"] * 3
        consultation_rows, slot_links = [], []
        for site in sites:
            for patient in patients[site["id"]]:
                active_from = max(patient["inclusion"], year_start)
                active_to = patient["exit"] or reference_date
                if active_from >= active_to:
                    continue
                wishes = [("gp", rng.randint(2, 7))]
                wishes.append(("psychologist", rng.randint(1, 6) if patient["mental_health"] else rng.randint(0, 3)))
                wishes.append(("social_worker", rng.randint(1, 4) if patient["precarity"] else rng.randint(0, 1)))
                if patient["mental_health"] and site["team"].get("psychiatrist"):
                    wishes.append(("psychiatrist", rng.randint(0, 2)))
                for kind, number in wishes:
                    for _n in range(round(number * activity)):
                        if kind in ("psychologist", "social_worker"):
                            pool = by_site_profession.get((site["id"], kind))
                            if not pool:
                                continue
                            slot_id, start, permanence_id, professional_id = pool.pop()
                            if not active_from <= start.date() < active_to:
                                continue
                            duration = 0.75
                        else:
                            professional_id = patient["gp"] if kind == "gp" else site["team"][kind][0]
                            if not professional_id:
                                continue
                            start = free_time(professional_id, range(8, 18))
                            if not start or not active_from <= start.date() < active_to:
                                continue
                            slot_id = permanence_id = None
                            duration = 0.5
                        consultation_rows.append((
                            patient["id"], site["id"], professional_id, kind, start, duration,
                            start + timedelta(hours=duration),
                            "practice", rng.choice(states), permanence_id, uid, now, uid, now,
                        ))
                        slot_links.append(slot_id)
        consultation_ids = self._insert(
            "microstructure_consultation",
            "patient_id, site_id, professional_id, kind, start, duration, stop, place, state, "
            "permanence_id, create_uid, create_date, write_uid, write_date",
            consultation_rows,
        )
        booked = [(slot_id, cid) for slot_id, cid in zip(slot_links, consultation_ids) if slot_id]
        if booked:
            execute_values(
                self.env.cr._obj,
                "UPDATE microstructure_permanence_slot AS slot SET consultation_id = data.cid "
                "FROM (VALUES %s) AS data(sid, cid) WHERE slot.id = data.sid",
                booked,
                page_size=5000,
            )
        self.env.cr.execute(
            """
            UPDATE microstructure_permanence AS permanence
               SET slot_count = stats.slots, booked_count = stats.booked,
                   fill_rate = 100.0 * stats.booked / NULLIF(stats.slots, 0)
              FROM (SELECT slot.permanence_id, count(*) AS slots,
                           count(consultation.id) FILTER (WHERE consultation.state != 'cancelled') AS booked
                      FROM microstructure_permanence_slot slot
                 LEFT JOIN microstructure_consultation consultation ON consultation.id = slot.consultation_id
                     WHERE slot.permanence_id = ANY(%s)
                  GROUP BY slot.permanence_id) AS stats
             WHERE permanence.id = stats.permanence_id
            """,
            [permanence_ids],
        )
        if with_events and consultation_ids:
            model_id = self.env["ir.model"]._get_id("microstructure.consultation")
            event_ids = self._insert(
                "calendar_event",
                "name, start, stop, duration, privacy, show_as, active, allday, res_model_id, "
                "res_model, res_id, create_uid, create_date, write_uid, write_date",
                [
                    ("Consultation", row[4], row[6], row[5], "private", "busy",
                     row[8] in ("done", "planned"), False, model_id, "microstructure.consultation",
                     cid, uid, now, uid, now)
                    for cid, row in zip(consultation_ids, consultation_rows)
                ],
            )
            execute_values(
                self.env.cr._obj,
                "UPDATE microstructure_consultation AS consultation SET event_id = data.eid "
                "FROM (VALUES %s) AS data(cid, eid) WHERE consultation.id = data.cid",
                list(zip(consultation_ids, event_ids)),
                page_size=5000,
            )
            counts["calendar.event"] = len(event_ids)
        counts["microstructure.permanence"] = len(permanence_ids)
        counts["microstructure.permanence.slot"] = len(slot_ids)
        counts["microstructure.consultation"] = len(consultation_ids)

        # monthly synthesis meetings (none in August) and two review meetings
        meeting_rows, meeting_sites = [], []
        for site in sites:
            for month in range(12):
                day = date(year_start.year + (year_start.month + month - 1) // 12, (year_start.month + month - 1) % 12 + 1, 10)
                if day.month == 8 or day < site["open"]:
                    continue
                kind = "review" if day.month in (1, 6) else "synthesis"
                start = datetime.combine(day, time(16, 0))
                meeting_rows.append((site["id"], kind, start, 2.0, start + timedelta(hours=2), "done", 0.0, uid, now, uid, now))
                meeting_sites.append(site)
        meeting_ids = self._insert(
            "microstructure_meeting",
            "site_id, kind, start, duration, stop, state, attendance_rate, "
            "create_uid, create_date, write_uid, write_date",
            meeting_rows,
        )
        attendees, presents, lines, rates = [], [], [], []
        for meeting_id, row, site in zip(meeting_ids, meeting_rows, meeting_sites):
            present = [pid for pid in site["members"] if rng.random() < 0.8]
            attendees += [(meeting_id, pid) for pid in site["members"]]
            presents += [(meeting_id, pid) for pid in present]
            rates.append((meeting_id, 100.0 * len(present) / len(site["members"]) if site["members"] else 0.0))
            candidates = [p for p in patients[site["id"]] if p["inclusion"] <= row[2].date()]
            for sequence, patient in enumerate(rng.sample(candidates, min(8, len(candidates)))):
                lines.append((meeting_id, site["id"], row[2], "done", patient["id"], sequence, uid, now, uid, now))
        for table, data in (("microstructure_meeting_attendee_rel", attendees),
                            ("microstructure_meeting_present_rel", presents)):
            if data:
                execute_values(
                    self.env.cr._obj,
                    sql.SQL("INSERT INTO {} (meeting_id, professional_id) VALUES %s").format(
                        sql.Identifier(table)
                    ),
                    data,
                    page_size=5000,
                )
        if rates:
            execute_values(
                self.env.cr._obj,
                "UPDATE microstructure_meeting AS meeting SET attendance_rate = data.rate "
                "FROM (VALUES %s) AS data(mid, rate) WHERE meeting.id = data.mid",
                rates,
                page_size=5000,
            )
        line_ids = self._insert(
            "microstructure_meeting_line",
            "meeting_id, site_id, meeting_date, meeting_state, patient_id, sequence, "
            "create_uid, create_date, write_uid, write_date",
            lines,
        )
        self.env.cr.execute(
            """
            UPDATE microstructure_patient AS patient SET last_discussed_date = last.day
              FROM (SELECT patient_id, max(meeting_date)::date AS day
                      FROM microstructure_meeting_line
                     WHERE id = ANY(%s) GROUP BY patient_id) AS last
             WHERE patient.id = last.patient_id
            """,
            [line_ids],
        )
        counts["microstructure.meeting"] = len(meeting_ids)
        counts["microstructure.meeting.line"] = len(line_ids)

    def _insert(self, table, columns, rows):
        """Insert ``rows`` into ``table`` in pages; return the new ids in order."""
        if not rows:
            return []
        query = sql.SQL("INSERT INTO {} ({}) VALUES %s RETURNING id").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(name.strip()) for name in columns.split(",")),
        )
        ids = []
        for start in range(0, len(rows), 5000):
            ids += [row[0] for row in execute_values(
                self.env.cr._obj, query, rows[start:start + 5000], page_size=5000, fetch=True
            )]
        return ids


class MicrostructureLiaisonExperiment(models.AbstractModel):
    """The twelve months of the social-service experiment of the seed (MSP
    Laënnec, February 2018 to January 2019) replayed at one site: 26
    permanences of the social worker, 92 sheets, 80 handled with an interview,
    26 patients accompanied."""

    _name = "microstructure.liaison.experiment"
    _description = "Social-service experiment replay"

    @api.model
    def _replay(self, site_id, office_id, social_worker_id, requester_id, start=date(2018, 2, 1), seed=2018,
                carsat_user_id=None):
        """Replay the experiment at a site (ids, as data files call it), from
        ``start`` (by default its dates of 2018). The sheets are written by
        the practitioner ``requester_id``, the social worker
        ``social_worker_id`` holds the permanences, and the Carsat user
        ``carsat_user_id`` (by default the current user) moves the sheets
        along."""
        rng = random.Random(seed)
        site = self.env["microstructure.site"].browse(site_id)
        office = self.env["microstructure.social.service"].browse(office_id)
        social_worker = self.env["microstructure.professional"].browse(social_worker_id)
        requester = self.env["res.users"].browse(requester_id)
        carsat_uid = carsat_user_id or self.env.uid
        Liaison = self.env["microstructure.liaison"]
        # 26 permanences, every other Thursday, 9:00-12:00 (8:00-11:00 UTC), 4 slots
        first = start + timedelta(days=(3 - start.weekday()) % 7)
        permanences = self.env["microstructure.permanence"].create([
            {
                "site_id": site.id,
                "professional_id": social_worker.id,
                "start": datetime.combine(first + timedelta(weeks=2 * n), time(8, 0)),
                "stop": datetime.combine(first + timedelta(weeks=2 * n), time(11, 0)),
                "slot_minutes": 45,
                "state": "held",
            }
            for n in range(26)
        ])
        slots = permanences.slot_ids.sorted("start")
        patients = self.env["microstructure.patient"].create([
            {
                "civility": "mrs" if sex == "female" else "mr",
                "name": rng.choice(LAST_NAMES),
                "first_names": rng.choice(FIRST_NAMES[sex]),
                "birth_date": date(1950, 1, 1) + timedelta(days=rng.randrange(40 * 365)),
                "sex": sex,
                "site_id": site.id,
                "inclusion_date": start - timedelta(days=rng.randrange(30, 900)),
                "motive_precarity": True,
                "consent_date": start,
            }
            for sex in (rng.choice(["female", "male"]) for _ in range(70))
        ])
        reasons = ["reason_rights", "reason_job", "reason_hospital", "reason_illness"]
        sheets = Liaison.create([
            {
                "patient_id": patients[n % len(patients)].id,
                "date": start + timedelta(days=round(n * 330 / 92)),
                "requester_id": requester.id,
                "requester_qualification": "Médecin généraliste",
                "social_service_id": office.id,
                "consent": "yes",
                rng.choice(reasons): True,
            }
            for n in range(92)
        ])
        # outcomes: 80 handled (26 accompanied, 30 out of scope, 24 declined
        # after the assessment), 12 not handled (8 not reachable, 4 declined)
        outcomes = ["accompanied"] * 26 + ["out_of_scope"] * 30 + ["declined_after"] * 24
        outcomes += ["not_reachable"] * 8 + ["declined"] * 4
        rng.shuffle(outcomes)
        free_slots = iter(slots)
        consultations = []
        for sheet, outcome in zip(sheets, outcomes):
            sent = datetime.combine(sheet.date, time(10, 0))
            contacted = sent + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
            values = {
                "sent_hash": sheet._compute_sent_hash(),
                "date_sent": sent,
                "sent_by_id": requester.id,
            }
            if outcome in ("accompanied", "out_of_scope", "declined_after"):
                slot = next(slot for slot in free_slots if slot.start > contacted)
                consultations.append({
                    "patient_id": sheet.patient_id.id,
                    "professional_id": social_worker.id,
                    "start": slot.start,
                    "duration": 0.75,
                    "state": "done",
                    "permanence_id": slot.permanence_id.id,
                })
                values.update({
                    "date_contacted": contacted,
                    "contacted_by_id": carsat_uid,
                    "date_assessed": slot.start,
                    "assessed_by_id": carsat_uid,
                    "social_worker_name": "LE GALL Sylvie",
                    "in_scope": "no" if outcome == "out_of_scope" else "yes",
                })
                if outcome == "accompanied":
                    values.update({
                        "date_accompanied": slot.start + timedelta(days=rng.randint(7, 30)),
                        "state": "accompanied",
                    })
                else:
                    values["state"] = "out_of_scope" if outcome == "out_of_scope" else "declined"
                    values["date_closed"] = slot.start
            elif outcome == "not_reachable":
                values.update({"state": "not_reachable", "date_closed": contacted})
            else:
                values.update({"state": "declined", "date_contacted": contacted, "date_closed": contacted})
            # historical data: written as it happened, without replaying the
            # e-mails of the workflow (the step is set behind the guarded write)
            state = values.pop("state")
            sheet.sudo().write(values)
            self.env.cr.execute(
                "UPDATE microstructure_liaison SET state = %s WHERE id = %s", [state, sheet.id]
            )
        created = self.env["microstructure.consultation"].create(consultations)
        for consultation in created:
            slot = slots.filtered(lambda s, c=consultation: s.start == c.start)
            slot.consultation_id = consultation
        sheets.invalidate_recordset()
        return sheets

    @api.model
    def _demo_current_sheets(self, site_id, office_id, requester_id, carsat_user_id):
        """Sheets of the last two weeks at the experiment's site, on their way
        (sent, contacted, assessed), so that the boards show work to do."""
        today = fields.Date.today()
        # after the reporting year of the experiment, whose figures stay those of the seed
        year_after = _demo_year(today)[1]
        patients = self.env["microstructure.patient"].search([("site_id", "=", site_id)], order="id desc", limit=4)
        steps = [("sent", 2), ("sent", 5), ("contacted", 9), ("assessed", 13)]
        steps = [(state, max(today - timedelta(days=days), year_after)) for state, days in steps]
        sheets = self.env["microstructure.liaison"].create([
            {
                "patient_id": patient.id,
                "date": day,
                "requester_id": requester_id,
                "requester_qualification": "Médecin généraliste",
                "social_service_id": office_id,
                "consent": "yes",
                ("reason_rights", "reason_job", "reason_hospital", "reason_illness")[index]: True,
            }
            for index, (patient, (_state, day)) in enumerate(zip(patients, steps))
        ])
        for sheet, (state, day) in zip(sheets, steps):
            sent = datetime.combine(day, time(9, 0))
            values = {"sent_hash": sheet._compute_sent_hash(), "date_sent": sent, "sent_by_id": requester_id}
            if state in ("contacted", "assessed"):
                values.update({"date_contacted": sent + timedelta(days=2), "contacted_by_id": carsat_user_id})
            if state == "assessed":
                values.update({"date_assessed": sent + timedelta(days=8), "assessed_by_id": carsat_user_id,
                               "social_worker_name": "LE GALL Sylvie", "in_scope": "yes"})
            # as in the replay: the step is set behind the guarded write, without e-mails
            sheet.sudo().write(values)
            self.env.cr.execute("UPDATE microstructure_liaison SET state = %s WHERE id = %s", [state, sheet.id])
        sheets.invalidate_recordset()
        return sheets

    @api.model
    def _replay_last_year(self, site_id, office_id, social_worker_id, requester_id, carsat_user_id=None):
        """Replay the experiment in the last reporting year ended today, from
        its first Thursday (the seed's year began on a Thursday: the weekdays
        and figures are those of the 2018 replay), so that the dashboard's
        default period shows it."""
        first = _demo_year(fields.Date.today())[0]
        start = first + timedelta(days=(3 - first.weekday()) % 7)
        return self._replay(site_id, office_id, social_worker_id, requester_id, start=start,
                            carsat_user_id=carsat_user_id)
