from odoo import api, fields, models

from ..tools import insert_missing


class FxStrategy(models.Model):
    _name = "fx.strategy"
    _description = "Trading Strategy"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Tag the trading platform sends with a trade (comment / strategy), "
        "e.g. 'scalping', 'martingale', 'bollinger'.",
    )
    description = fields.Text(translate=True)
    is_high_risk = fields.Boolean(
        string="High Risk",
        help="Strategies such as martingale or grid that can wipe an account quickly.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "A strategy with this code already exists."),
    ]

    @api.model
    def _fx_ids_by_code(self, codes):
        """{code: id}, creating the strategies the platform introduced."""
        codes = set(codes)
        found = {
            s.code: s.id
            for s in self.with_context(active_test=False).search_fetch(
                [("code", "in", list(codes))], ["code"]
            )
        }
        missing = sorted(codes - set(found))
        if missing:
            names = [{"en_US": c.replace("_", " ").title()} for c in missing]
            columns = [
                ("code", missing),
                ("name", names),
                ("active", [True] * len(missing)),
            ]
            found.update(insert_missing(self, "code", columns))
        return found
