"""The rule of the patient files changed (archived files: the data protection
officer only). Its file is ``noupdate``: the rule is removed here and created
again from the file by the upgrade."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        WITH xmlid AS (
            DELETE FROM ir_model_data
             WHERE module = 'odoo_microstructure' AND model = 'ir.rule'
               AND name = 'microstructure_patient_rule_site_member'
         RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM xmlid)
        """
    )
