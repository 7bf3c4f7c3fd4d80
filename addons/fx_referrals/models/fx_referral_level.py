from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.programme import level_progress
from .fx_points_entry import ALL_TIME


class FxReferralLevel(models.Model):
    _name = "fx.referral.level"
    _description = "Referral Level"
    _order = "min_points, min_monthly_lots, id"

    name = fields.Char(required=True, translate=True)
    min_points = fields.Integer(
        string="Points Needed",
        help="All-time points (earned net of reversals, every programme).",
    )
    min_monthly_lots = fields.Float(
        string="Monthly Lots Needed",
        digits=(16, 2),
        help="And at least this many lots traded in the last 30 days (0: none).",
    )
    benefits = fields.Html(translate=True, help="Shown to traders on the portal.")
    badge_id = fields.Many2one(
        "gamification.badge",
        help="Granted to the trader's portal user on promotion to this level.",
    )
    color = fields.Integer()

    _sql_constraints = [
        (
            "thresholds_positive",
            "CHECK(min_points >= 0 AND coalesce(min_monthly_lots, 0) >= 0)",
            "Level thresholds cannot be negative.",
        ),
        ("points_unique", "UNIQUE(min_points)", "Two levels need different points."),
    ]

    @api.model
    def _fx_scores(self, partner_ids):
        """{partner_id: (all-time points, lots of the last 30 days)}."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, coalesce((SELECT sum(t.points) FROM fx_points_total t
                                         WHERE t.partner_id = p.id
                                           AND t.period = %s), 0),
                       coalesce(p.fx_volume_30d, 0)
                  FROM res_partner p WHERE p.id = ANY(%s)
                """,
                ALL_TIME,
                list(partner_ids),
            )
        )
        return {pid: (int(points), float(lots)) for pid, points, lots in rows}

    def _fx_reached(self, points, lots):
        """The highest level of ``self`` (sorted) reached with these scores."""
        reached = self.browse()
        for level in self:
            if points >= level.min_points and lots >= (level.min_monthly_lots or 0):
                reached = level
        return reached

    def _fx_progress(self, partner):
        """(current level, next level, percentage towards it) of ``partner``."""
        levels = self.sudo().search([])
        points, lots = self._fx_scores([partner.id]).get(partner.id, (0, 0.0))
        current = levels._fx_reached(points, lots)
        above = levels.filtered(lambda lv: lv.min_points > (current.min_points or 0))
        nxt = above[:1] if current else levels[:1]
        progress = level_progress(
            points,
            current.min_points if current else 0,
            nxt.min_points if nxt else None,
        )
        return current, nxt, progress, points

    @api.model
    def _fx_update_levels(self, partner_ids):
        """Promote and demote the traders ``partner_ids`` to the level their
        scores reach: history recorded, promotions notified (and badged)."""
        levels = self.sudo().search([])
        if not levels or not partner_ids:
            return 0
        scores = self._fx_scores(partner_ids)
        Partner = self.env["res.partner"].sudo()
        partners = Partner.browse(list(scores))
        partners.fetch(["fx_level_id"])
        history = []
        by_level = {}
        for partner in partners:
            level = levels._fx_reached(*scores[partner.id])
            if level != partner.fx_level_id:
                up = (level.min_points if level else -1) > (
                    partner.fx_level_id.min_points if partner.fx_level_id else -1
                )
                history.append(
                    {
                        "partner_id": partner.id,
                        "level_from_id": partner.fx_level_id.id,
                        "level_to_id": level.id,
                        "direction": "promotion" if up else "demotion",
                        "points": scores[partner.id][0],
                    }
                )
                by_level.setdefault(level, Partner.browse())
                by_level[level] |= partner
        for level, members in by_level.items():
            members.with_context(tracking_disable=True).write({"fx_level_id": level.id})
        if history:
            # one statement for the batch (a push may promote thousands)
            now = fields.Datetime.now()
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_referral_level_history
                           (partner_id, level_from_id, level_to_id, direction,
                            points, date, notified, create_uid, write_uid,
                            create_date, write_date)
                    SELECT s.*, false, %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM unnest(%(partner)s::int4[], %(src)s::int4[],
                                  %(dst)s::int4[], %(dir)s::varchar[],
                                  %(pts)s::int4[], %(dates)s::timestamp[]) AS s
                    """,
                    uid=self.env.uid,
                    now=now,
                    partner=[h["partner_id"] for h in history],
                    src=[h["level_from_id"] or None for h in history],
                    dst=[h["level_to_id"] or None for h in history],
                    dir=[h["direction"] for h in history],
                    pts=[h["points"] for h in history],
                    dates=[now] * len(history),
                )
            )
            self.env["fx.referral.level.history"].invalidate_model()
        return len(history)


class FxReferralLevelHistory(models.Model):
    _name = "fx.referral.level.history"
    _description = "Level Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    level_from_id = fields.Many2one("fx.referral.level", string="From")
    level_to_id = fields.Many2one("fx.referral.level", string="To")
    direction = fields.Selection(
        [("promotion", "Promotion"), ("demotion", "Demotion")], required=True
    )
    points = fields.Integer()
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    notified = fields.Boolean(
        help="The trader was told (promotions; by the notification cron, not by "
        "the push that promoted them)."
    )

    @api.model
    def _cron_fx_notify(self, limit=500):
        """Tell the promoted traders, ``limit`` at a time (a push that promotes
        thousands must not send thousands of e-mails inline)."""
        todo = self.search(
            [("direction", "=", "promotion"), ("notified", "=", False)],
            order="id",
            limit=limit,
        )
        for record in todo.with_context(mail_notify_force_send=False):
            record._fx_notify()
        todo.notified = True
        if len(todo) == limit:
            self.env.ref("fx_referrals.ir_cron_fx_level_notify")._trigger()
        return len(todo)

    def _fx_notify(self):
        """Tell the trader (a message on their contact, e-mailed to them) and
        grant the level's badge to their portal user."""
        self.ensure_one()
        partner = self.partner_id
        partner.message_post(
            body=self.env._(
                "Congratulations, you reached the %s level!", self.level_to_id.name
            ),
            partner_ids=partner.ids,
            subtype_xmlid="mail.mt_comment",
        )
        badge = self.level_to_id.badge_id
        users = partner.user_ids
        if badge and users:
            self.env["gamification.badge.user"].sudo().create(
                [
                    {
                        "badge_id": badge.id,
                        "user_id": user.id,
                        "sender_id": self.env.ref("base.user_root").id,
                        "comment": self.level_to_id.name,
                    }
                    for user in users
                ]
            )
