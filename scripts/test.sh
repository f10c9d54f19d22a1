#!/usr/bin/env bash
# Runs the whole test suite against Odoo 18 and PostgreSQL: creates a fresh
# database, installs odoo_microstructure (with its demo data), then runs the
# addon's tests and the repository's tests (tests/) with pytest-odoo,
# browser tours included.  Extra arguments go to pytest.
#
# Database connection: the libpq variables PGHOST, PGPORT, PGUSER and
# PGPASSWORD (default: local socket, current user).  MICROSTRUCTURE_TEST_DB
# names the database (default: microstructure_test), MICROSTRUCTURE_HTTP_PORT
# the port of the browser tests (default: 8069).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
DB=${MICROSTRUCTURE_TEST_DB:-microstructure_test}

fail() { echo "test: $*" >&2; exit 2; }

$PYTHON - <<'PY' || fail "python3 cannot import Odoo 18. Get Odoo 18.0 and run: ODOO_SRC=/path/to/odoo scripts/setup.sh (see README)."
import odoo.release as r
assert r.version_info[0] == 18, r.version
PY
command -v psql >/dev/null || fail "PostgreSQL client missing: run scripts/setup.sh."
pg_isready -q || fail "PostgreSQL does not answer (PGHOST=${PGHOST:-socket}): run scripts/setup.sh or start it."
$PYTHON -c "import pytest_odoo, websocket, openpyxl, polib" 2>/dev/null \
  || fail "Python test packages missing (pytest-odoo, websocket-client, openpyxl, polib): run scripts/setup.sh."
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null \
  || fail "Chromium missing (browser tours would be skipped): run scripts/setup.sh."
command -v wkhtmltopdf >/dev/null || fail "wkhtmltopdf missing: run scripts/setup.sh."
command -v soffice >/dev/null || fail "LibreOffice (soffice) missing: run scripts/setup.sh."

odoo_addons=$($PYTHON -c "import odoo.addons.base, os; print(os.path.dirname(os.path.dirname(odoo.addons.base.__file__)))")
odoo_root=$(dirname "$(dirname "$odoo_addons")")
addons_path="$odoo_addons"
[ -d "$odoo_root/addons" ] && addons_path="$odoo_root/addons,$addons_path"
addons_path="$addons_path,$here"
if [ -n "${EXTRA_ADDONS_PATH:-}" ]; then addons_path="$addons_path,$EXTRA_ADDONS_PATH"; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
conf="$work/odoo.conf"
{
  echo "[options]"
  echo "addons_path = $addons_path"
  echo "data_dir = ${MICROSTRUCTURE_DATA_DIR:-$HOME/.local/share/Odoo}"
  echo "db_host = ${PGHOST:-False}"
  echo "db_port = ${PGPORT:-False}"
  echo "db_user = ${PGUSER:-False}"
  echo "db_password = ${PGPASSWORD:-False}"
  echo "db_name = $DB"
  echo "dbfilter = ^$DB\$"
  echo "list_db = False"
  echo "max_cron_threads = 0"
  echo "http_port = ${MICROSTRUCTURE_HTTP_PORT:-8069}"
} > "$conf"
export MICROSTRUCTURE_ODOO_CONF="$conf" MICROSTRUCTURE_ADDONS_PATH="$addons_path"

echo "test: fresh database $DB"
dropdb --if-exists "$DB"
start=$(date +%s)
$PYTHON -m odoo -c "$conf" -d "$DB" -i odoo_microstructure --stop-after-init \
  --log-level=warn --load-language=fr_FR > "$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "installing odoo_microstructure failed."; }
end=$(date +%s)
if grep -E " (WARNING|ERROR|CRITICAL) " "$work/install.log"; then
  fail "installing odoo_microstructure logged the warnings or errors above."
fi
echo "test: installed odoo_microstructure with demo data in $((end - start)) s"

cd "$here"
set +e
$PYTHON -m pytest --odoo-config "$conf" --odoo-database "$DB" --odoo-http \
  -W ignore::DeprecationWarning -rfEs "$@" \
  odoo_microstructure/tests tests
rc=$?
set -e
if [ $rc -eq 5 ]; then fail "pytest collected no test."; fi
exit $rc
