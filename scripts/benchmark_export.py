#!/usr/bin/env python3
"""Scale benchmark of the indicators export (not part of the test suite).

On a national-scale database made with the population command (about 1,000
sites, 100,000 patients and 1,000,000 consultations), it measures in one run:

- the raw SQL aggregation queries behind the export (``_compute_figures``);
- the workbook write alone (``_build_workbook`` of tables already computed);
- the whole export as the national administrator (scope under the record
  rules, queries, small-count protection, workbook), its time and its peak
  memory: the process's peak resident memory during the export (Linux VmHWM,
  reset before each export), its growth above the resident memory before the
  export, and the peak of the Python allocations (tracemalloc).

Usage:

    python3 scripts/benchmark_export.py --populate   # creates the database first
    python3 scripts/benchmark_export.py              # reuses it

The database (``microstructure_bench`` unless ``--db``) is left in place.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 1,000 sites, 100,000 patients and about 1,000,000 consultations
SCALE, PATIENTS_SCALE, ACTIVITY = 7.0, 100_000 / 6_092, 2.75
PERIOD = ("2022-09-01", "2023-08-31")


def _status(key):
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # MB
    return float("nan")


def _reset_peak():
    """Reset the peak resident memory (VmHWM) of this process."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _odoo(addons_path, *args):
    command = [sys.executable, "-m", "odoo", f"--addons-path={addons_path}", *args]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return result, time.perf_counter() - started


def populate(db, addons_path):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    _result, seconds = _odoo(
        addons_path, "-d", db, "-i", "odoo_microstructure", "--without-demo=all",
        "--stop-after-init", "--log-level=warn",
    )
    print(f"installed in {seconds:.0f} s")
    result, seconds = _odoo(
        addons_path, "microstructure_populate", "-d", db, "--scale", str(SCALE),
        "--patients-scale", f"{PATIENTS_SCALE:.4f}", "--activity", str(ACTIVITY),
        "--without-events", "--log-level=warn",
    )
    print(result.stdout.rstrip())
    print(f"populated in {seconds:.0f} s")


def measure(db, addons_path, repeat):
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo.modules.registry import Registry  # pylint: disable=import-outside-toplevel

    odoo.tools.config.parse_config([f"--addons-path={addons_path}", "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.execute("""
            SELECT (SELECT count(*) FROM microstructure_site), (SELECT count(*) FROM microstructure_patient),
                   (SELECT count(*) FROM microstructure_consultation),
                   (SELECT count(*) FROM microstructure_permanence),
                   (SELECT count(*) FROM microstructure_meeting),
                   (SELECT count(*) FROM survey_user_input)
        """)
        sites, patients, consultations, permanences, meetings, answers = cr.fetchone()
        print(f"database {db}: {sites:,} sites, {patients:,} patients, {consultations:,} consultations, "
              f"{permanences:,} permanences, {meetings:,} meetings, {answers:,} survey answers")
        admin = env.ref("base.user_admin")
        Indicators = env["microstructure.indicators"].with_user(admin)
        wizard = env["microstructure.indicator.export"].with_user(admin).create({"year": PERIOD[0][:4]})
        scope = wizard._get_sites()
        wizard.action_export()  # warm the caches once
        timings = {"sql": [], "write": [], "export": []}
        memory = {"peak": [], "growth": [], "python": []}
        size = 0
        for _run in range(repeat):
            env.invalidate_all()
            started = time.perf_counter()
            Indicators._compute_figures(scope, *PERIOD)
            timings["sql"].append(time.perf_counter() - started)

            tables = Indicators._get_tables(scope, *PERIOD)
            started = time.perf_counter()
            size = len(wizard._build_workbook(tables))
            timings["write"].append(time.perf_counter() - started)

            env.invalidate_all()
            started = time.perf_counter()
            wizard.action_export()
            timings["export"].append(time.perf_counter() - started)

            # memory, in a run of its own (tracemalloc slows Python down)
            env.invalidate_all()
            reset = _reset_peak()
            before = _status("VmRSS")
            tracemalloc.start()
            wizard.action_export()
            python_peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            peak = _status("VmHWM") if reset else float("nan")
            memory["peak"].append(peak)
            memory["growth"].append(peak - before)
            memory["python"].append(python_peak)
        cr.rollback()

    sql, write, export = (statistics.median(timings[key]) for key in ("sql", "write", "export"))
    print(f"\nmedian of {repeat} runs, {len(scope):,} sites in the scope, workbook of {size / 1024:.0f} KB")
    print(f"  raw SQL aggregation queries   {sql:8.2f} s")
    print(f"  workbook write                {write:8.2f} s")
    print(f"  whole export                  {export:8.2f} s   = {export / (sql + write):.2f} x (SQL + write), "
          "target <= 1.5")
    print(f"  peak resident memory          {max(memory['peak']):8.0f} MB  (whole Odoo process), target <= 300")
    print(f"  growth during the export      {max(memory['growth']):8.0f} MB")
    print(f"  Python allocations, peak      {max(memory['python']):8.0f} MB (tracemalloc)")
    return export / (sql + write), max(memory["peak"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--db", default=os.environ.get("MICROSTRUCTURE_BENCH_DB", "microstructure_bench"))
    parser.add_argument("--populate", action="store_true", help="(re)create the database first")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import odoo.addons.base  # pylint: disable=import-outside-toplevel

    odoo_addons = Path(odoo.addons.base.__file__).resolve().parent.parent
    paths = [str(odoo_addons)]
    if (odoo_addons.parent.parent / "addons").is_dir():
        paths.insert(0, str(odoo_addons.parent.parent / "addons"))
    addons_path = ",".join([*paths, str(ROOT)])
    if args.populate:
        populate(args.db, addons_path)
    ratio, peak = measure(args.db, addons_path, args.repeat)
    return 0 if ratio <= 1.5 and peak <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
