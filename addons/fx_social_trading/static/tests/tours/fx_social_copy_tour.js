/** @odoo-module **/

import { registry } from "@web/core/registry";

// A trader goes from the strategy leaderboard to a copy subscription and its
// statement (fx_social_trading/tests/test_portal.py).
registry.category("web_tour.tours").add("fx_social_copy_tour", {
    url: "/my/strategies",
    steps: () => [
        {
            content: "Open the strategy from the leaderboard",
            trigger: ".o_fx_leaderboard a:contains('Gold Runner')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statistics and the formulas are shown",
            trigger: ".o_fx_statistics:contains('Maximum drawdown')",
        },
        {
            content: "Allocate 1,000",
            trigger: ".o_fx_copy_form input[name=allocation]",
            run: "edit 1000",
        },
        {
            content: "Copy with a fixed ratio",
            trigger: ".o_fx_copy_form select[name=sizing_mode]",
            run: "select fixed_ratio",
        },
        {
            content: "Ratio 2",
            trigger: ".o_fx_copy_form input[name=ratio]",
            run: "edit 2",
        },
        {
            content: "Ask to copy",
            trigger: ".o_fx_copy_form button.o_fx_copy",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation shows the fees",
            trigger: ".o_fx_copy_summary:contains('Performance fee')",
        },
        {
            content: "Confirm",
            trigger: "button.o_fx_copy_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The copy is active and its statement is shown",
            trigger: ".o_fx_sub_state:contains('Active')",
        },
        {
            content: "The subscription fee of the month is on the statement",
            trigger: ".o_fx_fee_lines:contains('Subscription Fee')",
        },
    ],
});
