"""The campaign as staff see it: the journey (the steps as a flow with live
counts per step and variant, docs/METRICS.md#journey-counts, each count opening
the list of those participants), Run Now saying what it did, and the results
(docs/METRICS.md#campaign-results): rates per group and step, the A/B verdict in
words, the results over time."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.campaign_results import (
    confidence_of,
    group_rates,
    needed_sample_means,
    needed_sample_rates,
    ratio,
)
from ..lib.stats import DecisionStatus

# the counts of a step, in the order shown
JOURNEY_METRICS = (
    "entered",
    "waiting",
    "deferred",
    "capped",
    "blocked",
    "sent",
    "opened",
    "clicked",
    "converted",
)
# log results a step records (fx.campaign.log.result) that Run Now reports
RUN_RESULTS = ("sent", "done", "skipped", "deferred", "capped", "blocked", "failed")

RATES = (
    "open_rate",
    "click_rate",
    "conversion_rate",
    "deposits_per_contact",
    "revenue_per_contact",
)


class FxCampaign(models.Model):
    _inherit = "fx.campaign"

    # ------------------------------------------------------------------ journey
    def _fx_journey_sql(self):
        """(metric, step_id, variant_id, participant_id) rows of this campaign's
        journey, real runs only (test contacts are left out)."""
        self.ensure_one()
        logs = SQL(
            "FROM fx_campaign_log l WHERE l.campaign_id = %s "
            "AND l.is_test IS NOT TRUE AND l.step_id IS NOT NULL",
            self.id,
        )
        at_step = SQL(
            "FROM fx_campaign_participant cp WHERE cp.campaign_id = %s "
            "AND cp.is_test IS NOT TRUE AND cp.step_id IS NOT NULL "
            "AND cp.state IN ('running', 'waiting')",
            self.id,
        )
        return SQL(
            """
            SELECT 'entered' AS metric, l.step_id, l.variant_id,
                   l.participant_id %(logs)s
            UNION ALL
            SELECT 'entered', cp.step_id, cp.variant_id, cp.id %(at_step)s
            UNION ALL
            SELECT CASE WHEN EXISTS (
                        SELECT 1 FROM fx_campaign_log d
                         WHERE d.participant_id = cp.id AND d.step_id = cp.step_id
                           AND d.result = 'deferred')
                        THEN 'deferred' ELSE 'waiting' END,
                   cp.step_id, cp.variant_id, cp.id %(at_step)s
            UNION ALL
            SELECT l.result, l.step_id, l.variant_id, l.participant_id %(logs)s
               AND l.result IN ('capped', 'blocked', 'sent')
            UNION ALL
            SELECT m.metric, l.step_id, l.variant_id, l.participant_id
              FROM fx_campaign_log l
             CROSS JOIN LATERAL (
                   SELECT t.open_datetime, t.links_click_datetime
                     FROM mailing_trace t
                    WHERE t.mass_mailing_id = l.mailing_id
                      AND t.model = 'res.partner' AND t.res_id = l.partner_id
                    ORDER BY t.id DESC LIMIT 1) t
             CROSS JOIN LATERAL (VALUES
                   ('opened', t.open_datetime IS NOT NULL),
                   ('clicked', t.links_click_datetime IS NOT NULL)) m(metric, hit)
             WHERE l.campaign_id = %(campaign)s AND l.is_test IS NOT TRUE
               AND l.step_id IS NOT NULL AND l.result = 'sent' AND m.hit
            UNION ALL
            SELECT 'converted', l.step_id, l.variant_id, l.participant_id %(logs)s
               AND l.result IN ('sent', 'done')
               AND EXISTS (SELECT 1 FROM fx_campaign_participant c
                            WHERE c.id = l.participant_id AND c.converted)
            """,
            logs=logs,
            at_step=at_step,
            campaign=self.id,
        )

    def fx_journey_data(self):
        """The journey of this campaign for the journey view: its steps in order,
        each with its counts (distinct participants) overall and per A/B
        variant. Read access to the campaign is required; counts follow the
        record rules of the participants."""
        self.ensure_one()
        self.check_access("read")
        self.env.flush_all()  # the counts read the database directly
        # plans are simple and run once: JIT compilation costs more than it saves
        self.env.cr.execute("SET LOCAL jit = off")
        visible = (
            self.env["fx.campaign.participant"]._search([("campaign_id", "=", self.id)])
        ).subselect()
        rows = self.env.execute_query(
            SQL(
                "SELECT j.metric, j.step_id, j.variant_id, GROUPING(j.variant_id), "
                "count(DISTINCT j.participant_id) FROM (%s) j "
                "WHERE j.participant_id IN (%s) "
                "GROUP BY GROUPING SETS ((j.metric, j.step_id), "
                "(j.metric, j.step_id, j.variant_id))",
                self._fx_journey_sql(),
                visible,
            )
        )
        totals, by_variant = {}, {}
        for metric, step_id, variant_id, is_total, count in rows:
            if is_total:
                totals.setdefault(step_id, {})[metric] = count
            elif variant_id:
                by_variant.setdefault((step_id, variant_id), {})[metric] = count
        labels = {
            "wait_unit": dict(
                self.env["fx.campaign.step"]
                ._fields["wait_unit"]
                ._description_selection(self.env)
            ),
            "condition": dict(
                self.env["fx.campaign.step"]
                ._fields["condition"]
                ._description_selection(self.env)
            ),
            "action_type": dict(
                self.env["fx.campaign.step"]
                ._fields["action_type"]
                ._description_selection(self.env)
            ),
        }
        steps = []
        for step in self.step_ids.sorted("sequence"):
            counts = totals.get(step.id, {})
            steps.append(
                {
                    "id": step.id,
                    "name": step.name,
                    "wait_value": step.wait_value,
                    "wait_unit": labels["wait_unit"].get(step.wait_unit),
                    "condition": step.condition,
                    "condition_label": labels["condition"].get(step.condition),
                    "action_type": step.action_type,
                    "action_label": labels["action_type"].get(step.action_type),
                    "is_broken": step.is_broken,
                    "counts": {m: counts.get(m, 0) for m in JOURNEY_METRICS},
                    "variants": [
                        {
                            "id": variant.id,
                            "name": variant.name,
                            "split_pct": variant.split_pct,
                            "is_winner": variant == self.ab_winner_id,
                            "counts": {
                                m: by_variant.get((step.id, variant.id), {}).get(m, 0)
                                for m in JOURNEY_METRICS
                            },
                        }
                        for variant in step.variant_ids.sorted("sequence")
                    ],
                }
            )
        return {
            "metrics": [
                {"key": key, "label": label} for key, label in self._fx_metric_labels()
            ],
            "steps": steps,
            "entered": self.participant_count,
            "holdout": self.env["fx.campaign.participant"].search_count(
                [
                    ("campaign_id", "=", self.id),
                    ("is_holdout", "=", True),
                    ("is_test", "=", False),
                ]
            ),
            "ab_result": self.ab_result or "",
        }

    def _fx_metric_labels(self):
        return [
            ("entered", self.env._("Entered")),
            ("waiting", self.env._("Waiting")),
            ("deferred", self.env._("Deferred (quiet hours)")),
            ("capped", self.env._("Capped")),
            ("blocked", self.env._("Blocked (consent)")),
            ("sent", self.env._("Sent")),
            ("opened", self.env._("Opened")),
            ("clicked", self.env._("Clicked")),
            ("converted", self.env._("Converted")),
        ]

    def action_view_journey_list(self, step_id, metric, variant_id=False):
        """The participants behind one count of the journey view."""
        self.ensure_one()
        self.check_access("read")
        if metric not in JOURNEY_METRICS:
            raise UserError(self.env._("Unknown journey count: %s", metric))
        step = self.step_ids.filtered(lambda s: s.id == step_id)
        if not step:
            raise UserError(
                self.env._(
                    "Step %(step)s is not a step of %(campaign)s.",
                    step=step_id,
                    campaign=self.name,
                )
            )
        self.env.flush_all()
        variant = SQL("AND j.variant_id = %s", variant_id) if variant_id else SQL("")
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT DISTINCT j.participant_id FROM (%s) j "
                    "WHERE j.metric = %s AND j.step_id = %s %s",
                    self._fx_journey_sql(),
                    metric,
                    step.id,
                    variant,
                )
            )
        ]
        label = dict(self._fx_metric_labels())[metric]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_campaign_participant_action"
        )
        # the web client titles the view with display_name before name
        action["name"] = action["display_name"] = self.env._(
            "%(step)s: %(count)s", step=step.name, count=label
        )
        action["domain"] = [("campaign_id", "=", self.id), ("id", "in", ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------ run now
    def _fx_run_now(self):
        """Run Now: process the campaigns, then a notification per campaign with
        what was done (and why nothing was sent, when so); the form reloads."""
        notifications = []
        for campaign in self:
            report = campaign._fx_run_report(campaign._fx_process)
            notifications.append((campaign, report))
        campaign, report = notifications[-1] if notifications else (self, None)
        if report is None:
            return True
        nothing = not (report["sent"] or report["done"])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("%s: run done", campaign.name),
                "message": campaign._fx_run_message(report),
                "type": "warning" if nothing else "success",
                "sticky": nothing,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _fx_run_report(self, run):
        """Run ``run`` (a callable) and describe what it did: entrants, the
        step results it logged, and why nothing was sent when so."""
        self.ensure_one()
        self.env.flush_all()
        [(last_log, entered_before)] = self.env.execute_query(
            SQL(
                "SELECT (SELECT coalesce(max(id), 0) FROM fx_campaign_log "
                "WHERE campaign_id = %(c)s), (SELECT count(*) FROM "
                "fx_campaign_participant WHERE campaign_id = %(c)s)",
                c=self.id,
            )
        )
        run()
        self.env.flush_all()
        results = dict(
            self.env.execute_query(
                SQL(
                    "SELECT result, count(*) FROM fx_campaign_log "
                    "WHERE campaign_id = %s AND id > %s GROUP BY result",
                    self.id,
                    last_log,
                )
            )
        )
        [(entered_after,)] = self.env.execute_query(
            SQL(
                "SELECT count(*) FROM fx_campaign_participant WHERE campaign_id = %s",
                self.id,
            )
        )
        report = {"entered": entered_after - entered_before}
        report.update({result: results.get(result, 0) for result in RUN_RESULTS})
        return report

    def _fx_run_message(self, report):
        """The sentence of a Run Now notification (translatable parts)."""
        message = self.env._(
            "%(entered)s entered; %(sent)s sent, %(done)s other actions done, "
            "%(deferred)s deferred (quiet hours), %(capped)s capped, "
            "%(blocked)s blocked (consent), %(failed)s failed.",
            **report,
        )
        if report["sent"] or report["done"]:
            return message
        if report["deferred"]:
            reason = self.env._("The messages wait for the end of the quiet hours.")
        elif report["capped"]:
            reason = self.env._("The traders reached the frequency cap.")
        elif report["blocked"]:
            reason = self.env._("The traders gave no consent or opted out.")
        elif report["failed"]:
            reason = self.env._("The step failed: see its error.")
        elif running := self.participant_ids.filtered(
            lambda p: p.state == "running" and not p.is_test
        ):
            due = min(filter(None, running.mapped("next_action_date")), default=None)
            reason = (
                self.env._(
                    "No step is due yet: the next one is due at %s (UTC).",
                    fields.Datetime.to_string(due),
                )
                if due
                else self.env._("No step is due yet.")
            )
        elif self.participant_ids.filtered(lambda p: p.state == "waiting"):
            reason = self.env._("The participants wait for the A/B test's result.")
        else:
            reason = self.env._(
                "Nobody is in the journey: no trader matched the trigger."
            )
        return self.env._(
            "Nothing was sent. %(reason)s %(details)s", reason=reason, details=message
        )

    # ------------------------------------------------------------------ results
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
        self.env.cr.execute("SET LOCAL jit = off")  # as in fx_journey_data
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
            # False, not None: XML-RPC cannot carry None
            group["uplift"] = (
                group["conversion_rate"] - holdout_group["conversion_rate"]
                if holdout_group["participants"] and group["kind"] != "holdout"
                else False
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
