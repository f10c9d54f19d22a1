from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPopulation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counts = cls.env["microstructure.population"]._populate(scale=0.1, seed=7)
        cls.sites = cls.env["microstructure.site"].search([], order="id desc", limit=cls.counts["microstructure.site"])
        cls.patients = cls.env["microstructure.patient"].search([("site_id", "in", cls.sites.ids)])

    def test_registry_figures(self):
        self.assertEqual(self.counts["microstructure.site"], 14)
        # one network at least in each region that has sites
        self.assertEqual(self.counts["microstructure.network"], len(self.sites.region_id))
        self.assertEqual(len(self.sites.filtered("polyvalent")), 5)  # 36 % of 14
        professionals = self.sites.membership_ids.professional_id
        by_profession = {p: len(professionals.filtered(lambda x, p=p: x.profession == p))
                         for p in ("gp", "psychologist", "social_worker", "psychiatrist")}
        self.assertEqual(by_profession, {"gp": 36, "psychologist": 9, "social_worker": 8, "psychiatrist": 1})

    def test_patient_figures(self):
        addiction = self.patients.filtered(lambda p: not p.motive_mental_health)
        mental = self.patients - addiction
        self.assertEqual((len(addiction), len(mental)), (546, 64))
        self.assertEqual(round(100 * len(addiction.filtered(lambda p: p.sex == "male")) / len(addiction)), 53)
        self.assertEqual(round(100 * len(mental.filtered(lambda p: p.sex == "male")) / len(mental)), 28)
        self.env.cr.execute(
            """SELECT motive_mental_health,
                      avg(extract(epoch FROM age(date '2023-09-01', birth_date)) / 31557600)
                 FROM microstructure_patient WHERE id = ANY(%s) GROUP BY 1""",
            [self.patients.ids],
        )
        ages = dict(self.env.cr.fetchall())
        self.assertAlmostEqual(ages[False], 45.4, delta=0.1)
        self.assertAlmostEqual(ages[True], 45.0, delta=0.1)
        self.assertTrue(all(p.age >= 18 for p in self.patients))
        ranking = self.env["microstructure.patient"]._read_group(
            [("id", "in", self.patients.ids), ("main_substance_id", "!=", False)],
            ["main_substance_id"], ["__count"], order="__count desc",
        )
        top = [substance for substance, _count in ranking[:4]]
        ref = self.env.ref
        self.assertEqual(top, [ref(f"odoo_microstructure.substance_{x}") for x in ("alcohol", "tobacco", "opiates", "cocaine")])

    def test_activity_is_consistent(self):
        consultations = self.env["microstructure.consultation"].search([("site_id", "in", self.sites.ids)])
        self.assertEqual(len(consultations), self.counts["microstructure.consultation"])
        self.assertTrue(consultations.event_id)
        self.assertEqual(set(consultations.event_id.mapped("name")), {"Consultation"})
        # no professional consults twice at once
        self.env.cr.execute(
            """SELECT count(*) FROM microstructure_consultation a
                 JOIN microstructure_consultation b
                   ON a.professional_id = b.professional_id AND a.id < b.id
                  AND a.start < b.stop AND b.start < a.stop
                WHERE a.id = ANY(%s)""",
            [consultations.ids],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        for consultation in consultations[:200]:
            self.assertIn(consultation.site_id, consultation.professional_id.membership_ids.site_id)
        # the stored fill rates agree with the ORM's own computation
        permanences = self.env["microstructure.permanence"].search([("site_id", "in", self.sites.ids)])
        stored = permanences.mapped("fill_rate")
        permanences._compute_fill()
        self.assertEqual(stored, permanences.mapped("fill_rate"))
        self.assertTrue(0 < sum(stored) / len(stored) < 100)
        meetings = self.env["microstructure.meeting"].search([("site_id", "in", self.sites.ids)])
        self.assertEqual(set(meetings.mapped("state")), {"done"})
        self.assertTrue(self.patients.filtered("last_discussed_date"))

    def test_population_respects_isolation(self):
        site = self.sites[0]
        professional = site.membership_ids.professional_id.filtered(lambda p: p.profession == "gp")[0]
        user = new_test_user(
            self.env, login="ms_population_gp",
            groups="odoo_microstructure.group_microstructure_practitioner",
        )
        professional.user_id = user
        visible = self.env["microstructure.patient"].with_user(user).search([])
        self.assertEqual(visible, self.patients.filtered(lambda p: p.site_id == site))
        self.assertTrue(visible)
