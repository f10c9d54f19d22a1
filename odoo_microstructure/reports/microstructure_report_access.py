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
