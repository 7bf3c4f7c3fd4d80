from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import model_recordset, raise_immutable
from .fx_compliance_rule_set import CLIENT_CATEGORIES


class FxClientClassification(models.Model):
    """A change of a client's licence / rule set, category or vulnerability,
    with its date, author, source and evidence: written by the system at each
    change, never changed or deleted."""

    _name = "fx.client.classification"
    _description = "Client Classification Change"
    _order = "date desc, id desc"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True)
    user_id = fields.Many2one("res.users", string="Changed By", ondelete="set null")
    source = fields.Selection(
        [("staff", "Staff"), ("api", "Sync API")], required=True, default="staff"
    )
    rule_set_id = fields.Many2one(
        "fx.compliance.rule.set", string="Licence / Rule Set", ondelete="restrict"
    )
    previous_rule_set_id = fields.Many2one(
        "fx.compliance.rule.set", ondelete="restrict"
    )
    category = fields.Selection(CLIENT_CATEGORIES, string="Client Category")
    previous_category = fields.Selection(CLIENT_CATEGORIES)
    is_vulnerable = fields.Boolean(string="Vulnerable Client")
    evidence = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        # written by the system only (SQL): never through the ORM
        raise_immutable(
            self,
            self.env._("Classification changes are recorded by the system only."),
        )
        return super().create(vals_list)

    def write(self, vals):
        raise_immutable(self, self.env._("Classification changes cannot be edited."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise_immutable(self, self.env._("Classification changes cannot be deleted."))

    @api.model
    def _fx_insert(self, partner_ids, before, source, evidence=None):
        """One line per partner of ``partner_ids``: its classification now
        (read from the database) against ``before`` ({id: (rule set id,
        category, vulnerable)}); the evidence is the partner's own unless
        ``evidence`` ({id: text}) gives one."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, fx_rule_set_id, coalesce(fx_client_category, 'retail'), "
                "coalesce(fx_is_vulnerable, false), fx_category_evidence "
                "FROM res_partner WHERE id = ANY(%s) ORDER BY id",
                list(partner_ids),
            )
        )
        if not rows:
            return
        count = len(rows)
        now = fields.Datetime.now()
        evidence = evidence or {}
        columns = [
            ("partner_id", [r[0] for r in rows]),
            ("rule_set_id", [r[1] for r in rows]),
            ("category", [r[2] for r in rows]),
            ("is_vulnerable", [r[3] for r in rows]),
            ("evidence", [evidence.get(r[0], r[4]) for r in rows]),
            ("previous_rule_set_id", [before.get(r[0], (None,))[0] for r in rows]),
            (
                "previous_category",
                [(before.get(r[0]) or (None, None))[1] for r in rows],
            ),
            ("date", [now] * count),
            ("user_id", [self.env.uid] * count),
            ("source", [source] * count),
        ]
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
        self.env["res.partner"].invalidate_model(["fx_classification_ids"])
