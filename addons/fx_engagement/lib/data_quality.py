"""Data quality: normalisation of the keys compared across traders, and the
profile completeness formula (docs/METRICS.md#data-quality). No Odoo imports.
"""

import re

# The profile fields a complete trader profile has, with their weight (points
# out of 100). docs/METRICS.md#profile-completeness lists the same table.
COMPLETENESS_WEIGHTS = (
    ("name", 10),
    ("email", 15),
    ("phone", 15),  # phone or mobile
    ("country_id", 10),
    ("city", 5),
    ("street", 5),
    ("fx_birth_date", 10),
    ("fx_kyc_document_ref", 10),
    ("fx_occupation", 5),
    ("fx_income_band", 5),
    ("fx_experience_level", 5),
    ("fx_risk_appetite", 5),
)
assert sum(weight for _name, weight in COMPLETENESS_WEIGHTS) == 100

_NOT_DIGITS = re.compile(r"\D")
_NOT_ALNUM = re.compile(r"[\W_]", re.UNICODE)


def phone_fallback(number, country_phone_code=None):
    """A phone number as ``+<country code><national number>`` (digits only)
    when Odoo's phone utilities (the ``phonenumbers`` library) cannot parse it:

    - every character but digits is dropped (spaces, dashes, dots, brackets);
    - ``+`` or ``00`` in front: the digits already carry the country code;
    - otherwise the national trunk ``0`` is dropped and the country's calling
      code is put in front; without a country the number stays as its digits
      (no ``+``: its country is unknown);
    - fewer than 6 digits (after ``+`` / ``00``) is no phone number (None).
    """
    if not number:
        return None
    text = number.strip()
    digits = _NOT_DIGITS.sub("", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00") and not text.startswith("+"):
        digits = digits[2:]
    if len(digits) < 6:
        return None
    if international:
        return f"+{digits}"
    if country_phone_code:
        return f"+{country_phone_code}{digits.lstrip('0')}"
    return digits


def normalize_document(value):
    """A KYC document id compared across traders: letters and digits only,
    upper case (``ab-123 456`` and ``AB123456`` are one document); None when
    nothing is left."""
    if not value:
        return None
    return _NOT_ALNUM.sub("", value).upper() or None


def completeness(values):
    """(score 0-100, missing field names in the table's order) of one
    profile; ``values`` maps each field of COMPLETENESS_WEIGHTS to a truthy
    value when filled. The reference the SQL computation is tested against."""
    missing = [name for name, _weight in COMPLETENESS_WEIGHTS if not values.get(name)]
    score = sum(weight for name, weight in COMPLETENESS_WEIGHTS if name not in missing)
    return score, missing
