"""The record rules no longer hold literal ids: reload them on upgrade,
although their file is ``noupdate``."""

from odoo.addons.odoo_microstructure.tools.migration import set_rules_noupdate


def migrate(cr, version):
    if not version:
        return
    set_rules_noupdate(cr, False)
