"""The points ledger (docs/REFERRALS.md#points-ledger): append-only entries;
balances and leaderboard totals are derived from them."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

ENTRY_KINDS = [
    ("earned", "Earned"),
    ("vested", "Vested"),
    ("spent", "Spent"),
    ("reversed", "Reversed"),
    ("expired", "Expired"),
    ("adjusted", "Manual Adjustment"),
    ("blocked", "Blocked by Compliance"),
]
# kinds whose points count for leaderboards and levels (what was earned, net of
# reversals and manual adjustments; spending never lowers a rank)
SCORE_KINDS = ("earned", "reversed", "adjusted")
ALL_TIME = "all"
# the cutoff of the last points expiry run (docs/REFERRALS.md#expiry)
EXPIRED_UNTIL = "fx_referrals.points_expired_until"


class FxPointsEntry(models.Model):
    _name = "fx.points.entry"
    _description = "Points Ledger Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="restrict"
    )
    programme_id = fields.Many2one(
        "fx.referral.programme", required=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="programme_id.company_id", store=True)
    kind = fields.Selection(ENTRY_KINDS, required=True)
    points = fields.Integer(help="Change of the balance (negative: a debit).")
    vested_points = fields.Integer(help="Change of the vested (spendable) balance.")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    vest_date = fields.Datetime(
        string="Vests On", help="Earned points become spendable on this date."
    )
    event_code = fields.Char(string="Event")
    res_model = fields.Char(string="Source Model")
    res_id = fields.Many2oneReference(string="Source ID", model_field="res_model")
    source = fields.Char(compute="_compute_source", string="Source Record")
    origin_entry_id = fields.Many2one(
        "fx.points.entry",
        string="Settles",
        index="btree_not_null",
        help="The earned entry this entry vests, reverses or expires.",
    )
    reason = fields.Char(translate=False)
    user_id = fields.Many2one(
        "res.users",
        string="By",
        default=lambda self: self.env.user,
        help="Who recorded the entry (the system for automatic ones).",
    )

    def init(self):
        cr = self.env.cr
        # an event earns its points once per (trader, programme, event, source)
        cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS fx_points_entry_event_once "
            "ON fx_points_entry (partner_id, programme_id, event_code, res_model, "
            "res_id) WHERE kind IN ('earned', 'blocked')"
        )
        # an earned entry is settled (vested, reversed, expired) once per kind
        cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS fx_points_entry_settled_once "
            "ON fx_points_entry (origin_entry_id, kind) "
            "WHERE origin_entry_id IS NOT NULL"
        )
        cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_points_entry_vesting "
            "ON fx_points_entry (vest_date) WHERE kind = 'earned'"
        )
        cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_points_entry_source "
            "ON fx_points_entry (res_model, res_id) WHERE res_id IS NOT NULL"
        )

    def _compute_source(self):
        for entry in self:
            entry.source = (
                entry.env[entry.res_model].browse(entry.res_id).sudo().display_name
                if entry.res_model in entry.env and entry.res_id
                else False
            )

    # ---------------------------------------------------------------- ORM
    @api.model_create_multi
    def create(self, vals_list):
        """Only manual adjustments are created through the ORM (managers, with a
        reason); the system writes the other kinds in SQL."""
        for vals in vals_list:
            if vals.get("kind", "adjusted") != "adjusted":
                raise ValidationError(
                    self.env._(
                        "Only manual adjustments can be recorded by hand; %s "
                        "entries are written by the programme.",
                        vals.get("kind"),
                    )
                )
            if not (vals.get("reason") or "").strip():
                raise ValidationError(
                    self.env._("A manual points adjustment needs a reason.")
                )
            if not vals.get("points"):
                raise ValidationError(
                    self.env._("A manual points adjustment needs points (not 0).")
                )
            vals["kind"] = "adjusted"
            vals["vested_points"] = vals["points"]
            vals["user_id"] = self.env.user.id
        if not self.env.is_superuser() and not self.env.user.has_group(
            "fx_referrals.group_fx_referral_manager"
        ):
            raise AccessError(
                self.env._("Only referral managers adjust points by hand.")
            )
        entries = super().create(vals_list)
        self.env.flush_all()
        self._fx_add_totals(entries.ids)
        self.env["fx.referral.level"]._fx_update_levels(entries.partner_id.ids)
        return entries

    def write(self, vals):  # pylint: disable=method-required-super
        # append-only: an entry is never changed (docs/REFERRALS.md#points-ledger)
        raise UserError(
            self.env._(
                "The points ledger is append-only: record a manual adjustment "
                "instead of changing an entry."
            )
        )

    @api.ondelete(at_uninstall=True)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "The points ledger is append-only: record a manual adjustment "
                "instead of deleting an entry."
            )
        )

    # ----------------------------------------------------------- the ledger
    def _fx_insert(self, rows):
        """Insert ledger ``rows`` (dicts of columns) in one statement, skipping
        those the unique indexes refuse (an event already rewarded, an entry
        already settled); return the created entries."""
        if not rows:
            return self.browse()
        now = fields.Datetime.now()
        uid = self.env.uid
        cols = [
            "partner_id",
            "programme_id",
            "company_id",
            "kind",
            "points",
            "vested_points",
            "date",
            "vest_date",
            "event_code",
            "res_model",
            "res_id",
            "origin_entry_id",
            "reason",
            "user_id",
        ]
        values = {c: [row.get(c) for row in rows] for c in cols}
        values["date"] = [d or now for d in values["date"]]
        values["user_id"] = [u or uid for u in values["user_id"]]
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO fx_points_entry
                           (partner_id, programme_id, company_id, kind, points,
                            vested_points, date, vest_date, event_code, res_model,
                            res_id, origin_entry_id, reason, user_id,
                            create_uid, write_uid, create_date, write_date)
                    SELECT s.*, %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM unnest(%(partner)s::int4[], %(programme)s::int4[],
                                  %(company)s::int4[], %(kind)s::varchar[],
                                  %(points)s::int4[], %(vested)s::int4[],
                                  %(date)s::timestamp[], %(vest)s::timestamp[],
                                  %(event)s::varchar[], %(model)s::varchar[],
                                  %(res)s::int4[], %(origin)s::int4[],
                                  %(reason)s::varchar[], %(user)s::int4[]) AS s
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """,
                    uid=uid,
                    now=now,
                    partner=values["partner_id"],
                    programme=values["programme_id"],
                    company=values["company_id"],
                    kind=values["kind"],
                    points=values["points"],
                    vested=values["vested_points"],
                    date=values["date"],
                    vest=values["vest_date"],
                    event=values["event_code"],
                    model=values["res_model"],
                    res=values["res_id"],
                    origin=values["origin_entry_id"],
                    reason=values["reason"],
                    user=values["user_id"],
                )
            )
        ]
        self._fx_add_totals(ids)
        self.invalidate_model()
        # levels follow the score: vesting, spending and expiry leave it
        scored = {row["partner_id"] for row in rows if row["kind"] in SCORE_KINDS}
        if ids and scored:
            self.env["fx.referral.level"]._fx_update_levels(sorted(scored))
        return self.browse(ids)

    @api.model
    def _fx_add_totals(self, ids):
        """Add the score of the new entries ``ids`` to the leaderboard totals
        (fx.points.total), this month's and all time's."""
        if not ids:
            return
        self.env.cr.execute(
            SQL(
                """
                WITH e AS (
                    SELECT partner_id, programme_id, points,
                           to_char(date, 'YYYY-MM') AS month
                      FROM fx_points_entry
                     WHERE id = ANY(%(ids)s) AND kind IN %(kinds)s AND points <> 0
                ), d AS (
                    SELECT partner_id, programme_id, month AS period, sum(points) AS p
                      FROM e GROUP BY 1, 2, 3
                    UNION ALL
                    SELECT partner_id, programme_id, %(all)s, sum(points)
                      FROM e GROUP BY 1, 2
                )
                INSERT INTO fx_points_total (partner_id, programme_id, period, points)
                SELECT partner_id, programme_id, period, p FROM d ORDER BY 1, 2, 3
                ON CONFLICT (programme_id, period, partner_id)
                DO UPDATE SET points = fx_points_total.points + EXCLUDED.points
                """,
                ids=list(ids),
                kinds=SCORE_KINDS,
                all=ALL_TIME,
            )
        )
        self.env["fx.points.total"].invalidate_model()

    @api.model
    def _fx_award_event(self, partners, event_code, source):
        """Award each of ``partners`` the points of the active point rules for
        ``event_code`` (in every programme running today whose segment admits
        them), once per (partner, programme, event_code, ``source``), where
        ``source`` is a record (e.g. a copy subscription). Traders the
        compliance hook blocks get a 0-point *blocked* entry naming it. Returns
        the created entries (earned and blocked)."""
        source.ensure_one()
        return self._fx_award_many(
            [(partner, source) for partner in partners.exists()], event_code
        )

    @api.model
    def _fx_award_many(self, pairs, event_code=None):
        """:meth:`_fx_award_event` for many ``(partner, source)`` pairs at once,
        or ``(partner, source, event_code)`` triples: one compliance check per
        programme and event, one INSERT for all."""
        if not pairs:
            return self.browse()
        now = fields.Datetime.now()
        by_event = {}
        for item in pairs:
            partner, source = item[0], item[1]
            event = item[2] if len(item) > 2 else event_code
            by_event.setdefault(event, []).append((partner, source))
        rows = []
        for event, event_pairs in by_event.items():
            rows += self._fx_award_rows(event, event_pairs, now)
        return self.sudo()._fx_insert(rows)

    @api.model
    def _fx_award_rows(self, event_code, pairs, now):
        """The ledger rows of ``event_code`` for ``pairs`` (earned, or blocked by
        the compliance hook)."""
        rows = []
        partners = self.env["res.partner"].browse({p.id for p, _s in pairs})
        sources = {s for _p, s in pairs}
        for rule in self.env["fx.points.rule"]._fx_rules_for(event_code, now.date()):
            programme = rule.programme_id
            eligible = programme._fx_eligible(partners)
            if not eligible:
                continue
            origin = next(iter(sources)) if len(sources) == 1 else programme
            allowed, blocked = eligible._fx_incentive_check("points", origin=origin)
            allowed_ids, blocked_ids = set(allowed.ids), set(blocked.ids)
            base = {
                "programme_id": programme.id,
                "company_id": programme.company_id.id,
                "event_code": event_code,
                "date": now,
            }
            vest = now + programme._fx_hold_delta()
            for partner, source in pairs:
                common = {
                    **base,
                    "partner_id": partner.id,
                    "res_model": source._name,
                    "res_id": source.id,
                }
                if partner.id in allowed_ids:
                    rows.append(
                        {
                            **common,
                            "kind": "earned",
                            "points": rule.points,
                            "vested_points": 0,
                            "vest_date": vest,
                            "reason": rule.name,
                        }
                    )
                elif partner.id in blocked_ids:
                    rows.append(
                        {
                            **common,
                            "kind": "blocked",
                            "points": 0,
                            "vested_points": 0,
                            "reason": self.env._("Blocked by the incentive rules"),
                        }
                    )
        return rows

    @api.model
    def _fx_vest_due(self, now=None):
        """Vest the earned entries whose hold period is over and that were
        neither reversed nor vested: one *vested* entry each. Returns their
        count."""
        now = now or fields.Datetime.now()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT e.id AS origin_entry_id, e.partner_id, e.programme_id,
                       e.company_id, e.points AS vested_points, e.event_code,
                       e.res_model, e.res_id
                  FROM fx_points_entry e
                 WHERE e.kind = 'earned' AND e.vest_date <= %s
                   AND NOT EXISTS (SELECT 1 FROM fx_points_entry s
                                    WHERE s.origin_entry_id = e.id
                                      AND s.kind IN ('vested', 'reversed'))
                 ORDER BY e.id
                """,
                now,
            )
        )
        for row in rows:
            row.update(kind="vested", points=0, date=now)
        return len(self.sudo()._fx_insert(rows))

    @api.model
    def _fx_validity_months(self):
        """The setting *Points Expire After* (months; 0: never)."""
        get = self.env["ir.config_parameter"].sudo().get_param
        try:
            return max(0, int(get("fx_referrals.points_validity_months") or 0))
        except ValueError:
            return 0

    @api.model
    def _fx_expiry_rows(self, cutoff, partner_ids=None, since=None):
        """What expires at ``cutoff`` (docs/REFERRALS.md#expiry): per trader
        and programme, the spendable points of the lots that became spendable
        before ``cutoff`` and are not spent yet, spending taking the oldest
        first. A lot is an entry adding spendable points (a vesting, net of
        its reversal; a positive adjustment; a refused reward's refund); what
        is left of the vested balance sits in the newest lots. With
        ``since``, only the traders with a lot dated from ``since`` (the
        previous run's cutoff: the others have nothing left to expire). One
        query: ``[{partner_id, programme_id, company_id, points}]`` (points >
        0)."""
        only = SQL()
        if partner_ids is not None:
            only = SQL("AND partner_id = ANY(%s)", list(partner_ids))
        if since:
            only = SQL("%s AND date >= %s", only, since)
        return self.env.execute_query_dict(
            SQL(
                """
                WITH traders AS (
                    SELECT DISTINCT partner_id FROM fx_points_entry
                     WHERE vested_points > 0 AND date < %(cutoff)s %(only)s
                ), balance AS (
                    SELECT e.partner_id, sum(e.vested_points) AS vested
                      FROM fx_points_entry e JOIN traders USING (partner_id)
                     GROUP BY e.partner_id
                ), lots AS (
                    SELECT l.id, l.partner_id, l.programme_id, l.company_id, l.date,
                           l.vested_points + CASE WHEN l.kind = 'vested' THEN
                               coalesce((SELECT sum(r.vested_points)
                                           FROM fx_points_entry r
                                          WHERE r.origin_entry_id = l.origin_entry_id
                                            AND r.kind = 'reversed'
                                            AND r.vested_points < 0), 0)
                               ELSE 0 END AS value
                      FROM fx_points_entry l JOIN traders USING (partner_id)
                     WHERE l.vested_points > 0
                ), left_in AS (
                    SELECT lots.*, greatest(0, least(lots.value,
                               b.vested - coalesce(sum(lots.value) OVER (
                                   PARTITION BY lots.partner_id
                                   ORDER BY lots.date DESC, lots.id DESC
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                               0))) AS unspent
                      FROM lots JOIN balance b USING (partner_id)
                     WHERE lots.value > 0
                )
                SELECT partner_id, programme_id, company_id,
                       sum(unspent)::int4 AS points
                  FROM left_in
                 WHERE date < %(cutoff)s
                 GROUP BY partner_id, programme_id, company_id
                HAVING sum(unspent) > 0
                 ORDER BY partner_id, programme_id
                """,
                cutoff=cutoff,
                only=only,
            )
        )

    @api.model
    def _fx_expire_due(self, now=None):
        """Expire the points spendable for longer than the setting *Points
        Expire After* allows: one *expired* entry per trader and programme
        (a debit of the balance and of the spendable balance). Nothing when
        the setting is 0. Returns the entries created."""
        months = self._fx_validity_months()
        if not months:
            return self.browse()
        now = now or fields.Datetime.now()
        cutoff = now - relativedelta(months=months)
        # lots are dated when they add points (now): what the previous run
        # left can only change for the lots that crossed the cutoff since
        icp = self.env["ir.config_parameter"].sudo()
        since = fields.Datetime.to_datetime(icp.get_param(EXPIRED_UNTIL) or None)
        if since and since >= cutoff:
            return self.browse()
        reason = self.env._(
            "spendable since before %(date)s: points expire after %(months)s months",
            date=fields.Date.to_string(cutoff.date()),
            months=months,
        )
        rows = self._fx_expiry_rows(cutoff, since=since)
        icp.set_param(EXPIRED_UNTIL, fields.Datetime.to_string(cutoff))
        for row in rows:
            row.update(
                kind="expired",
                points=-row["points"],
                vested_points=-row["points"],
                date=now,
                event_code="expiry",
                reason=reason,
            )
        return self.sudo()._fx_insert(rows)

    @api.model
    def _fx_expiring(self, partner, days=30, now=None):
        """(points, date): what of ``partner``'s points will have expired
        ``days`` from now if not spent, and that date; (0, None) when
        nothing (or when points never expire)."""
        months = self._fx_validity_months()
        if not months:
            return 0, None
        at = (now or fields.Datetime.now()) + timedelta(days=days)
        rows = self._fx_expiry_rows(at - relativedelta(months=months), [partner.id])
        points = sum(row["points"] for row in rows)
        return (points, at.date()) if points else (0, None)

    @api.model
    def _fx_reverse_sources(self, res_model, res_ids, reason, vested_too=True):
        """Reverse the earned points of the sources ``res_ids`` not reversed
        yet (vested ones too unless ``vested_too`` is False): one *reversed*
        entry each, debiting the balance and, if vested, the vested balance."""
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT e.id AS origin_entry_id, e.partner_id, e.programme_id,
                       e.company_id, -e.points AS points,
                       CASE WHEN v.id IS NULL THEN 0 ELSE -e.points END
                           AS vested_points,
                       e.event_code, e.res_model, e.res_id
                  FROM fx_points_entry e
                  LEFT JOIN fx_points_entry v
                         ON v.origin_entry_id = e.id AND v.kind = 'vested'
                 WHERE e.kind = 'earned' AND e.res_model = %s AND e.res_id = ANY(%s)
                   AND NOT EXISTS (SELECT 1 FROM fx_points_entry r
                                    WHERE r.origin_entry_id = e.id
                                      AND r.kind = 'reversed')
                   AND (%s OR v.id IS NULL)
                 ORDER BY e.id
                """,
                res_model,
                list(res_ids),
                vested_too,
            )
        )
        for row in rows:
            row.update(kind="reversed", reason=reason)
        return self.sudo()._fx_insert(rows)

    @api.model
    def _fx_balances(self, partner_ids):
        """{partner_id: (balance, vested balance)}."""
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, sum(points), sum(vested_points) "
                "FROM fx_points_entry WHERE partner_id = ANY(%s) GROUP BY partner_id",
                list(partner_ids),
            )
        )
        return {pid: (int(b or 0), int(v or 0)) for pid, b, v in rows}

    # ----------------------------------------------- responsible behaviour
    @api.model
    def _fx_award_kyc(self, partner_ids):
        """``kyc_completed`` for the traders of ``partner_ids`` whose KYC is
        approved and who were not rewarded for it yet (the trader is the
        source: once each)."""
        if not partner_ids or not self.env["fx.points.rule"]._fx_rules_for(
            "kyc_completed", fields.Date.today()
        ):
            return self.browse()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT p.id FROM res_partner p
                     WHERE p.id = ANY(%s) AND p.fx_kyc_status = 'approved'
                       AND NOT EXISTS (
                           SELECT 1 FROM fx_points_entry e
                            WHERE e.partner_id = p.id
                              AND e.event_code = 'kyc_completed'
                              AND e.kind IN ('earned', 'blocked'))
                    """,
                    list(partner_ids),
                )
            )
        ]
        partners = self.env["res.partner"].browse(ids)
        return self._fx_award_many([(p, p) for p in partners], "kyc_completed")

    @api.model
    def _fx_award_behaviour(self, day=None):
        """The responsible-behaviour points of the month before ``day``
        (docs/REFERRALS.md#responsible-behaviour): completed education
        courses (surveys marked so), stop-losses on most trades, leverage kept
        low. Never for volume alone."""
        day = day or fields.Date.today()
        created = self.browse()
        done = (
            self.env["survey.user_input"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("survey_id.fx_is_education", "=", True),
                    ("partner_id.fx_is_trader", "=", True),
                    "|",
                    ("survey_id.scoring_type", "=", "no_scoring"),
                    ("scoring_success", "=", True),
                ]
            )
        )
        created |= self._fx_award_many(
            [(i.partner_id, i) for i in done], "survey_completed"
        )
        period = self.env["fx.points.period"]._fx_previous_month(day)
        get = self.env["ir.config_parameter"].sudo().get_param
        min_trades = int(get("fx_referrals.stop_loss_min_trades") or 5)
        max_leverage = int(get("fx_referrals.max_leverage") or 100)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT t.partner_id,
                       count(*) FILTER (WHERE t.stop_loss > 0) * 2 > count(*)
                           AND count(*) >= %(min)s,
                       max(a.leverage) <= %(lev)s AND min(a.leverage) > 0
                  FROM fx_trade t
                  JOIN fx_trading_account a ON a.id = t.account_id
                   AND a.account_type = 'live'
                 WHERE t.state = 'closed' AND t.close_time >= %(start)s
                   AND t.close_time < %(end)s
                 GROUP BY t.partner_id
                """,
                min=min_trades,
                lev=max_leverage,
                start=period.date_start,
                end=period.date_end + timedelta(days=1),
            )
        )
        Partner = self.env["res.partner"]
        stop = Partner.browse([p for p, sl, _lev in rows if sl])
        low = Partner.browse([p for p, _sl, lev in rows if lev])
        created |= self._fx_award_many([(p, period) for p in stop], "stop_loss_month")
        created |= self._fx_award_many([(p, period) for p in low], "low_leverage_month")
        return created

    @api.model
    def _fx_demo_points(self):
        """Demo: Aisha earned points for her referrals and her KYC, vested."""
        aisha = self.env.ref(
            "fx_engagement.res_partner_trader_active_demo", raise_if_not_found=False
        )
        programme = self.env.ref(
            "fx_referrals.fx_referral_programme_default", raise_if_not_found=False
        )
        if not (aisha and programme):
            return
        earned = self.sudo()._fx_insert(
            [
                {
                    "partner_id": aisha.id,
                    "programme_id": programme.id,
                    "company_id": programme.company_id.id,
                    "kind": "earned",
                    "points": points,
                    "vested_points": 0,
                    "vest_date": fields.Datetime.now(),
                    "event_code": code,
                    "res_model": "res.partner",
                    "res_id": aisha.id,
                    "reason": reason,
                }
                for code, points, reason in (
                    ("kyc_completed", 20, "Complete your identity verification (KYC)"),
                    ("stop_loss_month", 30, "Use a stop-loss on most of your trades"),
                    ("referral_qualified", 600, "Referrals qualified"),
                )
            ]
        )
        if earned:
            self._fx_vest_due()
