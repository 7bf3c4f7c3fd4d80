from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.feedback import audience_engagement_rate, content_engagement_rate

RATE_INPUTS = {"likes", "comments", "shares", "reach", "audience"}
PLATFORMS = [
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("x", "X (Twitter)"),
    ("linkedin", "LinkedIn"),
    ("youtube", "YouTube"),
    ("tiktok", "TikTok"),
    ("telegram", "Telegram"),
    ("other", "Other"),
]


class FxSocialMetric(models.Model):
    """Engagement of one social post (or a whole social campaign), pushed by the
    social tools over the API (``fx.sync.push_social_metrics``): the latest
    counts per platform and post, docs/METRICS.md#social-engagement."""

    _name = "fx.social.metric"
    _description = "Social Media Metric"
    _order = "date desc, id desc"
    _rec_name = "post_ref"

    platform = fields.Selection(PLATFORMS, required=True)
    post_ref = fields.Char(
        string="Post", required=True, help="The platform's id of the post or campaign."
    )
    level = fields.Selection(
        [("post", "Post"), ("campaign", "Campaign")], required=True, default="post"
    )
    utm_campaign_id = fields.Many2one("utm.campaign", string="Campaign", index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Datetime(string="Measured At", required=True)
    reach = fields.Integer(default=0)
    impressions = fields.Integer(default=0)
    likes = fields.Integer(default=0)
    comments = fields.Integer(default=0)
    shares = fields.Integer(default=0)
    clicks = fields.Integer(default=0)
    audience = fields.Integer(
        default=0,
        help="Followers of the account when measured (for the audience engagement "
        "rate).",
    )
    # written in SQL (_fx_compute_rates): an undefined rate (zero reach or
    # audience) is NULL, shown empty and left out of averages
    engagements = fields.Integer(readonly=True, help="Likes + comments + shares.")
    engagement_rate = fields.Float(
        string="Content Engagement Rate (%)",
        readonly=True,
        digits=(16, 2),
        aggregator=None,
        help="(likes + comments + shares) / reach x 100; empty when the reach is 0.",
    )
    audience_engagement_rate = fields.Float(
        string="Audience Engagement Rate (%)",
        readonly=True,
        digits=(16, 2),
        aggregator=None,
        help="(likes + comments + shares) / audience x 100; empty when the audience "
        "is 0.",
    )

    _sql_constraints = [
        (
            "post_unique",
            "UNIQUE(platform, post_ref)",
            "This post is already recorded for this platform.",
        ),
        (
            "counts_positive",
            "CHECK(reach >= 0 AND impressions >= 0 AND likes >= 0 AND comments >= 0 "
            "AND shares >= 0 AND clicks >= 0 AND audience >= 0)",
            "Social metrics cannot be negative.",
        ),
        (
            "date_range",
            "CHECK(date >= '1990-01-01' AND date < '2100-01-01')",
            "The date of a social metric must be between 1990 and 2099.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._fx_compute_rates()
        return records

    def write(self, vals):
        result = super().write(vals)
        if RATE_INPUTS & set(vals):
            self._fx_compute_rates()
        return result

    def _fx_compute_rates(self):
        """One UPDATE of the engagements and rates of these metrics
        (docs/METRICS.md#social-engagement)."""
        if not self.ids:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE fx_social_metric
                   SET engagements = likes + comments + shares,
                       engagement_rate = CASE WHEN reach > 0 THEN
                           round(100.0 * (likes + comments + shares) / reach, 2) END,
                       audience_engagement_rate = CASE WHEN audience > 0 THEN
                           round(100.0 * (likes + comments + shares) / audience, 2) END
                 WHERE id = ANY(%s)
                """,
                self.ids,
            )
        )
        self.invalidate_recordset(
            ["engagements", "engagement_rate", "audience_engagement_rate"]
        )

    @api.model
    def _fx_rates(self, domain):
        """The rates of all metrics matching ``domain`` (those the user may
        see) as one group: Σ engagements / Σ reach x 100 and
        Σ engagements / Σ audience x 100, None when undefined."""
        [(engagements, reach, audience)] = self._read_group(
            domain, [], ["engagements:sum", "reach:sum", "audience:sum"]
        )
        return {
            "engagements": engagements,
            "reach": reach,
            "engagement_rate": content_engagement_rate(engagements, 0, 0, reach),
            "audience_engagement_rate": audience_engagement_rate(
                engagements, 0, 0, audience
            ),
        }
