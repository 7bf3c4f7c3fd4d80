"""The demo book (demo data only): called once by demo/fx_demo_book.xml at the
install of the demo data, never in production. See lib/demo_book.py for the
story."""

import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.demo_book import (
    WELCOME_FROM_DAY,
    WELCOME_GOAL_DAYS,
    generate,
    stage_changes,
    sync_batches,
)
from ..lib.lifecycle import compute_stage

_logger = logging.getLogger(__name__)

ARABIC = "ar_001"
SIZE_HISTORY_WEEKS = 12
# the welcome e-mails of the demo, in the trader's language (English or Arabic)
WELCOME_SUBJECTS = {
    "A": (
        "Welcome aboard: your account is ready",
        "أهلاً بك: حسابك جاهز",
    ),
    "B": (
        "Welcome: a 20% bonus on your first deposit this week",
        "أهلاً بك: مكافأة 20% على إيداعك الأول هذا الأسبوع",
    ),
}
WELCOME_BODIES = {
    "A": (
        "<p>Hello <t t-out='object.name'/>, welcome! Your trading account is "
        "ready: fund it to place your first trade.</p>",
        "<p>مرحباً <t t-out='object.name'/>، أهلاً بك! حساب التداول الخاص بك "
        "جاهز: قم بتمويله لتنفيذ صفقتك الأولى.</p>",
    ),
    "B": (
        "<p>Hello <t t-out='object.name'/>, welcome! Deposit this week and get a "
        "20% bonus on your first deposit.</p>",
        "<p>مرحباً <t t-out='object.name'/>، أهلاً بك! أودِع هذا الأسبوع واحصل "
        "على مكافأة 20% على إيداعك الأول.</p>",
    ),
}


def _bilingual_subject(english, arabic):
    """A subject rendered per trader (inline template): Arabic for Arabic
    speakers, English otherwise."""
    arabic, english = (text.replace("'", "\\'") for text in (arabic, english))
    condition = "(object.lang or '').startswith('ar')"
    return f"{{{{ '{arabic}' if {condition} else '{english}' }}}}"


def _bilingual_body(english, arabic):
    return (
        f"<div dir='rtl' t-if=\"(object.lang or '').startswith('ar')\">{arabic}</div>"
        f"<div t-else=''>{english}</div>"
    )


class FxDemoBook(models.AbstractModel):
    _name = "fx.demo.book"
    _description = "FX Demo Book (demo data generator)"

    @api.model
    def _fx_generate(self):
        """Push the demo book through the sync API and give it its history:
        stage changes at their real dates, a welcome campaign run for eight
        months with a decided A/B test, segments with a size history."""
        start = time.monotonic()
        now = fields.Datetime.now()
        self.env["res.lang"]._activate_lang(ARABIC)
        book = generate(now)
        events, accounts, fundings, trades = sync_batches(book)
        sync = self.env["fx.sync"].sudo()
        sync.push_events(events)
        sync.push_accounts(accounts)
        sync.push_fundings(fundings)
        sync.push_trades(trades)
        partners = {
            p.fx_client_ref: p
            for p in self.env["res.partner"].search(
                [("fx_client_ref", "in", [t.ref for t in book])]
            )
        }
        for lang, refs in (
            (ARABIC, [t.ref for t in book if t.lang == "ar"]),
            ("en_US", [t.ref for t in book if t.lang == "en"]),
        ):
            self.env["res.partner"].concat(*(partners[r] for r in refs)).write(
                {"lang": lang}
            )
        self._fx_stage_history(book, partners, now)
        self._fx_welcome_history(book, partners, now)
        self._fx_segment_history(book, now)
        _logger.info(
            "FX demo book: %s traders generated in %.1f s",
            len(book),
            time.monotonic() - start,
        )

    def _fx_stage_history(self, book, partners, now):
        """The stage changes of the simulation, at their dates, instead of the
        ones the pushes just logged (all "now")."""
        settings = self.env["res.partner"]._fx_lifecycle_settings()
        ids = [p.id for p in partners.values()]
        self.env.cr.execute(
            SQL("DELETE FROM fx_trader_stage_history WHERE partner_id = ANY(%s)", ids)
        )
        # the chatter notes of those changes (the stage tracking of the pushes)
        self.env.cr.execute(
            SQL(
                "DELETE FROM mail_message WHERE model = 'res.partner' "
                "AND res_id = ANY(%s) AND id IN "
                "(SELECT mail_message_id FROM mail_tracking_value)",
                ids,
            )
        )
        values, stage_dates = [], {}
        for trader in book:
            partner = partners[trader.ref]
            changes = stage_changes(trader, now, compute_stage, **settings)
            for at, old, new in changes:
                values.append(
                    {
                        "partner_id": partner.id,
                        "stage_from": old,
                        "stage_to": new,
                        "date": at,
                    }
                )
            if changes:
                stage_dates[partner.id] = changes[-1][0]
        self.env["fx.trader.stage.history"].create(values)
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner p SET fx_stage_date = s.at "
                "FROM unnest(%s::int4[], %s::timestamp[]) AS s(id, at) "
                "WHERE p.id = s.id",
                list(stage_dates),
                list(stage_dates.values()),
            )
        )
        self.env["res.partner"].invalidate_model(["fx_stage_date"])

    def _fx_welcome_history(self, book, partners, now):
        """Eight months of the demo welcome journey: who entered, the e-mails
        (with opens and clicks), the calls, the conversions; then the A/B test
        is judged as the campaign would."""
        campaign = self.env.ref(
            "fx_engagement.fx_campaign_welcome_demo", raise_if_not_found=False
        )
        if not campaign:
            return
        step1, step2 = campaign.step_ids.sorted("sequence")[:2]
        variants = {v.name[:1]: v for v in step1.variant_ids}
        self._fx_bilingual_content(step1)
        campaign.write(
            {
                "start_date": now - timedelta(days=WELCOME_FROM_DAY),
                "last_enrol_date": now,
            }
        )
        participants, logs, traces = [], [], []
        for trader in book:
            if not trader.welcome:
                continue
            partner = partners[trader.ref]
            entered = trader.registered + timedelta(minutes=5)
            window_end = entered + timedelta(days=WELCOME_GOAL_DAYS)
            goal = [
                (at, amount)
                for at, kind, amount in trader.fundings
                if kind == "deposit" and entered <= at <= window_end
            ]
            variant = variants.get(trader.welcome)
            values = {
                "campaign_id": campaign.id,
                "partner_id": partner.id,
                "enrolled_date": entered,
                "variant_id": variant.id if variant else False,
                "is_holdout": trader.welcome == "holdout",
                "in_ab_test": bool(variant),
                "is_test": False,
                "converted": bool(goal),
                "conversion_date": goal[0][0] if goal else False,
                "revenue": sum(a for _at, a in goal),
            }
            call_at = entered + step2._fx_wait()
            funded_by_call = any(at <= call_at for at, _a in goal)
            if goal and goal[0][0] < min(call_at, now):
                values.update(
                    state="exited", exit_reason="goal_reached", exit_date=goal[0][0]
                )
            elif call_at > now:
                values.update(
                    state="running", step_id=step2.id, next_action_date=call_at
                )
            else:
                values.update(state="done", exit_reason="completed", exit_date=call_at)
            participants.append(values)
            logs.append((trader, partner, step1, variant, entered))
            if values["state"] == "done" and not funded_by_call:
                logs.append((trader, partner, step2, None, call_at))
        records = self.env["fx.campaign.participant"].create(participants)
        by_partner = {p.partner_id.id: p for p in records}
        log_values = []
        for trader, partner, step, variant, at in logs:
            participant = by_partner[partner.id]
            if step == step1 and not variant:
                result, detail, mailing = "skipped", "holdout group", False
            elif step == step1:
                result, detail, mailing = "sent", False, variant.mailing_id
                traces.append(self._fx_trace(trader, partner, mailing, at))
            else:
                result, detail, mailing = "done", False, False
            log_values.append(
                {
                    "participant_id": participant.id,
                    "campaign_id": campaign.id,
                    "step_id": step.id,
                    "variant_id": variant.id if variant else False,
                    "partner_id": partner.id,
                    "mailing_id": mailing.id if mailing else False,
                    "date": at,
                    "result": result,
                    "detail": detail,
                    "is_test": False,
                }
            )
        self.env["fx.campaign.log"].create(log_values)
        self.env["mailing.trace"].create(traces)
        campaign._fx_decide_ab(now)

    def _fx_trace(self, trader, partner, mailing, at):
        values = {
            "trace_type": "mail",
            "model": "res.partner",
            "res_id": partner.id,
            "mass_mailing_id": mailing.id,
            "email": trader.email,
            "trace_status": "sent",
            "sent_datetime": at,
        }
        if trader.opened:
            values.update(trace_status="open", open_datetime=at + timedelta(hours=2))
        if trader.clicked:
            values["links_click_datetime"] = at + timedelta(hours=2, minutes=3)
        return values

    def _fx_bilingual_content(self, step):
        """The welcome e-mails in English and Arabic, chosen by the trader's
        language when they are sent."""
        for variant in step.variant_ids:
            key = variant.name[:1]
            if key not in WELCOME_SUBJECTS:
                continue
            variant.mailing_id.sudo().write(
                {
                    "subject": _bilingual_subject(*WELCOME_SUBJECTS[key]),
                    "body_arch": _bilingual_body(*WELCOME_BODIES[key]),
                    "body_html": _bilingual_body(*WELCOME_BODIES[key]),
                }
            )

    def _fx_segment_history(self, book, now):
        """Refresh the segments now, then give them a weekly size history: the
        demo's past sizes are today's scaled by the share of the book registered
        by then (an illustration, not a recomputation)."""
        segments = self.env["fx.segment"].search([])
        segments._fx_refresh_isolated()
        total = len(book)
        rows = []
        for segment in segments:
            size = segment.sudo().member_count
            previous = 0
            for week in range(SIZE_HISTORY_WEEKS, 0, -1):
                at = now - timedelta(weeks=week)
                share = sum(1 for t in book if t.registered <= at) / total
                count = round(size * share)
                rows.append(
                    {
                        "segment_id": segment.id,
                        "date": at,
                        "member_count": count,
                        "entered": max(0, count - previous),
                        "left": max(0, previous - count),
                        "duration": 0.0,
                    }
                )
                previous = count
        self.env["fx.segment.refresh"].create(rows)
