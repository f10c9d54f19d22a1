from odoo import api, models


class MicrostructureReportAccess(models.AbstractModel):
    """Reports of care team records render the documents the user may read,
    and nothing else.

    The report routes (``/report/html/...``, ``/report/pdf/...``) render any
    id they are given; a value read as superuser (a related field) would then
    fill the cache and let the template skip the record rules. The access is
    checked before anything of the documents is read.
    """

    _name = "microstructure.report.access"
    _description = "Report of care team records"
    _report_model = None

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env[self._report_model].browse(docids)
        docs.check_access("read")
        docs._trace("print", "report", path=self._name.removeprefix("report."))
        return {
            "doc_ids": docs.ids,
            "doc_model": self._report_model,
            "docs": docs,
            "data": data,
        }


class ReportMicrostructureLiaison(models.AbstractModel):
    _name = "report.odoo_microstructure.report_microstructure_liaison"
    _inherit = "microstructure.report.access"
    _description = "Liaison sheet report"
    _report_model = "microstructure.liaison"


class ReportMicrostructureMeeting(models.AbstractModel):
    _name = "report.odoo_microstructure.report_microstructure_meeting"
    _inherit = "microstructure.report.access"
    _description = "Meeting minutes report"
    _report_model = "microstructure.meeting"


class ReportMicrostructureAccessStatement(models.AbstractModel):
    """The statement of who accessed a patient's file, printed by its care
    team for the patient (right of access)."""

    _name = "report.odoo_microstructure.report_microstructure_access"
    _inherit = "microstructure.report.access"
    _description = "Access statement report"
    _report_model = "microstructure.patient"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data=data)
        # the trace of patients whose file the user reads (checked above)
        values["entries"] = values["docs"]._get_export_trace()
        professional = self.env["microstructure.professional"]
        values["professions"] = dict(professional._fields["profession"]._description_selection(self.env))
        values["actions"] = dict(
            self.env["microstructure.access.log"]._fields["action"]._description_selection(self.env)
        )
        return values


class ReportMicrostructurePatientData(models.AbstractModel):
    """Everything the addon holds about a patient, printed by its care team
    for the patient (right of access), in French when the language is
    installed."""

    _name = "report.odoo_microstructure.report_microstructure_patient_data"
    _inherit = "microstructure.report.access"
    _description = "Patient data report"
    _report_model = "microstructure.patient"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env[self._report_model].browse(docids)
        docs._check_can_export()
        values = super()._get_report_values(docids, data=data)
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        values["lang"] = lang
        values["exports"] = {
            patient.id: patient.with_context(lang=lang)._get_export_data() for patient in values["docs"]
        }
        return values
