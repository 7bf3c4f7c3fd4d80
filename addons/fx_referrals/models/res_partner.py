import secrets

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# no 0/O, 1/I/L: codes are read aloud and typed from screenshots
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# referral data is internal: referral users read it (never plain employees or
# portal users; portal pages read a trader's own data through their controller)
REFERRAL_READ = "fx_referrals.group_fx_referral_user"


def generate_referral_code(length=CODE_LENGTH):
    """A random, unambiguous referral code such as ``K7QX2M9D``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))


class ResPartner(models.Model):
    _inherit = "res.partner"

    fx_referral_code = fields.Char(
        string="Referral Code",
        copy=False,
        index="btree_not_null",
        help="The code a trader shares; sign-ups carrying it are attributed to them.",
        groups=REFERRAL_READ,
    )
    fx_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        help="The trader whose referral brought this contact.",
        groups=REFERRAL_READ,
    )
    fx_referral_ids = fields.One2many(
        "res.partner",
        "fx_referrer_id",
        string="Referred Traders",
        groups=REFERRAL_READ,
    )
    fx_referral_count = fields.Integer(
        string="Referrals", compute="_compute_fx_referral_count", groups=REFERRAL_READ
    )

    _sql_constraints = [
        (
            "fx_referral_code_unique",
            "UNIQUE(fx_referral_code)",
            "This referral code is already taken.",
        ),
    ]

    def _compute_fx_referral_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("fx_referrer_id", "in", self.ids)], ["fx_referrer_id"], ["__count"]
            )
        )
        for partner in self:
            partner.fx_referral_count = counts.get(partner, 0)

    @api.constrains("fx_referrer_id")
    def _check_fx_referrer_id(self):
        for partner in self.filtered("fx_referrer_id"):
            if partner.fx_referrer_id == partner:
                raise ValidationError(
                    self.env._("%s cannot refer themselves.", partner.name)
                )
            upstream = partner.fx_referrer_id
            seen = upstream
            while upstream.fx_referrer_id and upstream.fx_referrer_id not in seen:
                upstream = upstream.fx_referrer_id
                seen |= upstream
            if partner in seen:
                raise ValidationError(
                    self.env._(
                        "Circular referral: %(partner)s is already upstream of "
                        "%(referrer)s.",
                        partner=partner.name,
                        referrer=partner.fx_referrer_id.name,
                    )
                )

    def action_fx_generate_referral_code(self):
        """Give every partner in ``self`` without a code a new unique one."""
        partners = self.filtered(lambda p: not p.fx_referral_code)
        taken = set()
        for partner in partners:
            code = generate_referral_code()
            while code in taken or self.sudo().search_count(
                [("fx_referral_code", "=", code)], limit=1
            ):
                code = generate_referral_code()
            taken.add(code)
            partner.fx_referral_code = code
        return True

    def action_fx_view_referrals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_referrals.res_partner_action_referred"
        )
        action["domain"] = [("fx_referrer_id", "=", self.id)]
        action["context"] = {"default_fx_referrer_id": self.id}
        return action
