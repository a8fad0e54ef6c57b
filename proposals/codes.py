"""Public tracking codes: random, with check characters, so they cannot be enumerated and a
typo is caught before anything is looked up.

A new code is ``BB-2026-7KQ2-MXWH``: the year, six random symbols and two check symbols, all
from Crockford's base-32 alphabet (digits and capital letters without I, L, O and U), so a code
can be read aloud over the phone, written by hand and typed on any keyboard. The two check
symbols are the year and the six symbols, read as one base-32 number, modulo 1021 (the largest
prime below 32², written as two base-32 symbols). Because 1021 is prime and larger than any
difference of two symbols, every one-symbol typo, and every swap of two neighbours or of two
symbols one apart within the year and the six symbols, is caught; any other error slips
through about once in a thousand. (A single check symbol modulo 31 would miss every swap:
32 is 1 modulo 31.)

Codes issued before this scheme have one check symbol, the same number modulo 37, drawn from
Crockford's 37-symbol check set: it can be ``*``, ``~``, ``$``, ``=`` or ``U``. They keep
working: they are recognised by their length (seven symbols after the year instead of eight),
and one typed without a trailing ``*``, ``~``, ``$`` or ``=`` (people drop them, and they do not
survive every messaging app) is completed from the six symbols before it.
"""

import re
import secrets

from django.utils import timezone

# Crockford's base32: no I, L, O, U, so codes survive being read aloud or handwritten.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_MODULUS = 1021
# The codes issued before the two-symbol check: one symbol modulo 37.
OLD_CHECK_ALPHABET = ALPHABET + "*~$=U"
OLD_CHECK_SYMBOLS = set(OLD_CHECK_ALPHABET) - set(ALPHABET)
EXAMPLE = "BB-2026-7KQ2-MXWH"
# What people type for a symbol that is not in the alphabet (Crockford's decoding rules).
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _value(payload: str) -> int:
    value = 0
    for ch in payload:
        value = value * 32 + ALPHABET.index(ch)
    return value


def check_symbols(payload: str) -> str:
    """Two symbols of ALPHABET: the payload as a base-32 number, modulo 1021."""
    value = _value(payload) % CHECK_MODULUS
    return ALPHABET[value // 32] + ALPHABET[value % 32]


def code_check(year: int | str, body: str) -> str:
    """The check symbols cover the year too, so a typo there is caught as well."""
    return check_symbols(f"{year}{body}")


def old_code_check(year: int | str, body: str) -> str:
    """The one check symbol of a code issued before 2027 (may be a symbol such as '=')."""
    return OLD_CHECK_ALPHABET[_value(f"{year}{body}") % 37]


def format_code(year: int | str, body: str, check: str) -> str:
    return f"BB-{year}-{body[:4]}-{body[4:]}{check}"


def new_tracking_code(year: int | None = None) -> str:
    """BB-2026-7KQ2-MXWH: year, six random symbols (about a billion per year), two checks."""
    year = year or timezone.localdate().year
    body = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return format_code(year, body, code_check(year, body))


def normalize_code(text: str) -> str | None:
    """Accept what people type ("bb 2026 7kq2 mx4f", O for 0, I or L for 1) and return the
    code as it is stored; None if it cannot be a valid code, new or old."""
    raw = re.sub(r"[\s\-_.]", "", str(text or "").upper()).translate(_LOOKALIKES)
    # [0-9], not \d: \d also matches other scripts' digits, which the alphabet lacks.
    m = re.fullmatch(r"BB([0-9]{4})([0-9A-Z]{6})([0-9A-Z*~$=]{0,2})", raw)
    if not m:
        return None
    year, body, check = m.groups()
    if any(ch not in ALPHABET for ch in body):
        return None
    if len(check) == 2:
        return format_code(year, body, check) if code_check(year, body) == check else None
    old = old_code_check(year, body)
    if check == old or (not check and old in OLD_CHECK_SYMBOLS):
        return format_code(year, body, old)
    return None
