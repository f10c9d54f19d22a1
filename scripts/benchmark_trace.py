#!/usr/bin/env python3
"""Cost of the access trace on the patients kanban and the patient form (a
benchmark, not part of the test suite).

On a database with the addon and its demo data (``scripts/demo.sh`` makes
one), as the demo practitioner ``medecin``, it runs in one process the calls
the web client makes (``web_search_read`` of a page of 80 patients at most,
``web_read`` of one patient form), alternately with the trace and without it
(``_record`` and the models' ``_trace`` replaced by no-ops in this process
only), and prints for each: the queries of the request's cursor, the
statements the trace adds (on its own connection) and their entries, and the
median time, with the ratio of the two.

Each call is followed by what ends its request (both are read-only
requests), within the time measured: the request's transaction is committed
then, with the trace, the entries kept during the call are sent in one
statement, as ``ir.http`` does when the server starts writing the response
of a read-only request. A request reads the result of the trace's statement
after its response is sent: here it is read after the time measured, and
the median time it took is printed apart ("written after").

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
    confidential = [registry[name] for name in registry if hasattr(registry[name], "_trace")]
    traced_trace = {model: model._trace for model in confidential}
    send_entries = trace_module.send_entries
    # outside a request, the trace sends its entries at once: here they are
    # kept until the end of the call, as in a request
    kept = []
    trace_module.send_entries = lambda dbname, groups, *origin: kept.extend(groups)

    def untraced(self, *_args, **_kwargs):
        return None

    def trace(on):
        Log._record = traced_record if on else untraced
        for model in confidential:
            model._trace = traced_trace[model] if on else untraced

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", args.login)])
        Patient = env["microstructure.patient"].with_user(user)
        patient = Patient.search([], limit=1)
        calls = {
            "patients kanban": lambda: Patient.web_search_read([], KANBAN, limit=80),
            "patient form": lambda: patient.web_read(FORM),
        }
        print(f"{'call':<16} {'trace':<6} {'queries':>8} {'trace statements':>17} {'entries':>8} "
              f"{'median ms':>10} {'written after':>14}")
        for name, call in calls.items():
            timings = {True: [], False: []}
            queries = {True: [], False: []}
            statements = {True: [], False: []}
            entries = {True: [], False: []}
            written = []
            # on and off alternate call by call, so that a change of the
            # machine's load weighs on both alike
            for _ in range(args.rounds):
                for traced in (True, False):
                    trace(traced)
                    env.invalidate_all()
                    before = cr.sql_log_count
                    started = time.perf_counter()
                    call()
                    # the end of a read-only request (see ir.http)
                    cr.commit()
                    sent = kept and send_entries(args.db, kept, "benchmark", "127.0.0.1")
                    timings[traced].append(time.perf_counter() - started)
                    queries[traced].append(cr.sql_log_count - before)
                    statements[traced].append(1 if sent else 0)
                    entries[traced].append(sum(len(group[-1]) for group in kept))
                    kept.clear()
                    if sent:
                        # once the response is sent
                        started = time.perf_counter()
                        assert sent(), "the trace's statement is still unanswered"
                        written.append(time.perf_counter() - started)
            for traced in (False, True):
                after = f"{1000 * statistics.median(written):>11.2f} ms" if traced and written else ""
                print(f"{name:<16} {'on' if traced else 'off':<6} {statistics.median(queries[traced]):>8.0f} "
                      f"{max(statements[traced]):>17} {max(entries[traced]):>8} "
                      f"{1000 * statistics.median(timings[traced]):>10.2f} {after:>14}")
            ratio = statistics.median(timings[True]) / statistics.median(timings[False])
            print(f"{name:<16} ratio on/off: {ratio:.3f}")
        trace(True)
        trace_module.send_entries = send_entries
        cr.rollback()


if __name__ == "__main__":
    main()
