"""Pure computations of fx_engagement: no Odoo imports, unit-testable alone."""
