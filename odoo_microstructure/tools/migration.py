"""What the migration scripts do to the record rules of the addon. Their
files are ``noupdate``: an upgrade changes a rule only when a script lets it
(or removes it, so that the upgrade creates it again from its file)."""


def set_rules_noupdate(cr, noupdate):
    """Mark the rules of the addon ``noupdate`` (or updatable)."""
    cr.execute(
        """
        UPDATE ir_model_data SET noupdate = %s
         WHERE module = 'odoo_microstructure' AND model = 'ir.rule'
        """,
        [noupdate],
    )


def delete_rules(cr, names):
    """Delete the rules of the addon whose xml ids are ``names``, with their
    xml ids."""
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
        [tuple(names)],
    )
