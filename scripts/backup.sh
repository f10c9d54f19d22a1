#!/usr/bin/env bash
# Backup of one Odoo database: a PostgreSQL dump (custom format) and its
# filestore, with their SHA-256, in a directory of their own; the oldest
# backups of the database beyond BACKUP_KEEP are removed.
#
#   scripts/backup.sh DATABASE
#
# BACKUP_DIR (default /var/backups/odoo_microstructure), BACKUP_KEEP (default
# 14), ODOO_DATA_DIR (Odoo's data_dir, default ~/.local/share/Odoo: the
# filestore is ODOO_DATA_DIR/filestore/DATABASE).  The connection follows the
# libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD).  Prints the backup's
# directory.  The dump is taken first, then the filestore: Odoo only adds
# files to it while running, so every attachment of the dump is in the copy.
set -euo pipefail
DB=${1:?usage: backup.sh DATABASE}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/odoo_microstructure}
KEEP=${BACKUP_KEEP:-14}
DATA_DIR=${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}
[[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || { echo "backup: BACKUP_KEEP must be a positive number" >&2; exit 2; }
psql -d "$DB" -XtAc "SELECT 1 FROM ir_module_module LIMIT 1" >/dev/null \
  || { echo "backup: $DB is not an Odoo database that answers" >&2; exit 2; }

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="$DB-$stamp"
partial="$BACKUP_DIR/.$name.partial"
rm -rf "$partial"
mkdir -m 0700 "$partial"
trap 'rm -rf "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$partial/dump.pgdump" "$DB"
filestore="$DATA_DIR/filestore/$DB"
if [ -d "$filestore" ]; then
  tar -C "$filestore" -czf "$partial/filestore.tar.gz" .
else
  echo "backup: no filestore at $filestore (no attachment stored on disk)" >&2
  tar -czf "$partial/filestore.tar.gz" -T /dev/null
fi
{
  echo "database=$DB"
  echo "created=$stamp"
  echo "postgresql=$(psql -d "$DB" -XtAc 'SHOW server_version')"
  echo "odoo_microstructure=$(psql -d "$DB" -XtAc "SELECT latest_version FROM ir_module_module WHERE name = 'odoo_microstructure'")"
  echo "attachments=$(psql -d "$DB" -XtAc 'SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL')"
} > "$partial/INFO"
(cd "$partial" && sha256sum dump.pgdump filestore.tar.gz INFO > SHA256SUMS)
mv "$partial" "$BACKUP_DIR/$name"
trap - EXIT

# rotation: keep the newest KEEP backups of this database
mapfile -t old < <(find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name "$DB-[0-9]*T*Z" -printf '%f\n' \
  | sort -r | tail -n +"$((KEEP + 1))")
for dir in "${old[@]}"; do
  rm -rf "${BACKUP_DIR:?}/$dir"
  echo "backup: removed the old backup $dir" >&2
done
echo "$BACKUP_DIR/$name"
