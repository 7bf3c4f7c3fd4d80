"""The sync API's compliance keys: ``push_accounts`` carries the client's
licence entity (a rule set code) and client category; leverage is checked
against the caps after each account and trade push (docs/COMPLIANCE.md)."""

from dataclasses import replace

from odoo import fields, models
from odoo.tools import SQL

from ..lib.validation import Field
from .res_partner_compliance import PROFESSIONAL

CLASSIFICATION_SCHEMA = {
    "licence": Field("str", max_len=32),
    "client_category": Field(
        "enum", choices=("retail", "elective", "professional"), lower=True
    ),
    "category_evidence": Field("str", max_len=1000, multiline=True),
}


class FxSync(models.AbstractModel):
    _inherit = "fx.sync"

    def _push_declaration(self, method):
        push = super()._push_declaration(method)
        if method == "push_accounts":
            first, *others = push.resolve or ((),)
            push = replace(
                push,
                schema={**push.schema, **CLASSIFICATION_SCHEMA},
                resolve=((*first, "_resolve_licences"), *others),
            ).extend(after=("_apply_classification",))
        elif method == "push_trades":
            push = push.extend(after=("_check_trade_leverage",))
        return push

    def _resolve_licences(self, rows, errors):
        """``rule_set_id`` of each row's ``licence`` (an active rule set code);
        a professional category needs its evidence; one client gets one
        classification per batch."""
        codes = {row["licence"] for row in rows if row.get("licence")}
        found = (
            dict(
                self.env.execute_query(
                    SQL(
                        "SELECT code, id FROM fx_compliance_rule_set "
                        "WHERE code = ANY(%s) AND active",
                        list(codes),
                    )
                )
            )
            if codes
            else {}
        )
        seen = {}
        for index, row in enumerate(rows):
            licence = row.get("licence")
            row["rule_set_id"] = found.get(licence) if licence else None
            if licence and row["rule_set_id"] is None:
                errors.append(
                    (index, "licence", f"unknown or archived licence {licence!r}")
                )
            category = row.get("client_category")
            evidence = (row.get("category_evidence") or "").strip()
            if category in PROFESSIONAL and not evidence:
                errors.append(
                    (
                        index,
                        "category_evidence",
                        f"missing: the evidence is required for category {category!r}",
                    )
                )
            client = row.get("client_ref") or row.get("email")
            if not (licence or category) or not client:
                continue
            previous = seen.setdefault(client, (index, licence, category))
            if previous[1:] != (licence, category) and (
                (previous[1] and licence and previous[1] != licence)
                or (previous[2] and category and previous[2] != category)
            ):
                errors.append(
                    (
                        index,
                        "licence" if previous[1] != licence else "client_category",
                        f"client {client!r} is classified differently in record "
                        f"{previous[0]} of the batch",
                    )
                )

    def _apply_classification(self, rows):
        """Set the licence / category pushed on each client, set-based; each
        change is recorded in the classification history (source: API) and
        the clients' accounts are checked against the leverage caps."""
        wanted = {}
        for row in rows:
            if row.get("rule_set_id") or row.get("client_category"):
                current = wanted.setdefault(row["partner_id"], {})
                if row.get("rule_set_id"):
                    current["rule_set_id"] = row["rule_set_id"]
                if row.get("client_category"):
                    current["category"] = row["client_category"]
                    current["evidence"] = row.get("category_evidence")
        partner_ids = sorted({row["partner_id"] for row in rows})
        if wanted:
            Partner = self.env["res.partner"].browse(sorted(wanted))
            before = Partner._fx_classification_state()
            ids = sorted(wanted)
            changed = self.env.execute_query(
                SQL(
                    """
                    WITH w AS (
                        SELECT w.*, w.category IS NOT NULL AND w.category
                                    IS DISTINCT FROM coalesce(p.fx_client_category,
                                                              'retail') AS recategorised
                          FROM unnest(%(ids)s::int4[], %(sets)s::int4[],
                                      %(cats)s::varchar[], %(evidence)s::text[])
                               AS w(id, rule_set_id, category, evidence)
                          JOIN res_partner p ON p.id = w.id
                    )
                    UPDATE res_partner p
                       SET fx_rule_set_id = coalesce(w.rule_set_id, p.fx_rule_set_id),
                           fx_client_category = coalesce(w.category,
                                                         p.fx_client_category),
                           fx_category_date = CASE WHEN w.recategorised
                               THEN %(today)s ELSE p.fx_category_date END,
                           fx_category_evidence = CASE WHEN w.recategorised
                               THEN w.evidence ELSE p.fx_category_evidence END
                      FROM w
                     WHERE p.id = w.id
                       AND (w.recategorised OR coalesce(w.rule_set_id, p.fx_rule_set_id)
                                               IS DISTINCT FROM p.fx_rule_set_id)
                    RETURNING p.id
                    """,
                    ids=ids,
                    sets=[wanted[pid].get("rule_set_id") for pid in ids],
                    cats=[wanted[pid].get("category") for pid in ids],
                    evidence=[wanted[pid].get("evidence") for pid in ids],
                    today=fields.Date.today(),
                )
            )
            self.env["res.partner"].invalidate_model(
                [
                    "fx_rule_set_id",
                    "fx_client_category",
                    "fx_category_date",
                    "fx_category_evidence",
                ]
            )
            changed_ids = [row[0] for row in changed]
            if changed_ids:
                self.env["fx.client.classification"]._fx_insert(
                    changed_ids, before, "api"
                )
        self.env["fx.trading.account"]._fx_check_leverage(partner_ids=partner_ids)
        return set()

    def _check_trade_leverage(self, rows):
        """The instruments traded decide an account's cap: check the accounts
        of the batch again."""
        account_ids = sorted({row["account_id"] for row in rows})
        self.env["fx.trading.account"]._fx_check_leverage(account_ids=account_ids)
        return set()
