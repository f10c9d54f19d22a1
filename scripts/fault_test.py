#!/usr/bin/env python3
"""Fault runs of the production configuration (a benchmark, not a test of
the suite): bounded loops of requests to 127.0.0.1 while a fault is injected.

    scripts/fault_test.py [--only kill_worker restart_postgres stop_replica concurrency]

Needs what scripts/benchmark_load.sh makes (clusters, ms_deploy_national,
the role users in /var/tmp/ms_deploy/load_users.json); starts the replica
guard and the production server itself (scripts/serve_production.sh) and
stops them at the end. Only the clusters of scripts/pg_replica.sh are
restarted or stopped (primary on 5434, replica on 5433), never another.

During each fault, 10 practitioners loop for 40 s: save a new liaison sheet
(each acknowledged save is recorded), then open their patient list. The
fault comes at 10 s. Printed per fault: requests during the fault (from the
fault to the recovery), errors, recovery time (from the fault to the first
success after the last failure) and records lost (acknowledged saves missing
from the primary afterwards; the target is 0).

- kill_worker: SIGKILL to the worker serving a manager's dashboard; the
  master respawns it and the manager's next request succeeds;
- restart_postgres: ``pg_ctlcluster ... ms_deploy restart -m fast``;
- stop_replica: ``pg_ctlcluster ... ms_replica stop -m fast`` (started again after);
- concurrency: under the same load, 20 times two practitioners of one site
  book the same slot at the same instant, and 20 times both send the same
  liaison sheet: each happens once.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BASE = Path(os.environ.get("MS_DEPLOY_DIR", "/var/tmp/ms_deploy"))
STATE = Path(os.environ.get("MS_LOAD_STATE", BASE / "load_users.json"))
DB = os.environ.get("MS_DB", "ms_deploy_national")
RUN = BASE / "run"
URL = "http://127.0.0.1:8479"  # nginx in front of the workers
SOCKET = "/var/run/postgresql"
PG_VERSION = sorted(os.listdir("/usr/lib/postgresql"), key=float)[-1]
CONTEXT = {"lang": "fr_FR", "tz": "Europe/Paris"}


def sql(query, port=5434, db=DB):
    result = subprocess.run(["psql", "-h", SOCKET, "-p", str(port), "-d", db, "-XtAc", query],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


class RpcError(Exception):
    pass


class Session:
    def __init__(self, entry):
        self.http = requests.Session()
        self.http.cookies.set("session_id", entry["session_id"])
        self.context = dict(CONTEXT, uid=entry["uid"])
        self.entry = entry

    def call(self, model, method, *args, timeout=60, **kwargs):
        kwargs.setdefault("context", self.context)
        response = self.http.post(f"{URL}/web/dataset/call_kw/{model}/{method}", timeout=timeout, json={
            "jsonrpc": "2.0", "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        })
        if response.status_code != 200:
            raise RpcError(f"HTTP {response.status_code}")
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"].get("data", {}).get("message") or body["error"].get("message"))
        return body.get("result")  # absent when the method returns None


def login(login_, password):
    http = requests.post(f"{URL}/web/session/authenticate", timeout=120, json={
        "jsonrpc": "2.0", "method": "call", "params": {"db": DB, "login": login_, "password": password}})
    result = http.json()["result"]
    return {"login": login_, "session_id": http.cookies["session_id"], "uid": result["uid"]}


# LOAD ---------------------------------------------------------------------------
class Load:
    """Practitioners saving liaison sheets and reading their lists, bounded."""

    def __init__(self, entries, duration=40.0):
        self.entries, self.duration = entries, duration
        self.log, self.acknowledged, self.lock = [], [], threading.Lock()
        self.threads = []
        self.started = None

    def _loop(self, entry, number):
        session = Session(entry)
        patients = []
        deadline = self.started + self.duration
        iteration = 0
        while time.monotonic() < deadline:
            iteration += 1
            for kind in ("save", "list"):
                begin = time.monotonic()
                ok, error = True, None
                try:
                    if kind == "list" or not patients:
                        result = session.call("microstructure.patient", "web_search_read", [],
                                              {"display_name": {}}, limit=40, timeout=30)
                        patients = [record["id"] for record in result["records"]]
                    else:
                        marker = f"fault-{number}-{iteration}-{time.time_ns()}"
                        saved = session.call("microstructure.liaison", "web_save", [], {
                            "patient_id": patients[iteration % len(patients)], "consent": "yes",
                            "reason_rights": True, "extra_information": marker,
                        }, specification={"extra_information": {}}, timeout=30)
                        with self.lock:
                            self.acknowledged.append((saved[0]["id"], marker))
                except (RpcError, requests.RequestException, ValueError, KeyError) as exc:
                    ok, error = False, str(exc)[:120]
                    time.sleep(0.2)  # a user retries after a moment
                with self.lock:
                    self.log.append((begin, time.monotonic(), ok, kind, error))
            time.sleep(0.3)

    def start(self):
        self.started = time.monotonic()
        for number, entry in enumerate(self.entries):
            thread = threading.Thread(target=self._loop, args=(entry, number), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self):
        for thread in self.threads:
            thread.join(self.duration + 120)

    def figures(self, fault_at):
        failures = [entry for entry in self.log if not entry[2]]
        if failures:
            last_failure = max(entry[1] for entry in failures)
            after = [entry[1] for entry in self.log if entry[2] and entry[0] >= last_failure]
            recovered = min(after) if after else float("nan")
        else:
            recovered = fault_at
        during = [entry for entry in self.log if fault_at <= entry[0] <= max(recovered, fault_at + 1)]
        ids = [str(record_id) for record_id, _marker in self.acknowledged]
        found = int(sql(f"SELECT count(*) FROM microstructure_liaison WHERE id IN ({','.join(ids)})")) if ids else 0
        return {
            "requests": len(self.log), "requests_during_fault": len(during),
            "requests_after_fault": len([entry for entry in self.log if entry[0] >= fault_at]),
            "errors": len(failures),
            "recovery_s": round(recovered - fault_at, 2), "saves_acknowledged": len(ids),
            "records_lost": len(ids) - found,
            "error_samples": sorted({entry[4] for entry in failures})[:3],
        }


# FAULTS -----------------------------------------------------------------------------
def odoo_children():
    master = int((RUN / "odoo.pid").read_text())
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == master and b"gevent" not in cmdline.split(b"\0"):
                children.append((int(entry.name), int(stat[11]) + int(stat[12])))
    return children


def fault_kill_worker(load, state):
    manager = Session(state["managers"][0])
    result = {}

    def dashboard():
        try:
            manager.call("microstructure.indicator.export", "get_dashboard", "2022")
            result["dashboard"] = "answered"
        except (RpcError, requests.RequestException) as exc:
            result["dashboard"] = f"failed: {str(exc)[:80]}"

    before = len(odoo_children())
    thread = threading.Thread(target=dashboard)
    thread.start()
    time.sleep(0.8)
    first = dict(odoo_children())
    time.sleep(0.3)
    busy = max(odoo_children(), key=lambda child: child[1] - first.get(child[0], child[1]))[0]
    killed_at = time.monotonic()
    os.kill(busy, signal.SIGKILL)
    thread.join(120)
    respawned = None
    while time.monotonic() - killed_at < 30:
        children = dict(odoo_children())
        if busy not in children and len(children) >= before:
            respawned = time.monotonic() - killed_at
            break
        time.sleep(0.1)
    began = time.monotonic()
    manager.call("microstructure.site", "search_count", [])  # the manager's next request
    manager.call("microstructure.indicator.export", "get_dashboard", "2022")
    # the worker killed is the busiest one: the manager's, or a practitioner's
    # whose request then fails (counted in the errors)
    return killed_at, {"manager_dashboard": result.get("dashboard"), "processes_before": before,
                       "respawned_after_s": round(respawned, 2) if respawned else None,
                       "next_request_s": round(time.monotonic() - began, 2)}


def fault_restart_postgres(_load, _state):
    at = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "ms_deploy", "restart",
                    "-m", "fast"], check=True)
    return at, {"restart_took_s": round(time.monotonic() - at, 2)}


def fault_stop_replica(_load, _state):
    at = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "ms_replica", "stop",
                    "-m", "fast"], check=True)
    return at, {}


CONCURRENCY_SETUP = r"""
import json
from odoo import Command
site = env['microstructure.site'].browse(%(site_id)d)
Users = env['res.users'].with_context(no_reset_password=True)
user = Users.search([('login', '=', 'charge.binome')])
if not user:
    Membership = env['microstructure.membership']
    gps = Membership.search(Membership._get_current_domain() + [('site_id', '=', site.id), ('profession', '=', 'gp')])
    free = gps.professional_id.filtered(lambda p: not p.user_id)
    if not free:
        free = env['microstructure.professional'].create({'name': 'Dr Binôme de charge', 'profession': 'gp'})
        Membership.create({'professional_id': free.id, 'site_id': site.id})
    user = Users.create({'name': 'Binôme de charge', 'login': 'charge.binome', 'password': 'charge.binome-2026',
                         'email': 'charge.binome@exemple.fr', 'lang': 'fr_FR', 'tz': 'Europe/Paris',
                         'groups_id': [Command.set([env.ref('odoo_microstructure.group_microstructure_practitioner').id])]})
    free[:1].user_id = user
    env.cr.commit()
print('OK=' + json.dumps(user.id))
"""


def concurrency(state):
    first = state["practitioners"][0]
    script = CONCURRENCY_SETUP % {"site_id": first["site_id"]}
    result = subprocess.run([sys.executable, "-m", "odoo", "shell", "-c", str(RUN / "odoo.conf"), "-d", DB,
                             "--log-level=warn", "--no-http"], input=script, capture_output=True, text=True,
                            check=False)
    assert "OK=" in result.stdout, result.stderr[-3000:]
    a, b = Session(first), Session(login("charge.binome", "charge.binome-2026"))
    patients = [record["id"] for record in a.call("microstructure.patient", "web_search_read",
                                                  [("site_id", "=", first["site_id"])], {}, limit=10)["records"]]
    outcome = {"booking_pairs": 0, "booked_once": 0, "sending_pairs": 0, "sent_once": 0, "errors_other": []}

    def race(calls):
        barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

        def one(index, call):
            barrier.wait()
            try:
                call()
                answers[index] = "ok"
            except (RpcError, requests.RequestException) as exc:
                answers[index] = str(exc)
        threads = [threading.Thread(target=one, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        return answers

    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    slots = a.call("microstructure.permanence.slot", "web_search_read",
                   [("consultation_id", "=", False), ("start", ">", now),
                    ("permanence_id.site_id", "=", first["site_id"])],
                   {"permanence_id": {}}, limit=20, order="start")["records"]
    for index, slot in enumerate(slots):
        permanence = slot["permanence_id"]

        def book(session, patient):
            return lambda: session.call("microstructure.permanence", "web_save", [permanence],
                                        {"slot_ids": [[1, slot["id"], {"patient_id": patient}]]},
                                        specification={})
        answers = race([book(a, patients[index % 10]), book(b, patients[(index + 1) % 10])])
        outcome["booking_pairs"] += 1
        booked = int(sql(f"SELECT count(*) FROM microstructure_consultation c JOIN microstructure_permanence_slot s "
                         f"ON s.consultation_id = c.id WHERE s.id = {slot['id']} AND c.state <> 'cancelled'"))
        twins = int(sql(f"SELECT count(*) FROM microstructure_consultation WHERE permanence_id = {permanence} "
                        f"AND start = (SELECT start FROM microstructure_permanence_slot WHERE id = {slot['id']})"))
        if answers.count("ok") == 1 and booked == 1 and twins == 1:
            outcome["booked_once"] += 1
        else:
            outcome["errors_other"].append(("booking", answers, booked, twins))
    for index in range(20):
        sheet = a.call("microstructure.liaison", "web_save", [],
                       {"patient_id": patients[index % 10], "consent": "yes", "reason_rights": True},
                       specification={})[0]["id"]
        answers = race([lambda s=sheet: a.call("microstructure.liaison", "action_send", [s]),
                        lambda s=sheet: b.call("microstructure.liaison", "action_send", [s])])
        outcome["sending_pairs"] += 1
        state_ = sql(f"SELECT state FROM microstructure_liaison WHERE id = {sheet}")
        mails = int(sql(f"SELECT count(*) FROM mail_message WHERE model = 'microstructure.liaison' "
                        f"AND res_id = {sheet} AND message_type = 'comment'"))
        if answers.count("ok") == 1 and state_ == "sent" and mails == 1:
            outcome["sent_once"] += 1
        else:
            outcome["errors_other"].append(("sending", answers, state_, mails))
    return outcome


def serve(action):
    env = dict(os.environ, MS_DB=DB, MS_RUN_DIR=str(RUN), MS_DATA_DIR=str(BASE / "data"))
    subprocess.run(["bash", str(ROOT / "scripts" / "serve_production.sh"), action], env=env, check=True)


def wait_streaming(limit=60):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", db="postgres") == "1" \
                    and sql("SHOW synchronous_standby_names", db="postgres"):
                return
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.5)
    raise SystemExit("fault_test: the replica is not back in synchronous service")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--only", nargs="+", default=["kill_worker", "restart_postgres", "stop_replica",
                                                      "concurrency"])
    parser.add_argument("--results", default=str(BASE / "faults.jsonl"))
    args = parser.parse_args()
    state = json.loads(STATE.read_text())
    subprocess.run(["bash", str(ROOT / "scripts" / "pg_replica.sh"), "up"], check=True)
    guard = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "replica_guard.py"), "--duration", "1800"],
                             stdout=open(BASE / "fault_guard.log", "w", encoding="utf-8"),  # noqa: SIM115
                             stderr=subprocess.STDOUT)
    serve("start")
    results = []
    try:
        for name in args.only:
            wait_streaming()
            if name == "concurrency":
                load = Load(state["practitioners"][10:20], duration=60)
                load.start()
                time.sleep(5)
                at = time.monotonic()
                details = concurrency(state)
            else:
                load = Load(state["practitioners"][:10])
                load.start()
                time.sleep(10)
                at, details = globals()[f"fault_{name}"](load, state)
            load.join()
            figures = {"fault": name, **load.figures(at), **details}
            results.append(figures)
            print(json.dumps(figures, ensure_ascii=False), flush=True)
            if name == "stop_replica":
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "ms_replica", "start"],
                               check=True)
    finally:
        serve("stop")
        guard.terminate()
        guard.wait(30)
    with open(args.results, "a", encoding="utf-8") as file:
        for figures in results:
            file.write(json.dumps(figures, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
