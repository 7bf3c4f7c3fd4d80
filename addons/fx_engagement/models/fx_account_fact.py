from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, table_exists


class FxAccountFact(models.AbstractModel):
    """A fact of one trading account (a trade, a funding event, an equity
    point): it belongs to the account's trader and company."""

    _name = "fx.account.fact"
    _description = "Trading Account Fact"

    account_id = fields.Many2one(
        "fx.trading.account", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Trader",
        compute="_compute_from_account",
        store=True,
        precompute=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_from_account",
        store=True,
        precompute=True,
        readonly=True,
    )

    @api.depends("account_id")
    def _compute_from_account(self):
        for fact in self:
            fact.partner_id = fact.account_id.partner_id
            fact.company_id = fact.account_id.company_id

    def _auto_init(self):
        # a fact table gaining the company column (equity points, 1.5 million rows
        # for 20,000 traders) is filled in one statement, not recomputed record by
        # record by the ORM
        cr = self.env.cr
        if (
            not self._abstract
            and table_exists(cr, self._table)
            and not column_exists(cr, self._table, "company_id")
        ):
            create_column(cr, self._table, "company_id", "int4")
            self.env.cr.execute(
                SQL(
                    "UPDATE %s f SET company_id = a.company_id "
                    "FROM fx_trading_account a WHERE a.id = f.account_id",
                    SQL.identifier(self._table),
                )
            )
        return super()._auto_init()
