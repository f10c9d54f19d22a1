from odoo import models
from odoo.http import request

from .microstructure_access_log import flush_request_trace


class ResponseTrace:
    """Sends the entries of a read-only request when the server starts its
    response (the request's transaction has ended then, and nothing of the
    response has left), and reads the result once the response is sent."""

    def __init__(self, req, response):
        self.request = req
        self.written = None
        # werkzeug closes the file of a response streamed as is, not the response
        self.passthrough = response.direct_passthrough
        self.start = response.get_wsgi_response
        response.get_wsgi_response = self.send_and_start
        response.call_on_close(self.close)

    def send_and_start(self, environ):
        self.written = flush_request_trace(self.request)
        if self.passthrough:
            self.close()
        return self.start(environ)

    def close(self):
        written, self.written = self.written, None
        if written is not None:
            written()


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        cls._flush_microstructure_trace(response)
        return result

    @classmethod
    def _handle_error(cls, exception):
        # a refused access is traced although its request rolls back
        written = flush_request_trace()
        response = super()._handle_error(exception)
        cls._read_microstructure_trace_after(response, written)
        return response

    @classmethod
    def _flush_microstructure_trace(cls, response):
        """Send the entries of the request in one statement before its
        response leaves: within the transaction when it writes (a change
        is not committed if its entries cannot be sent), once it has ended
        when it is read-only (it commits nothing: the database writes the
        entries while the server sends the response, not while the request
        finishes)."""
        if not getattr(request, "_microstructure_trace", None):
            return
        if request.env.cr.readonly and hasattr(response, "get_wsgi_response"):
            # if the transaction fails to end, _handle_error sends them
            ResponseTrace(request._get_current_object(), response)
        else:
            cls._read_microstructure_trace_after(response, flush_request_trace())

    @classmethod
    def _read_microstructure_trace_after(cls, response, written):
        """The result of the statement is read once the response is sent,
        before the thread serves another request."""
        if written is None:
            return
        if getattr(response, "direct_passthrough", True) or not hasattr(response, "call_on_close"):
            # a file streamed as is: werkzeug closes the file, not the response
            written()
        else:
            response.call_on_close(written)
