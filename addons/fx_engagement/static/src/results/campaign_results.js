import { Component, useState } from "@odoo/owl";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * Did the campaign work: rates per variant and against the holdout, per step,
 * the A/B verdict in words, a link to the results over time. Data from
 * fx.campaign.fx_campaign_results.
 */
export class CampaignResults extends Component {
    static template = "fx_engagement.CampaignResults";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        // loaded again whenever the campaign's figures change (Run Now, Refresh)
        useRecordObserver((record) => {
            const { participant_count, sent_count, converted_count, state } = record.data;
            return this.load(record, [participant_count, sent_count, converted_count, state]);
        });
    }

    async load(record, _figures) {
        if (!record.resId) {
            this.state.data = null;
            return;
        }
        this.state.data = await this.orm.call("fx.campaign", "fx_campaign_results", [
            [record.resId],
        ]);
    }

    percent(value) {
        return `${formatFloat(value * 100, { digits: [false, 1] })} %`;
    }

    points(value) {
        if (value === false || value === null || value === undefined) {
            return "";
        }
        const sign = value > 0 ? "+" : "";
        return `${sign}${formatFloat(value * 100, { digits: [false, 1] })}`;
    }

    money(value) {
        const currencyId = this.props.record.data.currency_id?.[0];
        return formatMonetary(value, { currencyId });
    }

    async openOverTime() {
        const action = await this.orm.call(
            "fx.campaign",
            "action_view_results_over_time",
            [[this.props.record.resId]]
        );
        this.action.doAction(action);
    }
}

registry.category("view_widgets").add("fx_campaign_results", {
    component: CampaignResults,
});
