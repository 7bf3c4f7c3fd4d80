"""The campaign journey as staff see it: the steps as a flow with live counts
per step and variant (docs/METRICS.md#journey-counts), each count opening the
list of those participants; Run Now saying what it did."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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
