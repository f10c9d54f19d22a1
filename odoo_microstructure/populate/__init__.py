"""Generators of realistic data: a population at a scale of the national
figures of 2023 (the ``microstructure_populate`` command, benchmarks), the
demo's activity and the replay of the social-service experiment (demo data),
and the demo's registry (``scripts/generate_demo.py``).

- ``figures``: the figures reproduced, and the names drawn;
- ``tools``: splits, ages and dates (plain Python);
- ``demo_registry``: the rows of the demo's CSV files (plain Python);
- ``registry``: networks, sites, professionals and memberships (ORM);
- ``activity``: patients, permanences, consultations, meetings, their
  calendar events (bulk rows), survey answers (ORM);
- ``liaison``: liaison sheets at every step, the experiment replayed (ORM);
- ``bulk``: multi-row inserts of rows (dicts), and the ORM computing the
  stored fields that depend on other records;
- ``population``: what the command and the demo data call.

Nothing is imported here: ``scripts/generate_demo.py`` loads the plain
modules without Odoo.
"""
