"""18.0.1.4.0: the care team's rule on patient files finds the files of the
team's sites by ``care_team_user_ids`` of the file itself (an index
condition beside the archived files, where the sites' subquery read every
file). Its file is ``noupdate``: the rule is removed here, and the upgrade
creates it again from the file."""

from odoo.addons.odoo_microstructure.tools.migration import delete_rules


def migrate(cr, version):
    if not version:
        return
    delete_rules(cr, ["microstructure_patient_rule_site_member"])
