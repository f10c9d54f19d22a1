from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# context key of the anonymisation of a patient file (end of retention,
# erasure): its notes go
ANONYMISING = "microstructure_anonymising"
NOTE_PROFESSIONS = [("psychologist", "Psychologist"), ("social_worker", "Social worker")]


class MicrostructurePatientNote(models.Model):
    """Private note of a profession on a patient: readable by the members of
    that profession in the patient's care team only (global record rule)."""

    _name = "microstructure.patient.note"
    _description = "Private note on a patient"
    _inherit = ["microstructure.confidential"]
    _order = "date desc, id desc"
    _scope_fields = ("patient_id", "profession")

    patient_id = fields.Many2one(
        "microstructure.patient", required=True, ondelete="restrict", index=True
    )
    site_id = fields.Many2one(related="patient_id.site_id", store=True, index=True)
    profession = fields.Selection(
        NOTE_PROFESSIONS,
        required=True,
        default=lambda self: self._default_profession(),
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    author_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, ondelete="restrict",
        readonly=True,
    )
    body = fields.Html(required=True)
    reader_ids = fields.Many2many(
        "res.users",
        compute="_compute_reader_ids",
        search="_search_reader_ids",
        string="Readers",
        help="Current members of the care team who practise the note's profession.",
    )

    @api.depends("site_id", "profession")
    def _compute_reader_ids(self):
        # sudo: the record rule needs the whole team, and only user ids leave
        Membership = self.env["microstructure.membership"].sudo()
        memberships = Membership.search(
            Membership._get_current_domain()
            + [("site_id", "in", self.site_id.ids), ("user_id", "!=", False)]
        )
        for note in self:
            note.reader_ids = memberships.filtered(
                lambda m, note=note: m.site_id == note.site_id and m.profession == note.profession
            ).user_id

    def _search_reader_ids(self, operator, value):
        """Notes that the users ``value`` may read, computed in SQL when the
        query runs (the record rule relies on it)."""
        user_ids = self._get_searched_user_ids(
            operator, value, self.env._("Unsupported search on the readers of a note.")
        )
        self.flush_model(["site_id", "profession"])
        return [("id", "in", SQL(
            """(SELECT note.id FROM microstructure_patient_note note
                  JOIN microstructure_membership membership
                    ON membership.site_id = note.site_id AND membership.profession = note.profession
                 WHERE membership.id IN %s)""",
            self.env["microstructure.membership"]._get_current_sql(user_ids, "id"),
        ))]

    @api.depends("profession", "date")
    def _compute_display_name(self):
        professions = dict(self._fields["profession"]._description_selection(self.env))
        for note in self:
            note.display_name = " - ".join(
                part for part in (professions.get(note.profession), note.date and note.date.strftime("%d/%m/%Y")) if part
            )

    @api.model
    def _default_profession(self):
        professions = self.env.user.microstructure_professional_ids.mapped("profession")
        for profession, _label in NOTE_PROFESSIONS:
            if profession in professions:
                return profession
        return False

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clinical_record(self):
        if self.env.su and self.env.context.get(ANONYMISING):
            return
        raise UserError(self.env._("A note of a patient file cannot be deleted."))
