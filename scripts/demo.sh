#!/usr/bin/env bash
# Starts Odoo 18 with odoo_microstructure on http://localhost:8069.  On first
# start it creates the French demo database (MICROSTRUCTURE_DB, default
# microstructure_demo).  Extra arguments go to Odoo.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
DB=${MICROSTRUCTURE_DB:-microstructure_demo}

$PYTHON -c "import odoo.release as r; assert r.version_info[0] == 18" 2>/dev/null \
  || { echo "demo: python3 cannot import Odoo 18: run ODOO_SRC=/path/to/odoo scripts/setup.sh" >&2; exit 2; }
pg_isready -q || { echo "demo: PostgreSQL does not answer: run scripts/setup.sh" >&2; exit 2; }

odoo_addons=$($PYTHON -c "import odoo.addons.base, os; print(os.path.dirname(os.path.dirname(odoo.addons.base.__file__)))")
odoo_root=$(dirname "$(dirname "$odoo_addons")")
addons_path="$odoo_addons,$here"
[ -d "$odoo_root/addons" ] && addons_path="$odoo_root/addons,$addons_path"

if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  echo "demo: creating the French demo database $DB"
  $PYTHON -m odoo --addons-path="$addons_path" -d "$DB" -i odoo_microstructure \
    --load-language=fr_FR --stop-after-init --log-level=warn
fi
echo "demo: http://localhost:8069 (admin/admin, or the role logins of the README)"
exec $PYTHON -m odoo --addons-path="$addons_path" -d "$DB" --db-filter="^$DB\$" "$@"
