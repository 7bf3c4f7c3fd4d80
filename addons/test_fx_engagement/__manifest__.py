{
    "name": "FX Client Engagement: test module",
    "summary": "Adds a trader fact and a fact source the way another addon would "
    "(used by the test suite only)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/fxcrm/fxcrm",
    "author": "FX CRM",
    "license": "LGPL-3",
    "depends": ["fx_engagement"],
    "installable": True,
    "application": False,
}
