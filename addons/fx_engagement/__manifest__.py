{
    "name": "FX Client Engagement",
    "summary": "Trader profiles, trading facts, segmentation and campaigns "
    "for forex / CFD brokers on Odoo CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/fxcrm/fxcrm",
    "author": "FX CRM",
    "license": "LGPL-3",
    "depends": ["crm", "mass_mailing_crm"],
    "data": [
        "security/fx_engagement_groups.xml",
        "security/ir.model.access.csv",
        "data/fx_instrument_data.xml",
        "data/fx_strategy_data.xml",
        "views/fx_instrument_views.xml",
        "views/fx_strategy_views.xml",
        "views/res_partner_views.xml",
        "views/fx_engagement_menus.xml",
    ],
    "demo": ["demo/res_partner_demo.xml"],
    "application": False,
    "installable": True,
}
