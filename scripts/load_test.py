#!/usr/bin/env python3
"""Load test of odoo_microstructure with Locust (a benchmark, not a test of
the suite).

Each simulated user replays the mix of its role through the JSON-RPC calls
the web client makes:

- practitioners (weight 15): patient kanban and list, patient form, liaison
  kanban, consultation calendar, booking a free permanence slot (the
  permanence form saved with the slot's patient), writing and sending a
  liaison sheet (its PDF is rendered and mailed);
- Carsat social workers (weight 3): liaison kanban, liaison form, moving a
  sent sheet to "contacted" (a kanban drag);
- regional managers (weight 2): the indicators dashboard of the reporting
  year 2022-09-01 to 2023-08-31, and its Excel export.

Think time between two actions: 1 to 5 s. Two users booking the same slot or
moving the same sheet is expected: the loser gets Odoo's "already booked" /
"already moved" message, counted apart ("... taken"), never as an error.

The commands (targets must be on 127.0.0.1; Locust in a virtualenv of its
own, see the README):

    load_test.py setup --config RUN/odoo.conf --db DB --url http://127.0.0.1:8479
        creates the role users (logins charge.*) linked to professionals of
        populated sites, Carsat offices for their departments, future
        permanences and liaison sheets, then logs every user in once
        (the sessions are reused by the runs); writes --state
    load_test.py run --url http://127.0.0.1:8479 --users 10 50 200 --run-time 60s
        --pid-file RUN/odoo.pid --label production
        one headless Locust run per user count (statistics reset once all
        users are spawned), memory of Odoo's processes sampled from /proc;
        prints one Markdown row per run and appends it to --results

Run by Locust itself, this file is the locustfile (``locust -f``).
"""

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

STATE = Path(os.environ.get("MS_LOAD_STATE", "/var/tmp/ms_deploy/load_users.json"))
YEAR = "2022"  # the reporting year 2022-09-01 to 2023-08-31 of the population
CONTEXT = {"lang": "fr_FR", "tz": "Europe/Paris"}
ALLOWED_HOSTS = {"127.0.0.1", "localhost"}


def _check_local(url):
    host = urlparse(url).hostname
    if host not in ALLOWED_HOSTS:
        sys.exit(f"load_test: the target must be on 127.0.0.1, not {host}")


# SETUP (runs the ORM through `odoo shell`) ------------------------------------
SETUP_SCRIPT = r"""
import json, random
from datetime import datetime, timedelta
from odoo import Command, fields
N_PRACT, N_CARSAT, N_MANAGER = %(practitioners)d, %(carsat)d, %(managers)d
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True,
                       no_reset_password=True, mail_notify_noemail=True))
rnd = random.Random(2026)
ref = lambda xmlid: env.ref('odoo_microstructure.' + xmlid)
Users = env['res.users']
state = {'practitioners': [], 'carsat': [], 'managers': []}
existing = Users.search([('login', '=like', 'charge.%%')])
if existing:
    for user in existing.filtered(lambda u: not u.email):
        user.email = user.login + '@exemple.fr'
    env.cr.commit()
    for user in existing.sorted('login'):
        role = user.login.split('.')[1].rstrip('0123456789')
        entry = {'login': user.login, 'password': user.login + '-2026'}
        if role == 'praticien':
            entry['site_id'] = user.microstructure_professional_ids.membership_ids.site_id[:1].id
            state['practitioners'].append(entry)
        elif role == 'carsat':
            state['carsat'].append(entry)
        else:
            state['managers'].append(entry)
    print('STATE=' + json.dumps(state))
    raise SystemExit(0)

def user(login, name, group, **values):
    return Users.create(dict(
        name=name, login=login, password=login + '-2026', email=login + '@exemple.fr', lang='fr_FR', tz='Europe/Paris',
        groups_id=[Command.set([ref(group).id])], **values))

Membership = env['microstructure.membership']
current = Membership.search(Membership._get_current_domain())
by_site = {}
for membership in current:
    by_site.setdefault(membership.site_id, []).append(membership)
patients_per_site = dict(env['microstructure.patient']._read_group([], ['site_id'], ['__count']))
candidates = []
for site, memberships in sorted(by_site.items(), key=lambda item: item[0].id):
    gps = [m.professional_id for m in memberships if m.profession == 'gp' and not m.professional_id.user_id]
    helpers = [m.professional_id for m in memberships if m.profession in ('psychologist', 'social_worker')]
    if gps and helpers and patients_per_site.get(site, 0) >= 40:
        candidates.append((site, gps[0], helpers[0]))
rnd.shuffle(candidates)
chosen = candidates[:N_PRACT]
assert len(chosen) == N_PRACT, len(candidates)

# social service offices for the departments of the chosen sites
departments = env['microstructure.department'].browse(sorted({site.department_id.id for site, _g, _h in chosen}))
covered = env['microstructure.social.service'].search([]).department_ids
offices = env['microstructure.social.service']
for department in departments - covered:
    offices |= env['microstructure.social.service'].create({
        'name': 'Service social Carsat ' + department.name,
        'email': 'service.social.%%s@carsat.exemple.fr' %% department.code.lower(),
        'department_ids': [Command.set(department.ids)],
    })
offices = env['microstructure.social.service'].search([('department_ids', 'in', departments.ids)])

now = datetime.now().replace(minute=0, second=0, microsecond=0)
for index, (site, gp, helper) in enumerate(chosen, 1):
    login = 'charge.praticien%%03d' %% index
    practitioner = user(login, 'Praticien de charge %%03d' %% index, 'group_microstructure_practitioner')
    gp.user_id = practitioner
    state['practitioners'].append({'login': login, 'password': login + '-2026', 'site_id': site.id})
    env['microstructure.permanence'].create([{
        'site_id': site.id, 'professional_id': helper.id,
        'start': (now + timedelta(days=7 + day)).replace(hour=8),
        'stop': (now + timedelta(days=7 + day)).replace(hour=12),
        'slot_minutes': 45,
    } for day in range(40)])
    patients = env['microstructure.patient'].search([('site_id', '=', site.id)], limit=40)
    sheets = env['microstructure.liaison'].with_user(practitioner).create([{
        'patient_id': patient.id, 'consent': 'yes', 'reason_rights': True,
        'extra_information': 'Demande de la campagne de charge.',
    } for patient in patients])
    # three quarters are already sent (as the method does, without the PDF mail)
    for sheet in sheets[:30]:
        sheet.sudo().write({'sent_hash': sheet._compute_sent_hash(), 'date_sent': fields.Datetime.now(),
                            'sent_by_id': practitioner.id})
    env.cr.execute("UPDATE microstructure_liaison SET state = 'sent' WHERE id = ANY(%%s)", [sheets[:30].ids])

for index in range(1, N_CARSAT + 1):
    login = 'charge.carsat%%02d' %% index
    mine = offices.filtered(lambda office, i=index: (office.id %% N_CARSAT) == (i %% N_CARSAT)) or offices
    user(login, 'Assistante sociale de charge %%02d' %% index, 'group_microstructure_carsat',
         microstructure_social_service_ids=[Command.set(mine.ids)])
    state['carsat'].append({'login': login, 'password': login + '-2026'})
regions = departments.region_id
for index in range(1, N_MANAGER + 1):
    login = 'charge.ars%%02d' %% index
    region = regions[(index - 1) %% len(regions)]
    user(login, 'Responsable régional de charge %%02d' %% index, 'group_microstructure_regional_manager',
         microstructure_region_ids=[Command.set(region.ids)])
    state['managers'].append({'login': login, 'password': login + '-2026'})
# the PDFs of the liaison sheets are rendered with this server's assets, not another's
env['ir.config_parameter'].set_param('report.url', %(report_url)r)
env.cr.commit()
print('STATE=' + json.dumps(state))
"""


def setup(args):
    _check_local(args.url)
    script = SETUP_SCRIPT % {
        "practitioners": args.practitioners, "carsat": args.carsat, "managers": args.managers,
        "report_url": args.report_url or args.url,
    }
    command = [args.odoo_python, "-m", "odoo", "shell", "-c", args.config, "-d", args.db,
               "--log-level=warn", "--no-http"]
    started = time.perf_counter()
    result = subprocess.run(command, input=script, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("STATE=")]
    if not lines:
        sys.exit(f"load_test: setup failed\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    state = json.loads(lines[0][len("STATE="):])
    print(f"load_test: {len(state['practitioners'])} practitioners, {len(state['carsat'])} Carsat "
          f"social workers, {len(state['managers'])} regional managers "
          f"({time.perf_counter() - started:.0f} s)")
    login_all(state, args.url, args.db)
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=1))
    print(f"load_test: state in {STATE}")


def login_all(state, url, db):
    import requests  # pylint: disable=import-outside-toplevel

    started = time.perf_counter()
    for role in ("practitioners", "carsat", "managers"):
        for entry in state[role]:
            response = requests.post(f"{url}/web/session/authenticate", json={
                "jsonrpc": "2.0", "method": "call",
                "params": {"db": db, "login": entry["login"], "password": entry["password"]},
            }, timeout=60)
            result = response.json()
            if "error" in result or not result.get("result", {}).get("uid"):
                sys.exit(f"load_test: cannot log in as {entry['login']}: {result.get('error')}")
            entry["session_id"] = response.cookies["session_id"]
            entry["uid"] = result["result"]["uid"]
    print(f"load_test: logged every user in ({time.perf_counter() - started:.0f} s)")


# MEMORY -------------------------------------------------------------------------
def _children(pid):
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields_ = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields_[1]) == pid:
                children.append(int(entry.name))
    return children


def _peak_mb(pid):
    """Peak resident memory of a process (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """Largest resident memory of Odoo's master and of its workers."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.master = self.worker = self.gevent = 0.0
        self.workers_seen = set()

    def run(self):
        while not self.stop.is_set():
            self.master = max(self.master, _peak_mb(self.pid))
            for child in _children(self.pid):
                cmdline = _cmdline(child)
                if not any(part.endswith((b"odoo-bin", b"odoo")) for part in cmdline):
                    continue  # wkhtmltopdf rendering a PDF for the threaded server
                peak = _peak_mb(child)
                if b"gevent" in cmdline:
                    self.gevent = max(self.gevent, peak)
                else:
                    self.workers_seen.add(child)
                    self.worker = max(self.worker, peak)
            self.stop.wait(0.5)


# RUN ----------------------------------------------------------------------------
def _number(value):
    try:
        return float(value)
    except ValueError:  # "N/A": no request
        return float("nan")


def _read_stats(prefix):
    import csv  # pylint: disable=import-outside-toplevel

    with open(f"{prefix}_stats.csv", encoding="utf-8") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


# the screens a user opens: kanbans, lists and forms (not the saves)
READS = ("kanban: patients groups", "kanban: patients cards", "kanban: liaisons groups", "kanban: liaisons cards",
         "kanban: liaisons (Carsat) groups", "kanban: liaisons (Carsat) cards", "list: patients",
         "list: liaisons sent", "form: patient", "form: liaison", "calendar: consultations")


def _group_p95(rows, names):
    """Largest p95 of the request names in ``names`` (or starting with them)."""
    values = [_number(row["95%"]) for name, row in rows.items()
              if name != "Aggregated" and (name in names or name.startswith(tuple(names)))
              and int(row["Request Count"]) and not name.endswith(("save", "drag", "taken"))]
    return max(values) if values else float("nan")


def run(args):
    _check_local(args.url)
    if not STATE.is_file():
        sys.exit(f"load_test: run `load_test.py setup` first ({STATE} is missing)")
    pid = int(Path(args.pid_file).read_text().strip()) if args.pid_file else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for users in args.users:
        prefix = out / f"{args.label}_{users}"
        spawn_rate = max(users / 10, 1)
        ramp = users / spawn_rate
        command = [
            sys.executable, "-m", "locust", "-f", __file__, "--headless", "--host", args.url,
            "-u", str(users), "-r", str(spawn_rate), "--run-time", f"{int(ramp + args.run_time)}s",
            "--reset-stats", "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
            "--loglevel", "WARNING",
        ]
        sampler = MemorySampler(pid) if pid else None
        if sampler:
            sampler.start()
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                timeout=ramp + args.run_time + 120)
        if sampler:
            sampler.stop.set()
            sampler.join()
        (out / f"{args.label}_{users}.log").write_text(result.stdout + result.stderr)
        rows = _read_stats(prefix)
        total = rows["Aggregated"]
        count, failures = int(total["Request Count"]), int(total["Failure Count"])
        figures = {
            "label": args.label, "users": users, "requests": count, "failures": failures,
            "rps": _number(total["Requests/s"]), "p50": _number(total["50%"]), "p95": _number(total["95%"]),
            "p99": _number(total["99%"]),
            "error_rate": 100.0 * failures / count if count else float("nan"),
            "p95_kanban_form": _group_p95(rows, READS),
            "p95_dashboard": _group_p95(rows, ("dashboard: indicators",)),
            "worker_mb": sampler.worker if sampler else None,
            "master_mb": sampler.master if sampler else None,
            "processes": len(sampler.workers_seen) if sampler else None,
            "loadavg_1min_end": float(Path("/proc/loadavg").read_text().split()[0]),
        }
        with open(args.results, "a", encoding="utf-8") as file:
            file.write(json.dumps(figures) + "\n")
        print(f"| {args.label} | {users} | {figures['rps']:.1f} | {figures['p50']:.0f} | {figures['p95']:.0f} | "
              f"{figures['p99']:.0f} | {figures['error_rate']:.2f} % ({failures}/{count}) | "
              f"{figures['p95_kanban_form']:.0f} | {figures['p95_dashboard']:.0f} | "
              f"{(figures['worker_mb'] or figures['master_mb'] or 0):.0f} MB | load {figures['loadavg_1min_end']:.1f}",
              flush=True)
        errors = [row for name, row in _read_failures(prefix)]
        for row in errors[:5]:
            print(f"    {row['Occurrences']} x {row['Name']}: {row['Error'][:200]}")


def _read_failures(prefix):
    import csv  # pylint: disable=import-outside-toplevel

    path = f"{prefix}_failures.csv"
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as file:
        return [(row["Name"], row) for row in csv.DictReader(file)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup")
    p_setup.add_argument("--config", required=True, help="Odoo configuration file of the server")
    p_setup.add_argument("--db", required=True)
    p_setup.add_argument("--url", default="http://127.0.0.1:8479")
    p_setup.add_argument("--odoo-python", default="python3", help="interpreter that imports Odoo")
    p_setup.add_argument("--report-url", default=None,
                         help="where wkhtmltopdf fetches the report assets (default: --url, the proxy)")
    p_setup.add_argument("--practitioners", type=int, default=60)
    p_setup.add_argument("--carsat", type=int, default=10)
    p_setup.add_argument("--managers", type=int, default=10)
    p_run = sub.add_parser("run")
    p_run.add_argument("--url", default="http://127.0.0.1:8479")
    p_run.add_argument("--users", type=int, nargs="+", default=[10, 50, 200])
    p_run.add_argument("--run-time", type=int, default=60, help="seconds measured after the ramp")
    p_run.add_argument("--pid-file", help="pid file of Odoo's master process")
    p_run.add_argument("--label", default="run")
    p_run.add_argument("--out", default="/var/tmp/ms_deploy/load")
    p_run.add_argument("--results", default="/var/tmp/ms_deploy/load/results.jsonl")
    args = parser.parse_args()
    if args.command == "setup":
        setup(args)
    else:
        print("| server | users | req/s | p50 ms | p95 ms | p99 ms | errors | p95 kanban/list/form ms | "
              "p95 dashboard ms | largest worker |")
        run(args)


# LOCUSTFILE -------------------------------------------------------------------------
FastHttpUser = None
if __name__ != "__main__":  # imported by Locust as its locustfile (the commands do not need it)
    from locust import FastHttpUser, between, events, task

if FastHttpUser is not None:
    _SESSIONS = {}
    _COUNTERS = {role: itertools.count() for role in ("practitioners", "carsat", "managers")}

    def _session(role):
        if not _SESSIONS:
            _SESSIONS.update(json.loads(STATE.read_text()))
        entries = _SESSIONS[role]
        return entries[next(_COUNTERS[role]) % len(entries)]

    class OdooUser(FastHttpUser):
        abstract = True
        role = None
        wait_time = between(1, 5)
        connection_timeout = 60.0
        network_timeout = 180.0

        def on_start(self):
            self.me = _session(self.role)
            self.client.cookiejar.clear()
            self.session_cookie = {"Cookie": f"session_id={self.me['session_id']}"}
            self.odoo_context = dict(CONTEXT, uid=self.me["uid"], allowed_company_ids=[1])
            self.rnd = random.Random()
            # the ids last listed: the patients of the user's team, the sheets sent to its office
            self.patients, self.sheets = [], []

        def call(self, name, model, method, *args, expected=(), **kwargs):
            """One JSON-RPC call as the web client makes it. Odoo errors whose
            message contains one of ``expected`` are outcomes, not failures."""
            kwargs.setdefault("context", self.odoo_context)
            payload = {"jsonrpc": "2.0", "method": "call", "id": self.rnd.randint(1, 10**9),
                       "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}}
            with self.client.post(f"/web/dataset/call_kw/{model}/{method}", json=payload, name=name,
                                  headers=self.session_cookie, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return None
                try:
                    body = response.json()
                except ValueError:
                    response.failure("not JSON")
                    return None
                if "error" in body:
                    data = body["error"].get("data", {})
                    message = data.get("message", "") or body["error"].get("message", "")
                    if any(text in message for text in expected):
                        response.success()
                        events.request.fire(request_type="POST", name=f"{name} taken", response_time=0,
                                            response_length=0, exception=None, context={})
                        return None
                    response.failure(f"{data.get('name', 'error')}: {message[:160]}")
                    return None
                # Odoo leaves "result" out when the method returns None (a send)
                return body.get("result")

        def kanban(self, name, model, spec, domain=(), limit=40):
            groups = self.call(f"kanban: {name} groups", model, "web_read_group", list(domain),
                               ["state"], ["state"], lazy=True, limit=80) or {}
            for group in (groups.get("groups") or [])[:3]:
                if group.get("state_count"):
                    self.call(f"kanban: {name} cards", model, "web_search_read",
                              list(domain) + [("state", "=", group["state"])], spec, limit=limit)

    PATIENT_LIST = {"display_name": {}, "age": {}, "sex": {}, "site_id": {"fields": {"display_name": {}}},
                    "gp_id": {"fields": {"display_name": {}}}, "inclusion_date": {}, "motive_addiction": {},
                    "motive_precarity": {}, "motive_mental_health": {},
                    "main_substance_id": {"fields": {"display_name": {}}}, "consent_date": {}, "state": {}}
    PATIENT_KANBAN = {"display_name": {}, "age": {}, "site_id": {"fields": {"display_name": {}}},
                      "motive_addiction": {}, "motive_precarity": {}, "motive_mental_health": {},
                      "main_substance_id": {"fields": {"display_name": {}}}, "consent_date": {}, "color": {},
                      "state": {}, "activity_ids": {}}
    PATIENT_FORM = {**PATIENT_LIST, "civility": {}, "name": {}, "first_names": {}, "birth_name": {},
                    "birth_date": {}, "street": {}, "zip": {}, "city": {}, "phone": {}, "exit_date": {},
                    "substance_ids": {"fields": {"display_name": {}}}, "synthesis": {},
                    "consultation_ids": {"fields": {"start": {}, "kind": {}, "state": {}, "place": {},
                                                    "professional_id": {"fields": {"display_name": {}}}},
                                         "limit": 40}}
    LIAISON_KANBAN = {"consent": {}, "name": {}, "civility": {}, "usage_name": {}, "first_name": {},
                      "social_service_id": {"fields": {"display_name": {}}}, "date": {}, "state": {},
                      "activity_ids": {}, "requester_id": {"fields": {"display_name": {}}}}
    LIAISON_FORM = {**LIAISON_KANBAN, "requester_qualification": {}, "date_sent": {}, "birth_name": {},
                    "birth_date": {}, "street": {}, "zip": {}, "city": {}, "phone": {}, "reason_rights": {},
                    "reason_job": {}, "reason_hospital": {}, "reason_illness": {}, "reason_other": {},
                    "extra_information": {}, "social_worker_name": {}, "in_scope": {}, "outcome": {},
                    "sent_hash": {}}

    # a colleague was faster on the slot, or the patient is booked elsewhere at that hour
    BOOKING_REFUSALS = ("already booked", "déjà réservé", "already has a consultation", "a déjà une consultation")

    class Practitioner(OdooUser):
        role = "practitioners"
        weight = 15

        @task(3)
        def patient_kanban(self):
            self.kanban("patients", "microstructure.patient", PATIENT_KANBAN)

        @task(3)
        def patient_list(self):
            result = self.call("list: patients", "microstructure.patient", "web_search_read", [],
                               PATIENT_LIST, limit=80, count_limit=10001)
            if result:
                # bookings and referrals are for the patients still followed
                self.patients = [record["id"] for record in result["records"] if record["state"] == "followed"]

        @task(3)
        def patient_form(self):
            if not self.patients:
                return self.patient_list()
            self.call("form: patient", "microstructure.patient", "web_read",
                      [self.rnd.choice(self.patients)], PATIENT_FORM)
            return None

        @task(2)
        def liaison_kanban(self):
            self.kanban("liaisons", "microstructure.liaison", LIAISON_KANBAN)

        @task(2)
        def calendar(self):
            start = datetime(2023, 3, 6, tzinfo=timezone.utc) + timedelta(weeks=self.rnd.randint(0, 20))
            self.call("calendar: consultations", "microstructure.consultation", "search_read",
                      [("start", "<=", (start + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")),
                       ("start", ">=", start.strftime("%Y-%m-%d %H:%M:%S"))],
                      ["patient_id", "kind", "state", "professional_id", "start", "duration"])

        @task(1)
        def book(self):
            if not self.patients:
                return self.patient_list()
            now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            slots = self.call("booking: free slots", "microstructure.permanence.slot", "web_search_read",
                              [("consultation_id", "=", False), ("start", ">", now),
                               ("permanence_id.site_id", "=", self.me["site_id"])],
                              {"permanence_id": {"fields": {"display_name": {}}}, "start": {}},
                              limit=5, order="start")
            if not slots or not slots["records"]:
                return None
            slot = self.rnd.choice(slots["records"][:2])  # colleagues aim at the first free slots
            self.call("booking: save", "microstructure.permanence", "web_save",
                      [slot["permanence_id"]["id"]],
                      {"slot_ids": [[1, slot["id"], {"patient_id": self.rnd.choice(self.patients)}]]},
                      specification={"booked_count": {}}, expected=BOOKING_REFUSALS)
            return None

        @task(1)
        def send_liaison(self):
            if not self.patients:
                return self.patient_list()
            saved = self.call("form: liaison save", "microstructure.liaison", "web_save", [],
                              {"patient_id": self.rnd.choice(self.patients), "consent": "yes",
                               "reason_rights": True}, specification={"state": {}})
            if saved:
                self.call("liaison: send", "microstructure.liaison", "action_send", [saved[0]["id"]])
            return None

    class Carsat(OdooUser):
        role = "carsat"
        weight = 3

        @task(3)
        def liaison_kanban(self):
            self.kanban("liaisons (Carsat)", "microstructure.liaison", LIAISON_KANBAN)
            result = self.call("list: liaisons sent", "microstructure.liaison", "web_search_read",
                               [("state", "=", "sent")], {"name": {}, "state": {}}, limit=20)
            if result:
                self.sheets = [record["id"] for record in result["records"]]

        @task(2)
        def liaison_form(self):
            if self.sheets:
                self.call("form: liaison", "microstructure.liaison", "web_read",
                          [self.rnd.choice(self.sheets)], LIAISON_FORM)

        @task(1)
        def move(self):
            if self.sheets:
                sheet = self.sheets.pop(self.rnd.randrange(len(self.sheets)))
                self.call("kanban: liaison drag", "microstructure.liaison", "web_save", [sheet],
                          {"state": "contacted"}, specification={"state": {}},
                          expected=("cannot go from", "ne peut pas passer", "already", "déjà"))

    class RegionalManager(OdooUser):
        role = "managers"
        weight = 2

        @task(3)
        def dashboard(self):
            # what the indicators page asks when a year is chosen
            self.call("dashboard: indicators", "microstructure.indicator.export", "get_dashboard", YEAR)

        @task(1)
        def export(self):
            # what its export button does: a record of the user, its workbook, the download
            ids = self.call("export: save", "microstructure.indicator.export", "create", [{"year": YEAR}])
            if not ids:
                return
            action = self.call("export: workbook", "microstructure.indicator.export", "action_export", ids)
            if action and action.get("url"):
                with self.client.get(action["url"], name="export: download", headers=self.session_cookie,
                                     catch_response=True) as response:
                    if response.status_code != 200 or not (response.content or b"").startswith(b"PK"):
                        response.failure(f"HTTP {response.status_code}, not a workbook")


if __name__ == "__main__":
    main()
