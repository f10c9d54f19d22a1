#!/usr/bin/env bash
# Starts Odoo in prefork mode from /etc/odoo/odoo.conf, with:
#   - workers = 2 x CPU cores + 1 (ODOO_WORKERS to force another count);
#   - the master password from ODOO_ADMIN_PASSWD (required, not "admin");
#   - the database password from PASSWORD (as the official image).
# On first start it installs odoo_microstructure (without demo data) in
# MICROSTRUCTURE_DB.  At every start it sets the system parameter report.url
# to REPORT_URL (default http://nginx): wkhtmltopdf fetches the assets of PDF
# reports from the proxy's cache, never from the workers themselves; and
# report.print_delay to REPORT_PRINT_DELAY (default 100 ms instead of Odoo's
# 1,000: the liaison PDF needs no JavaScript, and a worker waits for
# wkhtmltopdf).  Extra arguments go to Odoo.
set -euo pipefail
DB=${MICROSTRUCTURE_DB:-microstructure}
: "${ODOO_ADMIN_PASSWD:?set ODOO_ADMIN_PASSWD (docker/.env): the master password}"
if [ "$ODOO_ADMIN_PASSWD" = admin ] || [ ${#ODOO_ADMIN_PASSWD} -lt 16 ]; then
  echo "start-production: ODOO_ADMIN_PASSWD must not be 'admin' and must have 16 characters or more" >&2
  exit 2
fi
cores=$(nproc)
workers=${ODOO_WORKERS:-$((2 * cores + 1))}
conf=/var/lib/odoo/odoo-production.conf
sed -e "s|^admin_passwd = .*|admin_passwd = ${ODOO_ADMIN_PASSWD}|" \
    -e "s|^db_password = .*|db_password = ${PASSWORD:-odoo}|" \
    -e "s|^db_name = .*|db_name = ${DB}|" \
    -e "s|^dbfilter = .*|dbfilter = ^${DB}\$|" \
    -e "s|^workers = .*|workers = ${workers}|" \
    /etc/odoo/odoo.conf > "$conf"
chmod 0600 "$conf"
wait-for-psql.py --db_host "${HOST:-db}" --db_port "${PORT:-5432}" --db_user "${USER:-odoo}" \
  --db_password "${PASSWORD:-odoo}" --timeout=60
if ! PGPASSWORD="${PASSWORD:-odoo}" psql -h "${HOST:-db}" -p "${PORT:-5432}" -U "${USER:-odoo}" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  echo "start-production: installing odoo_microstructure in $DB"
  odoo -c "$conf" -d "$DB" -i odoo_microstructure --without-demo=all --load-language=fr_FR \
    --workers=0 --stop-after-init
fi
PGPASSWORD="${PASSWORD:-odoo}" psql -q -v ON_ERROR_STOP=1 -h "${HOST:-db}" -p "${PORT:-5432}" -U "${USER:-odoo}" \
  -d "$DB" -v url="${REPORT_URL:-http://nginx}" -v delay="${REPORT_PRINT_DELAY:-100}" <<'SQL'
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
VALUES ('report.url', :'url', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
       ('report.print_delay', :'delay', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date;
SQL
echo "start-production: $workers workers on $cores cores, PDF assets from ${REPORT_URL:-http://nginx}"
# `odoo` is the image's odoo-bin: the websocket process restarts it by name
exec odoo -c "$conf" "$@"
