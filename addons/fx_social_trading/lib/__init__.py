"""Pure computations of social trading (no Odoo imports): statistics, copy
sizing, fees and PAMM allocations. Every formula is in docs/SOCIAL_TRADING.md."""
