"""18.0.1.4.0: the bands of the validated scales say which lie at or above
the clinical threshold, and the scales the source of their threshold (for
the outcome indicators). The scales' data is ``noupdate``: these two fields
alone are taken from the data file, for the records it shipped, where the
database has none yet; nothing else of the scales changes."""

from odoo.addons.odoo_microstructure.tools.migration import fill_from_data_file

FIELDS = {
    "microstructure.scale": ("threshold_source",),
    "microstructure.scale.band": ("above_threshold",),
}


def migrate(cr, version):
    if not version:
        return
    fill_from_data_file(cr, "data/microstructure_scale_data.xml", FIELDS)
