from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import model_recordset, raise_immutable


class FxComplianceRuleSetVersion(models.Model):
    """Who changed a rule set, when, and what: one row per version, written by
    the system, never changed or deleted."""

    _name = "fx.compliance.rule.set.version"
    _description = "Compliance Rule Set Version"
    _order = "rule_set_id, version desc"
    _log_access = False

    rule_set_id = fields.Many2one(
        "fx.compliance.rule.set", required=True, index=True, ondelete="restrict"
    )
    version = fields.Integer(required=True)
    user_id = fields.Many2one("res.users", string="Changed By", ondelete="restrict")
    date = fields.Datetime(required=True)
    changes = fields.Text(help="Each changed setting: old value -> new value.")
    snapshot = fields.Text(help="Every setting of this version (JSON).")

    _sql_constraints = [
        (
            "rule_set_version_unique",
            "UNIQUE(rule_set_id, version)",
            "This version of the rule set is recorded already.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # written by the system only (SQL): never through the ORM
        raise_immutable(
            self,
            self.env._("Rule set versions are recorded by the system only."),
        )
        return super().create(vals_list)

    def write(self, vals):
        raise_immutable(self, self.env._("Rule set versions cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise_immutable(self, self.env._("Rule set versions cannot be deleted."))

    @api.model
    def _fx_insert(self, values):
        columns = [(name, [value]) for name, value in values.items()]
        names = SQL(", ").join(SQL.identifier(name) for name, _v in columns)
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s",
                SQL.identifier(self._table),
                names,
                names,
                model_recordset(self, columns),
            )
        )
        self.invalidate_model()
        self.env["fx.compliance.rule.set"].invalidate_model(["version_ids"])
