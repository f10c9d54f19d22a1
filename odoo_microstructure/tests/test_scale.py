from odoo.modules.migration import load_script
from odoo.tests import TransactionCase, tagged

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

# The published scales, written here independently of the shipped data: a wrong
# item, weight or band in the data makes these tests fail.
FREQ = [0, 1, 2, 3, 4]
ITEM_SCORES = {
    "AUDIT": [FREQ] * 8 + [[0, 2, 4]] * 2,
    "AUDIT-C": [FREQ] * 3,
    "FTND": [[3, 2, 1, 0], [1, 0], [1, 0], [0, 1, 2, 3], [1, 0], [1, 0]],
    "CAST": [FREQ] * 6,
    "PHQ-9": [[0, 1, 2, 3]] * 9 + [[0, 0, 0, 0]],
    "GAD-7": [[0, 1, 2, 3]] * 7,
    "EPICES": [[c, 0] for c in (
        10.06, -11.83, -8.28, -8.28, 14.80, -6.51, -7.10, -7.10, -9.47, -9.47, -7.10
    )],
}
RANGES = {
    "AUDIT": (0, 40), "AUDIT-C": (0, 12), "FTND": (0, 10), "CAST": (0, 24),
    "PHQ-9": (0, 27), "GAD-7": (0, 21), "EPICES": (0, 100),
}
BANDS = {
    "AUDIT": [
        ("female", 0, 5, "Non évocateur d'un mésusage actuel d'alcool"),
        ("female", 6, 12, "Évocateur d'un mésusage actuel d'alcool"),
        ("female", 13, 40, "En faveur d'une dépendance à l'alcool"),
        ("male", 0, 6, "Non évocateur d'un mésusage actuel d'alcool"),
        ("male", 7, 12, "Évocateur d'un mésusage actuel d'alcool"),
        ("male", 13, 40, "En faveur d'une dépendance à l'alcool"),
    ],
    "AUDIT-C": [
        ("female", 0, 2, "Pas de mésusage évoqué"),
        ("female", 3, 9, "Mésusage actuel d'alcool à évoquer"),
        ("female", 10, 12, "Dépendance à l'alcool probable"),
        ("male", 0, 3, "Pas de mésusage évoqué"),
        ("male", 4, 9, "Mésusage actuel d'alcool à évoquer"),
        ("male", 10, 12, "Dépendance à l'alcool probable"),
    ],
    "FTND": [
        (False, 0, 2, "Pas de dépendance"),
        (False, 3, 4, "Dépendance faible"),
        (False, 5, 6, "Dépendance moyenne"),
        (False, 7, 10, "Dépendance forte ou très forte"),
    ],
    "CAST": [
        (False, 0, 2, "Usage sans risque"),
        (False, 3, 6, "Risque faible d'usage problématique"),
        (False, 7, 24, "Risque élevé d'usage problématique (dépendance)"),
    ],
    "PHQ-9": [
        (False, 0, 4, "Symptômes dépressifs minimes"),
        (False, 5, 9, "Symptômes dépressifs légers"),
        (False, 10, 14, "Symptômes dépressifs modérés"),
        (False, 15, 19, "Symptômes dépressifs modérément sévères"),
        (False, 20, 27, "Symptômes dépressifs sévères"),
    ],
    "GAD-7": [
        (False, 0, 4, "Anxiété minimale"),
        (False, 5, 9, "Anxiété légère"),
        (False, 10, 14, "Anxiété modérée"),
        (False, 15, 21, "Anxiété sévère"),
    ],
    "EPICES": [
        (False, 0, 30.16, "Non précaire (score EPICES < 30,17)"),
        (False, 30.17, 100, "Précaire au sens EPICES (score ≥ 30,17)"),
    ],
}
NOT_PRECARIOUS, PRECARIOUS = BANDS["EPICES"][0][3], BANDS["EPICES"][1][3]


@tagged("post_install", "-at_install")
class TestScale(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.scales = {
            scale.code: scale for scale in cls.env["microstructure.scale"].search([])
        }

    def _questions(self, scale):
        return scale.survey_id.question_ids.filtered(lambda q: not q.is_page).sorted("sequence")

    def _combination(self, scale, target):
        """Answers of the scale's items whose scores sum, with the constant, to
        ``target`` (in hundredths, exact); None when no combination reaches it."""
        questions = self._questions(scale)
        goal = round((target - scale.constant) * 100)
        reachable = {0: []}
        for question in questions:
            following = {}
            for total, answers in reachable.items():
                for answer in question.suggested_answer_ids.sorted("sequence"):
                    following.setdefault(total + round(answer.answer_score * 100), answers + [answer])
            reachable = following
        return reachable.get(goal)

    def _fill(self, scale, answers):
        """Fill the scale's survey in as a participant would, through Odoo's survey."""
        user_input = scale.survey_id._create_answer(user=self.env.user, check_attempts=False)
        for answer in answers:
            user_input._save_lines(answer.question_id, answer.id)
        user_input._mark_done()
        return user_input

    def _fill_score(self, scale, target):
        answers = self._combination(scale, target)
        self.assertIsNotNone(answers, f"{scale.code}: no answers give {target}")
        user_input = self._fill(scale, answers)
        self.assertEqual(len(user_input.user_input_line_ids), len(answers))
        return scale._score_user_input(user_input)

    def test_items_and_answer_scores(self):
        self.assertEqual(set(self.scales), set(ITEM_SCORES))
        for code, expected in ITEM_SCORES.items():
            scale = self.scales[code]
            questions = self._questions(scale)
            self.assertEqual(
                [q.suggested_answer_ids.sorted("sequence").mapped("answer_score") for q in questions],
                expected, code,
            )
            self.assertTrue(all(q.question_type == "simple_choice" for q in questions), code)
            self.assertEqual(scale.survey_id.scoring_type, "scoring_without_answers", code)
        self.assertAlmostEqual(self.scales["EPICES"].constant, 75.14)
        self.assertEqual(self.scales["EPICES"].score_digits, 2)
        # the functioning question of the PHQ-9 is asked, not scored nor required
        functioning = self._questions(self.scales["PHQ-9"])[-1]
        self.assertFalse(functioning.constr_mandatory)
        self.assertIn("difficile", functioning.title)

    def test_bands_shipped(self):
        for code, expected in BANDS.items():
            scale = self.scales[code]
            self.assertEqual(
                sorted((b.sex, b.min_score, b.max_score, b.name) for b in scale.band_ids),
                sorted(expected), code,
            )
        self.assertTrue(self.scales["AUDIT-C"].sex_specific)
        self.assertFalse(self.scales["PHQ-9"].sex_specific)

    def test_thresholds_shipped(self):
        """The lowest score at or above each scale's threshold, per sex."""
        thresholds = {
            "AUDIT": {"female": 6, "male": 7}, "AUDIT-C": {"female": 3, "male": 4}, "FTND": {False: 3},
            "CAST": {False: 7}, "PHQ-9": {False: 10}, "GAD-7": {False: 10}, "EPICES": {False: 30.17},
        }
        for code, expected in thresholds.items():
            scale = self.scales[code]
            above = scale.band_ids.filtered("above_threshold")
            self.assertEqual({sex: min(above.filtered(lambda b, sex=sex: b.sex == sex).mapped("min_score"))
                              for sex in expected}, expected, code)
            # every band above a band at the threshold is at it too
            for band in scale.band_ids:
                higher = scale.band_ids.filtered(lambda b, band=band: b.sex == band.sex and b.min_score > band.min_score)
                if band.above_threshold:
                    self.assertTrue(all(higher.mapped("above_threshold")), code)
            self.assertTrue(scale.threshold_source, code)

    def test_upgrade_fills_the_thresholds_only(self):
        """18.0.1.4.0 writes the thresholds of the shipped scales from the
        data file where the database has none, and keeps an
        administrator's."""
        phq9, gad7 = self.scales["PHQ-9"], self.scales["GAD-7"]
        self.env.flush_all()
        self.env.cr.execute("UPDATE microstructure_scale_band SET above_threshold = NULL")
        self.env.cr.execute("UPDATE microstructure_scale SET threshold_source = NULL WHERE id != %s", [gad7.id])
        self.env.cr.execute("UPDATE microstructure_scale SET threshold_source = 'Local', name = 'Changed' "
                            "WHERE id = %s", [gad7.id])
        # as Odoo's upgrade loads it
        migration = load_script("odoo_microstructure/migrations/18.0.1.4.0/post-migrate.py", "post_migrate")
        migration.migrate(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(phq9.band_ids.filtered("above_threshold").mapped("min_score"), [10, 15, 20])
        self.assertTrue(phq9.threshold_source.startswith("Kroenke"))
        self.assertEqual((gad7.threshold_source, gad7.name), ("Local", "Changed"))
        self.assertEqual(self.env["microstructure.scale.band"].search_count([("above_threshold", "=", True)]), 18)

    def test_minimum_and_maximum(self):
        for code, (low, high) in RANGES.items():
            scale = self.scales[code]
            self.assertEqual((scale.min_score, scale.max_score), (low, high), code)
            minimum = [q.suggested_answer_ids.sorted("answer_score")[0] for q in self._questions(scale)]
            maximum = [q.suggested_answer_ids.sorted("answer_score")[-1] for q in self._questions(scale)]
            self.assertEqual(scale._score_user_input(self._fill(scale, minimum)), low, code)
            self.assertEqual(scale._score_user_input(self._fill(scale, maximum)), high, code)

    def test_band_edges_through_the_survey(self):
        for code, bands in BANDS.items():
            scale = self.scales[code]
            for sex, low, high, label in bands:
                for edge in (low, high):
                    if code == "EPICES" and edge == 30.16:
                        continue  # not a reachable score: see test_epices
                    score = self._fill_score(scale, edge)
                    self.assertEqual(score, edge, code)
                    self.assertEqual(scale._band(score, sex or "female").name, label, (code, edge, sex))
                    if not sex:
                        self.assertEqual(scale._band(score, "male").name, label, (code, edge))

    def test_audit_c_thresholds_depend_on_sex(self):
        scale = self.scales["AUDIT-C"]
        # 2 to 3 times a week, one or two drinks, never six or more
        answers = [q.suggested_answer_ids.filtered(lambda a, s=s: a.answer_score == s)
                   for q, s in zip(self._questions(scale), (3, 0, 0))]
        score = scale._score_user_input(self._fill(scale, answers))
        self.assertEqual(score, 3)
        self.assertEqual(scale._band(score, "female").name, "Mésusage actuel d'alcool à évoquer")
        self.assertEqual(scale._band(score, "male").name, "Pas de mésusage évoqué")
        self.assertEqual(scale._band(4, "male").name, "Mésusage actuel d'alcool à évoquer")
        self.assertFalse(scale._band(score, False), "no band without the patient's sex")
        audit = self.scales["AUDIT"]
        self.assertEqual(audit._band(6, "female").name, "Évocateur d'un mésusage actuel d'alcool")
        self.assertEqual(audit._band(6, "male").name, "Non évocateur d'un mésusage actuel d'alcool")

    def test_epices(self):
        scale = self.scales["EPICES"]
        questions = self._questions(scale)

        def fill(yes):
            answers = [q.suggested_answer_ids.filtered(lambda a, y=(i + 1 in yes): (a.value == "Oui") == y)
                       for i, q in enumerate(questions)]
            return scale._score_user_input(self._fill(scale, answers))

        self.assertEqual(questions[0].suggested_answer_ids.mapped("value"), ["Oui", "Non"])
        # every risky answer: a social worker, financial difficulties, "no" elsewhere
        self.assertEqual(fill({1, 5}), 100.0)
        # every protective answer
        self.assertEqual(fill({2, 3, 4, 6, 7, 8, 9, 10, 11}), 0.0)
        # 75.14 - 11.83 - 8.28 - 9.47 - 9.47 - 7.10
        mixed = fill({2, 3, 9, 10, 11})
        self.assertEqual(mixed, 28.99)
        self.assertEqual(scale._band(mixed, "male").name, NOT_PRECARIOUS)
        # 75.14 - 11.83 - 9.47 - 9.47 - 7.10: lives alone, not owner, no outings
        alone = fill({2, 9, 10, 11})
        self.assertEqual(alone, 37.27)
        self.assertEqual(scale._band(alone, "female").name, PRECARIOUS)
        # the threshold itself, and the highest reachable score below it
        self.assertEqual(self._fill_score(scale, 30.17), 30.17)
        self.assertEqual(scale._band(self._fill_score(scale, 29.59), "female").name, NOT_PRECARIOUS)
        self.assertEqual(scale._band(30.16, "female").name, NOT_PRECARIOUS)
        self.assertEqual(scale._band(30.17, "female").name, PRECARIOUS)

    def test_score_is_rounded_as_published(self):
        scale = self.scales["EPICES"]
        self.assertEqual(scale._score([10.06, 14.8]), 100.0)
        self.assertEqual(scale._score([-11.83, -8.28, -9.47, -9.47, -7.1]), 28.99)
        self.assertEqual(self.scales["PHQ-9"]._score([2, 2, 1, 2, 1, 2, 1, 1, 0]), 12)
        self.assertEqual(self.scales["PHQ-9"]._band(12).name, "Symptômes dépressifs modérés")
        self.assertEqual(self.scales["GAD-7"]._band(10).name, "Anxiété modérée")
        self.assertEqual(self.scales["FTND"]._band(5).name, "Dépendance moyenne")
