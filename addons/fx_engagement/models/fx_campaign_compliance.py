from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner_compliance import MARKETING


class FxCampaign(models.Model):
    _inherit = "fx.campaign"

    fx_promotes_binary_options = fields.Boolean(
        string="Promotes Binary Options",
        help="The campaign markets binary options: under rule sets that forbid it, "
        "its messages and bonuses never reach retail clients.",
    )
    fx_compliance_blocked = fields.Integer(
        string="Blocked by Compliance",
        compute="_compute_fx_compliance_preview",
        help="Traders of the current audience whom at least one compliance rule "
        "will block at one step or more.",
    )
    fx_compliance_preview = fields.Html(
        string="Compliance Preview",
        compute="_compute_fx_compliance_preview",
        sanitize=False,
    )

    @api.depends(
        "step_ids.action_type",
        "step_ids.is_transactional",
        "segment_id",
        "domain",
        "is_test",
        "fx_promotes_binary_options",
    )
    @api.depends_context("uid")  # each viewer counts the traders they may see
    def _compute_fx_compliance_preview(self):
        for campaign in self:
            lines = campaign._fx_compliance_preview() if campaign.id else []
            campaign.fx_compliance_blocked = len(
                {pid for line in lines for pid in line["partner_ids"]}
            )
            campaign.fx_compliance_preview = campaign._fx_preview_html(lines)

    def _fx_compliance_preview(self):
        """For the campaign's current audience: how many traders each rule
        will block, per kind of step (marketing messages, bonus offers), as a
        list of ``{"kind", "rule", "rule_set_id", "reason", "steps", "count",
        "partner_ids"}``, most blocked first. Set-based: one query for the
        audience, one per kind of step."""
        self.ensure_one()
        steps_by_kind = {}
        for step in self.step_ids:
            kind = step._fx_compliance_kind()
            if kind:
                steps_by_kind.setdefault(kind, step.browse())
                steps_by_kind[kind] |= step
        if not steps_by_kind:
            return []
        audience = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT p.id FROM res_partner p WHERE %s AND %s",
                    self._fx_audience_sql(),
                    # counts shown to a salesperson cover the traders they may see
                    self.env["fx.segment"]._fx_visible_scope(SQL("p.id")),
                )
            )
        ]
        Partner = self.env["res.partner"].browse(audience)
        RuleSet = (
            self.env["fx.compliance.rule.set"].sudo().with_context(active_test=False)
        )
        lines = []
        for kind, steps in steps_by_kind.items():
            rows = Partner._fx_compliance_rows(
                kind, binary_options=self.fx_promotes_binary_options
            )
            groups = {}
            for pid, (rule_set_id, _version, rule) in rows.items():
                if rule:
                    key = (rule, rule_set_id if rule != "vulnerable" else None)
                    groups.setdefault(key, []).append(pid)
            for (rule, rule_set_id), pids in groups.items():
                lines.append(
                    {
                        "kind": kind,
                        "rule": rule,
                        "rule_set_id": rule_set_id,
                        "reason": Partner._fx_rule_reason(
                            rule, RuleSet.browse(rule_set_id)
                        ),
                        "steps": steps.mapped("name"),
                        "count": len(pids),
                        "partner_ids": pids,
                    }
                )
        lines.sort(key=lambda line: (-line["count"], line["kind"], line["rule"]))
        return lines

    def _fx_preview_html(self, lines):
        if not lines:
            return Markup("<p>%s</p>") % self.env._(
                "No compliance rule blocks anyone of the current audience."
            )
        kinds = {
            MARKETING: self.env._("Marketing messages"),
            "bonus": self.env._("Bonus offers"),
        }
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>"
            )
            % (
                kinds.get(line["kind"], line["kind"]),
                line["reason"],
                ", ".join(line["steps"]),
                line["count"],
            )
            for line in lines
        )
        head = Markup(
            "<thead><tr><th>%s</th><th>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "</tr></thead>"
        ) % (
            self.env._("Steps"),
            self.env._("Rule"),
            self.env._("Step Names"),
            self.env._("Traders Blocked"),
        )
        return Markup("<table class='table table-sm'>%s<tbody>%s</tbody></table>") % (
            head,
            rows,
        )
