"""18.0.1.3.0: the registry rules are one rule per role instead of a test of
the user's groups inside global rules, and the patient files' rule leaves the
archived files to the role rules. Their files are ``noupdate``: the rules
that changed or went away are removed here, and the upgrade creates the
current ones again from the files."""

from odoo.addons.odoo_microstructure.tools.migration import delete_rules

REPLACED_RULES = (
    "microstructure_network_rule_coordinator_write",
    "microstructure_site_rule_read",
    "microstructure_site_rule_network_admin_write",
    "microstructure_professional_rule_read",
    "microstructure_professional_rule_network_admin_write",
    "microstructure_membership_rule_read",
    "microstructure_membership_rule_network_admin_write",
    "microstructure_patient_rule_site_member",
)


def migrate(cr, version):
    if not version:
        return
    delete_rules(cr, REPLACED_RULES)
