import { Component, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The campaign journey: the steps drawn as a flow (wait, condition, action,
 * A/B variants) with live counts per step; each count opens the list of those
 * participants. Data from fx.campaign.fx_journey_data.
 */
export class CampaignJourney extends Component {
    static template = "fx_engagement.CampaignJourney";
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
        this.state.data = await this.orm.call("fx.campaign", "fx_journey_data", [
            [record.resId],
        ]);
    }

    /** the metrics worth showing for a step: message counts only on messages */
    metricsOf(step) {
        const messages = ["email", "sms"].includes(step.action_type);
        return this.state.data.metrics.filter(
            (m) => messages || !["opened", "clicked", "sent"].includes(m.key)
        );
    }

    async open(step, metric, variant) {
        const action = await this.orm.call("fx.campaign", "action_view_journey_list", [
            [this.props.record.resId],
            step.id,
            metric,
            variant ? variant.id : false,
        ]);
        this.action.doAction(action);
    }
}

registry.category("view_widgets").add("fx_campaign_journey", {
    component: CampaignJourney,
});
