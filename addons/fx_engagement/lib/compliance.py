"""Compliance rules that need no database (see docs/COMPLIANCE.md).

- which leverage class an instrument falls in for the retail leverage caps
  (ESMA / FCA / ASIC: 30:1 major currency pairs; 20:1 other pairs, gold and
  major indices; 10:1 other commodities and other indices; 5:1 single shares
  and other underlyings; 2:1 crypto-assets);
- the risk warning with the firm's loss percentage filled in, and whether a
  message already carries it.
"""

import html
import re

# ESMA's major currency pairs: any two of these currencies
MAJOR_CURRENCIES = frozenset(("USD", "EUR", "JPY", "GBP", "CAD", "CHF"))
# ESMA's major indices (symbols as trading platforms commonly name them)
MAJOR_INDICES = (
    "UK100",
    "FTSE",
    "FRA40",
    "CAC",
    "GER30",
    "GER40",
    "DE30",
    "DE40",
    "DAX",
    "US30",
    "DJI",
    "US500",
    "SPX",
    "NAS100",
    "USTEC",
    "NDX",
    "JP225",
    "JPN225",
    "NIKKEI",
    "AUS200",
    "ASX",
    "EU50",
    "EUSTX50",
    "STOXX50",
)

# leverage classes, strictest last; their cap fields on the rule set
LEVERAGE_CLASSES = [
    ("fx_major", "Major currency pairs"),
    ("major", "Other pairs, gold, major indices"),
    ("commodity", "Other commodities, other indices"),
    ("share", "Shares and other"),
    ("crypto", "Crypto-assets"),
]
CAP_FIELDS = {code: f"cap_{code}" for code, _label in LEVERAGE_CLASSES}
# the regulators' caps (the same for ESMA, FCA and ASIC)
RETAIL_CAPS = {"fx_major": 30, "major": 20, "commodity": 10, "share": 5, "crypto": 2}

PERCENT_PLACEHOLDER = "{percent}"


def leverage_class(symbol, asset_class):
    """The leverage class of an instrument from its symbol and asset class
    (fx.instrument): forex pairs of two major currencies are ``fx_major``,
    other pairs, gold and major indices ``major``, other metals, commodities
    and indices ``commodity``, crypto ``crypto``, shares and anything else
    ``share``."""
    symbol = (symbol or "").upper()
    if asset_class == "forex":
        pair = {symbol[:3], symbol[3:6]}
        return "fx_major" if pair <= MAJOR_CURRENCIES else "major"
    if asset_class == "metal":
        return "major" if symbol.startswith("XAU") else "commodity"
    if asset_class == "index":
        return "major" if symbol.startswith(MAJOR_INDICES) else "commodity"
    if asset_class == "commodity":
        return "commodity"
    if asset_class == "crypto":
        return "crypto"
    return "share"


def format_percent(value):
    """74.0 -> "74", 74.5 -> "74.5" (one decimal at most)."""
    value = round(float(value), 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def render_warning(text, percent):
    """The warning ``text`` with its ``{percent}`` placeholder filled in."""
    if not text:
        return ""
    return text.replace(PERCENT_PLACEHOLDER, format_percent(percent or 0)).strip()


_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def normalize(text):
    """Text for comparison: tags removed, entities decoded, white space
    collapsed, case folded."""
    return (
        _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", text or ""))).strip().casefold()
    )


def carries_warning(body, warning):
    """Whether ``body`` (HTML or plain text) already contains ``warning``."""
    wanted = normalize(warning)
    return bool(wanted) and wanted in normalize(body)


def append_html(body, warning):
    """``body`` with the warning as a last paragraph (inside the body when the
    body is a full HTML document)."""
    block = (
        '<p class="fx_risk_warning" style="font-size:12px;color:#555;">'
        f"{html.escape(warning)}</p>"
    )
    body = body or ""
    match = re.search(r"</body\s*>", body, re.IGNORECASE)
    if match:
        return body[: match.start()] + block + body[match.start() :]
    return body + block


def append_text(body, warning):
    """``body`` (an SMS) with the warning on a line of its own."""
    body = (body or "").rstrip()
    return f"{body}\n{warning}" if body else warning
