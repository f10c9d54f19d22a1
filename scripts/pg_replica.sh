#!/usr/bin/env bash
# A local PostgreSQL primary and its streaming replica, for the production
# configuration, the replica tests, the load test and the fault runs, made
# with Debian's postgresql-common (pg_createcluster, pg_basebackup,
# standby.signal).  Needs root or the postgres account.
#
#   scripts/pg_replica.sh up       create and start both clusters (idempotent)
#   scripts/pg_replica.sh status   exit 0 when the replica streams from the primary
#   scripts/pg_replica.sh down     stop and drop both clusters
#
# Clusters: PG_PRIMARY_CLUSTER (default ms_deploy) on PG_PRIMARY_PORT (5434),
# PG_REPLICA_CLUSTER (default ms_replica) on PG_REPLICA_PORT (5433), both of
# the newest PostgreSQL installed.  The current user gets a superuser role on
# the primary (replicated).  Local connections are trusted, as on a machine
# where only Odoo runs: on a shared host, use scram-sha-256 in pg_hba.conf.
set -euo pipefail
PRIMARY=${PG_PRIMARY_CLUSTER:-ms_deploy}
REPLICA=${PG_REPLICA_CLUSTER:-ms_replica}
PRIMARY_PORT=${PG_PRIMARY_PORT:-5434}
REPLICA_PORT=${PG_REPLICA_PORT:-5433}
SOCKET=/var/run/postgresql
VERSION=${PG_VERSION:-$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)}
[ -n "$VERSION" ] || { echo "pg_replica: PostgreSQL is not installed: run scripts/setup.sh" >&2; exit 2; }
command -v pg_createcluster >/dev/null || { echo "pg_replica: postgresql-common is missing" >&2; exit 2; }
ME=$(id -un)

as_postgres() {
  if [ "$ME" = postgres ]; then "$@"; elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
psql_at() {  # port, sql
  as_postgres psql -h "$SOCKET" -p "$1" -d postgres -XtAc "$2"
}
exists() { [ -d "/etc/postgresql/$VERSION/$1" ]; }
online() { pg_isready -q -h "$SOCKET" -p "$1"; }
wait_ready() {  # port
  for _ in $(seq 1 60); do online "$1" && return 0; sleep 0.5; done
  echo "pg_replica: the cluster on port $1 does not answer" >&2; return 1
}
streaming() {
  [ "$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$REPLICA' AND state = 'streaming'" 2>/dev/null)" = 1 ] \
    && [ "$(psql_at "$REPLICA_PORT" "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]
}

settings=(
  -o "listen_addresses=localhost"
  -o "max_connections=300"
  -o "shared_buffers=512MB"
  -o "wal_level=replica"
  -o "max_wal_senders=10"
  -o "wal_keep_size=1GB"
  -o "hot_standby=on"
  -o "hot_standby_feedback=on"
  -o "max_standby_streaming_delay=30s"
  -o "fsync=on"
)

up() {
  if ! exists "$PRIMARY"; then
    echo "pg_replica: creating the primary $VERSION/$PRIMARY on port $PRIMARY_PORT"
    pg_createcluster "$VERSION" "$PRIMARY" -p "$PRIMARY_PORT" "${settings[@]}" >/dev/null
    hba=/etc/postgresql/$VERSION/$PRIMARY/pg_hba.conf
    cat > "$hba" <<EOF
# odoo_microstructure, local primary: trusted local connections and replication
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
EOF
    chown postgres:postgres "$hba"
  fi
  online "$PRIMARY_PORT" || pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$PRIMARY" start
  wait_ready "$PRIMARY_PORT"
  if [ "$ME" != postgres ]; then
    psql_at "$PRIMARY_PORT" "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ME') THEN CREATE ROLE \"$ME\" LOGIN SUPERUSER; END IF; END\$\$;" >/dev/null
  fi

  if exists "$REPLICA" && ! as_postgres test -f "/var/lib/postgresql/$VERSION/$REPLICA/standby.signal"; then
    echo "pg_replica: $VERSION/$REPLICA is not a standby: dropping it" >&2
    pg_dropcluster --stop "$VERSION" "$REPLICA"
  fi
  if ! exists "$REPLICA"; then
    echo "pg_replica: creating the replica $VERSION/$REPLICA on port $REPLICA_PORT (pg_basebackup)"
    pg_createcluster "$VERSION" "$REPLICA" -p "$REPLICA_PORT" "${settings[@]}" >/dev/null
    cp "/etc/postgresql/$VERSION/$PRIMARY/pg_hba.conf" "/etc/postgresql/$VERSION/$REPLICA/pg_hba.conf"
    data=/var/lib/postgresql/$VERSION/$REPLICA
    as_postgres bash -c "rm -rf '$data'/* && pg_basebackup -h '$SOCKET' -p '$PRIMARY_PORT' -U postgres -D '$data' \
      -X stream -c fast -R -d 'application_name=$REPLICA'"
    # -R wrote standby.signal and primary_conninfo (postgresql.auto.conf)
  fi
  online "$REPLICA_PORT" || pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$REPLICA" start
  wait_ready "$REPLICA_PORT"
  for _ in $(seq 1 60); do streaming && break; sleep 0.5; done
  streaming || { echo "pg_replica: the replica does not stream from the primary" >&2; exit 1; }
  echo "pg_replica: primary $VERSION/$PRIMARY on $PRIMARY_PORT, replica $VERSION/$REPLICA on $REPLICA_PORT (streaming)"
}

down() {
  for cluster in "$REPLICA" "$PRIMARY"; do
    if exists "$cluster"; then
      pg_dropcluster --stop "$VERSION" "$cluster"
      echo "pg_replica: dropped $VERSION/$cluster"
    fi
  done
}

status() {
  if streaming; then
    lag=$(psql_at "$PRIMARY_PORT" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication WHERE application_name = '$REPLICA'")
    echo "pg_replica: streaming, replay $lag bytes behind"
  else
    echo "pg_replica: not streaming" >&2
    exit 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
