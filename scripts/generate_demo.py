#!/usr/bin/env python3
"""Writes the demo CSV files of odoo_microstructure (deterministic).

The rows come from the addon's population package
(``odoo_microstructure/populate/demo_registry.py``): 22 networks, 143 sites,
535 professionals and their memberships, with the national figures of
2023-09-01. Odoo is not needed.

Usage: python3 scripts/generate_demo.py [--output DIR]
       (rewrites odoo_microstructure/demo/*.csv, or writes them into DIR)
"""

import argparse
import csv
import importlib.util
import sys
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent / "odoo_microstructure"


def load_population_package():
    """The addon's ``populate`` package, loaded alone: its plain modules do
    not import Odoo (the addon's own ``__init__`` does)."""
    name = "microstructure_populate"
    spec = importlib.util.spec_from_file_location(
        name, ADDON / "populate" / "__init__.py", submodule_search_locations=[str(ADDON / "populate")],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.demo_registry")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--output", type=Path, default=ADDON / "demo", help="directory of the CSV files")
    args = parser.parse_args()
    files = load_population_package().demo_rows()
    args.output.mkdir(parents=True, exist_ok=True)
    for filename, rows in files.items():
        with open(args.output / filename, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    print(", ".join(f"{len(rows)} {filename.split('.')[1]}s" for filename, rows in files.items()))


if __name__ == "__main__":
    main()
