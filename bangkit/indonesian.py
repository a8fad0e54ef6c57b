"""Numbers and dates in Indonesian, as official letters write them: the one place for both."""

import datetime

from django.utils import timezone

_ONES = [
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
]
_SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def _below_thousand(n: int) -> str:
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh {_ONES[rest]}".strip()
    hundreds, rest = divmod(n, 100)
    head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
    return f"{head} {_below_thousand(rest)}".strip()


def terbilang(n: int) -> str:
    """A number in words: 12 → 'dua belas', 1000 → 'seribu', 2026 → 'dua ribu dua puluh enam'."""
    n = int(n)
    if n == 0:
        return "nol"
    if n < 0:
        return f"minus {terbilang(-n)}"
    parts = []
    for scale, name in _SCALES:
        if n >= scale:
            count, n = divmod(n, scale)
            parts.append("seribu" if scale == 1000 and count == 1 else f"{terbilang(count)} {name}")
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def rupiah_words(amount: int) -> str:
    """'Tujuh juta lima ratus ribu rupiah', capitalised as letters write it."""
    text = f"{terbilang(amount)} rupiah"
    return text[0].upper() + text[1:]


def date_words(day: datetime.date) -> str:
    """'Senin tanggal dua belas bulan Maret tahun dua ribu dua puluh enam'."""
    return (
        f"{DAYS[day.weekday()]} tanggal {terbilang(day.day)} bulan {MONTHS[day.month - 1]} "
        f"tahun {terbilang(day.year)}"
    )


def long_date(value: datetime.date | datetime.datetime | None, *, empty: str = "") -> str:
    """'12 Maret 2026'; a moment is dated in local time; no date at all is `empty`."""
    if value is None:
        return empty
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
