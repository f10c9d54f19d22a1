import argparse
import sys
import time
from pathlib import Path

import odoo
from odoo.cli import Command
from odoo.modules.registry import Registry

from ..populate.population import populate


class MicrostructurePopulate(Command):
    """Fill a database with a realistic population of microstructures"""

    name = "microstructure_populate"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog=f"{Path(sys.argv[0]).name} {self.name}",
            description="Create networks, sites, professionals, patients and a year of "
            "permanences, consultations, meetings and liaison sheets. Scale 1 reproduces the "
            "national figures of 2023 (143 sites, 6,092 patients).",
        )
        parser.add_argument("--scale", type=float, default=1.0, help="1 = the 2023 national figures")
        parser.add_argument("--patients-scale", type=float, default=None,
                            help="scale of the patients and survey answers (default: --scale)")
        parser.add_argument("--activity", type=float, default=1.0,
                            help="multiplier of the consultations asked for by each patient")
        parser.add_argument("--seed", type=int, default=2023, help="random seed (same seed, same data)")
        parser.add_argument("--without-events", action="store_true",
                            help="do not create the calendar events of the consultations, permanences "
                            "and meetings")
        args, odoo_args = parser.parse_known_args(cmdargs)
        if args.scale <= 0 or (args.patients_scale is not None and args.patients_scale <= 0) or args.activity <= 0:
            parser.error("--scale, --patients-scale and --activity must be positive")
        odoo.tools.config.parse_config(odoo_args, setup_logging=True)
        dbname = odoo.tools.config["db_name"]
        if not dbname:
            parser.error("give the database with -d")
        registry = Registry(dbname)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            if "microstructure.site" not in env:
                parser.error(f"odoo_microstructure is not installed in {dbname}")
            started = time.perf_counter()
            counts = populate(
                env, scale=args.scale, seed=args.seed, with_events=not args.without_events,
                patient_scale=args.patients_scale, activity_scale=args.activity,
            )
            elapsed = time.perf_counter() - started
            # the indicators' figures of the ended years, kept per site (the
            # hourly cron would compute them too)
            started = time.perf_counter()
            env["microstructure.indicator.summary"]._refresh()
            kept = time.perf_counter() - started
        for model, count in counts.items():
            sys.stdout.write(f"{model:35} {count:>10,}\n")
        sys.stdout.write(f"created in {elapsed:.1f} s, indicator figures kept per site in {kept:.1f} s\n")
