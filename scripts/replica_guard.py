#!/usr/bin/env python3
"""Keeps the read replica consistent with what users have just saved.

Odoo 18 sends its read-only calls (``@api.readonly``: kanbans, lists,
read_group...) to ``db_replica_host``/``db_replica_port`` and, when it cannot
connect there, falls back to the primary (until the worker is recycled). It
knows nothing of replication lag: on a lagging replica, a list opened just
after a save would not show it. This guard, run on the database host, closes
that gap with PostgreSQL's own tools:

- while the replica is healthy, the primary commits synchronously with
  ``synchronous_commit = remote_apply``: a save returns once the replica has
  applied it, so the next read, on the replica, sees it;
- when the replica is down, or a commit waits on it longer than ``--max-wait``
  (replica lagging or replay paused), or it is more than ``--max-lag`` bytes
  behind, the guard first *fences* the replica (its pg_hba.conf then refuses
  every database but ``postgres``, and its client sessions are terminated),
  then releases the primary (``synchronous_standby_names = ''``): Odoo's
  workers cannot reach the replica any more and fall back to the primary,
  which holds every commit;
- when the replica streams again and has replayed everything, the guard turns
  synchronous commit back on, waits until the replica has replayed past that
  point, then lifts the fence.

Usage (as root or postgres, on the host of both clusters; or in a container
of its own that mounts the replica's data directory, as the production
compose stack does, the password in PGPASSWORD):

    scripts/replica_guard.py [--primary-port 5434] [--replica-port 5433]
        [--standby ms_replica] [--replica-hba /etc/postgresql/15/ms_replica/pg_hba.conf]
        [--primary-host HOST] [--replica-host HOST] [--user USER] [--fence-open-to all]
        [--interval 0.2] [--max-wait 1.0] [--max-lag 16777216] [--duration SECONDS]

``--release`` returns the primary to asynchronous commit, lifts the fence and
exits (after a maintenance, or when the guard is retired).

It stops after ``--duration`` seconds (default: runs until SIGTERM/SIGINT) and,
on the way out, returns the primary to asynchronous commit, so that a stopped
guard never leaves commits waiting on a replica. Each change of state is
printed on one line with its timestamp.
"""

import argparse
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg2

SOCKET = "/var/run/postgresql"
FENCE_BEGIN = "# replica_guard: fenced (lagging or out of sync); only the postgres database is open"


def fence_rules(open_to=None):
    """pg_hba.conf lines put in front of the replica's own while it is
    fenced: the ``postgres`` database stays open to the guard (from
    ``open_to`` too, with a password, when it runs on another host or
    container), every other database is refused from everywhere."""
    remote = f"host    postgres        all             {open_to:<23} scram-sha-256\n" if open_to else ""
    return (
        f"{FENCE_BEGIN}\n"
        "local   postgres        all                                     trust\n"
        "host    postgres        all             127.0.0.1/32            trust\n"
        f"{remote}"
        "local   all             all                                     reject\n"
        "host    all             all             all                     reject\n"
        "# replica_guard: end\n"
    )


def log(message):
    stamp = datetime.now(timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    print(f"{stamp} replica_guard: {message}", flush=True)


class Guard:
    def __init__(self, args):
        self.args = args
        self.primary = None
        self.sync = None  # unknown until read from the primary
        self.fenced = Path(args.replica_hba).read_text().startswith(FENCE_BEGIN)
        self.healthy_since = None

    # CONNECTIONS ---------------------------------------------------------
    def _connect(self, host, port):
        cnx = psycopg2.connect(host=host, port=port, dbname="postgres",
                               user=self.args.user, connect_timeout=2,
                               application_name="replica_guard")
        cnx.autocommit = True
        return cnx

    def _primary(self, sql, params=None):
        for attempt in (1, 2):
            try:
                if self.primary is None or self.primary.closed:
                    self.primary = self._connect(self.args.primary_host, self.args.primary_port)
                with self.primary.cursor() as cr:
                    cr.execute(sql, params)
                    return cr.fetchall() if cr.description else None
            except psycopg2.OperationalError:
                self.primary = None
                if attempt == 2:
                    raise
        return None

    def _replica(self, sql):
        try:
            cnx = self._connect(self.args.replica_host, self.args.replica_port)
        except psycopg2.OperationalError:
            return None
        try:
            with cnx.cursor() as cr:
                cr.execute(sql)
                return cr.fetchall() if cr.description else []
        except psycopg2.Error:
            return None
        finally:
            cnx.close()

    # STATE -----------------------------------------------------------------
    def read_state(self):
        """(streaming, replay bytes behind, oldest wait on the replica in s)."""
        rows = self._primary(
            """SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)
                 FROM pg_stat_replication WHERE application_name = %s""",
            (self.args.standby,),
        )
        streaming = bool(rows) and rows[0][0] == "streaming"
        behind = int(rows[0][1] or 0) if rows else None
        [(wait,)] = self._primary(
            """SELECT coalesce(max(extract(epoch FROM clock_timestamp() - state_change)), 0)
                 FROM pg_stat_activity WHERE wait_event = 'SyncRep'"""
        )
        return streaming, behind, float(wait)

    def set_sync(self, on):
        names = self.args.standby if on else ""
        self._primary("ALTER SYSTEM SET synchronous_standby_names = %s", (names,))
        self._primary("ALTER SYSTEM SET synchronous_commit = %s", ("remote_apply" if on else "on",))
        self._primary("SELECT pg_reload_conf()")
        self.sync = on

    def _current_lsn(self):
        return self._primary("SELECT pg_current_wal_lsn()")[0][0]

    def fence(self, on):
        hba = Path(self.args.replica_hba)
        text = hba.read_text()
        if FENCE_BEGIN in text:
            text = text.split("# replica_guard: end\n", 1)[1]
        hba.write_text(fence_rules(self.args.fence_open_to) + text if on else text)
        self._replica("SELECT pg_reload_conf()")
        self.fenced = on
        if on:
            self.terminate_clients()

    def terminate_clients(self):
        self._replica(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE backend_type = 'client backend' AND datname <> 'postgres'
                  AND pid <> pg_backend_pid()"""
        )

    # LOOP --------------------------------------------------------------------
    def step(self):
        try:
            streaming, behind, wait = self.read_state()
        except psycopg2.OperationalError:
            return  # the primary is down: nothing to release, nothing to read
        if self.sync is None:
            [(names,)] = self._primary("SHOW synchronous_standby_names")
            self.sync = bool(names)
        healthy = streaming and wait < self.args.max_wait and behind is not None and behind <= self.args.max_lag
        if not healthy:
            self.healthy_since = None
            if not self.fenced:
                self.fence(True)
                log(f"replica out of service (streaming={streaming}, behind={behind} bytes, "
                    f"commit waiting {wait:.1f} s): fenced, reads go to the primary")
            else:
                self.terminate_clients()
            if self.sync:
                self.set_sync(False)
                log("primary back to asynchronous commit")
            return
        if self.fenced:
            if self.healthy_since is None:
                self.healthy_since = time.monotonic()
            if behind > 0 or time.monotonic() - self.healthy_since < self.args.settle:
                return
            if not self.sync:
                self.set_sync(True)
                log("replica caught up: synchronous commit (remote_apply) on")
            # every commit before sync was turned on must be replayed before reads come back
            target = self._current_lsn()
            rows = self._replica(f"SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '{target}') >= 0")
            if rows and rows[0][0]:
                self.fence(False)
                log("replica back in service")
        elif not self.sync:
            self.set_sync(True)
            log("replica streaming: synchronous commit (remote_apply) on")

    def stop(self):
        try:
            if self.sync is not False:
                self.set_sync(False)
                log("stopped: primary back to asynchronous commit")
        except psycopg2.Error as error:
            log(f"stopped, could not reset the primary: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--host", default=SOCKET, help="host of both clusters (socket directory by default)")
    parser.add_argument("--primary-host", default=None, help="host of the primary (default: --host)")
    parser.add_argument("--replica-host", default=None, help="host of the replica (default: --host)")
    parser.add_argument("--fence-open-to", default=None,
                        help="address (CIDR, or all) from which the guard reaches the fenced replica's "
                             "postgres database with a password, when it does not run beside it")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--primary-port", type=int, default=5434)
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--standby", default="ms_replica", help="application_name of the replica")
    parser.add_argument("--replica-hba", default=None, help="pg_hba.conf of the replica")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between checks")
    parser.add_argument("--max-wait", type=float, default=1.0,
                        help="seconds a commit may wait on the replica")
    parser.add_argument("--max-lag", type=int, default=16 * 2**20, help="bytes of WAL behind")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds of health before the replica is used again")
    parser.add_argument("--duration", type=float, default=None, help="stop after so many seconds")
    parser.add_argument("--release", action="store_true", help="asynchronous commit, no fence, then exit")
    args = parser.parse_args()
    args.primary_host = args.primary_host or args.host
    args.replica_host = args.replica_host or args.host
    if args.replica_hba is None:
        versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: float(p.name))
        args.replica_hba = str(versions[-1] / args.standby / "pg_hba.conf")
    guard = Guard(args)
    if args.release:
        guard.set_sync(False)
        guard.fence(False)
        log("released: asynchronous commit, replica open")
        return 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    log(f"watching {args.standby} (primary :{args.primary_port}, replica :{args.replica_port})")
    deadline = time.monotonic() + args.duration if args.duration else None
    try:
        while not stopping and (deadline is None or time.monotonic() < deadline):
            try:
                guard.step()
            except psycopg2.Error as error:
                log(f"check failed: {error}".strip())
            time.sleep(args.interval)
    finally:
        guard.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
