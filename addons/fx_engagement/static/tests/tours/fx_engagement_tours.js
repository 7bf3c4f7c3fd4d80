import { registry } from "@web/core/registry";

/**
 * Staff flows in a real browser (fx_engagement/tests/test_ui_tours.py builds
 * the data and checks what the tours leave behind).
 */

// a marketer builds a segment with a behaviour condition and sees the preview
registry.category("web_tour.tours").add("fx_segment_builder", {
    steps: () => [
        { trigger: ".o_control_panel .o-kanban-button-new", run: "click" },
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour: quiet gold traders" },
        {
            content: "the filter editor counts traders only",
            trigger: ".o_field_widget[name=domain]:contains(record)",
        },
        {
            trigger: ".o_field_widget[name=condition_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=condition_ids] .o_data_row .o_field_widget[name=kind] select",
            run: 'select "no_trade"',
        },
        {
            trigger: ".o_field_widget[name=condition_ids] .o_data_row .o_field_widget[name=days] input",
            run: "edit 10",
        },
        {
            content: "leave the line: the onchange computes its description and the preview",
            trigger: ".o_field_widget[name=name] input",
            run: "click",
        },
        {
            content: "the onchange answered (the description and the preview come together)",
            trigger: ".o_field_widget[name=condition_ids] .o_data_row:contains(10 days)",
        },
        {
            content: "the preview counts the matching traders",
            trigger: ".o_form_view [name=preview] .o_field_widget[name=preview_count] span:not(:contains(/^0$/))",
        },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        {
            content: "saved from the form: refreshed at once (tests/test_ui_tours.py checks the count)",
            trigger: ".oe_stat_button:has(.o_stat_text:contains(Members)) .o_stat_value:not(:contains(/^0$/))",
        },
    ],
});

// builds a two-step campaign with an A/B variant, starts it, runs it and reads
// the journey counts
registry.category("web_tour.tours").add("fx_campaign_builder", {
    steps: () => [
        { trigger: ".o_control_panel .o-kanban-button-new", run: "click" },
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour: welcome test" },
        {
            trigger: ".o_field_widget[name=segment_id] input",
            run: "edit Tour audience",
        },
        { trigger: ".dropdown-item:contains(Tour audience)", run: "click" },
        { trigger: ".o_field_widget[name=trigger_type] select", run: 'select "once"' },
        { trigger: ".o_notebook a[name=steps]", run: "click" },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name=name] input", run: "edit Welcome e-mail" },
        { trigger: ".modal .o_field_widget[name=subject] input", run: "edit Welcome aboard" },
        { trigger: ".modal .o_notebook a[name=variants]", run: "click" },
        {
            trigger: ".modal .o_field_widget[name=variant_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=variant_ids] .o_data_row [name=name] input",
            run: "edit Plain",
        },
        {
            trigger: ".modal .o_field_widget[name=variant_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=variant_ids] .o_data_row:eq(1) [name=name] input",
            run: "edit Bonus",
        },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_field_widget[name=step_ids] .o_data_row:contains(Welcome e-mail)" },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name=name] input", run: "edit Call if not funded" },
        { trigger: ".modal .o_field_widget[name=wait_value] input", run: "edit 2" },
        {
            trigger: ".modal .o_field_widget[name=condition] select",
            run: 'select "no_deposit"',
        },
        {
            trigger: ".modal .o_field_widget[name=action_type] select",
            run: 'select "activity"',
        },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_field_widget[name=step_ids] .o_data_row:eq(1)" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { trigger: "button[name=action_start]", run: "click" },
        { trigger: "button[name=action_run_now]", run: "click" },
        {
            content: "Run Now says what it did",
            trigger: ".o_notification:contains(3 entered; 3 sent)",
        },
        {
            content: "the form reloaded after the run",
            trigger: "[name=funnel] .o_field_widget[name=sent_count]:contains(3)",
        },
        { trigger: ".o_notebook a[name=journey]", run: "click" },
        { trigger: ".o_notebook a[name=journey].active" },
        { trigger: ".o_fx_journey_entered:contains(3)" },
        {
            content: "the first step: 3 entered, 3 sent, split between the variants",
            trigger:
                ".o_fx_journey_step[data-step='Welcome e-mail'] .o_fx_journey_sent:contains(3)",
        },
        {
            trigger:
                ".o_fx_journey_step[data-step='Call if not funded'] .o_fx_journey_waiting:contains(3)",
        },
        {
            content: "a count opens its participants",
            trigger:
                ".o_fx_journey_step[data-step='Welcome e-mail'] .o_fx_journey_sent",
            run: "click",
        },
        { trigger: ".o_list_view .o_data_row:eq(2)" },
        { trigger: ".o_breadcrumb:contains(Welcome e-mail: Sent)" },
    ],
});

// a retention agent opens a trader, reads the churn factors and opens the
// net-deposits list
registry.category("web_tour.tours").add("fx_retention_agent", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a[name=fx_trading]", run: "click" },
        {
            content: "the churn factors say why",
            trigger: ".o_field_widget[name=fx_churn_explanation] li:contains(withdrew 9,000.00)",
        },
        {
            content: "open the button box's More menu when the button is in it",
            trigger: ".o-form-buttonbox",
            run() {
                if (!document.querySelector("button[name=action_fx_view_fundings]")) {
                    document.querySelector(".o-form-buttonbox .o_button_more")?.click();
                }
            },
        },
        {
            trigger: "button[name=action_fx_view_fundings]",
            run: "click",
        },
        { trigger: ".o_breadcrumb:contains(Net Deposits of Tour Trader)" },
        {
            content: "the list totals the net deposits (withdrawals negative)",
            trigger: ".o_list_view tfoot:contains(39,500.00)",
        },
    ],
});

// the same trader form in Arabic: right to left
registry.category("web_tour.tours").add("fx_trader_form_arabic", {
    steps: () => [
        { trigger: ".o_rtl .o_form_view .o_notebook a[name=fx_trading]", run: "click" },
        { trigger: ".o_field_widget[name=fx_churn_explanation] li" },
    ],
});
