"""IB commissions computed set-based from the referees' closed trades
(docs/REFERRALS.md#ib-commissions)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL


class FxIbCommission(models.Model):
    _name = "fx.ib.commission"
    _description = "IB Commission Line"
    _order = "statement_id, trade_id, tier"
    # millions of lines written in one statement: no user and date columns, and
    # a table of our own (init) without foreign keys, whose checks would cost
    # six index lookups per line (the statement's lines are deleted with it by
    # _fx_compute_period; trades are never deleted once commissions are paid)
    _log_access = False
    _auto = False

    statement_id = fields.Many2one(
        "fx.ib.statement", required=True, ondelete="cascade", index=True
    )
    ib_id = fields.Many2one("res.partner", string="IB", required=True, index=True)
    trade_id = fields.Many2one("fx.trade", required=True, ondelete="cascade")
    trader_id = fields.Many2one("res.partner", string="Trader Contact")
    rule_id = fields.Many2one("fx.ib.rule", required=True)
    tier = fields.Integer(required=True)
    lots = fields.Float(digits=(16, 2))
    revenue = fields.Float(string="Broker Revenue", digits=(16, 2))
    rate = fields.Float(digits=(16, 4))
    amount = fields.Float(digits=(16, 2))
    company_id = fields.Many2one("res.company", required=True)

    def init(self):
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS fx_ib_commission (
                id serial PRIMARY KEY,
                statement_id int4 NOT NULL,
                ib_id int4 NOT NULL,
                trade_id int4 NOT NULL,
                trader_id int4,
                rule_id int4 NOT NULL,
                tier int4 NOT NULL,
                lots float8,
                revenue float8,
                rate float8,
                amount float8,
                company_id int4 NOT NULL
            )
            """
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_ib_commission_statement_idx "
            "ON fx_ib_commission (statement_id)"
        )


class FxIbStatement(models.Model):
    _name = "fx.ib.statement"
    _description = "IB Commission Statement"
    _inherit = ["mail.thread"]
    _order = "date_from desc, ib_id"
    _check_company_auto = True

    ib_id = fields.Many2one(
        "res.partner", string="IB", required=True, index=True, readonly=True
    )
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("confirmed", "Confirmed"),
            ("paid", "Paid"),
            ("failed", "Payout Rejected"),
        ],
        default="draft",
        required=True,
        tracking=True,
        readonly=True,
    )
    line_ids = fields.One2many("fx.ib.commission", "statement_id", readonly=True)
    line_count = fields.Integer(readonly=True)
    total = fields.Monetary(readonly=True)
    payout_ref = fields.Char(readonly=True)
    payout_message = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "period_unique",
            "UNIQUE(ib_id, date_from, date_to, company_id)",
            "One statement per IB and period.",
        ),
    ]

    @api.depends("ib_id", "date_from", "date_to")
    def _compute_display_name(self):
        for statement in self:
            statement.display_name = self.env._(
                "%(ib)s, %(start)s to %(end)s",
                ib=statement.ib_id.name or "",
                start=statement.date_from,
                end=statement.date_to,
            )

    @api.model
    def _fx_compute_period(self, date_from, date_to, company=None, max_tiers=3):
        """(Re)compute the commissions of the trades closed from ``date_from``
        to ``date_to`` (inclusive): the draft statements of the period are
        rebuilt from scratch, so recomputing gives identical lines; confirmed
        and paid statements are left as they are. Returns ``{"lines",
        "statements", "total"}``."""
        if date_from > date_to:
            raise ValidationError(self.env._("The period ends before it starts."))
        company = company or self.env.company
        self.env.flush_all()
        by_class = self.env["fx.ib.rule"].sudo()._fx_rule_by_class(company)
        digits = company.currency_id.decimal_places
        cr = self.env.cr
        cr.execute("SET LOCAL jit = off")
        now = fields.Datetime.now()
        # the draft statements of the period are rebuilt (their lines first)
        cr.execute(
            SQL(
                """
                DELETE FROM fx_ib_commission c USING fx_ib_statement s
                 WHERE s.id = c.statement_id AND s.date_from = %s AND s.date_to = %s
                   AND s.company_id = %s AND s.state = 'draft'
                """,
                date_from,
                date_to,
                company.id,
            )
        )
        cr.execute(
            SQL(
                """
                DELETE FROM fx_ib_statement
                 WHERE date_from = %s AND date_to = %s AND company_id = %s
                   AND state = 'draft'
                """,
                date_from,
                date_to,
                company.id,
            )
        )
        if not by_class:
            return {"lines": 0, "statements": 0, "total": 0.0}
        classes, rule_ids = zip(*by_class.items(), strict=True)
        params = {
            "classes": list(classes),
            "rules": list(rule_ids),
            "company": company.id,
            "start": date_from,
            "end": date_to + timedelta(days=1),
            "max": max_tiers,
            "digits": digits,
            "dfrom": date_from,
            "dto": date_to,
            "uid": self.env.uid,
            "now": now,
        }
        period = SQL(
            "t.state = 'closed' AND t.company_id = %(company)s "
            "AND t.close_time >= %(start)s AND t.close_time < %(end)s",
            **params,
        )
        # each trader of the period with their IBs by tier (the IBs without a
        # confirmed or paid statement of the period): a small table, analysed,
        # so that the lines are one hash join of the trades with it
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_ib_chain ON COMMIT DROP AS
                WITH RECURSIVE up AS (
                    SELECT p.id AS trader, p.fx_referrer_id AS ib, 1 AS tier
                      FROM res_partner p
                     WHERE p.id IN (SELECT DISTINCT t.partner_id FROM fx_trade t
                                     WHERE %(period)s)
                       AND p.fx_referrer_id IS NOT NULL
                    UNION ALL
                    SELECT up.trader, p.fx_referrer_id, up.tier + 1
                      FROM up JOIN res_partner p ON p.id = up.ib
                     WHERE p.fx_referrer_id IS NOT NULL AND up.tier < %(max)s
                )
                SELECT up.* FROM up JOIN res_partner ib ON ib.id = up.ib AND ib.fx_is_ib
                 WHERE NOT EXISTS (
                       SELECT 1 FROM fx_ib_statement s
                        WHERE s.ib_id = up.ib AND s.date_from = %(dfrom)s
                          AND s.date_to = %(dto)s AND s.company_id = %(company)s
                          AND s.state <> 'draft')
                """,
                period=period,
                **params,
            )
        )
        cr.execute("ANALYZE fx_ib_chain")
        # 1. a draft statement for each IB above a trader of the period
        cr.execute(
            SQL(
                """
                INSERT INTO fx_ib_statement
                       (ib_id, date_from, date_to, company_id, state, line_count,
                        total, create_uid, write_uid, create_date, write_date)
                SELECT DISTINCT ib, %(dfrom)s::date, %(dto)s::date, %(company)s,
                       'draft', 0, 0, %(uid)s, %(uid)s, %(now)s::timestamp,
                       %(now)s::timestamp
                  FROM fx_ib_chain ORDER BY ib
                """,
                **params,
            )
        )
        # 2. the lines, in one statement: trade x tier, each naming its rule
        cr.execute(
            SQL(
                """
                INSERT INTO fx_ib_commission
                       (statement_id, ib_id, trade_id, trader_id, rule_id, tier,
                        lots, revenue, rate, amount, company_id)
                SELECT s.id, c.ib, t.id, t.partner_id, r.id, c.tier,
                       t.volume, t.revenue_company, rt.rate,
                       round(CASE
                           WHEN r.mode = 'split' AND r.basis = 'per_lot'
                               THEN t.volume * r.pool_rate * rt.rate / 100.0
                           WHEN r.mode = 'split'
                               THEN t.revenue_company * r.pool_rate / 100.0
                                    * rt.rate / 100.0
                           WHEN r.basis = 'per_lot' THEN t.volume * rt.rate
                           ELSE t.revenue_company * rt.rate / 100.0
                       END::numeric, %(digits)s), %(company)s
                  FROM fx_trade t
                  JOIN fx_trading_account a ON a.id = t.account_id
                   AND a.account_type = 'live'
                  JOIN fx_ib_chain c ON c.trader = t.partner_id
                  LEFT JOIN fx_instrument i ON i.name = t.symbol
                  JOIN unnest(%(classes)s::varchar[], %(rules)s::int4[])
                       AS m(cls, rule_id)
                    ON m.cls = coalesce(i.asset_class, 'other')
                  JOIN fx_ib_rule r ON r.id = m.rule_id
                  JOIN fx_ib_rule_tier rt ON rt.rule_id = r.id AND rt.tier = c.tier
                  JOIN fx_ib_statement s ON s.ib_id = c.ib
                   AND s.date_from = %(dfrom)s AND s.date_to = %(dto)s
                   AND s.company_id = %(company)s AND s.state = 'draft'
                 WHERE %(period)s
                 ORDER BY c.ib, t.id, c.tier
                """,
                period=period,
                **params,
            )
        )
        lines = cr.rowcount
        # 3. the totals; statements without any line (no rate for their tier)
        # go
        rows = self.env.execute_query(
            SQL(
                """
                WITH c AS (
                    SELECT statement_id, count(*) AS n, sum(amount) AS total
                      FROM fx_ib_commission c
                      JOIN fx_ib_statement s ON s.id = c.statement_id
                     WHERE s.date_from = %(dfrom)s AND s.date_to = %(dto)s
                       AND s.company_id = %(company)s AND s.state = 'draft'
                     GROUP BY statement_id
                )
                UPDATE fx_ib_statement s SET line_count = c.n, total = c.total
                  FROM c WHERE c.statement_id = s.id
                RETURNING s.total
                """,
                **params,
            )
        )
        cr.execute(
            SQL(
                """
                DELETE FROM fx_ib_statement
                 WHERE date_from = %(dfrom)s AND date_to = %(dto)s
                   AND company_id = %(company)s AND state = 'draft'
                   AND line_count = 0
                """,
                **params,
            )
        )
        statements = len(rows)
        total = round(sum(float(t) for (t,) in rows), digits)
        cr.execute("DROP TABLE fx_ib_chain")
        self.invalidate_model()
        self.env["fx.ib.commission"].invalidate_model()
        return {"lines": lines, "statements": statements, "total": total}

    def action_fx_confirm(self):
        if not self.env.user.has_group("fx_referrals.group_fx_referral_manager"):
            raise UserError(self.env._("Only referral managers confirm statements."))
        if self.filtered(lambda s: s.state != "draft"):
            raise UserError(self.env._("Only draft statements can be confirmed."))
        self.write({"state": "confirmed"})
        return True

    # ------------------------------------------------------------ the bridge
    @api.model
    def _fx_pull(self, limit):
        statements = self.sudo().search(
            [("state", "=", "confirmed"), ("total", ">", 0)], order="id", limit=limit
        )
        return [
            {
                "id": s.id,
                "client_ref": s.ib_id.fx_client_ref or False,
                "date_from": fields.Date.to_string(s.date_from),
                "date_to": fields.Date.to_string(s.date_to),
                "amount": s.total,
                "currency": s.currency_id.name,
                "lines": s.line_count,
            }
            for s in statements
        ]

    @api.model
    def _fx_ack(self, acks):
        """``[{"id", "status": "paid"|"rejected", "ref", "message"}]``, the
        whole batch checked first."""
        if not isinstance(acks, list) or not all(isinstance(a, dict) for a in acks):
            raise ValidationError(self.env._("Expected a list of acknowledgements."))
        errors = []
        ids = [a.get("id") for a in acks]
        for index, ack in enumerate(acks):
            if ack.get("status") not in ("paid", "rejected"):
                errors.append(
                    self.env._(
                        "record %s, field 'status': expected paid or rejected", index
                    )
                )
            if not isinstance(ack.get("id"), int) or isinstance(ack.get("id"), bool):
                errors.append(
                    self.env._("record %s, field 'id': expected a number", index)
                )
        good = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        found = self.sudo().browse(good).exists()
        for sid in set(good) - set(found.ids):
            errors.append(self.env._("statement %s: unknown", sid))
        for statement in found.filtered(lambda s: s.state != "confirmed"):
            errors.append(
                self.env._("statement %s: not waiting for payment", statement.id)
            )
        if len(set(good)) != len(good):
            errors.append(self.env._("the same statement is acknowledged twice"))
        if errors:
            raise ValidationError(
                self.env._("Acknowledgement refused, nothing was written:")
                + "\n"
                + "\n".join(errors)
            )
        for ack in acks:
            self.sudo().browse(ack["id"]).write(
                {
                    "state": "paid" if ack["status"] == "paid" else "failed",
                    "payout_ref": ack.get("ref") or False,
                    "payout_message": ack.get("message") or False,
                }
            )
        return {"acknowledged": len(acks)}
