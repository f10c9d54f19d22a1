from odoo import models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Odoo logs "<model name> created" on a new record, which French cannot
# agree with the gender of the noun ("Microstructure créé"): each model of the
# addon with a chatter has a sentence of its own.
CREATION_MESSAGES = {
    "microstructure.consultation": _lt("Consultation created"),
    "microstructure.liaison": _lt("Liaison sheet created"),
    "microstructure.meeting": _lt("Care team meeting created"),
    "microstructure.membership": _lt("Membership created"),
    "microstructure.network": _lt("Network created"),
    "microstructure.patient": _lt("Patient file created"),
    "microstructure.permanence": _lt("Permanence created"),
    "microstructure.professional": _lt("Professional created"),
    "microstructure.site": _lt("Microstructure created"),
    "microstructure.social.service": _lt("Social service office created"),
}


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _creation_message(self):
        message = CREATION_MESSAGES.get(self._name)
        if not message:
            return super()._creation_message()
        # Data files create records without a language in the context: the
        # message then speaks the language of the user, as Odoo's own does.
        lang = self.env.lang or self.env.user.lang
        return self.env(context=dict(self.env.context, lang=lang))._(message)
