{
    "name": "FX Referrals",
    "summary": "Referral codes and referred traders for a forex / CFD broker",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/fxcrm/fxcrm",
    "author": "FX CRM",
    "license": "LGPL-3",
    "depends": ["fx_engagement"],
    "data": [
        "security/fx_referrals_groups.xml",
        "views/res_partner_views.xml",
        "views/fx_client_event_views.xml",
        "views/fx_referrals_menus.xml",
    ],
    "demo": ["demo/res_partner_demo.xml"],
    "installable": True,
}
