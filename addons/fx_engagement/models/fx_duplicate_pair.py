"""Duplicate traders: two contacts sharing an e-mail, a phone number, a KYC
document id or a payment method, kept as a review queue
(docs/METRICS.md#duplicates)."""

import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# contacts sharing one key: every pair up to this many, beyond (a family
# e-mail, an agent's phone) each contact is paired with the oldest one only
ALL_PAIRS_UP_TO = 10
MATCHES = ("email", "phone", "kyc", "payment")


class FxDuplicatePair(models.Model):
    _name = "fx.duplicate.pair"
    _description = "Possible Duplicate Traders"
    _order = "state_sequence, id desc"
    _rec_name = "partner_a_id"

    partner_a_id = fields.Many2one(
        "res.partner",
        string="Trader",
        required=True,
        index=True,
        ondelete="cascade",
        help="The older contact of the two (the one kept by default when merged).",
    )
    partner_b_id = fields.Many2one(
        "res.partner",
        string="Possible Duplicate",
        index="btree_not_null",
        ondelete="cascade",
        help="Empty once merged: the duplicate was merged into the trader.",
    )
    company_id = fields.Many2one(
        "res.company", related="partner_a_id.company_id", store=True, string="Company"
    )
    match_email = fields.Boolean(string="Same E-mail", readonly=True)
    match_phone = fields.Boolean(string="Same Phone", readonly=True)
    match_kyc = fields.Boolean(string="Same KYC Document", readonly=True)
    match_payment = fields.Boolean(string="Same Payment Method", readonly=True)
    match_summary = fields.Char(string="Matched On", compute="_compute_match_summary")
    state = fields.Selection(
        [
            ("to_review", "To Review"),
            ("merged", "Merged"),
            ("not_duplicate", "Not a Duplicate"),
        ],
        default="to_review",
        required=True,
        readonly=True,
        index=True,
    )
    state_sequence = fields.Integer(
        compute="_compute_state_sequence", store=True, readonly=True
    )
    decided_uid = fields.Many2one("res.users", string="Decided By", readonly=True)
    decided_date = fields.Datetime(string="Decided On", readonly=True)
    merged_partner_name = fields.Char(
        string="Merged Contact",
        readonly=True,
        help="Name and id of the contact merged into the trader.",
    )
    # shown side by side on the form (read with the reviewer's rights)
    email_a = fields.Char(related="partner_a_id.email", string="E-mail (A)")
    email_b = fields.Char(related="partner_b_id.email", string="E-mail (B)")
    phone_a = fields.Char(related="partner_a_id.phone", string="Phone (A)")
    phone_b = fields.Char(related="partner_b_id.phone", string="Phone (B)")
    kyc_a = fields.Char(
        related="partner_a_id.fx_kyc_document_ref", string="KYC Document (A)"
    )
    kyc_b = fields.Char(
        related="partner_b_id.fx_kyc_document_ref", string="KYC Document (B)"
    )

    _sql_constraints = [
        (
            "pair_unique",
            "UNIQUE(partner_a_id, partner_b_id)",
            "This pair of traders is already in the review queue.",
        ),
        (
            "pair_ordered",
            "CHECK(partner_b_id IS NULL OR partner_a_id < partner_b_id)",
            "The first contact of a pair is the older one.",
        ),
    ]

    @api.depends("match_email", "match_phone", "match_kyc", "match_payment")
    def _compute_match_summary(self):
        labels = {name: self._fields[f"match_{name}"] for name in MATCHES}
        for pair in self:
            pair.match_summary = ", ".join(
                labels[name]._description_string(self.env)
                for name in MATCHES
                if pair[f"match_{name}"]
            )

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"to_review": 0, "not_duplicate": 1, "merged": 2}
        for pair in self:
            pair.state_sequence = order.get(pair.state, 9)

    # --------------------------------------------------------------- actions
    def _fx_decide(self, state):
        self.write(
            {
                "state": state,
                "decided_uid": self.env.uid,
                "decided_date": fields.Datetime.now(),
            }
        )

    def action_not_duplicate(self):
        """Remember that these contacts are different people: the pair is not
        proposed again."""
        pending = self.filtered(lambda p: p.state == "to_review")
        pending._fx_decide("not_duplicate")
        return True

    def action_reopen(self):
        """Back to the queue (a "not a duplicate" decision taken by mistake)."""
        self.filtered(lambda p: p.state == "not_duplicate").write(
            {"state": "to_review", "decided_uid": False, "decided_date": False}
        )
        return True

    def action_merge(self):
        """Odoo's own partner merge, with the two contacts preselected (the
        older one kept); the pair is marked merged when the merge is done."""
        self.ensure_one()
        if self.state != "to_review" or not self.partner_b_id:
            raise UserError(self.env._("Only a pair to review can be merged."))
        partners = self.partner_a_id | self.partner_b_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "fx_dst_partner_id": self.partner_a_id.id,
            },
        }

    # ------------------------------------------------------------- detection
    @api.model
    def _fx_detect(self):
        """Find every pair of active traders of one company sharing a key, in
        one statement: new pairs enter the queue, pairs to review get their
        current matches, pairs to review that no longer share anything leave
        it, decided pairs are kept as they are. Returns
        ``{"pairs": n, "new": n, "removed": n, "seconds": s}``."""
        start = time.monotonic()
        self.env.flush_all()
        now, uid = fields.Datetime.now(), self.env.uid
        # for this transaction only: the grouping of a few hundred thousand
        # keys stays in memory, and no JIT compilation (seconds of compiling
        # for a statement that runs once)
        self.env.cr.execute(SQL("SET LOCAL work_mem = '64MB'"))
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        # one scan of the contacts (and of the fundings' fingerprints) gives
        # every (kind, key, company, trader); the keys held by two traders or
        # more are found by a hash aggregate first, then only their holders
        # are collected and paired
        found = SQL(
            """
            WITH keyed AS MATERIALIZED (
                SELECT k.kind, k.key, coalesce(p.company_id, 0) AS company, p.id
                  FROM res_partner p,
                       LATERAL (VALUES
                           ('email', p.email_normalized),
                           ('phone', p.fx_phone_normalized),
                           ('phone', p.fx_mobile_normalized),
                           ('kyc', upper(regexp_replace(p.fx_kyc_document_ref,
                                                        '[^[:alnum:]]', '', 'g')))
                       ) AS k(kind, key)
                 WHERE p.fx_is_trader AND p.active
                   AND k.key IS NOT NULL AND k.key <> ''
                UNION ALL
                SELECT DISTINCT 'payment', f.method_fingerprint,
                       coalesce(p.company_id, 0), p.id
                  FROM fx_funding f JOIN res_partner p ON p.id = f.partner_id
                 WHERE f.method_fingerprint IS NOT NULL
                   AND p.fx_is_trader AND p.active
            ),
            shared AS (
                SELECT kind, key, company FROM keyed
                 GROUP BY kind, key, company HAVING min(id) <> max(id)
            ),
            grouped AS (
                SELECT array_agg(DISTINCT k.id ORDER BY k.id) AS ids, k.kind
                  FROM keyed k JOIN shared s USING (kind, key, company)
                 GROUP BY k.kind, k.key, k.company
            ),
            pairs AS (
                SELECT a.id AS a, b.id AS b, g.kind
                  FROM grouped g,
                       unnest(g.ids) WITH ORDINALITY AS a(id, i),
                       unnest(g.ids) WITH ORDINALITY AS b(id, j)
                 WHERE a.i < b.j
                   AND (cardinality(g.ids) <= %(all_pairs)s OR a.i = 1)
            )
            SELECT a, b, bool_or(kind = 'email') AS email,
                   bool_or(kind = 'phone') AS phone, bool_or(kind = 'kyc') AS kyc,
                   bool_or(kind = 'payment') AS payment
              FROM pairs GROUP BY a, b
            """,
            all_pairs=ALL_PAIRS_UP_TO,
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_duplicate_found ON COMMIT DROP AS %s
                """,
                found,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_duplicate_pair AS d
                       (partner_a_id, partner_b_id, company_id, match_email,
                        match_phone, match_kyc, match_payment, state,
                        state_sequence, create_uid, write_uid, create_date,
                        write_date)
                SELECT f.a, f.b, p.company_id, f.email, f.phone, f.kyc, f.payment,
                       'to_review', 0, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM fx_duplicate_found f JOIN res_partner p ON p.id = f.a
                ON CONFLICT (partner_a_id, partner_b_id) DO UPDATE
                   SET match_email = EXCLUDED.match_email,
                       match_phone = EXCLUDED.match_phone,
                       match_kyc = EXCLUDED.match_kyc,
                       match_payment = EXCLUDED.match_payment,
                       write_date = EXCLUDED.write_date
                 WHERE d.state = 'to_review'
                   AND (d.match_email, d.match_phone, d.match_kyc, d.match_payment)
                       IS DISTINCT FROM (EXCLUDED.match_email, EXCLUDED.match_phone,
                                         EXCLUDED.match_kyc, EXCLUDED.match_payment)
                RETURNING (xmax = 0)
                """,
                uid=uid,
                now=now,
            )
        )
        new = sum(1 for (inserted,) in self.env.cr.fetchall() if inserted)
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM fx_duplicate_pair d
                 WHERE d.state = 'to_review'
                   AND NOT EXISTS (SELECT 1 FROM fx_duplicate_found f
                                    WHERE f.a = d.partner_a_id
                                      AND f.b = d.partner_b_id)
                """
            )
        )
        removed = self.env.cr.rowcount
        [(pairs,)] = self.env.execute_query(
            SQL("SELECT count(*) FROM fx_duplicate_found")
        )
        self.env.cr.execute(SQL("DROP TABLE fx_duplicate_found"))
        self.invalidate_model()
        seconds = round(time.monotonic() - start, 3)
        _logger.info(
            "Duplicate traders: %s pairs found (%s new, %s gone) in %.2fs",
            pairs,
            new,
            removed,
            seconds,
        )
        return {"pairs": pairs, "new": new, "removed": removed, "seconds": seconds}

    @api.model
    def _fx_demo_decide(self, partner_ids):
        """Demo data: the pair of these two traders is not a duplicate."""
        self.search(
            [
                ("partner_a_id", "in", partner_ids),
                ("partner_b_id", "in", partner_ids),
            ]
        ).action_not_duplicate()

    @api.model
    def _cron_detect(self):
        result = self._fx_detect()
        self.env["ir.cron"]._notify_progress(done=result["pairs"], remaining=0)
        return result

    def action_detect_now(self):
        """Run the detection now (FX managers); returns a notification."""
        self.env["fx.duplicate.pair"].check_access("create")
        result = self.sudo()._fx_detect()  # system work over every trader
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(pairs)s possible duplicates found, %(new)s new.",
                    pairs=result["pairs"],
                    new=result["new"],
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ----------------------------------------------------------------- merge
    @api.model
    def _fx_before_merge(self, src_partners, dst_partner):
        """Called by Odoo's partner merge before it moves anything: the pairs
        between the merged contacts are marked merged (who, when, which
        contact); the other pairs of the contacts that disappear move to the
        one kept when decided ("not a duplicate" stays remembered), or leave
        the queue when still to review (the next detection proposes them
        again for the contact kept)."""
        src_ids = src_partners.ids
        all_ids = [*src_ids, dst_partner.id]
        names = ", ".join(f"{p.display_name} ({p.id})" for p in src_partners.sudo())
        now, uid = fields.Datetime.now(), self.env.uid
        cr = self.env.cr
        self.flush_model()
        cr.execute(
            SQL(
                """
                UPDATE fx_duplicate_pair
                   SET state = 'merged', state_sequence = 2, decided_uid = %(uid)s,
                       decided_date = %(now)s, partner_a_id = %(dst)s,
                       partner_b_id = NULL, merged_partner_name = %(names)s,
                       write_uid = %(uid)s, write_date = %(now)s
                 WHERE partner_a_id = ANY(%(ids)s) AND partner_b_id = ANY(%(ids)s)
                   AND state <> 'merged'
                """,
                uid=uid,
                now=now,
                dst=dst_partner.id,
                names=names,
                ids=all_ids,
            )
        )
        cr.execute(
            SQL(
                """
                DELETE FROM fx_duplicate_pair
                 WHERE state = 'to_review'
                   AND (partner_a_id = ANY(%(src)s) OR partner_b_id = ANY(%(src)s))
                """,
                src=src_ids,
            )
        )
        # decided pairs of a merged contact: to the one kept
        cr.execute(
            SQL(
                """
                WITH moved AS (
                    DELETE FROM fx_duplicate_pair
                     WHERE state = 'not_duplicate'
                       AND (partner_a_id = ANY(%(src)s) OR partner_b_id = ANY(%(src)s))
                    RETURNING CASE WHEN partner_a_id = ANY(%(src)s) THEN partner_b_id
                                   ELSE partner_a_id END AS other,
                              company_id, match_email, match_phone, match_kyc,
                              match_payment, decided_uid, decided_date
                )
                INSERT INTO fx_duplicate_pair
                       (partner_a_id, partner_b_id, company_id, match_email,
                        match_phone, match_kyc, match_payment, state,
                        state_sequence, decided_uid, decided_date, create_uid,
                        write_uid, create_date, write_date)
                SELECT DISTINCT ON (least(other, %(dst)s), greatest(other, %(dst)s))
                       least(other, %(dst)s), greatest(other, %(dst)s), company_id,
                       match_email, match_phone, match_kyc, match_payment,
                       'not_duplicate', 1, decided_uid, decided_date, %(uid)s,
                       %(uid)s, %(now)s, %(now)s
                  FROM moved WHERE other <> %(dst)s AND other <> ALL(%(src)s)
                ON CONFLICT (partner_a_id, partner_b_id) DO NOTHING
                """,
                src=src_ids,
                dst=dst_partner.id,
                uid=uid,
                now=now,
            )
        )
        self.invalidate_model()
