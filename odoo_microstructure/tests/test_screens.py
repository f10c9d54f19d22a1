import socket
import socketserver
import threading
from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import MicrostructureCommon


class SmtpSink:
    """A minimal SMTP server on a local port that accepts every message: a
    real relay for the e-mails of the tests."""

    def __init__(self, port=0):
        sink = self
        self.messages = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 localhost ESMTP\r\n")
                data, lines = False, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    if data:
                        if line.rstrip(b"\r\n") == b".":
                            sink.messages.append(b"".join(lines))
                            data, lines = False, []
                            self.wfile.write(b"250 OK\r\n")
                        else:
                            lines.append(line)
                        continue
                    command = line[:4].upper()
                    if command == b"EHLO":
                        self.wfile.write(b"250-localhost\r\n250 8BITMIME\r\n")
                    elif command == b"DATA":
                        data = True
                        self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    elif command == b"QUIT":
                        self.wfile.write(b"221 Bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        # nothing listens on the port any more
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", self.port)) != 0


class ScreensCommon(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = cls._create_office(
            "Service social Carsat - Strasbourg (écrans)", "ssr67-ecrans@carsat-test.fr", users=cls.user_carsat,
        )
        # the GP of A1 coordinates its site (meetings)
        cls.membership_gp_a1.role = "coordinator"
        cls._grant_coordinator(cls.user_gp_a1)
        cls.patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1).create({
            "civility": "mrs", "name": "Dupont", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": cls.site_a1.id,
        })

    def _sent_sheet(self, **vals):
        sheet = self.env["microstructure.liaison"].with_user(self.user_gp_a1).create({
            "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
            "social_service_id": self.office.id, **vals,
        })
        sheet.action_send()
        return sheet

    def _permanence(self, days=1, professional=None):
        day = fields.Date.today() + timedelta(days=days)
        return self.env["microstructure.permanence"].create({
            "site_id": self.site_a1.id,
            "professional_id": (professional or self.pro_psy_a).id,
            "start": datetime.combine(day, time(8, 0)),
            "stop": datetime.combine(day, time(9, 30)),
        })


class TestLiaisonBoard(ScreensCommon):
    def test_drag_is_a_guarded_transition(self):
        sheet = self._sent_sheet().with_user(self.user_carsat)
        # a drag writes the step: the legal move happens, with its date and author
        sheet.write({"state": "contacted"})
        self.assertEqual(sheet.state, "contacted")
        self.assertEqual(sheet.contacted_by_id, self.user_carsat)
        # the social worker who calls signs the reserved part
        self.assertEqual(sheet.social_worker_name, self.user_carsat.name)
        # an illegal move is refused, in the user's language, step names included
        self.user_carsat.lang = "fr_FR"
        with self.assertRaisesText(UserError, "ne peut pas passer de « Prise de contact » à « Clôturée »"):
            sheet.with_context(lang="fr_FR").write({"state": "closed"})
        self.assertEqual(sheet.state, "contacted")
        # the practitioner cannot make the social service's moves
        with self.assertRaises(UserError):
            sheet.with_user(self.user_gp_a1).write({"state": "assessed"})

    def test_chatter_names_the_steps_in_french(self):
        self.user_gp_a1.lang = "fr_FR"
        sheet = self.env["microstructure.liaison"].with_user(self.user_gp_a1).with_context(lang="fr_FR").create({
            "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
            "social_service_id": self.office.id,
        })
        sheet.action_send()
        bodies = " ".join(sheet.sudo().message_ids.mapped("body"))
        self.assertIn("Repérage → Envoyée", bodies)
        self.assertNotIn("Identified", bodies)
        self.assertNotIn("Sent", bodies)

    def test_created_at_the_first_step_only(self):
        Liaison = self.env["microstructure.liaison"].with_user(self.user_gp_a1)
        for state in ("sent", "closed", "accompanied"):
            with self.assertRaises(UserError):
                Liaison.create({
                    "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
                    "social_service_id": self.office.id, "state": state,
                })

    def test_columns_fit_each_role(self):
        self._sent_sheet()
        Liaison = self.env["microstructure.liaison"]

        def columns(user):
            groups = Liaison.with_user(user).web_read_group([], ["state"], ["state"])["groups"]
            return {group["state"]: group["__fold"] for group in groups}

        carsat = columns(self.user_carsat)
        self.assertNotIn("identified", carsat, "the social service never works on identified sheets")
        self.assertNotIn("cancelled", carsat)
        self.assertEqual(
            [state for state, folded in carsat.items() if not folded],
            ["sent", "contacted", "assessed", "accompanied"],
        )
        self.assertTrue(all(carsat[state] for state in ("closed", "not_reachable", "declined", "out_of_scope")))
        practice = columns(self.user_gp_a1)
        self.assertEqual(
            [state for state, folded in practice.items() if not folded],
            ["identified", "sent", "contacted", "assessed", "accompanied"],
        )
        self.assertTrue(practice["cancelled"])
        # a column that holds sheets shows, even if the role does not work with it
        sheet = self.env["microstructure.liaison"].with_user(self.user_gp_a1).create({
            "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
            "social_service_id": self.office.id,
        })
        sheet.action_send()
        sheet.action_cancel()
        self.assertIn("cancelled", columns(self.user_carsat))

    def test_reserved_part_is_the_social_workers(self):
        sheet = self._sent_sheet()
        self.assertFalse(sheet.with_user(self.user_gp_a1).is_social_worker)
        self.assertTrue(sheet.with_user(self.user_carsat).is_social_worker)

    def test_search_by_the_beneficiary_name_by_default(self):
        self._sent_sheet()
        view = self.env.ref("odoo_microstructure.microstructure_liaison_view_search")
        first_field = view.arch_db.split("<field ", 1)[1]
        self.assertTrue(first_field.startswith('name="usage_name"'))
        found = self.env["microstructure.liaison"].with_user(self.user_carsat).name_search("dupont")
        self.assertFalse(found, "the default field is what a typed name searches, not the reference")
        found = self.env["microstructure.liaison"].with_user(self.user_carsat).search(
            ["|", "|", ("usage_name", "ilike", "dupont"), ("birth_name", "ilike", "dupont"),
             ("first_name", "ilike", "dupont")]
        )
        self.assertEqual(len(found), 1)

    def test_failed_email_shows_and_can_be_sent_again(self):
        Liaison = self.env["microstructure.liaison"]
        with SmtpSink() as sink:
            self.env["ir.mail_server"].create({
                "name": "Local relay", "smtp_host": "127.0.0.1", "smtp_port": sink.port,
                "smtp_encryption": "none",
            })
            sheet = self._sent_sheet()
            self.assertEqual(len(sink.messages), 1, "the sheet left for the office")
            self.assertFalse(sheet.mail_failed)
            self.assertFalse(Liaison.search([("mail_failed", "=", True), ("id", "=", sheet.id)]))
        # the relay is down: the next sending fails, and the sheet says so to
        # the practice and to the social service
        sheet.with_user(self.user_gp_a1).action_resend()
        sheet.invalidate_recordset(["mail_failed"])
        for user in (self.user_gp_a1, self.user_carsat):
            as_user = sheet.with_user(user)
            self.assertTrue(as_user.mail_failed)
            self.assertEqual(as_user.search([("mail_failed", "=", True), ("id", "=", sheet.id)]), as_user)
        self.assertEqual(sheet.state, "sent", "the step is kept: only the e-mail is to send again")
        with SmtpSink(port=sink.port) as sink_again:
            sheet.with_user(self.user_gp_a1).action_resend()
            self.assertEqual(len(sink_again.messages), 1)
        sheet.invalidate_recordset(["mail_failed"])
        self.assertFalse(sheet.mail_failed)
        self.assertFalse(Liaison.search([("mail_failed", "=", True), ("id", "=", sheet.id)]))


class TestMeetingScreens(ScreensCommon):
    def test_meeting_is_closed_once_begun(self):
        Meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1)
        future = Meeting.create({"site_id": self.site_a1.id, "start": fields.Datetime.now() + timedelta(days=3)})
        self.assertFalse(future.has_started)
        with self.assertRaisesText(UserError, "has not begun yet"):
            future.action_done()
        with self.assertRaisesText(UserError, "has not begun yet"):
            future.write({"state": "done"})
        past = Meeting.create({"site_id": self.site_a1.id, "start": fields.Datetime.now() - timedelta(hours=3)})
        self.assertTrue(past.has_started)
        past.write({"state": "done"})
        self.assertEqual(past.state, "done")
        with self.assertRaises(UserError):
            past.write({"location": "Ailleurs"})
        # the board folds the cancelled meetings
        future.action_cancel()
        groups = Meeting.web_read_group([], ["state"], ["state"])["groups"]
        self.assertEqual({g["state"]: g["__fold"] for g in groups},
                         {"planned": False, "done": False, "cancelled": True})

    def test_planning_lands_on_the_first_week(self):
        first = fields.Datetime.now() + timedelta(days=70)
        action = self.env["microstructure.meeting.planning"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "first_start": first, "count": 2,
        }).action_plan()
        self.assertEqual(action["context"]["initial_date"][:10], fields.Date.to_string(first.date()))


class TestPatientFile(ScreensCommon):
    def test_smart_buttons_count_with_the_users_rights(self):
        self._sent_sheet()
        self._permanence().slot_ids[0].action_book(self.patient)
        meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "start": fields.Datetime.now() - timedelta(hours=2),
            "line_ids": [Command.create({"patient_id": self.patient.id, "summary": "Point"})],
        })
        self.assertTrue(meeting)
        patient = self.patient.with_user(self.user_gp_a1)
        self.assertEqual(
            (patient.consultation_count, patient.liaison_count, patient.meeting_count), (1, 1, 1)
        )
        for action, model in (
            (patient.action_view_consultations(), "microstructure.consultation"),
            (patient.action_view_liaisons(), "microstructure.liaison"),
            (patient.action_view_meetings(), "microstructure.meeting"),
        ):
            self.assertEqual(len(self.env[model].with_user(self.user_gp_a1).search(action["domain"])), 1)

    def test_private_notes_offered_to_their_profession_only(self):
        self.assertFalse(self.patient.with_user(self.user_gp_a1).note_profession)
        self.assertEqual(self.patient.with_user(self.user_psy_a).note_profession, "psychologist")

    def test_book_a_slot_from_the_patient_file(self):
        permanence = self._permanence()
        action = self.patient.with_user(self.user_gp_a1).action_book_slot()
        Slot = self.env["microstructure.permanence.slot"].with_user(self.user_gp_a1).with_context(
            **action["context"]
        )
        free = Slot.search(action["domain"] + [("is_free", "=", True), ("permanence_state", "=", "planned")])
        self.assertEqual(free, permanence.slot_ids)
        self.assertIn("Free slot", free[0].display_name)
        result = free[0].action_book_context_patient()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(free[0].consultation_id.patient_id, self.patient)
        self.assertEqual(free[0].display_name, self.patient.display_name)
        self.assertNotIn(free[0], Slot.search([("is_free", "=", True)]))
        with self.assertRaises(UserError):
            free[0].action_book_context_patient()
        with self.assertRaises(UserError):
            free[1].with_context(microstructure_booking_patient_id=False).action_book_context_patient()

    def test_calendar_card_names_patient_and_professional(self):
        consultation = self._permanence().slot_ids[0].action_book(self.patient)
        self.assertEqual(
            consultation.with_user(self.user_psy_a).calendar_title, "Mrs DUPONT Marie · Paul Weber"
        )
        self.assertNotIn("DUPONT", consultation.sudo().event_id.name)

    def test_permanence_planning_lands_on_the_first_week(self):
        date_from = fields.Date.today() + timedelta(days=60)
        action = self.env["microstructure.permanence.planning"].with_user(self.user_gp_a1).create({
            "site_id": self.site_a1.id, "professional_id": self.pro_psy_a.id,
            "weekday_id": self.env.ref("odoo_microstructure.weekday_4").id,
            "date_from": date_from, "date_to": date_from + timedelta(days=21),
        }).action_plan()
        self.assertGreaterEqual(action["context"]["initial_date"][:10], fields.Date.to_string(date_from))
        self.assertLess(action["context"]["initial_date"][:10], fields.Date.to_string(date_from + timedelta(days=7)))


@tagged("post_install", "-at_install")
class TestScreensOverHttp(ScreensCommon, HttpCase):
    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_calendar_card_only_for_the_team(self):
        consultation = self._permanence().slot_ids[0].action_book(self.patient)
        self.authenticate("ms_coord_b1", "ms_coord_b1")
        with self.assertRaises(Exception):
            self._call("microstructure.consultation", "read", [consultation.ids, ["calendar_title"]])
        events = self._call("calendar.event", "search_read", [[("id", "=", consultation.sudo().event_id.id)]],
                            {"fields": ["name", "display_name"]})
        self.assertFalse(any("DUPONT" in str(event) for event in events))
        self.authenticate("ms_psy_a", "ms_psy_a")
        read = self._call("microstructure.consultation", "read", [consultation.ids, ["calendar_title"]])
        self.assertEqual(read[0]["calendar_title"], "Mrs DUPONT Marie · Paul Weber")

    def test_counts_and_columns_over_rpc(self):
        self._sent_sheet()
        self.authenticate("ms_carsat", "ms_carsat")
        groups = self._call("microstructure.liaison", "web_read_group", [],
                            {"domain": [], "fields": ["state"], "groupby": ["state"]})["groups"]
        self.assertNotIn("identified", [group["state"] for group in groups])
        with self.assertRaises(Exception):
            self._call("microstructure.patient", "read", [self.patient.ids, ["liaison_count"]])
        self.authenticate("ms_coord_b1", "ms_coord_b1")
        with self.assertRaises(Exception):
            self._call("microstructure.patient", "read", [self.patient.ids, ["consultation_count"]])

    def test_one_click_booking_over_rpc(self):
        slot = self._permanence().slot_ids[0]
        other = self.env["microstructure.patient"].create({
            "name": "Autre", "first_names": "Site", "birth_date": "1980-02-02", "sex": "male",
            "site_id": self.site_b1.id,
        })
        # another site's coordinator reaches neither the slot nor the patient
        self.authenticate("ms_coord_b1", "ms_coord_b1")
        with self.assertRaises(Exception):
            self._call("microstructure.permanence.slot", "action_book_context_patient", [slot.ids],
                       {"context": {"microstructure_booking_patient_id": other.id}})
        with self.assertRaises(Exception):
            self._call("microstructure.permanence.slot", "read", [slot.ids, ["display_name", "is_free"]])
        # the team cannot book a patient of another site through the context
        self.authenticate("ms_psy_a", "ms_psy_a")
        with self.assertRaises(Exception):
            self._call("microstructure.permanence.slot", "action_book_context_patient", [slot.ids],
                       {"context": {"microstructure_booking_patient_id": other.id}})
        self.assertFalse(slot.consultation_id)
        result = self._call("microstructure.permanence.slot", "action_book_context_patient", [slot.ids],
                            {"context": {"microstructure_booking_patient_id": self.patient.id}})
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(slot.consultation_id.patient_id, self.patient)

    def _tour_from_the_patient_file(self, tour, days):
        """``tour`` from the patient's file, by the GP of A1 in French, with a
        permanence of the psychologist in ``days`` days; the permanence."""
        permanence = self._permanence(days=days)
        self.user_gp_a1.lang = "fr_FR"
        self.start_tour(f"/odoo/microstructure-patients/{self.patient.id}", tour, login="ms_gp_a1")
        return permanence

    def test_practitioner_books_and_starts_a_sheet_from_the_patient_file(self):
        permanence = self._tour_from_the_patient_file("odoo_microstructure_patient_file_tour", days=2)
        booked = permanence.slot_ids.consultation_id
        self.assertEqual(booked.patient_id, self.patient)
        self.assertEqual(booked.professional_id, self.pro_psy_a)
        sheet = self.env["microstructure.liaison"].search([("patient_id", "=", self.patient.id)])
        self.assertEqual((sheet.state, sheet.requester_id), ("identified", self.user_gp_a1))

    def test_practitioner_books_from_the_slot_calendar(self):
        permanence = self._tour_from_the_patient_file("odoo_microstructure_slot_calendar_tour", days=9)
        self.assertEqual(permanence.slot_ids.consultation_id.patient_id, self.patient)

    def test_carsat_drags_a_card_through_the_funnel(self):
        sheet = self._sent_sheet()
        self.user_carsat.lang = "fr_FR"
        self.start_tour("/odoo/microstructure-liaisons", "odoo_microstructure_carsat_board_tour",
                        login="ms_carsat")
        self.assertEqual(sheet.state, "contacted")
        self.assertEqual(sheet.contacted_by_id, self.user_carsat)


class TestIndexes(MicrostructureCommon):
    def test_foreign_keys_and_site_weeks_are_indexed(self):
        self.env.cr.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'microstructure_%%'")
        indexes = self.env.cr.fetchall()

        def indexed(table, columns):
            return any(
                name == table and f"({columns})" in definition for name, definition in indexes
            )

        for table in ("microstructure_consultation", "microstructure_permanence", "microstructure_meeting"):
            self.assertTrue(indexed(table, "event_id"), table)
        self.assertTrue(indexed("microstructure_meeting_line", "activity_id"))
        self.assertTrue(indexed("microstructure_membership", "region_id"))
        self.assertTrue(indexed("microstructure_consultation", "site_id, start"))

    def test_batch_creation_of_consultations(self):
        """The private calendar events of a batch are created in one batch:
        a batch of consultations costs at most 3 queries per record more."""
        patients = self.env["microstructure.patient"].create([
            {"name": f"Lot{index}", "first_names": "Test", "birth_date": "1970-01-01", "sex": "male",
             "site_id": self.site_a1.id}
            for index in range(4)
        ])
        start = datetime(2031, 1, 6, 8, 0)

        def batch(size, week):
            return [{
                "patient_id": patients[index % 4].id, "professional_id": self.pro_psy_a.id,
                "start": start + timedelta(weeks=week, days=index // 8, minutes=45 * (index % 8)),
                "duration": 0.5,
            } for index in range(size)]

        Consultation = self.env["microstructure.consultation"]
        self.env.flush_all()

        def cost(vals_list):
            before = self.env.cr.sql_log_count
            Consultation.create(vals_list)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        small, large = cost(batch(10, 0)), cost(batch(40, 10))
        self.assertLessEqual(large - small, 3 * 30, (small, large))
