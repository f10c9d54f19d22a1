"""Bulk writes of generated rows, and the ORM computing what they imply.

Rows are dicts of column values. They are written with multi-row INSERTs
(a national-scale population holds a million consultations). The ORM then
computes, with the models' own compute methods, the stored figures that
aggregate other records: the booked slots and fill rate of a permanence,
the attendance of a meeting, the last discussion of a patient. The other
stored computed fields are in the rows: values copied from a record the
generator holds (the site of a consultation's patient) or derived from the
row's own columns (the end of a consultation); recomputing them all with the
ORM would double the time of a population, and checking the stop of each
consultation would run its overlap check once per record.
``tests/test_population.py`` checks every stored computed field of the
generated records against the ORM.
"""

from psycopg2 import sql
from psycopg2.extras import execute_values

from odoo import fields
from odoo.tools.misc import split_every

PAGE = 5000
# records recomputed at once: the ORM cache of one batch stays small
RECOMPUTE_BATCH = 20000


def insert(env, model_name, rows):
    """Insert ``rows`` (dicts with the same keys, stored columns of
    ``model_name``) and return their ids, in order."""
    if not rows:
        return []
    model = env[model_name]
    names = list(rows[0])
    unknown = [name for name in names if name not in model._fields or not model._fields[name].column_type]
    assert not unknown, f"not columns of {model_name}: {unknown}"
    # False is the ORM's empty value; in a column other than a boolean, NULL
    nullable = [model._fields[name].type != "boolean" for name in names]
    if "create_uid" in model._fields:
        names += ["create_uid", "create_date", "write_uid", "write_date"]
        audit = (env.uid, fields.Datetime.now(), env.uid, fields.Datetime.now())
    else:
        audit = ()
    query = sql.SQL("INSERT INTO {} ({}) VALUES %s RETURNING id").format(
        sql.Identifier(model._table), sql.SQL(", ").join(map(sql.Identifier, names)),
    )
    ids = []
    for page in split_every(PAGE, rows):
        values = [
            (*(None if value is False and null else value
               for value, null in zip((row[name] for name in rows[0]), nullable)), *audit)
            for row in page
        ]
        ids += [row[0] for row in execute_values(env.cr._obj, query, values, page_size=PAGE, fetch=True)]
    return ids


def link(env, model_name, field_name, pairs):
    """Insert the ``(record id, target id)`` pairs of a many2many field."""
    if not pairs:
        return
    field = env[model_name]._fields[field_name]
    query = sql.SQL("INSERT INTO {} ({}, {}) VALUES %s").format(
        sql.Identifier(field.relation), sql.Identifier(field.column1), sql.Identifier(field.column2),
    )
    execute_values(env.cr._obj, query, pairs, page_size=PAGE)


def set_column(env, model_name, field_name, values):
    """Write the ``(record id, value)`` pairs into a plain column."""
    if not values:
        return
    model = env[model_name]
    assert model._fields[field_name].column_type and not model._fields[field_name].compute
    query = sql.SQL("UPDATE {table} AS record SET {column} = data.value FROM (VALUES %s) AS data(id, value) "
                    "WHERE record.id = data.id").format(
        table=sql.Identifier(model._table), column=sql.Identifier(field_name),
    )
    execute_values(env.cr._obj, query, values, page_size=PAGE)


def recompute(env, model_name, ids, fnames):
    """Compute with the ORM the stored fields ``fnames`` of the records
    ``ids``, as after a ``create()``."""
    model = env[model_name]
    env.flush_all()
    for batch in split_every(RECOMPUTE_BATCH, ids):
        records = model.browse(batch)
        for fname in fnames:
            env.add_to_compute(model._fields[fname], records)
        records._recompute_recordset(fnames)
        env.flush_all()
        env.invalidate_all()
