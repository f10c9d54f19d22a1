from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .microstructure_patient_note import NOTE_PROFESSIONS

CLINICAL = "odoo_microstructure.group_microstructure_practitioner"
ADULT_AGE = 18


class MicrostructurePatient(models.Model):
    """A patient followed by the care team of a site.

    Not a ``res.partner`` on purpose: every internal user reads partners,
    while a patient file is shared with the care team only (global rule on
    ``site_id``, no administrator bypass).
    """

    _name = "microstructure.patient"
    _description = "Patient"
    _inherit = ["microstructure.care.thread", "mail.activity.mixin"]
    _order = "name, first_names"
    _rec_names_search = ["name", "birth_name", "first_names"]
    _mail_post_access = "read"
    _text_limits = {
        "name": 100, "birth_name": 100, "first_names": 100, "street": 200, "zip": 10,
        "city": 100, "phone": 30, "disorder_other": 200,
    }

    # IDENTITY
    civility = fields.Selection([("mrs", "Mrs"), ("mr", "Mr")])
    name = fields.Char(string="Usage name", required=True, index="trigram", tracking=True)
    birth_name = fields.Char(index="trigram")
    first_names = fields.Char(required=True, index="trigram")
    birth_date = fields.Date(required=True)
    age = fields.Integer(compute="_compute_age")
    sex = fields.Selection([("female", "Female"), ("male", "Male")], required=True)
    street = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    phone = fields.Char()

    # FOLLOW-UP
    site_id = fields.Many2one(
        "microstructure.site", required=True, ondelete="restrict", index=True, tracking=True
    )
    gp_id = fields.Many2one(
        "microstructure.professional",
        string="GP",
        ondelete="restrict",
        domain="[('profession', '=', 'gp'), ('membership_ids.site_id', '=', site_id)]",
        tracking=True,
        help="The GP who took the patient into the microstructure.",
    )
    inclusion_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    motive_addiction = fields.Boolean(string="Addictions", tracking=True, groups=CLINICAL)
    motive_precarity = fields.Boolean(string="Precarity", tracking=True, groups=CLINICAL)
    motive_mental_health = fields.Boolean(
        string="Mental health", tracking=True, groups=CLINICAL
    )
    substance_ids = fields.Many2many(
        "microstructure.substance", string="Substances", groups=CLINICAL
    )
    main_substance_id = fields.Many2one(
        "microstructure.substance",
        ondelete="restrict",
        domain="[('id', 'in', substance_ids)]",
        tracking=True,
        groups=CLINICAL,
    )
    disorder_anxiety = fields.Boolean(string="Anxiety disorder", groups=CLINICAL)
    disorder_mood = fields.Boolean(string="Mood disorder", groups=CLINICAL)
    disorder_other = fields.Char(string="Other disorder", groups=CLINICAL)
    synthesis = fields.Html(
        string="Team synthesis",
        groups=CLINICAL,
        help="Shared by the whole care team of the site.",
    )
    consultation_ids = fields.One2many(
        "microstructure.consultation", "patient_id", string="Consultations"
    )
    meeting_line_ids = fields.One2many(
        "microstructure.meeting.line", "patient_id", string="Meetings"
    )
    last_discussed_date = fields.Date(
        compute="_compute_last_discussed_date",
        store=True,
        help="Date of the last meeting held where the team discussed the patient.",
    )
    note_ids = fields.One2many(
        "microstructure.patient.note", "patient_id", string="Private notes"
    )
    note_profession = fields.Selection(
        NOTE_PROFESSIONS, compute="_compute_note_profession",
        string="Profession of my private notes",
        help="The profession in which the current user writes private notes on this "
        "patient: a current member of the patient's care team as psychologist or "
        "social worker.",
    )
    consultation_count = fields.Integer(compute="_compute_counts", string="Consultations count")
    liaison_count = fields.Integer(compute="_compute_counts", string="Liaison sheets count")
    meeting_count = fields.Integer(compute="_compute_counts", string="Meetings count")

    # CONSENT
    consent_date = fields.Date(
        string="Consent to sharing",
        tracking=True,
        help="Date the patient agreed to the sharing of its information within the "
        "care team.",
    )
    consent_user_id = fields.Many2one(
        "res.users", string="Consent collected by", ondelete="restrict", readonly=True,
        help="Set by the button that records the consent: who collected it.",
    )
    consent_method = fields.Selection(
        [("oral", "Oral, noted in the file"), ("written", "Written, signed form")],
        string="Consent given",
    )

    # STATUS
    state = fields.Selection(
        [("followed", "Followed"), ("exited", "Exited")],
        string="Status",
        required=True,
        default="followed",
        tracking=True,
        group_expand=True,
    )
    exit_date = fields.Date(tracking=True)
    exit_reason = fields.Selection(
        [
            ("goal_reached", "Goals reached"),
            ("moved", "Moved away"),
            ("referred", "Referred to a specialised service"),
            ("lost", "Lost to follow-up"),
            ("declined", "Declined to continue"),
            ("deceased", "Deceased"),
            ("other", "Other"),
        ],
        tracking=True,
    )
    survey_date = fields.Date(
        string="Satisfaction survey sent",
        readonly=True,
        tracking=True,
        help="Last time a link to the satisfaction survey was given to the patient. "
        "The answers keep the site only, never the patient.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True, tracking=True)

    @api.depends("site_id")
    @api.depends_context("uid")
    def _compute_note_profession(self):
        Membership = self.env["microstructure.membership"]
        memberships = Membership.search(
            Membership._get_current_domain() + [
                ("user_id", "=", self.env.uid),
                ("site_id", "in", self.site_id.ids),
                ("profession", "in", [key for key, _label in NOTE_PROFESSIONS]),
            ]
        ) if self.site_id else Membership
        for patient in self:
            mine = memberships.filtered(lambda m, site=patient.site_id: m.site_id == site)
            patient.note_profession = mine[:1].profession

    @api.depends_context("uid")
    def _compute_counts(self):
        """Counts of the smart buttons, with the user's rights."""
        def count(model, field="patient_id"):
            if not self.ids:
                return {}
            groups = self.env[model]._read_group([(field, "in", self.ids)], [field], ["__count"])
            return {record.id: total for record, total in groups}

        consultations = count("microstructure.consultation")
        liaisons = count("microstructure.liaison") if self.env.user.has_group(CLINICAL) else {}
        meetings = {}
        if self.ids:
            lines = self.env["microstructure.meeting.line"]._read_group(
                [("patient_id", "in", self.ids)], ["patient_id"], ["meeting_id:count_distinct"],
            )
            meetings = {patient.id: total for patient, total in lines}
        for patient in self:
            patient.consultation_count = consultations.get(patient.id, 0)
            patient.liaison_count = liaisons.get(patient.id, 0)
            patient.meeting_count = meetings.get(patient.id, 0)

    @api.depends("birth_date")
    @api.depends_context("tz")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for patient in self:
            patient.age = (
                relativedelta(today, patient.birth_date).years if patient.birth_date else 0
            )

    @api.depends("meeting_line_ids.meeting_date", "meeting_line_ids.meeting_state")
    def _compute_last_discussed_date(self):
        groups = self.env["microstructure.meeting.line"]._read_group(
            [("patient_id", "in", self.ids), ("meeting_state", "=", "done")],
            ["patient_id"],
            ["meeting_date:max"],
        )
        last = {patient.id: date for patient, date in groups}
        for patient in self:
            patient.last_discussed_date = last.get(patient.id) and last[patient.id].date()

    @api.depends("name", "first_names", "civility")
    def _compute_display_name(self):
        civilities = dict(self._fields["civility"]._description_selection(self.env))
        for patient in self:
            parts = [civilities.get(patient.civility), (patient.name or "").upper(), patient.first_names]
            patient.display_name = " ".join(part for part in parts if part)

    # CONSTRAINTS
    @api.constrains("birth_date", "inclusion_date")
    def _check_birth_date(self):
        today = fields.Date.context_today(self)
        for patient in self:
            if patient.birth_date > today:
                raise ValidationError(
                    self.env._(
                        "The birth date of %(patient)s (%(date)s) is in the future.",
                        patient=patient.display_name,
                        date=patient.birth_date,
                    )
                )
            reference = patient.inclusion_date or today
            if relativedelta(reference, patient.birth_date).years < ADULT_AGE:
                raise ValidationError(
                    self.env._(
                        "%(patient)s is under 18 at inclusion: the microstructures "
                        "follow adults only.",
                        patient=patient.display_name,
                    )
                )

    @api.constrains("main_substance_id", "substance_ids")
    def _check_main_substance(self):
        for patient in self:
            if patient.main_substance_id and patient.main_substance_id not in patient.substance_ids:
                raise ValidationError(
                    self.env._(
                        "The main substance of %(patient)s must be one of its substances.",
                        patient=patient.display_name,
                    )
                )

    @api.constrains("state", "exit_date", "exit_reason", "inclusion_date")
    def _check_exit(self):
        for patient in self:
            if patient.state == "exited" and not (patient.exit_date and patient.exit_reason):
                raise ValidationError(
                    self.env._(
                        "Give the exit date and reason of %(patient)s.",
                        patient=patient.display_name,
                    )
                )
            if patient.exit_date and patient.exit_date < patient.inclusion_date:
                raise ValidationError(
                    self.env._(
                        "%(patient)s cannot exit before its inclusion.",
                        patient=patient.display_name,
                    )
                )

    def _get_trace_pairs(self):
        # sudo: ids of patients already reached (or refused)
        return [(patient.id, patient.site_id.id) for patient in self.sudo()]

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        result = super().name_search(name, args=args, operator=operator, limit=limit)
        self.browse([patient_id for patient_id, _name in result])._trace("list", "name_search")
        return result

    def _get_neutral_name(self):
        self.ensure_one()
        return self.env._("Patient file no. %(number)s", number=self.id)

    # CRUD
    def write(self, vals):
        if "site_id" in vals and not self.env.su and any(
            patient.site_id.id != vals["site_id"] for patient in self
        ):
            raise UserError(
                self.env._(
                    "A patient file stays with the care team that opened it: to follow the "
                    "patient at another site, that team opens a new file."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_patient_file(self):
        raise UserError(
            self.env._(
                "A patient file cannot be deleted: archive it, or record the exit "
                "of the patient."
            )
        )

    def _check_followed(self):
        exited = self.filtered(lambda patient: patient.state == "exited")
        if exited:
            raise ValidationError(
                self.env._(
                    "%(patient)s has exited the microstructure: reopen the follow-up "
                    "before booking a consultation.",
                    patient=exited[0].display_name,
                )
            )

    # ACTIONS
    def action_record_consent(self):
        """The current user records the patient's consent today."""
        self.check_access("write")
        for patient in self:
            patient.write({
                "consent_date": fields.Date.context_today(patient),
                "consent_method": patient.consent_method or "oral",
            })
        # sudo: who collected the consent is the current user, set by the application
        self.sudo().consent_user_id = self.env.user

    def action_survey_link(self):
        """Create a personal link to the satisfaction survey and show it to be
        given to the patient. The answer records the site only: nothing ties it
        back to the patient."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "followed":
            raise UserError(
                self.env._("The satisfaction survey is for the patients followed by the team.")
            )
        survey = self.env.ref("odoo_microstructure.survey_satisfaction").sudo()
        answer = survey._create_answer(check_attempts=False, microstructure_site_id=self.site_id.id)
        self._trace("link", "action_survey_link")
        # sudo: the date of the link is set by the application, not by hand
        self.sudo().survey_date = fields.Date.context_today(self)
        link = self.env["microstructure.survey.link"].create({
            "url": answer.get_base_url() + answer.get_start_url(),
        })
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Satisfaction survey"),
            "res_model": "microstructure.survey.link",
            "res_id": link.id,
            "view_mode": "form",
            "target": "new",
        }

    def _action_related(self, model, name, domain, context=None, view_mode="list,form"):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "view_mode": view_mode,
            "context": dict(context or {}),
        }

    def action_view_consultations(self):
        self.ensure_one()
        return self._action_related(
            "microstructure.consultation", self.env._("Consultations"),
            [("patient_id", "=", self.id)],
            {"default_patient_id": self.id},
            view_mode="list,calendar,form",
        )

    def action_view_liaisons(self):
        self.ensure_one()
        return self._action_related(
            "microstructure.liaison", self.env._("Liaison sheets"),
            [("patient_id", "=", self.id)],
            {"default_patient_id": self.id},
            view_mode="list,kanban,form",
        )

    def action_view_meetings(self):
        self.ensure_one()
        return self._action_related(
            "microstructure.meeting", self.env._("Meetings"),
            [("line_ids.patient_id", "=", self.id)],
            view_mode="list,form",
        )

    def action_new_liaison(self):
        """Start a liaison sheet to the social service for this patient."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New liaison sheet"),
            "res_model": "microstructure.liaison",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"default_patient_id": self.id},
        }

    def action_book_slot(self):
        """The free slots of the permanences of the patient's site, to book
        one for the patient in one click."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "followed":
            raise UserError(self.env._("Only a patient followed by the team can be booked a slot."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_microstructure.microstructure_permanence_slot_action"
        )
        # from the patient file, the list of free slots first: one click books
        action["views"] = sorted(action["views"], key=lambda view: view[1] != "list")
        action.update({
            "name": self.env._("Book a slot for %(patient)s", patient=self.display_name),
            "domain": [("site_id", "=", self.site_id.id)],
            "context": {
                "microstructure_booking_patient_id": self.id,
                "search_default_filter_free": 1,
                "search_default_filter_upcoming": 1,
            },
        })
        first = self.env["microstructure.permanence.slot"].search([
            ("site_id", "=", self.site_id.id), ("is_free", "=", True),
            ("permanence_state", "=", "planned"), ("start", ">=", fields.Datetime.now()),
        ], order="start", limit=1)
        if first:
            # the calendar opens on the week of the first free slot
            action["context"]["initial_date"] = fields.Datetime.to_string(first.start)
        return action

    def action_reopen(self):
        self.write({"state": "followed", "exit_date": False, "exit_reason": False})
