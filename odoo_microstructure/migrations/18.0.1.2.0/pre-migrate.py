"""18.0.1.2.0:

- the indicators page is a client action now: the window action of the
  former form gives up its path (``microstructure-indicators``, unique) so
  that the client action takes it; the upgrade then deletes the old action;
- the rule of the patient files changed (archived files: the data protection
  officer only). Its file is ``noupdate``: the rule is removed here and
  created again from the file by the upgrade.
"""

from odoo.addons.odoo_microstructure.tools.migration import delete_rules


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_act_window SET path = NULL
         WHERE id IN (SELECT res_id FROM ir_model_data
                       WHERE module = 'odoo_microstructure'
                         AND name = 'microstructure_indicator_export_action'
                         AND model = 'ir.actions.act_window')
        """
    )
    delete_rules(cr, ["microstructure_patient_rule_site_member"])
