from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .fx_campaign_step import NOBODY_DOMAIN


class FxCampaignVariant(models.Model):
    _name = "fx.campaign.variant"
    _description = "Campaign A/B Variant"
    _order = "sequence, id"

    step_id = fields.Many2one(
        "fx.campaign.step", required=True, index=True, ondelete="cascade"
    )
    campaign_id = fields.Many2one(related="step_id.campaign_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, default="A")
    split_pct = fields.Integer(string="Split (%)", default=50)
    subject = fields.Char()
    body = fields.Html()
    mailing_id = fields.Many2one("mailing.mailing", string="Content", copy=False)

    def init(self):
        # step and variant mailings created before their filter was "nobody"
        # (here: both tables exist once the variants' is created)
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_mailing SET mailing_domain = %(nobody)s
                 WHERE mailing_domain IS DISTINCT FROM %(nobody)s AND id IN (
                       SELECT mailing_id FROM fx_campaign_step
                        WHERE mailing_id IS NOT NULL
                       UNION
                       SELECT mailing_id FROM fx_campaign_variant
                        WHERE mailing_id IS NOT NULL)
                """,
                nobody=NOBODY_DOMAIN,
            )
        )
        return super().init()

    @api.constrains("split_pct")
    def _check_split(self):
        for variant in self:
            if not 0 < variant.split_pct <= 100:
                raise ValidationError(
                    self.env._("A variant's split must be between 1% and 100%.")
                )
