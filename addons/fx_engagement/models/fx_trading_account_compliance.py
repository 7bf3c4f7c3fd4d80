from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.compliance import CAP_FIELDS, LEVERAGE_CLASSES


class FxTradingAccount(models.Model):
    _inherit = "fx.trading.account"

    fx_leverage_cap = fields.Integer(
        string="Leverage Cap",
        readonly=True,
        help="1:N, the strictest retail leverage cap of the client's rule set over "
        "the instruments this account traded (major currency pairs before its "
        "first trade); 0: no cap applies.",
    )
    fx_leverage_class = fields.Selection(
        LEVERAGE_CLASSES, string="Capped By", readonly=True
    )
    fx_is_leverage_flagged = fields.Boolean(
        string="Leverage Above Cap",
        readonly=True,
        index="btree_not_null",
        help="A live account of a retail client whose leverage exceeds the cap of "
        "the client's rule set: flagged for compliance, never changed here.",
    )

    @api.model
    def _fx_check_leverage(self, account_ids=None, partner_ids=None, rule_set_ids=None):
        """Flag (or clear) the accounts given by ids, by trader or by rule set,
        in one statement (docs/COMPLIANCE.md#leverage-caps): a live account of
        a retail client is flagged when its leverage exceeds the strictest cap
        of its client's rule set among the leverage classes of the instruments
        it traded (the major-pairs cap before its first trade)."""
        if account_ids is not None:
            where = SQL("a.id = ANY(%s)", list(account_ids))
        elif partner_ids is not None:
            where = SQL("a.partner_id = ANY(%s)", list(partner_ids))
        elif rule_set_ids is not None:
            where = SQL("p.fx_rule_set_id = ANY(%s)", list(rule_set_ids))
        else:
            where = SQL("TRUE")
        cap = SQL(
            "CASE c.cls %s END",
            SQL(" ").join(
                SQL("WHEN %s THEN rs.%s", code, SQL.identifier(fname))
                for code, fname in CAP_FIELDS.items()
            ),
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH acc AS (
                    SELECT a.id, a.leverage, a.account_type, rs.id AS rule_set_id
                      FROM fx_trading_account a
                      JOIN res_partner p ON p.id = a.partner_id
                      LEFT JOIN fx_compliance_rule_set rs
                             ON rs.id = p.fx_rule_set_id
                            AND coalesce(p.fx_client_category, 'retail') = 'retail'
                     WHERE %(where)s
                ),
                traded AS (
                    SELECT DISTINCT t.account_id, i.leverage_class AS cls
                      FROM fx_trade t
                      JOIN fx_instrument i ON i.name = t.symbol
                     WHERE t.account_id IN (SELECT id FROM acc
                                             WHERE rule_set_id IS NOT NULL)
                       AND i.leverage_class IS NOT NULL
                ),
                classes AS (
                    SELECT acc.id, acc.rule_set_id,
                           coalesce(traded.cls, 'fx_major') AS cls
                      FROM acc LEFT JOIN traded ON traded.account_id = acc.id
                     WHERE acc.rule_set_id IS NOT NULL
                ),
                capped AS (
                    SELECT DISTINCT ON (c.id) c.id, c.cls, %(cap)s AS cap
                      FROM classes c
                      JOIN fx_compliance_rule_set rs ON rs.id = c.rule_set_id
                     WHERE coalesce(%(cap)s, 0) > 0
                     ORDER BY c.id, %(cap)s
                ),
                result AS (
                    SELECT acc.id, coalesce(capped.cap, 0) AS cap, capped.cls,
                           coalesce(acc.account_type = 'live'
                                    AND acc.leverage > capped.cap, false) AS flagged
                      FROM acc LEFT JOIN capped ON capped.id = acc.id
                )
                UPDATE fx_trading_account a
                   SET fx_leverage_cap = r.cap, fx_leverage_class = r.cls,
                       fx_is_leverage_flagged = r.flagged
                  FROM result r
                 WHERE a.id = r.id
                   AND (a.fx_leverage_cap, a.fx_leverage_class,
                        a.fx_is_leverage_flagged) IS DISTINCT FROM
                       (r.cap, r.cls, r.flagged)
                """,
                where=where,
                cap=cap,
            )
        )
        self.invalidate_model(
            ["fx_leverage_cap", "fx_leverage_class", "fx_is_leverage_flagged"]
        )
