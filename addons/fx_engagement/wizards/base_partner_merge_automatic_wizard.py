from odoo import api, models
from odoo.tools import SQL

from ..models.res_partner_data_quality import MERGE_MARKER


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's partner merge, aware of traders: the duplicate review queue is
    kept up to date, the broker's client ID follows the contact kept, and the
    trader facts are recomputed from the accounts, fundings, trades and events
    that moved (instead of copying the merged contact's figures)."""

    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def default_get(self, fields):
        """The review queue names the contact to keep (``fx_dst_partner_id``,
        the older one of the pair); Odoo would pick by creation date."""
        result = super().default_get(fields)
        dst_id = self.env.context.get("fx_dst_partner_id")
        if dst_id and "dst_partner_id" in fields:
            result["dst_partner_id"] = dst_id
        return result

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        Partner = self.env["res.partner"]
        partners = Partner.browse(partner_ids).exists()
        if len(partners) < 2:
            return super()._merge(partner_ids, dst_partner, extra_checks)
        if dst_partner and dst_partner in partners:
            dst = dst_partner
        else:
            dst = self._get_ordered_partner(partners.ids)[-1]
        src = partners - dst
        # bookkeeping of the review queue and of the unique client ID: system
        # work on exactly the contacts being merged (the merge itself runs with
        # the user's rights and checks)
        self.env["fx.duplicate.pair"].sudo()._fx_before_merge(src, dst)
        self._fx_move_client_ref(src, dst)
        super(
            BasePartnerMergeAutomaticWizard,
            self.with_context(fx_merge_marker=MERGE_MARKER),
        )._merge(
            partner_ids, dst.with_context(fx_merge_marker=MERGE_MARKER), extra_checks
        )
        # the facts of a trader (or of a contact that now holds accounts) are
        # recomputed from what moved; other contacts stay as Odoo left them
        if dst.exists() and self._fx_is_trader(dst):
            dst.sudo()._fx_recompute_facts()
            self.env["fx.segment"].sudo()._fx_refresh_for_partners(dst.ids)
        return None

    def _fx_is_trader(self, partner):
        [(is_trader,)] = self.env.execute_query(
            SQL(
                "SELECT fx_is_trader IS TRUE OR EXISTS (SELECT 1 FROM "
                "fx_trading_account a WHERE a.partner_id = p.id) "
                "FROM res_partner p WHERE p.id = %s",
                partner.id,
            )
        )
        return is_trader

    def _fx_move_client_ref(self, src, dst):
        """The client ID is unique: the merged contacts give theirs up, and the
        kept contact takes the first one when it has none."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, fx_client_ref FROM res_partner WHERE id = ANY(%s) "
                "AND fx_client_ref IS NOT NULL ORDER BY id",
                [*src.ids, dst.id],
            )
        )
        refs = dict(rows)
        if not any(pid in refs for pid in src.ids):
            return
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET fx_client_ref = NULL WHERE id = ANY(%s)",
                src.ids,
            )
        )
        if dst.id not in refs:
            first = next(refs[pid] for pid in sorted(refs))
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET fx_client_ref = %s WHERE id = %s",
                    first,
                    dst.id,
                )
            )
        self.env["res.partner"].invalidate_model(["fx_client_ref"])
