import base64
import io
from datetime import date, datetime, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, tagged

from odoo.addons.odoo_microstructure.reports.microstructure_indicators import (
    EXPORT_COLUMNS,
    FORBIDDEN_COLUMNS,
)
from odoo.addons.odoo_microstructure.reports.microstructure_small_counts import PRIMARY, SECONDARY

from .common import MicrostructureCommon

DATE_FROM, DATE_TO = date(2025, 1, 1), date(2025, 12, 31)
PUBLIC_SHEETS = ("Sites per region", "Professionals", "Permanences", "Meetings", "Activity per site")
IDENTIFYING = ("Zorglub", "Firstnametest", "1980-07-01", "01/07/1980", "rue ")


def _age(birth):
    return (DATE_TO - birth).days / 365.25


@tagged("post_install", "-at_install")
class TestIndicators(MicrostructureCommon):
    """Indicators on a fixture whose figures are known exactly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
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
        # exited before the period: not followed during it
        gone = patients(cls.site_a2, 3, "male", date(1960, 1, 1), "2024-05-01", "addiction", start=400)
        gone.write({"state": "exited", "exit_date": "2024-12-15", "exit_reason": "moved"})
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
        cls.env["microstructure.social.service"].create({
            "name": "Service social test", "email": "ss67@carsat-test.fr",
            "department_ids": [Command.set(cls.site_a1.department_id.ids)],
        })
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
                "end_datetime": datetime(2025, 9, 1, 10, 0) + timedelta(days=n),
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

    # EXACT FIGURES -------------------------------------------------------------
    def test_raw_figures(self):
        figures = self._figures()
        count, ages = figures["patients"][("addiction", "male")]
        self.assertEqual(count, 31)
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
        self.assertEqual(
            figures["flows"],
            [(date(2025, 1, 1), 15, 0), (date(2025, 2, 1), 34, 0), (date(2025, 3, 1), 12, 0), (date(2025, 6, 1), 0, 1)],
        )
        self.assertEqual(figures["consultations"]["gp"], (20, 6, 2, 2))
        self.assertEqual(figures["consultations"]["psychologist"], (12, 0, 0, 0))
        self.assertEqual(figures["consultations"]["social_worker"], (3, 0, 0, 0))
        self.assertEqual(figures["permanences"], {"social_worker": (1, 4, 3)})
        self.assertEqual(figures["meetings"], {"synthesis": (2, 6, 5, 10)})
        sheets = figures["liaisons"][self.region_ge.id]
        self.assertEqual(sheets[:4], (14, 12, 11, 4))
        self.assertAlmostEqual(sheets[4], 2.0)
        self.assertAlmostEqual(sheets[5], 7.0)
        self.assertEqual(figures["satisfaction"]["recommend"], (49, 37))
        self.assertEqual(figures["satisfaction"]["quality_of_life"], (49, 34))
        self.assertEqual(figures["survey_answers"], 49)
        self.assertEqual(figures["sites"][self.region_ge.id], (2, 1, 1))
        self.assertEqual(figures["professionals"], {"gp": 2, "psychologist": 1, "social_worker": 1, "psychiatrist": 1})
        self.assertEqual(figures["activity"][self.site_a1.id], [46, 35, 1, 2, 14, 30])
        self.assertEqual(figures["activity"][self.site_b1.id], [15, 0, 0, 0, 0, 15])

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
        # 4 accompanied: masked, and 11 handled with it (their sum is the total)
        self.assertEqual(liaisons[0][:5], ["Grand Est", 14, 12, SECONDARY, PRIMARY])
        self.assertEqual(liaisons[0][5:], [PRIMARY, PRIMARY])  # medians of a masked row
        permanences = {row[0]: row for row in tables["permanences"]["rows"]}
        self.assertEqual(permanences["Social worker"][1:], [1, 4, PRIMARY, PRIMARY])
        meetings = tables["meetings"]["rows"]
        self.assertEqual(meetings[0][1:5], [2, 6, 5, 5 / 6])
        self.assertEqual(meetings[0][5], PRIMARY)

    def test_queries_do_not_grow_with_the_sites(self):
        """One aggregation query per table, whatever the number of sites."""
        Indicators = self.env["microstructure.indicators"]
        self.env.invalidate_all()
        with self.assertQueryCount(22):
            Indicators._compute_figures(self.site_a1, DATE_FROM, DATE_TO)
        self.env.invalidate_all()
        with self.assertQueryCount(22):
            Indicators._compute_figures(self.sites, DATE_FROM, DATE_TO)

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
        # the dashboard views compute the same share, and blank small counts
        Satisfaction = self.env["microstructure.indicator.satisfaction"].with_user(self.user_manager)
        groups = Satisfaction.read_group(
            [("site_id", "in", self.sites.ids)], ["respondent_count:sum", "positive_share:sum"], ["question"],
        )
        shares = {group["question"]: (group["respondent_count"], group["positive_share"]) for group in groups}
        self.assertEqual(shares["recommend"][0], 49)
        self.assertAlmostEqual(shares["recommend"][1], 100 * 37 / 49)
        groups = Satisfaction.read_group(
            [("site_id", "=", self.site_a2.id)], ["respondent_count:sum", "positive_share:sum"], ["question"],
        )
        self.assertTrue(all(group["respondent_count"] is False for group in groups))
        self.assertTrue(all(group["positive_share"] is False for group in groups))

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
            "date_from": DATE_FROM, "date_to": DATE_TO,
        })
        sites = wizard._get_sites()
        self.assertIn(self.site_a1, sites)
        self.assertNotIn(self.site_b1, sites)
        self.assertEqual(set(sites.region_id.ids), set(self.region_ge.ids))
        # asking for another region gives nothing of it
        wizard.region_ids = self.region_occ
        self.assertFalse(wizard._get_sites())
        self.assertEqual(wizard.site_count, 0)
        # no row of patient, consultation, liaison or attachment
        for model in ("microstructure.patient", "microstructure.consultation", "microstructure.liaison",
                      "microstructure.meeting", "microstructure.permanence"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_regional_ge).search([], limit=1)
        attachments = self.env["ir.attachment"].with_user(self.user_regional_ge).search(
            [("res_model", "in", ["microstructure.patient", "microstructure.liaison"])]
        )
        self.assertFalse(attachments)
        # indicator views: aggregated only, restricted to its regions
        for model in ("microstructure.indicator.patient", "microstructure.indicator.activity",
                      "microstructure.indicator.satisfaction"):
            Indicator = self.env[model].with_user(self.user_regional_ge)
            regions = [group["region_id"][0] for group in Indicator.read_group([], ["__count"], ["region_id"])]
            self.assertNotIn(self.region_occ.id, regions)
            self.assertTrue(Indicator.search_count([]))
            with self.assertRaisesText(AccessError, "aggregated only"):
                Indicator.search_read([], ["site_id"], limit=1)
            with self.assertRaisesText(AccessError, "aggregated only"):
                Indicator.search([], limit=1).read(["date"])
        # practitioners have no access to indicators
        with self.assertRaises(AccessError):
            self.env["microstructure.indicator.patient"].with_user(self.user_gp_a1).read_group(
                [], ["patient_count:sum"], []
            )

    def test_network_admin_scope(self):
        Activity = self.env["microstructure.indicator.activity"].with_user(self.user_admin_b)
        groups = Activity.read_group([], ["done_count:sum"], ["site_id"])
        self.assertEqual({group["site_id"][0] for group in groups}, {self.site_b1.id})
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_admin_a).create({
            "date_from": DATE_FROM, "date_to": DATE_TO,
        })
        self.assertEqual(wizard._get_sites(), self.site_a1 | self.site_a2)

    def test_dashboard_views_mask_small_counts(self):
        Patient = self.env["microstructure.indicator.patient"].with_user(self.user_manager)
        groups = Patient.read_group(
            [("site_id", "in", self.sites.ids), ("state", "=", "followed")],
            ["patient_count:sum", "mean_age:sum"], ["site_id", "sex"], lazy=False,
        )
        cells = {(g["site_id"][0], g["sex"]): (g["patient_count"], g["mean_age"]) for g in groups}
        self.assertEqual(cells[(self.site_a1.id, "female")][0], 26)
        self.assertEqual(cells[(self.site_b1.id, "male")], (False, False))  # 5 men
        self.assertEqual(cells[(self.site_a2.id, "male")][0], 11)
        self.assertAlmostEqual(cells[(self.site_a2.id, "male")][1], (date.today() - date(1960, 1, 1)).days / 365.25, 4)
        Activity = self.env["microstructure.indicator.activity"].with_user(self.user_manager)
        [group] = Activity.read_group(
            [("site_id", "=", self.site_a1.id), ("date", ">=", DATE_FROM), ("date", "<=", DATE_TO),
             ("profession", "=", "gp")],
            ["consultation_count:sum", "done_count:sum", "no_show_count:sum", "no_show_rate:sum"], [],
        )
        self.assertEqual((group["consultation_count"], group["done_count"]), (30, 20))
        self.assertIs(group["no_show_count"], False)
        self.assertIs(group["no_show_rate"], False)
        [group] = Activity.read_group(
            [("site_id", "=", self.site_a1.id), ("date", ">=", DATE_FROM), ("date", "<=", DATE_TO)],
            ["meeting_count:sum", "attendance_rate:sum"], [],
        )
        self.assertEqual(group["meeting_count"], 2)
        self.assertAlmostEqual(group["attendance_rate"], 500 / 6)

    # WORKBOOK ----------------------------------------------------------------
    def test_workbook(self):
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_admin_a).create({
            "date_from": DATE_FROM, "date_to": DATE_TO, "network_ids": [Command.set(self.network_a.ids)],
        })
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(wizard.filename.endswith(".xlsx"))
        content = base64.b64decode(wizard.file)
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(len(book.sheetnames), 12)
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
        wizard = self.env["microstructure.indicator.export"].with_user(self.user_regional_ge).create({
            "date_from": DATE_FROM, "date_to": DATE_TO,
        })
        self.assertIn('data-table="consultations"', wizard.dashboard)
        self.assertIn("&lt; 11", wizard.dashboard)
        self.assertNotIn("Zorglub", wizard.dashboard)
        self.assertNotIn(self.site_b1.name, wizard.dashboard)
        with self.assertRaisesText(ValidationError, "ends before it starts"):
            wizard.date_to = date(2024, 1, 1)
