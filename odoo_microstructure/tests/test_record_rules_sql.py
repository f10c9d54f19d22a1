from unittest.mock import patch

from odoo import models
from odoo.exceptions import MissingError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, MicrostructureCommon

OPERATIONS = ("read", "write", "create", "unlink")


@tagged("post_install", "-at_install")
class TestRecordRulesSql(MicrostructureCommon):
    """The record rules of records in memory are checked in SQL by the
    microstructure models (``_check_access``): the answer must be Odoo's own
    (``filtered_domain`` in Python), for every role, model and operation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        checked = cls.env.registry["microstructure.input.check"]
        cls.model_names = sorted(
            name for name, model_class in cls.env.registry.items()
            if issubclass(model_class, checked) and not model_class._abstract and not model_class._transient
        )
        demo_users = cls.env["res.users"].search([
            ("login", "in", ["reseau", "coordinateur", "medecin", "selestat", "psychologue", "ars",
                             "carsat", "dpo"]),
        ])
        cls.users = demo_users | cls.user_manager | cls.user_admin_a | cls.user_gp_a1 | cls.user_psy_a \
            | cls.user_coord_b1 | cls.user_regional_ge | cls.user_carsat | cls.user_employee

    def test_from_ten_records(self):
        patients = self._patients(self.site_a1, 10, "Seuil").with_user(self.user_gp_a1)
        self.env.invalidate_all()
        with patch.object(type(patients), "filtered_domain", side_effect=AssertionError("Python")):
            self.assertIsNone(patients._check_access("read"))
            with self.assertRaises(AssertionError):
                patients[:9]._check_access("read")  # nine: Odoo's check
            with self.assertRaises(AssertionError):
                patients._check_access("write")

    def _odoo_answer(self, records, operation):
        """Which records Odoo itself refuses (None: none)."""
        result = models.BaseModel._check_access(records, operation)
        return result and result[0]

    def test_same_answer_as_odoo(self):
        self.assertIn("microstructure.patient", self.model_names)
        self.assertIn("microstructure.liaison", self.model_names)
        self.assertGreaterEqual(len(self.model_names), 14)
        self.assertEqual(len(self.users), 16, "the eight demo logins and the eight roles of the fixtures")
        allowed = refused = 0
        for name in self.model_names:
            records = self.env[name].with_context(active_test=False).search([], limit=300, order="id desc")
            if not records:
                continue
            for user in self.users:
                mine = records.with_user(user)
                for operation in OPERATIONS:
                    expected = self._odoo_answer(mine, operation)
                    answer = mine._check_access(operation)
                    with self.subTest(model=name, user=user.login, operation=operation):
                        self.assertEqual(answer and answer[0], expected)
                    refused += len(expected or ())
                    allowed += len(mine) - len(expected or ())
        # both answers occur, often: the comparison is not between two "yes"
        self.assertGreater(refused, 1000)
        self.assertGreater(allowed, 1000)

    def _patients(self, site, count, prefix):
        return self.env["microstructure.patient"].create([
            {"name": f"{prefix} {index}", "first_names": "Test", "birth_date": "1970-01-01",
             "sex": "female", "site_id": site.id} for index in range(count)
        ])

    def test_archived_and_ended_memberships(self):
        patients = self._patients(self.site_a1, 6, "A1") | self._patients(self.site_a2, 3, "A2") \
            | self._patients(self.site_b1, 3, "B1")
        archived = patients[:1]
        archived.active = False
        mine = patients.with_user(self.user_gp_a1)
        answer = mine._check_access("read")
        # the files of A2 and B1, and the archived one (the data protection officer's)
        self.assertEqual(answer[0], patients.filtered(lambda patient: patient.site_id != self.site_a1) | archived)
        self.assertEqual(answer[0], self._odoo_answer(mine, "read"))
        # the membership has ended: every file is refused
        self.membership_gp_a1.write({"date_start": "1999-01-01", "date_end": "2000-01-01"})
        answer = mine._check_access("read")
        self.assertEqual(answer[0], patients)
        self.assertEqual(answer[0], self._odoo_answer(mine, "read"))

    def test_deleted_record_stays_missing(self):
        patients = self._patients(self.site_a1, 12, "Effacé")
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM microstructure_patient WHERE id = %s", [patients[1].id])
        self.env.invalidate_all()
        mine = patients.with_user(self.user_gp_a1)
        with self.assertRaises(MissingError):
            models.BaseModel._check_access(mine, "read")
        with self.assertRaises(MissingError):
            mine._check_access("read")

    def test_one_query_for_a_page(self):
        patients = self._patients(self.site_a1, 80, "Page")
        mine = patients.with_user(self.user_gp_a1)
        mine.check_access("read")  # the rule's domain and the model's rights are cached
        self.env.invalidate_all()
        # no evaluation of the rules in Python: one query
        with patch.object(type(mine), "filtered_domain", side_effect=AssertionError("Python")), \
                self.assertQueryCount(1):
            self.assertIsNone(mine._check_access("read"))
        self.assertIsNone(models.BaseModel._check_access(mine, "read"))


@tagged("post_install", "-at_install")
class TestRecordRulesSqlHttp(MicrostructureCommon, HttpCase, JsonRpcMixin):
    """Over JSON-RPC, as a practitioner: reading a page that mixes another
    team's files by a specification of no stored column (the path where the
    rules of records in memory are checked) is refused as before."""

    def test_mixed_page_refused_over_rpc(self):
        patients = self.env["microstructure.patient"]
        own = patients.create([
            {"name": f"Mien {index}", "first_names": "Test", "birth_date": "1970-01-01",
             "sex": "female", "site_id": self.site_a1.id} for index in range(12)
        ])
        other = patients.create([
            {"name": f"Autre {index}", "first_names": "Test", "birth_date": "1970-01-01",
             "sex": "female", "site_id": self.site_b1.id} for index in range(3)
        ])
        self.authenticate(self.user_gp_a1.login, self.user_gp_a1.login)
        answer = self._call("microstructure.patient", "web_read", own.ids, {"consultation_ids": {}})
        self.assertEqual(sorted(record["id"] for record in answer["result"]), sorted(own.ids))
        for ids in (own.ids + other.ids, other.ids[:1] + own.ids):
            answer = self._call("microstructure.patient", "web_read", ids, {"consultation_ids": {}})
            self.assertNotIn("result", answer)
            self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
            self.assertNotIn("Autre", answer["error"]["data"]["message"])
