from odoo import models


class MicrostructureCareThread(models.AbstractModel):
    """Chatter of the records of a care team: notifications stay in Odoo.

    Followers are members of the care team, but an e-mail carries the
    record's name (a patient's) to a mailbox outside the application: they
    are notified in their Odoo inbox instead.
    """

    _name = "microstructure.care.thread"
    _description = "Care team chatter"
    _inherit = ["mail.thread"]

    def _get_email_recipients_allowed(self):
        """Partners that may still be notified by e-mail."""
        return self.env["res.partner"]

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        allowed = set(self._get_email_recipients_allowed().ids)
        for recipient in recipients:
            if recipient.get("notif") == "email" and recipient["id"] not in allowed:
                recipient["notif"] = "inbox" if recipient.get("uid") else "none"
        return [recipient for recipient in recipients if recipient["notif"] != "none"]
