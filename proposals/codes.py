"""Public tracking codes: random, with a check character, so they cannot be enumerated."""

import re
import secrets

from django.utils import timezone

# Crockford's base32: no I, L, O, U, so codes survive being read aloud or handwritten.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"  # Crockford's 37-symbol check set
# [0-9], not \d: \d also matches other scripts' digits, which the check alphabet lacks.
_CODE = re.compile(r"^BB-([0-9]{4})-([0-9A-Z]{4})-([0-9A-Z]{2})([0-9A-Z*~$=]{1})$")


def check_symbol(payload: str) -> str:
    value = 0
    for ch in payload:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_ALPHABET[value % 37]


def code_check(year: int | str, body: str) -> str:
    """The check character covers the year too, so a typo there is caught as well."""
    return check_symbol(f"{year}{body}")


def new_tracking_code(year: int | None = None) -> str:
    """BB-2025-7KQ2-MXP: year, six random symbols (about a billion per year), one check."""
    year = year or timezone.localdate().year
    body = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"BB-{year}-{body[:4]}-{body[4:]}{code_check(year, body)}"


def normalize_code(text: str) -> str | None:
    """Accept what people type ("bb 2025 7kq2 mxp", O for 0); None if it cannot be valid."""
    raw = re.sub(r"[\s\-_.]", "", str(text or "").upper())
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    m = re.fullmatch(r"BB([0-9]{4})([0-9A-Z]{6})([0-9A-Z*~$=])", raw)
    if not m:
        return None
    year, body, check = m.groups()
    if any(ch not in ALPHABET for ch in body) or code_check(year, body) != check:
        return None
    return f"BB-{year}-{body[:4]}-{body[4:]}{check}"
