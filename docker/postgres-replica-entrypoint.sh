#!/usr/bin/env bash
# Replica service: on first start, copies the primary with pg_basebackup
# (-R writes standby.signal and primary_conninfo), then runs PostgreSQL as a
# hot standby that streams from the primary.
set -euo pipefail
export PGPASSWORD="$REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p 5432 -q; do sleep 1; done
  mkdir -p "$PGDATA" && chmod 0700 "$PGDATA"
  pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" -X stream -c fast -R \
    -d "application_name=db-replica"
  chown -R postgres:postgres "$PGDATA"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
