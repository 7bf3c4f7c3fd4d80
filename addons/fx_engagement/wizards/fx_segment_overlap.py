from odoo import api, fields, models
from odoo.tools import SQL


class FxSegmentOverlap(models.TransientModel):
    _name = "fx.segment.overlap"
    _description = "Segment Overlap"

    segment_a_id = fields.Many2one("fx.segment", required=True)
    segment_b_id = fields.Many2one("fx.segment", required=True)
    count_a = fields.Integer(string="In A", compute="_compute_counts")
    count_b = fields.Integer(string="In B", compute="_compute_counts")
    count_both = fields.Integer(string="In Both", compute="_compute_counts")
    count_only_a = fields.Integer(string="Only in A", compute="_compute_counts")
    count_only_b = fields.Integer(string="Only in B", compute="_compute_counts")
    overlap_pct = fields.Float(
        string="Overlap (%)",
        compute="_compute_counts",
        help="Members in both over members in either (Jaccard index), in percent.",
    )

    @api.depends("segment_a_id", "segment_b_id")
    def _compute_counts(self):
        for wizard in self:
            a, b = wizard.segment_a_id.id, wizard.segment_b_id.id
            both = only_a = only_b = 0
            if a and b:
                [(both, only_a, only_b)] = self.env.execute_query(
                    SQL(
                        """
                        SELECT count(*) FILTER (WHERE in_a AND in_b),
                               count(*) FILTER (WHERE in_a AND NOT in_b),
                               count(*) FILTER (WHERE in_b AND NOT in_a)
                          FROM (SELECT partner_id,
                                       bool_or(segment_id = %(a)s) AS in_a,
                                       bool_or(segment_id = %(b)s) AS in_b
                                  FROM fx_segment_res_partner_rel r
                                 WHERE segment_id IN (%(a)s, %(b)s) AND %(visible)s
                                 GROUP BY partner_id) m
                        """,
                        a=a,
                        b=b,
                        visible=self.env["fx.segment"]._fx_visible_scope(
                            SQL.identifier("r", "partner_id")
                        ),
                    )
                )
            wizard.count_both = both
            wizard.count_only_a = only_a
            wizard.count_only_b = only_b
            wizard.count_a = both + only_a
            wizard.count_b = both + only_b
            union = both + only_a + only_b
            wizard.overlap_pct = 100.0 * both / union if union else 0.0

    def _open_partners(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.res_partner_action_trader"
        )
        # the web client titles the view with display_name before name
        action.update(domain=domain, context={}, name=name, display_name=name)
        return action

    def action_open_both(self):
        self.ensure_one()
        return self._open_partners(
            [
                ("fx_segment_ids", "in", self.segment_a_id.ids),
                ("fx_segment_ids", "in", self.segment_b_id.ids),
            ],
            self.env._(
                "In both %(a)s and %(b)s",
                a=self.segment_a_id.name,
                b=self.segment_b_id.name,
            ),
        )

    def action_open_only_a(self):
        self.ensure_one()
        return self._open_partners(
            [
                ("fx_segment_ids", "in", self.segment_a_id.ids),
                ("fx_segment_ids", "not in", self.segment_b_id.ids),
            ],
            self.env._(
                "In %(a)s, not in %(b)s",
                a=self.segment_a_id.name,
                b=self.segment_b_id.name,
            ),
        )

    def action_open_only_b(self):
        self.ensure_one()
        return self._open_partners(
            [
                ("fx_segment_ids", "in", self.segment_b_id.ids),
                ("fx_segment_ids", "not in", self.segment_a_id.ids),
            ],
            self.env._(
                "In %(b)s, not in %(a)s",
                a=self.segment_a_id.name,
                b=self.segment_b_id.name,
            ),
        )
