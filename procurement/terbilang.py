"""Numbers and dates in Indonesian words, as official letters write them."""

import datetime

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


def number_words(n: int) -> str:
    """12 → 'dua belas', 1000 → 'seribu', 2026 → 'dua ribu dua puluh enam'."""
    n = int(n)
    if n == 0:
        return "nol"
    if n < 0:
        return f"minus {number_words(-n)}"
    parts = []
    for scale, name in _SCALES:
        if n >= scale:
            count, n = divmod(n, scale)
            parts.append(
                "seribu" if scale == 1000 and count == 1 else f"{number_words(count)} {name}"
            )
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def rupiah_words(amount: int) -> str:
    """'tujuh juta lima ratus ribu rupiah', capitalised as letters write it."""
    text = f"{number_words(amount)} rupiah"
    return text[0].upper() + text[1:]


def date_words(day: datetime.date) -> str:
    """'Senin tanggal dua belas bulan Maret tahun dua ribu dua puluh enam'."""
    return (
        f"{DAYS[day.weekday()]} tanggal {number_words(day.day)} bulan {MONTHS[day.month - 1]} "
        f"tahun {number_words(day.year)}"
    )


def date_long(day: datetime.date) -> str:
    """'12 Maret 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
