"""18.0.1.3.0: the registry rules are one rule per role instead of a test of
the user's groups inside global rules, and the patient files' rule leaves the
archived files to the role rules. Their files are ``noupdate``: the rules
that changed or went away are removed here, and the upgrade creates the
current ones again from the files."""

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
    cr.execute(
        """
        WITH xmlid AS (
            DELETE FROM ir_model_data
             WHERE module = 'odoo_microstructure' AND model = 'ir.rule'
               AND name IN %s
         RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM xmlid)
        """,
        [REPLACED_RULES],
    )
