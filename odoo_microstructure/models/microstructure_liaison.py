import hashlib
import json
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from ..tools import indicator_definitions as definitions

PRACTITIONER = "odoo_microstructure.group_microstructure_practitioner"
CARSAT = "odoo_microstructure.group_microstructure_carsat"

STATES = [
    ("identified", "Identified"),
    ("sent", "Sent"),
    ("contacted", "Contacted"),
    ("assessed", "Assessed"),
    ("accompanied", "Accompanied"),
    ("closed", "Closed"),
    ("not_reachable", "Not reachable"),
    ("declined", "Declined by the patient"),
    ("out_of_scope", "Out of scope"),
    ("cancelled", "Cancelled"),
]
# legal transitions: state -> {next state: group allowed to make it}
TRANSITIONS = {
    "identified": {"sent": PRACTITIONER, "cancelled": PRACTITIONER},
    "sent": {"contacted": CARSAT, "not_reachable": CARSAT, "cancelled": PRACTITIONER},
    "contacted": {"assessed": CARSAT, "not_reachable": CARSAT, "declined": CARSAT},
    "assessed": {"accompanied": CARSAT, "out_of_scope": CARSAT, "declined": CARSAT},
    "accompanied": {"closed": CARSAT},
}
# the date and author recorded at each step of the method
STEP_FIELDS = {
    "sent": ("date_sent", "sent_by_id"),
    "contacted": ("date_contacted", "contacted_by_id"),
    "assessed": ("date_assessed", "assessed_by_id"),
    "accompanied": ("date_accompanied", "accompanied_by_id"),
}
END_STATES = ("closed", "not_reachable", "declined", "out_of_scope", "cancelled")
# what the practitioner writes and what is sent: frozen once sent
CONTENT_FIELDS = (
    "date", "requester_id", "requester_qualification", "patient_id", "social_service_id",
    "civility", "usage_name", "birth_name", "first_name", "birth_date", "street", "zip",
    "city", "phone", "consent", "reason_rights", "reason_job", "reason_hospital",
    "reason_illness", "reason_other", "reason_other_text", "extra_information",
)
# the part of the form reserved to the social worker
RESERVED_FIELDS = ("social_worker_name", "in_scope", "outcome")


class MicrostructureLiaison(models.Model):
    """The *fiche de liaison* that refers a patient to the Assurance Maladie
    social service (Carsat), and its workflow: identified (repérage), sent
    (alerte), contacted, assessed, accompanied, closed."""

    _name = "microstructure.liaison"
    _description = "Liaison sheet to the social service"
    _inherit = ["microstructure.care.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _scope_fields = ("patient_id", "social_service_id")
    _folded_states = END_STATES
    _text_limits = {
        "usage_name": 100, "birth_name": 100, "first_name": 100, "street": 200, "zip": 10,
        "city": 100, "phone": 30, "requester_qualification": 100, "social_worker_name": 100,
    }

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    requester_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user,
        ondelete="restrict",
    )
    requester_qualification = fields.Char(
        string="Qualification",
        default=lambda self: self._default_qualification(),
        help="Profession of the requester, e.g. general practitioner.",
    )
    patient_id = fields.Many2one(
        "microstructure.patient", required=True, ondelete="restrict", index=True,
        groups=PRACTITIONER,
    )
    site_id = fields.Many2one(
        "microstructure.site", compute="_compute_site_id", store=True, index=True,
        ondelete="restrict",
    )
    site_name = fields.Char(
        related="site_id.name", string="Site name",
        help="Name of the site, readable by the social worker who has no access to the sites.",
    )
    social_service_id = fields.Many2one(
        "microstructure.social.service", string="Social service office",
        compute="_compute_social_service_id", store=True, readonly=False, index=True,
        ondelete="restrict", tracking=True,
    )
    # frozen copy of the identity needed by the social worker
    civility = fields.Selection([("mrs", "Mrs"), ("mr", "Mr")], compute="_compute_identity", store=True, readonly=False)
    usage_name = fields.Char(compute="_compute_identity", store=True, readonly=False)
    birth_name = fields.Char(compute="_compute_identity", store=True, readonly=False)
    first_name = fields.Char(compute="_compute_identity", store=True, readonly=False)
    birth_date = fields.Date(compute="_compute_identity", store=True, readonly=False)
    street = fields.Char(compute="_compute_identity", store=True, readonly=False)
    zip = fields.Char(compute="_compute_identity", store=True, readonly=False)
    city = fields.Char(compute="_compute_identity", store=True, readonly=False)
    phone = fields.Char(compute="_compute_identity", store=True, readonly=False)
    consent = fields.Selection(
        [("yes", "Yes"), ("undecided", "Undecided")],
        string="Patient's consent", required=True, default="undecided", tracking=True,
        help="Agreement of the patient to a request to the social worker. Nothing is sent without it.",
    )
    reason_rights = fields.Boolean(string="Access to rights")
    reason_job = fields.Boolean(string="Job retention")
    reason_hospital = fields.Boolean(string="Return home after hospital")
    reason_illness = fields.Boolean(string="Serious illness")
    reason_other = fields.Boolean(string="Other reason")
    reason_other_text = fields.Char(string="Other reason, details")
    extra_information = fields.Text()
    # part reserved to the social worker
    social_worker_name = fields.Char(string="Social worker (name, first name)", tracking=True)
    in_scope = fields.Selection(
        [("yes", "Yes"), ("no", "No")], string="Request in scope", tracking=True
    )
    outcome = fields.Text(tracking=True)
    # workflow
    # Not readonly: a kanban drag writes it, and ``write`` turns every change
    # into a guarded transition (``_transition``).
    state = fields.Selection(
        STATES, string="Step", required=True, default="identified", tracking=True,
        index=True, group_expand="_group_expand_states",
    )
    date_sent = fields.Datetime(readonly=True, copy=False)
    sent_by_id = fields.Many2one("res.users", readonly=True, copy=False, ondelete="restrict")
    date_contacted = fields.Datetime(readonly=True, copy=False)
    contacted_by_id = fields.Many2one("res.users", readonly=True, copy=False, ondelete="restrict")
    date_assessed = fields.Datetime(readonly=True, copy=False)
    assessed_by_id = fields.Many2one("res.users", readonly=True, copy=False, ondelete="restrict")
    date_accompanied = fields.Datetime(readonly=True, copy=False)
    accompanied_by_id = fields.Many2one("res.users", readonly=True, copy=False, ondelete="restrict")
    date_closed = fields.Datetime(string="Date ended", readonly=True, copy=False)
    sent_hash = fields.Char(string="SHA-256 of the sheet sent", readonly=True, copy=False)
    color = fields.Integer()
    is_social_worker = fields.Boolean(
        compute="_compute_is_social_worker",
        help="Whether the current user works for the social service (the reserved part is theirs).",
    )
    mail_failed = fields.Boolean(
        string="Sending failed", compute="_compute_mail_failed", search="_search_mail_failed",
        help="The last e-mail of the sheet to the social service office did not leave.",
    )

    # COMPUTES
    @api.depends("date")
    def _compute_name(self):
        for liaison in self:
            liaison.name = self.env._(
                "Liaison sheet %(number)s", number=liaison.id or "",
            ) if liaison.id else self.env._("New liaison sheet")

    @api.depends("patient_id")
    def _compute_site_id(self):
        for liaison in self:
            # sudo: the Carsat social worker reads the sheet, not the patient
            # file; only the site comes from it (a patient out of the user's
            # reach is refused on input, see microstructure.confidential)
            liaison.site_id = liaison.sudo().patient_id.site_id

    @api.depends("site_id")
    def _compute_social_service_id(self):
        offices = self.env["microstructure.social.service"].search(
            [("department_ids", "in", self.site_id.department_id.ids)]
        )
        for liaison in self:
            department = liaison.site_id.department_id
            if liaison.social_service_id and department in liaison.social_service_id.department_ids:
                continue
            liaison.social_service_id = offices.filtered(
                lambda office, d=department: d in office.department_ids
            )[:1]

    @api.depends("patient_id")
    def _compute_identity(self):
        for liaison in self:
            # sudo: the identity copied onto the sheet until it is sent, from
            # a patient the author reaches (checked on input); the sheet's
            # readers need no access to the patient file
            patient = liaison.sudo().patient_id
            if liaison.state != "identified" or not patient:
                continue
            liaison.update({
                "civility": patient.civility,
                "usage_name": patient.name,
                "birth_name": patient.birth_name,
                "first_name": patient.first_names,
                "birth_date": patient.birth_date,
                "street": patient.street,
                "zip": patient.zip,
                "city": patient.city,
                "phone": patient.phone,
            })

    @api.depends_context("uid")
    def _compute_is_social_worker(self):
        self.is_social_worker = self.env.user.has_group(CARSAT)

    def _get_failed_ids(self, liaison_ids=None):
        """Ids of the sheets whose last e-mail to the office failed: the last
        message sent by e-mail has an e-mail notification in error."""
        self.env["mail.notification"].flush_model()
        self.env["mail.message"].flush_model(["model", "res_id"])
        query = """
            SELECT last.res_id
              FROM (SELECT DISTINCT ON (message.res_id) message.res_id, message.id
                      FROM mail_message message
                      JOIN mail_notification notification
                        ON notification.mail_message_id = message.id
                       AND notification.notification_type = 'email'
                     WHERE message.model = %s {restrict}
                  ORDER BY message.res_id, message.id DESC) last
             WHERE EXISTS (SELECT 1 FROM mail_notification failed
                            WHERE failed.mail_message_id = last.id
                              AND failed.notification_type = 'email'
                              AND failed.notification_status IN ('exception', 'bounce'))
        """
        params = [self._name]
        restrict = ""
        if liaison_ids is not None:
            restrict = "AND message.res_id = ANY(%s)"
            params.append(list(liaison_ids))
        self.env.cr.execute(query.format(restrict=restrict), params)
        return {row[0] for row in self.env.cr.fetchall()}

    def _compute_mail_failed(self):
        failed = self._get_failed_ids(self.ids) if self.ids else set()
        for liaison in self:
            liaison.mail_failed = liaison.id in failed

    def _search_mail_failed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on the failed sendings."))
        failed = list(self._get_failed_ids())
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", failed)]

    @api.model
    def _group_expand_states(self, states, domain):
        """The columns of the board: the steps the user works with, and any
        step that holds sheets. The social service never sees the sheets
        before they are sent, and the practice does not cancel them after."""
        if self.env.user.has_group(CARSAT) and not self.env.user.has_group(PRACTITIONER):
            shown = ("sent", "contacted", "assessed", "accompanied", "closed",
                     "not_reachable", "declined", "out_of_scope")
        else:
            shown = [key for key, _label in STATES]
        return [key for key, _label in STATES if key in shown or key in states]

    @api.model
    def _default_qualification(self):
        professional = self.env.user.microstructure_professional_ids[:1]
        return professional and dict(
            professional._fields["profession"]._description_selection(self.env)
        ).get(professional.profession)

    # CONSTRAINTS
    @api.constrains("reason_other", "reason_other_text")
    def _check_reasons(self):
        for liaison in self:
            if liaison.reason_other and not liaison.reason_other_text:
                raise ValidationError(self.env._("Describe the other reason of the request."))

    # CRUD
    def write(self, vals):
        if "state" in vals:
            # kanban drag and RPC alike go through the guarded transitions
            state = vals.pop("state")
            if vals:
                self.write(vals)
            for liaison in self:
                liaison._transition(state)
            return True
        self._check_write_parts(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(liaison.state != "identified" for liaison in self):
            raise UserError(self.env._("A liaison sheet that was sent cannot be deleted."))

    def _check_write_parts(self, vals):
        """Content is frozen once sent; the reserved part belongs to the social
        worker, and is frozen once the sheet is ended."""
        if self.env.su:
            return
        content = set(CONTENT_FIELDS) & set(vals)
        if content and any(liaison.state != "identified" for liaison in self):
            raise UserError(
                self.env._("This liaison sheet was sent: its content can no longer be changed.")
            )
        if set(RESERVED_FIELDS) & set(vals):
            if not self.env.user.has_group(CARSAT):
                raise UserError(self.env._("This part of the sheet is reserved to the social worker."))
            if any(liaison.state in END_STATES for liaison in self):
                raise UserError(self.env._("This liaison sheet is ended: its reserved part is final."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if set(RESERVED_FIELDS) & set(vals):
                    raise UserError(self.env._("This part of the sheet is reserved to the social worker."))
                if vals.get("state", "identified") != "identified":
                    raise UserError(
                        self.env._("A liaison sheet is created at the first step: send it afterwards.")
                    )
                if vals.get("requester_id", self.env.uid) != self.env.uid:
                    raise UserError(self.env._("A liaison sheet is requested by the user who writes it."))
        return super().create(vals_list)

    # WORKFLOW
    def _transition(self, state):
        """Move the sheet to ``state`` if the method allows it, once only."""
        self.ensure_one()
        labels = dict(self._fields["state"]._description_selection(self.env))
        allowed = TRANSITIONS.get(self.state, {})
        if not isinstance(state, str) or state not in allowed:
            raise UserError(
                self.env._(
                    "A liaison sheet cannot go from %(old)s to %(new)s.",
                    old=labels[self.state], new=labels.get(state, str(state)[:30]) if isinstance(state, str) else "?",
                )
            )
        if not self.env.su and not self.env.user.has_group(allowed[state]):
            raise UserError(
                self.env._(
                    "Only the %(role)s can move a liaison sheet to %(new)s.",
                    role=self.env.ref(allowed[state]).name, new=labels[state],
                )
            )
        if state == "sent":
            self._check_can_send()
        if state in ("accompanied", "out_of_scope") and not self.in_scope:
            raise UserError(self.env._("Say first whether the request is in scope."))
        if state == "accompanied" and self.in_scope != "yes":
            raise UserError(self.env._("A request out of scope cannot be accompanied."))
        # Compare and set in one statement: of two users moving the sheet at
        # once, the second finds it moved and gets an error.
        self.flush_recordset()
        self.env.cr.execute(
            "UPDATE microstructure_liaison SET state = %s WHERE id = %s AND state = %s RETURNING id",
            [state, self.id, self.state],
        )
        if not self.env.cr.fetchone():
            self.invalidate_recordset(["state"])
            raise UserError(
                self.env._("Someone else has just moved this liaison sheet: reload it.")
            )
        old_state = self.state
        self.invalidate_recordset(["state"])
        values = {}
        if state in STEP_FIELDS:
            date_field, user_field = STEP_FIELDS[state]
            values.update({date_field: fields.Datetime.now(), user_field: self.env.uid})
        if state in END_STATES:
            values["date_closed"] = fields.Datetime.now()
        if state == "sent":
            values["sent_hash"] = self._compute_sent_hash()
        if state in ("contacted", "not_reachable") and not self.social_worker_name:
            # the social worker who calls the patient signs the reserved part
            values["social_worker_name"] = self.env.user.name[:100]
        if values:
            # sudo: the step's date, author and fingerprint are the workflow's,
            # read-only for the user; the transition was checked above
            self.sudo().write(values)
        self._message_log(
            body=self.env._("Step: %(old)s → %(new)s", old=labels[old_state], new=labels[state])
        )
        if state == "sent":
            self._trace("send", "_transition")
            self._send_to_social_service()
        if state == "assessed":
            self._file_in_patient_record()
        return True

    def _file_in_patient_record(self):
        """After the first interview, file the completed sheet in the patient's
        file, where the care team reads it."""
        report = self.env.ref("odoo_microstructure.action_report_microstructure_liaison")
        content, _kind = report._render_qweb_pdf(report.report_name, self.ids)
        # As superuser: the Carsat social worker who holds the interview has
        # no access to the patient file, where the sheet goes.
        patient = self.sudo().patient_id
        attachment = self.env["ir.attachment"].sudo().create({
            "name": self.env._("%(name)s (completed).pdf", name=self.name),
            "raw": content,
            "mimetype": "application/pdf",
            "res_model": patient._name,
            "res_id": patient.id,
        })
        patient.message_post(
            body=self.env._("Liaison sheet completed by the social service after the first interview."),
            attachment_ids=attachment.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _check_can_send(self):
        if self.consent != "yes":
            raise UserError(
                self.env._("The patient has not agreed to the request: nothing is sent without consent.")
            )
        if not self.social_service_id:
            raise UserError(self.env._("Choose the social service office to send the sheet to."))
        if not (self.reason_rights or self.reason_job or self.reason_hospital
                or self.reason_illness or self.reason_other):
            raise UserError(self.env._("Give at least one reason for the request."))

    def _get_sent_content(self):
        """The content sent to the office, as a canonical dictionary."""
        self.ensure_one()
        content = {}
        for name in CONTENT_FIELDS:
            if name == "patient_id":
                continue
            # sudo: the content of the sheet for its fingerprint, names of the
            # linked records included, whoever sends or checks it
            value = self.sudo()[name]
            content[name] = value.display_name if isinstance(value, models.BaseModel) else value
        return content

    def _compute_sent_hash(self):
        payload = json.dumps(self._get_sent_content(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    def action_verify_hash(self):
        """Check that the sheet still holds what was sent."""
        self.ensure_one()
        if not self.sent_hash:
            raise UserError(self.env._("This liaison sheet has not been sent."))
        # sudo: whether the patient's file was anonymised, nothing of it
        if self.sudo().patient_id.anonymised_date:
            raise UserError(self.env._(
                "The patient's file was anonymised at the end of its retention: the sheet no longer "
                "holds what was sent, whose fingerprint is kept."
            ))
        intact = self._compute_sent_hash() == self.sent_hash
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if intact else "danger",
                "message": self.env._("The sheet is identical to the one sent.")
                if intact else self.env._("The sheet differs from the one sent!"),
                "sticky": not intact,
            },
        }

    def _send_to_social_service(self):
        """E-mail the sheet and its PDF to the office (the patient agreed);
        the e-mail stays in the chatter."""
        template = self.env.ref("odoo_microstructure.mail_template_microstructure_liaison")
        self.message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

    def _get_allowed_partners(self):
        """The care team, and once the sheet is sent, the social workers of its
        office and the office's address (of all the sheets: those of every
        office when they went to several)."""
        partners = super()._get_allowed_partners()
        # sudo: only partner ids of the office leave
        sent = self.sudo().filtered(lambda liaison: liaison.state != "identified")
        if sent and sent == self.sudo():
            office_partners = None
            for office in sent.social_service_id:
                sheets = sent.filtered(lambda liaison, office=office: liaison.social_service_id == office)
                members = office.user_ids.partner_id | sheets._get_email_recipients_allowed()
                office_partners = members if office_partners is None else office_partners & members
            partners |= office_partners or self.env["res.partner"]
        return partners

    def _get_email_recipients_allowed(self):
        # the one exception to the in-Odoo-only rule: the office the patient
        # agreed to be referred to; sudo: the office's address and the
        # contacts that bear it, whoever posts on the sheet
        emails = [
            tools.email_normalize(email) for email in self.sudo().social_service_id.mapped("email")
        ]
        return self.env["res.partner"].sudo().search([("email_normalized", "in", emails)])

    # FUNNEL
    @api.model
    def _get_funnel(self, domain, date_from=None, date_to=None):
        """Figures of the referral funnel of the sheets of ``domain`` (read
        with the user's rights): the sheets at each step, the conversion
        rates and the median delays in days, with the definitions of the
        regional report (``tools/indicator_definitions.py``): a
        cancelled sheet counts nowhere.

        Over a period, a sheet counts in a step when the step's date lies in
        it, and a delay when its end does, as in the regional report; without
        one, the sheets are followed as a cohort: every step they reached.
        """
        self.flush_model(["state", *definitions.LIAISON_STEPS.values(), "date_contacted"])
        query = self._search(domain)
        if date_from or date_to:
            query.add_where(definitions.liaison_in_period(query.table, date_from, date_to))
        [(sheets, sent, handled, accompanied, to_contact, to_interview, _base_contact, _base_interview)] = (
            self.env.execute_query(query.select(*definitions.liaison_funnel(query.table, date_from, date_to)))
        )
        return {
            "sheets": sheets,
            "sent": sent,
            "handled": handled,
            "accompanied": accompanied,
            "handled_rate": 100.0 * handled / sent if sent else 0.0,
            "accompanied_rate": 100.0 * accompanied / handled if handled else 0.0,
            "median_days_to_contact": definitions.round_half_up(to_contact),
            "median_days_to_interview": definitions.round_half_up(to_interview),
        }

    # REMINDERS
    @api.model
    def _cron_send_reminders(self):
        """Remind the requesters of sheets waiting for the social service, and
        of undecided consents to ask again (delay: system parameter
        ``odoo_microstructure.liaison_reminder_days``, 7 days by default)."""
        # sudo: a system parameter, read by the scheduled action
        days = int(self.env["ir.config_parameter"].sudo().get_param(
            "odoo_microstructure.liaison_reminder_days", 7
        ))
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=days)
        waiting = self.search([("state", "=", "sent"), ("date_sent", "<", limit)])
        undecided = self.search([
            ("state", "=", "identified"), ("consent", "=", "undecided"), ("create_date", "<", limit),
        ])
        waiting._schedule_reminder(self.env._("No contact by the social service yet: follow up"))
        undecided._schedule_reminder(self.env._("Ask the patient's consent again"))

    def _schedule_reminder(self, summary):
        todo = self.env.ref("mail.mail_activity_data_todo")
        # the care teams of all the sheets, in one query: a requester who left
        # the care team is reminded of nothing
        Membership = self.env["microstructure.membership"]
        teams = defaultdict(set)
        for site, user in Membership._read_group(
            Membership._get_current_domain() + [("site_id", "in", self.site_id.ids), ("user_id", "!=", False)],
            ["site_id", "user_id"],
        ):
            teams[site].add(user)
        to_remind = self.filtered(
            lambda liaison: summary not in liaison.activity_ids.mapped("summary")
            and liaison.requester_id in teams[liaison.site_id]
        )
        # one activity per sheet for its requester, all created at once (what
        # activity_schedule does for one assignee)
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create([
            {
                "res_model_id": model_id,
                "res_id": liaison.id,
                "activity_type_id": todo.id,
                "summary": summary,
                "note": todo.default_note,
                "automated": True,
                "date_deadline": fields.Date.context_today(liaison),
                "user_id": liaison.requester_id.id,
            }
            for liaison in to_remind
        ])

    # ACTIONS
    def action_send(self):
        for liaison in self:
            liaison._transition("sent")

    def action_resend(self):
        self.ensure_one()
        if self.state == "identified":
            raise UserError(self.env._("Send the sheet first."))
        self._send_to_social_service()

    def action_cancel(self):
        for liaison in self:
            liaison._transition("cancelled")

    def action_contacted(self):
        for liaison in self:
            liaison._transition("contacted")

    def action_assessed(self):
        for liaison in self:
            liaison._transition("assessed")

    def action_accompanied(self):
        for liaison in self:
            liaison._transition("accompanied")

    def action_out_of_scope(self):
        for liaison in self:
            liaison._transition("out_of_scope")

    def action_not_reachable(self):
        for liaison in self:
            liaison._transition("not_reachable")

    def action_declined(self):
        for liaison in self:
            liaison._transition("declined")

    def action_close(self):
        for liaison in self:
            liaison._transition("closed")
