import json

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib.compliance import CAP_FIELDS, PERCENT_PLACEHOLDER, render_warning

CLIENT_CATEGORIES = [
    ("retail", "Retail"),
    ("elective", "Elective Professional"),
    ("professional", "Professional"),
]
# the fields whose change makes a new version (everything a rule depends on)
VERSIONED_FIELDS = (
    "name",
    "code",
    "regulator",
    "active",
    "incentive_retail",
    "incentive_elective",
    "incentive_professional",
    "copy_trading_retail",
    "binary_options_retail",
    "risk_warning",
    "risk_warning_short",
    "loss_pct",
    "loss_pct_date",
    *CAP_FIELDS.values(),
)
# ESMA: the firm updates its loss percentage every three months
LOSS_PCT_MAX_AGE = relativedelta(months=3)


class FxComplianceRuleSet(models.Model):
    _name = "fx.compliance.rule.set"
    _description = "Compliance Rule Set"
    _order = "sequence, name"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="The licence entity's code, as the trading platform sends it with "
        "the account (fx.sync.push_accounts, key 'licence').",
    )
    regulator = fields.Char(help="The regulator and licence, e.g. CySEC 123/45.")
    active = fields.Boolean(default=True)
    version = fields.Integer(
        readonly=True,
        default=1,
        help="Raised by one at every change; the audit trail records the version "
        "under which a message or incentive was decided.",
    )
    version_ids = fields.One2many(
        "fx.compliance.rule.set.version", "rule_set_id", string="Versions"
    )
    # incentives (bonuses, rewards, prizes, points) per client category
    incentive_retail = fields.Boolean(string="Incentives to Retail Clients")
    incentive_elective = fields.Boolean(
        string="Incentives to Elective Professionals", default=True
    )
    incentive_professional = fields.Boolean(
        string="Incentives to Professionals", default=True
    )
    copy_trading_retail = fields.Boolean(
        string="Copy Trading for Retail Clients",
        default=True,
        help="Whether retail clients may subscribe to copy trading "
        "(professional clients always may).",
    )
    # product restrictions
    binary_options_retail = fields.Boolean(
        string="Binary Options Marketing to Retail",
        help="Whether campaigns promoting binary options may reach retail clients.",
    )
    # risk warning
    risk_warning = fields.Text(
        translate=True,
        help="Appended to every marketing e-mail to the clients of this rule set, "
        "in the client's language; {percent} is replaced by the loss percentage.",
    )
    risk_warning_short = fields.Text(
        string="Short Risk Warning",
        translate=True,
        help="Appended to every marketing SMS (the abbreviated warning); "
        "{percent} is replaced by the loss percentage.",
    )
    loss_pct = fields.Float(
        string="Retail Accounts Losing Money (%)",
        digits=(5, 1),
        help="The firm's own percentage of retail CFD accounts that lost money "
        "over the last 12 months, updated every quarter by the compliance officer.",
    )
    loss_pct_date = fields.Date(string="Loss Percentage Date")
    is_loss_pct_outdated = fields.Boolean(
        compute="_compute_is_loss_pct_outdated",
        string="Loss Percentage Outdated",
    )
    warning_preview = fields.Text(compute="_compute_warning_preview")
    # leverage caps for retail clients (1:N, 0: no cap)
    cap_fx_major = fields.Integer(string="Major Currency Pairs")
    cap_major = fields.Integer(string="Other Pairs, Gold, Major Indices")
    cap_commodity = fields.Integer(string="Other Commodities, Other Indices")
    cap_share = fields.Integer(string="Shares and Other")
    cap_crypto = fields.Integer(string="Crypto-Assets")
    partner_count = fields.Integer(compute="_compute_partner_count", string="Clients")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "A rule set with this code already exists."),
        (
            "loss_pct_range",
            "CHECK(loss_pct IS NULL OR (loss_pct >= 0 AND loss_pct <= 100))",
            "The loss percentage is between 0 and 100.",
        ),
        (
            "caps_positive",
            "CHECK(coalesce(cap_fx_major, 0) >= 0 AND coalesce(cap_major, 0) >= 0 "
            "AND coalesce(cap_commodity, 0) >= 0 AND coalesce(cap_share, 0) >= 0 "
            "AND coalesce(cap_crypto, 0) >= 0)",
            "A leverage cap is 1:N with N positive (0: no cap).",
        ),
    ]

    @api.depends("loss_pct_date")
    def _compute_is_loss_pct_outdated(self):
        today = fields.Date.context_today(self)
        for rule_set in self:
            rule_set.is_loss_pct_outdated = bool(
                rule_set.risk_warning
                and (
                    not rule_set.loss_pct_date
                    or rule_set.loss_pct_date + LOSS_PCT_MAX_AGE < today
                )
            )

    @api.depends("risk_warning", "risk_warning_short", "loss_pct")
    def _compute_warning_preview(self):
        for rule_set in self:
            parts = [
                render_warning(text, rule_set.loss_pct)
                for text in (rule_set.risk_warning, rule_set.risk_warning_short)
                if text
            ]
            rule_set.warning_preview = "\n\n".join(parts)

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]
            .sudo()
            ._read_group(
                [("fx_rule_set_id", "in", self.ids)], ["fx_rule_set_id"], ["__count"]
            )
        )
        for rule_set in self:
            rule_set.partner_count = counts.get(rule_set, 0)

    @api.constrains("code")
    def _check_code(self):
        for rule_set in self:
            code = rule_set.code or ""
            if not code.strip() or code != code.strip() or len(code) > 32:
                raise ValidationError(
                    self.env._(
                        "Rule set %(name)s: the code must be 1 to 32 characters "
                        "without leading or trailing spaces.",
                        name=rule_set.name,
                    )
                )

    @api.constrains("risk_warning", "risk_warning_short", "loss_pct", "loss_pct_date")
    def _check_warning(self):
        for rule_set in self:
            for fname in ("risk_warning", "risk_warning_short"):
                text = rule_set[fname]
                if text and text.count(PERCENT_PLACEHOLDER) != 1:
                    raise ValidationError(
                        self.env._(
                            "Rule set %(name)s: the %(field)s must contain the "
                            "placeholder {percent} exactly once (it is replaced "
                            "by the loss percentage).",
                            name=rule_set.name,
                            field=self._fields[fname].string,
                        )
                    )
            if rule_set.loss_pct_date and rule_set.loss_pct_date > fields.Date.today():
                raise ValidationError(
                    self.env._(
                        "Rule set %s: the loss percentage date is in the future.",
                        rule_set.name,
                    )
                )

    # ------------------------------------------------------------------ versions
    def _fx_snapshot(self):
        self.ensure_one()
        values = {}
        for fname in VERSIONED_FIELDS:
            value = self[fname]
            values[fname] = (
                fields.Date.to_string(value) if fname.endswith("_date") else value
            )
        return values

    @api.model_create_multi
    def create(self, vals_list):
        rule_sets = super().create(vals_list)
        for rule_set in rule_sets:
            rule_set._fx_record_version({}, rule_set._fx_snapshot())
        return rule_sets

    def write(self, vals):
        versioned = set(vals) & set(VERSIONED_FIELDS)
        if not versioned or "version" in vals:
            return super().write(vals)
        before = {rule_set: rule_set._fx_snapshot() for rule_set in self}
        result = super().write(vals)
        for rule_set in self:
            after = rule_set._fx_snapshot()
            if after != before[rule_set]:
                rule_set._fx_record_version(before[rule_set], after)
        if versioned & {*CAP_FIELDS.values(), "active"}:
            self.env["fx.trading.account"]._fx_check_leverage(rule_set_ids=self.ids)
        return result

    def _fx_record_version(self, before, after):
        """A new version: who, when and what changed (old and new values)."""
        self.ensure_one()
        changes = {
            fname: [before.get(fname), value]
            for fname, value in after.items()
            if before.get(fname) != value
        }
        version = self.version + 1 if before else 1
        if before:
            # the version counter is the system's (readonly for everyone)
            self.sudo().write({"version": version})
        lines = [
            f"{self._fields[fname].string}: {old!r} -> {new!r}"
            for fname, (old, new) in changes.items()
        ]
        self.env["fx.compliance.rule.set.version"].sudo()._fx_insert(
            {
                "rule_set_id": self.id,
                "version": version,
                "user_id": self.env.uid,
                "date": fields.Datetime.now(),
                "changes": "\n".join(lines),
                "snapshot": json.dumps(after, sort_keys=True),
            }
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_versioned(self):
        # its versions are the record of what it allowed: they are never deleted
        raise UserError(
            self.env._(
                "Rule sets are kept with their versions for the record: archive "
                "rule set %s instead of deleting it.",
                self[:1].name,
            )
        )

    # ------------------------------------------------------------------ data
    @api.model
    def _fx_set_translation(self, xmlid, fname, lang, value):
        """Ship the ``lang`` value of a translated field of a preset (data
        files), whether or not that language is installed yet: it is used as
        soon as the language is. Never over an existing value of ``lang`` (a
        compliance officer's own wording is kept at each upgrade)."""
        record = self.env.ref(xmlid, raise_if_not_found=False)
        if not record:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = coalesce(%s, '{}'::jsonb) "
                "|| jsonb_build_object(%s, %s::text) "
                "WHERE id = %s AND NOT coalesce(%s ? %s, false)",
                SQL.identifier(self._table),
                SQL.identifier(fname),
                SQL.identifier(fname),
                lang,
                value,
                record.id,
                SQL.identifier(fname),
                lang,
            )
        )
        self.invalidate_model([fname])

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.res_partner_action_trader"
        )
        action["domain"] = [("fx_rule_set_id", "=", self.id)]
        action["context"] = {}
        return action
