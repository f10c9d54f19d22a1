"""The production configuration with a streaming replica: odoo-bin in prefork
mode serves the read-only calls from the replica; when the replica lags or
is down, Odoo falls back to the primary and what a user has just saved is
never missing from the next list (scripts/pg_replica.sh, replica_guard.py,
serve_production.sh)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import odoo
import requests

from .common import ROOT, run

SOCKET = "/var/run/postgresql"
PRIMARY_PORT, REPLICA_PORT = 5434, 5433
HTTP_PORT, GEVENT_PORT, PROXY_PORT = 8472, 8482, 8473
PG_VERSION = sorted(os.listdir("/usr/lib/postgresql"), key=float)[-1]


def _sql(port, sql, db="postgres"):
    result = run("psql", "-h", SOCKET, "-p", str(port), "-U", "postgres", "-d", db, "-XtAc", sql)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _replica_clients(db):
    return int(_sql(REPLICA_PORT, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                  f" AND datname = '{db}'"))


class Client:
    """A practitioner's web client, as JSON-RPC calls."""

    def __init__(self, db, login):
        self.url = f"http://127.0.0.1:{HTTP_PORT}"
        self.session = requests.Session()
        self.db = db
        result = self._post("/web/session/authenticate", {"db": db, "login": login, "password": login})
        self.context = {"lang": "fr_FR", "tz": "Europe/Paris", "uid": result["uid"]}

    def _post(self, path, params):
        response = self.session.post(self.url + path, json={"jsonrpc": "2.0", "method": "call", "params": params},
                                     timeout=60)
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        assert "error" not in body, body["error"]
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", self.context)
        return self._post(f"/web/dataset/call_kw/{model}/{method}",
                          {"model": model, "method": method, "args": list(args), "kwargs": kwargs})

    def patients(self, domain=()):
        result = self.call("microstructure.patient", "web_search_read", list(domain),
                           {"display_name": {}, "phone": {}}, limit=80)
        return result["records"]

    def save_phone(self, patient_id):
        """Saves a new phone number; returns it and the seconds the save took."""
        phone = "06" + uuid.uuid4().int.__str__()[:8]
        started = time.perf_counter()
        saved = self.call("microstructure.patient", "web_save", [patient_id], {"phone": phone},
                          specification={"phone": {}})
        assert saved[0]["phone"] == phone
        return phone, time.perf_counter() - started

    def assert_sees(self, phone):
        found = self.patients([("phone", "=", phone)])
        assert [record["phone"] for record in found] == [phone], "a saved value is missing from the list"


def _serve(action, env):
    result = run("bash", str(ROOT / "scripts" / "serve_production.sh"), action, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _websocket_upgrade(port):
    for _ in range(60):  # the websocket process starts after the workers
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            b"GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nSec-WebSocket-Version: 13\r\n"
            b"Origin: http://127.0.0.1\r\n\r\n"
        )
        return connection.recv(200).split(b"\r\n", 1)[0]


def test_reads_on_replica_fall_back_to_primary_and_lose_nothing(tmp_path):
    suite_db = odoo.tools.config["db_name"]
    db = f"{suite_db}_replica"
    status = run("bash", str(ROOT / "scripts" / "pg_replica.sh"), "status")
    created = status.returncode != 0
    if created:
        up = run("bash", str(ROOT / "scripts" / "pg_replica.sh"), "up")
        assert up.returncode == 0, "the replica cannot be set up:\n" + up.stdout + up.stderr
    env = dict(os.environ, MS_DB=db, MS_RUN_DIR=str(tmp_path / "run"), MS_DATA_DIR=str(tmp_path / "data"),
               MS_HTTP_PORT=str(HTTP_PORT), MS_GEVENT_PORT=str(GEVENT_PORT), MS_PROXY_PORT=str(PROXY_PORT),
               PG_PRIMARY_PORT=str(PRIMARY_PORT), PG_REPLICA_PORT=str(REPLICA_PORT), ODOO_WORKERS="2",
               PYTHON=sys.executable)
    guard_log = open(tmp_path / "guard.log", "w", encoding="utf-8")  # noqa: SIM115
    guard = None
    try:
        run("dropdb", "-h", SOCKET, "-p", str(PRIMARY_PORT), "--if-exists", db)
        copy = run("bash", "-c", f"set -o pipefail; pg_dump -Fc '{suite_db}' | (createdb -h {SOCKET} "
                   f"-p {PRIMARY_PORT} '{db}' && pg_restore --no-owner -h {SOCKET} -p {PRIMARY_PORT} -d '{db}')")
        assert copy.returncode == 0, copy.stderr
        guard = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "replica_guard.py"), "--interval", "0.1",
             "--max-wait", "1", "--settle", "1", "--duration", "300"],
            stdout=guard_log, stderr=subprocess.STDOUT,
        )
        for _ in range(50):
            if _sql(PRIMARY_PORT, "SHOW synchronous_standby_names"):
                break
            time.sleep(0.1)
        assert _sql(PRIMARY_PORT, "SHOW synchronous_commit") == "remote_apply"

        assert "prefork, 2 workers" in _serve("start", env)
        config = (tmp_path / "run" / "odoo.conf").read_text()
        for line in ("proxy_mode = True", "list_db = False", f"db_replica_port = {REPLICA_PORT}"):
            assert line in config
        assert "admin_passwd = admin\n" not in config
        # live notifications: the websocket process of odoo-bin answers
        assert _websocket_upgrade(GEVENT_PORT) == b"HTTP/1.1 101 SWITCHING PROTOCOLS"

        # 1. reads on the replica, every save visible in the next list
        client = Client(db, "medecin")
        patient_id = client.patients()[0]["id"]
        assert _replica_clients(db) > 0, "the read-only calls did not reach the replica"
        for _ in range(10):
            phone, _seconds = client.save_phone(patient_id)
            client.assert_sees(phone)

        # 2. the replica lags (replay paused): the save waits at most about
        # --max-wait, the replica is fenced, the next list comes from the primary
        _sql(REPLICA_PORT, "SELECT pg_wal_replay_pause()")
        phone, seconds = client.save_phone(patient_id)
        assert seconds < 5, f"a save waited {seconds:.1f} s on the lagging replica"
        client.assert_sees(phone)
        for _ in range(5):
            phone, seconds = client.save_phone(patient_id)
            assert seconds < 1
            client.assert_sees(phone)
        assert _replica_clients(db) == 0
        _sql(REPLICA_PORT, "SELECT pg_wal_replay_resume()")
        for _ in range(100):
            if "back in service" in (tmp_path / "guard.log").read_text():
                break
            time.sleep(0.1)
        assert "back in service" in (tmp_path / "guard.log").read_text()

        # 3. the replica is down: requests go on, on the primary
        _serve("start", env)  # fresh workers, reading on the replica again
        client = Client(db, "medecin")
        client.patients()
        assert _replica_clients(db) > 0
        stop = run("pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "ms_replica", "stop", "-m", "fast")
        assert stop.returncode == 0, stop.stderr
        for _ in range(10):
            phone, seconds = client.save_phone(patient_id)
            assert seconds < 5
            client.assert_sees(phone)
        assert _sql(PRIMARY_PORT, "SHOW synchronous_standby_names") == ""
    finally:
        _serve("stop", env)
        if guard is not None:
            guard.terminate()
            guard.wait(30)
        guard_log.close()
        run("pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "ms_replica", "start")
        run("psql", "-h", SOCKET, "-p", str(REPLICA_PORT), "-U", "postgres", "-d", "postgres", "-XtAc",
            "SELECT pg_wal_replay_resume()")
        run(sys.executable, str(ROOT / "scripts" / "replica_guard.py"), "--release")
        run("dropdb", "-h", SOCKET, "-p", str(PRIMARY_PORT), "--if-exists", db)
        if created:
            run("bash", str(ROOT / "scripts" / "pg_replica.sh"), "down")
    assert Path(tmp_path / "guard.log").read_text().count("fenced") >= 2
