"""Client classification and the compliance rules on the trader
(docs/COMPLIANCE.md): the licence / rule set serving them, their client
category, the vulnerable-client flag, and the incentive hook every addon calls
before granting a bonus, reward, prize, points or a copy subscription."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..lib.compliance import render_warning
from .fx_compliance_rule_set import CLIENT_CATEGORIES
from .res_partner import FX_READ

FX_COMPLIANCE = "fx_engagement.group_fx_compliance"
# written by compliance officers (and the sync API, for the first three)
CLASSIFICATION_FIELDS = frozenset(
    """fx_rule_set_id fx_client_category fx_category_date fx_category_evidence
    fx_is_vulnerable fx_vulnerable_reason""".split()
)
PROFESSIONAL = ("elective", "professional")
INCENTIVE_KINDS = ("bonus", "reward", "prize", "points")
HOOK_KINDS = (*INCENTIVE_KINDS, "copy_trading")
# the kinds the rules evaluate: the hook's, and marketing messages
MARKETING = "marketing"


# the compliance part of res.partner, in its own file so that the compliance
# rules read in one place
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    fx_rule_set_id = fields.Many2one(
        "fx.compliance.rule.set",
        copy=False,
        string="Licence / Rule Set",
        index="btree_not_null",
        ondelete="restrict",
        groups=FX_READ,
        help="The licence entity serving the client and its compliance rules "
        "(pushed with the account, key 'licence', or set by a compliance officer). "
        "Without one, no rule restricts the client.",
    )
    fx_client_category = fields.Selection(
        CLIENT_CATEGORIES,
        copy=False,
        string="Client Category",
        default="retail",
        groups=FX_READ,
        help="Every client is retail until classified otherwise, with evidence.",
    )
    fx_category_date = fields.Date(copy=False, string="Classified On", groups=FX_READ)
    fx_category_evidence = fields.Text(
        copy=False,
        string="Classification Evidence",
        groups=FX_READ,
        help="What supports the client's category (e.g. the elective professional "
        "assessment and the client's written request).",
    )
    fx_is_vulnerable = fields.Boolean(
        copy=False,
        index="btree_not_null",
        string="Vulnerable Client",
        groups=FX_READ,
        help="Gets service messages only: no marketing, no incentives.",
    )
    fx_vulnerable_reason = fields.Text(
        copy=False,
        string="Vulnerability Reason",
        groups=FX_COMPLIANCE,
    )
    fx_classification_ids = fields.One2many(
        "fx.client.classification",
        "partner_id",
        string="Classification History",
        groups=FX_READ,
    )

    fx_can_classify = fields.Boolean(compute="_compute_fx_can_classify", groups=FX_READ)

    def _compute_fx_can_classify(self):
        self.fx_can_classify = self.env.user.has_group(FX_COMPLIANCE)

    # ------------------------------------------------------------------ writes
    @api.model_create_multi
    def create(self, vals_list):
        touched = [vals for vals in vals_list if CLASSIFICATION_FIELDS & set(vals)]
        if touched:
            self._fx_check_classification_access(
                set().union(*(set(vals) for vals in touched))
            )
            for vals in touched:
                self._fx_prepare_classification(vals)
        partners = super().create(vals_list)
        if touched:
            classified = partners.filtered(
                lambda p: p.sudo().fx_rule_set_id
                or p.sudo().fx_client_category not in (False, "retail")
                or p.sudo().fx_is_vulnerable
            )
            if classified:
                before = {p.id: (None, "retail", False) for p in classified}
                classified._fx_record_classification(before, "staff")
        return partners

    def write(self, vals):
        if not CLASSIFICATION_FIELDS & set(vals):
            return super().write(vals)
        # a form or Odoo's partner merge writes every field: only a real change
        # of the classification needs a compliance officer
        self._fx_check_classification_access(
            {
                name
                for name in CLASSIFICATION_FIELDS & set(vals)
                if any(
                    self._fields[name].convert_to_write(partner[name], partner)
                    != self._fields[name].convert_to_write(vals[name], partner)
                    for partner in self
                )
            }
        )
        vals = self._fx_prepare_classification(dict(vals))
        before = self._fx_classification_state()
        result = super().write(vals)
        self._fx_record_classification(before, "staff")
        return result

    def _fx_check_classification_access(self, fnames):
        if self.env.su or not (CLASSIFICATION_FIELDS & fnames):
            return
        if not self.env.user.has_group(FX_COMPLIANCE):
            raise AccessError(
                self.env._(
                    "Only compliance officers may change a client's licence, "
                    "category or vulnerability (%s).",
                    ", ".join(
                        self._fields[name].string
                        for name in sorted(CLASSIFICATION_FIELDS & fnames)
                    ),
                )
            )

    def _fx_prepare_classification(self, vals):
        """Check and complete the classification values of a create / write:
        a professional category needs evidence, a vulnerable flag a reason; a
        category change is dated today unless dated."""
        category = vals.get("fx_client_category")
        if "fx_client_category" in vals:
            if category in PROFESSIONAL:
                evidence = vals.get("fx_category_evidence")
                if not (evidence and evidence.strip()):
                    raise ValidationError(
                        self.env._(
                            "Classifying a client as %s needs the evidence "
                            "(Classification Evidence).",
                            dict(CLIENT_CATEGORIES)[category],
                        )
                    )
            elif not category:
                vals["fx_client_category"] = "retail"
            vals.setdefault("fx_category_date", fields.Date.context_today(self))
        if vals.get("fx_is_vulnerable"):
            reason = vals.get("fx_vulnerable_reason")
            if not (reason and reason.strip()):
                existing = self.sudo().filtered(lambda p: not p.fx_vulnerable_reason)
                if existing or not self:
                    raise ValidationError(
                        self.env._("A vulnerable client needs the reason recorded.")
                    )
        return vals

    def _fx_classification_state(self):
        return {
            row[0]: (row[1], row[2] or "retail", bool(row[3]))
            for row in self.env.execute_query(
                SQL(
                    "SELECT id, fx_rule_set_id, fx_client_category, fx_is_vulnerable "
                    "FROM res_partner WHERE id = ANY(%s)",
                    self.ids,
                )
            )
        }

    def _fx_record_classification(self, before, source):
        """History lines for the partners of ``self`` whose licence, category or
        vulnerability changed since ``before`` ({id: state}); their accounts'
        leverage is checked again."""
        self.flush_recordset()
        after = self._fx_classification_state()
        changed = [pid for pid, state in after.items() if before.get(pid) != state]
        if not changed:
            return
        self.env["fx.client.classification"]._fx_insert(changed, before, source)
        self.env["fx.trading.account"]._fx_check_leverage(partner_ids=changed)

    # ------------------------------------------------------------------ rules
    def _fx_compliance_rows(self, kind, binary_options=False):
        """Evaluate the rules for ``self`` in one query: ``{partner id:
        (rule set id, version, blocking rule or None)}``.

        ``kind`` is an incentive kind of the hook or ``marketing`` (a marketing
        e-mail / SMS); ``binary_options``: the message promotes binary options.
        The rules, first match wins (docs/COMPLIANCE.md#rules): a vulnerable
        client gets no marketing and no incentive; the rule set's incentives
        or copy trading per client category; binary-options marketing to a
        retail client; a marketing message under a rule set whose risk
        warning has no loss percentage yet."""
        if not self:
            return {}
        incentive = kind in INCENTIVE_KINDS
        marketing = kind == MARKETING
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, rs.id, rs.version,
                       CASE
                       WHEN p.fx_is_vulnerable AND (%(incentive)s OR %(marketing)s)
                            THEN 'vulnerable'
                       WHEN rs.id IS NULL THEN NULL
                       WHEN %(incentive)s AND NOT CASE p.category
                            WHEN 'professional' THEN rs.incentive_professional
                            WHEN 'elective' THEN rs.incentive_elective
                            ELSE rs.incentive_retail END
                            THEN 'incentive'
                       WHEN %(copy)s AND p.category = 'retail'
                            AND NOT rs.copy_trading_retail
                            THEN 'copy_trading'
                       WHEN %(binary)s AND p.category = 'retail'
                            AND NOT rs.binary_options_retail
                            THEN 'binary_options'
                       WHEN %(marketing)s AND rs.risk_warning->>'en_US' <> ''
                            AND rs.loss_pct_date IS NULL
                            THEN 'no_loss_pct'
                       END
                  FROM (SELECT id, fx_rule_set_id,
                               coalesce(fx_is_vulnerable, false) AS fx_is_vulnerable,
                               coalesce(fx_client_category, 'retail') AS category
                          FROM res_partner WHERE id = ANY(%(ids)s)) p
                  LEFT JOIN (
                        SELECT id, version, risk_warning, loss_pct_date,
                               coalesce(incentive_professional, false)
                                   AS incentive_professional,
                               coalesce(incentive_elective, false)
                                   AS incentive_elective,
                               coalesce(incentive_retail, false) AS incentive_retail,
                               coalesce(copy_trading_retail, false)
                                   AS copy_trading_retail,
                               coalesce(binary_options_retail, false)
                                   AS binary_options_retail
                          FROM fx_compliance_rule_set) rs ON rs.id = p.fx_rule_set_id
                 ORDER BY p.id
                """,
                ids=self.ids,
                incentive=incentive,
                marketing=marketing,
                copy=kind == "copy_trading",
                binary=bool(binary_options) and (marketing or incentive),
            )
        )
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    @api.model
    def _fx_rule_reason(self, rule, rule_set):
        """The reason logged for a blocked item: "blocked by rule X"."""
        labels = {
            "vulnerable": self.env._("vulnerable client: service messages only"),
            "incentive": self.env._("no incentives for this client category"),
            "copy_trading": self.env._("no copy trading for retail clients"),
            "binary_options": self.env._(
                "no binary-options marketing to retail clients"
            ),
            "no_loss_pct": self.env._(
                "the risk warning's loss percentage is not set "
                "(no marketing until it is)"
            ),
        }
        if rule == "vulnerable" or not rule_set:
            return self.env._("blocked by rule %s", labels[rule])
        return self.env._(
            "blocked by rule %(rule_set)s v%(version)s: %(rule)s",
            rule_set=rule_set.name,
            version=rule_set.version,
            rule=labels[rule],
        )

    def _fx_incentive_decide(self, kind, origin=None, record=True):
        """``(allowed, blocked, {partner: reason})`` for an incentive of
        ``kind``; with ``record``, each decision goes to the audit trail
        (granted or blocked, under which rule set and version)."""
        if kind not in HOOK_KINDS:
            raise ValidationError(
                self.env._(
                    "Unknown incentive kind %(kind)s (one of %(kinds)s).",
                    kind=kind,
                    kinds=", ".join(HOOK_KINDS),
                )
            )
        binary = bool(
            origin
            and getattr(origin, "_fx_promotes_binary_options", None)
            and origin._fx_promotes_binary_options()
        )
        rows = self._fx_compliance_rows(kind, binary_options=binary)
        reasons = self._fx_rule_reasons(rows)
        blocked = self.browse(list(reasons))
        allowed = self - blocked
        if record:
            self.env["fx.compliance.audit"]._fx_record_decisions(
                kind, rows, reasons, origin
            )
        return allowed, blocked, reasons

    def _fx_marketing_decide(self, channel, binary_options=False, origin=None):
        """``{partner id: reason}`` of the clients of ``self`` a marketing
        message of ``channel`` (``email`` or ``sms``) may not reach; those
        decisions go to the audit trail (the messages sent are recorded from
        their mailing traces)."""
        rows = self._fx_compliance_rows(MARKETING, binary_options=binary_options)
        reasons = self._fx_rule_reasons(rows)
        if reasons:
            self.env["fx.compliance.audit"].sudo()._fx_record_decisions(
                channel,
                {pid: rows[pid] for pid in reasons},
                reasons,
                origin=origin,
            )
        return reasons

    @api.model
    def _fx_rule_reasons(self, rows):
        """``{partner id: reason}`` of the blocked rows of
        ``_fx_compliance_rows``; each distinct (rule, rule set) is worded once."""
        RuleSet = (
            self.env["fx.compliance.rule.set"].sudo().with_context(active_test=False)
        )
        worded = {}
        reasons = {}
        for pid, (rule_set_id, _version, rule) in rows.items():
            if rule:
                key = (rule, rule_set_id)
                if key not in worded:
                    rule_set = RuleSet.browse(rule_set_id)
                    worded[key] = self._fx_rule_reason(rule, rule_set)
                reasons[pid] = worded[key]
        return reasons

    def _fx_incentive_check(self, kind, origin=None):
        """Hook for every incentive (compliance): which of these traders may be
        granted one now.

        ``kind`` names the incentive: ``bonus`` (campaign bonus step), ``reward``
        (referral reward redemption), ``prize`` (contest prize), ``points``
        (referral points), ``copy_trading`` (a copy subscription or pool). ``origin``
        is the record granting it (campaign step, redemption, contest, subscription),
        for the audit trail. Returns ``(allowed, blocked)``, two recordsets of
        res.partner. Each decision is recorded in the compliance audit trail:
        the allowed ones as granted (call it right before granting), the
        blocked ones with the rule that blocked them (docs/COMPLIANCE.md).
        """
        allowed, blocked, _reasons = self._fx_incentive_decide(kind, origin)
        return allowed, blocked

    @api.model
    def _fx_marketing_held_ids(self):
        """Ids of the clients no plain marketing mailing may reach
        (docs/COMPLIANCE.md#plain-mailings): the vulnerable ones, and those
        under a rule set whose risk warning has no dated loss percentage yet."""
        self.env["res.partner"].flush_model(["fx_is_vulnerable", "fx_rule_set_id"])
        self.env["fx.compliance.rule.set"].flush_model(
            ["loss_pct_date", "risk_warning"]
        )
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT p.id FROM res_partner p WHERE p.fx_is_vulnerable
                    UNION
                    SELECT p.id FROM res_partner p
                      JOIN fx_compliance_rule_set rs ON rs.id = p.fx_rule_set_id
                     WHERE rs.loss_pct_date IS NULL
                       AND coalesce(rs.risk_warning->>'en_US', '') <> ''
                    """
                )
            )
        ]

    # ------------------------------------------------------------------ warnings
    def _fx_risk_warnings(self, channel):
        """``{partner id: warning}``: the risk warning of each partner's rule
        set, in the partner's language (its own translation, else the
        language's generic one, e.g. ar_001 for ar_SY, else English), with the
        loss percentage filled in; ``channel`` ``sms`` takes the short warning.
        Partners whose rule set has none are left out."""
        if not self:
            return {}
        column = SQL.identifier(
            "risk_warning_short" if channel == "sms" else "risk_warning"
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, rs.loss_pct,
                       coalesce(
                           nullif(rs.%(col)s->>p.lang, ''),
                           nullif(rs.%(col)s->>(split_part(p.lang, '_', 1) || '_001'),
                                  ''),
                           rs.%(col)s->>'en_US')
                  FROM res_partner p
                  JOIN fx_compliance_rule_set rs ON rs.id = p.fx_rule_set_id
                 WHERE p.id = ANY(%(ids)s)
                """,
                col=column,
                ids=self.ids,
            )
        )
        return {pid: render_warning(text, pct) for pid, pct, text in rows if text}
