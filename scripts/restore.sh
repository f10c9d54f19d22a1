#!/usr/bin/env bash
# Restores a backup made by backup.sh into a new database: checks the
# SHA-256 of the files, creates the database, restores the dump, unpacks the
# filestore, and checks that every attachment's file is there and intact.
#
#   scripts/restore.sh BACKUP_DIRECTORY NEW_DATABASE [--neutralize]
#
# The database must not exist.  --neutralize makes a copy that sends nothing
# (Odoo's neutralize: crons and mail servers off) and gets a new database
# uuid, for a test or training copy; without it, the restore is the same
# instance (disaster recovery).  ODOO_DATA_DIR as in backup.sh; the
# connection follows the libpq variables.  ODOO_BIN (default: python3 -m odoo)
# runs Odoo for --neutralize.
set -euo pipefail
SRC=${1:?usage: restore.sh BACKUP_DIRECTORY NEW_DATABASE [--neutralize]}
DB=${2:?usage: restore.sh BACKUP_DIRECTORY NEW_DATABASE [--neutralize]}
NEUTRALIZE=${3:-}
DATA_DIR=${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}
fail() { echo "restore: $*" >&2; exit 2; }

[ -f "$SRC/SHA256SUMS" ] || fail "$SRC is not a backup (no SHA256SUMS)"
(cd "$SRC" && sha256sum --quiet -c SHA256SUMS) || fail "the backup's files do not match their SHA-256"
if [ -n "$(psql -d postgres -XtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  fail "the database $DB exists: restore into a new database"
fi
filestore="$DATA_DIR/filestore/$DB"
[ ! -e "$filestore" ] || fail "$filestore exists: remove it or choose another name"

createdb "$DB"
cleanup() { dropdb --if-exists "$DB"; rm -rf "$filestore"; }
trap 'cleanup; echo "restore: failed, $DB removed" >&2' ERR
pg_restore --no-owner --no-privileges --exit-on-error -d "$DB" "$SRC/dump.pgdump"
mkdir -p "$filestore"
tar -C "$filestore" -xzf "$SRC/filestore.tar.gz"

# every attachment stored on disk is there, with the checksum Odoo recorded (SHA-1)
missing=0
while IFS='|' read -r fname checksum; do
  file="$filestore/$fname"
  if [ ! -f "$file" ] || [ "$(sha1sum "$file" | cut -d' ' -f1)" != "$checksum" ]; then
    echo "restore: attachment file missing or altered: $fname" >&2
    missing=$((missing + 1))
  fi
done < <(psql -d "$DB" -XtAc "SELECT store_fname, checksum FROM ir_attachment WHERE store_fname IS NOT NULL AND checksum IS NOT NULL")
if [ "$missing" -gt 0 ]; then
  cleanup; trap - ERR
  fail "$missing attachment file(s) missing or altered: $DB removed"
fi

if [ "$NEUTRALIZE" = --neutralize ]; then
  psql -d "$DB" -Xqc "UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key = 'database.uuid'"
  ${ODOO_BIN:-python3 -m odoo} neutralize -d "$DB" ${ODOO_CONF:+-c "$ODOO_CONF"} --log-level=warn
elif [ -n "$NEUTRALIZE" ]; then
  fail "unknown option $NEUTRALIZE"
fi
trap - ERR
attachments=$(psql -d "$DB" -XtAc "SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL")
echo "restore: $DB restored from $SRC ($attachments attachment files checked)"
