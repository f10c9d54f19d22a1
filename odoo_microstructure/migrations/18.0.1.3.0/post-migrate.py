"""The rules of the addon are ``noupdate``, as a new installation has them
(18.0.1.1.0 had marked them updatable, which their files overrule anyway)."""

from odoo.addons.odoo_microstructure.tools.migration import set_rules_noupdate


def migrate(cr, version):
    if not version:
        return
    set_rules_noupdate(cr, True)
