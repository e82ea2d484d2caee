"""Chinese phone numbers and ID numbers: normalising, validating, masking."""

from __future__ import annotations

import re
from datetime import date

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_phone(raw: str) -> str:
    value = re.sub(r"[\s\-()]", "", raw)
    international = value.startswith(("+86", "0086"))
    if international:
        value = value[3:] if value.startswith("+86") else value[4:]
        if value and not value.startswith(("0", "1")):
            value = "0" + value  # +86 21 1234 5678: a landline written without its trunk 0
    return value


def phone_error(phone: str) -> str | None:
    """None when `phone` (normalised) is a mainland mobile or landline number."""
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return None
    if phone.startswith("1"):
        return "Not a valid mobile number: 11 digits starting with 13–19."
    return "Not a valid phone number: a mobile (11 digits) or a landline with area code (e.g. 021-12345678)."


def id_number_error(value: str, *, company: bool = False) -> str | None:
    """None when `value` is a valid resident ID (GB 11643, with checksum) or, for a company,
    a unified social credit code."""
    value = value.upper()
    if company and USCC.match(value):
        if _uscc_check(value) == value[17]:
            return None
        if not value.isdigit():  # plainly a credit code, not a representative's ID number
            return "The check character of this unified social credit code is wrong: please check for a typo."
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "An ID number has 18 characters: 17 digits and a digit or X."
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "The birth date inside this ID number is not a real date."
    expected = ID_CHECK[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS)) % 11]
    if value[17] != expected:
        return "The check digit of this ID number is wrong: please check for a typo."
    return None


def _uscc_check(value: str) -> str:
    """The check character of a unified social credit code (GB 32100-2015)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(value[:17], USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
