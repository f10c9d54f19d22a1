import base64
import inspect
import io
import json
from datetime import date, datetime, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.odoo_microstructure.tools.indicator_definitions import round_half_up
from odoo.addons.odoo_microstructure.reports.microstructure_indicators import (
    EXPORT_COLUMNS,
    FORBIDDEN_COLUMNS,
    last_complete_year,
)
from odoo.addons.odoo_microstructure.reports.microstructure_small_counts import PRIMARY, SECONDARY

from .common import GROUP, MicrostructureCommon
from .test_small_counts import determined_values

# the fixture lies in the reporting year 2024-2025
YEAR = 2024
DATE_FROM, DATE_TO = date(2024, 9, 1), date(2025, 8, 31)
PUBLIC_SHEETS = ("Sites per region", "Professionals", "Permanences", "Meetings", "Activity per site")
IDENTIFYING = ("Zorglub", "Firstnametest", "1980-07-01", "01/07/1980", "rue ")
MASKS = (PRIMARY, SECONDARY)


def _age(birth):
    return (DATE_TO - birth).days / 365.25


class IndicatorCase(MicrostructureCommon):
    """A fixture whose figures are known exactly, in the reporting year
    2024-2025 (and a little in the year before)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # the figures of the regions of the fixture are the fixture's: other
        # sites (demo data) go to Brittany
        env["microstructure.site"].with_context(active_test=False).search([]).write({
            "department_id": env.ref("odoo_microstructure.department_29").id,
        })
        (cls.site_a1 | cls.site_a2 | cls.site_b1).invalidate_recordset()
        for site, department in ((cls.site_a1, "67"), (cls.site_a2, "68"), (cls.site_b1, "31")):
            site.department_id = env.ref(f"odoo_microstructure.department_{department}")
        cls.alcohol = env.ref("odoo_microstructure.substance_alcohol")
        cls.tobacco = env.ref("odoo_microstructure.substance_tobacco")
        cls.opiates = env.ref("odoo_microstructure.substance_opiates")

        def patients(site, count, sex, birth, inclusion, motive, substances=None, start=0):
            return env["microstructure.patient"].create([
                {
                    "name": f"Zorglub{start + n}", "first_names": "Firstnametest", "sex": sex,
                    "birth_date": birth, "site_id": site.id, "inclusion_date": inclusion,
                    "motive_addiction": motive == "addiction",
                    "motive_mental_health": motive == "mental_health",
                    "substance_ids": [Command.set(substances.ids)] if substances else [],
                }
                for n in range(count)
            ])

        cls.birth_men_a1, cls.birth_women_a1 = date(1980, 7, 1), date(1970, 1, 1)
        cls.men_a1 = patients(cls.site_a1, 20, "male", cls.birth_men_a1, "2025-02-01",
                              "addiction", cls.alcohol | cls.tobacco)
        cls.women_a1 = patients(cls.site_a1, 14, "female", cls.birth_women_a1, "2025-02-01",
                                "addiction", cls.alcohol, start=100)
        cls.mental_a1 = patients(cls.site_a1, 12, "female", date(1990, 1, 1), "2025-03-01",
                                 "mental_health", start=200)
        cls.men_a2 = patients(cls.site_a2, 11, "male", date(1960, 1, 1), "2024-05-01",
                              "addiction", cls.opiates, start=300)
        # exited the year before: not followed during the period, and 3 exits
        # that the year before's report masks
        gone = patients(cls.site_a2, 3, "male", date(1960, 1, 1), "2024-05-01", "addiction", start=400)
        gone.write({"state": "exited", "exit_date": "2024-08-15", "exit_reason": "moved"})
        # exited during the period: followed, and counted in the exits
        cls.men_a1[0].write({"state": "exited", "exit_date": "2025-06-30", "exit_reason": "goal_reached"})
        cls.men_b1 = patients(cls.site_b1, 5, "male", date(1985, 1, 1), "2025-01-15", "mental_health", start=500)
        cls.women_b1 = patients(cls.site_b1, 10, "female", date(1985, 1, 1), "2025-01-15",
                                "mental_health", start=600)

        # 30 GP consultations at A1: 20 done, 6 no-shows, 2 excused, 2 cancelled
        Consultation = env["microstructure.consultation"]
        gp = Consultation.create([
            {"patient_id": cls.men_a1[1 + n % 19].id, "professional_id": cls.pro_gp_a1.id,
             "start": datetime(2025, 3, 3, 8, 0) + timedelta(days=n), "duration": 0.5}
            for n in range(30)
        ])
        gp[:20].write({"state": "done"})
        gp[20:26].write({"state": "no_show"})
        gp[26:28].write({"state": "excused"})
        gp[28:].write({"state": "cancelled"})
        # 12 psychologist consultations done, one outside the period
        psy = Consultation.create([
            {"patient_id": cls.mental_a1[n].id, "professional_id": cls.pro_psy_a.id,
             "start": datetime(2025, 5, 5, 8, 0) + timedelta(days=n), "duration": 0.75}
            for n in range(12)
        ] + [{"patient_id": cls.mental_a1[0].id, "professional_id": cls.pro_psy_a.id,
              "start": datetime(2024, 5, 5, 8, 0), "duration": 0.75}])
        psy.write({"state": "done"})

        # a permanence of the social worker: 4 slots of 45 minutes, 3 booked
        with freeze_time("2025-04-01"):
            permanence = env["microstructure.permanence"].create({
                "site_id": cls.site_a1.id, "professional_id": cls.pro_sw_a.id,
                "start": datetime(2025, 4, 3, 7, 0), "stop": datetime(2025, 4, 3, 10, 0),
                "slot_minutes": 45,
            })
            for patient in cls.women_a1[:3]:
                permanence._book(patient)
        permanence.slot_ids.consultation_id.write({"state": "done"})
        permanence.action_held()

        # two synthesis meetings held: 3 invited, 2 then 3 present, 5 patients discussed
        Meeting = env["microstructure.meeting"]
        team = cls.pro_gp_a1 | cls.pro_psy_a | cls.pro_sw_a
        for day, present in ((date(2025, 3, 20), cls.pro_gp_a1 | cls.pro_psy_a), (date(2025, 4, 17), team)):
            meeting = Meeting.create({
                "site_id": cls.site_a1.id, "kind": "synthesis",
                "start": datetime.combine(day, datetime.min.time()) + timedelta(hours=11),
                "attendee_ids": [Command.set(team.ids)],
                "present_ids": [Command.set(present.ids)],
                "line_ids": [Command.create({"patient_id": p.id}) for p in cls.men_a1[1:6]],
            })
            meeting.action_done()

        # 14 liaison sheets at A1: 12 sent, 11 handled, 4 accompanied (figures only)
        cls._create_office("Service social test", "ss67@carsat-test.fr")
        sheets = env["microstructure.liaison"].create([
            {"patient_id": cls.women_a1[n].id, "consent": "yes", "reason_rights": True,
             "date": date(2025, 6, 2) + timedelta(days=n)}
            for n in range(14)
        ])
        sent = datetime(2025, 6, 20, 9, 0)
        env.cr.execute(
            "UPDATE microstructure_liaison SET date_sent = %s WHERE id = ANY(%s)", [sent, sheets[:12].ids]
        )
        env.cr.execute(
            "UPDATE microstructure_liaison SET date_contacted = %s, date_assessed = %s WHERE id = ANY(%s)",
            [sent + timedelta(days=2), sent + timedelta(days=9), sheets[:11].ids],
        )
        env.cr.execute(
            "UPDATE microstructure_liaison SET date_accompanied = %s WHERE id = ANY(%s)",
            [sent + timedelta(days=30), sheets[:4].ids],
        )
        env.invalidate_all()

        # satisfaction: 30 answers at A1, 15 at B1, 4 at A2
        cls.survey = env.ref("odoo_microstructure.survey_satisfaction")
        cls._answers(env, cls.site_a1, 30, {"recommend": 18, "quality_of_life": 19})
        cls._answers(env, cls.site_b1, 15, {"recommend": 15, "quality_of_life": 15})
        cls._answers(env, cls.site_a2, 4, {"recommend": 4})
        cls.sites = cls.site_a1 | cls.site_a2 | cls.site_b1
        cls._scale_results(env)

    @classmethod
    def _scale_results(cls, env):
        """Scale results whose outcomes are known: a baseline (the first
        result) and a follow-up in the year at least 5 months later (the last
        one)."""
        cls.phq9, cls.gad7, cls.audit, cls.epices = (
            env.ref(f"odoo_microstructure.microstructure_scale_{code}") for code in ("phq9", "gad7", "audit", "epices")
        )
        vals = []

        def results(scale, patients, day, score):
            vals.extend((scale, patient, day, score) for patient in patients)

        b1, mental_a1 = cls.men_b1 | cls.women_b1, cls.mental_a1
        # PHQ-9 (meaningful change 5, threshold 10), 27 patients:
        # 12 at B1 from 16 to 6: improved, moved below the threshold
        results(cls.phq9, b1[:12], date(2025, 1, 15), 16)
        results(cls.phq9, b1[:12], date(2025, 7, 1), 6)
        # 3 at B1 from 12 to 11: not improved, still above it
        results(cls.phq9, b1[12:], date(2025, 1, 15), 12)
        results(cls.phq9, b1[12:], date(2025, 7, 1), 11)
        # 4 at A1 from 8 to 2, followed up 5 months to the day later; 8 from
        # 8 to 11, through a 20 at 2 months that is no follow-up (too early)
        results(cls.phq9, mental_a1, date(2025, 3, 1), 8)
        results(cls.phq9, mental_a1[4:], date(2025, 5, 1), 20)
        results(cls.phq9, mental_a1[:4], date(2025, 8, 1), 2)
        results(cls.phq9, mental_a1[4:], date(2025, 8, 1), 11)
        # not counted: followed up a day short of 5 months
        results(cls.phq9, cls.men_a1[1], date(2025, 3, 1), 15)
        results(cls.phq9, cls.men_a1[1], date(2025, 7, 31), 0)
        # GAD-7 (meaningful change 4, threshold 10), 27 patients from 15:
        # 14 to 5, 13 to 14; a result after the year changes nothing
        results(cls.gad7, b1 | mental_a1, date(2025, 1, 10), 15)
        results(cls.gad7, (b1 | mental_a1)[:14], date(2025, 6, 20), 5)
        results(cls.gad7, (b1 | mental_a1)[14:], date(2025, 6, 20), 14)
        results(cls.gad7, b1[:1], date(2025, 9, 15), 0)
        # AUDIT (no meaningful change published; men's threshold 7), 11 men
        # at A2: baseline the year before at 20, 15 in November, then 5 (the
        # follow-up is the last result of the year)
        results(cls.audit, cls.men_a2, date(2024, 5, 1), 20)
        results(cls.audit, cls.men_a2, date(2024, 11, 1), 15)
        results(cls.audit, cls.men_a2, date(2025, 6, 1), 5)
        # EPICES (threshold 30.17), 14 women at A1 from 45.56 to 20.12
        results(cls.epices, cls.women_a1, date(2024, 10, 1), 45.56)
        results(cls.epices, cls.women_a1, date(2025, 4, 1), 20.12)
        # an archived file counts nowhere
        archived = env["microstructure.patient"].create({
            "name": "Zorglub900", "first_names": "Firstnametest", "sex": "female", "birth_date": "1980-01-01",
            "site_id": cls.site_a1.id, "inclusion_date": "2024-09-15", "motive_mental_health": True,
        })
        results(cls.phq9, archived, date(2024, 9, 15), 20)
        results(cls.phq9, archived, date(2025, 4, 15), 0)
        user_inputs = env["survey.user_input"].create([
            {"survey_id": scale.survey_id.id, "microstructure_patient_id": patient.id}
            for scale, patient, _day, _score in vals
        ])
        env["microstructure.scale.result"].create([
            {"patient_id": patient.id, "scale_id": scale.id, "date": day, "score": score,
             "band_id": scale._band(score, patient.sex).id, "user_input_id": user_input.id, "how": "practitioner"}
            for (scale, patient, day, score), user_input in zip(vals, user_inputs)
        ])
        archived.action_archive()

    @classmethod
    def _answers(cls, env, site, total, positives):
        questions = {q.microstructure_indicator: q for q in cls.survey.question_ids if q.microstructure_indicator}
        vals = []
        for n in range(total):
            lines = []
            for key, question in questions.items():
                positive = n < positives.get(key, 0)
                answer = question.suggested_answer_ids.filtered(
                    lambda a, positive=positive: a.microstructure_positive == positive
                )[:1]
                lines.append(Command.create({
                    "question_id": question.id, "answer_type": "suggestion", "suggested_answer_id": answer.id,
                }))
            vals.append({
                "survey_id": cls.survey.id, "microstructure_site_id": site.id, "state": "done",
                "end_datetime": datetime(2025, 4, 1, 10, 0) + timedelta(days=n),
                "user_input_line_ids": lines,
            })
        return env["survey.user_input"].create(vals)

    def _figures(self, sites=None):
        return self.env["microstructure.indicators"]._compute_figures(sites or self.sites, DATE_FROM, DATE_TO)

    def _tables(self, sites=None, user=None):
        Indicators = self.env["microstructure.indicators"]
        if user:
            Indicators = Indicators.with_user(user)
        tables = Indicators._get_tables(sites or self.sites, DATE_FROM, DATE_TO)
        return {table["key"]: table for table in tables}


@tagged("post_install", "-at_install")
class TestIndicators(IndicatorCase):
    """Figures, protection and period of the indicators."""

    # scope, sites, members, the figures kept (none), the 8 queries of the
    # figures per site, the patients discussed and the liaison funnel
    figure_queries = 14

    # EXACT FIGURES -------------------------------------------------------------
    def test_raw_figures(self):
        figures = self._figures()
        count, ages, aged = figures["patients"][("addiction", "male")]
        self.assertEqual((count, aged), (31, 31))
        self.assertAlmostEqual(float(ages), 20 * _age(self.birth_men_a1) + 11 * _age(date(1960, 1, 1)), places=6)
        self.assertEqual(figures["patients"][("addiction", "female")][0], 14)
        self.assertEqual(figures["patients"][("mental_health", "female")][0], 22)
        self.assertEqual(figures["patients"][("mental_health", "male")][0], 5)
        self.assertEqual(
            figures["patients_by_region"],
            {(self.region_ge.id, "addiction"): 45, (self.region_ge.id, "mental_health"): 12,
             (self.region_occ.id, "mental_health"): 15},
        )
        self.assertEqual(figures["substances"], {self.alcohol.id: 34, self.tobacco.id: 20, self.opiates.id: 11})
        # every month of the year, those with no inclusion nor exit too
        flows = {(date(2025, 1, 1), 15, 0), (date(2025, 2, 1), 34, 0), (date(2025, 3, 1), 12, 0), (date(2025, 6, 1), 0, 1)}
        self.assertEqual(figures["flows"][0], (DATE_FROM, 0, 0))
        self.assertEqual(len(figures["flows"]), 12)
        self.assertEqual({flow for flow in figures["flows"] if flow[1] or flow[2]}, flows)
        self.assertEqual(figures["consultations"]["gp"], (20, 6, 2, 2))
        self.assertEqual(figures["consultations"]["psychologist"], (12, 0, 0, 0))
        self.assertEqual(figures["consultations"]["social_worker"], (3, 0, 0, 0))
        self.assertEqual(figures["permanences"], {"social_worker": (1, 4, 3)})
        self.assertEqual(figures["meetings"], {"synthesis": (2, 6, 5)})
        # the same 5 patients discussed at both meetings: 5 patients
        self.assertEqual(figures["discussed"], {("synthesis",): 5})
        sheets = figures["liaisons"][self.region_ge.id]
        self.assertEqual(sheets[:4], (14, 12, 11, 4))
        self.assertAlmostEqual(sheets[4], 2.0)
        self.assertAlmostEqual(sheets[5], 7.0)
        self.assertEqual(figures["liaison_total"], sheets)
        self.assertEqual(figures["satisfaction"]["recommend"], (49, 37))
        self.assertEqual(figures["satisfaction"]["quality_of_life"], (49, 34))
        self.assertEqual(figures["survey_answers"], 49)
        self.assertEqual(sheets[6:], (11, 11))  # sheets behind each median
        # the neighbour years: 3 exits the year before, no inclusion the year after
        self.assertEqual((figures["exits_before"], figures["inclusions_after"]), (3, 0))
        self.assertEqual(figures["sites"][self.region_ge.id], (2, 1, 1))
        self.assertEqual(figures["professionals"], {"gp": 2, "psychologist": 1, "social_worker": 1, "psychiatrist": 1})
        self.assertEqual(figures["activity"][self.site_a1.id], [46, 35, 1, 2, 14, 30])
        self.assertEqual(figures["activity"][self.site_b1.id], [15, 0, 0, 0, 0, 15])

    def test_period_in_french_time(self):
        """The bounds of the year do not follow the caller's time zone: an
        answer given in the evening of 31 August, Paris time, falls in the
        year before, whatever the zone asked for."""
        answer = self._answers(self.env, self.site_a1, 1, {})
        answer.end_datetime = datetime(2024, 8, 31, 12, 0)  # 14:00 in Paris, 02:00 on 1 September in Kiritimati
        reference = self._figures()
        self.assertEqual(reference["survey_answers"], 49)
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
            self.user_regional_ge.tz = tz
            for Indicators in (self.env["microstructure.indicators"].with_context(tz=tz),
                               self.env["microstructure.indicators"].with_user(self.user_regional_ge)):
                with self.subTest(tz=tz):
                    figures = Indicators._compute_figures(self.sites, DATE_FROM, DATE_TO)
                    self.assertEqual(figures, reference)

    def test_published_tables(self):
        tables = self._tables()
        rows = {row[0]: row for row in tables["consultations"]["rows"]}
        self.assertEqual(rows["General practitioner"][1:6], [20, PRIMARY, PRIMARY, PRIMARY, 30])
        self.assertEqual(rows["General practitioner"][6], PRIMARY)
        # the 3 consultations of the social worker are masked, and with them
        # the 12 of the psychologist (same column), then the psychologist's total
        self.assertEqual(rows["Social worker"][1:6], [PRIMARY, 0, 0, 0, PRIMARY])
        self.assertEqual(rows["Psychologist"][1:6], [SECONDARY, 0, 0, 0, SECONDARY])
        self.assertEqual(rows["Total"][1:6], [35, PRIMARY, PRIMARY, PRIMARY, 45])
        # patients: 31 men / 14 women for addictions, 5 / 22 for mental health;
        # the 5 men are masked, and a second cell with them in row and column
        patients = {row[0]: row for row in tables["patients"]["rows"]}
        self.assertEqual(patients["Mental health"][1], PRIMARY)
        self.assertEqual(patients["Mental health"][2], SECONDARY)
        self.assertEqual(patients["Addictions / precarity"][1:4], [SECONDARY, SECONDARY, 45])
        self.assertEqual(patients["Total"][1:4], [36, 36, 72])
        self.assertEqual(patients["Total"][4:6], [0.5, 0.5])
        men_a1, men_a2 = 20 * _age(self.birth_men_a1), 11 * _age(date(1960, 1, 1))
        women = 14 * _age(self.birth_women_a1)
        self.assertEqual(patients["Addictions / precarity"][6], round((men_a1 + men_a2 + women) / 45, 1))
        mental = 12 * _age(date(1990, 1, 1)) + 15 * _age(date(1985, 1, 1))
        self.assertEqual(patients["Mental health"][6], round(mental / 27, 1))
        substances = tables["substances"]["rows"]
        self.assertEqual([row[1:] for row in substances], [["Alcohol", 34], ["Tobacco", 20], ["Heroin and other opiates", 11]])
        # sites and professionals are public: published as they are
        self.assertEqual(tables["sites"]["rows"][-1][1:], [3, 1, 1 / 3, 2])
        self.assertEqual(tables["professionals"]["rows"][-1], ["Total", 5])
        liaisons = tables["liaisons"]["rows"]
        # 4 accompanied: masked. Each step counts the sheets that reached it
        # during the year: the steps are not nested, 14 sheets and 12 sent
        # tell nothing of 2 sheets, and both are printed
        self.assertEqual(liaisons[0][:5], ["Grand Est", 14, 12, 11, PRIMARY])
        self.assertEqual(liaisons[-1][:5], ["Total", 14, 12, 11, PRIMARY])
        # the medians rest on 11 sheets: printed, in the total row too
        self.assertEqual(liaisons[0][5:], [2.0, 7.0])
        self.assertEqual(liaisons[-1][5:], [2.0, 7.0])
        # the 14 sheets of site A1 are the region's: one cell, printed once
        activity = {row[0]: row for row in tables["activity"]["rows"]}
        self.assertEqual(activity[self.site_a1.name][6], 14)
        # 49 answers: 30 at A1, 4 at A2 (masked), 15 at B1 (masked with them)
        self.assertEqual([activity[site.name][7] for site in self.sites], [30, PRIMARY, SECONDARY])
        self.assertEqual(activity["Total"][7], 49)
        # flows: 61 inclusions and 72 patients followed would tell the 11
        # patients carried over from the year before, and with its report
        # the 3 exits of that year: the inclusions' total is masked
        flows = {row[0]: row for row in tables["flows"]["rows"]}
        self.assertEqual(flows["Total"], ["Total", SECONDARY, PRIMARY])
        self.assertEqual([flows[month][1] for month in ("01/2025", "02/2025", "03/2025")], [15, 34, SECONDARY])
        permanences = {row[0]: row for row in tables["permanences"]["rows"]}
        self.assertEqual(permanences["Social worker"][1:], [1, 4, PRIMARY, PRIMARY])
        meetings = tables["meetings"]["rows"]
        self.assertEqual(meetings[0][1:5], [2, 6, 5, 5 / 6])
        self.assertEqual(meetings[0][5], PRIMARY)

    # DEFINITIONS -------------------------------------------------------------
    def test_each_patient_in_one_motive(self):
        """A patient followed for both motives has a row of its own, and so
        has a patient with no motive: the total counts each patient once and
        is the patients followed of the activity table."""
        Patient = self.env["microstructure.patient"]
        Patient.create([
            {"name": f"Zorglub{700 + n}", "first_names": "Firstnametest", "sex": "female",
             "birth_date": "1975-01-01", "site_id": self.site_a1.id, "inclusion_date": "2024-10-01",
             "motive_addiction": n < 6, "motive_precarity": n >= 6, "motive_mental_health": True}
            for n in range(12)
        ] + [
            {"name": f"Zorglub{800 + n}", "first_names": "Firstnametest", "sex": "male",
             "birth_date": "1975-01-01", "site_id": self.site_a1.id, "inclusion_date": "2024-10-01"}
            for n in range(11)
        ])
        figures = self._figures()
        self.assertEqual(figures["patients"][("both", "female")][0], 12)
        self.assertEqual(figures["patients"][("none", "male")][0], 11)
        # addictions and mental health keep their patients, no more
        self.assertEqual(figures["patients"][("addiction", "female")][0], 14)
        self.assertEqual(figures["patients"][("mental_health", "female")][0], 22)
        tables = self._tables()
        patients = {row[0]: row for row in tables["patients"]["rows"]}
        self.assertEqual(list(patients), ["Addictions / precarity", "Mental health", "Both motives", "No motive",
                                          "Total"])
        self.assertEqual([patients[motive][3] for motive in ("Both motives", "No motive", "Total")], [12, 11, 95])
        self.assertEqual(patients["Both motives"][2], 12)
        by_region = {row[0]: row for row in tables["patients_by_region"]["rows"]}
        self.assertEqual(by_region["Grand Est"][1:], [45, 12, 12, 11, 80])
        self.assertEqual(by_region["Total"][1:], [45, 27, 12, 11, 95])
        activity = {row[0]: row for row in tables["activity"]["rows"]}
        self.assertEqual(activity["Total"][2], 95)

    def test_other_professions_have_a_row(self):
        """The consultations of a coordinator or another profession are in
        a row of their own, and in the total."""
        self.pro_gp_a1.profession = "coordinator"
        self.assertEqual(self._figures()["consultations"]["others"], (20, 6, 2, 2))
        rows = {row[0]: row for row in self._tables()["consultations"]["rows"]}
        self.assertEqual(rows["Other professions"][1:6], [20, PRIMARY, PRIMARY, PRIMARY, 30])
        self.assertEqual(rows["General practitioner"][1:6], [0, 0, 0, 0, 0])
        self.assertEqual(rows["Total"][1:6], [35, PRIMARY, PRIMARY, PRIMARY, 45])

    def test_patients_discussed_once(self):
        """A patient discussed at several meetings counts once, in each kind
        of meeting that discussed it and once in the total; the patients
        discussed at both kinds are a hidden difference, protected."""
        meeting = self.env["microstructure.meeting"].create({
            "site_id": self.site_a1.id, "kind": "review", "start": datetime(2025, 5, 15, 12, 0),
            "attendee_ids": [Command.set(self.pro_sw_a.ids)], "present_ids": [Command.set(self.pro_sw_a.ids)],
            "line_ids": [Command.create({"patient_id": p.id}) for p in self.men_a1[1:4] | self.men_a1[6:18]],
        })
        meeting.action_done()
        figures = self._figures()
        self.assertEqual(figures["discussed"], {("synthesis",): 2, ("review", "synthesis"): 3, ("review",): 12})
        meetings = {row[0]: row for row in self._tables()["meetings"]["rows"]}
        # 5 at the synthesis meetings, masked; 15 at the review meeting and
        # 17 in all would tell the 2 discussed at synthesis meetings only
        self.assertEqual(meetings["Synthesis meeting"][5], PRIMARY)
        self.assertEqual(meetings["Review meeting with the social service"][5], SECONDARY)
        self.assertEqual(meetings["Total"][5], 17)

    def test_liaison_steps_on_their_dates(self):
        """A sheet counts in a step in the year of the step's date, in
        French time: written the year before and sent this year, it is a
        sheet of the year before and a sheet sent of this one. The site's
        funnel counts the same way."""
        Liaison = self.env["microstructure.liaison"]
        early, late = Liaison.create([
            {"patient_id": self.women_a1[n].id, "consent": "yes", "reason_rights": True, "date": day}
            for n, day in ((0, date(2024, 8, 20)), (1, date(2025, 8, 25)))
        ])
        # 22:30 UTC on 31 August is 00:30 on 1 September in Paris
        self.env.cr.execute("UPDATE microstructure_liaison SET date_sent = %s WHERE id = %s",
                            [datetime(2024, 8, 31, 22, 30), early.id])
        self.env.cr.execute("UPDATE microstructure_liaison SET date_sent = %s WHERE id = %s",
                            [datetime(2025, 9, 2, 9, 0), late.id])
        self.env.invalidate_all()
        figures = self._figures()
        self.assertEqual(figures["liaisons"][self.region_ge.id][:4], (15, 13, 11, 4))
        self.assertEqual(figures["activity"][self.site_a1.id][4], 15)
        before = self.env["microstructure.indicators"]._compute_figures(self.sites, date(2023, 9, 1), date(2024, 8, 31))
        self.assertEqual(before["liaisons"][self.region_ge.id][:4], (1, 0, 0, 0))
        funnel = self.site_a1._get_liaison_funnel(DATE_FROM, DATE_TO)
        self.assertEqual((funnel["sheets"], funnel["sent"], funnel["handled"], funnel["accompanied"]), (15, 13, 11, 4))
        self.assertEqual((funnel["median_days_to_contact"], funnel["median_days_to_interview"]), (2.0, 7.0))

    def test_medians_rounded_half_up(self):
        """2.25 days is printed 2.3, not 2.2 as Python's ``round()`` gives."""
        self.assertEqual([round_half_up(value) for value in (2.25, 0.15, 6.75, 2.24, None)], [2.3, 0.2, 6.8, 2.2, None])
        self.assertEqual(round(2.25, 1), 2.2)
        self.env.cr.execute(
            "UPDATE microstructure_liaison SET date_contacted = date_sent + interval '2 days 6 hours'"
            " WHERE date_contacted IS NOT NULL AND site_id = %s", [self.site_a1.id],
        )
        self.env.invalidate_all()
        liaisons = self._tables()["liaisons"]["rows"]
        self.assertEqual(liaisons[0][5:], [2.3, 6.8])
        self.assertEqual(liaisons[-1][5:], [2.3, 6.8])

    def test_empty_months_are_shown(self):
        flows = self._tables()["flows"]["rows"]
        self.assertEqual([row[0] for row in flows[:-1]],
                         [f"{month:02d}/2024" for month in range(9, 13)] + [f"{month:02d}/2025" for month in range(1, 9)])
        self.assertEqual(flows[0], ["09/2024", 0, 0])
        self.assertEqual(flows[-1][0], "Total")

    def test_substance_ties_share_a_rank(self):
        """Substances with as many patients share a rank; the masked ones
        share the rank after the others, in the order of their names (no
        secondary mask: the substances have no total)."""
        cannabis = self.env.ref("odoo_microstructure.substance_cannabis")
        cocaine = self.env.ref("odoo_microstructure.substance_cocaine")
        self.women_a1.substance_ids = self.alcohol | self.tobacco  # tobacco: 34, as alcohol
        self.men_a2[:2].substance_ids = cocaine
        self.men_a2[2:5].substance_ids = cannabis  # cocaine 2, cannabis 3, opiates 11 - 5 = 6
        rows = self._tables()["substances"]["rows"]
        self.assertEqual(rows, [
            [1, "Alcohol", 34], [1, "Tobacco", 34],
            [3, "Cannabis", PRIMARY], [3, "Cocaine", PRIMARY], [3, "Heroin and other opiates", PRIMARY],
        ])

    def test_outcomes(self):
        """Per scale: the patients with a baseline and a follow-up 5 months
        later or more in the year, their mean change, the share improved by
        the scale's meaningful change, the share moved below its threshold."""
        table = self._tables()["outcomes"]
        outcomes = {row[0]: row[1:] for row in table["rows"]}
        self.assertEqual(list(outcomes), ["AUDIT", "AUDIT-C", "FTND", "CAST", "PHQ-9", "GAD-7", "EPICES"])
        # (12 × -10 + 3 × -1 + 4 × -6 + 8 × 3) / 27; 15 at 10 or more at
        # baseline, 12 of them below 10 after: the 3 who stayed would be
        # known, so the 12 are masked
        self.assertEqual(outcomes["PHQ-9"], [27, -4.6, 5.0, 16, 16 / 27, 15, SECONDARY, PRIMARY])
        self.assertEqual(outcomes["GAD-7"], [27, -5.7, 4.0, 14, 14 / 27, 27, 14, 14 / 27])
        # no meaningful change published: no share improved
        self.assertEqual(outcomes["AUDIT"], [11, -15.0, None, None, None, 11, 11, 1.0])
        # (20.12 - 45.56) in hundredths of a point, exactly
        self.assertEqual(outcomes["EPICES"], [14, -25.4, None, None, None, 14, 14, 1.0])
        self.assertEqual(outcomes["CAST"], [0, None, None, None, None, 0, 0, None])
        self.assertFalse(table["total"])
        self.assertIn("PHQ-9: 5 points (Löwe B", table["note"])
        self.assertIn("GAD-7: 4 points (Toussaint A", table["note"])
        figures = self._figures()["outcomes"]
        self.assertEqual(figures[self.epices.id], (14, -35616, 0, 14, 14))
        self.assertEqual(figures[self.phq9.id], (27, -12300, 16, 15, 12))

    def test_outcomes_masked(self):
        # B1 alone: 12 of 15 improved and moved below, the 3 others would be known
        outcomes = {row[0]: row[1:] for row in self._tables(self.site_b1)["outcomes"]["rows"]}
        self.assertEqual(outcomes["PHQ-9"], [15, -8.2, 5.0, SECONDARY, PRIMARY, 15, SECONDARY, PRIMARY])
        self.assertEqual(outcomes["GAD-7"], [15, -9.4, 4.0, SECONDARY, PRIMARY, 15, SECONDARY, PRIMARY])
        # A1 alone: 4 improved of 12 (the 8 others are hidden behind them)
        outcomes = {row[0]: row[1:] for row in self._tables(self.site_a1)["outcomes"]["rows"]}
        self.assertEqual(outcomes["PHQ-9"], [12, 0.0, 5.0, PRIMARY, PRIMARY, 0, 0, None])
        self.assertEqual(outcomes["GAD-7"], [12, -1.0, 4.0, 0, 0.0, 12, 0, 0.0])
        self.assertEqual(outcomes["EPICES"], [14, -25.4, None, None, None, 14, 14, 1.0])
        # A2 alone: 11 men
        outcomes = {row[0]: row[1:] for row in self._tables(self.site_a2)["outcomes"]["rows"]}
        self.assertEqual(outcomes["AUDIT"], [11, -15.0, None, None, None, 11, 11, 1.0])
        self.assertEqual(outcomes["PHQ-9"], [0, None, 5.0, 0, None, 0, 0, None])

    def test_queries_do_not_grow_with_the_sites(self):
        """The same queries whatever the number of sites: the names of the
        sites with their region and network, the sites, their members, the
        figures kept per site, then, for the sites whose figures are not kept,
        one aggregation query per table read (patients, their substances,
        consultations, permanences, meetings, liaison sheets, survey
        answers), and over the whole scope the patients discussed and the
        liaison funnel (``figure_queries``)."""
        Indicators = self.env["microstructure.indicators"]
        everywhere = self.env["microstructure.site"].with_context(active_test=False).search([])
        for sites in (self.site_a1, self.sites, everywhere):
            self.env.invalidate_all()
            with self.assertQueryCount(self.figure_queries):
                Indicators._compute_figures(sites, DATE_FROM, DATE_TO)
        # the planner knows how many groups the consultations make
        self.env.cr.execute("""
            SELECT array_agg(attribute.attname ORDER BY attribute.attname)
              FROM pg_statistic_ext statistics
              JOIN pg_attribute attribute
                ON attribute.attrelid = statistics.stxrelid AND attribute.attnum = ANY(statistics.stxkeys)
             WHERE statistics.stxname = 'microstructure_consultation_site_professional_state'
        """)
        self.assertEqual(self.env.cr.fetchone()[0], ["professional_id", "site_id", "state"])

    def test_survey_percentages(self):
        satisfaction = {row[0]: row for row in self._tables()["satisfaction"]["rows"]}
        self.assertEqual(satisfaction["Would recommend the microstructure"][1:], [49, 37, 37 / 49])
        self.assertEqual(satisfaction["Quality of life improved"][1:], [49, 34, 34 / 49])
        # all answered "had never seen a social worker", none positively
        self.assertEqual(satisfaction["Had never seen a social worker"][1:], [49, 0, 0.0])
        self.assertEqual(satisfaction["Questionnaires answered"][1], 49)
        # site A2 alone: 4 respondents, all would recommend: masked
        alone = {row[0]: row for row in self._tables(self.site_a2)["satisfaction"]["rows"]}
        self.assertEqual(alone["Would recommend the microstructure"][1:], [PRIMARY, PRIMARY, PRIMARY])
        self.assertEqual(alone["Questionnaires answered"][1], PRIMARY)
        # a share resting on 4 respondents is masked even when its count is 0
        self.assertEqual(alone["Quality of life improved"][1:], [PRIMARY, 0, PRIMARY])

    def test_answers_keep_the_site_only(self):
        patient = self.mental_a1[0].with_user(self.user_psy_a)
        action = patient.action_survey_link()
        link = self.env["microstructure.survey.link"].browse(action["res_id"])
        self.assertIn("/survey/start/", link.url)
        token = link.url.split("answer_token=")[1]
        answer = self.env["survey.user_input"].search([("access_token", "=", token)])
        self.assertEqual(answer.microstructure_site_id, self.site_a1)
        self.assertFalse(answer.partner_id)
        self.assertFalse(answer.email)
        self.assertEqual(patient.survey_date, fields.Date.context_today(patient))
        # nothing on the answer names the patient
        values = answer.read()[0]
        self.assertFalse(any(str(patient.name) in str(value) for value in values.values()))
        # an outsider of the team cannot create a link for the patient
        with self.assertRaises(AccessError):
            self.mental_a1[0].with_user(self.user_coord_b1).action_survey_link()

    # PROTECTION AND SCOPE ----------------------------------------------------
    def test_columns_are_whitelisted(self):
        for table in self._tables().values():
            for key, label, _kind in table["columns"]:
                self.assertIn(key, EXPORT_COLUMNS)
                self.assertNotIn(key, FORBIDDEN_COLUMNS)
                self.assertNotRegex(label.lower(), r"name|birth|address|phone|nir|rpps|adeli")
        with self.assertRaisesText(ValueError, "whitelist"):
            self.env["microstructure.indicators"]._make_table("x", "X", [("birth_date", "Birth", "text")], [], [])

    def test_regional_manager_scope(self):
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge).create({
            "year": str(YEAR),
        })
        sites = wizard._get_sites()
        self.assertEqual(sites, self.site_a1 | self.site_a2)
        scope = wizard.get_dashboard(str(YEAR))["scope"]
        self.assertEqual((scope["sites"], scope["open_sites"], scope["regions"]), (2, 2, ["Grand Est"]))
        # the scope is the whole perimeter: no field chooses a part of it
        for name in ("region_ids", "network_ids", "site_ids"):
            self.assertNotIn(name, wizard._fields)
        # no row of patient, consultation, liaison or attachment
        for model in ("microstructure.patient", "microstructure.consultation", "microstructure.liaison",
                      "microstructure.meeting", "microstructure.permanence"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_regional_ge).search([], limit=1)
        attachments = self.env["ir.attachment"].with_user(self.user_regional_ge).search(
            [("res_model", "in", ["microstructure.patient", "microstructure.liaison"])]
        )
        self.assertFalse(attachments)
        # practitioners have no access to the indicators
        with self.assertRaises(AccessError):
            self.env["microstructure.indicator.export"].with_user(self.user_gp_a1).create({"year": str(YEAR)})
        for user in (self.user_gp_a1, self.user_carsat, self.user_employee):
            with self.assertRaisesText(AccessError, "network administrators and regional managers only"):
                self.env["microstructure.indicator.export"].with_user(user).get_dashboard(str(YEAR))

    def test_network_admin_scope(self):
        for user, sites in ((self.user_admin_a, self.site_a1 | self.site_a2), (self.user_admin_b, self.site_b1)):
            wizard = self.env["microstructure.indicator.export"].with_user(user).create({"year": str(YEAR)})
            self.assertEqual(wizard._get_sites(), sites)

    def test_free_analysis_models_are_gone(self):
        """No pivot over a model of aggregated rows: their read_group cannot
        stop differences between calls."""
        for model in ("microstructure.indicator.patient", "microstructure.indicator.activity",
                      "microstructure.indicator.satisfaction", "microstructure.indicator.mixin"):
            self.assertNotIn(model, self.env.registry)
            self.assertFalse(self.env["ir.model"].search([("model", "=", model)]))
            table = model.replace(".", "_")
            self.env.cr.execute("SELECT to_regclass(%s)", [table])
            self.assertIsNone(self.env.cr.fetchone()[0], table)
        for xmlid in ("microstructure_indicator_patient_action", "microstructure_indicator_patient_menu",
                      "microstructure_indicator_activity_menu", "microstructure_indicator_satisfaction_menu"):
            self.assertFalse(self.env.ref(f"odoo_microstructure.{xmlid}", raise_if_not_found=False), xmlid)

    # PERIOD ------------------------------------------------------------------
    def test_reporting_years(self):
        Export = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge)
        with freeze_time("2025-10-15"):
            years = dict(Export._selection_year())
            self.assertEqual(next(iter(years)), "2024")
            self.assertEqual(years["2024"], "2024\u20132025")
            self.assertNotIn("2025", years)  # not ended
            wizard = Export.create({})
            self.assertEqual(wizard.year, "2024")  # the last year ended, it has data
            self.assertEqual((wizard.date_from, wizard.date_to), (DATE_FROM, DATE_TO))
            with self.assertRaisesText(UserError, "has ended"):
                Export.create({"year": "2025"})
        with freeze_time("2025-08-31"):
            # the year 2024-2025 has not ended: the default is the year before
            self.assertEqual(Export.create({}).year, "2023")
        with freeze_time("2031-01-10"):
            # five years later, the default is still the latest year with data
            self.assertEqual(Export.create({}).year, "2029")
            wizard = self.env["microstructure.indicator.export"].with_user(self.user_admin_b).create({})
            self.assertEqual(wizard.year, "2029")  # B1's patients are still followed
        self.assertEqual(last_complete_year(date(2023, 9, 1)), 2022)
        self.assertEqual(last_complete_year(date(2023, 8, 31)), 2021)

    def test_dates_cannot_be_written(self):
        Export = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge)
        message = "period is a reporting year"
        with self.assertRaisesText(UserError, message):
            Export.create({"year": str(YEAR), "date_from": "2025-01-01", "date_to": "2025-01-31"})
        wizard = Export.create({"year": str(YEAR)})
        with self.assertRaisesText(UserError, message):
            wizard.write({"date_to": "2025-03-31"})
        with self.assertRaisesText(UserError, "has ended"):
            wizard.write({"year": "2024-06"})
        with self.assertRaisesText(ValueError, "Invalid field"):
            Export.create({"year": str(YEAR), "region_ids": [Command.set(self.region_ge.ids)]})
        # a year forced into the cache gives nothing
        wizard = Export.new({"year": "1999"})
        with self.assertRaisesText(UserError, "has ended"):
            wizard._get_period()
        # nor does a year outside the list offered to the dashboard
        for year in ("1999", "2090", "2024-06", "2024.0", 2090, True, [YEAR], {"year": YEAR}):
            with self.subTest(year=year), self.assertRaisesText(UserError, "has ended"):
                Export.get_dashboard(year)

    # WORKBOOK ----------------------------------------------------------------
    def test_workbook(self):
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_admin_a).create({
            "year": str(YEAR),
        })
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(wizard.filename, "microstructure_indicators_2024-09-01_2025-08-31.xlsx")
        content = base64.b64decode(wizard.file)
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(len(book.sheetnames), 13)
        titles = {sheet.title: sheet for sheet in book.worksheets}
        consultations = titles["Consultations"]
        self.assertEqual(consultations.freeze_panes, "B5")
        header = [cell.value for cell in consultations[4]]
        self.assertEqual(header[:3], ["Profession", "Done", "No-shows"])
        row = [cell.value for cell in consultations[5]]
        self.assertEqual(row[:3], ["General practitioner", 20, PRIMARY])
        self.assertEqual(consultations.cell(5, 2).number_format, "#,##0")
        patients = titles["Patients followed"]
        self.assertEqual(patients.cell(5, 5).number_format, "0%")
        for sheet in book.worksheets:
            self.assertEqual(len(sheet._charts), 1, sheet.title)  # pylint: disable=protected-access
            for cells in sheet.iter_rows():
                for cell in cells:
                    if isinstance(cell.value, str):
                        self.assertFalse(any(word in cell.value for word in IDENTIFYING), cell.value)
                    elif (
                        isinstance(cell.value, (int, float))
                        and cell.number_format == "#,##0"
                        and sheet.title not in PUBLIC_SHEETS
                    ):
                        # counts of people: never 1 to 10
                        self.assertNotIn(cell.value, range(1, 11), (sheet.title, cell.coordinate))
        # network B stays out of network A's workbook
        activity = [row[0] for row in titles["Activity per site"].iter_rows(min_row=5, values_only=True)]
        self.assertIn(self.site_a1.name, activity)
        self.assertNotIn(self.site_b1.name, activity)

    def test_dashboard_page(self):
        """The page gets the engine's tables as they are: raw figures and
        the same masks as the workbook."""
        Export = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge)
        with freeze_time("2025-10-15"):
            dashboard = Export.get_dashboard()
            self.assertEqual(dashboard["year"], str(YEAR))  # the default year
            self.assertEqual(dashboard, Export.get_dashboard(str(YEAR)))
            self.assertEqual(dashboard, Export.get_dashboard(YEAR))
            self.assertEqual([year["value"] for year in dashboard["years"]],
                             [str(year) for year in range(YEAR, 2014, -1)])
        self.assertEqual(dashboard["years"][0]["label"], "2024\u20132025")
        self.assertEqual((dashboard["date_from"], dashboard["date_to"]), ("2024-09-01", "2025-08-31"))
        self.assertEqual(dashboard["masks"], [PRIMARY, SECONDARY])
        self.assertIn("< 11", dashboard["note"])
        tables = self._tables(self.site_a1 | self.site_a2, user=self.user_regional_ge)
        self.assertEqual([table["key"] for table in dashboard["tables"]], list(tables))
        for table in dashboard["tables"]:
            expected = tables[table["key"]]
            self.assertEqual(table["rows"], expected["rows"], table["key"])
            self.assertEqual([(c["key"], c["label"], c["kind"]) for c in table["columns"]], expected["columns"])
            self.assertEqual(
                (table["title"], table["chart"], table["label_column"], table["total"], table["note"]),
                (expected["title"], expected["chart"], expected["label_column"], expected["total"], expected["note"]),
            )
        text = json.dumps(dashboard)
        self.assertIn('"consultations"', text)
        self.assertNotIn("Zorglub", text)
        self.assertNotIn(self.site_b1.name, text)
        self.assertIn("01/09/2024 to 31/08/2025",
                      Export.create({"year": str(YEAR)})._get_scope_label())

    def test_dashboard_sites_in_scope(self):
        """The perimeter counts every site the user may read; the tables the
        sites open during the year. The page gives both numbers."""
        Export = self.env["microstructure.indicator.export"].with_user(self.user_admin_a)
        self.site_a2.date_open = DATE_TO + timedelta(days=1)
        dashboard = Export.get_dashboard(str(YEAR))
        sites = next(table for table in dashboard["tables"] if table["key"] == "sites")
        self.assertEqual(sites["rows"][-1][:2], ["Total", 1])
        self.assertEqual((dashboard["scope"]["sites"], dashboard["scope"]["open_sites"]), (2, 1))

    def test_dashboard_query_count(self):
        """The page of a year and its workbook: the perimeter, the user, the
        queries of the figures (``test_queries_do_not_grow_with_the_sites``),
        the names of the substances and the scales; the workbook adds the
        wizard's own reads and writes."""
        Export = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge)
        Export.get_dashboard(str(YEAR))
        self.env.invalidate_all()
        with self.assertQueryCount(self.figure_queries + 5):
            Export.get_dashboard(str(YEAR))
        wizard = Export.create({"year": str(YEAR)})
        wizard.action_export()
        self.env.invalidate_all()
        with self.assertQueryCount(self.figure_queries + 11):
            wizard.action_export()

    def test_public_methods(self):
        """The only doors are the wizard's year, its export and the
        dashboard of a year: no public method takes dates or sites."""
        for model, allowed in (("microstructure.indicators", set()),
                               ("microstructure.indicator.export",
                                {"create", "write", "action_export", "get_dashboard"})):
            for cls in type(self.env[model]).mro():
                if getattr(cls, "_module", None) != "odoo_microstructure":
                    continue
                # Odoo refuses ``init`` over RPC, as private methods
                public = {name for name, member in vars(cls).items()
                          if inspect.isfunction(member) and not name.startswith("_") and name != "init"}
                self.assertLessEqual(public, allowed, model)


# The tables of the dashboard, their columns, and which count people.
COLUMNS = {
    "sites": ["region", "sites", "polyvalent", "polyvalent_share", "networks"],
    "professionals": ["profession", "professionals"],
    "patients": ["motive", "men", "women", "patients", "men_share", "women_share", "mean_age"],
    "patients_by_region": ["region", "addiction", "mental_health", "both", "no_motive", "patients"],
    "substances": ["rank", "substance", "patients"],
    "flows": ["month", "inclusions", "exits"],
    "consultations": ["profession", "done", "no_show", "excused", "cancelled", "consultations", "no_show_rate"],
    "permanences": ["profession", "permanences", "slots", "booked", "fill_rate"],
    "meetings": ["kind", "meetings", "invited", "present", "attendance_rate", "discussed"],
    "liaisons": ["region", "sheets", "sent", "handled", "accompanied", "median_contact", "median_interview"],
    "satisfaction": ["question", "respondents", "positive", "positive_share"],
    "outcomes": ["scale", "patients", "mean_change", "meaningful_change", "improved", "improved_share",
                 "above_threshold", "moved_below", "moved_below_share"],
    "activity": ["site", "network", "patients", "consultations", "permanences", "meetings", "sheets", "answers"],
}
PEOPLE = {
    "patients": ("men", "women", "patients"),
    "patients_by_region": ("addiction", "mental_health", "both", "no_motive", "patients"),
    "substances": ("patients",), "flows": ("inclusions", "exits"),
    "consultations": ("done", "no_show", "excused", "cancelled", "consultations"), "permanences": ("booked",),
    "meetings": ("discussed",), "liaisons": ("sheets", "sent", "handled", "accompanied"),
    "satisfaction": ("respondents", "positive"), "activity": ("patients", "consultations", "sheets", "answers"),
    "outcomes": ("patients", "improved", "above_threshold", "moved_below"),
}
# a share, rate, mean or median, and the counts it reveals with its value
DERIVED = {
    ("patients", "men_share"): ("men", "patients"), ("patients", "women_share"): ("women", "patients"),
    ("patients", "mean_age"): ("patients",), ("consultations", "no_show_rate"): ("no_show", "done", "excused"),
    ("permanences", "fill_rate"): ("booked",), ("satisfaction", "positive_share"): ("positive", "respondents"),
    ("liaisons", "median_contact"): ("sent",), ("liaisons", "median_interview"): ("handled",),
    ("outcomes", "mean_change"): ("patients",), ("outcomes", "improved_share"): ("improved", "patients"),
    ("outcomes", "moved_below_share"): ("moved_below", "above_threshold"),
}
TOTAL = "Total"
ANSWERED = "Questionnaires answered"

# Attacks over JSON-RPC: (what, model, method, args, kwargs, expected).
# "WIZARD" stands for a wizard of the attacker, "SITES" for ids of sites.
GONE, PRIVATE, DENIED, REFUSED, SAME, EMPTY, FAILS = "gone", "private", "denied", "refused", "same", "empty", "fails"
ONCHANGE_SPEC = {"year": {}, "date_from": {}, "date_to": {}}
ATTACKS = [
    ("custom aggregate", "microstructure.indicator.patient", "read_group",
     [[], ["n:sum(patient_count)"], ["site_id"]], {}, GONE),
    ("array_agg", "microstructure.indicator.patient", "read_group",
     [[], ["patient_count:array_agg"], ["region_id"]], {}, GONE),
    ("ages of a cell", "microstructure.indicator.patient", "read_group",
     [[], ["age_total:sum"], ["site_id", "sex"]], {"lazy": False}, GONE),
    ("search_count oracle", "microstructure.indicator.patient", "search_count",
     [[("patient_count", "=", 3)]], {}, GONE),
    ("pivot totals", "microstructure.indicator.activity", "web_read_group",
     [], {"domain": [], "fields": ["sheet_count:sum"], "groupby": ["region_id"]}, GONE),
    ("domain on a site", "microstructure.indicator.activity", "read_group",
     [[("site_id", "!=", "SITES")], ["sheet_count:sum"], []], {}, GONE),
    ("rows", "microstructure.indicator.satisfaction", "search_read", [[]], {"fields": ["respondent_count"]}, GONE),
    ("care team's funnel", "microstructure.liaison.funnel", "read_group",
     [[], ["sheet_count:sum"], ["site_id"]], {}, DENIED),
    ("tables of free sites and dates", "microstructure.indicators", "_get_tables",
     ["SITES", "2025-01-01", "2025-01-31"], {}, PRIVATE),
    ("raw figures", "microstructure.indicators", "_compute_figures", ["SITES", "2024-09-01", "2025-08-31"], {}, PRIVATE),
    ("protection engine", "microstructure.indicators", "_protect_figures", [{}, "SITES"], {}, PRIVATE),
    ("scope", "microstructure.indicators", "_get_scope_sites", [], {}, PRIVATE),
    ("upgrade hook", "microstructure.indicators", "init", [[]], {}, PRIVATE),
    ("workbook of free tables", "microstructure.indicator.export", "_build_workbook", [["WIZARD"], []], {}, PRIVATE),
    ("create with dates", "microstructure.indicator.export", "create",
     [{"year": str(YEAR), "date_from": "2025-01-01", "date_to": "2025-01-31"}], {}, REFUSED),
    ("create with regions", "microstructure.indicator.export", "create",
     [{"year": str(YEAR), "region_ids": [[6, 0, [1]]]}], {}, REFUSED),
    ("create with networks", "microstructure.indicator.export", "create",
     [{"year": str(YEAR), "network_ids": [[6, 0, [1]]]}], {}, REFUSED),
    ("create with a year not ended", "microstructure.indicator.export", "create", [{"year": "2090"}], {}, REFUSED),
    ("create with a free period", "microstructure.indicator.export", "create", [{"year": "2024-06"}], {}, REFUSED),
    ("save with dates", "microstructure.indicator.export", "web_save",
     [[], {"year": str(YEAR), "date_to": "2025-03-31"}], {"specification": {"dashboard": {}}}, REFUSED),
    ("write dates", "microstructure.indicator.export", "write", [["WIZARD"], {"date_from": "2025-01-01"}], {}, REFUSED),
    ("write a free period", "microstructure.indicator.export", "write", [["WIZARD"], {"year": "2025-01"}], {}, REFUSED),
    ("onchange with dates", "microstructure.indicator.export", "onchange",
     [[], {"year": str(YEAR), "date_from": "2025-01-01", "date_to": "2025-01-31"}, ["year"], ONCHANGE_SPEC],
     {}, EMPTY),
    ("onchange with a free period", "microstructure.indicator.export", "onchange",
     [[], {"year": "2025-01", "date_from": "2025-01-01"}, ["year"], ONCHANGE_SPEC], {}, EMPTY),
    ("figures kept per site", "microstructure.indicator.summary", "_get_site_rows",
     [{"sites": "SITES", "from": "2024-09-01", "to": "2025-08-31"}], {}, PRIVATE),
    ("refresh the figures kept", "microstructure.indicator.summary", "_refresh", [], {}, PRIVATE),
    ("read the figures kept", "microstructure.indicator.summary", "search_read", [[]], {}, FAILS),
    ("dashboard of a year not ended", "microstructure.indicator.export", "get_dashboard", ["2090"], {}, REFUSED),
    ("dashboard of a free period", "microstructure.indicator.export", "get_dashboard", ["2024-06"], {}, REFUSED),
    ("dashboard of a number of days", "microstructure.indicator.export", "get_dashboard", [YEAR + 0.5], {}, REFUSED),
    ("dashboard with dates", "microstructure.indicator.export", "get_dashboard",
     [str(YEAR)], {"date_from": "2025-01-01", "date_to": "2025-01-31"}, FAILS),
    ("dashboard of some sites", "microstructure.indicator.export", "get_dashboard",
     [str(YEAR), "SITES"], {}, FAILS),
    ("dashboard of a record", "microstructure.indicator.export", "get_dashboard", [["WIZARD"], str(YEAR)], {}, FAILS),
    ("dashboard in another time zone", "microstructure.indicator.export", "get_dashboard",
     [str(YEAR)], {"context": {"tz": "Pacific/Kiritimati"}}, SAME),
]
ROLES = ("ms_regional_ge", "ms_admin_a", "ms_admin_b")


@tagged("post_install", "-at_install")
class TestIndicatorAttacks(IndicatorCase, HttpCase):
    """A regional manager and network administrators try, over JSON-RPC,
    every way to get a count of 1 to 10 people out of the indicators."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.user_regional_ge, cls.user_admin_a, cls.user_admin_b):
            user.password = f"{user.login}_password"

    def _login(self, login):
        self.authenticate(login, f"{login}_password")

    def _rpc(self, model, method, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        kwargs["context"] = {"lang": "en_US", "tz": "Europe/Paris", **kwargs.get("context", {})}
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": model, "method": method, "args": list(args), "kwargs": kwargs,
        }}
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}", data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        body = response.json()
        if "error" in body:
            return "error", body["error"]["data"]["name"], body["error"]["data"]["message"]
        return "ok", body["result"], None

    def _dashboard(self, year):
        """The dashboard of ``year``, as the page gets it."""
        status, dashboard, message = self._rpc("microstructure.indicator.export", "get_dashboard", [str(year)])
        self.assertEqual(status, "ok", message)
        self.assertEqual(dashboard["year"], str(year))
        return dashboard

    def _wizard(self, year):
        """A record of the export of ``year``, as the page makes it."""
        status, wizard_id, message = self._rpc("microstructure.indicator.export", "create", [{"year": str(year)}])
        self.assertEqual(status, "ok", message)
        return wizard_id

    # THE PAGE'S ONE CALL -------------------------------------------------------
    def test_dashboard_over_http(self):
        """The page's call answers the two roles of the indicators, on a
        read-only cursor (the replica in production), and no other role."""
        for login in ROLES:
            self._login(login)
            with self.subTest(login=login), self.assertNoLogs("odoo.http", "WARNING"):
                # a write would be retried on the primary, with a warning
                dashboard = self._dashboard(YEAR)
                self.assertEqual(len(dashboard["tables"]), len(COLUMNS))
        dpo = new_test_user(self.env, login="ms_dpo_indicators", groups=f"{GROUP}dpo", lang="en_US",
                            password="ms_dpo_indicators_password")
        for user in (self.user_gp_a1, self.user_coord_b1, self.user_carsat, dpo, self.user_employee):
            user.password = f"{user.login}_password"
            self._login(user.login)
            for lang, message in (("en_US", "The indicators are for network administrators and regional "
                                            "managers only."),
                                  ("fr_FR", "Les indicateurs sont réservés aux administrateurs de réseau et "
                                            "aux responsables régionaux.")):
                with self.subTest(login=user.login, lang=lang):
                    status, result, text = self._rpc("microstructure.indicator.export", "get_dashboard", [],
                                                     {"context": {"lang": lang}})
                    self.assertEqual((status, result, text), ("error", "odoo.exceptions.AccessError", message))
            # nor the export behind the page's button
            status, result, _text = self._rpc("microstructure.indicator.export", "create", [{"year": str(YEAR)}])
            self.assertEqual((status, result), ("error", "odoo.exceptions.AccessError"))
        # a year not offered: a clear message, in the user's language
        self._login("ms_regional_ge")
        for lang, message in (("en_US", "Choose a reporting year that has ended."),
                              ("fr_FR", "Choisissez une année de rapport terminée.")):
            status, result, text = self._rpc("microstructure.indicator.export", "get_dashboard", ["2090"],
                                             {"context": {"lang": lang}})
            self.assertEqual((status, result, text), ("error", "odoo.exceptions.UserError", message))

    # ATTACKS -------------------------------------------------------------------
    def test_attacks(self):
        """Every attack of ``ATTACKS``, for every role."""
        for login in ROLES:
            self._login(login)
            reference = self._dashboard(YEAR)
            wizard_id = self._wizard(YEAR)
            sites = self.env["microstructure.site"].with_user(self.env.ref("base.user_admin")).search([]).ids
            for what, model, method, args, kwargs, expected in ATTACKS:
                with self.subTest(login=login, attack=what):
                    args = json.loads(json.dumps(args).replace('"WIZARD"', str(wizard_id))
                                      .replace('"SITES"', json.dumps(sites)))
                    status, result, message = self._rpc(model, method, args, kwargs)
                    if expected == GONE:
                        self.assertEqual(status, "error")
                        self.assertIn(result, ("builtins.KeyError", "werkzeug.exceptions.NotFound"))
                        self.assertNotIn(model, self.env.registry)
                    elif expected == PRIVATE:
                        self.assertEqual((status, result), ("error", "odoo.exceptions.AccessError"))
                        self.assertIn(method, message)
                    elif expected == DENIED:
                        self.assertEqual((status, result), ("error", "odoo.exceptions.AccessError"))
                    elif expected == REFUSED:
                        self.assertEqual(status, "error")
                        self.assertIn(result, ("odoo.exceptions.UserError", "builtins.ValueError"))
                        self.assertRegex(message, "reporting year|has ended|Invalid field")
                    elif expected == SAME:
                        self.assertEqual(status, "ok", message)
                        self.assertEqual(result, reference)
                    elif expected == EMPTY:
                        # the form's fields only: no figure
                        self.assertEqual(status, "ok", message)
                        self.assertLessEqual(set(result["value"]), set(ONCHANGE_SPEC))
                    elif expected == FAILS:
                        self.assertEqual(status, "error")
            # nothing was written on the wizard
            status, [values], _message = self._rpc(
                "microstructure.indicator.export", "read", [[wizard_id], ["year", "date_from", "date_to"]]
            )
            self.assertEqual(values, {"id": wizard_id, "year": str(YEAR),
                                      "date_from": "2024-09-01", "date_to": "2025-08-31"})

    def test_other_users_workbooks(self):
        """A dashboard and its workbook are read by their maker only: the
        national administrator's workbook stays out of a regional manager's
        or a network administrator's reach."""
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_manager).create({"year": str(YEAR)})
        wizard.action_export()
        url = f"/web/content/microstructure.indicator.export/{wizard.id}/file/{wizard.filename}?download=true"
        for login in ROLES:
            self._login(login)
            with self.subTest(login=login):
                for method, args in (("read", [[wizard.id], ["file", "year"]]),
                                     ("write", [[wizard.id], {"year": str(YEAR - 1)}])):
                    status, result, _message = self._rpc("microstructure.indicator.export", method, args)
                    self.assertEqual((status, result), ("error", "odoo.exceptions.AccessError"), method)
                with mute_logger("odoo.http"):
                    response = self.url_open(url)
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn(b"PK", response.content[:2])

    # WHAT THE REPORT RETURNS ---------------------------------------------------
    def _parse(self, dashboard):
        """The dashboard's tables: {(table, row, column): value or mask}."""
        cells = {}
        for table in dashboard["tables"]:
            key = table["key"]
            self.assertEqual([column["key"] for column in table["columns"]], COLUMNS[key])
            for row in table["rows"]:
                label = row[table["label_column"]]
                for column, value in zip(COLUMNS[key], row):
                    cells[key, label, column] = value
        return cells

    def _equations(self, cells, year, site_regions):
        """The sums and differences a reader can write between the figures
        of a report: (equations, hidden unknowns)."""
        def rows(table):
            return sorted({row for (key, row, _c) in cells if key == table})

        def name(table, row, column):
            return (year, table, row, column)

        equations, hidden = [], set()

        def total(table, column, rows_):
            equations.append([(name(table, r, column), 1) for r in rows_] + [(name(table, TOTAL, column), -1)])

        def gap(whole, part, label):
            hidden.add(label)
            equations.append([(whole, 1), (part, -1), (label, -1)])

        for table, parts, whole in (("patients", ("men", "women"), "patients"),
                                    ("patients_by_region", ("addiction", "mental_health", "both", "no_motive"),
                                     "patients"),
                                    ("consultations", ("done", "no_show", "excused", "cancelled"), "consultations")):
            for row in rows(table):
                equations.append([(name(table, row, c), 1) for c in parts] + [(name(table, row, whole), -1)])
        for table in ("patients", "patients_by_region", "consultations", "flows", "permanences",
                      "liaisons", "activity"):
            inner = [row for row in rows(table) if row != TOTAL]
            for column in PEOPLE[table]:
                total(table, column, inner)
        # the patients discussed count each patient once: the total is the
        # sum of the kinds less the patients discussed in both
        kinds = [row for row in rows("meetings") if row != TOTAL]
        hidden.add((year, "discussed in both"))
        equations.append([(name("meetings", row, "discussed"), 1) for row in kinds]
                         + [(name("meetings", TOTAL, "discussed"), -1), ((year, "discussed in both"), -1)])
        for motive, column in (("Addictions / precarity", "addiction"), ("Mental health", "mental_health"),
                               ("Both motives", "both"), ("No motive", "no_motive"), (TOTAL, "patients")):
            equations.append([(name("patients_by_region", TOTAL, column), 1), (name("patients", motive, "patients"), -1)])
        # the steps of the funnel count the sheets that reached them during
        # the year: not nested, their differences count no group of people
        for row in rows("satisfaction"):
            if row != ANSWERED:
                respondents = name("satisfaction", row, "respondents")
                gap(respondents, name("satisfaction", row, "positive"), (year, "negative", row))
                gap(name("satisfaction", ANSWERED, "respondents"), respondents, (year, "skipped", row))
        # outcomes: the patients who did not improve, those below the
        # threshold at baseline, and those who stayed above it
        for row in rows("outcomes"):
            patients, above = name("outcomes", row, "patients"), name("outcomes", row, "above_threshold")
            gap(patients, name("outcomes", row, "improved"), (year, "not improved", row))
            gap(patients, above, (year, "below at baseline", row))
            gap(above, name("outcomes", row, "moved_below"), (year, "stayed above", row))
        # sites of a region add up to the region; report totals are the same people
        for region, sites in site_regions.items():
            for column, table, other in (("patients", "patients_by_region", "patients"),
                                         ("sheets", "liaisons", "sheets")):
                equations.append([(name("activity", site, column), 1) for site in sites]
                                 + [(name(table, region, other), -1)])
        for column, table, row, other in (("patients", "patients", TOTAL, "patients"),
                                          ("consultations", "consultations", TOTAL, "done"),
                                          ("sheets", "liaisons", TOTAL, "sheets"),
                                          ("answers", "satisfaction", ANSWERED, "respondents")):
            equations.append([(name("activity", TOTAL, column), 1), (name(table, row, other), -1)])
        # followed = carried over + inclusions = carried on + exits
        followed = name("activity", TOTAL, "patients")
        gap(followed, name("flows", TOTAL, "inclusions"), (year, "carried over"))
        gap(followed, name("flows", TOTAL, "exits"), (year, "carried on"))
        return equations, hidden

    def _check_reports(self, reports, site_regions, truth):
        """No printed count of 1 to 10 people; no masked figure, and no
        hidden difference of 1 to 10 people, recomputable from all the
        reports together; no share, rate, mean or median on unknown counts."""
        equations, hidden, values, masked = [], set(), {}, set()
        for year, cells in reports.items():
            more, more_hidden = self._equations(cells, year, site_regions)
            equations += more
            hidden |= more_hidden
            for (table, row, column), value in cells.items():
                if column in PEOPLE.get(table, ()):
                    if value in MASKS:
                        masked.add((year, table, row, column))
                    else:
                        self.assertNotIn(value, range(1, 11), (year, table, row, column))
                        values[year, table, row, column] = value or 0
            # the people carried on at the end of a year are those carried over into the next
            if year + 1 in reports:
                equations.append([((year, "carried on"), 1), ((year + 1, "carried over"), -1)])
        found = determined_values(sorted(masked | hidden, key=repr), equations, values)
        leaks = sorted(set(found) & masked, key=repr)
        self.assertFalse(leaks, f"masked figures recomputable: {[(leak, found[leak]) for leak in leaks]}")
        for label in set(found) & hidden:
            self.assertNotIn(found[label], range(1, 11), label)
            if label in truth:
                self.assertEqual(found[label], truth[label])
        known = set(values) | set(found)
        for year, cells in reports.items():
            for (table, row, column), value in cells.items():
                if (table, column) in DERIVED and value not in MASKS and value is not None:
                    for base in DERIVED[table, column]:
                        self.assertIn((year, table, row, base), known, (year, table, row, column))
        return found

    def test_dashboards_reveal_no_small_count(self):
        """The reports of three consecutive years, read together, for each
        role."""
        region_names = {self.region_ge.name: self.site_a1 | self.site_a2, self.region_occ.name: self.site_b1}
        for login in ROLES:
            self._login(login)
            user = self.env["res.users"].search([("login", "=", login)])
            scope = self.env["microstructure.site"].with_user(user).search([])
            site_regions = {
                region: sites.filtered(lambda s: s in scope).mapped("name")
                for region, sites in region_names.items() if sites & scope
            }
            years = [year for year in (YEAR - 1, YEAR, YEAR + 1)
                     if str(year) in dict(self.env["microstructure.indicator.export"]._selection_year())]
            reports = {year: self._parse(self._dashboard(year)) for year in years}
            with self.subTest(login=login):
                self.assertTrue(reports[YEAR])
                self._check_reports(reports, site_regions, truth={})
                if login == "ms_regional_ge":
                    cells = reports[YEAR]
                    # the 3 exits of the year before: masked, and not recomputable
                    # from the patients followed and the inclusions of this year
                    self.assertEqual(reports[YEAR - 1]["flows", TOTAL, "exits"], PRIMARY)
                    self.assertIn(cells["flows", TOTAL, "inclusions"], MASKS)
                    self.assertEqual(cells["liaisons", "Grand Est", "sent"], 12)
                    self.assertEqual(cells["liaisons", "Grand Est", "median_contact"], 2.0)

    def test_workbook_over_http(self):
        """The workbook downloaded by each role holds what its dashboard
        shows, and no count of 1 to 10 people."""
        for login in ROLES:
            self._login(login)
            cells = self._parse(self._dashboard(YEAR))
            status, action, message = self._rpc(
                "microstructure.indicator.export", "action_export", [[self._wizard(YEAR)]]
            )
            self.assertEqual(status, "ok", message)
            response = self.url_open(action["url"])
            self.assertEqual(response.status_code, 200)
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            titles = {table: title for table, title in zip(COLUMNS, book.sheetnames)}
            for table, title in titles.items():
                sheet = book[title]
                label_column = 1 if table == "substances" else 0
                for row in sheet.iter_rows(min_row=5, values_only=True):
                    if not row or row[label_column] is None or (table, row[label_column], COLUMNS[table][1]) not in cells:
                        continue
                    for column, value in zip(COLUMNS[table], row):
                        with self.subTest(login=login, cell=(table, row[label_column], column)):
                            shown = cells[table, row[label_column], column]
                            if column in PEOPLE.get(table, ()):
                                self.assertNotIn(value, range(1, 11))
                                self.assertEqual(value, shown)
                            elif shown in MASKS:
                                self.assertEqual(value, shown)
