"""The shop's tax number (NPWP), checked by its published structure.

Old format, 15 digits ``99.999.999.9-999.999``: two digits of taxpayer type, a six-digit serial,
one check digit, three digits of the tax office (KPP) and three of the branch. The check digit
is the Luhn (mod 10) digit of the eight digits before it, so the first nine digits together pass
the Luhn test. Sources: python-stdnum ``stdnum/id/npwp.py`` (Luhn over ``number[:9]``) and the
Perl module Business::ID::NPWP (weights 1,2,1,2… over the first nine digits, sum mod 10 = 0),
both citing the OECD's Indonesia TIN sheet; checked against their examples
(01.312.166.0-091.000, 02.183.241.5-000.000).

Since 2024 (PMK 112/2022) the NPWP has 16 digits: for resident individuals it is their NIK;
for others it is a 0 followed by the old 15 digits (whose check digit still holds).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-]")
# Province codes (the first two digits of a NIK): Kemendagri's list, 11 Aceh … 97 Papua Barat Daya.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36", "51", "52", "53",
    "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96", "97",
}  # fmt: skip


def normalize_npwp(value) -> str:
    """The digits as typed, without spaces, dots or dashes (may still be invalid)."""
    return _SEPARATORS.sub("", str(value or ""))


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + d`` pass the Luhn test."""
    for d in "0123456789":
        if luhn_valid(digits + d):
            return d
    raise AssertionError("unreachable")


def _nik_plausible(digits: str) -> bool:
    if digits[:2] not in PROVINCE_CODES:
        return False
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40  # women's NIKs carry the birth day plus 40
    for century in (1900, 2000):
        try:
            datetime.date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def validate_npwp(value) -> None:
    """Raise ValidationError unless ``value`` is a well-formed 15- or 16-digit NPWP."""
    digits = normalize_npwp(value)
    if not digits:
        return
    if not digits.isdigit():
        raise ValidationError(
            _("NPWP hanya boleh berisi angka (titik dan tanda hubung boleh)."), code="not_digits"
        )
    if len(digits) == 15:
        if not luhn_valid(digits[:9]):
            raise ValidationError(
                _("NPWP tidak sah: angka pemeriksa (angka ke-9) tidak cocok."), code="check_digit"
            )
        return
    if len(digits) == 16:
        if digits.startswith("0"):
            if not luhn_valid(digits[1:10]):
                raise ValidationError(
                    _("NPWP tidak sah: angka pemeriksa (angka ke-10) tidak cocok."),
                    code="check_digit",
                )
            return
        if not _nik_plausible(digits):
            raise ValidationError(
                _("NPWP 16 angka tidak sah: bukan NIK yang mungkin (kode provinsi/tanggal lahir)."),
                code="nik",
            )
        return
    raise ValidationError(
        _("NPWP harus 15 angka (format lama) atau 16 angka; Anda mengisi %(count)d."),
        code="length",
        params={"count": len(digits)},
    )


def format_npwp(value) -> str:
    """99.999.999.9-999.999 for the old format; 16 digits in groups of four otherwise."""
    digits = normalize_npwp(value)
    if len(digits) == 15 and digits.isdigit():
        d = digits
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
    if len(digits) == 16 and digits.isdigit():
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def is_nik_npwp(value) -> bool:
    """A 16-digit NPWP not starting with 0 is the owner's NIK (PMK 112/2022)."""
    digits = normalize_npwp(value)
    return len(digits) == 16 and digits.isdigit() and not digits.startswith("0")


def masked_npwp(value) -> str:
    """An NPWP that is a NIK as it may be kept and shown (last four digits, UU 27/2022);
    any other NPWP as it is."""
    if is_nik_npwp(value):
        return "•" * 12 + normalize_npwp(value)[-4:]
    return value
