"""What the migration scripts do to the record rules and the data of the
addon. Their files are ``noupdate``: an upgrade changes a rule or a record
only when a script lets it (or removes it, so that the upgrade creates it
again from its file)."""

import ast

from lxml import etree

from odoo.tools import SQL, file_path


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


def fill_from_data_file(cr, path, fields):
    """Write, from the addon's data file ``path``, the values of ``fields``
    (``{model: field names}``) of the records it ships, where the database
    holds none yet (an empty text, a false boolean): the new fields of
    ``noupdate`` records, without touching what an administrator changed."""
    tree = etree.parse(file_path(f"odoo_microstructure/{path}"))
    for model, names in fields.items():
        for record in tree.iterfind(f".//record[@model='{model}']"):
            for node in record.iterfind("field"):
                name = node.get("name")
                if name not in names:
                    continue
                value = ast.literal_eval(node.get("eval")) if node.get("eval") else node.text
                column = SQL.identifier(name)
                cr.execute(SQL(
                    """
                    UPDATE %(table)s SET %(column)s = %(value)s
                     WHERE id = (SELECT res_id FROM ir_model_data
                                  WHERE module = 'odoo_microstructure' AND name = %(xmlid)s AND model = %(model)s)
                       AND (%(column)s IS NULL OR %(column)s::text IN ('', 'false'))
                    """,
                    table=SQL.identifier(model.replace(".", "_")), column=column, value=value,
                    xmlid=record.get("id"), model=model,
                ))
