from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.microstructure_professional import luhn_valid
from .common import MicrostructureCommon


@tagged("post_install", "-at_install")
class TestValidation(MicrostructureCommon):
    def _professional(self, **vals):
        return self.env["microstructure.professional"].create(
            {"name": "Dr Test", "profession": "gp", **vals}
        )

    def test_luhn(self):
        self.assertTrue(luhn_valid("10000000009"))
        self.assertTrue(luhn_valid("10001234565"))
        self.assertFalse(luhn_valid("10001234566"))
        self.assertFalse(luhn_valid("10001234556"))  # swapped digits

    def test_rpps_valid_and_normalised(self):
        professional = self._professional(rpps="100 0123 4565")
        self.assertEqual(professional.rpps, "10001234565")

    def test_rpps_length(self):
        with self.assertRaisesText(ValidationError, "exactly 11 digits"):
            self._professional(rpps="1000123456")
        with self.assertRaisesText(ValidationError, "exactly 11 digits"):
            self._professional(rpps="1000123456A")

    def test_rpps_check_digit(self):
        with self.assertRaisesText(ValidationError, "check digit is wrong"):
            self._professional(rpps="10001234566")
        with self.assertRaisesText(ValidationError, "check digit is wrong"):
            self.pro_gp_a1.write({"rpps": "10001234556"})
        self.pro_gp_a1.invalidate_recordset()
        self.assertEqual(self.pro_gp_a1.rpps, "10000000009", "nothing written")

    def test_rpps_unique(self):
        with self.assertRaises(Exception), self.cr.savepoint():
            self._professional(rpps="10000000009")

    def test_adeli(self):
        self.assertEqual(self._professional(adeli="67 93 12346").adeli, "679312346")
        self.assertEqual(self._professional(adeli="2a9312345").adeli, "2A9312345")
        for wrong in ("67931234", "6793123456", "AB9312345", "67-931234"):
            with self.assertRaisesText(ValidationError, "ADELI number .* 9 characters"):
                self._professional(adeli=wrong)

    def test_site_dates(self):
        with self.assertRaisesText(ValidationError, "cannot be before its opening date"):
            self.site_a1.write({"date_open": "2023-01-01", "date_end": "2022-12-31"})

    def test_site_needs_a_programme(self):
        with self.assertRaisesText(ValidationError, "at least one programme"):
            self.site_a1.write({"program_addiction": False, "program_mental_health": False})

    def test_membership_dates(self):
        with self.assertRaisesText(ValidationError, "cannot end"):
            self.env["microstructure.membership"].create({
                "professional_id": self.pro_sw_a.id, "site_id": self.site_b1.id,
                "date_start": "2023-05-01", "date_end": "2023-04-30",
            })

    def test_membership_overlap(self):
        with self.assertRaisesText(ValidationError, "already a member"):
            self.env["microstructure.membership"].create({
                "professional_id": self.pro_gp_a1.id, "site_id": self.site_a1.id,
                "date_start": "2024-01-01",
            })
        # a later, separate period is fine once the first one has ended
        self.membership_gp_a1.date_end = "2023-12-31"
        self.env["microstructure.membership"].create({
            "professional_id": self.pro_gp_a1.id, "site_id": self.site_a1.id,
            "date_start": "2024-01-01",
        })

    def test_error_messages_are_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["odoo_microstructure"], ["fr_FR"])
        Professional = self.env["microstructure.professional"].with_context(lang="fr_FR")
        with self.assertRaisesText(ValidationError, "Le numéro RPPS .* clé de contrôle"):
            Professional.create({"name": "Dr Test", "profession": "gp", "rpps": "10001234566"})
