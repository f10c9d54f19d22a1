"""What mail stored before names the patients: give the messages and the
activities of care team records their neutral label."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    models = [
        name for name, model in env.registry.items()
        if getattr(model, "_microstructure_confidential", False) and not model._abstract
        and hasattr(model, "_get_neutral_name")
    ]
    for name in models:
        messages = env["mail.message"].search([("model", "=", name), ("record_name", "!=", False)])
        for message in messages:
            message.record_name = env[name].browse(message.res_id)._get_neutral_name()
        activities = env["mail.activity"].search([("res_model", "=", name)])
        activities._compute_res_name()
