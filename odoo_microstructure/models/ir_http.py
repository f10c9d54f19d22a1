from odoo import models
from odoo.http import request

from .microstructure_access_log import flush_request_trace


class ResponseTrace:
    """Sends the entries of a request once, when the server starts writing
    its response (or, at the latest, when it closes it), and reads the
    result of the statement once the response is sent."""

    def __init__(self, req):
        self.request = req
        self.sent = False
        self.written = None

    def send(self):
        if not self.sent:
            self.sent = True
            self.written = flush_request_trace(self.request)

    def close(self):
        self.send()
        if self.written is not None:
            self.written()


class TracedBody(list):
    """The chunks of a response's body: iterating them (the server writing
    them) first sends the entries of the request."""

    def __init__(self, chunks, trace):
        super().__init__(chunks)
        self.trace = trace

    def __iter__(self):
        self.trace.send()
        return super().__iter__()


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
        entries while the server writes the response instead of while the
        request finishes)."""
        if not getattr(request, "_microstructure_trace", None):
            return
        if request.env.cr.readonly and isinstance(getattr(response, "response", None), list) \
                and not response.direct_passthrough:
            trace = ResponseTrace(request._get_current_object())
            response.response = TracedBody(response.response, trace)
            response.call_on_close(trace.close)
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
