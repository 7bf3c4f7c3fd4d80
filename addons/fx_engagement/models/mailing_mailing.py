from odoo import fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    fx_is_transactional = fields.Boolean(
        string="Transactional",
        help="Service message of a trader campaign: not counted in the marketing "
        "frequency cap.",
    )
