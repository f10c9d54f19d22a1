"""A backup restores into a working instance with the same records, the same
attachment files (liaison PDFs included) and the same liaison fingerprints."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import odoo

from .common import ROOT, odoo_config_file, run

TABLES = [
    "microstructure_network", "microstructure_site", "microstructure_professional",
    "microstructure_membership", "microstructure_patient", "microstructure_consultation",
    "microstructure_permanence", "microstructure_meeting", "microstructure_liaison",
    "microstructure_patient_note", "calendar_event", "mail_message", "ir_attachment", "res_users",
    "survey_user_input",
]

PDFS = """
import json
liaisons = env['microstructure.liaison'].search([('sent_hash', '!=', False)], order='id', limit=4)
assert len(liaisons) == 4, liaisons
for liaison in liaisons:
    liaison._file_in_patient_record()
env.cr.commit()
print('FILED=' + json.dumps(liaisons.ids))
"""

FINGERPRINTS = """
import json
liaisons = env['microstructure.liaison'].search([('sent_hash', '!=', False)], order='id')
print('HASHES=' + json.dumps({l.id: [l.sent_hash, l._compute_sent_hash()] for l in liaisons}))
pdfs = env['ir.attachment'].search([('mimetype', '=', 'application/pdf'),
                                    ('res_model', '=', 'microstructure.patient')], order='id')
print('PDFS=' + json.dumps({a.id: [a.name, a.res_id, __import__('hashlib').sha256(a.raw).hexdigest()]
                            for a in pdfs}))
"""


def _data_dir():
    return Path(odoo.tools.config["data_dir"])


def _psql(db, sql):
    result = run("psql", "-d", db, "-XtAc", sql)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _shell(db, script):
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", odoo_config_file(), "-d", db,
         "--log-level=warn", "--no-http"],
        input=script, capture_output=True, text=True, timeout=600, check=False,
    )
    values = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            values[key] = json.loads(value)
    assert values, result.stdout[-2000:] + result.stderr[-3000:]
    return values


def _counts(db):
    return {table: int(_psql(db, f"SELECT count(*) FROM {table}")) for table in TABLES}  # noqa: S608


def _files(db):
    """store_fname -> SHA-256 of the file in the database's filestore."""
    filestore = _data_dir() / "filestore" / db
    files = {}
    for fname in _psql(db, "SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL").split():
        files[fname] = hashlib.sha256((filestore / fname).read_bytes()).hexdigest()
    return files


def _drop(db):
    run("dropdb", "--if-exists", db)
    run("rm", "-rf", str(_data_dir() / "filestore" / db))


def test_backup_restores_records_attachments_and_fingerprints(tmp_path):
    suite_db = odoo.tools.config["db_name"]
    source, restored = f"{suite_db}_bk_source", f"{suite_db}_bk_restored"
    env = dict(os.environ, BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP="2",
               ODOO_DATA_DIR=str(_data_dir()), ODOO_CONF=odoo_config_file())
    for db in (source, restored):
        _drop(db)
    try:
        # a source of our own: a copy of the suite's database and filestore,
        # where four liaison sheets get their completed PDF in the patient file
        copy = run("bash", "-c", f"set -o pipefail; pg_dump -Fc '{suite_db}' | "
                   f"(createdb '{source}' && pg_restore --no-owner -d '{source}')")
        assert copy.returncode == 0, copy.stderr
        suite_filestore = _data_dir() / "filestore" / suite_db
        if suite_filestore.is_dir():
            assert run("cp", "-a", str(suite_filestore), str(_data_dir() / "filestore" / source)).returncode == 0
        filed = _shell(source, PDFS)["FILED"]
        assert len(filed) == 4

        backups = []
        for _run in range(3):  # the third backup rotates out the first
            result = run("bash", str(ROOT / "scripts" / "backup.sh"), source, env=env)
            assert result.returncode == 0, result.stderr
            backups.append(Path(result.stdout.strip().splitlines()[-1]))
            run("sleep", "1.1")  # one backup per second at most (names carry the second)
        assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(p.name for p in backups[1:])
        backup = backups[-1]
        assert {p.name for p in backup.iterdir()} == {"dump.pgdump", "filestore.tar.gz", "INFO", "SHA256SUMS"}

        result = run("bash", str(ROOT / "scripts" / "restore.sh"), str(backup), restored, env=env)
        assert result.returncode == 0, result.stderr
        assert "attachment files checked" in result.stdout

        counts = _counts(source)
        assert counts["microstructure_liaison"] >= 90 and counts["microstructure_patient"] > 0
        assert _counts(restored) == counts
        files = _files(source)
        assert len(files) > 100
        assert _files(restored) == files

        original, copy = _shell(source, FINGERPRINTS), _shell(restored, FINGERPRINTS)
        assert len(original["HASHES"]) >= 90
        assert copy["HASHES"] == original["HASHES"]
        # the sheets still hold what was sent: the fingerprint recomputed
        # in the restored instance is the one stored when they were sent
        assert all(stored == recomputed for stored, recomputed in copy["HASHES"].values())
        assert len(original["PDFS"]) == 4
        assert copy["PDFS"] == original["PDFS"]
        assert all(name.endswith(".pdf") for name, _patient, _digest in copy["PDFS"].values())

        # a restore never overwrites a database, and refuses a damaged backup
        again = run("bash", str(ROOT / "scripts" / "restore.sh"), str(backup), restored, env=env)
        assert again.returncode == 2 and "exists" in again.stderr
        damaged = tmp_path / "damaged"
        run("cp", "-a", str(backup), str(damaged))
        with open(damaged / "filestore.tar.gz", "ab") as file:
            file.write(b"x")
        refused = run("bash", str(ROOT / "scripts" / "restore.sh"), str(damaged), f"{restored}_x", env=env)
        assert refused.returncode == 2 and "SHA-256" in refused.stderr
    finally:
        for db in (source, restored, f"{restored}_x"):
            _drop(db)
