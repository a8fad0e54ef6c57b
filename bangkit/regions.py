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
    # The kecamatan written next to the name, when some suggestions lie outside it.
    written_kecamatan: Kecamatan | None = None

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
            names = ", ".join(self._suggestion_labels())
            text += f" Mungkin maksudnya: {names}?"
        return text

    def _suggestion_labels(self) -> list[str]:
        labels = [k.label for k in self.suggestions]
        written = self.written_kecamatan
        if written is not None:
            # Said once, on the first name from another kecamatan: both may be wrong at once.
            for i, kel in enumerate(self.suggestions):
                if kel.kecamatan_id != written.pk:
                    labels[i] = (
                        f"{kel.name} ({kel.kecamatan.name} — kecamatan di baris ini: "
                        f"{written.name})"
                    )
                    break
        return labels


class KelurahanIndex:
    """An in-memory index of kelurahan names and aliases; build once per import, not per row."""

    def __init__(self, *, year: int | None = None):
        self.year = year
        self._by_key: dict[str, list[Kelurahan]] = {}
        self._kecamatan_by_key: dict[str, Kecamatan] = {}
        self._by_kecamatan: dict[int, dict[str, list[Kelurahan]]] = {}
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
        """The kelurahan a name means; ``kecamatan`` (written next to it) settles a name used
        in two kecamatan and ranks the suggestions for an unknown name."""
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
            self._suggest_into(result, key, kecamatan, exclude=candidates)
            return result
        if len(existing) > 1:
            result.reason = "nama ganda, sebutkan kecamatannya"
            result.suggestions = existing
            return result
        self._suggest_into(result, key, kecamatan)
        return result

    def _suggest_into(self, result: Resolution, key: str, kecamatan, *, exclude=()) -> None:
        """The closest names in the whole city, weighed against the kecamatan written.

        When the closest name lies in that kecamatan, its names only. When it lies elsewhere,
        a typo and a wrong kecamatan came together: the closest names wherever they are (with
        the kecamatan's own closest name too), the written kecamatan named beside them.
        """
        city = self._suggest(key, exclude=exclude)
        if kecamatan is None or not city:
            result.suggestions = city
            return
        local = self._suggest(key, exclude=exclude, kecamatan=kecamatan)
        if city[0].kecamatan_id == kecamatan.pk:
            result.suggestions = local
            return
        if not local:
            # Nothing close in the written kecamatan: the kecamatan shown beside each name says
            # enough.
            result.suggestions = city
            return
        result.suggestions = city + [k for k in local[:1] if k not in city]
        result.written_kecamatan = kecamatan

    def _suggest(self, key: str, *, exclude=(), n: int = 3, kecamatan=None) -> list[Kelurahan]:
        pool = self._by_key if kecamatan is None else self._keys_in(kecamatan)
        keys = difflib.get_close_matches(key, pool, n=n + 2, cutoff=0.6)
        found: list[Kelurahan] = []
        for k in keys:
            for kel in pool[k]:
                if kel not in found and kel not in exclude and self._exists(kel):
                    found.append(kel)
        return found[:n]

    def _keys_in(self, kecamatan: Kecamatan) -> dict[str, list[Kelurahan]]:
        if kecamatan.pk not in self._by_kecamatan:
            self._by_kecamatan[kecamatan.pk] = {
                key: inside
                for key, kels in self._by_key.items()
                if (inside := [k for k in kels if k.kecamatan_id == kecamatan.pk])
            }
        return self._by_kecamatan[kecamatan.pk]


def resolve_kelurahan(name, *, year: int | None = None, kecamatan=None) -> Resolution:
    """Resolve one name; for many names build a KelurahanIndex once and reuse it."""
    return KelurahanIndex(year=year).resolve(name, kecamatan=kecamatan)
