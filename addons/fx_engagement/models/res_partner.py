import logging
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, formatLang

from ..facts import Fact, Source, facts_query
from ..lib.churn import churn_risk
from ..lib.lifecycle import DEFAULT_CHURN_DAYS, DEFAULT_DORMANT_DAYS, compute_stage
from ..tools import model_recordset

_logger = logging.getLogger(__name__)

RECOMPUTE_CHUNK = 25000

TRADER_STAGES = [
    ("lead", "Lead"),
    ("registered", "Registered"),
    ("kyc_pending", "KYC Pending"),
    ("kyc_approved", "KYC Approved"),
    ("funded", "Funded"),
    ("active", "Active Trader"),
    ("dormant", "Dormant"),
    ("churned", "Churned"),
]
# Who may read and write the trader fields (see README, "Security"):
# FX users and the integration read them (never plain employees or portal users);
FX_READ = "fx_engagement.group_fx_user,fx_engagement.group_fx_integration"
# the facts come from trading data (the sync writes them in SQL); through the
# ORM only FX managers may correct them;
FX_MANAGER_FIELDS = frozenset(
    """fx_stage fx_kyc_status fx_stage_date fx_registration_date fx_last_login_date
    fx_account_count fx_ftd_date fx_ftd_amount fx_total_deposits fx_total_withdrawals
    fx_last_deposit_date fx_deposits_30d fx_deposits_90d fx_withdrawals_30d
    fx_withdrawals_90d fx_net_deposits_30d fx_net_deposits_90d fx_total_bonus
    fx_revenue_total fx_ltv fx_last_trade_date fx_trade_count_30d fx_trade_count_90d
    fx_trade_count_total fx_volume_30d fx_volume_90d fx_instrument_ids
    fx_strategy_ids""".split()
)
# the computed ones (scores, their explanation, Odoo computes, segment
# membership, stage history) by nobody but the system;
FX_SYSTEM_FIELDS = frozenset(
    """fx_churn_risk fx_churn_factors fx_churn_explanation fx_net_deposits
    fx_is_funded fx_age fx_currency_id fx_segment_ids fx_stage_history_ids""".split()
)
# the broker's client ID (the sync API's identity key) is given by FX users to a
# contact that has none; changing an existing one is for FX managers and the
# integration. The profile (experience, risk appetite ...) is kept by FX users.
FX_IDENTITY_FIELDS = frozenset(["fx_client_ref"])

# --------------------------------------------------------------------- facts
# Each trader fact is declared with its field (``fx_fact=``, see facts.py and
# docs/METRICS.md). Amounts are in the company currency (``amount_company``,
# converted at push time); only live accounts count.
DEPOSITS = "sum(amount_company) FILTER (WHERE kind = 'deposit')"
WITHDRAWALS = "sum(amount_company) FILTER (WHERE kind = 'withdrawal')"
DEPOSITS_SINCE = (
    "sum(amount_company) FILTER (WHERE kind = 'deposit' AND f.date >= %%(%s)s)"
)
WITHDRAWALS_SINCE = (
    "sum(amount_company) FILTER (WHERE kind = 'withdrawal' AND f.date >= %%(%s)s)"
)
LIVE_FUNDINGS = (
    "FROM fx_funding f JOIN live ON live.id = f.account_id "
    "WHERE f.partner_id = ANY(%(ids)s)"
)
FACT_SOURCES = {
    "me": Source("SELECT id AS partner_id", "FROM res_partner WHERE id = ANY(%(ids)s)"),
    "live": Source(
        "SELECT id, partner_id",
        "FROM fx_trading_account WHERE partner_id = ANY(%(ids)s) "
        "AND account_type = 'live'",
    ),
    "acc": Source("SELECT partner_id", "FROM live GROUP BY partner_id", ("live",)),
    "anyacc": Source(
        "SELECT DISTINCT partner_id",
        "FROM fx_trading_account WHERE partner_id = ANY(%(ids)s)",
    ),
    "fund": Source(
        "SELECT f.partner_id", LIVE_FUNDINGS + " GROUP BY f.partner_id", ("live",)
    ),
    "ftd": Source(
        "SELECT DISTINCT ON (f.partner_id) f.partner_id",
        LIVE_FUNDINGS + " AND f.kind = 'deposit' ORDER BY f.partner_id, f.date, f.id",
        ("live",),
    ),
    "tr": Source(
        "SELECT t.partner_id",
        "FROM fx_trade t JOIN live ON live.id = t.account_id "
        "WHERE t.partner_id = ANY(%(ids)s) GROUP BY t.partner_id",
        ("live",),
    ),
    "ev": Source(
        "SELECT partner_id",
        "FROM fx_client_event WHERE partner_id = ANY(%(ids)s) GROUP BY partner_id",
    ),
    "kyc": Source(
        "SELECT DISTINCT ON (partner_id) partner_id",
        "FROM fx_client_event WHERE partner_id = ANY(%(ids)s) "
        "AND event_type = 'kyc' ORDER BY partner_id, date DESC, id DESC",
    ),
}
# values the derived facts need that are not fields themselves
INTERNAL_FACTS = {
    "old_stage": Fact("me", "fx_stage"),
    "old_kyc": Fact("me", "fx_kyc_status"),
    "kyc_event": Fact("kyc", "kyc_status"),
    "has_account": Fact("anyacc", "true", False),
}


def _fact_kyc_status(row, _context):
    """The latest KYC decision pushed, else the status kept, else none."""
    return row["kyc_event"] or row["old_kyc"] or "none"


def _fact_stage(row, context):
    return compute_stage(
        context["now"],
        registered=bool(row["fx_registration_date"] or row["has_account"]),
        kyc_status=_fact_kyc_status(row, context),
        ftd_date=row["fx_ftd_date"],
        last_trade=row["fx_last_trade_date"],
        last_deposit=row["fx_last_deposit_date"],
        **context["settings"],
    )


def _net(deposits, withdrawals):
    """A net-deposit fact: ``deposits`` minus ``withdrawals`` (two facts)."""
    return lambda row, _context: row[deposits] - row[withdrawals]


def _fact_ltv(row, _context):
    """Net deposits plus broker revenue to date."""
    return (
        row["fx_total_deposits"] - row["fx_total_withdrawals"] + row["fx_revenue_total"]
    )


def _fact_churn(row, context):
    """(risk, factors as data) of lib.churn, computed once per trader."""
    if "_churn" not in row:
        risk, factors = churn_risk(
            context["now"],
            funded=bool(row["fx_ftd_date"]),
            last_trade=row["fx_last_trade_date"],
            last_deposit=row["fx_last_deposit_date"],
            trades_90d=row["fx_trade_count_90d"],
            volume_30d=row["fx_volume_30d"],
            volume_90d=row["fx_volume_90d"],
            deposits_30d=float(row["fx_deposits_30d"]),
            deposits_90d=float(row["fx_deposits_90d"]),
            withdrawals_90d=float(row["fx_withdrawals_90d"]),
            churned_days=context["settings"]["churn_days"]
            if _fact_stage(row, context) == "churned"
            else None,
            weights=context.get("churn_weights"),
        )
        row["_churn"] = (
            risk,
            [
                {
                    "code": f.code,
                    "points": f.points,
                    "detail": f.detail,
                    **({"args": dict(f.args)} if f.args else {}),
                }
                # with weights: the unweighted points too, for the weight
                # tuning (docs/METRICS.md#churn-weights)
                | ({} if f.base is None else {"base": f.base})
                for f in factors
            ]
            or None,
        )
    return row["_churn"]


KYC_STATUSES = [
    ("none", "Not Started"),
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # identity in the broker's systems
    fx_is_trader = fields.Boolean(
        string="Is a Trader",
        index=True,
        help="Client or prospect of the brokerage (set by the trading-data sync "
        "or by hand).",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda row, ctx: True),
    )
    fx_client_ref = fields.Char(
        string="Client ID",
        index="btree_not_null",
        copy=False,
        help="The broker's own client identifier (back office / trading platform).",
        groups=FX_READ,
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index="btree_not_null",
        help="Team in charge of the trader (set by hand or by a campaign step).",
    )
    fx_currency_id = fields.Many2one(
        "res.currency",
        string="Reporting Currency",
        compute="_compute_fx_currency_id",
        help="Trader amounts are kept in the company currency.",
        groups=FX_READ,
    )
    # lifecycle
    fx_stage = fields.Selection(
        TRADER_STAGES,
        string="Trader Stage",
        default="lead",
        index=True,
        tracking=True,
        help="Lifecycle stage: lead, registered, KYC pending, KYC approved, funded "
        "(first deposit), active trader, dormant (no trade for a while), churned "
        "(no trade and no deposit for long after having been funded).",
        groups=FX_READ,
        fx_fact=Fact(compute=_fact_stage),
    )
    fx_kyc_status = fields.Selection(
        KYC_STATUSES,
        string="KYC Status",
        default="none",
        index=True,
        tracking=True,
        groups=FX_READ,
        fx_fact=Fact(compute=_fact_kyc_status),
    )
    # funding
    fx_stage_date = fields.Datetime(
        string="In Stage Since",
        help="When the trader entered the current stage.",
        groups=FX_READ,
    )
    fx_stage_history_ids = fields.One2many(
        "fx.trader.stage.history",
        "partner_id",
        string="Stage History",
        groups=FX_READ,
    )
    fx_registration_date = fields.Datetime(
        string="Registered On",
        groups=FX_READ,
        fx_fact=Fact("ev", "min(date) FILTER (WHERE event_type = 'registration')"),
    )
    fx_last_login_date = fields.Datetime(
        string="Last Login",
        groups=FX_READ,
        fx_fact=Fact("ev", "max(date) FILTER (WHERE event_type = 'login')"),
    )
    fx_account_count = fields.Integer(
        string="Platform Accounts",
        help="Live trading accounts.",
        groups=FX_READ,
        fx_fact=Fact("acc", "count(*)", 0),
    )
    fx_ftd_date = fields.Datetime(
        string="First Deposit Date",
        help="Date of the first deposit (FTD).",
        groups=FX_READ,
        fx_fact=Fact("fund", "min(f.date) FILTER (WHERE kind = 'deposit')"),
    )
    fx_ftd_amount = fields.Monetary(
        string="First Deposit Amount",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("ftd", "f.amount_company", 0),
    )
    fx_total_deposits = fields.Monetary(
        string="Total Deposits",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", DEPOSITS, 0),
    )
    fx_total_withdrawals = fields.Monetary(
        string="Total Withdrawals",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", WITHDRAWALS, 0),
    )
    fx_net_deposits = fields.Monetary(
        string="Net Deposits",
        currency_field="fx_currency_id",
        compute="_compute_fx_net_deposits",
        store=True,
        help="Total deposits minus total withdrawals.",
        groups=FX_READ,
        fx_fact=Fact(compute=_net("fx_total_deposits", "fx_total_withdrawals")),
    )
    fx_last_deposit_date = fields.Datetime(
        string="Last Deposit",
        groups=FX_READ,
        fx_fact=Fact("fund", "max(f.date) FILTER (WHERE kind = 'deposit')"),
    )
    fx_deposits_30d = fields.Monetary(
        string="Deposits (30 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", DEPOSITS_SINCE % "d30", 0),
    )
    fx_deposits_90d = fields.Monetary(
        string="Deposits (90 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", DEPOSITS_SINCE % "d90", 0),
    )
    fx_withdrawals_30d = fields.Monetary(
        string="Withdrawals (30 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", WITHDRAWALS_SINCE % "d30", 0),
    )
    fx_withdrawals_90d = fields.Monetary(
        string="Withdrawals (90 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", WITHDRAWALS_SINCE % "d90", 0),
    )
    fx_net_deposits_30d = fields.Monetary(
        string="Net Deposits (30 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact(compute=_net("fx_deposits_30d", "fx_withdrawals_30d")),
    )
    fx_net_deposits_90d = fields.Monetary(
        string="Net Deposits (90 days)",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact(compute=_net("fx_deposits_90d", "fx_withdrawals_90d")),
    )
    fx_total_bonus = fields.Monetary(
        string="Bonuses Granted",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("fund", "sum(amount_company) FILTER (WHERE kind = 'bonus')", 0),
    )
    fx_revenue_total = fields.Monetary(
        string="Broker Revenue",
        currency_field="fx_currency_id",
        help="Commission and spread markup reported by the platform, to date.",
        groups=FX_READ,
        fx_fact=Fact("tr", "sum(t.revenue_company)", 0),
    )
    fx_ltv = fields.Monetary(
        string="Lifetime Value",
        currency_field="fx_currency_id",
        help="Net deposits plus broker revenue to date.",
        groups=FX_READ,
        fx_fact=Fact(compute=_fact_ltv),
    )
    fx_is_funded = fields.Boolean(
        string="Funded",
        compute="_compute_fx_is_funded",
        store=True,
        help="The trader has made a first deposit.",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda r, c: bool(r["fx_ftd_date"])),
    )
    # trading activity
    fx_last_trade_date = fields.Datetime(
        string="Last Trade", groups=FX_READ, fx_fact=Fact("tr", "max(t.open_time)")
    )
    fx_trade_count_30d = fields.Integer(
        string="Trades (30 days)",
        groups=FX_READ,
        fx_fact=Fact("tr", "count(*) FILTER (WHERE t.open_time >= %(d30)s)", 0),
    )
    fx_trade_count_90d = fields.Integer(
        string="Trades (90 days)",
        groups=FX_READ,
        fx_fact=Fact("tr", "count(*) FILTER (WHERE t.open_time >= %(d90)s)", 0),
    )
    fx_trade_count_total = fields.Integer(
        string="Trades", groups=FX_READ, fx_fact=Fact("tr", "count(*)", 0)
    )
    fx_volume_30d = fields.Float(
        string="Volume (lots, 30 days)",
        digits=(16, 2),
        groups=FX_READ,
        fx_fact=Fact("tr", "sum(t.volume) FILTER (WHERE t.open_time >= %(d30)s)", 0),
    )
    fx_volume_90d = fields.Float(
        string="Volume (lots, 90 days)",
        digits=(16, 2),
        groups=FX_READ,
        fx_fact=Fact("tr", "sum(t.volume) FILTER (WHERE t.open_time >= %(d90)s)", 0),
    )
    fx_instrument_ids = fields.Many2many(
        "fx.instrument",
        "res_partner_fx_instrument_rel",
        "partner_id",
        "instrument_id",
        string="Instruments Traded",
        help="Top symbols by volume over the last 90 days.",
        groups=FX_READ,
    )
    fx_strategy_ids = fields.Many2many(
        "fx.strategy",
        "res_partner_fx_strategy_rel",
        "partner_id",
        "strategy_id",
        string="Strategies Used",
        help="Strategy tags of the trades of the last 90 days.",
        groups=FX_READ,
    )
    fx_churn_risk = fields.Integer(
        string="Churn Risk",
        index=True,
        aggregator="avg",
        help="0-100, from the factors shown next to it: inactivity against the "
        "trader's own rhythm, falling volume, falling deposits, withdrawals.",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda r, c: _fact_churn(r, c)[0]),
    )
    fx_churn_factors = fields.Json(
        string="Churn Risk Factors (data)",
        groups=FX_READ,
        fx_fact=Fact(compute=lambda r, c: _fact_churn(r, c)[1]),
    )
    fx_churn_explanation = fields.Html(
        string="Why",
        compute="_compute_fx_churn_explanation",
        sanitize=True,
        groups=FX_READ,
    )
    fx_segment_ids = fields.Many2many(
        "fx.segment",
        "fx_segment_res_partner_rel",
        "partner_id",
        "segment_id",
        string="Segments",
        readonly=True,
        copy=False,
        help="Segments the trader belongs to now (kept by the segment refresh).",
        groups=FX_READ,
    )
    # profile
    fx_risk_appetite = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        string="Risk Appetite",
        groups=FX_READ,
    )
    fx_experience_level = fields.Selection(
        [
            ("none", "No Experience"),
            ("beginner", "Beginner (< 1 year)"),
            ("intermediate", "Intermediate (1-3 years)"),
            ("advanced", "Advanced (3+ years)"),
            ("professional", "Professional"),
        ],
        string="Experience Level",
        groups=FX_READ,
    )
    fx_income_band = fields.Selection(
        [
            ("lt_25k", "Under 25,000"),
            ("25k_50k", "25,000 - 50,000"),
            ("50k_100k", "50,000 - 100,000"),
            ("100k_250k", "100,000 - 250,000"),
            ("gt_250k", "Over 250,000"),
        ],
        string="Annual Income",
        help="Declared yearly income band, in the company currency.",
        groups=FX_READ,
    )
    fx_occupation = fields.Char(string="Occupation", groups=FX_READ)
    fx_birth_date = fields.Date(string="Birth Date", groups=FX_READ)
    fx_age = fields.Integer(string="Age", compute="_compute_fx_age", groups=FX_READ)
    fx_gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")],
        string="Gender",
        groups=FX_READ,
    )
    fx_preferred_channel = fields.Selection(
        [
            ("email", "E-mail"),
            ("sms", "SMS"),
            ("phone", "Phone Call"),
            ("whatsapp", "WhatsApp"),
            ("portal", "Portal / In-app"),
        ],
        string="Preferred Channel",
        groups=FX_READ,
    )
    # market events (docs/METRICS.md#market-events): the watch list is one of
    # the rules of exposure; the fx_market_* fields are what a market-event
    # campaign's message may name (fx_market_event_id in the context)
    fx_watched_instrument_ids = fields.Many2many(
        "fx.instrument",
        "res_partner_fx_watch_rel",
        "partner_id",
        "instrument_id",
        string="Watched Instruments",
        help="Instruments the trader follows (watch list, alerts): market events "
        "on them concern the trader.",
        groups=FX_READ,
    )
    fx_market_event_id = fields.Many2one(
        "fx.market.event",
        string="Market Event (message)",
        compute="_compute_fx_market",
        groups=FX_READ,
        help="In a market-event campaign's message: the event it is about.",
    )
    fx_market_concerned_event_id = fields.Many2one(
        "fx.market.event",
        string="Concerned by Market Event",
        compute="_compute_fx_market_concerned_event_id",
        search="_search_fx_market_concerned_event_id",
        groups=FX_READ,
        help="Search only: the traders a market event concerns now.",
    )
    fx_market_symbols = fields.Char(
        string="Affected Instruments (message)",
        compute="_compute_fx_market",
        groups=FX_READ,
        help="In a market-event campaign's message: the event's instruments the "
        "trader holds, traded recently or watches, e.g. 'EURUSD, XAUUSD'.",
    )
    fx_market_positions = fields.Char(
        string="Open Positions (message)",
        compute="_compute_fx_market",
        groups=FX_READ,
        help="In a market-event campaign's message: the trader's open positions "
        "in the event's instruments, e.g. 'EURUSD buy 1.00 lots'.",
    )

    _sql_constraints = [
        (
            "fx_client_ref_unique",
            "UNIQUE(fx_client_ref)",
            "Another contact already has this broker client ID.",
        ),
    ]

    def _compute_fx_currency_id(self):
        for partner in self:
            partner.fx_currency_id = (
                partner.company_id.currency_id or self.env.company.currency_id
            )

    @api.depends("fx_total_deposits", "fx_total_withdrawals")
    def _compute_fx_net_deposits(self):
        for partner in self:
            partner.fx_net_deposits = (
                partner.fx_total_deposits - partner.fx_total_withdrawals
            )

    @api.depends("fx_ftd_date")
    def _compute_fx_is_funded(self):
        for partner in self:
            partner.fx_is_funded = bool(partner.fx_ftd_date)

    @api.depends("fx_churn_factors")
    def _compute_fx_churn_explanation(self):
        for partner in self:
            factors = partner.fx_churn_factors or []
            partner.fx_churn_explanation = (
                Markup("<ul>%s</ul>")
                % Markup().join(
                    Markup("<li><b>+%s</b> %s</li>")
                    % (f["points"], partner._fx_churn_sentence(f))
                    for f in factors
                )
                if factors
                else False
            )

    def _fx_churn_sentence(self, factor):
        """A churn factor in the user's language, its figures in their format;
        the stored English detail for factors stored without figures."""
        args = factor.get("args")
        if not args:
            return factor["detail"]

        def amount(value):
            return formatLang(self.env, value, digits=2)

        code = factor["code"]
        if code == "recency":
            return self.env._(
                "%(idle)s days since the last activity; usual gap %(gap)s days",
                idle=formatLang(self.env, args["idle"], digits=0),
                gap=formatLang(self.env, args["gap"], digits=1),
            )
        if code in ("falling_volume", "falling_deposits"):
            values = {
                "drop": args["drop"],
                "recent": amount(args["recent"]),
                "before": amount(args["before"]),
            }
            if code == "falling_volume":
                return self.env._(
                    "lots down %(drop)s%% in the last 30 days (%(recent)s vs "
                    "%(before)s a month before)",
                    **values,
                )
            return self.env._(
                "deposits down %(drop)s%% in the last 30 days (%(recent)s vs "
                "%(before)s a month before)",
                **values,
            )
        if code == "withdrawals":
            return self.env._(
                "withdrew %(withdrawn)s against %(deposited)s deposited in 90 days",
                withdrawn=amount(args["withdrawn"]),
                deposited=amount(args["deposited"]),
            )
        if code == "churned":
            return self.env._(
                "churned: no trade or deposit for more than %s days", args["days"]
            )
        return factor["detail"]

    @api.depends("fx_birth_date")
    def _compute_fx_age(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.fx_age = (
                relativedelta(today, partner.fx_birth_date).years
                if partner.fx_birth_date
                else 0
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a new contact may carry the empty defaults of the facts, not values
            self._fx_check_write_access(
                [
                    name
                    for name, value in vals.items()
                    if value or name not in FX_SYSTEM_FIELDS | FX_MANAGER_FIELDS
                ]
            )
        self._fx_check_client_refs(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._fx_check_write_access(vals)
        if vals.get("fx_client_ref"):
            self._fx_check_client_refs([vals], exclude=self)
        return super().write(vals)

    def _fx_check_write_access(self, fnames):
        """Computed trader fields are written by the system only, trading facts
        by the system and FX managers, an existing client ID by FX managers and
        the integration (see README, "Security")."""
        if self.env.su:
            return
        fnames = set(fnames)
        user = self.env.user
        refused = fnames & FX_SYSTEM_FIELDS
        is_manager = user.has_group("fx_engagement.group_fx_manager")
        if not is_manager:
            refused |= fnames & FX_MANAGER_FIELDS
            if (
                fnames & FX_IDENTITY_FIELDS
                and not user.has_group("fx_engagement.group_fx_integration")
                and any(self.sudo().mapped("fx_client_ref"))
            ):
                refused |= fnames & FX_IDENTITY_FIELDS
        if refused:
            raise AccessError(
                self.env._(
                    "You may not change %(fields)s: scores are computed by the "
                    "system, trading facts come from the trading platform and are "
                    "corrected by FX managers only, and so is a client ID.",
                    fields=", ".join(
                        self._fields[name].string for name in sorted(refused)
                    ),
                )
            )

    def _fx_check_client_refs(self, vals_list, exclude=None):
        """Refuse a broker client ID that another contact already has.

        Checked before writing so that staff and integrators get a readable
        error rather than the unique index's (which still guards concurrency).
        """
        refs = [
            vals["fx_client_ref"] for vals in vals_list if vals.get("fx_client_ref")
        ]
        if not refs:
            return
        if exclude is not None and len(exclude) > 1:
            raise ValidationError(
                self.env._("Client ID %s cannot be given to several contacts.", refs[0])
            )
        duplicates = {ref for ref in refs if refs.count(ref) > 1}
        domain = [("fx_client_ref", "in", refs)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        taken = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch(domain, ["fx_client_ref"], limit=1)
        )
        if duplicates or taken:
            raise ValidationError(
                self.env._(
                    "Client ID %s is already used by another contact.",
                    taken.fx_client_ref or sorted(duplicates)[0],
                )
            )

    # ------------------------------------------------------------------ actions
    def _fx_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_fx_view_accounts(self):
        return self._fx_action("fx_engagement.fx_trading_account_action")

    def action_fx_view_trades(self):
        return self._fx_action("fx_engagement.fx_trade_action")

    def action_fx_view_fundings(self):
        """The fundings behind the net deposits: live accounts only, the list
        totalling their net effect (withdrawals negative)."""
        action = self._fx_action("fx_engagement.fx_funding_action")
        action["domain"] = [
            ("partner_id", "=", self.id),
            ("account_id.account_type", "=", "live"),
        ]
        # the web client titles the view with display_name before name
        action["name"] = action["display_name"] = self.env._(
            "Net Deposits of %s", self.name
        )
        return action

    def action_fx_view_events(self):
        return self._fx_action("fx_engagement.fx_client_event_action")

    # ------------------------------------------------------------------ facts
    @api.model
    def _fx_lifecycle_settings(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "dormant_days": int(
                get("fx_engagement.dormant_days") or DEFAULT_DORMANT_DAYS
            ),
            "churn_days": int(get("fx_engagement.churn_days") or DEFAULT_CHURN_DAYS),
        }

    @api.model
    def _valid_field_parameter(self, field, name):
        return name == "fx_fact" or super()._valid_field_parameter(field, name)

    @api.model
    def _fx_fact_sources(self):
        """{name: Source} the trader facts aggregate over; extend to add one."""
        return dict(FACT_SOURCES)

    @api.model
    def _fx_facts(self):
        """({column: Fact} in SQL, {field: Fact} computed in Python): the
        declared facts (``fx_fact=`` on fields) and the internal values."""
        declared = {
            name: field.fx_fact
            for name, field in self._fields.items()
            if getattr(field, "fx_fact", None)
        }
        in_sql = dict(INTERNAL_FACTS)
        in_sql.update((n, f) for n, f in declared.items() if f.sql is not None)
        derived = {n: f for n, f in declared.items() if f.compute is not None}
        return in_sql, derived

    def _fx_recompute_facts(self):
        """Recompute the trader facts of ``self`` from accounts, fundings, trades
        and events: one query built from the declared facts for the whole batch,
        then one write of the partners whose facts changed. Returns the number
        of stage changes."""
        if not self:
            return 0
        self.env.flush_all()
        ids = self.ids
        now = fields.Datetime.now()
        d90 = now - timedelta(days=90)
        in_sql, derived = self._fx_facts()
        params = {"ids": ids, "now": now, "d30": now - timedelta(days=30), "d90": d90}
        rows = self.env.execute_query_dict(
            facts_query(self._fx_fact_sources(), in_sql, params)
        )
        context = {
            "now": now,
            "settings": self._fx_lifecycle_settings(),
            "churn_weights": self._fx_churn_weights(),
        }
        stored = ["id", *(n for n in in_sql if n in self._fields), *derived]
        columns = {name: [] for name in stored}
        changes = []
        for row in rows:
            for name, fact in derived.items():
                row[name] = fact.compute(row, context)
            if row["fx_stage"] != row["old_stage"]:
                changes.append((row["id"], row["old_stage"], row["fx_stage"]))
            for name in stored:
                columns[name].append(row[name])
        self._fx_write_facts(columns, now)
        self._fx_write_stage_changes(changes, now)
        self._fx_write_top_tags(ids, d90)
        self.invalidate_recordset()
        return len(changes)

    def _fx_write_facts(self, columns, now):
        """One UPDATE of the partners whose facts changed; the column types are
        the fields' own."""
        names = [name for name in columns if name != "id"]
        if not columns["id"]:
            return
        rows = model_recordset(self, [(n, columns[n]) for n in ("id", *names)])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(sets)s, write_date = %(now)s
                  FROM %(rows)s
                 WHERE p.id = s.id AND (%(old)s) IS DISTINCT FROM (%(new)s)
                """,
                sets=SQL(", ").join(
                    SQL("%s = s.%s", SQL.identifier(n), SQL.identifier(n))
                    for n in names
                ),
                now=now,
                rows=rows,
                old=SQL(", ").join(SQL.identifier("p", n) for n in names),
                new=SQL(", ").join(SQL.identifier("s", n) for n in names),
            )
        )

    def _fx_write_stage_changes(self, changes, now):
        if not changes:
            return
        ids, olds, news = (list(col) for col in zip(*changes, strict=False))
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_trader_stage_history
                       (partner_id, stage_from, stage_to, date,
                        create_uid, write_uid, create_date, write_date)
                SELECT id, old, new, %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(ids)s::int4[], %(olds)s::varchar[], %(news)s::varchar[])
                       AS s(id, old, new)
                """,
                now=now,
                uid=self.env.uid,
                ids=ids,
                olds=olds,
                news=news,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET fx_stage_date = %s WHERE id = ANY(%s)",
                now,
                ids,
            )
        )
        self.env["fx.trader.stage.history"].invalidate_model()
        self._fx_track_stage_changes(changes, now)

    def _fx_track_stage_changes(self, changes, now):
        """The stage is tracked (``tracking=True``) but written in SQL: log each
        change in the trader's chatter as Odoo's tracking does, a note by
        OdooBot with the old and new stage (a ``mail.message`` and its
        ``mail.tracking.value``).

        Written set-based, two INSERTs for the whole batch: the ORM needs about
        0.9 ms per message (17 s for a book of 20,000 traders changing stage at
        once), this 1,000 times less. What the ORM would add to such a note is
        written here too (author, e-mail from, a unique Message-Id, internal
        note subtype); a note notifies no one. The tests read it back through
        Odoo's own chatter API (``message_format``)."""
        if not changes:
            return
        labels = dict(self._fields["fx_stage"]._description_selection(self.env))
        author = self.env.ref("base.partner_root")
        ids, olds, news = (list(col) for col in zip(*changes, strict=True))
        self.env.cr.execute(
            SQL(
                """
                WITH s AS (
                    SELECT * FROM unnest(%(ids)s::int4[], %(olds)s::varchar[],
                                         %(news)s::varchar[]) AS s(res_id, old, new)
                ),
                m AS (
                    INSERT INTO mail_message
                           (model, res_id, message_type, subtype_id, author_id,
                            email_from, body, is_internal, date, message_id,
                            create_uid, write_uid, create_date, write_date)
                    SELECT 'res.partner', s.res_id, 'notification', %(note)s,
                           %(author)s, %(email_from)s, '', true, %(now)s,
                           '<' || gen_random_uuid() || '-fx-stage@odoo>',
                           %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM s
                    RETURNING id, res_id
                )
                INSERT INTO mail_tracking_value
                       (field_id, old_value_char, new_value_char, mail_message_id,
                        create_uid, write_uid, create_date, write_date)
                SELECT %(field)s, s.old, s.new, m.id, %(uid)s, %(uid)s, %(now)s,
                       %(now)s
                  FROM m JOIN s ON s.res_id = m.res_id
                """,
                ids=ids,
                olds=[labels.get(old, old or "") for old in olds],
                news=[labels.get(new, new) for new in news],
                note=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author.id,
                email_from=author.email_formatted,
                now=now,
                uid=self.env.uid,
                field=self.env["ir.model.fields"]._get("res.partner", "fx_stage").id,
            )
        )
        self.env["mail.message"].invalidate_model()
        self.env["mail.tracking.value"].invalidate_model()

    def _fx_write_top_tags(self, ids, since):
        """Instruments traded (top 5 by volume) and strategies used, last 90 days."""
        top = self.env.execute_query(
            SQL(
                """
                SELECT partner_id, symbol FROM (
                    SELECT t.partner_id, t.symbol, row_number() OVER (
                           PARTITION BY t.partner_id
                           ORDER BY sum(t.volume) DESC, t.symbol) AS rank
                      FROM fx_trade t
                     WHERE t.partner_id = ANY(%s) AND t.open_time >= %s
                     GROUP BY t.partner_id, t.symbol
                ) ranked WHERE rank <= 5
                """,
                ids,
                since,
            )
        )
        used = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT partner_id, strategy FROM fx_trade
                 WHERE partner_id = ANY(%s) AND open_time >= %s
                   AND strategy IS NOT NULL
                """,
                ids,
                since,
            )
        )
        instruments = self.env["fx.instrument"]._fx_ids_by_symbol({s for _p, s in top})
        strategies = self.env["fx.strategy"]._fx_ids_by_code({s for _p, s in used})
        self._fx_replace_rel(
            "res_partner_fx_instrument_rel",
            "instrument_id",
            ids,
            [(p, instruments[s]) for p, s in top],
        )
        self._fx_replace_rel(
            "res_partner_fx_strategy_rel",
            "strategy_id",
            ids,
            [(p, strategies[s]) for p, s in used],
        )

    def _fx_replace_rel(self, table, column, ids, pairs):
        partner_ids = [p for p, _x in pairs]
        other_ids = [x for _p, x in pairs]
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %(table)s r
                 WHERE r.partner_id = ANY(%(ids)s)
                   AND (r.partner_id, r.%(col)s) NOT IN (
                       SELECT * FROM unnest(%(ps)s::int4[], %(xs)s::int4[]))
                """,
                table=SQL.identifier(table),
                col=SQL.identifier(column),
                ids=ids,
                ps=partner_ids,
                xs=other_ids,
            )
        )
        if pairs:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO %(table)s (partner_id, %(col)s)
                    SELECT * FROM unnest(%(ps)s::int4[], %(xs)s::int4[])
                    ON CONFLICT DO NOTHING
                    """,
                    table=SQL.identifier(table),
                    col=SQL.identifier(column),
                    ps=partner_ids,
                    xs=other_ids,
                )
            )

    @api.model
    def _fx_trader_ids(self):
        """Ids of every trader (and of every contact holding an account)."""
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM res_partner WHERE fx_is_trader "
                    "OR id IN (SELECT partner_id FROM fx_trading_account) ORDER BY id"
                )
            )
        ]

    @api.model
    def _fx_refresh_all_facts(self):
        """Refresh the facts of every trader: now, in this transaction, for a
        book of up to ``RECOMPUTE_CHUNK`` traders (a few seconds); a larger book
        is queued (one statement) for the facts cron, which refreshes it in
        committed batches with progress, so that no request or cron holds every
        trader's row locked at once."""
        ids = self._fx_trader_ids()
        if len(ids) <= RECOMPUTE_CHUNK:
            return self._fx_recompute_all(ids=ids)
        self.env["fx.facts.queue"]._enqueue(ids)
        return {"traders": len(ids), "queued": len(ids)}

    @api.model
    def _fx_recompute_all(self, ids=None):
        """Refresh the facts of every trader (or of ``ids``), in chunks, in
        this transaction (see :meth:`_fx_refresh_all_facts` for large books)."""
        start = time.monotonic()
        [(queued_until,)] = self.env.execute_query(
            SQL("SELECT coalesce(max(id), 0) FROM fx_facts_queue")
        )
        if ids is None:
            ids = self._fx_trader_ids()
        changed = 0
        for done in range(0, len(ids), RECOMPUTE_CHUNK):
            chunk = self.browse(ids[done : done + RECOMPUTE_CHUNK])
            changed += chunk._fx_recompute_facts()
        # everyone queued before we started is up to date now
        self.env.cr.execute(
            SQL("DELETE FROM fx_facts_queue WHERE id <= %s", queued_until)
        )
        seconds = round(time.monotonic() - start, 3)
        _logger.info(
            "Trader facts refreshed for %s traders in %.1fs (%s stage changes)",
            len(ids),
            seconds,
            changed,
        )
        return {"traders": len(ids), "changed_stages": changed, "seconds": seconds}

    @api.model
    def _cron_fx_recompute_facts(self):
        """Daily: time windows move and traders become dormant without any push."""
        return self._fx_refresh_all_facts()

    # ---------------------------------------------------------- market events
    @api.depends_context("fx_market_event_id")
    def _compute_fx_market(self):
        """Set-based: one query for the whole batch of recipients."""
        event_id = self.env.context.get("fx_market_event_id")
        Event = self.env["fx.market.event"].sudo()
        event = Event.browse(event_id).exists() if event_id else Event
        symbols = ids = ()
        if event:
            symbols, ids = event._fx_affected()[event.id]
        partner_ids = [pid for pid in self.ids if pid]
        symbols_of, positions_of = {}, {}
        if event and partner_ids:
            now = fields.Datetime.now()
            for partner_id, names in self.env.execute_query(
                SQL(
                    """
                    SELECT s.partner_id, array_agg(DISTINCT s.symbol ORDER BY s.symbol)
                      FROM (SELECT t.partner_id, t.symbol FROM fx_trade t
                             WHERE t.partner_id = ANY(%(partners)s)
                               AND t.symbol = ANY(%(symbols)s)
                               AND (t.state = 'open' OR (t.open_time >= %(since)s
                                                         AND t.open_time <= %(now)s))
                            UNION
                            SELECT w.partner_id, i.name
                              FROM res_partner_fx_watch_rel w
                              JOIN fx_instrument i ON i.id = w.instrument_id
                             WHERE w.partner_id = ANY(%(partners)s)
                               AND w.instrument_id = ANY(%(ids)s)) s
                     GROUP BY s.partner_id
                    """,
                    symbols=list(symbols),
                    ids=list(ids),
                    since=now - timedelta(days=Event._fx_recent_days()),
                    now=now,
                    partners=partner_ids,
                )
            ):
                symbols_of[partner_id] = ", ".join(names)
            for partner_id, symbol, side, volume in self.env.execute_query(
                SQL(
                    """
                    SELECT t.partner_id, t.symbol, t.side, sum(t.volume)
                      FROM fx_trade t
                     WHERE t.partner_id = ANY(%s) AND t.state = 'open'
                       AND t.symbol = ANY(%s)
                     GROUP BY t.partner_id, t.symbol, t.side
                     ORDER BY t.partner_id, t.symbol, t.side
                    """,
                    partner_ids,
                    list(symbols),
                )
            ):
                text = self.env._(
                    "%(symbol)s %(side)s %(volume).2f lots",
                    symbol=symbol,
                    side=side,
                    volume=volume,
                )
                positions_of.setdefault(partner_id, []).append(text)
        for partner in self:
            partner.fx_market_event_id = event
            partner.fx_market_symbols = symbols_of.get(partner.id, False)
            partner.fx_market_positions = (
                ", ".join(positions_of[partner.id])
                if partner.id in positions_of
                else False
            )

    def _compute_fx_market_concerned_event_id(self):
        self.fx_market_concerned_event_id = False

    def _search_fx_market_concerned_event_id(self, operator, value):
        """``= event id``: the traders the event concerns now (as the
        current user may see them)."""
        if operator not in ("=", "in") or not value:
            raise ValidationError(
                self.env._("Search the traders of a market event with '=' its id.")
            )
        event_ids = [value] if isinstance(value, int) else list(value)
        events = self.env["fx.market.event"].browse(event_ids).exists()
        partner_ids = set()
        for event in events:
            partner_ids.update(event._fx_concerned_ids())
        return [("id", "in", sorted(partner_ids))]
