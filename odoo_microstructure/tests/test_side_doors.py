"""Odoo's side doors to patient data, attacked over real HTTP and JSON-RPC by
each role with a legitimate but limited login.

``PROBES`` is a table: a door, the request (JSON-RPC call or URL), the roles
that try it, and what they must get. Every probe also asserts that nothing of
the target patient's identity or clinical facts comes back in the response,
and that nothing was written. A new model, report or method joins the suite
with one line.
"""

import json
from datetime import datetime

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import MicrostructureCommon

# Identity and clinical facts of the target patient: none of these strings may
# appear in a response to someone outside its care team.
SECRETS = (
    "Kowalczyk", "KOWALCZYK", "Zéphyrine", "Z\\u00e9phyrine",
    "1961-04-17", "17/04/1961", "06 99 88 77 66", "rue des Secrets", "Lantern",
    "Synthèse confidentielle", "Décision confidentielle",
)
OUTSIDERS = ("other_team", "regional", "network_admin", "employee", "carsat_other", "national")
# members of the patient's care team: they read it, but write it through its workflows only
INSIDERS = ("team", "team_psy")


def rpc(model, method, *args, **kwargs):
    return {"kind": "rpc", "model": model, "method": method, "args": list(args), "kwargs": kwargs}


def url(path):
    return {"kind": "url", "path": path}


def route(path, **params):
    return {"kind": "json", "path": path, "params": params}


# (door, request builder (the test case gives the ids), roles, expectation)
# expectation: "denied" (an error or nothing), "empty" (no row, count 0)
PROBES = [
    # 1. computes run as superuser, reached through onchange
    ("onchange liaison identity", lambda t: rpc(
        "microstructure.liaison", "onchange", [], {"patient_id": t.patient.id}, ["patient_id"],
        {name: {} for name in ("patient_id", "usage_name", "first_name", "birth_date", "phone",
                               "street", "city", "site_id", "site_name", "social_service_id")},
    ), OUTSIDERS + ("carsat",), "denied"),
    ("onchange consultation", lambda t: rpc(
        "microstructure.consultation", "onchange", [], {"patient_id": t.patient.id}, ["patient_id"],
        {"patient_id": {"fields": {"display_name": {}}}, "site_id": {"fields": {"display_name": {}}},
         "display_name": {}},
    ), OUTSIDERS, "denied"),
    ("onchange meeting line", lambda t: rpc(
        "microstructure.meeting.line", "onchange", [], {"patient_id": t.patient.id}, ["patient_id"],
        {"patient_id": {"fields": {"display_name": {}}}},
    ), OUTSIDERS, "denied"),
    ("onchange note", lambda t: rpc(
        "microstructure.patient.note", "onchange", [], {"patient_id": t.patient.id}, ["patient_id"],
        {"patient_id": {"fields": {"display_name": {}}}, "site_id": {}},
    ), OUTSIDERS, "denied"),
    ("onchange existing sheet", lambda t: rpc(
        "microstructure.liaison", "onchange", [t.sheet_identified.id], {}, [],
        {"usage_name": {}, "first_name": {}, "birth_date": {}},
    ), OUTSIDERS + ("carsat",), "denied"),
    # 2. reports by URL
    ("liaison report html", lambda t: url(
        f"/report/html/odoo_microstructure.report_microstructure_liaison/{t.sheet_sent.id}"
    ), OUTSIDERS, "denied"),
    ("liaison report pdf", lambda t: url(
        f"/report/pdf/odoo_microstructure.report_microstructure_liaison/{t.sheet_sent.id}"
    ), OUTSIDERS, "denied"),
    ("unsent liaison report", lambda t: url(
        f"/report/html/odoo_microstructure.report_microstructure_liaison/{t.sheet_identified.id}"
    ), ("carsat",), "denied"),
    ("minutes report html", lambda t: url(
        f"/report/html/odoo_microstructure.report_microstructure_meeting/{t.meeting.id}"
    ), OUTSIDERS + ("carsat",), "denied"),
    ("minutes report pdf", lambda t: url(
        f"/report/pdf/odoo_microstructure.report_microstructure_meeting/{t.meeting.id}"
    ), OUTSIDERS + ("carsat",), "denied"),
    # 3. access errors in debug mode
    ("read patient (debug)", lambda t: rpc(
        "microstructure.patient", "read", [t.patient.id], ["display_name"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("read consultation (debug)", lambda t: rpc(
        "microstructure.consultation", "read", [t.consultation.id], ["display_name"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("web_read meeting line (debug)", lambda t: rpc(
        "microstructure.meeting.line", "web_read", [t.meeting.line_ids.ids],
        {"patient_id": {"fields": {"display_name": {}}}, "summary": {}},
    ), OUTSIDERS + ("carsat",), "denied"),
    # 4. mail
    ("followers of a patient", lambda t: rpc(
        "mail.followers", "search_read", [("res_model", "=", "microstructure.patient"),
                                          ("res_id", "=", t.patient.id)], ["partner_id"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("count followers", lambda t: rpc(
        "mail.followers", "search_count", [("res_model", "in", ["microstructure.patient",
                                                                 "microstructure.consultation"])],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("read followers by id", lambda t: rpc(
        "mail.followers", "read", t.patient_followers.ids, ["res_id", "partner_id"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("group followers", lambda t: rpc(
        "mail.followers", "read_group", [("res_model", "=", "microstructure.patient")],
        ["res_id:array_agg"], ["res_model"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("messages of a patient", lambda t: rpc(
        "mail.message", "search_read", [("model", "=", "microstructure.patient"),
                                        ("res_id", "=", t.patient.id)], ["record_name", "body"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("activities of a patient", lambda t: rpc(
        "mail.activity", "search_read", [("res_model", "=", "microstructure.patient")],
        ["res_name", "note", "summary"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("subscribe oneself", lambda t: rpc(
        "microstructure.patient", "message_subscribe", [t.patient.id], t.partner_ids_placeholder,
    ), OUTSIDERS + ("carsat",), "denied"),
    ("post on a patient", lambda t: rpc(
        "microstructure.patient", "message_post", [t.patient.id], body="Bonjour",
    ), OUTSIDERS + ("carsat",), "denied"),
    ("thread data of a patient", lambda t: route(
        "/mail/thread/data", thread_model="microstructure.patient", thread_id=t.patient.id,
        request_list=["followers", "activities", "attachments", "suggestedRecipients"],
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("thread messages of a patient", lambda t: route(
        "/mail/thread/messages", thread_model="microstructure.patient", thread_id=t.patient.id,
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("post through the chatter route", lambda t: route(
        "/mail/message/post", thread_model="microstructure.patient", thread_id=t.patient.id,
        post_data={"body": "Bonjour", "message_type": "comment"},
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("composer record name", lambda t: rpc(
        "mail.compose.message", "onchange", [],
        {"model": "microstructure.patient", "res_ids": f"[{t.patient.id}]", "composition_mode": "comment"},
        ["res_ids"], {"record_name": {}, "subject": {}, "body": {}},
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("composer saved and read", lambda t: rpc(
        "mail.compose.message", "web_save", [],
        {"model": "microstructure.patient", "res_ids": f"[{t.patient.id}]", "composition_mode": "comment"},
        {"record_name": {}, "subject": {}},
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("activity name by onchange", lambda t: rpc(
        "mail.activity", "onchange", [],
        {"res_model": "microstructure.patient", "res_model_id": t.patient_model_id, "res_id": t.patient.id},
        ["res_id"], {"res_name": {}, "res_model": {}, "res_id": {}},
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("attachment name by onchange", lambda t: rpc(
        "ir.attachment", "onchange", [], {"res_model": "microstructure.patient", "res_id": t.patient.id},
        ["res_id"], {"res_name": {}},
    ), OUTSIDERS + ("carsat",), "no_secret"),
    ("calendar event of a consultation", lambda t: rpc(
        "calendar.event", "search_read", [("res_model", "=", "microstructure.consultation")],
        ["name", "description", "partner_ids", "location"],
    ), OUTSIDERS + ("carsat",), "no_secret"),
    # 7. analysis of the sheets (the care team's own funnel)
    ("funnel of another team", lambda t: rpc(
        "microstructure.liaison.funnel", "read_group", [("site_id", "=", t.site_a1.id)],
        ["sheet_count:sum", "delay_contact:array_agg"], ["site_id"],
    ), ("other_team", "employee", "carsat_other"), "empty"),
    # 8. writes that bypass the workflow
    ("carsat moves a sent sheet", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id], {"site_id": t.site_b1.id},
    ), ("carsat", "carsat_other", "other_team"), "denied"),
    ("carsat forges the fingerprint", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id],
        {"sent_hash": "0" * 64, "date_sent": "2020-01-01 00:00:00", "sent_by_id": t.user_carsat.id},
    ), ("carsat", "carsat_other"), "denied"),
    ("carsat writes identity of a sent sheet", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id], {"usage_name": "Autre"},
    ), ("carsat",), "denied"),
    ("sheet created already sent", lambda t: rpc(
        "microstructure.liaison", "create", {"patient_id": t.patient_b1.id, "state": "sent",
                                             "sent_hash": "x", "consent": "undecided"},
    ), ("other_team",), "denied"),
    ("sheet for another team's patient", lambda t: rpc(
        "microstructure.liaison", "create", {"patient_id": t.patient.id, "consent": "yes",
                                             "reason_rights": True},
    ), ("other_team",), "denied"),
    ("kanban drag to an illegal step", lambda t: rpc(
        "microstructure.liaison", "web_save", [t.sheet_sent.id], {"state": "closed"}, {"state": {}},
    ), ("carsat",), "denied"),
    ("cancelled consultation marked done", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation_cancelled.id], {"state": "done"},
    ), ("other_team", "employee"), "denied"),
    ("held meeting cancelled", lambda t: rpc(
        "microstructure.meeting", "write", [t.meeting.id], {"state": "cancelled"},
    ), ("other_team", "network_admin"), "denied"),
    ("line of held minutes deleted", lambda t: rpc(
        "microstructure.meeting.line", "unlink", t.meeting.line_ids.ids,
    ), ("other_team",), "denied"),
    # 6. network administrators
    ("link one's own login to a professional", lambda t: rpc(
        "microstructure.professional", "write", [t.pro_sw_a.id], {"user_id": t.user_admin_a.id},
    ), ("network_admin",), "denied"),
    ("write another contact card", lambda t: rpc(
        "res.partner", "write", [t.user_manager.partner_id.id], {"phone": "00 00 00 00 00"},
    ), ("network_admin", "other_team", "regional", "employee", "carsat"), "denied"),
    ("contact card through a foreign professional", lambda t: rpc(
        "microstructure.professional", "write", [t.pro_coord_b1.id], {"phone": "00 00 00 00 00"},
    ), ("network_admin",), "denied"),
    # the care team itself, writing around the workflows
    ("the team forges a sent sheet", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id],
        {"sent_hash": "0" * 64, "site_id": t.site_a2.id, "date_sent": False},
    ), INSIDERS, "denied"),
    ("the team edits a sent sheet", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id], {"phone": "01 00 00 00 00"},
    ), INSIDERS, "denied"),
    ("the team fills the social worker's part", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_sent.id], {"outcome": "Clos", "in_scope": "yes"},
    ), INSIDERS, "denied"),
    ("the team creates a sheet already sent", lambda t: rpc(
        "microstructure.liaison", "create", {"patient_id": t.patient.id, "state": "sent",
                                             "sent_hash": "x", "consent": "undecided"},
    ), INSIDERS, "denied"),
    ("the team attaches its sheet to another team's patient", lambda t: rpc(
        "microstructure.liaison", "write", [t.sheet_identified.id], {"patient_id": t.patient_b1.id},
    ), INSIDERS, "denied"),
    ("the team drags a sheet to an illegal step", lambda t: rpc(
        "microstructure.liaison", "web_save", [t.sheet_identified.id], {"state": "accompanied"},
        {"state": {}},
    ), INSIDERS, "denied"),
    ("the team marks a cancelled consultation done", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation_cancelled.id], {"state": "done"},
    ), INSIDERS, "denied"),
    ("the team moves a consultation's event", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation.id], {"event_id": False},
    ), INSIDERS, "denied"),
    ("the team reopens a held permanence", lambda t: rpc(
        "microstructure.permanence", "write", [t.permanence_held.id], {"state": "cancelled"},
    ), INSIDERS, "denied"),
    ("the team cancels a held meeting", lambda t: rpc(
        "microstructure.meeting", "write", [t.meeting.id], {"state": "cancelled"},
    ), INSIDERS, "denied"),
    ("the team rewrites held minutes", lambda t: rpc(
        "microstructure.meeting.line", "write", t.meeting.line_ids.ids, {"summary": "Réécrit"},
    ), INSIDERS, "denied"),
    ("the team deletes a line of held minutes", lambda t: rpc(
        "microstructure.meeting.line", "unlink", t.meeting.line_ids.ids,
    ), INSIDERS, "denied"),
    ("the team moves a patient to another site", lambda t: rpc(
        "microstructure.patient", "write", [t.patient.id], {"site_id": t.site_a2.id},
    ), INSIDERS, "denied"),
    ("the team books a slot for another team's patient", lambda t: rpc(
        "microstructure.permanence.slot", "action_book", [t.slot.id], t.patient_b1.id,
    ), INSIDERS, "denied"),
    ("a megabyte name", lambda t: rpc(
        "microstructure.patient", "write", [t.patient.id], {"name": "x" * 1_000_000},
    ), INSIDERS, "denied"),
    ("a date of the wrong type", lambda t: rpc(
        "microstructure.patient", "write", [t.patient.id], {"birth_date": 1961},
    ), INSIDERS, "denied"),
    ("an unknown id", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation.id], {"professional_id": 999_999_999},
    ), INSIDERS, "denied"),
    ("a file of a patient (debug)", lambda t: rpc(
        "ir.attachment", "read", [t.attachment.id], ["name", "datas"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("a network administrator redirects an office", lambda t: rpc(
        "microstructure.social.service", "write", [t.office.id],
        {"email": "attacker@example.com", "user_ids": [(4, t.user_carsat_other.id)]},
    ), ("network_admin", "other_team", "carsat", "regional"), "denied"),
    # the care team itself, reaching another team through a shared member
    ("a meeting with patients moved to another site", lambda t: rpc(
        "microstructure.meeting", "write", [t.meeting_planned.id], {"site_id": t.site_a2.id},
    ), ("team_psy",), "denied"),
    ("a patient booked at another site's permanence", lambda t: rpc(
        "microstructure.permanence.slot", "action_book", [t.slot_a2.id], t.patient.id,
    ), ("team_psy",), "denied"),
    ("a sheet with the social worker's part forged", lambda t: rpc(
        "microstructure.liaison", "create", {"patient_id": t.patient.id, "consent": "yes",
                                             "reason_rights": True, "in_scope": "yes", "outcome": "Faux"},
    ), INSIDERS, "denied"),
    ("a sheet requested in another's name", lambda t: rpc(
        "microstructure.liaison", "create", {"patient_id": t.patient.id, "consent": "yes",
                                             "reason_rights": True, "requester_id": t.user_psy_a.id},
    ), ("team",), "denied"),
    ("a consultation created already missed", lambda t: rpc(
        "microstructure.consultation", "create", {"patient_id": t.patient.id, "state": "no_show",
                                                  "professional_id": t.pro_gp_a1.id,
                                                  "start": "2020-01-06 09:00:00"},
    ), ("team",), "denied"),
    ("a permanence created already held", lambda t: rpc(
        "microstructure.permanence", "create", {"site_id": t.site_a1.id, "professional_id": t.pro_psy_a.id,
                                                "start": "2030-05-02 08:00:00", "stop": "2030-05-02 11:00:00",
                                                "state": "held"},
    ), ("team_psy",), "denied"),
    ("a note written in another's name", lambda t: rpc(
        "microstructure.patient.note", "create", {"patient_id": t.patient.id, "body": "<p>x</p>",
                                                  "author_id": t.user_gp_a1.id},
    ), ("team_psy",), "denied"),
    ("a consent collected by another", lambda t: rpc(
        "microstructure.patient", "write", [t.patient.id], {"consent_user_id": t.user_psy_a.id},
    ), ("team",), "denied"),
    # 9. bad input
    ("a search on the care team with a boolean", lambda t: rpc(
        "microstructure.site", "search_count", [("care_team_user_ids", "in", [True])],
    ), ("team", "network_admin"), "denied"),
    ("a status of the wrong type", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation.id], {"state": ["done"]},
    ), ("team",), "denied"),
    ("a patient of the wrong type", lambda t: rpc(
        "microstructure.consultation", "write", [t.consultation.id], {"patient_id": "abc"},
    ), ("team",), "denied"),
    ("an impossible end date", lambda t: rpc(
        "microstructure.membership", "write", [t.membership_gp_a1.id], {"date_end": "2024-13-45"},
    ), ("network_admin",), "denied"),
    ("an opening date that is no date", lambda t: rpc(
        "microstructure.site", "write", [t.site_a1.id], {"date_open": "not a date"},
    ), ("network_admin",), "denied"),
    ("book a slot with a string", lambda t: rpc(
        "microstructure.permanence.slot", "action_book", [t.slot.id], "abc",
    ), ("other_team", "employee"), "denied"),
    # validated scales: results, the answers of their questionnaire, the wizard
    ("onchange scale wizard", lambda t: rpc(
        "microstructure.scale.fill", "onchange", [], {"patient_id": t.patient.id}, ["patient_id"],
        {"patient_id": {"fields": {"display_name": {}}}, "consultation_id": {}},
    ), OUTSIDERS, "denied"),
    ("read scale result (debug)", lambda t: rpc(
        "microstructure.scale.result", "read", [t.scale_result.id], ["display_name", "score", "patient_id"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("group scale results", lambda t: rpc(
        "microstructure.scale.result", "read_group", [], ["score:sum", "patient_id:array_agg"], ["scale_id"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("answers of a scale", lambda t: rpc(
        "survey.user_input", "search_read", [("microstructure_patient_id", "=", t.patient.id)],
        ["access_token", "scoring_total", "microstructure_patient_id"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("answer lines of a scale", lambda t: rpc(
        "survey.user_input.line", "search_read", [("user_input_id", "=", t.scale_input.id)],
        ["suggested_answer_id", "answer_score"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("open the scale wizard of a patient", lambda t: rpc(
        "microstructure.patient", "action_scale_link", [t.patient.id],
    ), OUTSIDERS + ("carsat",), "denied"),
    # the thresholds and meaningful changes behind the outcome indicators (the
    # network administrators', the national one's included)
    ("move a scale's threshold", lambda t: rpc(
        "microstructure.scale.band", "write",
        t.env.ref("odoo_microstructure.microstructure_scale_phq9").band_ids.ids, {"above_threshold": False},
    ), INSIDERS + ("other_team", "regional", "employee", "carsat"), "denied"),
    ("change a scale's meaningful change", lambda t: rpc(
        "microstructure.scale", "write", [t.env.ref("odoo_microstructure.microstructure_scale_phq9").id],
        {"meaningful_change": 1, "threshold_source": "x"},
    ), INSIDERS + ("other_team", "regional", "employee", "carsat"), "denied"),
    # the care team's logins on a file, which its record rule searches
    ("files by their care team's logins", lambda t: rpc(
        "microstructure.patient", "search_read", [("care_team_user_ids", "in", [t.user_gp_a1.id])],
        ["name", "care_team_user_ids"],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("count files by their care team's logins", lambda t: rpc(
        "microstructure.patient", "search_count", [("care_team_user_ids", "in", [t.user_gp_a1.id])],
    ), OUTSIDERS + ("carsat",), "empty"),
    ("care team's logins of a file", lambda t: rpc(
        "microstructure.patient", "read", [t.patient.id], ["care_team_user_ids"],
    ), OUTSIDERS + ("carsat",), "denied"),
    ("group files by their care team's logins", lambda t: rpc(
        "microstructure.patient", "read_group", [], ["__count"], ["care_team_user_ids"],
    ), OUTSIDERS + INSIDERS + ("carsat",), "denied"),
    ("search the care team's logins by name", lambda t: rpc(
        "microstructure.patient", "search_read", [("care_team_user_ids", "ilike", "ms_gp")], ["name"],
    ), OUTSIDERS + INSIDERS + ("carsat",), "denied"),
]


@tagged("post_install", "-at_install")
class TestSideDoors(MicrostructureCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_carsat_other = cls.env["res.users"].create({
            "name": "Carsat Toulouse", "login": "ms_carsat_other", "password": "ms_carsat_other",
            "groups_id": [Command.set(cls.env.ref(
                "odoo_microstructure.group_microstructure_carsat").ids)],
            "lang": "en_US",
        })
        cls.office = cls._create_office(
            "Service social test - Strasbourg", "ssr67@carsat-test.fr", users=cls.user_carsat,
        )
        cls._create_office(
            "Service social test - Toulouse", "ssr31@carsat-test.fr", site=cls.site_b1, users=cls.user_carsat_other,
        )
        gp = cls.env["microstructure.patient"].with_user(cls.user_gp_a1)
        cls.patient = gp.create({
            "civility": "mrs", "name": "Kowalczyk", "birth_name": "Lantern",
            "first_names": "Zéphyrine", "birth_date": "1961-04-17", "sex": "female",
            "site_id": cls.site_a1.id, "street": "3 rue des Secrets", "zip": "67000",
            "city": "Strasbourg", "phone": "06 99 88 77 66", "motive_addiction": True,
            "synthesis": "<p>Synthèse confidentielle</p>",
        })
        cls.patient.message_subscribe(partner_ids=cls.user_psy_a.partner_id.ids)
        cls.patient_followers = cls.env["mail.followers"].sudo().search([
            ("res_model", "=", "microstructure.patient"), ("res_id", "=", cls.patient.id),
        ])
        cls.patient.message_post(body="Synthèse confidentielle", message_type="comment",
                                 subtype_xmlid="mail.mt_note")
        cls.patient.activity_schedule(
            "mail.mail_activity_data_todo", summary="Appeler", note="Décision confidentielle",
            user_id=cls.user_gp_a1.id,
        )
        cls.patient_b1 = cls.env["microstructure.patient"].with_user(cls.user_coord_b1).create({
            "name": "Garcia", "first_names": "Ana", "birth_date": "1990-06-30", "sex": "female",
            "site_id": cls.site_b1.id,
        })
        consultations = cls.env["microstructure.consultation"].with_user(cls.user_gp_a1).create([
            {"patient_id": cls.patient.id, "professional_id": cls.pro_gp_a1.id,
             "start": datetime(2030, 1, 7, 9, 0)},
            {"patient_id": cls.patient.id, "professional_id": cls.pro_gp_a1.id,
             "start": datetime(2030, 1, 7, 10, 0)},
        ])
        cls.consultation, cls.consultation_cancelled = consultations
        cls.consultation_cancelled.action_cancel()
        cls.meeting = cls.env["microstructure.meeting"].create({
            "site_id": cls.site_a1.id, "start": datetime(2024, 5, 14, 17, 0),
            "line_ids": [Command.create({
                "patient_id": cls.patient.id, "summary": "Synthèse confidentielle",
                "decision": "Décision confidentielle", "responsible_id": cls.pro_gp_a1.id,
            })],
        })
        cls.meeting.action_done()
        sheets = cls.env["microstructure.liaison"].with_user(cls.user_gp_a1).create([
            {"patient_id": cls.patient.id, "consent": "yes", "reason_rights": True,
             "social_service_id": cls.office.id},
            {"patient_id": cls.patient.id, "consent": "yes", "reason_job": True,
             "social_service_id": cls.office.id},
        ])
        cls.sheet_sent, cls.sheet_identified = sheets
        cls.sheet_sent.action_send()
        permanence = cls.env["microstructure.permanence"].with_user(cls.user_psy_a).create({
            "site_id": cls.site_a1.id, "professional_id": cls.pro_psy_a.id,
            "start": datetime(2030, 1, 10, 8, 0), "stop": datetime(2030, 1, 10, 11, 0),
        })
        cls.slot = permanence.slot_ids[0]
        cls.permanence_held = permanence.copy({"start": datetime(2030, 1, 17, 8, 0),
                                                "stop": datetime(2030, 1, 17, 11, 0)})
        cls.permanence_held.action_held()
        cls.patient_model_id = cls.env["ir.model"]._get_id("microstructure.patient")
        cls.attachment = cls.env["ir.attachment"].create({
            "name": "KOWALCZYK Zéphyrine - compte-rendu.pdf", "raw": "%PDF-1.4 Synthèse confidentielle".encode(),
            "res_model": "microstructure.patient", "res_id": cls.patient.id,
        })
        cls.meeting_planned = cls.env["microstructure.meeting"].create({
            "site_id": cls.site_a1.id, "start": datetime(2030, 2, 4, 17, 0),
            "line_ids": [Command.create({"patient_id": cls.patient.id, "summary": "Synthèse confidentielle"})],
        })
        cls.slot_a2 = cls.env["microstructure.permanence"].with_user(cls.user_psy_a).create({
            "site_id": cls.site_a2.id, "professional_id": cls.pro_psy_a.id,
            "start": datetime(2030, 1, 11, 8, 0), "stop": datetime(2030, 1, 11, 11, 0),
        }).slot_ids[0]
        wizard = cls.env["microstructure.scale.fill"].with_user(cls.user_gp_a1).create({
            "patient_id": cls.patient.id, "how": "patient",
            "scale_id": cls.env.ref("odoo_microstructure.microstructure_scale_phq9").id,
        })
        cls.scale_input = wizard._create_user_input()
        for question in cls.scale_input.survey_id.question_ids:
            cls.scale_input._save_lines(question, question.suggested_answer_ids[-1].id)
        cls.scale_input._mark_done()
        cls.scale_result = cls.env["microstructure.scale.result"].search([("user_input_id", "=", cls.scale_input.id)])
        cls.roles = {
            "other_team": cls.user_coord_b1, "regional": cls.user_regional_ge,
            "network_admin": cls.user_admin_a, "employee": cls.user_employee,
            "carsat": cls.user_carsat, "carsat_other": cls.user_carsat_other,
            "national": cls.user_manager, "team": cls.user_gp_a1, "team_psy": cls.user_psy_a,
        }

    # HELPERS
    def _request(self, request):
        if request["kind"] == "url":
            response = self.url_open(request["path"], allow_redirects=False)
            return response.status_code, response.headers.get("Content-Type", ""), response.text, None
        if request["kind"] == "json":
            response = self.url_open(
                request["path"], headers={"Content-Type": "application/json"},
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": request["params"]}),
            )
            return response.status_code, "application/json", response.text, response.json()
        payload = {
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": request["model"], "method": request["method"],
                       "args": request["args"], "kwargs": request["kwargs"]},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{request['model']}/{request['method']}",
            data=json.dumps(payload), headers={"Content-Type": "application/json"},
        )
        body = response.json()
        return response.status_code, "application/json", response.text, body

    def _snapshot(self):
        """What the probes could write: the target records as the database holds them."""
        self.env.invalidate_all()
        records = (self.patient | self.patient_b1, self.sheet_sent | self.sheet_identified,
                   self.consultation | self.consultation_cancelled, self.meeting,
                   self.meeting.line_ids, self.slot, self.permanence_held, self.meeting_planned,
                   self.slot_a2, self.office, self.site_a1, self.membership_gp_a1,
                   self.pro_sw_a | self.pro_coord_b1, self.user_manager.partner_id)
        snapshot = []
        for recordset in records:
            names = [name for name, field in recordset._fields.items()
                     if field.store and field.type not in ("one2many", "binary")
                     and name not in ("write_date", "message_main_attachment_id")]
            snapshot.append(recordset.sudo().with_context(active_test=False).read(names))
        snapshot.append(self.env["mail.followers"].sudo().search_count([]))
        snapshot.append(self.env["mail.message"].sudo().search_count([]))
        return snapshot

    def _assert_outcome(self, door, role, expectation, status, content_type, text, body):
        label = f"{door} as {role}"
        decoded = json.dumps(body, ensure_ascii=False) if body is not None else text
        for secret in SECRETS if role not in INSIDERS else ():
            self.assertNotIn(secret, text, f"{label}: the response names the patient ({secret})")
            self.assertNotIn(secret, decoded, f"{label}: the response names the patient ({secret})")
        if body is None:  # a report URL
            self.assertNotEqual(status, 200, f"{label}: the report was rendered")
            self.assertNotIn("pdf", content_type, f"{label}: a PDF was rendered")
            return
        error, result = body.get("error"), body.get("result")
        if expectation == "denied":
            self.assertTrue(error or not result, f"{label}: not refused ({result!r})")
        elif expectation == "empty":
            self.assertTrue(error or result in ([], 0, False, None), f"{label}: rows came back ({result!r})")
        if error:
            message = json.dumps(error)
            self.assertNotIn("Traceback", error.get("data", {}).get("message", ""), label)
            self.assertNotIn("psycopg2", message, f"{label}: a raw database error")
            self.assertNotIn("AttributeError", message, f"{label}: a raw Python error")

    # THE TABLE
    def test_side_doors(self):
        self.partner_ids_placeholder = []
        before = self._snapshot()
        tried = 0
        for door, build, roles, expectation in PROBES:
            for role in roles:
                user = self.roles[role]
                with self.subTest(door=door, role=role):
                    self.authenticate(user.login, user.login)
                    self.url_open("/web?debug=1")  # debug mode, open to every user
                    self.partner_ids_placeholder = user.partner_id.ids
                    status, content_type, text, body = self._request(build(self))
                    self._assert_outcome(door, role, expectation, status, content_type, text, body)
                    tried += 1
        self.assertEqual(self._snapshot(), before, "a probe wrote something")
        self.assertGreater(tried, 150)

    def test_the_care_team_still_works(self):
        """The same doors stay open to the care team (the probes are not refused
        for everyone)."""
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        _status, _kind, text, body = self._request(rpc(
            "microstructure.liaison", "onchange", [], {"patient_id": self.patient.id}, ["patient_id"],
            {"usage_name": {}, "first_name": {}, "patient_id": {}},
        ))
        self.assertFalse(body.get("error"), text)
        self.assertEqual(body["result"]["value"]["usage_name"], "Kowalczyk")
        response = self.url_open(
            f"/report/html/odoo_microstructure.report_microstructure_liaison/{self.sheet_sent.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Kowalczyk", response.text)
        _status, _kind, text, body = self._request(rpc(
            "mail.followers", "search_read", [("res_model", "=", "microstructure.patient"),
                                              ("res_id", "=", self.patient.id)], ["partner_id"],
        ))
        self.assertEqual(
            {row["partner_id"][0] for row in body["result"]},
            set((self.user_gp_a1 | self.user_psy_a).partner_id.ids),
        )
        # the office's social worker opens the sheet sent to it
        self.authenticate(self.user_carsat.login, self.user_carsat.login)
        response = self.url_open(
            f"/report/html/odoo_microstructure.report_microstructure_liaison/{self.sheet_sent.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Kowalczyk", response.text)

    def test_legal_kanban_drag(self):
        self.authenticate(self.user_carsat.login, self.user_carsat.login)
        _status, _kind, text, body = self._request(rpc(
            "microstructure.liaison", "web_save", [self.sheet_sent.id], {"state": "contacted"},
            {"state": {}},
        ))
        self.assertFalse(body.get("error"), text)
        self.assertEqual(self.sheet_sent.state, "contacted")
        self.assertEqual(self.sheet_sent.contacted_by_id, self.user_carsat)

    def test_debug_error_names_no_patient(self):
        self.authenticate(self.user_coord_b1.login, self.user_coord_b1.login)
        self.url_open("/web?debug=1")
        _status, _kind, _text, body = self._request(rpc(
            "microstructure.patient", "read", [self.patient.id], ["name"],
        ))
        self.assertEqual(body["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertIn("(Patient)", body["error"]["data"]["message"])
        self.assertNotIn(str(self.patient.id), body["error"]["data"]["message"])
