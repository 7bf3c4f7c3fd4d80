"""Registrations pushed with a referral code set *Referred By*
(docs/METRICS.md#referral-at-registration)."""

import logging
from collections import defaultdict
from dataclasses import replace

from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.fx_engagement.lib.validation import Field

_logger = logging.getLogger(__name__)


class FxSync(models.AbstractModel):
    _inherit = "fx.sync"

    def _push_declaration(self, method):
        push = super()._push_declaration(method)
        if method == "push_events":
            # the code sent with an event is kept on it (fx.client.event), with
            # what the anti-fraud rules compare (docs/REFERRALS.md#anti-fraud)
            push = replace(
                push,
                schema={
                    **push.schema,
                    "ip": Field("str", max_len=64),
                    "device_id": Field("str", max_len=128),
                    "kyc_identity": Field("str", max_len=128),
                    "referral_token": Field("str", max_len=64),
                },
            ).extend(
                columns={
                    "referral_code": "referral_code",
                    "ip_address": "ip",
                    "device_id": "device_id",
                    "kyc_identity": "kyc_identity",
                    "referral_token": "referral_token",
                }
            )
        elif method == "push_trades":
            # docs/REFERRALS.md#responsible-behaviour
            push = replace(
                push,
                schema={**push.schema, "stop_loss": Field("float", min_value=0)},
            ).extend(columns={"stop_loss": "stop_loss"})
        return push

    def _on_registrations(self, registrations):
        """Set the *Referred By* of each registered trader from the referral
        code of its registration (the first one in the batch).

        Never fails the push: an unknown code is logged and only kept on the
        event; a trader who already has a referrer keeps it; a self-referral
        or a circular chain (refused by ``_check_fx_referrer_id``) is skipped
        with a warning. Codes of referrers of another company are unknown
        here.
        """
        super()._on_registrations(registrations)
        codes = {}
        for partner_id, code in registrations:
            if code:
                codes.setdefault(partner_id, code)
        if not codes:
            return
        Partner = self.env["res.partner"].sudo()
        referrers = {
            referrer.fx_referral_code: referrer
            for referrer in Partner.search_fetch(
                [
                    (
                        "fx_referral_code",
                        "in",
                        list({*codes.values(), *(c.upper() for c in codes.values())}),
                    ),
                    ("company_id", "in", [False, self.env.company.id]),
                ],
                ["fx_referral_code"],
            )
        }
        by_referrer = defaultdict(list)
        unknown = set()
        links = []  # (referee, referrer, flag) of the referral records
        for partner in Partner.browse(list(codes)):
            code = codes[partner.id]
            referrer = referrers.get(code) or referrers.get(code.upper())
            if not referrer:
                unknown.add(code)
            elif partner.fx_referrer_id:
                continue  # set before (by staff or an earlier push): kept
            elif referrer == partner:
                _logger.warning(
                    "push_events: %s registered with their own referral code %s: "
                    "Referred By not set",
                    partner.display_name,
                    code,
                )
                links.append((partner, referrer, "self"))
            else:
                by_referrer[referrer].append(partner.id)
        if unknown:
            _logger.info(
                "push_events: %d unknown referral code(s), kept on the events, "
                "Referred By not set: %s",
                len(unknown),
                ", ".join(sorted(unknown)[:20]),
            )
        for referrer, partner_ids in by_referrer.items():
            refused = self._fx_set_referrer(Partner.browse(partner_ids), referrer)
            links.extend(
                (partner, referrer, "circular" if partner in refused else None)
                for partner in Partner.browse(partner_ids)
            )
        self._fx_create_referrals(links)

    def _fx_create_referrals(self, links):
        """The referral records of the registrations (held when flagged): a
        registration carrying the link's cookie token completes the click."""
        if not links:
            return
        tokens = dict(
            self.env.execute_query(
                SQL(
                    "SELECT DISTINCT ON (partner_id) partner_id, referral_token "
                    "FROM fx_client_event WHERE partner_id = ANY(%s) "
                    "AND event_type = 'registration' AND referral_token IS NOT NULL "
                    "ORDER BY partner_id, date",
                    [referee.id for referee, _r, _f in links],
                )
            )
        )
        self.env["fx.referral"]._fx_attach(
            [
                (
                    referee,
                    referrer,
                    "link" if tokens.get(referee.id) else "code",
                    tokens.get(referee.id),
                    flag,
                )
                for referee, referrer, flag in links
            ]
        )

    def _fx_set_referrer(self, partners, referrer):
        """Write ``referrer`` as the *Referred By* of ``partners``; those the
        referral chain rules refuse are skipped with a warning and returned."""
        refused = partners.browse()
        try:
            with self.env.cr.savepoint():
                partners.with_context(fx_no_referral=True).write(
                    {"fx_referrer_id": referrer.id}
                )
        except ValidationError as exc:
            if len(partners) > 1:
                for partner in partners:
                    refused |= self._fx_set_referrer(partner, referrer)
            else:
                refused = partners
                _logger.warning(
                    "push_events: Referred By of %s not set to %s: %s",
                    partners.display_name,
                    referrer.display_name,
                    exc,
                )
        return refused
