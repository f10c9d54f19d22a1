#!/usr/bin/env bash
# Runs the production configuration (docker/odoo.conf) on this machine with
# your own Odoo 18 checkout: odoo-bin in prefork mode, workers = 2 x cores + 1,
# reads on the streaming replica of scripts/pg_replica.sh, and nginx in front
# (docker/nginx.conf: /websocket to the gevent port) when nginx is installed.
#
#   scripts/serve_production.sh start|stop|status
#
# MS_DB (default ms_deploy_national), MS_RUN_DIR (config, logs, pids; default
# /var/tmp/ms_deploy/run), MS_DATA_DIR (default /var/tmp/ms_deploy/data),
# MS_HTTP_PORT (8470), MS_GEVENT_PORT (8480), MS_PROXY_PORT (nginx, 8479),
# PG_PRIMARY_PORT (5434), PG_REPLICA_PORT (5433; empty: no replica),
# ODOO_WORKERS (default 2 x cores + 1; 0 gives Odoo's threaded server),
# ODOO_ADMIN_PASSWD (default: a random secret written to MS_RUN_DIR/admin_passwd),
# REPORT_PRINT_DELAY (ms wkhtmltopdf waits after loading a PDF report; 100).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
DB=${MS_DB:-ms_deploy_national}
RUN=${MS_RUN_DIR:-/var/tmp/ms_deploy/run}
DATA=${MS_DATA_DIR:-/var/tmp/ms_deploy/data}
HTTP_PORT=${MS_HTTP_PORT:-8470}
GEVENT_PORT=${MS_GEVENT_PORT:-8480}
PROXY_PORT=${MS_PROXY_PORT:-8479}
PRIMARY_PORT=${PG_PRIMARY_PORT:-5434}
REPLICA_PORT=${PG_REPLICA_PORT-5433}
WORKERS=${ODOO_WORKERS:-$((2 * $(nproc) + 1))}
SOCKET=/var/run/postgresql

odoo_addons=$($PYTHON -c "import odoo.addons.base, os; print(os.path.dirname(os.path.dirname(odoo.addons.base.__file__)))")
odoo_root=$(dirname "$(dirname "$odoo_addons")")
odoo_bin="$odoo_root/odoo-bin"
[ -x "$odoo_bin" ] || odoo_bin=$(command -v odoo-bin || command -v odoo || true)
[ -n "$odoo_bin" ] || { echo "serve: odoo-bin not found" >&2; exit 2; }
addons_path="$odoo_addons,$here"
[ -d "$odoo_root/addons" ] && addons_path="$odoo_root/addons,$addons_path"

stop() {
  for name in nginx odoo; do
    if [ -f "$RUN/$name.pid" ]; then
      pid=$(cat "$RUN/$name.pid")
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      fi
      rm -f "$RUN/$name.pid"
    fi
  done
}

status() {
  [ -f "$RUN/odoo.pid" ] && kill -0 "$(cat "$RUN/odoo.pid")" 2>/dev/null \
    && curl -fs "http://127.0.0.1:$HTTP_PORT/web/health" >/dev/null
}

start() {
  mkdir -p "$RUN" "$DATA"
  chmod 0700 "$RUN"
  if [ -z "${ODOO_ADMIN_PASSWD:-}" ]; then
    [ -f "$RUN/admin_passwd" ] || (umask 077; head -c 24 /dev/urandom | base64 > "$RUN/admin_passwd")
    ODOO_ADMIN_PASSWD=$(cat "$RUN/admin_passwd")
  fi
  [ "$ODOO_ADMIN_PASSWD" != admin ] || { echo "serve: the master password must not be 'admin'" >&2; exit 2; }
  conf="$RUN/odoo.conf"
  replica_host=$SOCKET
  [ -n "$REPLICA_PORT" ] || replica_host=False
  sed -e "s|^addons_path = .*|addons_path = $addons_path|" \
      -e "s|^data_dir = .*|data_dir = $DATA|" \
      -e "s|^db_host = .*|db_host = $SOCKET|" \
      -e "s|^db_port = .*|db_port = $PRIMARY_PORT|" \
      -e "s|^db_user = .*|db_user = $(id -un)|" \
      -e "s|^db_password = .*|db_password = False|" \
      -e "s|^db_name = .*|db_name = $DB|" \
      -e "s|^dbfilter = .*|dbfilter = ^$DB\$|" \
      -e "s|^db_replica_host = .*|db_replica_host = $replica_host|" \
      -e "s|^db_replica_port = .*|db_replica_port = ${REPLICA_PORT:-False}|" \
      -e "s|^admin_passwd = .*|admin_passwd = $ODOO_ADMIN_PASSWD|" \
      -e "s|^workers = .*|workers = $WORKERS|" \
      -e "s|^http_port = .*|http_port = $HTTP_PORT|" \
      -e "s|^gevent_port = .*|gevent_port = $GEVENT_PORT|" \
      -e "s|^logfile = .*|logfile = $RUN/odoo.log|" \
      "$here/docker/odoo.conf" > "$conf"
  echo "http_interface = 127.0.0.1" >> "$conf"
  echo "pidfile = $RUN/odoo.pid" >> "$conf"
  chmod 0600 "$conf"
  if [ "$WORKERS" = 0 ]; then
    # for comparison: Odoo's threaded server as scripts/demo.sh starts it
    # (default pool and limits, no replica)
    cat > "$conf" <<EOF
[options]
addons_path = $addons_path
data_dir = $DATA
db_host = $SOCKET
db_port = $PRIMARY_PORT
db_name = $DB
dbfilter = ^$DB\$
admin_passwd = $ODOO_ADMIN_PASSWD
http_port = $HTTP_PORT
http_interface = 127.0.0.1
logfile = $RUN/odoo.log
pidfile = $RUN/odoo.pid
EOF
  fi
  stop
  # the liaison PDF needs no JavaScript: wkhtmltopdf need not wait Odoo's
  # default second after loading it (see the README); the threaded server
  # keeps Odoo's default, as scripts/demo.sh has it
  if [ "$WORKERS" != 0 ]; then
    psql -h "$SOCKET" -p "$PRIMARY_PORT" -d "$DB" -XqAt -v delay="${REPORT_PRINT_DELAY:-100}" <<'SQL'
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
VALUES ('report.print_delay', :'delay', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date;
SQL
  else
    psql -h "$SOCKET" -p "$PRIMARY_PORT" -d "$DB" -XqAtc "DELETE FROM ir_config_parameter WHERE key = 'report.print_delay'"
  fi
  : > "$RUN/odoo.log"
  # odoo-bin (not python3 -m odoo): the gevent process re-executes this command line
  nohup "$PYTHON" "$odoo_bin" -c "$conf" >> "$RUN/odoo.log" 2>&1 &
  for _ in $(seq 1 120); do status && break; sleep 0.5; done
  status || { tail -n 50 "$RUN/odoo.log" >&2; echo "serve: Odoo did not start" >&2; exit 1; }
  if command -v nginx >/dev/null && [ "$WORKERS" != 0 ]; then
    sed -e "s|server odoo:8069;|server 127.0.0.1:$HTTP_PORT;|" \
        -e "s|server odoo:8072;|server 127.0.0.1:$GEVENT_PORT;|" \
        -e "s|listen 80;|listen 127.0.0.1:$PROXY_PORT;|" \
        -e "s|/var/cache/nginx/odoo|$RUN-nginx/cache|" \
        "$here/docker/nginx.conf" > "$RUN/nginx-site.conf"
    # nginx's workers (nobody) write their cache and buffers outside RUN (0700: secrets)
    mkdir -p "$RUN-nginx"
    [ "$(id -u)" != 0 ] || chown nobody "$RUN-nginx"
    cat > "$RUN/nginx.conf" <<EOF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $RUN-nginx/body;
    proxy_temp_path $RUN-nginx/proxy;
    include $RUN/nginx-site.conf;
}
EOF
    nginx -c "$RUN/nginx.conf"
    echo "serve: nginx on http://127.0.0.1:$PROXY_PORT"
  fi
  mode="prefork, $WORKERS workers"
  [ "$WORKERS" != 0 ] || mode="threaded"
  echo "serve: Odoo ($mode) on http://127.0.0.1:$HTTP_PORT, database $DB, primary :$PRIMARY_PORT, replica :${REPLICA_PORT:-none}"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status && echo "serve: running" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
