import argparse
import sys
from pathlib import Path

import odoo
from odoo.cli import Command
from odoo.modules.registry import Registry


class MicrostructureVerifyTrace(Command):
    """Verify the chain of the access trace to patient data"""

    name = "microstructure_verify_trace"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog=f"{Path(sys.argv[0]).name} {self.name}",
            description="Check the SHA-256 chain of the access trace; name the first broken link.",
        )
        _args, odoo_args = parser.parse_known_args(cmdargs)
        odoo.tools.config.parse_config(odoo_args, setup_logging=True)
        dbname = odoo.tools.config["db_name"]
        if not dbname:
            parser.error("give the database with -d")
        with Registry(dbname).cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            broken = env["microstructure.access.log"]._verify_chain()
            count = env["microstructure.access.log"].search_count([])
        if broken:
            sys.stdout.write(f"access trace altered: first broken link at entry {broken} ({count} entries)\n")
            sys.exit(1)
        sys.stdout.write(f"access trace intact ({count} entries)\n")
