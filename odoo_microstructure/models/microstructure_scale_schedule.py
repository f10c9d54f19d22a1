from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

MOTIVES = [
    ("addiction", "Addictions"),
    ("precarity", "Precarity"),
    ("mental_health", "Mental health"),
]
# a result filled in at most this many days before the due date counts for it
# (system parameter odoo_microstructure.scale_due_tolerance_days)
DEFAULT_TOLERANCE_DAYS = 30
# an occurrence due for longer than this is not asked any more (system
# parameter odoo_microstructure.scale_due_catch_up_days)
DEFAULT_CATCH_UP_DAYS = 90


class MicrostructureScaleSchedule(models.Model):
    """When a validated scale is asked: for the patients followed for a
    motive (and, optionally, a substance), a number of months after their
    inclusion. A daily scheduled action gives the team an activity for
    each scale that falls due."""

    _name = "microstructure.scale.schedule"
    _description = "Schedule of a validated scale"
    _order = "sequence, scale_id, motive, substance_id, months"

    sequence = fields.Integer(default=10)
    scale_id = fields.Many2one("microstructure.scale", required=True, ondelete="cascade", index=True)
    motive = fields.Selection(MOTIVES, required=True)
    substance_id = fields.Many2one(
        "microstructure.substance",
        ondelete="cascade",
        help="Only for the patients followed for this substance; empty: every patient followed for the motive.",
    )
    months = fields.Integer(
        string="Months after inclusion",
        required=True,
        default=0,
        help="0: at inclusion.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("months_positive", "CHECK(months >= 0)", "The months after inclusion cannot be negative."),
    ]

    @api.constrains("motive", "substance_id")
    def _check_substance(self):
        if any(line.substance_id and line.motive != "addiction" for line in self):
            raise ValidationError(self.env._("A substance is only scheduled for the motive Addictions."))

    @api.depends("scale_id", "motive", "substance_id", "months")
    def _compute_display_name(self):
        motives = dict(self._fields["motive"]._description_selection(self.env))
        for line in self:
            line.display_name = " - ".join(
                part for part in (
                    line.scale_id.code,
                    line.substance_id.name or motives.get(line.motive),
                    self.env._("%(months)s months", months=line.months),
                ) if part
            )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _get_due_occurrences(self, today):
        """(patient id, scale id, due date) of the scales due on ``today`` for
        the followed patients: for each patient and scale, the last occurrence
        reached (inclusion date + months), due for at most the catch-up delay,
        with no result of the scale since the due date minus the tolerance and
        no activity for it yet (open or done). One query, whatever the number
        of patients."""
        # sudo: system parameters, read by the scheduled action
        param = self.env["ir.config_parameter"].sudo().get_param
        tolerance = int(param("odoo_microstructure.scale_due_tolerance_days", DEFAULT_TOLERANCE_DAYS))
        catch_up = int(param("odoo_microstructure.scale_due_catch_up_days", DEFAULT_CATCH_UP_DAYS))
        self.env.flush_all()
        activity_type = self.env.ref("odoo_microstructure.mail_activity_type_scale_due")
        self.env.cr.execute(SQL(
            """
            WITH occurrence AS (
                SELECT DISTINCT ON (patient.id, schedule.scale_id)
                       patient.id AS patient_id, schedule.scale_id,
                       (patient.inclusion_date + make_interval(months => schedule.months))::date AS due
                  FROM microstructure_patient patient
                  JOIN microstructure_scale_schedule schedule ON schedule.active
                  JOIN microstructure_scale scale ON scale.id = schedule.scale_id AND scale.active
                 WHERE patient.active AND patient.state = 'followed'
                   AND (patient.inclusion_date + make_interval(months => schedule.months))::date <= %(today)s
                   AND CASE schedule.motive
                           WHEN 'addiction' THEN patient.motive_addiction
                           WHEN 'precarity' THEN patient.motive_precarity
                           WHEN 'mental_health' THEN patient.motive_mental_health
                       END
                   AND (schedule.substance_id IS NULL OR EXISTS (
                           SELECT 1 FROM microstructure_patient_microstructure_substance_rel rel
                            WHERE rel.microstructure_patient_id = patient.id
                              AND rel.microstructure_substance_id = schedule.substance_id))
                 ORDER BY patient.id, schedule.scale_id, due DESC
            )
            SELECT occurrence.patient_id, occurrence.scale_id, occurrence.due
              FROM occurrence
             WHERE occurrence.due >= %(today)s - %(catch_up)s
               AND NOT EXISTS (
                       SELECT 1 FROM microstructure_scale_result result
                        WHERE result.patient_id = occurrence.patient_id
                          AND result.scale_id = occurrence.scale_id
                          AND result.date >= occurrence.due - %(tolerance)s)
               AND NOT EXISTS (
                       SELECT 1 FROM mail_activity activity
                        WHERE activity.res_model = 'microstructure.patient'
                          AND activity.res_id = occurrence.patient_id
                          AND activity.activity_type_id = %(activity_type)s
                          AND activity.microstructure_scale_id = occurrence.scale_id
                          AND activity.date_deadline = occurrence.due)
             ORDER BY occurrence.patient_id, occurrence.scale_id
            """,
            today=today, catch_up=catch_up, tolerance=tolerance, activity_type=activity_type.id,
        ))
        return self.env.cr.fetchall()

    @api.model
    def _cron_schedule_due_scales(self, today=None):
        """Give the team an activity for each validated scale that falls due
        (see ``_get_due_occurrences``): to the patient's GP when a current
        member of its site with a login, else to the site's coordinators,
        else to its whole care team. No e-mail, no patient name."""
        Membership = self.env["microstructure.membership"]
        today = fields.Date.to_date(today) or Membership._today()
        occurrences = self._get_due_occurrences(today)
        if not occurrences:
            return self.env["mail.activity"]
        # records read together (prefetch), never one by one
        patients = {patient.id: patient for patient in self.env["microstructure.patient"].browse(
            {patient_id for patient_id, _s, _d in occurrences}
        )}
        scales = {scale.id: scale for scale in self.env["microstructure.scale"].browse(
            {scale_id for _p, scale_id, _d in occurrences}
        )}
        sites = self.env["microstructure.site"].union(*(patient.site_id for patient in patients.values()))
        # the care teams of all the sites, in one query
        members, coordinators = defaultdict(set), defaultdict(set)
        for site, user, role in Membership._read_group(
            Membership._get_current_domain(today) + [
                ("site_id", "in", sites.ids), ("user_id", "!=", False),
            ],
            ["site_id", "user_id", "role"],
        ):
            members[site.id].add(user.id)
            if role == "coordinator":
                coordinators[site.id].add(user.id)
        activity_type = self.env.ref("odoo_microstructure.mail_activity_type_scale_due")
        model_id = self.env["ir.model"]._get_id("microstructure.patient")
        users = {user.id: user for user in self.env["res.users"].browse(
            set().union(*members.values())
        )}
        vals_list = []
        for patient_id, scale_id, due in occurrences:
            patient, scale = patients[patient_id], scales[scale_id]
            site_id, gp_user = patient.site_id.id, patient.gp_id.user_id.id
            assignees = (
                {gp_user} if gp_user in members[site_id] else coordinators[site_id] or members[site_id]
            )
            for user in (users[user_id] for user_id in sorted(assignees)):
                Activity = self.env["mail.activity"].with_context(lang=user.lang)
                vals_list.append({
                    "res_model_id": model_id,
                    "res_id": patient_id,
                    "activity_type_id": activity_type.id,
                    "microstructure_scale_id": scale_id,
                    # no name: the summary is shown wherever the activity is
                    "summary": Activity.env._("Scale due: %(scale)s", scale=scale.code),
                    "note": Activity.env._(
                        "The scale %(scale)s is due on %(date)s: fill it in with the patient, "
                        "or give the patient its link, from the file.",
                        scale=scale.code, date=due.strftime("%d/%m/%Y"),
                    ),
                    "automated": True,
                    "user_id": user.id,
                    "date_deadline": due,
                })
        # No e-mail: the assignment notice would carry the patient's name.
        return self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)
