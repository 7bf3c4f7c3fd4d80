from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import raise_immutable

KINDS = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("bonus", "Bonus"),
    ("reward", "Reward"),
    ("prize", "Prize"),
    ("points", "Points"),
    ("copy_trading", "Copy Trading"),
]
OUTCOMES = [("sent", "Sent"), ("granted", "Granted"), ("blocked", "Blocked")]


class TrailReference(fields.Many2one):
    """A reference of the audit trail kept without a foreign key.

    The trail is append-only and written in bulk, one row per client and
    decision: PostgreSQL checks every foreign key of every row inserted, and
    the references that are the same for a whole batch (campaign, step,
    mailing, user, rule set) would cost more than half of each insert. Their
    integrity is kept by the code instead: the trail is written from existing
    records only, rule sets are never deleted, and deleting a campaign, a
    step, a mailing or a user empties the trail's reference to it
    (``FxComplianceAudit._fx_detach``), as ON DELETE SET NULL did. The client
    keeps its foreign key (a client with a trail cannot be deleted; a partner
    merge moves the trail to the surviving contact)."""

    def update_db_foreign_key(self, model, column):
        return


class FxComplianceAudit(models.Model):
    """The compliance audit trail: every marketing message, bonus, reward,
    prize, points award and copy subscription decided for a client, with the
    rule set and version that decided it and the outcome. Written by the
    system only (set-based SQL), never changed or deleted."""

    _name = "fx.compliance.audit"
    _description = "Compliance Audit Entry"
    _order = "date desc, id desc"
    _log_access = False
    _rec_name = "what"

    date = fields.Datetime(required=True, index=True)
    kind = fields.Selection(KINDS, required=True)
    outcome = fields.Selection(OUTCOMES, required=True)
    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, index=True, ondelete="restrict"
    )
    client_ref = fields.Char("Client ID")
    rule_set_id = TrailReference(
        "fx.compliance.rule.set", index=True, ondelete="restrict"
    )
    rule_set_version = fields.Integer(string="Version")
    rule = fields.Char(
        help="The rule that blocked it (vulnerable, incentive, copy_trading, "
        "binary_options, no_loss_pct) or the mailing's cancel reason.",
    )
    reason = fields.Char()
    what = fields.Char(help="The message's subject, the incentive's description.")
    is_risk_warning = fields.Boolean(
        string="Risk Warning Added",
        help="The rule set's risk warning was appended to the message.",
    )
    # indexed with the date (init)
    campaign_id = TrailReference("fx.campaign", ondelete="set null")
    step_id = TrailReference("fx.campaign.step", ondelete="set null")
    mailing_id = TrailReference("mailing.mailing", ondelete="set null")
    origin = fields.Char(help="The record that sent or granted it (model,id).")
    user_id = TrailReference("res.users", string="By", ondelete="set null")

    @api.model_create_multi
    def create(self, vals_list):
        # written by the system only (SQL): never through the ORM
        raise_immutable(
            self, self.env._("The audit trail is written by the system only.")
        )
        return super().create(vals_list)

    def write(self, vals):
        raise_immutable(self, self.env._("The audit trail cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise_immutable(self, self.env._("The audit trail cannot be deleted."))

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_compliance_audit_campaign_date_idx "
            "ON fx_compliance_audit (campaign_id, date) WHERE campaign_id IS NOT NULL"
        )

    # the records whose deletion empties a reference of the trail (TrailReference)
    _FX_DETACH = {
        "fx.campaign": ("campaign_id", "step_id"),
        "fx.campaign.step": ("step_id",),
        "mailing.mailing": ("mailing_id",),
        "res.users": ("user_id",),
    }

    @api.model
    def _fx_detach(self, records):
        """Empty the trail's references to ``records`` (about to be deleted),
        as ON DELETE SET NULL would: a campaign's entries lose their campaign
        and step (its steps go with it), a step's, mailing's or user's entries
        lose that reference. What the entry says (what, origin, client, rule
        set, outcome) stays."""
        fnames = self._FX_DETACH[records._name]
        if not records.ids:
            return
        where = SQL("%s = ANY(%s)", SQL.identifier(fnames[0]), records.ids)
        if records._name == "fx.campaign.step":
            # through the (campaign, date) index
            where = SQL(
                "campaign_id = ANY(%s) AND %s", records.sudo().campaign_id.ids, where
            )
        self.env.cr.execute(
            SQL(
                "UPDATE fx_compliance_audit SET %s WHERE %s",
                SQL(", ").join(
                    SQL("%s = NULL", SQL.identifier(fname)) for fname in fnames
                ),
                where,
            )
        )
        self.invalidate_model(list(fnames))

    # ------------------------------------------------------------------ writes
    @api.model
    def _fx_origin_values(self, origin):
        """(campaign id, step id, mailing id, origin, what) of ``origin``."""
        if not origin:
            return None, None, None, None, None
        # the trail names its origin whoever triggered it (system work)
        origin = origin.sudo()
        campaign = step = None
        if origin._name == "fx.campaign.step":
            step, campaign = origin, origin.campaign_id
        elif "campaign_id" in origin._fields and (
            origin._fields["campaign_id"].comodel_name == "fx.campaign"
        ):
            campaign = origin.campaign_id
        what = (
            origin._fx_audit_what()
            if hasattr(origin, "_fx_audit_what")
            else origin.display_name
        )
        return (
            campaign.id if campaign else None,
            step.id if step else None,
            None,
            f"{origin._name},{origin.id}",
            (what or "")[:256],
        )

    @api.model
    def _fx_record_decisions(self, kind, rows, reasons, origin=None, outcome="granted"):
        """One entry per partner of ``rows`` ({partner id: (rule set id,
        version, rule)}): blocked with the reason when ``reasons`` has one,
        else ``outcome``."""
        if not rows:
            return
        campaign_id, step_id, mailing_id, origin_ref, what = self._fx_origin_values(
            origin
        )
        ids = list(rows)
        self.env["res.partner"].flush_model(["fx_client_ref"])
        # one statement: the varying columns as arrays, the others as parameters
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_compliance_audit
                       (partner_id, client_ref, rule_set_id, rule_set_version, rule,
                        reason, outcome, kind, date, campaign_id, step_id,
                        mailing_id, origin, what, user_id)
                SELECT d.partner_id, p.fx_client_ref, d.rule_set_id, d.version,
                       d.rule, d.reason,
                       CASE WHEN d.reason IS NULL THEN %(outcome)s
                            ELSE 'blocked' END,
                       %(kind)s, %(now)s, %(campaign)s, %(step)s, %(mailing)s,
                       %(origin)s, %(what)s, %(uid)s
                  FROM unnest(%(ids)s::int4[], %(sets)s::int4[], %(versions)s::int4[],
                              %(rules)s::varchar[], %(reasons)s::varchar[])
                       AS d(partner_id, rule_set_id, version, rule, reason)
                  JOIN res_partner p ON p.id = d.partner_id
                """,
                ids=ids,
                sets=[rows[pid][0] for pid in ids],
                versions=[rows[pid][1] for pid in ids],
                rules=[rows[pid][2] for pid in ids],
                reasons=[reasons.get(pid) for pid in ids],
                outcome=outcome,
                kind=kind,
                now=fields.Datetime.now(),
                campaign=campaign_id,
                step=step_id,
                mailing=mailing_id,
                origin=origin_ref,
                what=what,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    @api.model
    def _fx_record_traces(self, trace_ids):
        """One entry per mass-mailing trace of ``trace_ids`` sent to a trader
        (res.partner): sent, or blocked with Odoo's cancel reason; the
        campaign and step when the mailing is a campaign step's."""
        if not trace_ids:
            return
        # what the statement reads, written (not the whole environment)
        self.env["mailing.trace"].flush_model()
        self.env["mailing.mailing"].flush_model(["subject", "fx_is_transactional"])
        self.env["res.partner"].flush_model(
            ["fx_client_ref", "fx_rule_set_id", "fx_is_trader"]
        )
        self.env["fx.campaign.step"].flush_model(["mailing_id", "campaign_id"])
        self.env["fx.campaign.variant"].flush_model(["mailing_id", "step_id"])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_compliance_audit
                       (date, kind, outcome, partner_id, client_ref, rule_set_id,
                        rule_set_version, rule, reason, what, is_risk_warning,
                        campaign_id, step_id, mailing_id, origin, user_id)
                SELECT %(now)s,
                       CASE WHEN t.trace_type = 'sms' THEN 'sms' ELSE 'email' END,
                       CASE WHEN t.trace_status = 'cancel' THEN 'blocked'
                            ELSE 'sent' END,
                       p.id, p.fx_client_ref, rs.id, rs.version,
                       CASE WHEN t.trace_status = 'cancel' THEN t.failure_type END,
                       CASE WHEN t.trace_status = 'cancel'
                            THEN %(cancelled)s || coalesce(t.failure_type, '') END,
                       left(coalesce(m.subject, ''), 256),
                       t.trace_status <> 'cancel' AND rs.id IS NOT NULL
                           AND NOT coalesce(m.fx_is_transactional, false)
                           AND coalesce(CASE WHEN t.trace_type = 'sms'
                                             THEN rs.risk_warning_short->>'en_US'
                                             ELSE rs.risk_warning->>'en_US'
                                        END, '') <> '',
                       st.campaign_id, st.id, m.id,
                       'mailing.mailing,' || m.id, %(uid)s
                  FROM mailing_trace t
                  JOIN res_partner p ON p.id = t.res_id
                  JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                  LEFT JOIN fx_compliance_rule_set rs ON rs.id = p.fx_rule_set_id
                  LEFT JOIN LATERAL (
                        SELECT s.id, s.campaign_id FROM fx_campaign_step s
                         WHERE s.mailing_id = m.id
                        UNION ALL
                        SELECT s.id, s.campaign_id FROM fx_campaign_variant v
                          JOIN fx_campaign_step s ON s.id = v.step_id
                         WHERE v.mailing_id = m.id
                         LIMIT 1) st ON true
                 WHERE t.id = ANY(%(ids)s) AND t.model = 'res.partner'
                   AND p.fx_is_trader
                """,
                now=fields.Datetime.now(),
                cancelled=self.env._("not sent by mass mailing: "),
                uid=self.env.uid,
                ids=list(trace_ids),
            )
        )
        self.invalidate_model()

    # ------------------------------------------------------------------ export
    @api.model
    def _fx_export_sql(self, filters):
        """The SELECT of the CSV export: the entries the user may read (the
        client's company among the user's, as the record rule), filtered by
        ``date_from`` / ``date_to`` (dates, inclusive), ``partner_id`` and
        ``campaign_id``, oldest first."""
        conditions = [
            SQL(
                "(p.company_id IS NULL OR p.company_id = ANY(%s))",
                self.env.user.company_ids.ids,
            )
        ]
        if filters.get("date_from"):
            conditions.append(SQL("a.date >= %s", filters["date_from"]))
        if filters.get("date_to"):
            conditions.append(SQL("a.date < %s::date + 1", filters["date_to"]))
        if filters.get("partner_id"):
            conditions.append(SQL("a.partner_id = %s", filters["partner_id"]))
        if filters.get("campaign_id"):
            conditions.append(SQL("a.campaign_id = %s", filters["campaign_id"]))
        return SQL(
            """
            SELECT a.id, to_char(a.date, 'YYYY-MM-DD HH24:MI:SS') AS date, a.kind,
                   a.outcome, a.client_ref, a.partner_id, p.name AS client,
                   rs.name->>'en_US' AS rule_set, a.rule_set_version, a.rule,
                   a.reason, a.what, a.is_risk_warning AS risk_warning,
                   a.campaign_id, c.name AS campaign, a.step_id, a.mailing_id,
                   a.origin
              FROM fx_compliance_audit a
              JOIN res_partner p ON p.id = a.partner_id
              LEFT JOIN fx_compliance_rule_set rs ON rs.id = a.rule_set_id
              LEFT JOIN fx_campaign c ON c.id = a.campaign_id
             WHERE %s
             ORDER BY a.date, a.id
            """,
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _fx_export_csv(self, filters, fileobj):
        """Write the CSV export (header and rows, UTF-8) into ``fileobj``:
        PostgreSQL's COPY formats it, no row passes through the ORM."""
        self.check_access("read")
        query = self._fx_export_sql(filters)
        self.env.flush_all()
        copy = SQL(
            "COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER, ENCODING 'UTF8')", query
        )
        cursor = self.env.cr._obj  # psycopg2's own cursor: copy_expert
        cursor.copy_expert(
            self.env.cr.mogrify(copy.code, copy.params).decode(), fileobj
        )


# the records the trail refers to without a foreign key (TrailReference):
# deleting them empties the trail's reference, as ON DELETE SET NULL did
class FxCampaign(models.Model):
    _inherit = "fx.campaign"

    def unlink(self):
        self.check_access("unlink")  # before the trail is touched
        self.env["fx.compliance.audit"].sudo()._fx_detach(self)
        return super().unlink()


class FxCampaignStep(models.Model):
    _inherit = "fx.campaign.step"

    def unlink(self):
        self.check_access("unlink")  # before the trail is touched
        self.env["fx.compliance.audit"].sudo()._fx_detach(self)
        return super().unlink()


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    def unlink(self):
        self.check_access("unlink")  # before the trail is touched
        self.env["fx.compliance.audit"].sudo()._fx_detach(self)
        return super().unlink()


class ResUsers(models.Model):
    _inherit = "res.users"

    def unlink(self):
        self.check_access("unlink")  # before the trail is touched
        self.env["fx.compliance.audit"].sudo()._fx_detach(self)
        return super().unlink()
