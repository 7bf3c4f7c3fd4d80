"""Churn backtest and weight tuning (docs/METRICS.md#churn-backtest)."""

import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..lib.kpi import FACTORS, classification, tune_weights

RESULT_FIELDS = ("predicted", "true_positives", "precision", "recall", "lift", "f1")


class FxChurnBacktest(models.TransientModel):
    _name = "fx.churn.backtest"
    _description = "Churn Backtest"

    horizon_days = fields.Integer(
        string="Churned Within (days)",
        help="A trader scored on a day counts as churned when moving to the "
        "churned stage within this many days after it.",
    )
    threshold = fields.Integer(
        string="Risk Threshold", help="Scored at risk: churn risk at or above this."
    )
    inactivity_days = fields.Integer(
        string="Inactivity Rule (days)",
        help="The plain rule compared: no trade for this many days.",
    )
    period_days = fields.Integer(
        string="Look Back (days)", default=365, help="Oldest scoring day considered."
    )
    step_days = fields.Integer(
        string="Every (days)",
        default=7,
        help="Scoring days: the day 'Churned Within' days ago, and every this "
        "many days before it.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done")], default="draft", readonly=True
    )
    cohorts = fields.Integer(string="Scoring Days", readonly=True)
    traders = fields.Integer(
        string="Traders Scored",
        readonly=True,
        help="Funded, not churned traders summed over the scoring days.",
    )
    churned = fields.Integer(readonly=True)
    base_rate = fields.Float(string="Base Rate (%)", digits=(16, 1), readonly=True)
    score_predicted = fields.Integer(string="Risk: Flagged", readonly=True)
    score_true_positives = fields.Integer(
        string="Risk: Flagged and Churned", readonly=True
    )
    score_precision = fields.Float(
        string="Risk: Precision (%)", digits=(16, 1), readonly=True
    )
    score_recall = fields.Float(
        string="Risk: Recall (%)", digits=(16, 1), readonly=True
    )
    score_lift = fields.Float(string="Risk: Lift", digits=(16, 2), readonly=True)
    score_f1 = fields.Float(string="Risk: F1 (%)", digits=(16, 1), readonly=True)
    rule_predicted = fields.Integer(string="No-Trade Rule: Flagged", readonly=True)
    rule_true_positives = fields.Integer(
        string="No-Trade Rule: Flagged and Churned", readonly=True
    )
    rule_precision = fields.Float(
        string="No-Trade Rule: Precision (%)", digits=(16, 1), readonly=True
    )
    rule_recall = fields.Float(
        string="No-Trade Rule: Recall (%)", digits=(16, 1), readonly=True
    )
    rule_lift = fields.Float(
        string="No-Trade Rule: Lift", digits=(16, 2), readonly=True
    )
    rule_f1 = fields.Float(
        string="No-Trade Rule: F1 (%)", digits=(16, 1), readonly=True
    )
    tuned_predicted = fields.Integer(string="Tuned: Flagged", readonly=True)
    tuned_true_positives = fields.Integer(
        string="Tuned: Flagged and Churned", readonly=True
    )
    tuned_precision = fields.Float(
        string="Tuned: Precision (%)", digits=(16, 1), readonly=True
    )
    tuned_recall = fields.Float(
        string="Tuned: Recall (%)", digits=(16, 1), readonly=True
    )
    tuned_lift = fields.Float(string="Tuned: Lift", digits=(16, 2), readonly=True)
    tuned_f1 = fields.Float(string="Tuned: F1 (%)", digits=(16, 1), readonly=True)
    tuned = fields.Boolean(readonly=True)
    weight_recency = fields.Float(digits=(16, 1), readonly=True)
    weight_falling_volume = fields.Float(digits=(16, 1), readonly=True)
    weight_falling_deposits = fields.Float(digits=(16, 1), readonly=True)
    weight_withdrawals = fields.Float(digits=(16, 1), readonly=True)
    current_weights = fields.Char(readonly=True, compute="_compute_current_weights")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        settings = self.env["res.partner"]._fx_kpi_settings()
        values.setdefault("horizon_days", settings["backtest_days"])
        values.setdefault("threshold", settings["churn_threshold"])
        values.setdefault("inactivity_days", settings["inactivity_days"])
        return values

    def _compute_current_weights(self):
        weights = self.env["res.partner"]._fx_churn_weights() or {}
        text = ", ".join(f"{code} {weights.get(code, 1.0):g}" for code in FACTORS)
        for wizard in self:
            wizard.current_weights = text

    @api.constrains(
        "horizon_days", "threshold", "inactivity_days", "period_days", "step_days"
    )
    def _check_values(self):
        for wizard in self:
            for name, low, high in (
                ("horizon_days", 1, 365),
                ("threshold", 1, 100),
                ("inactivity_days", 1, 365),
                ("period_days", 1, 3660),
                ("step_days", 1, 365),
            ):
                if not low <= wizard[name] <= high:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be from %(low)s to %(high)s.",
                            field=self._fields[name].string,
                            low=low,
                            high=high,
                        )
                    )

    # -------------------------------------------------------------- compute
    def _cohort_dates(self, today):
        """The scoring days: today - horizon, then every step days back to
        today - period."""
        first = today - timedelta(days=self.horizon_days)
        oldest = today - timedelta(days=self.period_days)
        dates = []
        day = first
        while day >= oldest:
            dates.append(day)
            day -= timedelta(days=self.step_days)
        return dates

    def _population(self, today):
        """SQL of the scored rows (funded, not churned that day) with
        ``churned``: moved to the churned stage in the horizon after the day.
        (A join, not a correlated EXISTS, so that PostgreSQL hashes the churn
        events once rather than probing them for each of millions of rows.)"""
        return SQL(
            """
            WITH pop AS (
                SELECT s.* FROM fx_kpi_snapshot s
                 WHERE s.date = ANY(%(dates)s) AND s.stage <> 'churned'
            ), hit AS (
                SELECT DISTINCT pop.id FROM pop
                  JOIN fx_trader_stage_history h
                    ON h.partner_id = pop.partner_id AND h.stage_to = 'churned'
                   AND h.date >= pop.date + 1
                   AND h.date < pop.date + 1 + %(horizon)s
            )
            SELECT pop.*, hit.id IS NOT NULL AS churned
              FROM pop LEFT JOIN hit ON hit.id = pop.id
            """,
            horizon=self.horizon_days,
            dates=self._cohort_dates(today),
        )

    def _check_manager(self):
        if not self.env.user.has_group("fx_engagement.group_fx_manager"):
            raise AccessError(
                self.env._("Only FX managers may run the churn backtest.")
            )

    def action_run(self):
        """Precision, recall and lift of the score and of the no-trade rule."""
        self.ensure_one()
        self._check_manager()
        self.env.flush_all()
        today = fields.Date.context_today(self)
        [row] = self.env.execute_query(
            SQL(
                """
                SELECT count(DISTINCT date), count(*),
                       count(*) FILTER (WHERE churned),
                       count(*) FILTER (WHERE churn_risk >= %(thr)s),
                       count(*) FILTER (WHERE churn_risk >= %(thr)s AND churned),
                       count(*) FILTER (WHERE idle_days >= %(idle)s),
                       count(*) FILTER (WHERE idle_days >= %(idle)s AND churned)
                  FROM (%(population)s) x
                """,
                thr=self.threshold,
                idle=self.inactivity_days,
                population=self._population(today),
            )
        )
        cohorts, traders, churned, s_pred, s_tp, r_pred, r_tp = row
        values = {
            "state": "done",
            "cohorts": cohorts,
            "traders": traders,
            "churned": churned,
            "tuned": False,
        }
        score = classification(traders, s_pred, churned, s_tp)
        rule = classification(traders, r_pred, churned, r_tp)
        values["base_rate"] = score.base_rate
        values.update(self._result_values("score", score))
        values.update(self._result_values("rule", rule))
        self.write(values)
        return self._reopen()

    @staticmethod
    def _result_values(prefix, result):
        return {f"{prefix}_{name}": getattr(result, name) for name in RESULT_FIELDS}

    def action_tune(self):
        """Grid search over the factor weights on the same scoring days; shows
        the best weights, applies nothing."""
        self.ensure_one()
        self._check_manager()
        if self.state != "done":
            self.action_run()
        if not self.traders:
            raise UserError(
                self.env._("No snapshot in the period: nothing to tune the weights on.")
            )
        today = fields.Date.context_today(self)
        groups = [
            ((r[0], r[1], r[2], r[3]), r[4], r[5])
            for r in self.env.execute_query(
                SQL(
                    """
                    SELECT pts_recency, pts_volume, pts_deposits, pts_withdrawals,
                           churned, count(*)
                      FROM (%s) x GROUP BY 1, 2, 3, 4, 5
                    """,
                    self._population(today),
                )
            )
        ]
        weights, result = tune_weights(groups, self.threshold)
        values = {f"weight_{code}": weights[code] for code in FACTORS}
        values["tuned"] = True
        values.update(self._result_values("tuned", result))
        self.write(values)
        return self._reopen()

    def action_apply_weights(self):
        """A manager confirms: the tuned weights become the churn weights
        (used from the next facts refresh)."""
        self.ensure_one()
        self._check_manager()
        if not self.tuned:
            raise UserError(self.env._("Tune the weights before applying them."))
        weights = {code: self[f"weight_{code}"] for code in FACTORS}
        self.env["ir.config_parameter"].sudo().set_param(
            "fx_engagement.churn_weights", json.dumps(weights, sort_keys=True)
        )
        return self._reopen()

    def action_reset_weights(self):
        self.ensure_one()
        self._check_manager()
        self.env["ir.config_parameter"].sudo().set_param(
            "fx_engagement.churn_weights", False
        )
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
