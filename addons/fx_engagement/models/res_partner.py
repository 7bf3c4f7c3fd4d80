from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

TRADER_STAGES = [
    ("lead", "Lead"),
    ("registered", "Registered"),
    ("kyc_pending", "KYC Pending"),
    ("kyc_approved", "KYC Approved"),
    ("funded", "Funded"),
    ("active", "Active Trader"),
    ("dormant", "Dormant"),
    ("churned", "Churned"),
]
KYC_STATUSES = [
    ("none", "Not Started"),
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # identity in the broker's systems
    fx_is_trader = fields.Boolean(
        string="Is a Trader",
        index=True,
        help="Client or prospect of the brokerage (set by the trading-data sync "
        "or by hand).",
    )
    fx_client_ref = fields.Char(
        string="Client ID",
        index="btree_not_null",
        copy=False,
        help="The broker's own client identifier (back office / trading platform).",
    )
    fx_currency_id = fields.Many2one(
        "res.currency",
        string="Reporting Currency",
        compute="_compute_fx_currency_id",
        help="Trader amounts are kept in the company currency.",
    )
    # lifecycle
    fx_stage = fields.Selection(
        TRADER_STAGES,
        string="Trader Stage",
        default="lead",
        index=True,
        tracking=True,
        help="Lifecycle stage: lead, registered, KYC pending, KYC approved, funded "
        "(first deposit), active trader, dormant (no trade for a while), churned "
        "(no trade and no deposit for long after having been funded).",
    )
    fx_kyc_status = fields.Selection(
        KYC_STATUSES,
        string="KYC Status",
        default="none",
        index=True,
        tracking=True,
    )
    # funding
    fx_account_count = fields.Integer(string="Platform Accounts")
    fx_ftd_date = fields.Datetime(
        string="First Deposit Date", help="Date of the first deposit (FTD)."
    )
    fx_ftd_amount = fields.Monetary(
        string="First Deposit Amount", currency_field="fx_currency_id"
    )
    fx_total_deposits = fields.Monetary(
        string="Total Deposits", currency_field="fx_currency_id"
    )
    fx_total_withdrawals = fields.Monetary(
        string="Total Withdrawals", currency_field="fx_currency_id"
    )
    fx_net_deposits = fields.Monetary(
        string="Net Deposits",
        currency_field="fx_currency_id",
        compute="_compute_fx_net_deposits",
        store=True,
        help="Total deposits minus total withdrawals.",
    )
    fx_last_deposit_date = fields.Datetime(string="Last Deposit")
    fx_is_funded = fields.Boolean(
        string="Funded",
        compute="_compute_fx_is_funded",
        store=True,
        help="The trader has made a first deposit.",
    )
    # trading activity
    fx_last_trade_date = fields.Datetime(string="Last Trade")
    fx_trade_count_30d = fields.Integer(string="Trades (30 days)")
    fx_trade_count_90d = fields.Integer(string="Trades (90 days)")
    fx_volume_30d = fields.Float(string="Volume (lots, 30 days)", digits=(16, 2))
    fx_volume_90d = fields.Float(string="Volume (lots, 90 days)", digits=(16, 2))
    fx_instrument_ids = fields.Many2many(
        "fx.instrument",
        "res_partner_fx_instrument_rel",
        "partner_id",
        "instrument_id",
        string="Preferred Instruments",
    )
    fx_strategy_ids = fields.Many2many(
        "fx.strategy",
        "res_partner_fx_strategy_rel",
        "partner_id",
        "strategy_id",
        string="Strategies Used",
    )
    # profile
    fx_risk_appetite = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        string="Risk Appetite",
    )
    fx_experience_level = fields.Selection(
        [
            ("none", "No Experience"),
            ("beginner", "Beginner (< 1 year)"),
            ("intermediate", "Intermediate (1-3 years)"),
            ("advanced", "Advanced (3+ years)"),
            ("professional", "Professional"),
        ],
        string="Experience Level",
    )
    fx_income_band = fields.Selection(
        [
            ("lt_25k", "Under 25,000"),
            ("25k_50k", "25,000 - 50,000"),
            ("50k_100k", "50,000 - 100,000"),
            ("100k_250k", "100,000 - 250,000"),
            ("gt_250k", "Over 250,000"),
        ],
        string="Annual Income",
        help="Declared yearly income band, in the company currency.",
    )
    fx_occupation = fields.Char(string="Occupation")
    fx_birth_date = fields.Date(string="Birth Date")
    fx_age = fields.Integer(string="Age", compute="_compute_fx_age")
    fx_gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")],
        string="Gender",
    )
    fx_preferred_channel = fields.Selection(
        [
            ("email", "E-mail"),
            ("sms", "SMS"),
            ("phone", "Phone Call"),
            ("whatsapp", "WhatsApp"),
            ("portal", "Portal / In-app"),
        ],
        string="Preferred Channel",
    )

    _sql_constraints = [
        (
            "fx_client_ref_unique",
            "UNIQUE(fx_client_ref)",
            "Another contact already has this broker client ID.",
        ),
    ]

    def _compute_fx_currency_id(self):
        for partner in self:
            partner.fx_currency_id = (
                partner.company_id.currency_id or self.env.company.currency_id
            )

    @api.depends("fx_total_deposits", "fx_total_withdrawals")
    def _compute_fx_net_deposits(self):
        for partner in self:
            partner.fx_net_deposits = (
                partner.fx_total_deposits - partner.fx_total_withdrawals
            )

    @api.depends("fx_ftd_date")
    def _compute_fx_is_funded(self):
        for partner in self:
            partner.fx_is_funded = bool(partner.fx_ftd_date)

    @api.depends("fx_birth_date")
    def _compute_fx_age(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.fx_age = (
                relativedelta(today, partner.fx_birth_date).years
                if partner.fx_birth_date
                else 0
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._fx_check_client_refs(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("fx_client_ref"):
            self._fx_check_client_refs([vals], exclude=self)
        return super().write(vals)

    def _fx_check_client_refs(self, vals_list, exclude=None):
        """Refuse a broker client ID that another contact already has.

        Checked before writing so that staff and integrators get a readable
        error rather than the unique index's (which still guards concurrency).
        """
        refs = [
            vals["fx_client_ref"] for vals in vals_list if vals.get("fx_client_ref")
        ]
        if not refs:
            return
        if exclude is not None and len(exclude) > 1:
            raise ValidationError(
                self.env._("Client ID %s cannot be given to several contacts.", refs[0])
            )
        duplicates = {ref for ref in refs if refs.count(ref) > 1}
        domain = [("fx_client_ref", "in", refs)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        taken = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch(domain, ["fx_client_ref"], limit=1)
        )
        if duplicates or taken:
            raise ValidationError(
                self.env._(
                    "Client ID %s is already used by another contact.",
                    taken.fx_client_ref or sorted(duplicates)[0],
                )
            )
