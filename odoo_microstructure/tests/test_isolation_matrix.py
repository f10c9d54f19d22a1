from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MicrostructureCommon

CLINICAL_MODELS = (
    "microstructure.patient",
    "microstructure.patient.note",
    "microstructure.consultation",
    "microstructure.permanence",
    "microstructure.permanence.slot",
    "microstructure.meeting",
    "microstructure.meeting.line",
    "microstructure.scale.result",
    "survey.user_input",
    "survey.user_input.line",
)


@tagged("post_install", "-at_install")
class TestIsolationMatrix(MicrostructureCommon):
    """Who reads what of the clinical models, through every read path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._grant_coordinator(cls.user_gp_a1)
        cls.records = {}
        for user, site in ((cls.user_gp_a1, cls.site_a1), (cls.user_coord_b1, cls.site_b1)):
            patient = cls.env["microstructure.patient"].with_user(user).create({
                "name": f"Patient {site.name}", "first_names": "Test", "birth_date": "1970-01-01",
                "sex": "male", "site_id": site.id,
            })
            professional = user.microstructure_professional_ids
            consultation = cls.env["microstructure.consultation"].with_user(user).create({
                "patient_id": patient.id, "professional_id": professional.id,
                "start": datetime(2030, 1, 7, 9, 0),
            })
            meeting = cls.env["microstructure.meeting"].with_user(user).create({
                "site_id": site.id, "start": datetime(2030, 1, 8, 17, 0),
                "line_ids": [Command.create({"patient_id": patient.id, "summary": "Suivi"})],
            })
            cls.records[site] = {
                "microstructure.patient": patient,
                "microstructure.consultation": consultation,
                "microstructure.meeting": meeting,
                "microstructure.meeting.line": meeting.line_ids,
                **cls._fill_scale(user, patient),
            }
        psy_note = cls.env["microstructure.patient.note"].with_user(cls.user_psy_a).create({
            "patient_id": cls.records[cls.site_a1]["microstructure.patient"].id, "body": "<p>Note</p>",
        })
        cls.records[cls.site_a1]["microstructure.patient.note"] = psy_note
        permanence = cls.env["microstructure.permanence"].with_user(cls.user_psy_a).create({
            "site_id": cls.site_a1.id, "professional_id": cls.pro_psy_a.id,
            "start": datetime(2030, 1, 10, 8, 0), "stop": datetime(2030, 1, 10, 11, 0),
        })
        cls.records[cls.site_a1]["microstructure.permanence"] = permanence
        cls.records[cls.site_a1]["microstructure.permanence.slot"] = permanence.slot_ids

    @classmethod
    def _fill_scale(cls, user, patient):
        """A PHQ-9 filled in from the patient's link: its result, its answer
        and the answer's lines."""
        wizard = cls.env["microstructure.scale.fill"].with_user(user).create({
            "patient_id": patient.id, "how": "patient",
            "scale_id": cls.env.ref("odoo_microstructure.microstructure_scale_phq9").id,
        })
        user_input = wizard._create_user_input()
        for question in user_input.survey_id.question_ids:
            user_input._save_lines(question, question.suggested_answer_ids[-1].id)
        user_input._mark_done()
        result = cls.env["microstructure.scale.result"].search([("user_input_id", "=", user_input.id)])
        return {
            "microstructure.scale.result": result,
            "survey.user_input": cls.env["survey.user_input"].browse(user_input.id),
            "survey.user_input.line": cls.env["survey.user_input.line"].browse(user_input.user_input_line_ids.ids),
        }

    def _assert_sees(self, user, model, expected):
        Model = self.env[model].with_user(user)
        all_ids = [rid for records in self.records.values() if model in records for rid in records[model].ids]
        domain = [("id", "in", all_ids)]
        self.env.invalidate_all()
        self.assertEqual(set(Model.search(domain).ids), set(expected.ids), f"{user.login} search {model}")
        self.assertEqual(Model.search_count(domain), len(expected), f"{user.login} count {model}")
        groups = Model._read_group(domain, [], ["__count"])
        self.assertEqual(groups[0][0], len(expected), f"{user.login} read_group {model}")
        hidden = self.env[model].browse(all_ids) - expected
        for record in hidden:
            with self.assertRaises(AccessError, msg=f"{user.login} reads {model}"):
                record.with_user(user).read(["display_name"])
            self.env.invalidate_all()
        # exports (for users allowed to export) follow the same rules
        user.groups_id = [Command.link(self.env.ref("base.group_allow_export").id)]
        if expected:
            exported = expected.with_user(user).export_data(["id"])["datas"]
            self.assertEqual(len(exported), len(expected))
        for record in hidden:
            self.env.invalidate_all()
            with self.assertRaises(AccessError):
                record.with_user(user).export_data(["create_date"])

    def test_care_team_members(self):
        a1, b1 = self.records[self.site_a1], self.records[self.site_b1]
        for model in CLINICAL_MODELS:
            empty = self.env[model]
            # the GP of A1 sees A1's records, except the psychologist's notes
            expected = a1.get(model, empty) if model != "microstructure.patient.note" else empty
            self._assert_sees(self.user_gp_a1, model, expected)
            # the psychologist of A1 and A2 sees A1's records, its notes included
            self._assert_sees(self.user_psy_a, model, a1.get(model, empty))
            # the coordinator of B1 sees B1's records only
            self._assert_sees(self.user_coord_b1, model, b1.get(model, empty))

    def test_other_roles_see_nothing(self):
        for user in (self.user_manager, self.user_admin_a, self.user_regional_ge,
                     self.user_carsat, self.user_employee):
            for model in CLINICAL_MODELS:
                with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                    self.env[model].with_user(user).search([])
                with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                    self.env[model].with_user(user).name_search("Patient")

    def test_name_search_and_attachments(self):
        Patient = self.env["microstructure.patient"].with_user(self.user_gp_a1)
        names = [name for _id, name in Patient.name_search("Patient")]
        self.assertEqual(names, ["PATIENT MICROSTRUCTURE TEST A1 Test"])
        patient_b1 = self.records[self.site_b1]["microstructure.patient"]
        attachment = self.env["ir.attachment"].create({
            "name": "ordonnance.pdf", "raw": b"%PDF-1.4", "res_model": "microstructure.patient",
            "res_id": patient_b1.id,
        })
        with self.assertRaises(AccessError):
            attachment.with_user(self.user_gp_a1).read(["raw"])
        self.assertFalse(self.env["ir.attachment"].with_user(self.user_gp_a1).search(
            [("res_model", "=", "microstructure.patient"), ("res_id", "=", patient_b1.id)]
        ))

    def test_patient_name_search_uses_an_index(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'microstructure_patient'"
        )
        indexes = " ".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("gin (name gin_trgm_ops)", indexes)
        self.assertIn("gin (first_names gin_trgm_ops)", indexes)
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM microstructure_patient WHERE name ILIKE %s", ["%dupont%"]
        )
        plan = " ".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("microstructure_patient__name_index", plan)
