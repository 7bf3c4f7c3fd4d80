{
    "name": "FX Social Trading",
    "summary": "Strategy providers for copy trading: description, fees, publication",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/fxcrm/fxcrm",
    "author": "FX CRM",
    "license": "LGPL-3",
    "depends": ["fx_engagement"],
    "data": [
        "security/fx_social_trading_groups.xml",
        "security/ir.model.access.csv",
        "security/fx_strategy_provider_security.xml",
        "views/fx_strategy_provider_views.xml",
        "views/fx_social_trading_menus.xml",
    ],
    "demo": ["demo/fx_strategy_provider_demo.xml"],
    "installable": True,
}
