from contextlib import closing

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.microstructure_liaison import STATES, TRANSITIONS
from .common import GROUP, MicrostructureCommon, database_copy


@tagged("post_install", "-at_install")
class TestLiaison(MicrostructureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = cls._create_office(
            "Service social Carsat - Strasbourg", "ssr67@carsat-test.fr", users=cls.user_carsat,
        )
        cls.other_office = cls._create_office(
            "Service social Carsat - Toulouse", "ssr31@carsat-test.fr", site=cls.site_b1,
        )
        cls.patient = cls.env["microstructure.patient"].with_user(cls.user_gp_a1).create({
            "civility": "mrs", "name": "Dupont", "birth_name": "Martin", "first_names": "Marie",
            "birth_date": "1975-04-12", "sex": "female", "site_id": cls.site_a1.id,
            "street": "12 rue des Bouchers", "zip": "67000", "city": "Strasbourg",
            "phone": "06 12 34 56 78",
        })

    def _new_sheet(self, **vals):
        vals = {
            "patient_id": self.patient.id, "consent": "yes", "reason_rights": True,
            "extra_information": "Dossier MDPH à constituer", **vals,
        }
        vals = {key: value for key, value in vals.items() if value is not False}
        return self.env["microstructure.liaison"].with_user(self.user_gp_a1).create(vals)

    def test_form_is_filled_from_the_patient(self):
        sheet = self._new_sheet()
        self.assertEqual(sheet.social_service_id, self.office)
        self.assertEqual(
            (sheet.civility, sheet.usage_name, sheet.birth_name, sheet.first_name, sheet.city),
            ("mrs", "Dupont", "Martin", "Marie", "Strasbourg"),
        )
        self.assertEqual(sheet.requester_id, self.user_gp_a1)
        self.assertEqual(sheet.requester_qualification, "General practitioner")
        self.assertEqual(sheet.state, "identified")

    def test_nothing_is_sent_without_consent(self):
        sheet = self._new_sheet(consent="undecided")
        with self.assertRaisesText(UserError, "nothing is sent without consent"):
            sheet.action_send()
        self.assertEqual(sheet.state, "identified")
        self.assertFalse(sheet.sent_hash)
        sheet.consent = "yes"
        sheet.action_send()
        self.assertEqual(sheet.state, "sent")

    def test_full_method_with_steps_recorded(self):
        sheet = self._new_sheet()
        sheet.action_send()
        self.assertEqual((sheet.sent_by_id, sheet.state), (self.user_gp_a1, "sent"))
        self.assertTrue(sheet.date_sent)
        carsat_sheet = sheet.with_user(self.user_carsat)
        carsat_sheet.action_contacted()
        carsat_sheet.write({"social_worker_name": "LE GALL Sylvie", "in_scope": "yes"})
        carsat_sheet.action_assessed()
        carsat_sheet.action_accompanied()
        carsat_sheet.write({"outcome": "Accompagnement dans les démarches MDPH"})
        carsat_sheet.action_close()
        self.assertEqual(sheet.state, "closed")
        self.assertEqual((sheet.contacted_by_id, sheet.assessed_by_id), (self.user_carsat, self.user_carsat))
        self.assertTrue(sheet.date_closed)
        steps = sheet.message_ids.filtered(lambda m: "Step:" in (m.body or ""))
        self.assertEqual(len(steps), 5)

    def test_illegal_transitions(self):
        sheet = self._new_sheet()
        with self.assertRaisesText(UserError, "cannot go from Identified to Contacted"):
            sheet.with_user(self.user_carsat).sudo(False).action_contacted()
        with self.assertRaisesText(UserError, "cannot go from Identified to Closed"):
            sheet.write({"state": "closed"})  # a kanban drag or an RPC write
        with self.assertRaises(AccessError):
            # the Carsat user does not see the sheet before it is sent
            sheet.with_user(self.user_carsat).read(["state"])
        sheet.action_send()
        with self.assertRaisesText(UserError, "Only the Carsat social worker"):
            sheet.action_contacted()
        with self.assertRaisesText(UserError, "cannot go from Sent to Identified"):
            sheet.write({"state": "identified"})
        carsat_sheet = sheet.with_user(self.user_carsat)
        carsat_sheet.write({"state": "contacted"})  # dragging along a legal transition
        carsat_sheet.action_assessed()
        with self.assertRaisesText(UserError, "whether the request is in scope"):
            carsat_sheet.action_accompanied()
        carsat_sheet.in_scope = "no"
        with self.assertRaisesText(UserError, "out of scope cannot be accompanied"):
            carsat_sheet.action_accompanied()
        carsat_sheet.action_out_of_scope()
        self.assertEqual(sheet.state, "out_of_scope")
        with self.assertRaisesText(UserError, "cannot go from Out of scope"):
            carsat_sheet.action_close()

    def test_transition_matrix(self):
        """Every (step, next step) pair: allowed exactly when the method says so."""
        states = [state for state, _label in STATES]
        sheet = self._new_sheet(in_scope=False)
        sheet.sudo().write({"in_scope": "yes"})
        Liaison = self.env["microstructure.liaison"]  # as superuser: roles are tested elsewhere
        for old in states:
            for new in states:
                self.env.cr.execute(
                    "UPDATE microstructure_liaison SET state = %s, in_scope = %s WHERE id = %s",
                    [old, "no" if new == "out_of_scope" else "yes", sheet.id],
                )
                record = Liaison.browse(sheet.id)
                record.invalidate_recordset()
                legal = new in TRANSITIONS.get(old, {})
                with self.subTest(old=old, new=new):
                    if legal:
                        record.with_context(force_report_rendering=False)._transition(new)
                        self.assertEqual(record.state, new)
                    else:
                        with self.assertRaisesText(UserError, "cannot go from"):
                            record._transition(new)
                        record.invalidate_recordset()
                        self.assertEqual(record.state, old)

    def test_content_frozen_after_sending_and_hash(self):
        sheet = self._new_sheet()
        sheet.usage_name = "Dupont-Martin"
        with self.assertRaisesText(UserError, "reserved to the social worker"):
            sheet.in_scope = "yes"
        sheet.action_send()
        for vals in ({"usage_name": "Autre"}, {"consent": "undecided"}, {"reason_job": True}):
            with self.assertRaisesText(UserError, "can no longer be changed"):
                sheet.write(vals)
            with self.assertRaisesText(UserError, "can no longer be changed"):
                sheet.with_user(self.user_carsat).write(vals)
        self.assertEqual(len(sheet.sent_hash), 64)
        self.assertEqual(sheet.action_verify_hash()["params"]["type"], "success")
        # the patient file may change: the sheet keeps what was sent
        self.patient.phone = "07 00 00 00 00"
        sheet.invalidate_recordset()
        self.assertEqual(sheet.phone, "06 12 34 56 78")
        self.assertEqual(sheet.action_verify_hash()["params"]["type"], "success")
        # tampering behind the ORM is detected
        self.env.cr.execute("UPDATE microstructure_liaison SET city = 'Colmar' WHERE id = %s", [sheet.id])
        sheet.invalidate_recordset()
        self.assertEqual(sheet.action_verify_hash()["params"]["type"], "danger")
        with self.assertRaisesText(UserError, "cannot be deleted"):
            sheet.unlink()

    def test_carsat_isolation(self):
        sent = self._new_sheet()
        sent.action_send()
        draft = self._new_sheet()
        elsewhere = self.env["microstructure.liaison"].with_user(self.user_coord_b1).create({
            "patient_id": self.env["microstructure.patient"].with_user(self.user_coord_b1).create({
                "name": "Garcia", "first_names": "Ana", "birth_date": "1990-06-30",
                "sex": "female", "site_id": self.site_b1.id,
            }).id,
            "consent": "yes", "reason_job": True,
        })
        elsewhere.action_send()
        Liaison = self.env["microstructure.liaison"].with_user(self.user_carsat)
        mine = sent | draft | elsewhere
        self.assertEqual(Liaison.search([("id", "in", mine.ids)]), sent)
        self.assertEqual(Liaison.search_count([("id", "in", mine.ids)]), 1)
        values = sent.with_user(self.user_carsat).read(["usage_name", "first_name", "birth_date", "phone"])[0]
        self.assertEqual(values["usage_name"], "Dupont")
        with self.assertRaises(AccessError):
            sent.with_user(self.user_carsat).read(["patient_id"])
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_carsat).read(["name"])
        with self.assertRaises(AccessError):
            self.env["microstructure.liaison"].with_user(self.user_carsat).create({
                "patient_id": self.patient.id, "consent": "yes",
            })
        # the other team does not see the sheet either
        self.assertFalse(self.env["microstructure.liaison"].with_user(self.user_coord_b1).search(
            [("id", "in", (sent | draft).ids)]
        ))

    def test_email_to_the_office_with_pdf(self):
        sheet = self._new_sheet().with_context(force_report_rendering=True)
        sheet.action_send()
        message = sheet.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertIn("Microstructure test A1", message.subject)
        self.assertEqual(message.attachment_ids.mapped("name"), ["Liaison sheet - " + sheet.name + ".pdf"])
        self.assertTrue(message.attachment_ids.raw.startswith(b"%PDF"))
        office_partner = message.partner_ids
        self.assertEqual(office_partner.email, "ssr67@carsat-test.fr")
        notification = self.env["mail.notification"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(notification.mapped("notification_type"), ["email"])
        # resending posts the sheet again
        sheet.action_resend()
        self.assertEqual(len(sheet.message_ids.filtered(lambda m: m.message_type == "comment")), 2)

    def test_pdf_content(self):
        sheet = self._new_sheet(reason_other=True, reason_other_text="Logement insalubre")
        sheet.action_send()
        report = self.env.ref("odoo_microstructure.action_report_microstructure_liaison")
        html = report.with_user(self.user_gp_a1)._render_qweb_html(report.report_name, sheet.ids)[0].decode()
        for text in ("LIAISON SHEET", "Dupont", "Martin", "Marie", "12 rue des Bouchers",
                     "06 12 34 56 78", "[X] yes", "[X] Access to rights", "Logement insalubre",
                     "Dossier MDPH", "ssr67@carsat-test.fr", sheet.sent_hash):
            self.assertIn(text, html)

    def test_reminders(self):
        waiting = self._new_sheet()
        waiting.action_send()
        undecided = self._new_sheet(consent="undecided")
        fresh = self._new_sheet()
        fresh.action_send()
        eight_days_ago = fields.Datetime.subtract(fields.Datetime.now(), days=8)
        self.env.cr.execute(
            "UPDATE microstructure_liaison SET date_sent = %s, create_date = %s WHERE id IN %s",
            [eight_days_ago, eight_days_ago, tuple((waiting | undecided).ids)],
        )
        self.env.invalidate_all()
        Liaison = self.env["microstructure.liaison"]
        Liaison._cron_send_reminders()
        Liaison._cron_send_reminders()  # no duplicate reminder
        self.assertEqual(waiting.activity_ids.mapped("summary"), ["No contact by the social service yet: follow up"])
        self.assertEqual(waiting.activity_ids.user_id, self.user_gp_a1)
        self.assertEqual(undecided.activity_ids.mapped("summary"), ["Ask the patient's consent again"])
        self.assertFalse(fresh.activity_ids)
        self.env["ir.config_parameter"].set_param("odoo_microstructure.liaison_reminder_days", 3)
        self.env.cr.execute(
            "UPDATE microstructure_liaison SET date_sent = %s WHERE id = %s",
            [fields.Datetime.subtract(fields.Datetime.now(), days=4), fresh.id],
        )
        self.env.invalidate_all()
        Liaison._cron_send_reminders()
        self.assertEqual(len(fresh.activity_ids), 1)

    def test_sheet_filed_in_patient_record_after_interview(self):
        sheet = self._new_sheet()
        sheet.action_send()
        carsat_sheet = sheet.with_user(self.user_carsat)
        carsat_sheet.action_contacted()
        carsat_sheet.write({"in_scope": "yes", "outcome": "Accompagnement MDPH"})
        carsat_sheet.action_assessed()
        attachments = self.env["ir.attachment"].with_user(self.user_gp_a1).search(
            [("res_model", "=", "microstructure.patient"), ("res_id", "=", self.patient.id)]
        )
        self.assertEqual(attachments.mapped("name"), [f"{sheet.name} (completed).pdf"])
        with self.assertRaises(AccessError):
            attachments.with_user(self.user_carsat).read(["raw"])

    def test_funnel(self):
        """Figures of the funnel on a fixture of 6 sheets with known delays."""
        sheets = self.env["microstructure.liaison"]
        for _i in range(7):
            sheets |= self._new_sheet()
        # a sheet sent, then cancelled: counted nowhere, as in the regional report
        cancelled = sheets[6]
        cancelled.action_send()
        cancelled.action_cancel()
        sheets -= cancelled
        sheets[:5].action_send()                # 5 sent, 1 still identified
        carsat = sheets.with_user(self.user_carsat)
        carsat[:4].action_contacted()           # 4 contacted, 1 not reachable
        carsat[4].action_not_reachable()
        carsat[:4].write({"in_scope": "yes"})
        carsat[3].in_scope = "no"
        carsat[:4].action_assessed()            # 4 handled
        carsat[:3].action_accompanied()         # 3 accompanied, 1 out of scope
        carsat[3].action_out_of_scope()
        # alert -> contact: 1, 2, 3, 10 days; contact -> interview: 5, 5, 7, 9 days
        for sheet, to_contact, to_interview in zip(sheets, (1, 2, 3, 10), (5, 5, 7, 9)):
            self.env.cr.execute(
                "UPDATE microstructure_liaison SET date_sent = %s, date_contacted = %s, date_assessed = %s"
                " WHERE id = %s",
                ["2025-01-01 09:00:00",
                 fields.Datetime.add(fields.Datetime.to_datetime("2025-01-01 09:00:00"), days=to_contact),
                 fields.Datetime.add(fields.Datetime.to_datetime("2025-01-01 09:00:00"), days=to_contact + to_interview),
                 sheet.id],
            )
        self.env.invalidate_all()
        funnel = self.env["microstructure.liaison"].with_user(self.user_gp_a1)._get_funnel(
            [("id", "in", (sheets | cancelled).ids)]
        )
        self.assertEqual(
            {k: funnel[k] for k in ("sheets", "sent", "handled", "accompanied")},
            {"sheets": 6, "sent": 5, "handled": 4, "accompanied": 3},
        )
        self.assertEqual((funnel["handled_rate"], funnel["accompanied_rate"]), (80.0, 75.0))
        self.assertAlmostEqual(funnel["median_days_to_contact"], 2.5)
        self.assertAlmostEqual(funnel["median_days_to_interview"], 6.0)
        # the pivot reads the same counts, with the user's rights
        Funnel = self.env["microstructure.liaison.funnel"].with_user(self.user_gp_a1)
        groups = Funnel._read_group(
            [("id", "in", (sheets | cancelled).ids)], [],
            ["sheet_count:sum", "sent_count:sum", "handled_count:sum", "accompanied_count:sum"],
        )
        self.assertEqual(groups, [(6, 5, 4, 3)])
        self.assertEqual(Funnel.search([("id", "=", cancelled.id)]).state, "cancelled")
        self.assertFalse(self.env["microstructure.liaison.funnel"].with_user(self.user_coord_b1).search(
            [("id", "in", sheets.ids)]
        ))
        carsat_rows = self.env["microstructure.liaison.funnel"].with_user(self.user_carsat).search(
            [("id", "in", sheets.ids)]
        )
        self.assertEqual(len(carsat_rows), 5, "the office sees the sheets sent to it")

    def test_review_meeting_lists_the_sheets_of_its_period(self):
        old = self._new_sheet(date="2023-11-10")
        recent = self._new_sheet(date="2024-05-02")
        self._grant_coordinator(self.user_gp_a1)
        meeting = self.env["microstructure.meeting"].with_user(self.user_gp_a1).create({
            "kind": "review", "site_id": self.site_a1.id, "start": "2024-06-20 14:00:00",
        })
        self.assertEqual(meeting.liaison_ids, recent)
        self.assertEqual(meeting._get_review_funnel()["sheets"], 1)
        meeting.kind = "synthesis"
        self.assertFalse(meeting.liaison_ids)
        self.assertTrue(old)

    def test_sent_once_by_two_users_at_once(self):
        """Two members of the care team send the same sheet at once, each in a
        transaction of its own: it is sent once, and the second is refused.
        The transactions commit in a copy of the database, never in the test
        database."""
        with database_copy(self.env) as registry:
            with registry.cursor() as cr:  # committed in the copy
                env = api.Environment(cr, SUPERUSER_ID, {})
                network = env["microstructure.network"].create({
                    "name": "Réseau concurrence", "region_ids": [Command.set(self.region_ge.ids)],
                })
                site = env["microstructure.site"].create({
                    "name": "Site concurrence", "department_id": self.site_a1.department_id.id,
                    "network_id": network.id, "program_addiction": True,
                })
                env["microstructure.social.service"].create({
                    "name": "Service social concurrence", "email": "concurrence@carsat-test.fr",
                    "department_ids": [Command.set(site.department_id.ids)],
                })
                users = []
                for login in ("ms_send_a", "ms_send_b"):
                    user = new_test_user(env, login=login, groups=GROUP + "practitioner")
                    professional = env["microstructure.professional"].create({
                        "name": login, "profession": "gp", "user_id": user.id,
                    })
                    env["microstructure.membership"].create({
                        "professional_id": professional.id, "site_id": site.id, "date_start": "2020-01-01",
                    })
                    users.append(user.id)
                patient = env["microstructure.patient"].create({
                    "name": "Concurrence", "first_names": "Test", "birth_date": "1970-01-01",
                    "sex": "male", "site_id": site.id,
                })
                sheet_id = env["microstructure.liaison"].with_user(users[0]).create({
                    "patient_id": patient.id, "consent": "yes", "reason_rights": True,
                }).id
            with closing(registry.cursor()) as cr_a, closing(registry.cursor()) as cr_b:
                sheet_a = api.Environment(cr_a, users[0], {})["microstructure.liaison"].browse(sheet_id)
                sheet_b = api.Environment(cr_b, users[1], {})["microstructure.liaison"].browse(sheet_id)
                self.assertEqual(sheet_b.state, "identified")  # B has read the sheet
                sheet_a.action_send()
                cr_a.commit()
                # B's send itself is refused, not its end of transaction
                try:
                    sheet_b.action_send()
                    refused = False
                except (UserError, psycopg2.errors.SerializationFailure):
                    refused = True
                cr_b.rollback()
                self.assertTrue(refused, "the second send is refused")
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT state, (SELECT count(*) FROM mail_message WHERE model = 'microstructure.liaison'"
                    " AND res_id = %s AND message_type = 'comment') FROM microstructure_liaison WHERE id = %s",
                    [sheet_id, sheet_id],
                )
                self.assertEqual(cr.fetchone(), ("sent", 1))
