import logging
import time

from psycopg2.extensions import TransactionRollbackError

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..lib.segment_graph import find_cycle, refresh_order
from ..tools import parse_trader_filter, sync_mailing_list
from .fx_segment_condition import PARAMETERS as CONDITION_PARAMETERS

_logger = logging.getLogger(__name__)

MEMBER_REL = "fx_segment_res_partner_rel"
PREVIEW_SAMPLE = 10


class FxSegment(models.Model):
    _name = "fx.segment"
    _description = "Trader Segment"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    color = fields.Integer()
    domain = fields.Char(
        string="Trader Filter",
        default="[]",
        required=True,
        tracking=True,
        help="Conditions on the trader's fields (stage, country, deposits, tags ...). "
        "Only traders are considered.",
    )
    condition_ids = fields.One2many(
        "fx.segment.condition",
        "segment_id",
        string="Behaviour Conditions",
        copy=True,
        help="Conditions on trading behaviour; all must hold (each can be negated).",
    )
    refresh_policy = fields.Selection(
        [
            ("manual", "Manual"),
            ("scheduled", "Scheduled"),
            ("on_change", "On Data Change"),
        ],
        default="scheduled",
        required=True,
        tracking=True,
        help="Manual: only with the Refresh button. Scheduled: by the segment cron "
        "(hourly). On data change: also right after each trading-data push, for the "
        "traders it touched.",
    )
    member_ids = fields.Many2many(
        "res.partner",
        MEMBER_REL,
        "segment_id",
        "partner_id",
        string="Member Traders",
        readonly=True,
        copy=False,
    )
    member_count = fields.Integer(
        string="Members",
        compute="_compute_member_count",
        help="Traders in the segment now. Counted live (not stored): pushes from "
        "several bridges refresh the same segment at once and must not all write its "
        "row.",
    )
    membership_ids = fields.One2many(
        "fx.segment.membership", "segment_id", string="Membership History"
    )
    refresh_ids = fields.One2many(
        "fx.segment.refresh", "segment_id", string="Size History"
    )
    last_refresh_date = fields.Datetime(readonly=True, copy=False)
    last_refresh_duration = fields.Float(
        string="Last Refresh (s)", readonly=True, copy=False, digits=(16, 3)
    )
    last_error = fields.Text(readonly=True, copy=False)
    is_broken = fields.Boolean(
        readonly=True,
        copy=False,
        help="The last refresh failed; see the error. Other segments are unaffected.",
    )
    mailing_list_id = fields.Many2one(
        "mailing.list",
        copy=False,
        help="Kept in sync with the members at each refresh (members with an e-mail).",
    )
    tag_id = fields.Many2one(
        "res.partner.category",
        string="Contact Tag",
        copy=False,
        help="Given to the members and removed from those who leave, at each refresh.",
    )
    # computed as the viewing user (record rules apply), never as superuser
    preview_count = fields.Integer(
        string="Matching Traders", compute="_compute_preview", compute_sudo=False
    )
    preview_partner_ids = fields.Many2many(
        "res.partner", string="Sample", compute="_compute_preview", compute_sudo=False
    )
    preview_error = fields.Char(compute="_compute_preview", compute_sudo=False)

    # ------------------------------------------------------------------ computes
    def _compute_member_count(self):
        ids = [seg_id for seg_id in self._origin.ids if seg_id]
        counts = dict(
            self.env.execute_query(
                SQL(
                    "SELECT segment_id, count(*) FROM %s WHERE segment_id = ANY(%s) "
                    "AND %s GROUP BY segment_id",
                    SQL.identifier(MEMBER_REL),
                    ids,
                    self._fx_visible_scope(SQL.identifier(MEMBER_REL, "partner_id")),
                )
            )
            if ids
            else []
        )
        for segment in self:
            segment.member_count = counts.get(segment._origin.id, 0)

    @api.depends(
        "domain",
        "condition_ids",
        "condition_ids.negate",
        *(f"condition_ids.{name}" for name in CONDITION_PARAMETERS),
    )
    def _compute_preview(self):
        for segment in self:
            segment.preview_count = 0
            segment.preview_partner_ids = False
            segment.preview_error = False
            try:
                [(count, sample)] = self.env.execute_query(
                    SQL(
                        """
                        WITH m AS MATERIALIZED (%s)
                        SELECT (SELECT count(*) FROM m), ARRAY(
                            SELECT p.id FROM res_partner p JOIN m ON m.id = p.id
                             ORDER BY p.fx_ltv DESC NULLS LAST, p.id LIMIT %s)
                        """,
                        segment._fx_members_sql(as_viewer=True),
                        PREVIEW_SAMPLE,
                    )
                )
            except (UserError, ValidationError, AccessError, ValueError) as exc:
                segment.preview_error = str(exc)
                continue
            segment.preview_count = count
            segment.preview_partner_ids = sample

    @api.model
    def _fx_visible_scope(self, column):
        """SQL keeping the rows whose ``column`` (a trader's id) the current user
        may see: counts shown to a salesperson cover their own and unassigned
        traders only (record rules apply), as their lists do."""
        if self.env.su:
            return SQL("TRUE")
        query = self.env["res.partner"].with_context(active_test=False)._search([])
        return SQL("%s IN (%s)", column, query.subselect())

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        segments = super().create(vals_list)
        segments._fx_refresh_from_form()
        return segments

    def write(self, vals):
        result = super().write(vals)
        if {"domain", "condition_ids", "active"} & set(vals):
            self._fx_refresh_from_form()
        return result

    def _fx_refresh_from_form(self):
        """Saved from the form (the Segments action sets
        ``fx_segment_refresh_on_save``): refresh at once, so that the members
        match the preview the user just saw. API callers refresh explicitly
        (action_refresh)."""
        if not self.env.context.get("fx_segment_refresh_on_save"):
            return
        if not self.env.user.has_group("fx_engagement.group_fx_user"):
            return
        # sudo: the refresh sees every trader (as the Refresh button's)
        segments = self.filtered("active").sudo()
        segments.with_context(fx_segment_refresh_on_save=False)._fx_refresh_isolated()

    # ------------------------------------------------------------------ constraints
    @api.constrains("domain")
    def _check_domain(self):
        for segment in self:
            segment._fx_parse_domain(check_user=self.env.user)

    @api.constrains("condition_ids")
    def _check_no_cycle(self):
        edges = self._fx_dependency_edges()
        cycle = find_cycle(edges)
        if cycle:
            names = self.browse(cycle).with_context(active_test=False)
            labels = {s.id: s.name for s in names}
            raise ValidationError(
                self.env._(
                    "Segments cannot include each other in a loop: %s.",
                    " → ".join(labels.get(sid, str(sid)) for sid in cycle),
                )
            )

    # ------------------------------------------------------------------ actions
    def action_refresh(self):
        """Recompute the members of these segments now.

        Callable over XML-RPC. Returns, for one segment,
        ``{"entered": n, "left": n, "members": n}``; for several, a list of them.
        """
        self.check_access("read")
        if not self.env.user.has_group("fx_engagement.group_fx_user"):
            raise AccessError(self.env._("Only FX users may refresh segments."))
        results = []
        for segment in self.sudo()._fx_sorted_for_refresh():
            result = segment._fx_refresh()
            results.append(result)
        by_id = {r["segment_id"]: r for r in results}
        ordered = [
            {k: v for k, v in by_id[s.id].items() if k != "segment_id"} for s in self
        ]
        return ordered[0] if len(self) == 1 else ordered

    def action_refresh_notify(self):
        """The Refresh button: refresh, then say what changed (a notification)
        and reload the form."""
        result = self.action_refresh()
        results = [result] if isinstance(result, dict) else result
        if len(self) == 1:
            title = self.env._("Segment %s refreshed", self.name)
        else:
            title = self.env._("%s segments refreshed", len(self))
        message = self.env._(
            "%(entered)s entered, %(left)s left; %(members)s members now.",
            entered=sum(r["entered"] for r in results),
            left=sum(r["left"] for r in results),
            members=sum(r["members"] for r in results),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.res_partner_action_trader"
        )
        action["domain"] = [("fx_segment_ids", "in", self.ids)]
        action["context"] = {}
        # the web client titles the view with display_name before name
        action["name"] = action["display_name"] = self.env._("Members of %s", self.name)
        # no sample rows in an empty segment: its emptiness is the answer
        views = dict((mode, view) for view, mode in action["views"])
        views["list"] = self.env.ref("fx_engagement.res_partner_view_list_members").id
        action["views"] = [
            (views.get(mode), mode)
            for mode in ("list", "kanban", "form")
            if mode in views
        ]
        action.pop("view_id", None)
        return action

    def action_view_membership(self):
        return self._fx_history_action("fx_engagement.fx_segment_membership_action")

    def action_view_refreshes(self):
        return self._fx_history_action("fx_engagement.fx_segment_refresh_action")

    def _fx_history_action(self, xmlid):
        """The window action ``xmlid`` restricted to this segment's lines."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("segment_id", "=", self.id)]
        return action

    def action_create_mailing_list(self):
        """Create a mailing list for this segment and fill it."""
        self.ensure_one()
        if not self.mailing_list_id:
            self.mailing_list_id = self.env["mailing.list"].create(
                {"name": self.env._("Segment: %s", self.name)}
            )
        self._fx_sync_mailing_list()
        return True

    # ------------------------------------------------------------------ business
    def _fx_dependency_edges(self):
        """{segment id: {ids of the segments its conditions refer to}}"""
        rows = self.env.execute_query(
            SQL(
                "SELECT segment_id, other_segment_id FROM fx_segment_condition "
                "WHERE kind = 'segment' AND other_segment_id IS NOT NULL"
            )
        )
        edges = {}
        for segment_id, other_id in rows:
            edges.setdefault(segment_id, set()).add(other_id)
        return edges

    def _fx_sorted_for_refresh(self):
        order = refresh_order(self.ids, self._fx_dependency_edges())
        return self.browse(order)

    def _fx_parse_domain(self, check_user=None):
        """The trader filter as a list of literal conditions (see
        :func:`~odoo.addons.fx_engagement.tools.parse_trader_filter`): a clear error
        when it is malformed or names a field unknown or unreadable to
        ``check_user`` (by default the current user)."""
        self.ensure_one()
        env = self.with_user(check_user).env if check_user else self.env
        label = self.env._("Segment %s", self.name)
        return parse_trader_filter(env, self.domain, label)

    def _fx_members_sql(self, partner_ids=None, as_viewer=False):
        """SQL selecting the ids of the traders matching the segment now
        (restricted to ``partner_ids`` when given).

        The refresh sees every trader (the filter is data, checked when saved).
        A preview (``as_viewer``) runs the filter as the current user: record
        rules apply, so a salesperson counts only the traders they may see.
        """
        self.ensure_one()
        domain = [("fx_is_trader", "=", True), *self._fx_parse_domain()]
        Partner = self.env["res.partner"]
        query = (Partner if as_viewer else Partner.sudo())._search(domain)
        conditions = [SQL("p.id IN (%s)", query.subselect())]
        if partner_ids is not None:
            conditions.append(SQL("p.id = ANY(%s)", list(partner_ids)))
        now = fields.Datetime.now()
        for condition in self.condition_ids:
            sql = condition._fx_sql(now)
            conditions.append(SQL("NOT (%s)", sql) if condition.negate else sql)
        return SQL(
            "SELECT p.id FROM res_partner p WHERE %s", SQL(" AND ").join(conditions)
        )

    def _fx_refresh(self, partner_ids=None):
        """Write the membership difference for this segment (all traders, or only
        ``partner_ids``); return ``{"segment_id", "entered", "left", "members"}``."""
        self.ensure_one()
        start = time.monotonic()
        now = fields.Datetime.now()
        self.env.flush_all()
        # plans are simple and run once: JIT compilation costs more than it saves
        self.env.cr.execute("SET LOCAL jit = off")
        entered, left = self._fx_write_membership(partner_ids, now)
        [(members,)] = self.env.execute_query(
            SQL(
                "SELECT count(*) FROM fx_segment_res_partner_rel WHERE segment_id = %s",
                self.id,
            )
        )
        if entered or left:
            if self.tag_id:
                self._fx_sync_tag()
            if self.mailing_list_id:
                self._fx_sync_mailing_list()
        duration = round(time.monotonic() - start, 3)
        self.invalidate_recordset(["member_ids", "member_count"])
        self.env["res.partner"].invalidate_model(["fx_segment_ids"])
        self.env["fx.segment.membership"].invalidate_model()
        result = {
            "segment_id": self.id,
            "entered": entered,
            "left": left,
            "members": members,
        }
        if partner_ids is not None and not self.is_broken:
            # a refresh for the traders a push touched leaves the segment row alone:
            # concurrent pushes would all write it and conflict
            return result
        values = {"is_broken": False, "last_error": False}
        if partner_ids is None:
            values.update(last_refresh_date=now, last_refresh_duration=duration)
            self.env["fx.segment.refresh"].create(
                {
                    "segment_id": self.id,
                    "date": now,
                    "member_count": members,
                    "entered": entered,
                    "left": left,
                    "duration": duration,
                }
            )
        self.with_context(tracking_disable=True).write(values)
        return result

    def _fx_write_membership(self, partner_ids, now):
        """One statement: the members now against the members before, writing
        only the differences and their history; return (entered, left)."""
        scope = SQL("")
        if partner_ids is not None:
            scope = SQL("AND r.partner_id = ANY(%s)", list(partner_ids))
        [(entered, left)] = self.env.execute_query(
            SQL(
                """
                WITH new AS (%(members)s),
                gone AS (
                    DELETE FROM fx_segment_res_partner_rel r
                     WHERE r.segment_id = %(seg)s %(scope)s
                       AND NOT EXISTS (SELECT 1 FROM new WHERE new.id = r.partner_id)
                    RETURNING r.partner_id
                ),
                came AS (
                    INSERT INTO fx_segment_res_partner_rel (segment_id, partner_id)
                    SELECT %(seg)s, new.id FROM new
                     WHERE NOT EXISTS (SELECT 1 FROM fx_segment_res_partner_rel r
                                        WHERE r.segment_id = %(seg)s
                                          AND r.partner_id = new.id)
                    -- a concurrent refresh (a push's, the cron's) added the same
                    -- member: a serialization failure, which Odoo retries, instead
                    -- of a unique violation that would flag the segment broken
                    ON CONFLICT DO NOTHING
                    RETURNING partner_id
                ),
                closed AS (
                    UPDATE fx_segment_membership m
                       SET date_left = %(now)s
                      FROM gone
                     WHERE m.segment_id = %(seg)s AND m.partner_id = gone.partner_id
                       AND m.date_left IS NULL
                    RETURNING 1
                ),
                opened AS (
                    INSERT INTO fx_segment_membership
                           (segment_id, partner_id, date_entered)
                    SELECT %(seg)s, partner_id, %(now)s FROM came
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM came), (SELECT count(*) FROM gone)
                """,
                members=self._fx_members_sql(partner_ids),
                seg=self.id,
                scope=scope,
                now=now,
            )
        )
        return entered, left

    def _fx_sync_tag(self):
        """The contact tag on exactly the members, through the ORM (one
        many2many write on the tag: Odoo adds and removes only the differences)."""
        self.ensure_one()
        members = self.env.execute_query(
            SQL(
                "SELECT partner_id FROM fx_segment_res_partner_rel "
                "WHERE segment_id = %s",
                self.id,
            )
        )
        self.tag_id.sudo().write(
            {"partner_ids": [Command.set([partner_id for (partner_id,) in members])]}
        )

    def _fx_sync_mailing_list(self):
        """Subscribe the members (one mailing contact per e-mail) and unsubscribe
        those who left; opt-outs are kept as they are (see
        :func:`~odoo.addons.fx_engagement.tools.sync_mailing_list`)."""
        self.ensure_one()
        self.env.flush_all()
        sync_mailing_list(
            self.mailing_list_id,
            SQL(
                """
                SELECT DISTINCT ON (p.email_normalized)
                       p.email_normalized AS email_normalized, p.email, p.name,
                       p.country_id
                  FROM fx_segment_res_partner_rel r
                  JOIN res_partner p ON p.id = r.partner_id
                 WHERE r.segment_id = %s AND p.email_normalized IS NOT NULL
                 ORDER BY p.email_normalized, p.id
                """,
                self.id,
            ),
        )

    @api.model
    def _fx_refresh_for_partners(self, partner_ids):
        """After a trading-data push: refresh the on-data-change segments for the
        traders it touched."""
        segments = self.sudo().search([("refresh_policy", "=", "on_change")])
        if segments and partner_ids:
            segments._fx_refresh_isolated(partner_ids=sorted(partner_ids))

    def _fx_refresh_isolated(self, partner_ids=None, notify_progress=None):
        """Refresh each segment in its own savepoint: a broken one is flagged
        and logged, the others go on."""
        done = 0
        results = []
        ordered = self._fx_sorted_for_refresh()
        for segment in ordered:
            try:
                with self.env.cr.savepoint():
                    results.append(segment._fx_refresh(partner_ids))
            except TransactionRollbackError:
                raise  # a concurrent update: let Odoo retry the whole request
            except Exception as exc:
                _logger.warning(
                    "Segment %s (%s) failed to refresh: %s",
                    segment.id,
                    segment.name,
                    exc,
                )
                self.env.invalidate_all()
                segment.with_context(tracking_disable=True).write(
                    {"is_broken": True, "last_error": str(exc)}
                )
            done += 1
            if notify_progress:
                notify_progress(done=done, remaining=len(ordered) - done)
        return results

    @api.model
    def _cron_refresh(self):
        segments = self.search([("refresh_policy", "in", ("scheduled", "on_change"))])
        return segments._fx_refresh_isolated(
            notify_progress=self.env["ir.cron"]._notify_progress
        )
