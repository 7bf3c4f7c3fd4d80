"""Did the campaign work (docs/METRICS.md#campaign-results): rates per group
(each A/B variant, the others, the holdout) and per step, the A/B verdict in
words, and the results over time."""

from odoo import models
from odoo.tools import SQL

from ..lib.campaign_results import (
    confidence_of,
    group_rates,
    needed_sample_means,
    needed_sample_rates,
    ratio,
)
from ..lib.stats import DecisionStatus

RATES = (
    "open_rate",
    "click_rate",
    "conversion_rate",
    "deposits_per_contact",
    "revenue_per_contact",
)


class FxCampaign(models.Model):
    _inherit = "fx.campaign"

    def _fx_group_counts(self):
        """[(group key, counts)]: key is ("variant", id), ("holdout", None) or
        ("others", None); counts as in docs/METRICS.md#campaign-results."""
        self.ensure_one()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT CASE WHEN cp.is_holdout THEN 'holdout'
                            WHEN cp.variant_id IS NOT NULL THEN 'variant'
                            ELSE 'others' END AS kind,
                       CASE WHEN cp.is_holdout THEN NULL
                            ELSE cp.variant_id END AS variant_id,
                       count(*) AS participants,
                       coalesce(sum(l.sent), 0) AS sent,
                       coalesce(sum(l.opened), 0) AS opened,
                       coalesce(sum(l.clicked), 0) AS clicked,
                       count(*) FILTER (WHERE cp.converted) AS converted,
                       coalesce(sum(cp.revenue), 0) AS deposits,
                       coalesce(sum(r.revenue), 0) AS revenue
                  FROM fx_campaign_participant cp
                  LEFT JOIN LATERAL (
                       SELECT count(*) AS sent,
                              count(*) FILTER (WHERE t.open_datetime IS NOT NULL)
                                  AS opened,
                              count(*) FILTER (
                                  WHERE t.links_click_datetime IS NOT NULL)
                                  AS clicked
                         FROM fx_campaign_log lg
                         LEFT JOIN LATERAL (
                              SELECT tr.open_datetime, tr.links_click_datetime
                                FROM mailing_trace tr
                               WHERE tr.mass_mailing_id = lg.mailing_id
                                 AND tr.model = 'res.partner'
                                 AND tr.res_id = lg.partner_id
                               ORDER BY tr.id DESC LIMIT 1) t ON true
                        WHERE lg.participant_id = cp.id AND lg.result = 'sent'
                  ) l ON true
                  LEFT JOIN LATERAL (
                       SELECT sum(tr.revenue_company) AS revenue FROM fx_trade tr
                        WHERE tr.partner_id = cp.partner_id
                          AND tr.open_time >= cp.enrolled_date
                          AND tr.open_time <= cp.enrolled_date
                                              + make_interval(days => %(days)s)
                  ) r ON true
                 WHERE cp.campaign_id = %(campaign)s AND cp.is_test IS NOT TRUE
                   AND cp.id IN (%(visible)s)
                 GROUP BY 1, 2
                """,
                campaign=self.id,
                days=self.goal_days,
                visible=self.env["fx.campaign.participant"]
                ._search([("campaign_id", "=", self.id)])
                .subselect(),
            )
        )
        return rows

    def fx_campaign_results(self):
        """The results of this campaign for its Results tab: one row per group
        (each variant, the participants without a variant, the holdout, and
        everyone but the holdout), with counts, rates and the difference of
        conversion against the holdout; the A/B verdict in words."""
        self.ensure_one()
        self.check_access("read")
        self.env.flush_all()  # read the database directly
        rows = self._fx_group_counts()
        variants = {v.id: v for v in self.variant_ids}
        keys = ("participants", "sent", "opened", "clicked", "converted")
        sums = ("deposits", "revenue")

        def make(label, kind, members, variant=None):
            counts = {k: sum(int(r[k]) for r in members) for k in keys}
            counts.update({k: sum(float(r[k]) for r in members) for k in sums})
            rates = group_rates(**counts)
            return {
                "label": label,
                "kind": kind,
                "variant_id": variant.id if variant else False,
                "is_winner": bool(variant) and variant == self.ab_winner_id,
                **counts,
                **{name: getattr(rates, name) for name in RATES},
            }

        groups = []
        for variant in self.variant_ids.sorted(
            lambda v: (v.step_id.sequence, v.sequence)
        ):
            members = [
                r
                for r in rows
                if r["kind"] == "variant" and r["variant_id"] == variant.id
            ]
            groups.append(make(variant.name, "variant", members, variant))
        # variants of deleted steps or of no step: counted with the others
        others = [
            r
            for r in rows
            if r["kind"] == "others"
            or (r["kind"] == "variant" and r["variant_id"] not in variants)
        ]
        if others and self.variant_ids:
            groups.append(make(self.env._("No variant"), "others", others))
        contacted = [r for r in rows if r["kind"] != "holdout"]
        groups.append(make(self.env._("Contacted"), "contacted", contacted))
        holdout = [r for r in rows if r["kind"] == "holdout"]
        holdout_group = make(self.env._("Holdout"), "holdout", holdout)
        if self.holdout_pct or holdout:
            groups.append(holdout_group)
        for group in groups:
            group["uplift"] = (
                group["conversion_rate"] - holdout_group["conversion_rate"]
                if holdout_group["participants"] and group["kind"] != "holdout"
                else None
            )
        return {
            "groups": groups,
            "steps": self._fx_step_rates(),
            "verdict": self._fx_ab_verdict(),
            "has_holdout": bool(holdout_group["participants"]),
        }

    def _fx_step_rates(self):
        """Per step: its journey counts and rates (open and click over sent,
        conversion over entered)."""
        steps = []
        for step in self.fx_journey_data()["steps"]:
            counts = step["counts"]
            steps.append(
                {
                    "id": step["id"],
                    "name": step["name"],
                    "entered": counts["entered"],
                    "sent": counts["sent"],
                    "open_rate": ratio(counts["opened"], counts["sent"]),
                    "click_rate": ratio(counts["clicked"], counts["sent"]),
                    "conversion_rate": ratio(counts["converted"], counts["entered"]),
                }
            )
        return steps

    def _fx_metric_phrase(self):
        """What the A/B metric measures, in words (lower case, for sentences)."""
        return {
            "open": self.env._("opens"),
            "click": self.env._("clicks"),
            "reply": self.env._("replies"),
            "deposit": self.env._("deposits"),
            "first_trade": self.env._("first trades"),
            "deposit_amount": self.env._("attributed deposits per contact"),
        }.get(self.ab_metric, self.ab_metric or "")

    def _fx_ab_verdict(self):
        """The A/B verdict in words (docs/METRICS.md#ab-verdict), or "" without
        an A/B test."""
        self.ensure_one()
        if not self.variant_ids:
            return ""
        stats = self.env["fx.campaign.report"]._fx_variant_stats(self)
        names = {v.id: v.name for v in self.variant_ids}
        amounts = self.ab_metric == "deposit_amount"
        groups = [
            (names.get(vid, str(vid)), v["n"], v["successes"], v["sum_squares"])
            for vid, v in stats.items()
            if v["n"]
        ]

        def value(n, successes):
            return successes / n if n else 0.0

        def shown(x):
            if amounts:
                return f"{x:,.2f}"
            return f"{x * 100:.1f} %"

        if len(groups) < 2:
            return self.env._("Not enough data yet: no participant in the test.")
        groups.sort(key=lambda g: value(g[1], g[2]), reverse=True)
        best, runner_up = groups[0], groups[1]
        decision = self._fx_ab_decision()
        confidence = self.ab_confidence / 100
        if decision.status == DecisionStatus.WINNER:
            return self.env._(
                "%(variant)s raises %(metric)s from %(base)s to %(best)s, "
                "%(confidence)s %% confidence — winner",
                variant=best[0],
                metric=self._fx_metric_phrase(),
                base=shown(value(runner_up[1], runner_up[2])),
                best=shown(value(best[1], best[2])),
                confidence=confidence_of(decision.p_value),
            )
        if amounts:
            means = []
            for _name, n, total, squares in (best, runner_up):
                mean = value(n, total)
                means.append((mean, max(0.0, squares / n - mean**2)))
            needed = needed_sample_means(
                means[1][0], means[1][1], means[0][0], means[0][1], confidence
            )
        else:
            needed = needed_sample_rates(
                value(runner_up[1], runner_up[2]),
                value(best[1], best[2]),
                confidence,
            )
        needed = max(needed, self.ab_min_sample)
        smallest = min(g[1] for g in groups)
        if smallest < needed:
            return self.env._(
                "Not enough data yet: %(have)s of %(needed)s needed per variant "
                "(%(best)s: %(best_value)s, %(other)s: %(other_value)s so far)",
                have=smallest,
                needed=needed,
                best=best[0],
                best_value=shown(value(best[1], best[2])),
                other=runner_up[0],
                other_value=shown(value(runner_up[1], runner_up[2])),
            )
        return self.env._(
            "No significant difference in %(metric)s: %(best)s %(best_value)s, "
            "%(other)s %(other_value)s (confidence %(confidence)s %%, "
            "%(required)s %% required)",
            metric=self._fx_metric_phrase(),
            best=best[0],
            best_value=shown(value(best[1], best[2])),
            other=runner_up[0],
            other_value=shown(value(runner_up[1], runner_up[2])),
            confidence=confidence_of(decision.p_value),
            required=round(self.ab_confidence),
        )

    def action_view_results_over_time(self):
        """The campaign analysis of this campaign as a graph by week."""
        self.ensure_one()
        action = self.action_view_report()
        action["views"] = [
            (
                self.env.ref("fx_engagement.fx_campaign_report_view_graph_time").id,
                "graph",
            ),
            (False, "pivot"),
        ]
        action["view_mode"] = "graph,pivot"
        action["display_name"] = action["name"] = self.env._("%s over time", self.name)
        return action
