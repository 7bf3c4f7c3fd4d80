"""Data quality of the trader's contact: the keys compared to find duplicates
(normalised phone numbers, the KYC document id), the profile completeness, the
stale flag, and the next best offers shown on the trader
(docs/METRICS.md#data-quality, #next-best-offer)."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..facts import Fact, Source
from ..lib.data_quality import COMPLETENESS_WEIGHTS, phone_fallback
from .res_partner import FX_MANAGER_FIELDS, FX_READ, FX_SYSTEM_FIELDS

DEFAULT_STALE_MONTHS = 12
# written by the system only (scores, normalised keys, offers)
DQ_SYSTEM_FIELDS = frozenset(
    """fx_phone_normalized fx_mobile_normalized fx_completeness fx_missing_fields
    fx_is_stale fx_profile_date fx_next_best_offer_ids""".split()
)
# a fact of the KYC provider: the system, and FX managers to correct it
DQ_MANAGER_FIELDS = frozenset(["fx_kyc_document_ref"])
# an update of one of these is an update of the profile (stale flag)
PROFILE_FIELDS = frozenset(
    {name for name, _weight in COMPLETENESS_WEIGHTS} | {"mobile"}
)
# Odoo's partner merge (base.partner.merge.automatic.wizard) copies every
# field of the merged contacts onto the one kept; the trader facts and scores
# are not copied but recomputed from the facts that moved. The marker is an
# object, which no RPC context (JSON) can carry.
MERGE_MARKER = object()
NOT_COPIED_ON_MERGE = (
    FX_MANAGER_FIELDS
    | FX_SYSTEM_FIELDS
    | DQ_SYSTEM_FIELDS
    | DQ_MANAGER_FIELDS
    | {"fx_client_ref"}
)

# the latest KYC document id pushed with a client event, else the one kept
KYC_DOCUMENT_SOURCE = Source(
    "SELECT me.id AS partner_id",
    "FROM res_partner me LEFT JOIN LATERAL ("
    "SELECT e.kyc_document_ref FROM fx_client_event e "
    "WHERE e.partner_id = me.id AND e.kyc_document_ref IS NOT NULL "
    "ORDER BY e.date DESC, e.id DESC LIMIT 1) doc ON TRUE "
    "WHERE me.id = ANY(%(ids)s)",
)


def _filled(name, field):
    """SQL: the column of ``field`` holds a value."""
    column = SQL.identifier("p", name)
    if field.type in ("char", "text"):
        return SQL("(nullif(btrim(%s), '') IS NOT NULL)", column)
    return SQL("(%s IS NOT NULL)", column)


# kept apart from res_partner.py: the data-quality fields and hooks read (and
# are reviewed) as one piece
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    fx_phone_normalized = fields.Char(
        string="Phone (normalised)",
        compute="_compute_fx_phone_normalized",
        store=True,
        index="btree_not_null",
        copy=False,
        help="The phone number in international form (+ country code and number), "
        "compared across traders to find duplicates.",
        groups=FX_READ,
    )
    fx_mobile_normalized = fields.Char(
        string="Mobile (normalised)",
        compute="_compute_fx_phone_normalized",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=FX_READ,
    )
    fx_kyc_document_ref = fields.Char(
        string="KYC Document ID",
        index="btree_not_null",
        copy=False,
        help="Number of the identity document checked by the KYC provider (sent "
        "with the client events); compared across traders to find duplicates.",
        groups=FX_READ,
        fx_fact=Fact(
            "kycdoc", "coalesce(doc.kyc_document_ref, me.fx_kyc_document_ref)"
        ),
    )
    fx_completeness = fields.Integer(
        string="Profile Completeness",
        aggregator="avg",
        readonly=True,
        copy=False,
        help="0-100: the weighted share of the profile fields that are filled "
        "(see the missing ones next to it).",
        groups=FX_READ,
    )
    fx_missing_fields = fields.Char(
        string="Missing Profile Fields (codes)",
        readonly=True,
        copy=False,
        groups=FX_READ,
    )
    fx_missing_fields_display = fields.Char(
        string="Missing",
        compute="_compute_fx_missing_fields_display",
        groups=FX_READ,
    )
    fx_profile_date = fields.Datetime(
        string="Profile Updated On",
        readonly=True,
        copy=False,
        help="Last change of a profile field (name, e-mail, phone, address, "
        "birth date, occupation ...); the creation date before that.",
        groups=FX_READ,
    )
    fx_is_stale = fields.Boolean(
        string="Stale Data",
        readonly=True,
        copy=False,
        index=True,
        help="The profile has not been updated for the period set in the settings.",
        groups=FX_READ,
    )
    fx_next_best_offer_ids = fields.One2many(
        "fx.next.best.offer",
        "partner_id",
        string="Next Best Offers",
        readonly=True,
        groups=FX_READ,
    )
    fx_next_best_offer_text = fields.Text(
        string="Next Best Offers (text)",
        compute="_compute_fx_next_best_offer_text",
        help="The next best offers as lines of text, for e-mail templates: "
        "{{ object.fx_next_best_offer_text }}.",
        groups=FX_READ,
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_fx_phone_normalized(self):
        for partner in self:
            partner.fx_phone_normalized = partner._fx_normalize_phone(partner.phone)
            partner.fx_mobile_normalized = partner._fx_normalize_phone(partner.mobile)

    def _fx_normalize_phone(self, number):
        """E.164 (``+<country code><number>``) by Odoo's phone utilities
        (``phonenumbers``), in the contact's country, else the company's;
        when they cannot parse it (or phonenumbers is not installed), the
        documented fallback of lib.data_quality.phone_fallback."""
        if not number:
            return False
        country = self.country_id or self.env.company.country_id
        formatted = False
        if country:
            formatted = self._phone_format_number(
                number, country=country, force_format="E164"
            )
        if formatted and formatted != number.strip():
            return formatted
        return phone_fallback(number, country.phone_code if country else None) or False

    @api.depends("fx_missing_fields")
    def _compute_fx_missing_fields_display(self):
        labels = {
            name: self._fields[name]._description_string(self.env)
            for name, _weight in COMPLETENESS_WEIGHTS
        }
        for partner in self:
            codes = (partner.fx_missing_fields or "").split(",")
            partner.fx_missing_fields_display = ", ".join(
                labels[code] for code in codes if code in labels
            )

    @api.depends("fx_next_best_offer_ids")
    def _compute_fx_next_best_offer_text(self):
        for partner in self:
            partner.fx_next_best_offer_text = "\n".join(
                partner.fx_next_best_offer_ids.sorted("rank").mapped("reason")
            )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        # a new contact may carry the empty defaults of these fields (a form
        # sends them all), not values: the access check sees values only
        guarded = DQ_SYSTEM_FIELDS | DQ_MANAGER_FIELDS
        vals_list = [
            {k: v for k, v in vals.items() if v or k not in guarded}
            for vals in vals_list
        ]
        partners = super().create(vals_list)
        partners._fx_stamp_profile()
        partners._fx_recompute_data_quality()  # traders only (in SQL)
        return partners

    def write(self, vals):
        if self.env.context.get("fx_merge_marker") is MERGE_MARKER:
            vals = {
                k: v
                for k, v in vals.items()
                if k not in NOT_COPIED_ON_MERGE and k not in self._fx_scores()
            }
        result = super().write(vals)
        if PROFILE_FIELDS.intersection(vals):
            self._fx_stamp_profile()
        if PROFILE_FIELDS.intersection(vals) or "fx_is_trader" in vals:
            self._fx_recompute_data_quality()
        return result

    def _fx_scores(self):
        """The scores other parts of the addon compute (KPIs, feedback): never
        copied by a merge either, recomputed from the facts that moved."""
        return frozenset()

    def _fx_stamp_profile(self):
        """The profile was updated now (stale flag)."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET fx_profile_date = %s WHERE id = ANY(%s)",
                    fields.Datetime.now(),
                    self.ids,
                )
            )
            self.invalidate_recordset(["fx_profile_date"])

    def _fx_check_write_access(self, fnames):
        """The data-quality fields: the normalised keys, scores and offers are
        the system's, the KYC document id a fact (FX managers correct it)."""
        super()._fx_check_write_access(fnames)
        if self.env.su:
            return
        fnames = set(fnames)
        refused = fnames & DQ_SYSTEM_FIELDS
        if not self.env.user.has_group("fx_engagement.group_fx_manager"):
            refused |= fnames & DQ_MANAGER_FIELDS
        if refused:
            raise AccessError(
                self.env._(
                    "You may not change %(fields)s: scores are computed by the "
                    "system, and a KYC document id comes from the KYC provider and "
                    "is corrected by FX managers only.",
                    fields=", ".join(
                        self._fields[name].string for name in sorted(refused)
                    ),
                )
            )

    # ----------------------------------------------------------------- facts
    @api.model
    def _fx_fact_sources(self):
        sources = super()._fx_fact_sources()
        sources["kycdoc"] = KYC_DOCUMENT_SOURCE
        return sources

    def _fx_recompute_facts(self):
        changed = super()._fx_recompute_facts()
        self._fx_recompute_data_quality()
        return changed

    # ----------------------------------------------------------- completeness
    @api.model
    def _fx_stale_months(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("fx_engagement.stale_months")
        )
        return int(value) if value else DEFAULT_STALE_MONTHS

    def _fx_recompute_data_quality(self, everyone=False):
        """Completeness score, missing fields and stale flag of ``self`` (or of
        every trader with ``everyone``), in one UPDATE writing only the rows that
        change (docs/METRICS.md#profile-completeness, #stale-data)."""
        if not self and not everyone:
            return 0
        self.env.flush_all()
        now = fields.Datetime.now()
        stale_before = now - relativedelta(months=self._fx_stale_months())
        checks = []
        for name, weight in COMPLETENESS_WEIGHTS:
            filled = _filled(name, self._fields[name])
            if name == "phone":
                filled = SQL(
                    "(%s OR %s)", filled, _filled("mobile", self._fields["mobile"])
                )
            checks.append((name, weight, filled))
        score = SQL(" + ").join(
            SQL("CASE WHEN %s THEN %s ELSE 0 END", filled, weight)
            for _name, weight, filled in checks
        )
        missing = SQL(
            "nullif(concat_ws(',', %s), '')",
            SQL(", ").join(
                SQL("CASE WHEN NOT %s THEN %s END", filled, name)
                for name, _weight, filled in checks
            ),
        )
        scope = SQL("TRUE") if everyone else SQL("p.id = ANY(%s)", self.ids)
        self.env.cr.execute(
            SQL(
                """
                WITH s AS (
                    SELECT p.id, %(score)s AS score, %(missing)s AS missing,
                           coalesce(p.fx_profile_date, p.create_date)
                               < %(stale_before)s AS stale
                      FROM res_partner p
                     WHERE p.fx_is_trader AND %(scope)s
                )
                UPDATE res_partner p
                   SET fx_completeness = s.score, fx_missing_fields = s.missing,
                       fx_is_stale = s.stale
                  FROM s
                 WHERE p.id = s.id
                   AND (p.fx_completeness, p.fx_missing_fields, p.fx_is_stale)
                       IS DISTINCT FROM (s.score, s.missing, s.stale)
                """,
                score=score,
                missing=missing,
                stale_before=stale_before,
                scope=scope,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model(
            ["fx_completeness", "fx_missing_fields", "fx_is_stale", "fx_profile_date"]
        )
        return count

    @api.model
    def _cron_fx_data_quality(self):
        """Nightly: the stale flag moves with time; duplicates are detected
        again (the cron of fx.duplicate.pair)."""
        changed = self.browse()._fx_recompute_data_quality(everyone=True)
        self.env["ir.cron"]._notify_progress(done=changed, remaining=0)
        return changed
