from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestAccess(MicrostructureCommon):
    def _sites(self, user):
        return self.env["microstructure.site"].with_user(user).search([])

    # Network administrator -------------------------------------------------
    def test_network_admin_reads_only_its_networks_sites(self):
        Site = self.env["microstructure.site"].with_user(self.user_admin_a)
        test_sites = self.site_a1 | self.site_a2 | self.site_b1
        self.assertEqual(Site.search([("id", "in", test_sites.ids)]), self.site_a1 | self.site_a2)
        self.assertEqual(Site.search_count([("id", "in", test_sites.ids)]), 2)
        with self.assertRaises(AccessError):
            self.site_b1.with_user(self.user_admin_a).read(["name"])
        self.assertFalse(Site.name_search("Microstructure test B1"))
        groups = Site._read_group([("id", "in", test_sites.ids)], ["network_id"], ["__count"])
        self.assertEqual(groups, [(self.network_a, 2)])

    def test_network_admin_manages_its_sites(self):
        Site = self.env["microstructure.site"].with_user(self.user_admin_a)
        site = Site.create({
            "name": "Microstructure test A3",
            "department_id": self.env.ref("odoo_microstructure.department_57").id,
            "network_id": self.network_a.id,
            "program_addiction": True,
        })
        site.write({"city": "Metz"})
        self.site_a1.with_user(self.user_admin_a).write({"city": "Strasbourg-Neudorf"})
        with self.assertRaises(AccessError):
            Site.create({
                "name": "Intrus",
                "department_id": self.env.ref("odoo_microstructure.department_31").id,
                "network_id": self.network_b.id,
                "program_addiction": True,
            })
        with self.assertRaises(AccessError):
            self.site_b1.with_user(self.user_admin_a).write({"city": "Albi"})
        with self.assertRaises(AccessError):
            # moving its own site into another network is taking it away
            site.write({"network_id": self.network_b.id})

    def test_network_admin_manages_professionals_and_memberships(self):
        Professional = self.env["microstructure.professional"].with_user(self.user_admin_a)
        professional = Professional.create({"name": "Léa Roux", "profession": "psychologist"})
        self.assertEqual(professional.network_ids, self.network_a)
        membership = self.env["microstructure.membership"].with_user(self.user_admin_a).create({
            "professional_id": professional.id, "site_id": self.site_a2.id,
        })
        self.assertTrue(membership.is_current)
        with self.assertRaises(AccessError):
            self.env["microstructure.membership"].with_user(self.user_admin_a).create({
                "professional_id": professional.id, "site_id": self.site_b1.id,
            })
        with self.assertRaises(AccessError):
            self.pro_coord_b1.with_user(self.user_admin_a).read(["name"])
        with self.assertRaises(AccessError):
            self.pro_coord_b1.with_user(self.user_admin_a).write({"phone": "0102030405"})
        self.assertNotIn(
            self.pro_coord_b1, Professional.search([]),
            "a network administrator lists only the professionals of its networks",
        )

    def test_network_admin_edits_only_its_network(self):
        self.network_a.with_user(self.user_admin_a).write({"phone": "03 88 00 00 00"})
        with self.assertRaises(AccessError):
            self.network_b.with_user(self.user_admin_a).write({"phone": "05 61 00 00 00"})
        with self.assertRaises(AccessError):
            self.env["microstructure.network"].with_user(self.user_admin_a).create({
                "name": "Nouveau réseau", "region_ids": [Command.set(self.region_ge.ids)],
            })

    # Practitioner ----------------------------------------------------------
    def test_practitioner_reads_only_its_care_teams(self):
        self.assertEqual(self._sites(self.user_gp_a1), self.site_a1)
        self.assertEqual(self._sites(self.user_psy_a), self.site_a1 | self.site_a2)
        self.assertEqual(self._sites(self.user_coord_b1), self.site_b1)
        with self.assertRaises(AccessError):
            self.site_a2.with_user(self.user_gp_a1).read(["name"])
        Membership = self.env["microstructure.membership"].with_user(self.user_gp_a1)
        self.assertEqual(Membership.search([]).site_id, self.site_a1)
        colleagues = self.env["microstructure.professional"].with_user(self.user_gp_a1).search([])
        self.assertEqual(colleagues, self.pro_gp_a1 | self.pro_psy_a | self.pro_sw_a)

    def test_practitioner_cannot_edit_registry(self):
        with self.assertRaises(AccessError):
            self.site_a1.with_user(self.user_gp_a1).write({"city": "Colmar"})
        with self.assertRaises(AccessError):
            self.env["microstructure.professional"].with_user(self.user_gp_a1).create(
                {"name": "Faux docteur", "profession": "gp"}
            )
        with self.assertRaises(AccessError):
            self.env["microstructure.membership"].with_user(self.user_gp_a1).create({
                "professional_id": self.pro_gp_a1.id, "site_id": self.site_a2.id,
            })
        with self.assertRaises(AccessError):
            self.network_a.with_user(self.user_gp_a1).write({"phone": "0"})

    # Regional manager, Carsat, others -------------------------------------
    def test_regional_manager_reads_its_regions(self):
        sites = self._sites(self.user_regional_ge).filtered(
            lambda s: s in self.site_a1 | self.site_a2 | self.site_b1
        )
        self.assertEqual(sites, self.site_a1 | self.site_a2)
        with self.assertRaises(AccessError):
            self.site_b1.with_user(self.user_regional_ge).read(["name"])
        with self.assertRaises(AccessError):
            self.site_a1.with_user(self.user_regional_ge).write({"city": "Metz"})
        with self.assertRaises(AccessError):
            self.env["microstructure.professional"].with_user(self.user_regional_ge).create(
                {"name": "X", "profession": "gp"}
            )

    def test_other_roles_have_no_registry_access(self):
        for user in (self.user_carsat, self.user_employee):
            with self.assertRaises(AccessError):
                self.env["microstructure.site"].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env["microstructure.membership"].with_user(user).search([])

    def test_national_manager_sees_everything(self):
        sites = self._sites(self.user_manager)
        self.assertLessEqual(self.site_a1 | self.site_a2 | self.site_b1, sites)
        self.site_b1.with_user(self.user_manager).write({"city": "Blagnac"})
        self.env["microstructure.network"].with_user(self.user_manager).create({
            "name": "Réseau national test", "region_ids": [Command.set(self.region_occ.ids)],
        })

    # Rule cache ------------------------------------------------------------
    def test_membership_change_applies_at_once(self):
        Site = self.env["microstructure.site"].with_user(self.user_gp_a1)
        self.assertEqual(Site.search([]), self.site_a1)
        membership = self.env["microstructure.membership"].with_user(self.user_admin_a).create({
            "professional_id": self.pro_gp_a1.id, "site_id": self.site_a2.id,
        })
        self.assertEqual(Site.search([]), self.site_a1 | self.site_a2)
        self.site_a2.with_user(self.user_gp_a1).read(["name"])

        yesterday = fields.Date.add(fields.Date.context_today(membership), days=-1)
        membership.with_user(self.user_admin_a).write({
            "date_start": fields.Date.add(yesterday, days=-30), "date_end": yesterday,
        })
        self.assertEqual(Site.search([]), self.site_a1)
        self.site_a2.invalidate_recordset()
        with self.assertRaises(AccessError):
            self.site_a2.with_user(self.user_gp_a1).read(["name"])

        self.membership_gp_a1.with_user(self.user_admin_a).action_archive()
        self.assertFalse(Site.search([]))

    def test_coordinator_change_applies_at_once(self):
        Site = self.env["microstructure.site"].with_user(self.user_admin_b)
        self.assertNotIn(self.site_a1, Site.search([]))
        self.network_a.with_user(self.user_manager).write(
            {"coordinator_ids": [Command.link(self.user_admin_b.id)]}
        )
        self.assertIn(self.site_a1, Site.search([]))
        self.user_admin_b.write(
            {"microstructure_network_ids": [Command.unlink(self.network_a.id)]}
        )
        self.assertNotIn(self.site_a1, Site.search([]))

    def test_login_link_applies_at_once(self):
        Site = self.env["microstructure.site"].with_user(self.user_employee)
        self.user_employee.groups_id = [Command.link(
            self.env.ref("odoo_microstructure.group_microstructure_practitioner").id
        )]
        self.assertFalse(Site.search([]))
        self.pro_sw_a.with_user(self.user_admin_a).user_id = self.user_employee
        self.assertEqual(Site.search([]), self.site_a1 | self.site_a2)
        self.pro_sw_a.with_user(self.user_admin_a).user_id = False
        self.assertFalse(Site.search([]))

    def test_kanban_and_list_query_budget(self):
        """Loading the sites kanban costs the same for 3 or 30 sites."""
        Site = self.env["microstructure.site"].with_user(self.user_admin_a)
        department = self.env.ref("odoo_microstructure.department_67")
        specification = {
            name: {} for name in (
                "name", "city", "program_addiction", "program_mental_health", "polyvalent",
                "gp_count", "psychologist_count", "social_worker_count", "color",
            )
        }
        specification["department_id"] = {"fields": {"display_name": {}}}
        specification["network_id"] = {"fields": {"display_name": {}}}
        specification["activity_ids"] = {"fields": {}}
        domain = [("network_id", "=", self.network_a.id)]
        counts = []
        for extra in (0, 28):
            Site.sudo().create([
                {"name": f"Site {extra}-{i}", "department_id": department.id,
                 "network_id": self.network_a.id, "program_addiction": True}
                for i in range(extra)
            ])
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            Site.web_search_read(domain, specification)  # warm the rule cache
            self.env.invalidate_all()
            # the rules join coordinators, care teams and regional managers
            # when the query runs; checking them on the records read costs a
            # constant four queries
            with self.assertQueryCount(12):
                result = Site.web_search_read(domain, specification)
            counts.append(result["length"])
        self.assertEqual(counts, [2, 30])
