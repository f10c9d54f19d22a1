"""The access trace: every path to patient data writes its entries, on a
connection of its own (read-only requests and refused ones included); the
trace is append-only, its chain detects an edited row, the purge keeps it
verifiable; the data protection officer and the site coordinators read it.

The entries are committed by a connection of their own: the tests read them
back through another one (the test's transaction does not see them), once
the appends sent are answered (``wait_for_trace``).
"""

import hashlib
import time
from datetime import datetime
from types import SimpleNamespace
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import Error as PsycopgError
from werkzeug.test import EnvironBuilder

import odoo
from odoo import Command
from odoo.exceptions import AccessError
from odoo.http import Response
from odoo.tests import HttpCase, tagged

from ..models.ir_http import ResponseTrace
from ..models.microstructure_access_log import (
    LOCK_KEY, VERIFY_QUERY, TraceConnection, append_arguments, entry_group, insert_entries, link_hash,
    primary_cursor, wait_for_trace,
)
from .common import JsonRpcMixin, MicrostructureCommon


def committed_entries(env, user_ids=None, patient_ids=None):
    """The entries committed in the trace (by user or by patient)."""
    assert wait_for_trace(env.cr.dbname), "the appends sent are still unanswered"
    with primary_cursor(env.cr.dbname) as cr:
        cr.execute(
            """SELECT id, seq, user_ref, user_name, profession, patient_ref, site_ref, action, path,
                      session_key, ip, hash
                 FROM microstructure_access_log
                WHERE (%(users)s IS NULL OR user_ref = ANY(%(users)s))
                  AND (%(patients)s IS NULL OR patient_ref = ANY(%(patients)s))
                ORDER BY seq""",
            {"users": user_ids, "patients": patient_ids},
        )
        return cr.dictfetchall()


@tagged("post_install", "-at_install")
class TestAccessTracePaths(JsonRpcMixin, MicrostructureCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = cls._create_office("Service social trace", "trace@carsat-test.fr", users=cls.user_carsat)
        cls.patients = cls.env["microstructure.patient"].create([
            {"name": f"Trace {i}", "first_names": "Test", "birth_date": "1970-01-01", "sex": "male",
             "site_id": cls.site_a1.id}
            for i in range(3)
        ])
        cls.patient = cls.patients[0]
        cls.sheet = cls.env["microstructure.liaison"].create({
            "patient_id": cls.patient.id, "consent": "yes", "reason_rights": True,
            "social_service_id": cls.office.id, "requester_id": cls.user_gp_a1.id,
        })

    def _new_entries(self, user, before):
        return [entry for entry in committed_entries(self.env, [user.id]) if entry["seq"] > before]

    def _last_seq(self):
        entries = committed_entries(self.env)
        return entries[-1]["seq"] if entries else 0

    def test_each_path_writes_its_entries(self):
        user = self.user_gp_a1
        user.groups_id = [Command.link(self.env.ref("base.group_allow_export").id)]
        self.authenticate(user.login, user.login)
        Patient = "microstructure.patient"
        paths = [
            # (what the user does, expected (action, patient ids))
            (lambda: self._call(Patient, "web_search_read", [("id", "in", self.patients.ids)],
                                {"name": {}, "first_names": {}}),
             ("list", set(self.patients.ids))),
            (lambda: self._call(Patient, "web_read", [self.patient.id], {"name": {}, "synthesis": {}}),
             ("view", {self.patient.id})),
            (lambda: self._call(Patient, "name_search", "Trace"), ("list", set(self.patients.ids))),
            (lambda: self._call(Patient, "export_data", [self.patient.id], ["name"]),
             ("export", {self.patient.id})),
            (lambda: self._call(Patient, "write", [self.patient.id], {"city": "Strasbourg"}),
             ("modify", {self.patient.id})),
            (lambda: self._call(Patient, "action_survey_link", [self.patient.id]),
             ("link", {self.patient.id})),
            (lambda: self._call("microstructure.liaison", "action_send", [self.sheet.id]),
             ("send", {self.patient.id})),
            (lambda: self.url_open(
                f"/report/pdf/odoo_microstructure.report_microstructure_access/{self.patient.id}"),
             ("print", {self.patient.id})),
        ]
        for do, (action, patient_ids) in paths:
            with self.subTest(action=action):
                before = self._last_seq()
                do()
                entries = [entry for entry in self._new_entries(user, before) if entry["action"] == action]
                self.assertEqual({entry["patient_ref"] for entry in entries}, patient_ids)
                for entry in entries:
                    self.assertEqual(entry["user_name"], user.name)
                    self.assertEqual(entry["profession"], "gp")
                    self.assertEqual(entry["site_ref"], self.site_a1.id)
                    self.assertEqual(entry["ip"], "127.0.0.1")
                    self.assertTrue(entry["session_key"])
                    self.assertTrue(entry["path"])
                    self.assertEqual(len(entry["hash"]), 64)

    def test_a_listing_traces_on_a_read_only_cursor(self):
        """``web_search_read`` is read-only: it runs on the replica when one is
        configured (here, on a read-only transaction): the entries are written
        on the primary all the same."""
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        before = self._last_seq()
        result = self._call("microstructure.patient", "web_search_read",
                            [("id", "in", self.patients.ids)], {"name": {}})
        self.assertFalse(result.get("error"), result)
        listed = [e for e in self._new_entries(self.user_gp_a1, before) if e["action"] == "list"]
        self.assertEqual(len(listed), 3)

    def test_refused_attempts_are_traced(self):
        for user, patient_ref in ((self.user_coord_b1, self.patient.id), (self.user_regional_ge, None)):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                before = self._last_seq()
                result = self._call("microstructure.patient", "read", [self.patient.id], ["name"])
                self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError")
                refused = [e for e in self._new_entries(user, before) if e["action"] == "refused"]
                self.assertEqual([e["patient_ref"] for e in refused], [patient_ref])

    def test_statement_for_the_patient(self):
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        self._call("microstructure.patient", "web_read", [self.patient.id], {"name": {}})
        self.authenticate(self.user_psy_a.login, self.user_psy_a.login)
        self._call("microstructure.patient", "web_read", [self.patient.id], {"name": {}})
        response = self.url_open(
            f"/report/html/odoo_microstructure.report_microstructure_access/{self.patient.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.user_gp_a1.name, response.text)
        self.assertIn(self.user_psy_a.name, response.text)
        self.assertIn("Psycholog", response.text)  # in the language of the printer
        report = self.env.ref("odoo_microstructure.action_report_microstructure_access")
        pdf, kind = report.with_user(self.user_gp_a1).with_context(force_report_rendering=True)._render_qweb_pdf(
            report.report_name, self.patient.ids,
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # another team's practitioner prints nothing
        self.authenticate(self.user_coord_b1.login, self.user_coord_b1.login)
        response = self.url_open(
            f"/report/html/odoo_microstructure.report_microstructure_access/{self.patient.id}"
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(self.user_psy_a.name, response.text)


@tagged("post_install", "-at_install")
class TestAccessTraceChain(MicrostructureCommon):
    def _record(self, count, **kwargs):
        patient_ids = [900_000_000 + i for i in range(count)]
        entries = committed_entries(self.env)
        before = entries[-1]["seq"] if entries else 0
        self.env["microstructure.access.log"].with_user(self.user_gp_a1)._record(
            "view", [(patient_id, self.site_a1.id) for patient_id in patient_ids], "test.chain", **kwargs,
        )
        return [entry for entry in committed_entries(self.env, [self.user_gp_a1.id], patient_ids)
                if entry["seq"] > before]

    def test_nobody_alters_the_trace(self):
        entry_id = self._record(1)[0]["id"]
        Log = self.env["microstructure.access.log"]
        dpo = self.env["res.users"].create({
            "name": "DPO", "login": "ms_dpo_chain",
            "groups_id": [Command.set(self.env.ref("odoo_microstructure.group_microstructure_dpo").ids)],
        })
        for env in (Log.with_user(dpo), Log.with_user(self.user_manager), Log.sudo()):
            with self.assertRaises(AccessError):
                env.create({"action": "view", "patient_ref": 1})
            with self.assertRaises(AccessError):
                env.browse(entry_id).write({"action": "list"})
            with self.assertRaises(AccessError):
                env.browse(entry_id).unlink()
        for statement in ("UPDATE microstructure_access_log SET action = 'list' WHERE id = %s",
                          "DELETE FROM microstructure_access_log WHERE id = %s"):
            with primary_cursor(self.env.cr.dbname) as cr, self.assertRaises(PsycopgError):
                cr.execute(statement, [entry_id])
        self.assertEqual(committed_entries(self.env, [self.user_gp_a1.id])[-1]["id"], entry_id)

    def test_verification_names_the_first_broken_link(self):
        Log = self.env["microstructure.access.log"]
        entries = self._record(3)
        self.assertIsNone(Log._verify_chain())
        tampered = entries[1]

        def edit(action):
            with primary_cursor(self.env.cr.dbname) as cr:
                cr.execute("SET LOCAL session_replication_role = replica")
                cr.execute("UPDATE microstructure_access_log SET action = %s WHERE id = %s",
                           [action, tampered["id"]])

        edit("list")
        try:
            self.assertEqual(Log._verify_chain(), tampered["id"])
            notification = Log.with_user(self.env["res.users"].create({
                "name": "DPO", "login": "ms_dpo_verify",
                "groups_id": [Command.set(self.env.ref("odoo_microstructure.group_microstructure_dpo").ids)],
            })).action_verify_chain()
            self.assertEqual(notification["params"]["type"], "danger")
            self.assertIn(str(tampered["id"]), notification["params"]["message"])
        finally:
            edit("view")
        self.assertIsNone(Log._verify_chain())
        with self.assertRaises(AccessError):
            Log.with_user(self.user_gp_a1).action_verify_chain()

    def test_the_database_chains_what_the_verification_computes(self):
        """The links are computed by PostgreSQL in the append function and
        checked in Python: both read the same payload, accents, separators
        and empty values included."""
        Log = self.env["microstructure.access.log"]
        before = max([entry["seq"] for entry in committed_entries(self.env)] or [0])
        insert_entries(self.env.cr.dbname, [
            (datetime(2026, 3, 1, 8, 5, 9), self.user_gp_a1.id, "Élodie Müller-Ñúñez | 北", None, None,
             4242, self.site_a1.id, "view", "microstructure.patient.read"),
            (datetime(2026, 3, 1, 8, 5, 9), self.user_gp_a1.id, "", 7, "gp", None, None, "refused", ""),
        ])
        self.assertTrue(wait_for_trace(self.env.cr.dbname))
        with primary_cursor(self.env.cr.dbname) as cr:
            cr.execute(VERIFY_QUERY)
            rows = [row for row in cr.dictfetchall() if row["seq"] > before]
        self.assertEqual([row["seq"] for row in rows], [before + 1, before + 2])
        self.assertEqual(rows[0]["user_name"], "Élodie Müller-Ñúñez | 北")
        for row in rows:
            self.assertEqual(row["hash"], link_hash(row["prev_hash"], row["seq"], row))
        self.assertEqual(rows[1]["prev_hash"], rows[0]["hash"])
        self.assertIsNone(Log._verify_chain())

    def test_purge_keeps_the_chain_verifiable(self):
        Log = self.env["microstructure.access.log"]
        with freeze_time("2020-01-15 10:00:00"):
            old = self._record(2)
        recent = self._record(1)
        purged = Log._cron_purge()
        self.assertGreaterEqual(purged, 2)
        ids = {entry["id"] for entry in committed_entries(self.env, [self.user_gp_a1.id])}
        self.assertFalse(ids & {entry["id"] for entry in old})
        self.assertIn(recent[0]["id"], ids)
        purge = [entry for entry in committed_entries(self.env) if entry["action"] == "purge"]
        self.assertTrue(purge)
        self.assertIsNone(Log._verify_chain())


@tagged("post_install", "-at_install")
class TestAccessTraceWriting(MicrostructureCommon):
    """The statement of a request is sent before its response and read
    after it: what is sent is written, or the failure is logged."""

    LOGGER = "odoo.addons.odoo_microstructure.models.microstructure_access_log"

    def _group(self, patient_ids, path):
        return entry_group(datetime(2026, 3, 1, 8, 5, 9), (self.user_gp_a1.id, "Trace", None, None), "view", path,
                           [(patient_id, self.site_a1.id) for patient_id in patient_ids])

    def test_a_read_only_response_sends_its_entries_as_it_starts(self):
        request = SimpleNamespace(db=self.env.cr.dbname, session=SimpleNamespace(sid="session"),
                                  httprequest=SimpleNamespace(remote_addr="10.1.2.3"))
        for method, patient_id in (("GET", 920_000_001), ("HEAD", 920_000_002)):
            with self.subTest(method=method):
                request._microstructure_trace = [self._group([patient_id], "test.response")]
                response = Response(b"{}")
                ResponseTrace(request, response)
                self.assertTrue(request._microstructure_trace, "nothing is sent before the response starts")
                body = response(EnvironBuilder(method=method).get_environ(), lambda status, headers: None)
                self.assertFalse(request._microstructure_trace)
                self.assertEqual(b"".join(body), b"{}" if method == "GET" else b"")
                body.close()
                entry, = committed_entries(self.env, [self.user_gp_a1.id], [patient_id])
                self.assertEqual(entry["session_key"], hashlib.sha256(b"session").hexdigest()[:16])
                self.assertEqual(entry["ip"], "10.1.2.3")

    def _send_and_cancel(self, connection, group):
        """Send ``group`` on ``connection``, whose statement is cancelled:
        it waits for the chain's lock, held here, longer than its time limit."""
        dbname, info = odoo.sql_db.connection_info_for(self.env.cr.dbname)
        # a statement sent again while the lock is held here fails, not waits
        with patch.object(odoo.sql_db, "connection_info_for",
                          return_value=(dbname, {**info, "options": "-c lock_timeout=5000"})):
            connection._execute("SET statement_timeout = 300", until_done=True)
            with primary_cursor(self.env.cr.dbname) as cr:
                cr.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                connection.send(append_arguments([group]))
                time.sleep(1)
        # the lock is released: the entries can be written again

    def test_a_failed_append_is_logged_and_written_again(self):
        patient_ids = [930_000_000 + i for i in range(3)]
        connection = TraceConnection(self.env.cr.dbname)
        try:
            self._send_and_cancel(connection, self._group(patient_ids, "test.again"))
            with self.assertLogs(self.LOGGER, "ERROR") as logs:
                connection.collect()
        finally:
            connection._close()
        self.assertIn("written again", logs.output[0])
        self.assertEqual(len(committed_entries(self.env, [self.user_gp_a1.id], patient_ids)), 3)
        self.assertIsNone(self.env["microstructure.access.log"]._verify_chain())

    def test_entries_that_cannot_be_written_go_to_the_log(self):
        patient_ids = [940_000_000 + i for i in range(3)]
        dbname = self.env.cr.dbname
        connection = TraceConnection(dbname)
        try:
            self._send_and_cancel(connection, self._group(patient_ids, "test.lost"))
            with self.assertLogs(self.LOGGER, "ERROR") as logs, patch.object(
                odoo.sql_db, "connection_info_for", return_value=(dbname, {"database": "ms_no_such_database"}),
            ):
                connection.collect()
        finally:
            connection._close()
        self.assertIn("CRITICAL", logs.output[-1])
        self.assertIn(str(patient_ids[-1]), logs.output[-1])
        self.assertEqual(connection.done, connection.sent)
        self.assertFalse(committed_entries(self.env, [self.user_gp_a1.id], patient_ids))


@tagged("post_install", "-at_install")
class TestAccessTraceReaders(MicrostructureCommon):
    """Who reads the trace. The entries are inserted in this test's own
    transaction (triggers off), so that the ORM sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_dpo = cls.env["res.users"].create({
            "name": "Délégué", "login": "ms_dpo_readers",
            "groups_id": [Command.set(cls.env.ref("odoo_microstructure.group_microstructure_dpo").ids)],
        })
        cr = cls.env.cr
        cr.execute("SET LOCAL session_replication_role = replica")
        for position, site in enumerate((cls.site_a1, cls.site_b1), 1):
            cr.execute(
                """INSERT INTO microstructure_access_log (seq, date, user_ref, patient_ref, site_ref, action)
                   VALUES (%s, %s, %s, %s, %s, 'view')""",
                [-position, datetime(2025, 1, 1), cls.user_gp_a1.id, 800_000_000 + site.id, site.id],
            )
        cr.execute("SET LOCAL session_replication_role = origin")
        cls.entry_site = {site: 800_000_000 + site.id for site in (cls.site_a1, cls.site_b1)}

    def _patients_read(self, user):
        entries = self.env["microstructure.access.log"].with_user(user).search(
            [("patient_ref", "in", list(self.entry_site.values()))]
        )
        return set(entries.mapped("patient_ref"))

    def test_the_dpo_reads_everything(self):
        self.assertEqual(self._patients_read(self.user_dpo), set(self.entry_site.values()))
        # the profession is written as a code and read with its French label
        selection = dict(self.env["microstructure.access.log"].with_user(self.user_dpo).with_context(
            lang="fr_FR").fields_get(["profession"])["profession"]["selection"])
        self.assertEqual(selection["gp"], "Médecin généraliste")

    def test_a_coordinator_reads_its_sites(self):
        self.assertEqual(self._patients_read(self.user_coord_b1), {self.entry_site[self.site_b1]})

    def test_the_others_read_nothing(self):
        for user in (self.user_gp_a1, self.user_psy_a, self.user_admin_a, self.user_regional_ge,
                     self.user_carsat, self.user_employee, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._patients_read(user)


class TestAccessTraceDeletedRefs(MicrostructureCommon):
    def test_an_entry_of_a_deleted_user_or_site_reads(self):
        """A user or a site deleted since then leaves its number only: the
        trace still reads (the data protection officer's list)."""
        Log = self.env["microstructure.access.log"]
        self.env.cr.execute("SELECT max(id) FROM res_users")
        missing_user = self.env.cr.fetchone()[0] + 1000
        self.env.cr.execute("SELECT max(id) FROM microstructure_site")
        missing_site = self.env.cr.fetchone()[0] + 1000
        gone = Log.new({"user_ref": missing_user, "site_ref": missing_site})
        self.assertFalse(gone.user_id)
        self.assertFalse(gone.site_id)
        kept = Log.new({"user_ref": self.user_gp_a1.id, "site_ref": self.site_a1.id})
        self.assertEqual(kept.user_id, self.user_gp_a1)
        self.assertEqual(kept.site_id, self.site_a1)
