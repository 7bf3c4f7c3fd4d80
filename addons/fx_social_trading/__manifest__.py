{
    "name": "FX Social Trading",
    "summary": "Copy trading: strategy providers, reproducible statistics, copy "
    "engine, fees with high-water mark, PAMM pools, trader portal",
    "version": "18.0.2.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/fxcrm/fxcrm",
    "author": "FX CRM",
    "license": "LGPL-3",
    "depends": ["fx_engagement", "portal"],
    "data": [
        "security/fx_social_trading_groups.xml",
        "security/ir.model.access.csv",
        "security/fx_strategy_provider_security.xml",
        "security/fx_social_trading_security.xml",
        "data/fx_social_trading_cron.xml",
        "views/fx_strategy_provider_views.xml",
        "views/fx_copy_subscription_views.xml",
        "views/fx_pamm_pool_views.xml",
        "views/res_config_settings_views.xml",
        "views/fx_social_trading_menus.xml",
        "views/fx_social_trading_portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "fx_social_trading/static/tests/tours/*.js",
        ],
    },
    "demo": ["demo/fx_strategy_provider_demo.xml"],
    "installable": True,
}
