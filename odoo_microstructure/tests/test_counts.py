from odoo import fields
from odoo.tests import tagged

from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestCounts(MicrostructureCommon):
    def test_polyvalent(self):
        self.assertTrue(self.site_a1.polyvalent)
        self.assertFalse(self.site_a2.polyvalent)
        self.site_a2.program_mental_health = True
        self.assertTrue(self.site_a2.polyvalent)
        self.assertEqual(
            self.env["microstructure.site"].search_count(
                [("polyvalent", "=", True), ("network_id", "=", self.network_a.id)]
            ),
            2,
        )

    def test_site_member_counts(self):
        a1, a2, b1 = self.site_a1, self.site_a2, self.site_b1
        self.assertEqual(
            (a1.gp_count, a1.psychologist_count, a1.social_worker_count, a1.psychiatrist_count),
            (1, 1, 1, 0),
        )
        self.assertEqual(
            (a2.gp_count, a2.psychologist_count, a2.social_worker_count, a2.psychiatrist_count),
            (0, 1, 1, 1),
        )
        self.assertEqual((a1.member_count, a2.member_count, b1.member_count), (3, 3, 1))

    def test_ended_and_future_memberships_not_counted(self):
        today = fields.Date.context_today(self.site_a1)
        self.membership_gp_a1.write({
            "date_start": fields.Date.add(today, days=-100),
            "date_end": fields.Date.add(today, days=-1),
        })
        self.env["microstructure.membership"].create({
            "professional_id": self.pro_coord_b1.id, "site_id": self.site_a1.id,
            "date_start": fields.Date.add(today, days=10),
        })
        self.site_a1.invalidate_recordset()
        self.assertEqual(self.site_a1.gp_count, 0)
        self.assertEqual(self.site_a1.member_count, 2)
        self.assertFalse(self.membership_gp_a1.is_current)
        current = self.env["microstructure.membership"].search(
            [("is_current", "=", True), ("site_id", "=", self.site_a1.id)]
        )
        self.assertEqual(current.professional_id, self.pro_psy_a | self.pro_sw_a)

    def test_network_counts(self):
        self.assertEqual(self.network_a.site_count, 2)
        self.assertEqual(self.network_b.site_count, 1)
        # the psychologist and the social worker serve both sites: counted once
        self.assertEqual(self.network_a.professional_count, 4)
        self.assertEqual(self.network_b.professional_count, 1)

    def test_professional_sites(self):
        self.assertEqual(self.pro_psy_a.site_ids, self.site_a1 | self.site_a2)
        self.assertEqual(self.pro_psy_a.site_count, 2)
        self.assertEqual(self.pro_gp_a1.site_count, 1)

    def test_counts_query_budget(self):
        """Member counts of a list of sites cost the same for 3 or 30 sites."""
        Site = self.env["microstructure.site"]
        department = self.env.ref("odoo_microstructure.department_67")
        many = Site.create([
            {"name": f"Site {i}", "department_id": department.id,
             "network_id": self.network_a.id, "program_addiction": True}
            for i in range(30)
        ])
        few = self.site_a1 | self.site_a2 | self.site_b1
        fields_to_read = ["gp_count", "psychologist_count", "social_worker_count", "member_count"]
        for sites in (few, many):
            sites.invalidate_model()
            with self.assertQueryCount(__system__=2):
                sites.read(fields_to_read)

    def test_smart_button_actions(self):
        action = self.network_a.action_view_professionals()
        self.assertEqual(
            self.env["microstructure.professional"].search(action["domain"]),
            self.pro_gp_a1 | self.pro_psy_a | self.pro_sw_a | self.pro_psychiatrist_a2,
        )
        action = self.network_a.action_view_sites()
        self.assertEqual(
            self.env["microstructure.site"].search(action["domain"]), self.site_a1 | self.site_a2
        )
        action = self.site_a2.action_view_memberships()
        self.assertEqual(
            self.env["microstructure.membership"].search(action["domain"]).professional_id,
            self.pro_psy_a | self.pro_sw_a | self.pro_psychiatrist_a2,
        )
        action = self.pro_psy_a.action_view_memberships()
        self.assertEqual(
            self.env["microstructure.membership"].search(action["domain"]).site_id,
            self.site_a1 | self.site_a2,
        )
