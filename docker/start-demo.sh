#!/usr/bin/env bash
# Starts Odoo with odoo_microstructure; on first start, creates the French
# demo database (logins in the README).
set -euo pipefail
DB=${MICROSTRUCTURE_DB:-microstructure}
db_args=(--db_host "${HOST:-db}" --db_port "${PORT:-5432}" --db_user "${USER:-odoo}" --db_password "${PASSWORD:-odoo}")
wait-for-psql.py "${db_args[@]}" --timeout=60
if ! PGPASSWORD="${PASSWORD:-odoo}" psql -h "${HOST:-db}" -p "${PORT:-5432}" -U "${USER:-odoo}" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  echo "Creating the French demo database $DB"
  odoo "${db_args[@]}" -d "$DB" -i odoo_microstructure --load-language=fr_FR --stop-after-init
fi
exec odoo "${db_args[@]}" -d "$DB" --db-filter="^$DB\$" "$@"
