from odoo import api, fields, models

from ..tools import CompanyConversion, check_rates

# sign of each kind in the net deposits (docs/METRICS.md#net-deposits)
NET_SIGN = {"deposit": 1, "withdrawal": -1}


def net_effect(kind, amount_company):
    """What a funding event adds to the net deposits."""
    return NET_SIGN.get(kind, 0) * (amount_company or 0.0)


FUNDING_KINDS = [
    ("deposit", "Deposit"),
    ("withdrawal", "Withdrawal"),
    ("bonus", "Bonus"),
    ("adjustment", "Adjustment"),
]


class FxFunding(models.Model):
    _name = "fx.funding"
    _inherit = ["fx.account.fact"]
    _description = "Funding Event"
    _order = "date desc, id desc"
    _rec_name = "ref"

    ref = fields.Char(
        string="Reference", required=True, help="The payment system's reference."
    )
    source = fields.Char(
        required=True,
        default="platform",
        help="System that reported the event; the reference is unique per source.",
    )
    account_id = fields.Many2one(index=True)
    kind = fields.Selection(FUNDING_KINDS, required=True)
    amount = fields.Monetary(
        required=True, help="Positive amount in the account's currency."
    )
    currency_id = fields.Many2one("res.currency", required=True)
    amount_company = fields.Monetary(
        string="Amount (Company Currency)",
        currency_field="company_currency_id",
        compute="_compute_amount_company",
        store=True,
        precompute=True,
        help="Amount converted at the Odoo rate of the event's date.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    net_amount = fields.Monetary(
        string="Net Effect",
        currency_field="company_currency_id",
        compute="_compute_net_amount",
        store=True,
        precompute=True,
        help="What the event adds to the trader's net deposits, in the company "
        "currency: a deposit counts positive, a withdrawal negative, a bonus or an "
        "adjustment zero (docs/METRICS.md#net-deposits).",
    )
    date = fields.Datetime(required=True, index=True)
    method_fingerprint = fields.Char(
        string="Payment Method Fingerprint",
        index="btree_not_null",
        help="Opaque hash of the card / wallet / bank account used; compared across "
        "traders to detect self-referrals.",
    )

    _sql_constraints = [
        (
            "source_ref_unique",
            "UNIQUE(source, ref)",
            "A funding event with this reference already exists for this source.",
        ),
        # the sync API's rules, for every other path too (see README)
        (
            "ref_source_not_blank",
            "CHECK(btrim(ref) <> '' AND btrim(source) <> '')",
            "A funding event needs a reference and a source.",
        ),
        (
            "amount_positive",
            "CHECK(amount > 0)",
            "The amount of a funding event must be positive (the kind gives the "
            "direction).",
        ),
        (
            "date_range",
            "CHECK(date >= '1990-01-01' AND date < '2100-01-01')",
            "The date of a funding event must be between 1990 and 2099.",
        ),
    ]

    def init(self):
        # deposits of a trader in a window (facts, segments, campaign goals)
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_funding_partner_date_idx "
            "ON fx_funding (partner_id, date) INCLUDE (kind, amount_company)"
        )
        return super().init()

    def _fx_conversion_key(self):
        """(currency_id, company_id, day) of the conversion of ``amount``, or
        None while the currency or the date is missing."""
        if not (self.currency_id and self.date):
            return None
        company = self.company_id or self.env.company
        return (self.currency_id.id, company.id, self.date.date())

    @api.depends("amount", "currency_id", "date", "company_id")
    def _compute_amount_company(self):
        """The one conversion (docs/METRICS.md#company-currency-conversion), as
        the sync API's."""
        keys = {funding: funding._fx_conversion_key() for funding in self}
        conversion = CompanyConversion(self.env, filter(None, keys.values()))
        for funding, key in keys.items():
            if key is None:
                funding.amount_company = funding.amount
            elif key in conversion.missing:
                funding.amount_company = 0.0  # refused on save: _check_rate
            else:
                funding.amount_company = conversion.convert(funding.amount, key)

    @api.depends("kind", "amount_company")
    def _compute_net_amount(self):
        for funding in self:
            funding.net_amount = net_effect(funding.kind, funding.amount_company)

    @api.constrains("currency_id", "date", "company_id")
    def _check_rate(self):
        check_rates(self)
