from odoo import api, models
from odoo.exceptions import UserError


class MicrostructureCareThread(models.AbstractModel):
    """Chatter of the records of a care team.

    - Only the current members of the care team (``_get_allowed_partners``)
      may follow the record, be named as recipients of its messages or be
      assigned its activities; anyone else is refused with a clear message.
    - Notifications stay in Odoo: an e-mail would carry the record's name to a
      mailbox outside the application.
    - What mail stores or pushes for the record (message ``record_name`` and
      subject, activity ``res_name``, hence Discuss notifications) is the
      neutral label of ``_get_neutral_name``, e.g. "Patient file no. 42":
      Odoo computes it as superuser and shows it to whoever is notified.
    """

    _name = "microstructure.care.thread"
    _description = "Care team chatter"
    _inherit = ["mail.thread", "microstructure.confidential"]

    # steps folded on a board grouped by ``state`` (the ended ones)
    _folded_states = ()

    @api.model
    def web_read_group(self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True):
        """Fold the columns of ``_folded_states`` on a board grouped by step:
        Odoo folds the groups of a many2one only."""
        result = super().web_read_group(domain, fields, groupby, limit=limit, offset=offset,
                                        orderby=orderby, lazy=lazy)
        if self._folded_states and groupby and groupby[0] == "state":
            for group in result["groups"]:
                group["__fold"] = group.get("state") in self._folded_states
        return result

    def _get_allowed_partners(self):
        """Partners of the current members of the care teams of all of ``self``."""
        # sudo: the care team is needed whoever triggers the check (e.g. mail
        # notifications), and only partner ids leave.
        Membership = self.env["microstructure.membership"].sudo()
        sites = self.sudo().site_id
        memberships = Membership.search(
            Membership._get_current_domain() + [("site_id", "in", sites.ids)]
        )
        partners = None
        for site in sites:
            members = memberships.filtered(lambda m, site=site: m.site_id == site).user_id.partner_id
            partners = members if partners is None else partners & members
        return partners or self.env["res.partner"]

    def _get_neutral_name(self):
        """A label of the record that names no patient."""
        self.ensure_one()
        return self.env._("%(kind)s no. %(number)s", kind=self._description, number=self.id)

    def _message_compute_subject(self):
        self.ensure_one()
        return self._get_neutral_name()

    def _get_email_recipients_allowed(self):
        """Partners that may still be notified by e-mail."""
        return self.env["res.partner"]

    def _check_outsiders(self, partner_ids, message):
        outsiders = self.env["res.partner"].browse(set(partner_ids) - set(self._get_allowed_partners().ids))
        if outsiders:
            raise UserError(
                message % {"names": ", ".join(outsiders.exists().mapped("name")) or "?"}
            )

    # MAIL
    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        """Only the current care team may follow the record: followers are
        notified of its messages."""
        if partner_ids:
            outsiders = set(partner_ids) - set(self._get_allowed_partners().ids)
            if outsiders and (self.env.su or outsiders == set(self.env.user.partner_id.ids)):
                # Automatic subscription of an author outside the team (data
                # loading, scheduled actions, the social worker of the office):
                # leave it out quietly.
                partner_ids = list(set(partner_ids) - outsiders)
            elif outsiders:
                self._check_outsiders(partner_ids, self.env._(
                    "Only the current members of the care team can follow this record "
                    "(%(names)s are not)."
                ))
        # a batch of activities may name a record twice (two decisions about
        # one patient): each record is subscribed once
        records = self.browse(list(dict.fromkeys(self.ids)))
        return super(MicrostructureCareThread, records)._message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids
        )

    def message_post(self, **kwargs):
        partner_ids = kwargs.get("partner_ids") or []
        if partner_ids and not self.env.su:
            if any(not isinstance(pid, int) or isinstance(pid, bool) for pid in partner_ids):
                raise UserError(self.env._("Invalid recipients."))
            self._check_outsiders(partner_ids, self.env._(
                "Only the current members of the care team can be named on this record "
                "(%(names)s are not)."
            ))
        if len(self) == 1:
            kwargs["record_name"] = self._get_neutral_name()
        return super().message_post(**kwargs)

    def _message_update_content(self, message, body, attachment_ids=None, partner_ids=None,
                                strict=True, **kwargs):
        if partner_ids and not self.env.su:
            self._check_outsiders(partner_ids, self.env._(
                "Only the current members of the care team can be named on this record "
                "(%(names)s are not)."
            ))
        return super()._message_update_content(
            message, body, attachment_ids=attachment_ids, partner_ids=partner_ids,
            strict=strict, **kwargs
        )

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        allowed = set(self._get_email_recipients_allowed().ids)
        team = set(self._get_allowed_partners().ids) | allowed
        for recipient in recipients:
            if recipient["id"] not in team:
                # a follower or recipient left over from before the rules
                recipient["notif"] = "none"
            elif recipient.get("notif") == "email" and recipient["id"] not in allowed:
                recipient["notif"] = "inbox" if recipient.get("uid") else "none"
        return [recipient for recipient in recipients if recipient["notif"] != "none"]
