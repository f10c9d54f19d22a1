#!/usr/bin/env bash
# Load benchmark (not part of the test command): Odoo's threaded server, then
# the production configuration (prefork workers, replica with its guard,
# nginx), each at 10, 50 and 200 concurrent users for 60 s, against the
# national-scale population (1,001 sites, 100,000 patients).
#
#   scripts/benchmark_load.sh [--populate]
#
# Creates, when missing: the primary and replica clusters (pg_replica.sh),
# the database ms_deploy_national (population command; --populate remakes
# it), a virtualenv with Locust (Locust needs newer Werkzeug and gevent than
# Odoo 18 pins: never install it beside Odoo), the role users (load_test.py
# setup), nginx (Debian's package, as root).  Everything listens on 127.0.0.1.
# MS_LOAD_USERS ("10 50 200"), MS_LOAD_RUN_TIME (60) and MS_LOAD_MODES
# ("threaded production"; empty: only make what is missing) change the runs.
# Figures: /var/tmp/ms_deploy/load/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BASE=${MS_DEPLOY_DIR:-/var/tmp/ms_deploy}
DB=${MS_DB:-ms_deploy_national}
USERS=${MS_LOAD_USERS:-10 50 200}
RUN_TIME=${MS_LOAD_RUN_TIME:-60}
MODES=${MS_LOAD_MODES-threaded production}
VENV=$BASE/venv
export MS_DB=$DB MS_RUN_DIR=$BASE/run MS_DATA_DIR=$BASE/data MS_LOAD_STATE=$BASE/load_users.json
PY=${PYTHON:-python3}
SOCKET=/var/run/postgresql

bash "$here/scripts/pg_replica.sh" up
# the production configuration is measured behind nginx (port 8479)
if [[ " $MODES " == *" production "* ]] && ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >/dev/null
    # serve_production.sh starts its own nginx: not the distribution's service
    if command -v service >/dev/null; then service nginx stop >/dev/null 2>&1 || true; fi
  else
    echo "benchmark_load: nginx is missing (apt-get install nginx)" >&2
    exit 2
  fi
fi
exists=$(psql -h "$SOCKET" -p 5434 -d postgres -XtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")
odoo_addons=$($PY -c "import odoo.addons.base, os; print(os.path.dirname(os.path.dirname(odoo.addons.base.__file__)))")
odoo_root=$(dirname "$(dirname "$odoo_addons")")
addons="$odoo_addons,$here"
[ -d "$odoo_root/addons" ] && addons="$odoo_root/addons,$addons"
if [ -n "$exists" ] && [ "${1:-}" != --populate ]; then
  # the database was made by an earlier run: bring the addon up to this checkout
  $PY -m odoo --addons-path="$addons" --data-dir="$MS_DATA_DIR" --db_host="$SOCKET" --db_port=5434 \
    -d "$DB" -u odoo_microstructure --stop-after-init --log-level=warn
fi
if [ "${1:-}" = --populate ] || [ -z "$exists" ]; then
  dropdb -h "$SOCKET" -p 5434 --if-exists "$DB"
  $PY -m odoo --addons-path="$addons" --data-dir="$MS_DATA_DIR" --db_host="$SOCKET" --db_port=5434 \
    -d "$DB" -i odoo_microstructure --without-demo=all --load-language=fr_FR --stop-after-init --log-level=warn
  # national scale: 1,001 sites, 100,000 patients, a year of activity with its calendar events
  $PY -m odoo --addons-path="$addons" microstructure_populate --data-dir="$MS_DATA_DIR" \
    --db_host="$SOCKET" --db_port=5434 -d "$DB" --scale 7 --patients-scale 16.4 --log-level=warn
  rm -f "$MS_LOAD_STATE"
fi
if [ ! -x "$VENV/bin/locust" ]; then
  $PY -m venv "$VENV"
  "$VENV/bin/pip" install -q "locust>=2.20,<3"
fi

guard_pid=""
cleanup() {
  bash "$here/scripts/serve_production.sh" stop || true
  if [ -n "$guard_pid" ]; then kill "$guard_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

mkdir -p "$BASE/load"
for mode in $MODES; do
  if [ "$mode" = threaded ]; then url=http://127.0.0.1:8470; else url=http://127.0.0.1:8479; fi
  # wkhtmltopdf fetches the liaison PDF's assets from report.url: the server
  # measured (in production nginx and its cache, never the workers themselves:
  # see the README), set before the server reads it
  psql -h "$SOCKET" -p 5434 -d "$DB" -XqAtc "UPDATE ir_config_parameter SET value = '$url' WHERE key = 'report.url'"
  if [ "$mode" = threaded ]; then
    ODOO_WORKERS=0 PG_REPLICA_PORT="" bash "$here/scripts/serve_production.sh" start
  else
    $PY "$here/scripts/replica_guard.py" --duration 3600 > "$BASE/load/guard.log" 2>&1 &
    guard_pid=$!
    bash "$here/scripts/serve_production.sh" start
  fi
  if [ ! -f "$MS_LOAD_STATE" ]; then
    "$VENV/bin/python" "$here/scripts/load_test.py" setup --config "$MS_RUN_DIR/odoo.conf" --db "$DB" --url "$url"
  fi
  # shellcheck disable=SC2086
  "$VENV/bin/python" "$here/scripts/load_test.py" run --url "$url" --users $USERS --run-time "$RUN_TIME" \
    --pid-file "$MS_RUN_DIR/odoo.pid" --label "$mode" --out "$BASE/load" --results "$BASE/load/results.jsonl"
  bash "$here/scripts/serve_production.sh" stop
  if [ -n "$guard_pid" ]; then kill "$guard_pid"; wait "$guard_pid" || true; guard_pid=""; fi
done
