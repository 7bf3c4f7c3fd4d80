import { Domain } from "@web/core/domain";
import { registry } from "@web/core/registry";
import { DomainField, domainField } from "@web/views/fields/domain/domain_field";

/**
 * The trader filter of a segment: Odoo's domain editor, whose record count
 * (and "see records" dialog) covers traders only, as the segment does.
 * The stored filter is unchanged: the trader condition is the segment's own.
 */
export class TraderDomainField extends DomainField {
    getEvaluatedDomain(props = this.props) {
        const domain = super.getEvaluatedDomain(props);
        if (domain.isInvalid) {
            return domain;
        }
        return Domain.and([domain, [["fx_is_trader", "=", true]]]).toList();
    }
}

export const traderDomainField = {
    ...domainField,
    component: TraderDomainField,
};

registry.category("fields").add("fx_trader_domain", traderDomainField);
