"""The dashboard's filters, read from the query string: a year or a range of years, a
kecamatan, a kelurahan, a work type. Junk is refused with an Indonesian message naming the
field; an area outside the user's scope (or one that does not exist) is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import quote_plus

from django.db.models import Exists, OuterRef
from django.http import Http404, QueryDict

from bangkit.models import FiscalYear, Kecamatan, Kelurahan, Role, WorkType
from bangkit.params import YEAR_DIGITS, plain_int, query_text
from proposals.models import Proposal

PARAMS = ("tahun", "dari", "sampai", "kecamatan", "kelurahan", "jenis")


class FilterError(ValueError):
    """The filters could not be read: ``messages`` names each bad field."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Filters:
    year_from: int
    year_to: int
    kecamatan: Kecamatan | None = None
    kelurahan: Kelurahan | None = None
    work_type: WorkType | None = None
    # Every fiscal year there is, oldest first (for the form and the trend).
    all_years: tuple = field(default=(), compare=False)
    # The closed years read from their summary rows (dashboards.summary), once known; None:
    # not asked yet, every year is read live (the record lists).
    summarized: frozenset | None = field(default=None, compare=False)
    # Every fiscal year's id by its number, known with ``summarized``.
    year_ids: dict | None = field(default=None, compare=False)
    # What was read otherwise than asked, said on the page (a kelurahan left out).
    notes: tuple = field(default=(), compare=False)

    @property
    def years(self) -> list[int]:
        return [y for y in self.all_years if self.year_from <= y <= self.year_to]

    @property
    def single_year(self) -> bool:
        return self.year_from == self.year_to

    @property
    def level(self) -> str:
        """The areas the tables are split by: kecamatan for the city, else kelurahan."""
        return "kelurahan" if (self.kecamatan or self.kelurahan) else "kecamatan"

    @property
    def area_label(self) -> str:
        if self.kelurahan:
            return f"Kelurahan {self.kelurahan.name}"
        if self.kecamatan:
            return f"Kecamatan {self.kecamatan.name}"
        return "Seluruh Kota Jambi"

    @property
    def period_label(self) -> str:
        if self.single_year:
            return f"tahun {self.year_from}"
        return f"tahun {self.year_from}–{self.year_to}"

    @cached_property
    def _values(self) -> dict:
        """The filters' own parameters, before overrides (a page asks for them a thousand
        times; the dataclass is frozen, so they never change)."""
        return {
            "dari": self.year_from,
            "sampai": self.year_to,
            "kecamatan": self.kecamatan.pk if self.kecamatan else None,
            "kelurahan": self.kelurahan.pk if self.kelurahan else None,
            "jenis": self.work_type.pk if self.work_type else None,
        }

    def params(self, **overrides) -> dict[str, str]:
        """The query parameters that give these filters back (with overrides)."""
        values = self._values.copy()
        if "tahun" in overrides:
            year = overrides.pop("tahun")
            values["dari"] = values["sampai"] = year
        values.update(overrides)
        if values["dari"] is not None and values["dari"] == values["sampai"]:
            # One year as one parameter: a page of ten years links a thousand figures.
            values = {"tahun": values.pop("dari"), **values}
            del values["sampai"]
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}

    def query(self, **overrides) -> str:
        """The query string of params(): values are numbers and plain words, so only those
        that need it are quoted (a page builds a thousand of these)."""
        return "&".join([f"{k}={_quoted(v)}" for k, v in self.params(**overrides).items()])

    def narrowed(self, **changes) -> Filters:
        return replace(self, **changes)


_QUOTED: dict[str, str] = {}
_QUOTED_MAX = 10_000


def _quoted(value: str) -> str:
    """A query value as the link carries it, remembered: a page's links repeat the same few
    years, ids and words a thousand times."""
    quoted = _QUOTED.get(value)
    if quoted is None:
        plain = value.isascii() and value.replace("_", "").isalnum()
        quoted = value if plain else quote_plus(value)
        if len(_QUOTED) < _QUOTED_MAX:
            _QUOTED[value] = quoted
    return quoted


def _number(request, name: str, label: str, errors: list, *, digits: int = 9):
    raw = query_text(request, name)
    if not raw:
        return None
    value = plain_int(raw, max_digits=digits)
    if value is None:
        errors.append(f"{label}: '{raw[:20]}' bukan angka yang benar.")
    return value


def _latest_with_data(user, years: tuple) -> int:
    """The latest of ``years`` in which the user's area has a proposal, else the latest: one
    query, the years newest first until one has a proposal (by the proposals' year index)."""
    newest = (
        FiscalYear.objects.filter(
            Exists(Proposal.objects.visible_to(user).filter(fiscal_year=OuterRef("pk")))
        )
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return newest if newest is not None else years[-1]


class _NoQuery:
    """A request without parameters."""

    GET = QueryDict()


def default_filters(user) -> Filters:
    """The user's filters when the address says nothing (their area, the latest year with a
    proposal in it)."""
    return read_filters(_NoQuery(), user)


def read_filters(request, user) -> Filters:
    """The filters of the request for this user. Raises FilterError (bad values, with a
    message per field) or Http404 (an area outside the user's scope or unknown)."""
    errors: list[str] = []
    years = tuple(FiscalYear.objects.order_by("year").values_list("year", flat=True))
    # A year of too many digits is still a number: the range check below says which years
    # there are (a five-digit year is a typo, not junk).
    year = _number(request, "tahun", "Tahun", errors, digits=2 * YEAR_DIGITS)
    year_from = _number(request, "dari", "Dari tahun", errors, digits=2 * YEAR_DIGITS)
    year_to = _number(request, "sampai", "Sampai tahun", errors, digits=2 * YEAR_DIGITS)
    kecamatan_id = _number(request, "kecamatan", "Kecamatan", errors)
    kelurahan_id = _number(request, "kelurahan", "Kelurahan", errors)
    work_type_id = _number(request, "jenis", "Jenis kegiatan", errors)
    if year is not None:
        year_from = year_to = year
    first, last = (years[0], years[-1]) if years else (None, None)
    for label, value in (("Tahun", year_from), ("Tahun", year_to)):
        if value is not None and years and not (first <= value <= last):
            errors.append(f"{label} {value} tidak ada: data tersedia {first}–{last}.")
    if year_from is not None and year_to is not None and year_from > year_to:
        errors.append(
            f"Rentang tahun terbalik: dari {year_from} sampai {year_to}. "
            "Tahun awal harus sebelum atau sama dengan tahun akhir."
        )
    if errors:
        raise FilterError(list(dict.fromkeys(errors)))
    if not years:
        year_from = year_to = None
    else:
        # Without a year: the latest year with a proposal in the user's area (a new fiscal
        # year opens empty; its trend is the annual report's); with only one end of a range,
        # the range runs from the first or to the last year.
        if year_from is None and year_to is None:
            year_from = year_to = _latest_with_data(user, years)
        year_from = year_from if year_from is not None else first
        year_to = year_to if year_to is not None else last

    kecamatan = kelurahan = work_type = None
    notes: list[str] = []
    if user.role == Role.KECAMATAN:
        kecamatan = user.kecamatan
    elif user.role == Role.KELURAHAN:
        kelurahan = user.kelurahan
    if kecamatan_id is not None:
        found = Kecamatan.objects.visible_to(user).filter(pk=kecamatan_id).first()
        if found is None:
            raise Http404
        kecamatan = found
    if kelurahan_id is not None:
        found = (
            Kelurahan.objects.visible_to(user)
            .select_related("kecamatan")
            .filter(pk=kelurahan_id)
            .first()
        )
        if found is None:
            raise Http404
        if kelurahan is not None and found.pk != kelurahan.pk:
            raise Http404
        if kecamatan is not None and found.kecamatan_id != kecamatan.pk:
            # The form without a script keeps the kelurahan chosen before when another
            # kecamatan is picked: the kecamatan, chosen last, is shown, and the page says so.
            notes.append(
                f"Kelurahan {found.name} tidak berada di Kecamatan {kecamatan.name}: "
                f"ditampilkan seluruh Kecamatan {kecamatan.name}."
            )
        else:
            kelurahan = found
    if kelurahan is not None:
        kecamatan = kecamatan or kelurahan.kecamatan
    if work_type_id is not None:
        work_type = WorkType.objects.filter(pk=work_type_id).first()
        if work_type is None:
            raise FilterError([f"Jenis kegiatan nomor {work_type_id} tidak dikenal."])
    return Filters(
        year_from=year_from,
        year_to=year_to,
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        work_type=work_type,
        all_years=years,
        notes=tuple(notes),
    )
