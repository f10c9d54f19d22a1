#!/usr/bin/env python3
"""Cost of the access trace on the patients kanban and the patient form (a
benchmark, not part of the test suite).

On a database with the addon and its demo data (``scripts/demo.sh`` makes
one), as the demo practitioner ``medecin``, it runs in one process the calls
the web client makes (``web_search_read`` of 80 patients, ``web_read`` of one
patient form), alternately with the trace and with ``_record`` replaced by a
no-op in this process only, and prints for each: the queries of the request's
cursor, the statements the trace adds (on its own connection), and the median
time, with the ratio of the two.

Usage:

    python3 scripts/benchmark_trace.py -d microstructure_demo [--rounds 200]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import odoo
import odoo.addons.base
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
KANBAN = {
    "name": {}, "first_names": {}, "state": {}, "inclusion_date": {}, "color": {},
    "site_id": {"fields": {"display_name": {}}}, "gp_id": {"fields": {"display_name": {}}},
    "activity_ids": {"fields": {}}, "motive_addiction": {}, "motive_precarity": {},
    "motive_mental_health": {},
}
FORM = {
    **KANBAN, "birth_name": {}, "birth_date": {}, "sex": {}, "street": {}, "zip": {}, "city": {},
    "phone": {}, "synthesis": {}, "consent_date": {}, "exit_date": {}, "exit_reason": {},
    "substance_ids": {"fields": {"display_name": {}}},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--db", required=True)
    parser.add_argument("--login", default="medecin")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    base = Path(odoo.addons.base.__file__).resolve().parent.parent
    addons = [str(base), str(ROOT)]
    if (base.parent.parent / "addons").is_dir():
        addons.insert(0, str(base.parent.parent / "addons"))
    odoo.tools.config.parse_config(["-d", args.db, f"--addons-path={','.join(addons)}", "--log-level=warn"])
    registry = Registry(args.db)
    Log = registry["microstructure.access.log"]
    traced_record = Log._record
    trace_module = sys.modules[Log._record.__module__]
    statements = []
    insert_entries = trace_module.insert_entries

    def counted_insert(dbname, entries):
        statements.append(len(entries))
        return insert_entries(dbname, entries)

    trace_module.insert_entries = counted_insert

    def untraced_record(self, *_args, **_kwargs):
        return None

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", args.login)])
        Patient = env["microstructure.patient"].with_user(user)
        patient = Patient.search([], limit=1)
        calls = {
            "patients kanban (80)": lambda: Patient.web_search_read([], KANBAN, limit=80),
            "patient form": lambda: patient.web_read(FORM),
        }
        print(f"{'call':<22} {'trace':<6} {'queries':>8} {'trace statements':>17} {'median ms':>10}")
        for name, call in calls.items():
            timings = {True: [], False: []}
            queries = {True: [], False: []}
            per_call = {True: [], False: []}
            # on and off alternate call by call, so that a change of the
            # machine's load weighs on both alike
            for _ in range(args.rounds):
                for traced in (True, False):
                    Log._record = traced_record if traced else untraced_record
                    env.invalidate_all()
                    before, inserted = cr.sql_log_count, len(statements)
                    started = time.perf_counter()
                    call()
                    timings[traced].append(time.perf_counter() - started)
                    queries[traced].append(cr.sql_log_count - before)
                    per_call[traced].append(len(statements) - inserted)
            for traced in (False, True):
                print(f"{name:<22} {'on' if traced else 'off':<6} {statistics.median(queries[traced]):>8.0f} "
                      f"{max(per_call[traced]):>17} {1000 * statistics.median(timings[traced]):>10.2f}")
            ratio = statistics.median(timings[True]) / statistics.median(timings[False])
            print(f"{name:<22} ratio on/off: {ratio:.3f}")
        Log._record = traced_record
        cr.rollback()


if __name__ == "__main__":
    main()
