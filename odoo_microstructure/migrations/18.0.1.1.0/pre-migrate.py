"""The record rules no longer hold literal ids: reload them on upgrade,
although their file is ``noupdate``."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_model_data SET noupdate = FALSE
         WHERE module = 'odoo_microstructure' AND model = 'ir.rule'
        """
    )
