import secrets
from urllib.parse import urlencode

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

    fx_points_balance = fields.Integer(
        string="Points",
        compute="_compute_fx_points",
        help="Sum of the ledger: earned minus spent, reversed and expired.",
        groups=REFERRAL_READ,
    )
    fx_points_vested = fields.Integer(
        string="Spendable Points",
        compute="_compute_fx_points",
        help="Points past their hold period, minus those spent.",
        groups=REFERRAL_READ,
    )
    fx_level_id = fields.Many2one(
        "fx.referral.level",
        string="Level",
        readonly=True,
        groups=REFERRAL_READ,
    )
    fx_is_ib = fields.Boolean(
        string="Introducing Broker",
        help="Earns IB commissions on the trades of the traders below them.",
        groups=REFERRAL_READ,
    )
    fx_board_name = fields.Selection(
        [("name", "My first name"), ("pseudonym", "A pseudonym")],
        string="Leaderboard Name",
        default="pseudonym",
        help="How the trader appears on leaderboards (the trader chooses on the "
        "portal).",
        groups=REFERRAL_READ,
    )
    fx_pseudonym = fields.Char(string="Pseudonym", groups=REFERRAL_READ)

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

    def _compute_fx_points(self):
        balances = self.env["fx.points.entry"].sudo()._fx_balances(self.ids)
        for partner in self:
            partner.fx_points_balance, partner.fx_points_vested = balances.get(
                partner.id, (0, 0)
            )

    def _fx_board_label(self):
        """The name shown on leaderboards: the trader's first name or their
        pseudonym (a neutral one by default)."""
        self.ensure_one()
        partner = self.sudo()
        if partner.fx_board_name == "name":
            return (partner.name or "").strip().split(" ")[0]
        return partner.fx_pseudonym or self.env._("Trader #%s", partner.id)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.context.get("fx_no_referral"):
            partners.filtered("fx_referrer_id")._fx_ensure_staff_referrals()
        return partners

    def write(self, vals):
        res = super().write(vals)
        if vals.get("fx_referrer_id") and not self.env.context.get("fx_no_referral"):
            self._fx_ensure_staff_referrals()
        return res

    def _fx_ensure_staff_referrals(self):
        """A *Referred By* set by hand gets its referral record (source
        *Staff*) when the trader has none."""
        Referral = self.env["fx.referral"].sudo()
        known = set(Referral.search([("referee_id", "in", self.ids)]).referee_id.ids)
        todo = self.filtered(lambda p: p.id not in known)
        if todo and Referral.env["fx.referral.programme"]._fx_default():
            Referral._fx_attach(
                [(p, p.fx_referrer_id, "staff", None, None) for p in todo]
            )
            Referral._fx_sync_for_referees(todo.ids)

    def _fx_recompute_facts(self):
        """The referrals of these traders move with their facts, and their
        KYC earns its points (docs/REFERRALS.md#stages)."""
        changed = super()._fx_recompute_facts()
        if self:
            self.env["fx.referral"].sudo()._fx_sync_for_referees(self.ids)
            self.env["fx.points.entry"].sudo()._fx_award_kyc(self.ids)
        return changed

    # ------------------------------------------------------------ the link
    @api.model
    def _fx_registration_url(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return get("fx_referrals.registration_url") or (
            get("web.base.url") + "/web/signup"
        )

    def _fx_referral_url(self):
        """The shareable link of the trader: ``<base>/r/<code>`` (Odoo's link
        tracker route), giving the trader a code first if needed."""
        self.ensure_one()
        partner = self.sudo()
        if not partner.fx_referral_code:
            partner.action_fx_generate_referral_code()
        partner._fx_link_tracker()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/r/{partner.fx_referral_code}"

    def _fx_registration_target(self, token=None):
        """Where the link sends the visitor: the registration URL with the code
        (and the click's token)."""
        self.ensure_one()
        url = self._fx_registration_url()
        params = {"ref": self.sudo().fx_referral_code}
        if token:
            params["token"] = token
        return url + ("&" if "?" in url else "?") + urlencode(params)

    def _fx_link_tracker(self):
        """Odoo's link tracker of the trader's code (created once), with the
        programme's UTM campaign, medium and source: Odoo counts the clicks."""
        self.ensure_one()
        code = self.sudo().fx_referral_code
        found = self.env["link.tracker.code"].sudo().search([("code", "=", code)])
        if found:
            return found.link_id
        tracker = (
            self.env["link.tracker"]
            .sudo()
            .create(
                {
                    "url": self._fx_registration_target(),
                    "title": self.env._("Referral link %s", code),
                    "campaign_id": self.env.ref(
                        "fx_referrals.utm_campaign_referral"
                    ).id,
                    "medium_id": self.env.ref("fx_referrals.utm_medium_referral").id,
                    "source_id": self.env.ref("fx_referrals.utm_source_referral").id,
                }
            )
        )
        tracker.code = code
        return tracker

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
