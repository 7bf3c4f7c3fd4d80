"""The feedback pushes of the sync API: ``push_feedback`` (the feedback log)
and ``push_social_metrics`` (social media engagement), declared as
:class:`Push` and run by the one pipeline ``fx.sync._push`` (validate the
whole batch, resolve, upsert set-based); and the deposit trigger of the
feedback surveys, an ``after`` step of ``push_fundings``."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.validation import Field
from .fx_feedback import CHANNELS, SENTIMENTS
from .fx_social_metric import PLATFORMS
from .fx_sync import Push, columns

FEEDBACK_SCHEMA = {
    "ref": Field("str", required=True, max_len=64),
    "source": Field("str", max_len=32, lower=True, default="api"),
    "client_ref": Field("str", max_len=64),
    "email": Field("str", max_len=254, lower=True),
    "channel": Field("enum", required=True, choices=tuple(c for c, _l in CHANNELS)),
    "sentiment": Field("enum", choices=tuple(s for s, _l in SENTIMENTS), lower=True),
    "body": Field("str", required=True, max_len=4000, multiline=True),
    "at": Field("datetime", required=True),
}
SOCIAL_SCHEMA = {
    "platform": Field("enum", required=True, choices=tuple(p for p, _l in PLATFORMS)),
    "post_ref": Field("str", required=True, max_len=128),
    "level": Field("enum", choices=("post", "campaign"), default="post"),
    "campaign": Field("str", max_len=128),
    "at": Field("datetime", required=True),
    "reach": Field("int", min_value=0, default=0),
    "impressions": Field("int", min_value=0, default=0),
    "likes": Field("int", min_value=0, default=0),
    "comments": Field("int", min_value=0, default=0),
    "shares": Field("int", min_value=0, default=0),
    "clicks": Field("int", min_value=0, default=0),
    "audience": Field("int", min_value=0, default=0),
}
FEEDBACK_PUSHES = {
    push.method: push
    for push in (
        Push(
            method="push_feedback",
            model="fx.feedback",
            schema=FEEDBACK_SCHEMA,
            key=lambda r: (r["source"], r["ref"]),
            conflict=("source", "ref"),
            resolve=(
                ("_require_client", "_resolve_clients"),
                ("_check_feedback_clients", "_check_feedback_keys"),
            ),
            prepare=("_prepare_feedback",),
            columns=columns(
                "partner_id",
                "user_id",
                "team_id",
                "company_id",
                "source",
                "ref",
                "channel",
                "sentiment",
                "body",
                "author_id",
                date="at",
            ),
            after=("_follow_up_feedback",),
        ),
        Push(
            method="push_social_metrics",
            model="fx.social.metric",
            schema=SOCIAL_SCHEMA,
            key=lambda r: (r["platform"], r["post_ref"]),
            conflict=("platform", "post_ref"),
            resolve=(("_resolve_utm_campaigns", "_check_social_keys"),),
            prepare=("_prepare_social",),
            columns=columns(
                "platform",
                "post_ref",
                "level",
                "company_id",
                "reach",
                "impressions",
                "likes",
                "comments",
                "shares",
                "clicks",
                "audience",
                utm_campaign_id="campaign_id",
                date="at",
            ),
            after=("_compute_social_rates",),
        ),
    )
}
# only recent deposits ask for feedback: a back-fill of old fundings does not
DEPOSIT_FEEDBACK_DAYS = 2


class FxSync(models.AbstractModel):
    _inherit = "fx.sync"

    # ------------------------------------------------------------------ public API
    @api.model
    def push_feedback(self, records):
        """Record traders' feedback from any channel (idempotent by source and
        ref); negative feedback opens one follow-up for the salesperson."""
        return self._push("push_feedback", records)

    @api.model
    def push_social_metrics(self, records):
        """Record the engagement of social posts or campaigns (idempotent by
        platform and post_ref)."""
        return self._push("push_social_metrics", records)

    # ---------------------------------------------------------------- pipeline
    def _push_declaration(self, method):
        if method in FEEDBACK_PUSHES:
            return FEEDBACK_PUSHES[method]
        push = super()._push_declaration(method)
        if method == "push_fundings":
            push = push.extend(after=("_ask_deposit_feedback",))
        return push

    def _validate(self, method, records, schema, key, *args, **kwargs):
        sync = self
        if method in FEEDBACK_PUSHES:
            # social platforms are not trading platforms: date-times without an
            # offset are read in the time zone of client events
            sync = self.with_context(fx_sync_events_tz=True)
        return super(FxSync, sync)._validate(
            method, records, schema, key, *args, **kwargs
        )

    def _local_time(self, by_platform):
        if self.env.context.get("fx_sync_events_tz"):
            by_platform = False
        return super()._local_time(by_platform)

    # -------------------------------------------------------------- resolvers
    def _check_feedback_clients(self, rows, errors):
        for index, row in enumerate(rows):
            if row["partner_id"] is None and (row["client_ref"] or row["email"]):
                key = "client_ref" if row["client_ref"] else "email"
                errors.append((index, key, f"unknown client {row[key]!r}"))

    def _check_feedback_keys(self, rows, errors):
        """A feedback (source, ref) of a trader of another company is not taken
        over."""
        self._check_key_company(
            rows,
            errors,
            SQL(
                "SELECT f.source, f.ref, p.company_id FROM fx_feedback f "
                "JOIN res_partner p ON p.id = f.partner_id "
                "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, ref) "
                "ON f.source = k.source AND f.ref = k.ref",
                [r["source"] for r in rows],
                [r["ref"] for r in rows],
            ),
            lambda r: (r["source"], r["ref"]),
            "ref",
        )

    def _check_social_keys(self, rows, errors):
        self._check_key_company(
            rows,
            errors,
            SQL(
                "SELECT m.platform, m.post_ref, m.company_id FROM fx_social_metric m "
                "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(platform, post_ref) "
                "ON m.platform = k.platform AND m.post_ref = k.post_ref",
                [r["platform"] for r in rows],
                [r["post_ref"] for r in rows],
            ),
            lambda r: (r["platform"], r["post_ref"]),
            "post_ref",
        )

    def _check_key_company(self, rows, errors, query, key, field_name):
        company_id = self.env.company.id
        found = {
            (first, second): company
            for first, second, company in self.env.execute_query(query)
        }
        for index, row in enumerate(rows):
            company = found.get(key(row), company_id)
            if company and company != company_id:
                errors.append((index, field_name, "belongs to another company"))

    def _resolve_utm_campaigns(self, rows, errors):
        """``campaign_id``: the UTM campaign named ``campaign`` (None when not
        given)."""
        names = {r["campaign"] for r in rows if r["campaign"]}
        found = {}
        if names:
            found = dict(
                self.env.execute_query(
                    SQL(
                        "SELECT name, min(id) FROM utm_campaign "
                        "WHERE name = ANY(%s) GROUP BY name",
                        list(names),
                    )
                )
            )
        for index, row in enumerate(rows):
            row["campaign_id"] = found.get(row["campaign"])
            if row["campaign"] and row["campaign_id"] is None:
                reason = f"unknown campaign {row['campaign']!r}"
                errors.append((index, "campaign", reason))

    # ---------------------------------------------------------- prepare, after
    def _prepare_feedback(self, rows):
        """The trader's salesperson, team and company (stored on the feedback
        for the record rules and reports); a sentiment set by staff is kept
        when the source sends none."""
        partner_ids = list({row["partner_id"] for row in rows})
        self.env["res.partner"].flush_model(["user_id", "team_id", "company_id"])
        self.env["fx.feedback"].flush_model()
        partners = {
            pid: (user_id, team_id, company_id)
            for pid, user_id, team_id, company_id in self.env.execute_query(
                SQL(
                    "SELECT id, user_id, team_id, company_id FROM res_partner "
                    "WHERE id = ANY(%s)",
                    partner_ids,
                )
            )
        }
        kept = {
            (source, ref): sentiment
            for source, ref, sentiment in self.env.execute_query(
                SQL(
                    "SELECT f.source, f.ref, f.sentiment FROM fx_feedback f "
                    "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, ref) "
                    "ON f.source = k.source AND f.ref = k.ref",
                    [r["source"] for r in rows],
                    [r["ref"] for r in rows],
                )
            )
        }
        for row in rows:
            row["user_id"], row["team_id"], row["company_id"] = partners[
                row["partner_id"]
            ]
            row["author_id"] = self.env.uid
            if not row["sentiment"]:
                row["sentiment"] = kept.get((row["source"], row["ref"]))

    def _follow_up_feedback(self, rows):
        negative = [r for r in rows if r["sentiment"] == "negative"]
        if negative:
            self.env["fx.feedback"].flush_model()
            ids = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT f.id FROM fx_feedback f "
                        "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, ref) "
                        "ON f.source = k.source AND f.ref = k.ref "
                        "WHERE f.sentiment = 'negative' "
                        "AND NOT coalesce(f.is_followup_handled, false)",
                        [r["source"] for r in negative],
                        [r["ref"] for r in negative],
                    )
                )
            ]
            if ids:
                Feedback = self.env["fx.feedback"]
                Feedback._fx_follow_up(Feedback.browse(ids))

    def _prepare_social(self, rows):
        company_id = self.env.company.id
        for row in rows:
            row["company_id"] = company_id

    def _compute_social_rates(self, rows):
        keys = {(r["platform"], r["post_ref"]) for r in rows}
        platforms, posts = (list(col) for col in zip(*keys, strict=True))
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT m.id FROM fx_social_metric m "
                    "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(platform, post) "
                    "ON m.platform = k.platform AND m.post_ref = k.post",
                    platforms,
                    posts,
                )
            )
        ]
        self.env["fx.social.metric"].browse(ids)._fx_compute_rates()

    def _ask_deposit_feedback(self, rows):
        """The deposit trigger of the feedback surveys: each recent deposit on
        a live account (DEPOSIT_FEEDBACK_DAYS) asks its trader, once per
        deposit (see fx.feedback.request._fx_on_interaction)."""
        Request = self.env["fx.feedback.request"]
        if not Request._fx_trigger_survey("deposit"):
            return
        since = fields.Datetime.now() - timedelta(days=DEPOSIT_FEEDBACK_DAYS)
        deposits = [r for r in rows if r["kind"] == "deposit" and r["at"] >= since]
        if not deposits:
            return
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT f.id FROM fx_funding f "
                    "JOIN fx_trading_account a ON a.id = f.account_id "
                    "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, ref) "
                    "ON f.source = k.source AND f.ref = k.ref "
                    "WHERE a.account_type = 'live' ORDER BY f.date, f.id",
                    [r["source"] for r in deposits],
                    [r["ref"] for r in deposits],
                )
            )
        ]
        Request._fx_on_interaction("deposit", self.env["fx.funding"].browse(ids))
