from datetime import datetime

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.odoo_microstructure.reports.microstructure_indicator_summary import UP_TO_DATE
from odoo.addons.odoo_microstructure.tools.indicator_definitions import FIRST_YEAR, last_complete_year, reporting_year_bounds

from .common import database_copy
from .test_indicators import DATE_FROM, DATE_TO, YEAR, IndicatorCase, TestIndicators


def kept_sites(env, site_ids, year=YEAR):
    """The sites whose figures of ``year`` are kept and up to date."""
    env.flush_all()
    env.cr.execute(SQL(
        "SELECT summary.site_id FROM microstructure_indicator_kept summary "
        "WHERE summary.year = %s AND summary.site_id = ANY(%s) AND %s",
        year, list(site_ids), UP_TO_DATE,
    ))
    return {row[0] for row in env.cr.fetchall()}


@tagged("post_install", "-at_install")
class TestIndicatorsKept(TestIndicators):
    """Every test of the indicators again, the figures of the fixture's year
    kept per site: the report reads them instead of the tables, and gives
    the same figures, masks and tables."""

    # scope, sites, members, the figures kept, the patients discussed and
    # the liaison funnel
    figure_queries = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["microstructure.indicator.summary"]._refresh()

    def setUp(self):
        super().setUp()
        # every site of the fixture is read from the figures kept
        self.assertEqual(kept_sites(self.env, self.sites.ids), set(self.sites.ids))


@tagged("post_install", "-at_install")
class TestIndicatorSummary(IndicatorCase):
    """The figures kept per site and year are the tables' own: any change
    to what they count sends the report back to the tables for that site."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Summary = cls.env["microstructure.indicator.summary"]
        cls.Summary._refresh()

    def _live_figures(self):
        """The figures computed from the tables, none kept."""
        self.env.flush_all()
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("DELETE FROM microstructure_indicator_kept")
            figures = self._figures()
            savepoint.rollback()
        return figures

    def _assert_touched(self, *sites):
        """The sites are read from the tables again, the others from the
        figures kept, and the report's figures are the tables'."""
        self.env.flush_all()
        self.assertEqual(kept_sites(self.env, self.sites.ids), set(self.sites.ids) - {site.id for site in sites})
        self.assertEqual(self._figures(), self._live_figures())

    def test_kept_figures_are_the_tables(self):
        self.assertEqual(kept_sites(self.env, self.sites.ids), set(self.sites.ids))
        self.assertEqual(self._figures(), self._live_figures())
        # kept per site and ended year, for every site
        sites = self.env["microstructure.site"].with_context(active_test=False).search_count([])
        self.env.cr.execute("""
            SELECT count(DISTINCT site_id), min(year), max(year) FROM microstructure_indicator_kept
        """)
        self.assertEqual(self.env.cr.fetchone(), (sites, FIRST_YEAR, last_complete_year(fields.Date.today())))

    def test_changes_send_back_to_the_tables(self):
        """Each table read: a change counted in the year touches its site
        only."""
        consultation = self.env["microstructure.consultation"].search(
            [("site_id", "=", self.site_a1.id), ("state", "=", "no_show"), ("start", ">=", DATE_FROM)], limit=1,
        )
        consultation.state = "done"
        self._assert_touched(self.site_a1)

    def test_patient_changes(self):
        self.men_a2[0].motive_mental_health = True
        self._assert_touched(self.site_a2)

    def test_substances(self):
        self.men_b1[0].substance_ids = [Command.link(self.alcohol.id)]
        self._assert_touched(self.site_b1)

    def test_patient_exit_and_inclusion(self):
        self.men_b1[0].write({"state": "exited", "exit_date": "2025-03-31", "exit_reason": "moved"})
        self._assert_touched(self.site_b1)

    def test_raw_queries(self):
        """Written without the ORM, as an upgrade script would: the triggers
        see it all the same."""
        for model, query in (
            ("microstructure.meeting", "DELETE FROM microstructure_meeting_present_rel WHERE meeting_id = %s"),
            ("microstructure.permanence", "UPDATE microstructure_permanence SET state = 'cancelled' WHERE id = %s"),
            ("microstructure.liaison", "UPDATE microstructure_liaison SET state = 'cancelled' WHERE id = %s"),
        ):
            with self.subTest(model=model), self.env.cr.savepoint() as savepoint:
                record = self.env[model].search([("site_id", "=", self.site_a1.id)], limit=1)
                self.assertTrue(record)
                self.env.cr.execute(query, [record.id])
                self.env.invalidate_all()
                self._assert_touched(self.site_a1)
                savepoint.rollback()
                self.env.invalidate_all()

    def test_survey_answers(self):
        answer = self.env["survey.user_input"].search([("microstructure_site_id", "=", self.site_b1.id)], limit=1)
        answer.test_entry = True
        self._assert_touched(self.site_b1)

    def test_survey_settings_touch_every_site(self):
        suggestion = self.survey.question_ids.suggested_answer_ids.filtered("microstructure_positive")[:1]
        self.env.cr.execute(
            "UPDATE survey_question_answer SET microstructure_positive = FALSE WHERE id = %s", [suggestion.id]
        )
        self._assert_touched(*self.sites)

    def test_scale_results(self):
        """A result touches its site in its year and every later one: it may
        be the baseline of their follow-ups."""
        baseline = self.env["microstructure.scale.result"].search([
            ("patient_id", "=", self.men_a2[0].id), ("date", "=", "2024-05-01"),
        ])
        self.env.cr.execute("UPDATE microstructure_scale_result SET score = 25 WHERE id = %s", [baseline.id])
        self.assertFalse(kept_sites(self.env, [self.site_a2.id], YEAR - 1))
        self._assert_touched(self.site_a2)
        self.assertEqual(self._figures()["outcomes"][self.audit.id][:2], (11, -16500 - 500))

    def test_scale_results_follow_their_patient(self):
        self.men_a2[0].site_id = self.site_b1
        self._assert_touched(self.site_a2, self.site_b1)

    def test_scale_settings_touch_every_site(self):
        self.env.cr.execute("UPDATE microstructure_scale SET meaningful_change = 10 WHERE id = %s", [self.audit.id])
        self._assert_touched(*self.sites)
        self.Summary._refresh([YEAR])
        band = self.audit.band_ids.filtered(lambda band: band.sex == "male" and band.min_score == 7)
        band.above_threshold = False
        self._assert_touched(*self.sites)
        self.assertEqual(self._figures()["outcomes"][self.audit.id], (11, -16500, 11, 11, 11))

    def test_archived_file_takes_its_outcomes(self):
        self.women_a1[:3].action_archive()
        self._assert_touched(self.site_a1)
        self.assertEqual(self._figures()["outcomes"][self.epices.id][0], 11)

    def test_change_of_profession(self):
        self.pro_psy_a.profession = "psychiatrist"
        self._assert_touched(self.site_a1)

    def test_what_is_not_counted_touches_nothing(self):
        """A column the figures do not read, or a change in another year,
        leaves the figures kept as they are."""
        consultation = self.env["microstructure.consultation"].search(
            [("site_id", "=", self.site_a1.id), ("start", ">=", DATE_FROM)], limit=1,
        )
        self.env.cr.execute("UPDATE microstructure_consultation SET duration = 1 WHERE id = %s", [consultation.id])
        self.men_a1[1].write({"phone": "0601020304"})
        later = datetime(DATE_TO.year + 1, 1, 15, 9, 0)
        self.env["microstructure.consultation"].create({
            "patient_id": self.men_a1[2].id, "professional_id": self.pro_gp_a1.id, "start": later,
        })
        self._assert_touched()

    def test_refresh_keeps_the_changes(self):
        consultation = self.env["microstructure.consultation"].search(
            [("site_id", "=", self.site_a1.id), ("state", "=", "no_show"), ("start", ">=", DATE_FROM)], limit=1,
        )
        consultation.state = "done"
        self.Summary._refresh([YEAR])
        self.assertEqual(kept_sites(self.env, self.sites.ids), set(self.sites.ids))
        self.assertEqual(self._figures(), self._live_figures())
        self.assertEqual(self._figures()["consultations"]["gp"], (21, 5, 2, 2))

    def test_a_change_committed_during_a_refresh(self):
        """A change committed while the figures are computed, unseen by
        their snapshot, keeps its site out of them until the next refresh.
        Both transactions commit in a copy of the database."""
        with database_copy(self.env) as registry:
            with registry.cursor() as refresh_cr, registry.cursor() as user_cr:
                summary = api.Environment(refresh_cr, SUPERUSER_ID, {})["microstructure.indicator.summary"]
                user_cr.execute("""
                    SELECT id, site_id, microstructure_reporting_year_at(start) FROM microstructure_consultation
                     WHERE state = 'done' AND microstructure_reporting_year_at(start) <= %s
                     ORDER BY id LIMIT 1
                """, [last_complete_year(fields.Date.today())])
                consultation_id, site_id, year = user_cr.fetchone()
                user_cr.rollback()
                refresh_cr.execute("SELECT 1")  # the refresh's snapshot
                user_cr.execute("UPDATE microstructure_consultation SET state = 'no_show' WHERE id = %s",
                                [consultation_id])
                user_cr.commit()
                summary._refresh([year])
                refresh_cr.commit()
                self.assertNotIn(site_id, kept_sites(summary.env, [site_id], year))
                summary._refresh([year])
                refresh_cr.commit()
                self.assertIn(site_id, kept_sites(summary.env, [site_id], year))
                # the marks seen are forgotten, the figures kept hold the change
                refresh_cr.execute("SELECT count(*) FROM microstructure_indicator_stale WHERE year = %s", [year])
                self.assertEqual(refresh_cr.fetchone()[0], 0)
                site = summary.env["microstructure.site"].browse(site_id)
                start, stop = reporting_year_bounds(year)
                kept = summary.env["microstructure.indicators"]._compute_figures(site, start, stop)
                refresh_cr.execute("DELETE FROM microstructure_indicator_kept")
                self.assertEqual(kept, summary.env["microstructure.indicators"]._compute_figures(site, start, stop))
                refresh_cr.rollback()
