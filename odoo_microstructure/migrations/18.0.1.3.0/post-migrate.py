"""The rules of the addon are ``noupdate``, as a new installation has them
(18.0.1.1.0 had marked them updatable, which their files overrule anyway)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_model_data SET noupdate = TRUE
         WHERE module = 'odoo_microstructure' AND model = 'ir.rule'
        """
    )
