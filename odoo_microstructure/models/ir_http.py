from odoo import models

from .microstructure_access_log import flush_request_trace


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        cls._flush_microstructure_trace()
        return result

    @classmethod
    def _handle_error(cls, exception):
        # a refused access is traced although its request rolls back
        cls._flush_microstructure_trace()
        return super()._handle_error(exception)

    @classmethod
    def _flush_microstructure_trace(cls):
        flush_request_trace()
