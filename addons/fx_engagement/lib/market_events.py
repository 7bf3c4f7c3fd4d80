"""Market events: pure rules (no Odoo imports), see docs/METRICS.md#market-events.

- :func:`instrument_currencies`: the base and quote currency of a symbol, from
  its name and asset class (EURUSD -> EUR, USD; XAUUSD -> XAU, USD; US30 -> -,
  USD);
- :func:`affected_symbols`: the instruments an event on a currency affects;
- :func:`fire_time`: when a campaign fires for an event (N hours before or
  after it);
- :func:`rate` and :func:`uplift`: the reporting rates of an event against its
  holdout.
"""

from datetime import timedelta

# ISO codes a forex symbol is made of (EURUSD, USDJPY ...)
CURRENCY_CODES = frozenset(
    "USD EUR GBP JPY CHF CAD AUD NZD SEK NOK DKK PLN HUF CZK TRY ZAR MXN SGD HKD "
    "CNH CNY ILS RUB INR BRL KRW THB".split()
)
METAL_CODES = ("XAU", "XAG", "XPT", "XPD")
GOLD = "XAU"
# the currency an index CFD is priced in, by the start of its symbol
INDEX_CURRENCIES = (
    ("US", "USD"),
    ("SPX", "USD"),
    ("NAS", "USD"),
    ("DJ", "USD"),
    ("GER", "EUR"),
    ("DE", "EUR"),
    ("EU", "EUR"),
    ("FRA", "EUR"),
    ("UK", "GBP"),
    ("JP", "JPY"),
    ("HK", "HKD"),
    ("AUS", "AUD"),
)
IMPORTANCE_RANK = {"low": 1, "medium": 2, "high": 3}


def instrument_currencies(symbol, asset_class):
    """(base, quote) currency codes of an instrument, ``None`` where it has none.

    Forex pairs, metals and crypto are "XXXYYY" (a suffix such as ``.m`` or
    ``-ECN`` is ignored); an index has a quote currency only (the one it is
    priced in, from the region its symbol starts with); commodities such as
    USOIL are priced in USD; anything else is unknown (staff can set it).
    """
    symbol = (symbol or "").strip().upper()
    letters = "".join(ch for ch in symbol[:6] if ch.isalpha())
    if asset_class == "forex":
        if (
            len(letters) == 6
            and letters[:3] in CURRENCY_CODES
            and letters[3:] in CURRENCY_CODES
        ):
            return letters[:3], letters[3:]
        return None, None
    if asset_class in ("metal", "crypto"):
        if len(letters) == 6 and letters[3:] in CURRENCY_CODES:
            return letters[:3], letters[3:]
        return None, None
    if asset_class == "index":
        for prefix, currency in INDEX_CURRENCIES:
            if symbol.startswith(prefix):
                return None, currency
        return None, None
    if asset_class == "commodity":
        if symbol.endswith(tuple(CURRENCY_CODES)) and len(symbol) > 3:
            return None, symbol[-3:]
        return None, "USD" if symbol.startswith(("US", "WTI", "BRENT", "UK")) else None
    return None, None


def affects(currency, asset_class, base, quote):
    """Whether an event on ``currency`` affects an instrument: a forex pair
    containing it, gold priced in it, or an index priced in it (USD: every USD
    pair, XAUUSD and the US indices)."""
    if not currency:
        return False
    if asset_class == "forex":
        return currency in (base, quote)
    if asset_class == "metal":
        return base == GOLD and quote == currency
    if asset_class == "index":
        return quote == currency
    return False


def affected_symbols(currency, instruments, explicit=()):
    """The symbols an event affects: ``explicit`` ones plus those derived from
    ``currency`` among ``instruments`` (``(symbol, asset_class, base, quote)``
    tuples), sorted."""
    found = {symbol for symbol in explicit}
    for symbol, asset_class, base, quote in instruments:
        if affects(currency, asset_class, base, quote):
            found.add(symbol)
    return sorted(found)


def fire_time(scheduled_at, hours, timing):
    """When a campaign with an offset of ``hours`` ``timing`` ("before" /
    "after") the event fires for an event scheduled at ``scheduled_at``."""
    offset = timedelta(hours=hours)
    return scheduled_at - offset if timing == "before" else scheduled_at + offset


def rate(count, total):
    """``count`` / ``total`` in percent, rounded to 0.1; 0 without a total."""
    return round(100.0 * count / total, 1) if total else 0.0


def uplift(messaged_rate, holdout_rate):
    """Percentage points the messaged group is above its holdout."""
    return round(messaged_rate - holdout_rate, 1)
