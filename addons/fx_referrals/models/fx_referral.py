"""A referral from the first click to a rewarded client
(docs/REFERRALS.md#stages), moved set-based from the referee's trading facts."""

import logging
import secrets
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib.programme import STAGE_DATES, STAGES, qualifies, reached_stage
from .fx_points_rule import STAGE_EVENTS
from .res_partner import REFERRAL_READ

REFERRAL_STAGES = [
    ("clicked", "Clicked"),
    ("registered", "Registered"),
    ("kyc_approved", "KYC Approved"),
    ("funded", "Funded"),
    ("first_trade", "First Trade"),
    ("qualified", "Qualified"),
    ("rewarded", "Rewarded"),
    ("rejected", "Rejected"),
]
FRAUD_STATES = [
    ("none", "Not Flagged"),
    ("held", "Held for Review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# docs/REFERRALS.md#anti-fraud
FRAUD_FLAGS = {
    "self": "Referrer and referee are the same contact",
    "circular": "Circular referral chain",
    "same_email": "Same e-mail as the referrer",
    "same_phone": "Same phone as the referrer",
    "same_kyc": "Same KYC identity as the referrer",
    "same_payment": "Same payment method as the referrer",
    "same_device": "Same device as the referrer",
    "same_ip": "Same IP address as the referrer",
    "burst": "Burst of registrations from one IP address or device",
    "cap": "Over the referrer's cap of qualified referrals",
}
_logger = logging.getLogger(__name__)
DEFAULT_BURST = 3
BURST_HOURS = 24


class FxReferral(models.Model):
    _name = "fx.referral"
    _description = "Referral"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    referrer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
    )
    referee_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="cascade",
        tracking=True,
    )
    referee_name = fields.Char(
        string="Referee (first name)",
        help="First name only: what the referrer sees on the portal.",
    )
    programme_id = fields.Many2one(
        "fx.referral.programme", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    channel = fields.Selection(
        [
            ("link", "Referral Link"),
            ("code", "Code at Registration"),
            ("staff", "Staff"),
        ],
        required=True,
        default="staff",
        string="Source",
    )
    stage = fields.Selection(
        REFERRAL_STAGES,
        required=True,
        default="clicked",
        index=True,
        tracking=True,
        group_expand="_group_expand_stage",
    )
    date_clicked = fields.Datetime(string="Clicked On")
    date_registered = fields.Datetime(string="Registered On")
    date_kyc_approved = fields.Datetime(string="KYC Approved On")
    date_funded = fields.Datetime(string="Funded On")
    date_first_trade = fields.Datetime(string="First Trade On")
    date_qualified = fields.Datetime(string="Qualified On")
    date_rewarded = fields.Datetime(string="Rewarded On")
    date_rejected = fields.Datetime(string="Rejected On")
    reject_reason = fields.Char(string="Rejection Reason", tracking=True)
    ftd_amount = fields.Monetary(string="First Deposit")
    lots = fields.Float(
        string="Lots in Window",
        digits=(16, 2),
        help="Lots traded on live accounts within the programme's window after the "
        "first deposit.",
    )
    points = fields.Integer(
        compute="_compute_points", help="Points the referrer earned (net)."
    )
    # anti-fraud: staff only (never the portal)
    token = fields.Char(copy=False, index="btree_not_null", groups=REFERRAL_READ)
    click_ip = fields.Char(string="Click IP", groups=REFERRAL_READ)
    click_user_agent = fields.Char(groups=REFERRAL_READ)
    fraud_state = fields.Selection(
        FRAUD_STATES,
        string="Fraud Review",
        default="none",
        required=True,
        index=True,
        tracking=True,
        groups=REFERRAL_READ,
    )
    fraud_flags = fields.Char(
        help="Codes of the rules that held the referral.", groups=REFERRAL_READ
    )
    fraud_reasons = fields.Text(
        compute="_compute_fraud_reasons", string="Flags", groups=REFERRAL_READ
    )
    fraud_reviewer_id = fields.Many2one(
        "res.users", string="Reviewed By", groups=REFERRAL_READ
    )
    fraud_review_date = fields.Datetime(string="Reviewed On", groups=REFERRAL_READ)
    fraud_review_note = fields.Char(string="Review Note", groups=REFERRAL_READ)

    _sql_constraints = [
        (
            "referee_unique",
            "UNIQUE(referee_id)",
            "A trader is referred once (one referral per referee).",
        ),
    ]

    @api.depends("referrer_id", "referee_name", "stage")
    def _compute_display_name(self):
        for referral in self:
            referral.display_name = self.env._(
                "%(referrer)s → %(referee)s",
                referrer=referral.referrer_id.name or "",
                referee=referral.referee_name or self.env._("(visitor)"),
            )

    def _compute_points(self):
        rows = dict(
            self.env["fx.points.entry"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["points:sum"],
            )
        )
        for referral in self:
            referral.points = rows.get(referral.id, 0)

    def _compute_fraud_reasons(self):
        for referral in self:
            referral.fraud_reasons = "\n".join(
                self.env._(FRAUD_FLAGS[code])  # pylint: disable=translation-required
                if code in FRAUD_FLAGS
                else code
                for code in (referral.fraud_flags or "").split(",")
                if code
            )

    @api.model
    def _group_expand_stage(self, stages, domain):
        return [key for key, _label in REFERRAL_STAGES]

    @api.model
    def _first_name(self, name):
        return (name or "").strip().split(" ")[0]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("referee_id") and not vals.get("referee_name"):
                referee = self.env["res.partner"].browse(vals["referee_id"])
                vals["referee_name"] = self._first_name(referee.sudo().name)
            if not vals.get("programme_id"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                programme = (
                    self.env["fx.referral.programme"].sudo()._fx_default(company)
                )
                if not programme:
                    raise ValidationError(
                        self.env._(
                            "No default referral programme for %s: create one in "
                            "CRM > Referrals > Configuration > Programmes.",
                            company.name,
                        )
                    )
                vals["programme_id"] = programme.id
        referrals = super().create(vals_list)
        flagged = referrals.filtered(
            lambda r: r.referee_id and r.referee_id == r.referrer_id
        )
        flagged.sudo().write({"fraud_state": "held", "fraud_flags": "self"})
        return referrals

    # ----------------------------------------------------------------- clicks
    @api.model
    def _fx_record_click(self, referrer, ip=None, user_agent=None):
        """A visitor followed ``referrer``'s link: a referral in stage *clicked*
        with a token for the cookie (system work of the public route)."""
        return self.sudo().create(
            {
                "referrer_id": referrer.id,
                "company_id": (referrer.company_id or self.env.company).id,
                "channel": "link",
                "stage": "clicked",
                "date_clicked": fields.Datetime.now(),
                "token": secrets.token_urlsafe(16),
                "click_ip": (ip or "")[:64] or False,
                "click_user_agent": (user_agent or "")[:256] or False,
            }
        )

    # ----------------------------------------------------------- registration
    @api.model
    def _fx_attach(self, links):
        """Referrals for registrations: ``links`` is a list of ``(referee,
        referrer, channel, token, flag)``; a click with the same ``token`` of
        the same referrer (else the referrer's latest unattached click from
        the registration's IP within 30 days) is completed, otherwise a
        referral is created. ``flag`` (``self``/``circular``) holds it."""
        Referral = self.sudo()
        existing = set(
            Referral.search(
                [("referee_id", "in", [link[0].id for link in links])]
            ).referee_id.ids
        )
        registered = dict(
            self.env.execute_query(
                SQL(
                    "SELECT partner_id, min(date) FROM fx_client_event "
                    "WHERE partner_id = ANY(%s) AND event_type = 'registration' "
                    "GROUP BY partner_id",
                    [link[0].id for link in links],
                )
            )
        )
        created = Referral.browse()
        for referee, referrer, channel, token, flag in links:
            if referee.id in existing:
                continue
            company = referee.company_id or self.env.company
            if not self.env["fx.referral.programme"].sudo()._fx_default(company):
                _logger.warning(
                    "No default referral programme for %s: no referral recorded "
                    "for %s",
                    company.name,
                    referee.display_name,
                )
                continue
            existing.add(referee.id)
            click = Referral.browse()
            if token:
                click = Referral.search(
                    [
                        ("token", "=", token),
                        ("referrer_id", "=", referrer.id),
                        ("referee_id", "=", False),
                    ],
                    limit=1,
                )
            vals = {
                "referee_id": referee.id,
                "referee_name": self._first_name(referee.name),
                "date_registered": registered.get(referee.id) or fields.Datetime.now(),
                "stage": "registered",
            }
            if flag:
                vals.update(fraud_state="held", fraud_flags=flag)
            if click:
                click.write(vals)
                created |= click
            else:
                created |= Referral.create(
                    {
                        **vals,
                        "referrer_id": referrer.id,
                        "company_id": (referee.company_id or self.env.company).id,
                        "channel": channel,
                    }
                )
        return created

    # ---------------------------------------------------------------- stages
    @api.model
    def _fx_sync_for_referees(self, partner_ids):
        """Move the referrals of the referees ``partner_ids`` from their facts:
        one query reads the facts, one UPDATE writes the changes, the points of
        the stages reached are awarded set-based. Returns the number of
        referrals whose stage changed."""
        if not partner_ids:
            return 0
        self.env.flush_all()
        now = fields.Datetime.now()
        rows = self.env.execute_query_dict(
            SQL(
                """
                WITH r AS (
                    SELECT r.id, r.referrer_id, r.referee_id, r.stage, r.fraud_state,
                           r.date_clicked, r.date_registered, r.date_kyc_approved,
                           r.date_funded, r.date_first_trade, r.date_qualified,
                           r.date_rewarded, r.programme_id,
                           p.fx_registration_date AS p_registered,
                           p.fx_kyc_status AS p_kyc, p.fx_ftd_date AS p_ftd,
                           coalesce(p.fx_ftd_amount, 0) AS p_ftd_amount,
                           coalesce(g.min_ftd_amount, 0) AS min_ftd_amount,
                           coalesce(g.min_lots, 0) AS min_lots,
                           coalesce(g.lots_days, 0) AS lots_days,
                           coalesce(g.hold_days, 0) AS hold_days,
                           coalesce(g.cap_count, 0) AS cap_count, g.cap_period
                      FROM fx_referral r
                      JOIN res_partner p ON p.id = r.referee_id
                      JOIN fx_referral_programme g ON g.id = r.programme_id
                     WHERE r.referee_id = ANY(%(ids)s) AND r.stage <> 'rejected'
                ), live AS (
                    SELECT a.id FROM fx_trading_account a
                     WHERE a.partner_id = ANY(%(ids)s) AND a.account_type = 'live'
                ), kyc AS (
                    SELECT e.partner_id, min(e.date) AS kyc_date
                      FROM fx_client_event e
                     WHERE e.partner_id = ANY(%(ids)s) AND e.event_type = 'kyc'
                       AND e.kyc_status = 'approved'
                     GROUP BY e.partner_id
                ), tr AS (
                    SELECT r.id, min(t.open_time) AS first_trade,
                           coalesce(sum(t.volume) FILTER (
                               WHERE t.open_time >= r.p_ftd AND t.open_time
                                     < r.p_ftd + make_interval(days => r.lots_days)),
                               0) AS lots
                      FROM r
                      JOIN fx_trade t ON t.partner_id = r.referee_id
                      JOIN live ON live.id = t.account_id
                     GROUP BY r.id
                ), fu AS (
                    SELECT r.id, sum(CASE f.kind WHEN 'deposit' THEN f.amount_company
                                     ELSE -f.amount_company END) AS net_in_hold
                      FROM r
                      JOIN fx_funding f ON f.partner_id = r.referee_id
                       AND f.kind IN ('deposit', 'withdrawal')
                       AND f.date >= r.p_ftd
                       AND f.date < r.p_ftd + make_interval(days => r.hold_days)
                      JOIN live ON live.id = f.account_id
                     GROUP BY r.id
                )
                SELECT r.*, kyc.kyc_date, tr.first_trade,
                       coalesce(tr.lots, 0) AS lots,
                       coalesce(fu.net_in_hold, 0) AS net_in_hold
                  FROM r
                  LEFT JOIN kyc ON kyc.partner_id = r.referee_id
                  LEFT JOIN tr ON tr.id = r.id
                  LEFT JOIN fu ON fu.id = r.id
                """,
                ids=list(partner_ids),
            )
        )
        if not rows:
            return 0
        self._fx_check_fraud(rows)
        caps = self._fx_cap_counts(rows)
        updates, newly, rejected = [], defaultdict(list), []
        for row in rows:
            dates, stage, lots, held = self._fx_move(row, caps, now)
            updates.append((row, dates, stage, lots, row["fraud_flags_new"], held))
            if stage == "rejected":
                rejected.append(row["id"])
            elif not held and row["fraud_state"] != "rejected":
                for name, event in STAGE_EVENTS.items():
                    # a stage newly dated; the registration (dated when the
                    # referral is recorded) while the referral is at it: its
                    # fraud checks ran first (an event is rewarded once)
                    if dates[name] and (
                        not row[STAGE_DATES[name]]
                        or (name == "registered" and row["stage"] == name)
                    ):
                        newly[event].append(row)
        changed = self._fx_write_sync(updates, now)
        if rejected:
            self.env["fx.points.entry"]._fx_reverse_sources(
                self._name,
                rejected,
                self.env._("Qualifying deposit withdrawn within the hold period"),
            )
        self._fx_award_rows(newly)
        self.invalidate_model()
        return changed

    @api.model
    def _fx_move(self, row, caps, now):
        """(stage dates, stage, lots in the window, held) of one referral from
        its referee's facts (docs/REFERRALS.md#stages); ``caps`` counts the
        qualified referrals per (referrer, programme) of the period."""
        dates = {stage: row[STAGE_DATES[stage]] for stage in STAGES}
        held = row["fraud_state"] == "held" or bool(row["fraud_flags_new"])
        facts = {
            "registered": row["p_registered"],
            "kyc_approved": (row["kyc_date"] or now)
            if row["p_kyc"] == "approved"
            else None,
            "funded": row["p_ftd"],
            "first_trade": row["first_trade"],
        }
        for stage, value in facts.items():
            dates[stage] = dates[stage] or value
        lots = float(row["lots"] or 0)
        if self._fx_deposit_withdrawn(row, dates, now):
            return dates, "rejected", lots, held
        if (
            not dates["qualified"]
            and dates["funded"]
            and dates["first_trade"]
            and qualifies(
                float(row["p_ftd_amount"]),
                lots,
                float(row["min_ftd_amount"]),
                float(row["min_lots"]),
            )
        ):
            dates["qualified"] = now
            if row["cap_count"] and row["fraud_state"] == "none":
                key = (row["referrer_id"], row["programme_id"])
                caps[key] = caps.get(key, 0) + 1
                if caps[key] > row["cap_count"]:
                    row["fraud_flags_new"].append("cap")
                    held = True
        if (
            dates["qualified"]
            and not dates["rewarded"]
            and not held
            and row["fraud_state"] in ("none", "approved")
            and now >= dates["qualified"] + timedelta(days=row["hold_days"])
        ):
            dates["rewarded"] = now
        return dates, reached_stage(dates), lots, held

    @api.model
    def _fx_deposit_withdrawn(self, row, dates, now):
        """Whether the qualifying deposit was withdrawn (or charged back)
        within the hold period (docs/REFERRALS.md#reversal)."""
        if not (dates["funded"] and row["p_ftd"]):
            return False
        if now >= row["p_ftd"] + timedelta(days=row["hold_days"]):
            return False
        floor = float(row["min_ftd_amount"])
        net = float(row["net_in_hold"])
        return net < floor if floor else net <= 0

    def _fx_write_sync(self, updates, now):
        """One UPDATE of the referrals whose stage, dates, lots or flags
        changed; returns how many changed stage."""
        if not updates:
            return 0
        cols = defaultdict(list)
        changed = 0
        for row, dates, stage, lots, flags, held in updates:
            cols["id"].append(row["id"])
            cols["stage"].append(stage)
            for name, column in STAGE_DATES.items():
                cols[column].append(dates[name])
            cols["lots"].append(lots)
            cols["ftd_amount"].append(float(row["p_ftd_amount"]))
            cols["flags"].append(",".join(flags) or None)
            cols["hold"].append(bool(held and row["fraud_state"] == "none"))
            cols["rejected"].append(stage == "rejected")
            changed += stage != row["stage"]
        self.env.cr.execute(
            SQL(
                """
                UPDATE fx_referral r
                   SET stage = s.stage, date_registered = s.dr,
                       date_kyc_approved = s.dk, date_funded = s.df,
                       date_first_trade = s.dt, date_qualified = s.dq,
                       date_rewarded = s.dw, lots = s.lots, ftd_amount = s.ftd,
                       fraud_flags = CASE WHEN s.flags IS NULL THEN r.fraud_flags
                           ELSE concat_ws(',', r.fraud_flags, s.flags) END,
                       fraud_state = CASE WHEN s.hold THEN 'held'
                           ELSE r.fraud_state END,
                       date_rejected = CASE WHEN s.rej THEN %(now)s
                           ELSE r.date_rejected END,
                       reject_reason = CASE WHEN s.rej THEN %(reason)s
                           ELSE r.reject_reason END,
                       write_date = %(now)s, write_uid = %(uid)s
                  FROM unnest(%(ids)s::int4[], %(stage)s::varchar[],
                              %(dr)s::timestamp[], %(dk)s::timestamp[],
                              %(df)s::timestamp[], %(dt)s::timestamp[],
                              %(dq)s::timestamp[], %(dw)s::timestamp[],
                              %(lots)s::float8[], %(ftd)s::numeric[],
                              %(flags)s::varchar[], %(hold)s::bool[],
                              %(rej)s::bool[])
                       AS s(id, stage, dr, dk, df, dt, dq, dw, lots, ftd, flags,
                            hold, rej)
                 WHERE r.id = s.id
                   AND ((r.stage, r.date_registered, r.date_kyc_approved,
                         r.date_funded, r.date_first_trade, r.date_qualified,
                         r.date_rewarded, r.lots, r.ftd_amount)
                        IS DISTINCT FROM
                        (s.stage, s.dr, s.dk, s.df, s.dt, s.dq, s.dw, s.lots, s.ftd)
                        OR s.flags IS NOT NULL OR s.hold)
                """,
                now=now,
                uid=self.env.uid,
                reason=self.env._(
                    "Qualifying deposit withdrawn within the hold period"
                ),
                ids=cols["id"],
                stage=cols["stage"],
                dr=cols["date_registered"],
                dk=cols["date_kyc_approved"],
                df=cols["date_funded"],
                dt=cols["date_first_trade"],
                dq=cols["date_qualified"],
                dw=cols["date_rewarded"],
                lots=cols["lots"],
                ftd=cols["ftd_amount"],
                flags=cols["flags"],
                hold=cols["hold"],
                rej=cols["rejected"],
            )
        )
        return changed

    def _fx_cap_counts(self, rows):
        """{(referrer, programme): qualified referrals counting for the cap in
        the current period}, for the referrers of ``rows`` with a cap."""
        capped = {(r["referrer_id"], r["programme_id"]) for r in rows if r["cap_count"]}
        if not capped:
            return {}
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        year_start = today.replace(month=1, day=1)
        counts = self.env.execute_query(
            SQL(
                """
                SELECT r.referrer_id, r.programme_id, count(*)
                  FROM fx_referral r
                  JOIN fx_referral_programme g ON g.id = r.programme_id
                 WHERE r.referrer_id = ANY(%s) AND r.date_qualified IS NOT NULL
                   AND r.fraud_state IN ('none', 'approved')
                   AND r.date_qualified >= CASE g.cap_period WHEN 'year' THEN %s
                       ELSE %s END
                 GROUP BY 1, 2
                """,
                list({key[0] for key in capped}),
                year_start,
                month_start,
            )
        )
        return {(a, b): n for a, b, n in counts}

    def _fx_check_fraud(self, rows):
        """Add ``fraud_flags_new`` (codes) to each row: the self-referral rules
        and the bursts, for the referrals not reviewed yet
        (docs/REFERRALS.md#anti-fraud)."""
        for row in rows:
            row["fraud_flags_new"] = []
        todo = [r for r in rows if r["fraud_state"] == "none"]
        if not todo:
            return
        ids = [r["id"] for r in todo]
        burst = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("fx_referrals.burst_threshold", DEFAULT_BURST)
        )
        found = self.env.execute_query(
            SQL(
                """
                WITH r AS (
                    SELECT r.id, r.referrer_id AS a, r.referee_id AS b, r.click_ip
                      FROM fx_referral r WHERE r.id = ANY(%(ids)s)
                )
                SELECT r.id, 'same_email' FROM r
                  JOIN res_partner pa ON pa.id = r.a JOIN res_partner pb ON pb.id = r.b
                 WHERE lower(btrim(pa.email)) = lower(btrim(pb.email))
                UNION ALL
                SELECT r.id, 'same_phone' FROM r
                  JOIN res_partner pa ON pa.id = r.a JOIN res_partner pb ON pb.id = r.b
                 WHERE length(regexp_replace(pa.phone, '[^0-9]', '', 'g')) >= 6
                   AND regexp_replace(pa.phone, '[^0-9]', '', 'g')
                       = regexp_replace(pb.phone, '[^0-9]', '', 'g')
                UNION ALL
                SELECT DISTINCT r.id, 'same_kyc' FROM r
                  JOIN fx_client_event ea ON ea.partner_id = r.a
                  JOIN fx_client_event eb ON eb.partner_id = r.b
                 WHERE ea.kyc_identity = eb.kyc_identity
                UNION ALL
                SELECT DISTINCT r.id, 'same_payment' FROM r
                  JOIN fx_funding fa ON fa.partner_id = r.a
                  JOIN fx_funding fb ON fb.partner_id = r.b
                 WHERE fa.method_fingerprint = fb.method_fingerprint
                UNION ALL
                SELECT DISTINCT r.id, 'same_device' FROM r
                  JOIN fx_client_event ea ON ea.partner_id = r.a
                  JOIN fx_client_event eb ON eb.partner_id = r.b
                 WHERE ea.device_id = eb.device_id
                UNION ALL
                SELECT DISTINCT r.id, 'same_ip' FROM r
                  JOIN fx_client_event ea ON ea.partner_id = r.a
                  JOIN fx_client_event eb ON eb.partner_id = r.b
                 WHERE ea.ip_address = eb.ip_address
                UNION ALL
                SELECT r.id, 'burst' FROM r
                  JOIN fx_client_event eb ON eb.partner_id = r.b
                   AND eb.event_type = 'registration'
                 WHERE (SELECT count(DISTINCT o.partner_id) FROM fx_client_event o
                         WHERE o.ip_address = eb.ip_address
                           AND o.event_type = 'registration'
                           AND o.date > eb.date - interval '%(hours)s hours'
                           AND o.date < eb.date + interval '%(hours)s hours'
                       ) >= %(burst)s
                    OR (SELECT count(DISTINCT o.partner_id) FROM fx_client_event o
                         WHERE o.device_id = eb.device_id
                           AND o.event_type = 'registration'
                           AND o.date > eb.date - interval '%(hours)s hours'
                           AND o.date < eb.date + interval '%(hours)s hours'
                       ) >= %(burst)s
                """,
                ids=ids,
                hours=SQL(str(BURST_HOURS)),
                burst=burst,
            )
        )
        by_id = {r["id"]: r for r in todo}
        for referral_id, code in found:
            if code not in by_id[referral_id]["fraud_flags_new"]:
                by_id[referral_id]["fraud_flags_new"].append(code)
        # circular: the referee is upstream of the referrer
        parents = (
            dict(
                self.env.execute_query(
                    SQL(
                        "SELECT id, fx_referrer_id FROM res_partner "
                        "WHERE fx_referrer_id IS NOT NULL"
                    )
                )
            )
            if any(True for _r in todo)
            else {}
        )
        for row in todo:
            seen, node = set(), row["referrer_id"]
            while node and node not in seen:
                if node == row["referee_id"] and node != row["referrer_id"]:
                    row["fraud_flags_new"].append("circular")
                    break
                seen.add(node)
                node = parents.get(node)

    def _fx_award_rows(self, newly):
        """Award the referrers of the sync rows ``newly`` ({event code: rows})
        the points of each event, the referral being the source: one ledger
        insert for the whole batch."""
        if not newly:
            return
        referrals = self.sudo().browse(
            {row["id"] for rows in newly.values() for row in rows}
        )
        referrals.fetch(["referrer_id"])
        self.env["fx.points.entry"]._fx_award_many(
            [
                (
                    referrals.browse(row["id"]).referrer_id,
                    referrals.browse(row["id"]),
                    event,
                )
                for event, rows in newly.items()
                for row in rows
            ]
        )

    # ----------------------------------------------------------------- review
    def _fx_check_reviewer(self):
        if not self.env.user.has_group("fx_referrals.group_fx_referral_manager"):
            raise UserError(self.env._("Only referral managers review referrals."))

    def action_fx_approve(self):
        """Release held referrals: recorded with the reviewer, and the points
        of the stages they reached are awarded."""
        self._fx_check_reviewer()
        held = self.filtered(lambda r: r.fraud_state == "held")
        if held != self:
            raise UserError(self.env._("Only held referrals can be approved."))
        held.write(
            {
                "fraud_state": "approved",
                "fraud_reviewer_id": self.env.uid,
                "fraud_review_date": fields.Datetime.now(),
            }
        )
        self.env["fx.points.entry"]._fx_award_many(
            [
                (referral.referrer_id, referral, event)
                for stage, event in STAGE_EVENTS.items()
                for referral in held
                if referral[STAGE_DATES[stage]]
            ]
        )
        held._fx_sync_for_referees(held.referee_id.ids)
        return True

    def action_fx_reject(self, reason=None):
        """Reject referrals (fraud or staff decision) with a reason: stage
        *rejected*, their points reversed, recorded with the reviewer."""
        self._fx_check_reviewer()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the rejection."))
        if self.filtered(lambda r: r.stage == "rejected"):
            raise UserError(self.env._("A rejected referral cannot be rejected again."))
        now = fields.Datetime.now()
        self.write(
            {
                "stage": "rejected",
                "date_rejected": now,
                "reject_reason": reason,
                "fraud_reviewer_id": self.env.uid,
                "fraud_review_date": now,
                "fraud_review_note": reason,
            }
        )
        self.filtered(lambda r: r.fraud_state == "held").write(
            {"fraud_state": "rejected"}
        )
        self.env["fx.points.entry"]._fx_reverse_sources(self._name, self.ids, reason)
        return True

    def action_fx_open_reject(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "fx.referral.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_referral_ids": self.ids},
        }

    @api.model
    def _cron_fx_referrals(self):
        """Daily: vest the points whose hold is over, expire the points kept
        too long, move qualified referrals to rewarded, award the monthly
        responsible-behaviour points."""
        self.env["fx.points.entry"]._fx_vest_due()
        self.env["fx.points.entry"]._fx_expire_due()
        referees = self.search(
            [("stage", "in", ("qualified", "funded", "first_trade"))]
        ).referee_id
        self._fx_sync_for_referees(referees.ids)
        self.env["fx.points.entry"]._fx_award_behaviour()
