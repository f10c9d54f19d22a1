from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import GROUP, MicrostructureCommon

ALL_MODES = ("read", "write", "create", "unlink")
# modes restricted by rules: everyone with a right reads every network
REGISTRY_MODELS = {
    "microstructure.network": ("write", "create", "unlink"),
    "microstructure.site": ALL_MODES,
    "microstructure.professional": ALL_MODES,
    "microstructure.membership": ALL_MODES,
    "microstructure.patient": ALL_MODES,
}


@tagged("post_install", "-at_install")
class TestRecordRules(MicrostructureCommon):
    """Rules per role: a user reads what each of its roles reads, and a role
    it does not hold gives nothing."""

    def test_every_group_with_a_right_has_a_rule(self):
        """Group rules restrict only the users of their groups: a group given
        a right on a registry model without a rule would read all of it."""
        for model, modes in REGISTRY_MODELS.items():
            rules = self.env["ir.rule"].search([("model_id.model", "=", model), ("global", "=", False)])
            accesses = self.env["ir.model.access"].search([("model_id.model", "=", model)])
            for access in accesses:
                groups = access.group_id | access.group_id.trans_implied_ids
                for mode in modes:
                    if not access[f"perm_{mode}"]:
                        continue
                    with self.subTest(model=model, group=access.group_id.name, mode=mode):
                        self.assertTrue(
                            rules.filtered(lambda rule, mode=mode: rule[f"perm_{mode}"] and rule.groups & groups)
                        )

    def test_no_group_test_inside_a_rule(self):
        rules = self.env["ir.rule"].search([("model_id.model", "like", "microstructure.")])
        self.assertTrue(rules)
        for rule in rules:
            self.assertNotIn("has_group", rule.domain_force or "", rule.name)

    def test_two_roles_read_what_each_reads(self):
        """A practitioner of site A1 who is also the regional manager of
        Occitanie reads A1 and the sites of Occitanie, and manages none."""
        self.user_gp_a1.write({
            "groups_id": [Command.link(self.env.ref(GROUP + "regional_manager").id)],
            "microstructure_region_ids": [Command.set(self.region_occ.ids)],
        })
        Site = self.env["microstructure.site"].with_user(self.user_gp_a1)
        self.assertEqual(
            Site.search([("id", "in", (self.site_a1 | self.site_a2 | self.site_b1).ids)]),
            self.site_a1 | self.site_b1,
        )
        Membership = self.env["microstructure.membership"].with_user(self.user_gp_a1)
        self.assertEqual(
            Membership.search([("site_id", "in", (self.site_a2 | self.site_b1).ids)]).site_id, self.site_b1,
        )
        self.assertEqual(Site._filtered_access("write"), Site)

    def test_a_role_not_held_gives_nothing(self):
        """A practitioner set as coordinator of network B by mistake reads no
        site of B: the coordinators' rule is the network administrators'."""
        self.network_b.coordinator_ids = [Command.link(self.user_gp_a1.id)]
        Site = self.env["microstructure.site"].with_user(self.user_gp_a1)
        self.assertFalse(Site.search([("network_id", "=", self.network_b.id)]))
        self.network_b.with_user(self.user_gp_a1).check_access("read")  # networks are read by all
        self.assertFalse(self.network_b.with_user(self.user_gp_a1)._filtered_access("write"))

    def test_archived_files_for_the_data_protection_officer_only(self):
        patient = self.env["microstructure.patient"].with_user(self.user_gp_a1).create({
            "name": "Archive", "first_names": "Test", "birth_date": "1960-01-01", "sex": "male",
            "site_id": self.site_a1.id,
        })
        dpo = new_test_user(self.env, login="ms_dpo_rules", groups=GROUP + "dpo")
        Patient = self.env["microstructure.patient"].with_context(active_test=False)
        self.assertEqual(Patient.with_user(self.user_gp_a1).search([("id", "=", patient.id)]), patient)
        self.assertFalse(Patient.with_user(dpo).search([("id", "=", patient.id)]))
        patient.active = False
        self.assertFalse(Patient.with_user(self.user_gp_a1).search([("id", "=", patient.id)]))
        self.assertEqual(Patient.with_user(dpo).search([("id", "=", patient.id)]), patient)

    def test_membership_change_refreshes_the_computed_access(self):
        """The fields computed from the care teams, read earlier in the same
        transaction, follow a membership that ends."""
        patient = self.env["microstructure.patient"].with_user(self.user_psy_a).create({
            "name": "Lecteurs", "first_names": "Test", "birth_date": "1980-01-01", "sex": "female",
            "site_id": self.site_a1.id,
        })
        note = self.env["microstructure.patient.note"].with_user(self.user_psy_a).create({
            "patient_id": patient.id, "body": "<p>Note</p>",
        })
        self.assertIn(self.user_psy_a, note.reader_ids)
        self.assertIn(self.user_psy_a, self.site_a1.care_team_user_ids)
        self.assertIn(self.site_a1, self.user_psy_a.microstructure_site_ids)
        membership = self.env["microstructure.membership"].search([
            ("professional_id", "=", self.pro_psy_a.id), ("site_id", "=", self.site_a1.id),
        ])
        membership.date_end = fields.Date.subtract(membership._today(), days=1)
        self.assertNotIn(self.user_psy_a, note.reader_ids)
        self.assertNotIn(self.user_psy_a, self.site_a1.care_team_user_ids)
        self.assertNotIn(self.site_a1, self.user_psy_a.microstructure_site_ids)
        membership.date_end = False
        self.pro_psy_a.user_id = False
        self.assertNotIn(self.user_psy_a, note.reader_ids)
        self.assertNotIn(self.site_a1, self.user_psy_a.microstructure_site_ids)

    def test_care_team_files_from_the_index(self):
        """The care team's rule on patient files compares the file's site
        with the array of the user's sites (an index condition, also beside
        the archived files of the rule's OR), not with a subquery on the
        sites; the files it gives are the team's."""
        Patient = self.env["microstructure.patient"].with_user(self.user_gp_a1)
        query = str(Patient._search([]).select())
        self.assertIn('"microstructure_patient"."site_id" = ANY(ARRAY(SELECT', query)
        self.assertNotIn('"microstructure_site"', query)
        patient = self.env["microstructure.patient"].create({
            "name": "Index", "first_names": "Test", "birth_date": "1960-01-01", "sex": "male",
            "site_id": self.site_a1.id,
        })
        self.assertIn(self.user_gp_a1, patient.care_team_user_ids)
        self.assertIn(patient, Patient.search([]))
        self.assertEqual(Patient.search([]).site_id, self.site_a1)
        with self.assertRaisesText(ValidationError, "Unsupported search on the care team"):
            Patient.search([("care_team_user_ids", "ilike", "ms")])
