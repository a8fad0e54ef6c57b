"""Resolving messy region names ("Kel. the hok", "THEHOK ") to the kelurahan they mean."""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from bangkit.models import Kecamatan, Kelurahan

_PREFIX = re.compile(r"^(kelurahan|kel|desa|kecamatan|kec|kota)\s+")
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v", "6": "vi"}


def normalize_name(text) -> str:
    """A spelling-insensitive key: lower case, no punctuation, prefixes and spaces dropped."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9 ]+", " ", s.lower())
    s = " ".join(s.split())
    while True:
        stripped = _PREFIX.sub("", s)
        if stripped == s:
            break
        s = stripped
    # "Simpang 4 Sipin" and "Simpang IV Sipin" are the same place.
    s = " ".join(_ROMAN.get(word, word) for word in s.split())
    return s.replace(" ", "")


@dataclass
class Resolution:
    query: str
    match: Kelurahan | None = None
    suggestions: list[Kelurahan] = field(default_factory=list)
    reason: str = ""

    @property
    def message(self) -> str:
        """The Indonesian sentence an import or form shows when the name is not known."""
        if self.match:
            return ""
        text = f"'{self.query.strip()}' tidak dikenal"
        if self.reason:
            text += f" ({self.reason})"
        text += "."
        if self.suggestions:
            names = ", ".join(k.label for k in self.suggestions)
            text += f" Mungkin maksudnya: {names}?"
        return text


class KelurahanIndex:
    """An in-memory index of kelurahan names and aliases; build once per import, not per row."""

    def __init__(self, *, year: int | None = None):
        self.year = year
        self._by_key: dict[str, list[Kelurahan]] = {}
        self._kecamatan_by_key: dict[str, Kecamatan] = {}
        for kec in Kecamatan.objects.all():
            self._kecamatan_by_key[normalize_name(kec.name)] = kec
        for kel in Kelurahan.objects.select_related("kecamatan"):
            for name in [kel.name, *kel.aliases]:
                bucket = self._by_key.setdefault(normalize_name(name), [])
                if kel not in bucket:
                    bucket.append(kel)

    def _exists(self, kel: Kelurahan) -> bool:
        if self.year is None:
            return True
        return kel.valid_from_year <= self.year and (
            kel.valid_until_year is None or self.year <= kel.valid_until_year
        )

    def kecamatan(self, name) -> Kecamatan | None:
        key = normalize_name(name)
        if key in self._kecamatan_by_key:
            return self._kecamatan_by_key[key]
        close = difflib.get_close_matches(key, self._kecamatan_by_key, n=1, cutoff=0.85)
        return self._kecamatan_by_key[close[0]] if close else None

    def resolve(self, name, *, kecamatan: Kecamatan | str | None = None) -> Resolution:
        result = Resolution(query=str(name or ""))
        key = normalize_name(name)
        if isinstance(kecamatan, str):
            kecamatan = self.kecamatan(kecamatan) if kecamatan.strip() else None
        if not key:
            result.reason = "kosong"
            return result
        candidates = self._by_key.get(key, [])
        if kecamatan is not None and len(candidates) > 1:
            candidates = [k for k in candidates if k.kecamatan_id == kecamatan.pk] or candidates
        existing = [k for k in candidates if self._exists(k)]
        if len(existing) == 1:
            result.match = existing[0]
            return result
        if candidates and not existing:
            first = candidates[0]
            result.reason = f"kelurahan ini baru ada sejak {first.valid_from_year}"
            result.suggestions = self._suggest(key, exclude=candidates)
            return result
        if len(existing) > 1:
            result.reason = "nama ganda, sebutkan kecamatannya"
            result.suggestions = existing
            return result
        result.suggestions = self._suggest(key)
        return result

    def _suggest(self, key: str, *, exclude=(), n: int = 3) -> list[Kelurahan]:
        keys = difflib.get_close_matches(key, self._by_key, n=n + 2, cutoff=0.6)
        found: list[Kelurahan] = []
        for k in keys:
            for kel in self._by_key[k]:
                if kel not in found and kel not in exclude and self._exists(kel):
                    found.append(kel)
        return found[:n]


def resolve_kelurahan(name, *, year: int | None = None, kecamatan=None) -> Resolution:
    """Resolve one name; for many names build a KelurahanIndex once and reuse it."""
    return KelurahanIndex(year=year).resolve(name, kecamatan=kecamatan)
