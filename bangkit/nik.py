"""The citizen's NIK: checked against Kota Jambi's region codes, kept only as a keyed hash."""

import calendar
import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

# Kemendagri codes 15.71.KK of Kota Jambi's kecamatan, as in fixtures/jambi_wilayah.csv.
# A constant rather than a query: a NIK can be checked without the regions being loaded.
JAMBI_PROVINCE = "15"
KOTA_JAMBI = "71"
KOTA_JAMBI_KECAMATAN = {
    "01": "Telanaipura",
    "02": "Jambi Selatan",
    "03": "Jambi Timur",
    "04": "Pasar Jambi",
    "05": "Pelayangan",
    "06": "Danau Teluk",
    "07": "Kota Baru",
    "08": "Jelutung",
    "09": "Alam Barajo",
    "10": "Danau Sipin",
    "11": "Paal Merah",
}
MAX_AGE_YEARS = 120
# Women's NIKs carry the birth day plus 40.
FEMALE_DAY_OFFSET = 40

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class NikInfo:
    """What a valid NIK says. The digits are kept out of repr() so they never reach a log."""

    digits: str = field(repr=False)
    kecamatan_code: str  # "15.71.01"
    kecamatan_name: str
    birth_date: datetime.date
    female: bool

    @property
    def last4(self) -> str:
        return self.digits[-4:]

    @property
    def region(self) -> str:
        """The first six digits, "157101": province, city and kecamatan of issue. Not personal
        on its own (it names a kecamatan); the only part of a NIK kept besides ``last4``."""
        return self.digits[:6]

    @property
    def hash(self) -> str:
        return nik_hash(self.digits)

    def issued_in(self, kecamatan_code: str) -> bool:
        """Whether the NIK was issued in this kecamatan ("15.71.01"). A NIK never changes, so
        this is where its holder first registered, not necessarily where they live now."""
        return self.kecamatan_code == kecamatan_code


def nik_prefix(kecamatan_code: str) -> str:
    """The first six NIK digits of a kecamatan: "15.71.02" → "157102"."""
    return kecamatan_code.replace(".", "")


@sensitive_variables("value", "digits")
def normalize_nik(value) -> str:
    """The NIK as typed, without spaces, dots or dashes (it may still be invalid)."""
    return _SEPARATORS.sub("", str(value or ""))


@sensitive_variables("value", "digits")
def validate_nik(value, *, today: datetime.date | None = None) -> NikInfo:
    """Check a NIK of a Kota Jambi resident; the messages never repeat the number."""
    digits = normalize_nik(value)
    if not digits:
        raise ValidationError(_("NIK wajib diisi."), code="required")
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(_("NIK hanya boleh berisi angka."), code="not_digits")
    if len(digits) != 16:
        raise ValidationError(
            _("NIK harus 16 angka, Anda mengisi %(count)d."),
            code="length",
            params={"count": len(digits)},
        )
    if digits[:2] != JAMBI_PROVINCE or digits[2:4] != KOTA_JAMBI:
        raise ValidationError(
            _(
                "NIK ini tidak terdaftar di Kota Jambi: NIK warga Kota Jambi diawali 1571 "
                "(kode Provinsi Jambi dan Kota Jambi)."
            ),
            code="not_jambi",
        )
    kecamatan = digits[4:6]
    if kecamatan not in KOTA_JAMBI_KECAMATAN:
        raise ValidationError(
            _("Kode kecamatan pada NIK (angka ke-5 dan ke-6) tidak dikenal di Kota Jambi."),
            code="unknown_kecamatan",
        )
    birth_date, female = _birth_date(digits[6:12], today or timezone.localdate())
    if birth_date is None:
        raise ValidationError(
            _("Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak mungkin."),
            code="birth_date",
        )
    if digits[12:] == "0000":
        raise ValidationError(
            _("Nomor urut pada NIK (4 angka terakhir) tidak boleh 0000."), code="serial"
        )
    return NikInfo(
        digits=digits,
        kecamatan_code=f"{JAMBI_PROVINCE}.{KOTA_JAMBI}.{kecamatan}",
        kecamatan_name=KOTA_JAMBI_KECAMATAN[kecamatan],
        birth_date=birth_date,
        female=female,
    )


def _birth_date(ddmmyy: str, today: datetime.date) -> tuple[datetime.date | None, bool]:
    """DDMMYY with women's day + 40; the century is the latest that puts the date in the past."""
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    female = day > FEMALE_DAY_OFFSET
    if female:
        day -= FEMALE_DAY_OFFSET
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None, female
    century = today.year // 100 * 100
    for year in (century + yy, century - 100 + yy):
        if day > calendar.monthrange(year, month)[1]:
            continue  # 31 April, or 29 February of a common year
        born = datetime.date(year, month, day)
        if born > today:
            continue
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age <= MAX_AGE_YEARS:
            return born, female
        return None, female
    return None, female


@sensitive_variables("nik", "digits")
def nik_hash(nik) -> str:
    """HMAC-SHA256 of the NIK under NIK_HASH_KEY: equal NIKs match, the NIK cannot be read back."""
    digits = normalize_nik(nik)
    key = str(settings.NIK_HASH_KEY).encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


@sensitive_variables("nik")
def nik_last4(nik) -> str:
    return normalize_nik(nik)[-4:]
