import json
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, html2plaintext

from .microstructure_access_log import primary_cursor, wait_for_trace
from .microstructure_patient_note import ANONYMISING, NOTE_PROFESSIONS

CLINICAL = "odoo_microstructure.group_microstructure_practitioner"
DPO = "odoo_microstructure.group_microstructure_dpo"
ADULT_AGE = 18
# retention of the files (CNIL, référentiel "cabinets médicaux" 2020): archived
# after 5 years without intervention, anonymised after 20 years
ARCHIVE_PARAM = "odoo_microstructure.patient_archive_years"
RETENTION_PARAM = "odoo_microstructure.patient_retention_years"
ARCHIVE_YEARS = 5
RETENTION_YEARS = 20
# the day of the last intervention on a patient (``patient`` in the query):
# consultation, meeting, liaison sheet, private note, else its inclusion (or
# the day its file was restored)
LAST_INTERVENTION = SQL("""GREATEST(
    patient.inclusion_date, patient.restore_date,
    (SELECT max(consultation.start)::date FROM microstructure_consultation consultation
      WHERE consultation.patient_id = patient.id),
    (SELECT max(line.meeting_date)::date FROM microstructure_meeting_line line
      WHERE line.patient_id = patient.id),
    (SELECT max(liaison.date) FROM microstructure_liaison liaison WHERE liaison.patient_id = patient.id),
    (SELECT max(note.date) FROM microstructure_patient_note note WHERE note.patient_id = patient.id)
)""")
ERASURE_REASONS = [
    ("mistake", "File created by mistake"),
    ("duplicate", "Duplicate of another file"),
    ("request", "Request of the patient"),
    ("other", "Other reason"),
]


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
    scale_result_ids = fields.One2many(
        "microstructure.scale.result", "patient_id", string="Scales"
    )
    scale_chart_data = fields.Json(
        string="Scale graphs",
        compute="_compute_scale_chart_data",
        help="The scores of each validated scale over time, with the thresholds of its bands "
        "(those of the patient's sex where they depend on it).",
    )
    safety_alert = fields.Boolean(
        string="Safety alert",
        compute="_compute_safety_alert",
        help="A validated scale raised a safety alert whose activity is not done yet.",
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
    # indexed: the care team's rule reads the archived files beside its sites
    # (``care_team_user_ids``), both as index conditions
    active = fields.Boolean(default=True, tracking=True, index=True)
    care_team_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_care_team_user_ids",
        search="_search_care_team_user_ids",
        compute_sudo=True,
        string="Care team logins",
        help="Logins of the current members of the site's care team: they read the file.",
    )

    # RETENTION
    last_intervention_date = fields.Date(
        string="Last intervention", compute="_compute_last_intervention_date",
        help="Last consultation, meeting, liaison sheet or private note, else the inclusion: "
        "the file is archived 5 years after it, and anonymised 20 years after it.",
    )
    archive_date = fields.Date(string="Archived on", readonly=True, copy=False)
    retention_archived = fields.Boolean(
        string="Archived for retention", readonly=True, copy=False,
        help="Archived by the retention schedule, not by hand: the file still counts in the "
        "indicators of the periods it belongs to.",
    )
    restore_date = fields.Date(
        string="Restored on", readonly=True, copy=False,
        help="Last time the data protection officer gave the archived file back to its care team.",
    )
    anonymised_date = fields.Date(
        string="Anonymised on", readonly=True, copy=False,
        help="What identified the patient was erased for good on that day; the figures stay.",
    )
    erasure_reason = fields.Selection(
        ERASURE_REASONS, string="Erasure reason", readonly=True, copy=False,
        help="Why the data protection officer erased the file before its term.",
    )
    erasure_note = fields.Char(string="Erasure details", readonly=True, copy=False)

    @api.depends(
        "sex", "scale_result_ids.date", "scale_result_ids.score", "scale_result_ids.scale_id",
        "scale_result_ids.band_id",
    )
    def _compute_scale_chart_data(self):
        # Computed with the user's rights (not stored, no sudo): the results
        # come through their record rules, the patient's care team only.
        for patient in self:
            patient.scale_chart_data = patient._get_scale_chart_data()

    def _get_scale_chart_data(self):
        """The graphs of the scale results of the patient: one per scale that
        has results, its points in date order and the lower edge of each of
        its bands (of the patient's sex where the bands depend on it)."""
        self.ensure_one()
        results = self.scale_result_ids.sorted(lambda result: (result.date, result.id))
        charts = []
        for scale in results.scale_id.sorted(lambda scale: (scale.sequence, scale.code)):
            bands = scale.band_ids.filtered(lambda band: not band.sex or band.sex == self.sex)
            charts.append({
                "scale_id": scale.id,
                "code": scale.code,
                "name": scale.name,
                "min": scale.min_score,
                "max": scale.max_score,
                "digits": scale.score_digits,
                "points": [
                    {"date": fields.Date.to_string(result.date), "score": result.score, "band": result.band_id.name or ""}
                    for result in results if result.scale_id == scale
                ],
                "thresholds": [
                    {"score": band.min_score, "band": band.name}
                    for band in bands.sorted(lambda band: (band.min_score, band.sequence))
                ],
            })
        return charts

    @api.depends("activity_ids")
    def _compute_safety_alert(self):
        # the activities the user may read: the patient's care team only
        alert_type = self.env.ref("odoo_microstructure.mail_activity_type_safety_alert")
        alerted = set(self.env["mail.activity"].search([
            ("res_model", "=", self._name), ("res_id", "in", self.ids), ("activity_type_id", "=", alert_type.id),
        ]).mapped("res_id")) if self.ids else set()
        for patient in self:
            patient.safety_alert = patient.id in alerted

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

    def _compute_last_intervention_date(self):
        dates = self._get_last_intervention_dates()
        for patient in self:
            patient.last_intervention_date = dates.get(patient.id)

    def _get_last_intervention_dates(self):
        """{patient id: day of its last intervention} of ``self`` (already
        reached by the caller)."""
        ids = [patient_id for patient_id in self.ids if isinstance(patient_id, int)]
        if not ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "SELECT patient.id, %s FROM microstructure_patient patient WHERE patient.id = ANY(%s)",
            LAST_INTERVENTION, ids,
        ))
        return dict(self.env.cr.fetchall())

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

    @api.depends("name", "first_names", "civility", "active")
    @api.depends_context("uid")
    def _compute_display_name(self):
        civilities = dict(self._fields["civility"]._description_selection(self.env))
        # An archived file has left its care team: the consultations, sheets
        # and meeting lines that link to it name it by its number only, except
        # for the data protection officer who keeps it. The user is checked
        # even under sudo: Odoo reads the names of linked records as superuser.
        dpo = self.env.user.has_group(DPO)
        for patient in self:
            if not patient.active and patient.id and not dpo:
                patient.display_name = patient._get_neutral_name()
                continue
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
        return list(zip(self._ids, self._get_trace_ids("site_id")))

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
        result = super().write(vals)
        if "active" in vals and not vals["active"] and not self.env.su:
            # sudo: the date of archiving is set by the application
            self.sudo().archive_date = fields.Date.context_today(self)
            self._trace("archive", "write")
        return result

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
        # sudo: the survey is the administrators'; the team creates the
        # patient's personal answer link to it, nothing else
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

    def action_scale_fill(self):
        """Choose a validated scale to fill in now with the patient."""
        return self._action_scale("practitioner", self.env._("Fill in a scale"))

    def action_scale_link(self):
        """Choose a validated scale for the patient to fill in from a personal link."""
        return self._action_scale("patient", self.env._("Scale link for the patient"))

    def _action_scale(self, how, name):
        self.ensure_one()
        self.check_access("write")
        if self.state != "followed":
            raise UserError(self.env._("Scales are filled in for the patients followed by the team."))
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "microstructure.scale.fill",
            "view_mode": "form",
            "target": "new",
            "context": {"default_patient_id": self.id, "default_how": how},
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

    # RIGHTS OF THE PATIENT: ACCESS AND PORTABILITY
    def _check_can_export(self):
        """Only the care team exports a patient's data (for the patient)."""
        if not self.env.user.has_group(CLINICAL):
            raise AccessError(self.env._("Only the care team of the patient exports its data."))
        self.check_access("read")

    def _get_export_scales(self):
        """The results of the validated scales of the patient (the record rules
        keep them to the care team)."""
        self.ensure_one()
        results = self.env["microstructure.scale.result"].search([("patient_id", "=", self.id)], order="date, id")
        hows = dict(results._fields["how"]._description_selection(self.env))
        return [{
            "date": result.date.isoformat(),
            "scale": result.scale_id.name,
            "score": result.score,
            "interpretation": result.band_id.name or None,
            "filled_in": hows.get(result.how),
            "administered_by": result.professional_id.name or None,
        } for result in results]

    def _get_export_trace(self):
        """The access trace of the patients of ``self`` (checked readable by
        the caller), as committed: its entries are written by connections of
        their own (those this process sent before included)."""
        wait_for_trace(self.env.cr.dbname)
        with primary_cursor(self.env.cr.dbname) as cr:
            cr.execute(
                """SELECT patient_ref, date, user_name, profession, action FROM microstructure_access_log
                    WHERE patient_ref = ANY(%s) AND action != 'refused' ORDER BY seq DESC""",
                [self.ids],
            )
            rows = cr.dictfetchall()
        entries = {patient.id: [] for patient in self}
        for row in rows:
            entries[row["patient_ref"]].append(row)
        return entries

    def _get_export_data(self):
        """Everything the addon holds about the patient that the current user
        may read, in plain values: identity, follow-up, consent, motives,
        consultations, meetings, liaison sheets, the private notes of the
        user's profession (the record rules choose them), scales, and the
        access trace. Read with the user's rights: nothing here is read as
        superuser, but the selection labels."""
        self.ensure_one()
        self._check_can_export()

        def label(record, name):
            if not record[name]:
                return None
            return dict(record._fields[name]._description_selection(self.env)).get(record[name])

        def when(value):
            if not value:
                return None
            return fields.Datetime.context_timestamp(self, value).strftime("%Y-%m-%d %H:%M")

        def text(html):
            return html2plaintext(html) if html else None

        professions = dict(
            self.env["microstructure.professional"]._fields["profession"]._description_selection(self.env)
        )
        actions = dict(self.env["microstructure.access.log"]._fields["action"]._description_selection(self.env))
        consultations = self.env["microstructure.consultation"].search(
            [("patient_id", "=", self.id)], order="start, id"
        )
        lines = self.env["microstructure.meeting.line"].search(
            [("patient_id", "=", self.id)], order="meeting_date, id"
        )
        liaisons = self.env["microstructure.liaison"].search([("patient_id", "=", self.id)], order="date, id")
        # the record rules keep the notes of the user's profession only
        notes = self.env["microstructure.patient.note"].search([("patient_id", "=", self.id)], order="date, id")
        reasons = ("reason_rights", "reason_job", "reason_hospital", "reason_illness", "reason_other")
        return {
            "file": self.id,
            "exported_at": fields.Datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "exported_by": self.env.user.name,
            "identity": {
                "civility": label(self, "civility"),
                "usage_name": self.name,
                "birth_name": self.birth_name or None,
                "first_names": self.first_names,
                "birth_date": self.birth_date and self.birth_date.isoformat(),
                "sex": label(self, "sex"),
                "street": self.street or None,
                "zip": self.zip or None,
                "city": self.city or None,
                "phone": self.phone or None,
            },
            "follow_up": {
                "site": self.site_id.name,
                "gp": self.gp_id.name or None,
                "inclusion_date": self.inclusion_date and self.inclusion_date.isoformat(),
                "status": label(self, "state"),
                "exit_date": self.exit_date and self.exit_date.isoformat(),
                "exit_reason": label(self, "exit_reason"),
                "survey_link_date": self.survey_date and self.survey_date.isoformat(),
            },
            "consent": {
                "date": self.consent_date and self.consent_date.isoformat(),
                "method": label(self, "consent_method"),
                "collected_by": self.consent_user_id.name or None,
            },
            "motives": {
                "addictions": self.motive_addiction,
                "precarity": self.motive_precarity,
                "mental_health": self.motive_mental_health,
                "anxiety_disorder": self.disorder_anxiety,
                "mood_disorder": self.disorder_mood,
                "other_disorder": self.disorder_other or None,
            },
            "substances": self.substance_ids.mapped("name"),
            "main_substance": self.main_substance_id.name or None,
            "team_synthesis": text(self.synthesis),
            "consultations": [{
                "start": when(consultation.start),
                "kind": label(consultation, "kind"),
                "professional": consultation.professional_id.name,
                "place": label(consultation, "place"),
                "status": label(consultation, "state"),
            } for consultation in consultations],
            "meetings": [{
                "date": when(line.meeting_date),
                "meeting": label(line.meeting_id, "kind"),
                "status": label(line, "meeting_state"),
                "summary": line.summary or None,
                "decision": line.decision or None,
                "in_charge": line.responsible_id.name or None,
                "deadline": line.deadline and line.deadline.isoformat(),
            } for line in lines],
            "liaison_sheets": [{
                "number": liaison.id,
                "date": liaison.date and liaison.date.isoformat(),
                "step": label(liaison, "state"),
                "social_service": liaison.social_service_id.name or None,
                "consent": label(liaison, "consent"),
                "reasons": [liaison._fields[name]._description_string(self.env) for name in reasons if liaison[name]],
                "other_reason": liaison.reason_other_text or None,
                "extra_information": liaison.extra_information or None,
                "sent": when(liaison.date_sent),
                "contacted": when(liaison.date_contacted),
                "assessed": when(liaison.date_assessed),
                "accompanied": when(liaison.date_accompanied),
                "ended": when(liaison.date_closed),
                "social_worker": liaison.social_worker_name or None,
                "in_scope": label(liaison, "in_scope"),
                "outcome": liaison.outcome or None,
            } for liaison in liaisons],
            "private_notes": [{
                "date": note.date and note.date.isoformat(),
                "profession": label(note, "profession"),
                "author": note.author_id.name,
                "text": text(note.body),
            } for note in notes],
            "scales": self._get_export_scales(),
            "access_trace": [{
                "date": entry["date"] and entry["date"].strftime("%Y-%m-%d %H:%M:%S"),
                "person": entry["user_name"],
                "profession": professions.get(entry["profession"], entry["profession"]),
                "access": actions.get(entry["action"], entry["action"]),
            } for entry in self._get_export_trace()[self.id]],
        }

    def _get_export_json(self):
        """The data of the patient as a JSON document (right to portability),
        traced as an export."""
        self.ensure_one()
        data = self._get_export_data()
        self._trace("export", "export_json")
        return json.dumps(data, ensure_ascii=False, indent=2)

    def action_export_json(self):
        """Download the data of the patient as a JSON file."""
        self.ensure_one()
        self._check_can_export()
        return {
            "type": "ir.actions.act_url",
            "url": f"/odoo_microstructure/patient/{self.id}/export.json",
            "target": "download",
        }

    @api.depends("site_id.care_team_user_ids")
    def _compute_care_team_user_ids(self):
        for patient in self:
            patient.care_team_user_ids = patient.site_id.care_team_user_ids

    def _search_care_team_user_ids(self, operator, value):
        """Files of the sites where the users ``value`` are current members,
        computed in SQL when the query runs (the care team's record rule).

        ``site_id = ANY(ARRAY(...))`` rather than a subquery on the sites:
        PostgreSQL reads it from the index of the sites, also as the other
        side of an OR (the rule's archived files), where a subquery would
        read every file of the network."""
        user_ids = self.env["microstructure.site"]._get_searched_user_ids(
            operator, value, self.env._("Unsupported search on the care team.")
        )
        sites = self.env["microstructure.membership"]._get_current_sql(user_ids, "site_id")
        return [("site_id", "=", SQL("ANY(ARRAY%s)", sites))]

    # RETENTION: ARCHIVE, RESTORE, ANONYMISE, ERASE
    def action_archive(self):
        """An archived file leaves its care team's reach: back to the list."""
        super().action_archive()
        if self.env.user.has_group(CLINICAL):
            return self.env["ir.actions.act_window"]._for_xml_id("odoo_microstructure.microstructure_patient_action")
        return False

    def _check_dpo(self):
        if not self.env.su and not self.env.user.has_group(DPO):
            raise AccessError(
                self.env._("Only the data protection officer restores or erases an archived patient file.")
            )

    def action_restore(self):
        """The data protection officer gives archived files back to their care
        team; the 5 years without intervention start again."""
        self._check_dpo()
        self.check_access("read")
        if self.filtered("active"):
            raise UserError(self.env._("This patient file is not archived."))
        if self.filtered("anonymised_date"):
            raise UserError(self.env._("An anonymised patient file cannot be restored."))
        self._trace("restore", "action_restore")
        # sudo: the officer edits no patient file; restoring it is its decision
        # (checked above), written by the application
        self.sudo().write({
            "active": True, "archive_date": False, "retention_archived": False,
            "restore_date": fields.Date.context_today(self),
        })
        return True

    def action_open_erasure(self):
        """The data protection officer erases an archived file before its term."""
        self.ensure_one()
        self._check_dpo()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Erase the patient file"),
            "res_model": "microstructure.patient.erasure",
            "view_mode": "form",
            "target": "new",
            "context": {"default_patient_id": self.id},
        }

    def _erase(self, reason, note=False):
        """Erasure on request (a file created by mistake, the patient's
        request): the anonymisation of the end of retention, now, with its
        reason. Done by the data protection officer on an archived file."""
        self._check_dpo()
        self.check_access("read")
        if reason not in dict(ERASURE_REASONS):
            raise UserError(self.env._("Give the reason of the erasure."))
        if self.filtered("anonymised_date"):
            raise UserError(self.env._("This patient file is already anonymised."))
        # the reason is a code: the trace copies no free text
        self._trace("erase", f"erase ({reason})")
        # sudo: the reason is written by the application, not by hand
        self.sudo().write({"erasure_reason": reason, "erasure_note": note or False})
        self._anonymise()
        return True

    @api.model
    def _cron_retention(self, today=None):
        """Daily: archive the files without intervention for 5 years, anonymise
        those without intervention for 20 years (system parameters
        ``odoo_microstructure.patient_archive_years`` and
        ``odoo_microstructure.patient_retention_years``)."""
        today = fields.Date.to_date(today) or fields.Date.today()
        # sudo: system parameters, read by the scheduled action
        Param = self.env["ir.config_parameter"].sudo()
        archive_years = int(Param.get_param(ARCHIVE_PARAM, ARCHIVE_YEARS))
        retention_years = int(Param.get_param(RETENTION_PARAM, RETENTION_YEARS))
        # sudo: the retention schedule applies to every file, whatever the
        # user running the scheduled action
        Patient = self.sudo().with_context(active_test=False)
        to_archive = Patient.browse(Patient._get_inactive_ids(today - relativedelta(years=archive_years), True))
        if to_archive:
            to_archive.write({"active": False, "archive_date": today, "retention_archived": True})
            self.env["microstructure.access.log"]._record(
                "archive", to_archive._get_trace_pairs(), "microstructure.patient._cron_retention", system=True,
            )
        to_anonymise = Patient.browse(Patient._get_inactive_ids(today - relativedelta(years=retention_years)))
        to_anonymise._anonymise(today)
        return to_archive, to_anonymise

    @api.model
    def _get_inactive_ids(self, limit, active=None):
        """Ids of the files not anonymised whose last intervention is before
        ``limit`` (of the active files only, with ``active``)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT patient.id FROM microstructure_patient patient
                WHERE patient.anonymised_date IS NULL AND (%s IS NULL OR patient.active = %s)
                  AND %s < %s ORDER BY patient.id""",
            active, active, LAST_INTERVENTION, limit,
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    def _get_neutral_identity(self, lang):
        self.ensure_one()
        env = self.with_context(lang=lang).env
        return {
            "name": env._("Anonymised"),
            "first_names": env._("file no. %(number)s", number=self.id),
        }

    def _anonymise(self, today=None):
        """Erase for good what identifies the patients of ``self``, wherever
        the addon copied it, and keep what the indicators count (site, sex,
        year of birth, motives, substances, dates and states of the
        consultations, steps and dates of the liaison sheets). Irreversible;
        traced. The callers decide (retention schedule, data protection
        officer)."""
        if not self:
            return
        today = today or fields.Date.today()
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        # sudo: anonymising is decided by the callers (checked there) and goes
        # past the workflow guards that freeze a sent sheet or a held meeting;
        # no tracking, or the erased values would be copied into the chatter
        context = {"active_test": False, "tracking_disable": True, "mail_notrack": True, ANONYMISING: True}
        patients = self.sudo().with_context(**context)
        env = patients.env
        consultations = env["microstructure.consultation"].search([("patient_id", "in", patients.ids)])
        lines = env["microstructure.meeting.line"].search([("patient_id", "in", patients.ids)])
        liaisons = env["microstructure.liaison"].search([("patient_id", "in", patients.ids)])
        notes = env["microstructure.patient.note"].search([("patient_id", "in", patients.ids)])
        documents = [(records._name, records.ids) for records in (patients, consultations, lines, liaisons, notes)]

        for patient in patients:
            birth = patient.birth_date and date(patient.birth_date.year, 1, 1)
            patient.write({
                **patient._get_neutral_identity(lang),
                "civility": False, "birth_name": False, "street": False, "zip": False, "city": False,
                "phone": False, "birth_date": birth, "synthesis": False, "disorder_other": False,
                "anonymised_date": today,
            })
            # the identity copied on the sheets, and their free texts; the
            # hash of the sheet sent stays as it was (it proved what was sent)
            sheets = liaisons.filtered(lambda liaison, patient=patient: liaison.patient_id == patient)
            sheets.write({
                "civility": False, "usage_name": False, "birth_name": False, "first_name": False,
                "birth_date": birth, "street": False, "zip": False, "city": False, "phone": False,
                "extra_information": False, "outcome": False,
            })
            # an "other reason" keeps its box ticked, and a neutral text
            sheets.filtered("reason_other").reason_other_text = patient.name
            sheets.filtered(lambda liaison: not liaison.reason_other).reason_other_text = False
        lines.write({"summary": False, "decision": False})
        # the private events behind the consultations name no patient; their
        # description is left empty all the same
        consultations.event_id.with_context(no_mail_to_attendees=True, dont_notify=True).write(
            {"description": False}
        )
        notes.unlink()
        # what mail keeps of them: messages (with their tracking values, e-mails
        # and notifications), activities, attachments
        def on_documents(model_field):
            return expression.OR([
                [(model_field, "=", model), ("res_id", "in", ids)] for model, ids in documents if ids
            ])

        env["mail.message"].search(on_documents("model")).unlink()
        env["mail.activity"].search(on_documents("res_model")).unlink()
        env["ir.attachment"].search(on_documents("res_model")).unlink()
        # The survey answers keep the site only (see survey.user_input):
        # nothing ties them to the patient.
        env["microstructure.access.log"]._record(
            "anonymise", self._get_trace_pairs(), "microstructure.patient._anonymise", system=True,
        )
