/** @odoo-module **/

import { registry } from "@web/core/registry";

// A trader on the portal: the link to share, the referrals, the points, a
// reward request (fx_referrals/tests/test_portal.py sets the data up).
registry.category("web_tour.tours").add("fx_referrals_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the referrals card of the portal home",
            trigger: 'a[href="/my/referrals"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "My link carries my code",
            trigger: 'input.o_fx_link[value$="/r/TOURCODE"]',
        },
        {
            content: "The QR code of the link is shown",
            trigger: "img.o_fx_qr",
        },
        {
            content: "My referral appears with her first name and stage",
            trigger: '.o_fx_referrals_table tr:contains("Dina"):contains("Funded")',
        },
        {
            content: "My points and level",
            trigger: '.o_fx_balance:contains("610")',
        },
        {
            content: "How to earn points lists the rules",
            trigger: '.o_fx_rules li:contains("Complete your identity verification")',
        },
        {
            content: "Request the bonus credit",
            trigger: '.o_fx_reward:contains("USD 50 Bonus") button.o_fx_redeem',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request is confirmed",
            trigger: ".o_fx_message",
        },
        {
            content: "It is listed among my requests",
            trigger: '.o_fx_requests tr:contains("USD 50 Bonus"):contains("Requested")',
        },
    ],
});
