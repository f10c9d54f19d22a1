from odoo import http
from odoo.http import content_disposition, request


class MicrostructurePatientExport(http.Controller):
    @http.route("/odoo_microstructure/patient/<int:patient_id>/export.json", type="http", auth="user",
                methods=["GET"])
    def patient_export_json(self, patient_id):
        """The data of a patient file as JSON, for its care team (the access
        is checked, and the export traced, by the model)."""
        patient = request.env["microstructure.patient"].browse(patient_id)
        content = patient._get_export_json()
        # the file name names the file number, not the patient
        filename = f"patient-file-{patient_id}.json"
        return request.make_response(content, headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Disposition", content_disposition(filename)),
            ("Cache-Control", "no-store"),
        ])
