"""The Musrenbang import: its columns, how a row is read, how the entries are written in bulk.

The reading, the header mapping, the errors, all-or-nothing, dry run and audit are the core's
tabular pipeline (bangkit.tabular); this module says what a Musrenbang row is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bangkit.history import records_actor
from bangkit.models import RT, Kecamatan, WorkType
from bangkit.regions import KelurahanIndex, normalize_name
from bangkit.tabular import (
    BoundingBox,
    CellError,
    Column,
    ColumnSet,
    ImportReport,
    Row,
    RowError,
    TabularImport,
    cell_text,
    parse_coordinate,
    parse_money,
    parse_volume,
    parse_whole,
    quoted,
)
from proposals.codes import normalize_code
from proposals.models import JAMBI_LAT, JAMBI_LON, MusrenbangEntry

FIRST_YEAR, LAST_YEAR = 2014, 2100
BATCH_SIZE = 500
MAX_RT = 999
KOTA_JAMBI = BoundingBox("Kota Jambi", latitude=JAMBI_LAT, longitude=JAMBI_LON)

COLUMNS = ColumnSet(
    (
        Column(
            "id_usulan",
            "ID Usulan",
            True,
            ("id", "no usulan", "nomor usulan", "kode usulan"),
            max_length=50,
        ),
        Column("kecamatan", "Kecamatan", True, ("kec", "nama kecamatan")),
        Column("kelurahan", "Kelurahan", True, ("kel", "nama kelurahan", "kelurahan desa")),
        Column("rt", "RT", True, ("no rt", "nomor rt"), number=True),
        Column(
            "usulan",
            "Usulan",
            True,
            ("judul usulan", "nama usulan", "judul kegiatan"),
            max_length=300,
        ),
        Column("permasalahan", "Permasalahan", True, ("masalah",)),
        Column("jenis_kegiatan", "Jenis Kegiatan", True, ("jenis",), max_length=150),
        Column("lokasi", "Lokasi", True, ("lokasi kegiatan", "alamat lokasi"), max_length=300),
        Column("volume", "Volume", True, number=True),
        Column("satuan", "Satuan", True, max_length=30),
        Column(
            "perkiraan_biaya",
            "Perkiraan Biaya",
            False,
            ("biaya", "perkiraan anggaran"),
            number=True,
        ),
        Column("prioritas", "Prioritas", False, ("urutan prioritas",), number=True),
        Column("pengusul", "Pengusul", False, ("nama pengusul",), max_length=150),
        Column("latitude", "Latitude", False, ("lat", "lintang"), number=True),
        Column("longitude", "Longitude", False, ("lon", "lng", "long", "bujur"), number=True),
    ),
    min_known=3,
)

# Model field -> the column a reader of the report knows it by.
FIELD_COLUMN = {
    "kelurahan_id": "kelurahan",
    "rt_id": "rt",
    "title": "usulan",
    "problem": "permasalahan",
    "work_type_id": "jenis_kegiatan",
    "work_type_text": "jenis_kegiatan",
    "location_text": "lokasi",
    "volume": "volume",
    "unit": "satuan",
    "estimated_cost": "perkiraan_biaya",
    "priority": "prioritas",
    "proposer": "pengusul",
    "latitude": "latitude",
    "longitude": "longitude",
}


# --- Reading cells ------------------------------------------------------------------------

_RT_PATTERN = re.compile(r"(?:rt)?\s*[.:\-]?\s*0*(\d{1,4})(?:[.,]0+)?")


def parse_rt(value) -> int | None:
    """An RT number from '3', '03', 'RT 03', 'RT.003', 'rt 3' or Excel's 3.0."""
    text = cell_text(value)
    if text == "":
        return None
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = _RT_PATTERN.fullmatch(text.lower())
        if not match:
            raise CellError(f"{quoted(value)} bukan nomor RT (contoh: 3, 03, RT 03).")
        number = int(match.group(1))
    if not 1 <= number <= MAX_RT:
        raise CellError(f"{quoted(value)} bukan nomor RT yang sah (1–{MAX_RT}).")
    return number


def parse_source_id(value) -> str:
    text = cell_text(value)
    # A text cell that went through a float somewhere: "17.0" is ID 17.
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    # A resident's entry goes by its tracking code: spelled any way, it is the same entry.
    if text[:2].upper() == "BB":
        return normalize_code(text) or text
    return text


# --- Looking up names ---------------------------------------------------------------------


class WorkTypeIndex:
    """Work types by name, code and aliases, spelled any way; built once per import."""

    ACTIVITY_WORDS = re.compile(
        r"^(pembangunan|pembuatan|perbaikan|rehabilitasi|rehab|peningkatan|pemeliharaan|"
        r"normalisasi|pengadaan|penambahan|lanjutan)\s+"
    )

    def __init__(self):
        self._by_key: dict[str, WorkType] = {}
        for work_type in WorkType.objects.order_by("-active", "pk"):
            for name in (work_type.name, work_type.code, *work_type.aliases):
                self._by_key.setdefault(normalize_name(name), work_type)
        self._by_length = sorted(self._by_key, key=len, reverse=True)
        self._cache: dict[str, WorkType | None] = {}

    def match(self, text: str) -> WorkType | None:
        if text not in self._cache:
            self._cache[text] = self._match(text)
        return self._cache[text]

    def _match(self, text: str) -> WorkType | None:
        lowered = " ".join(text.lower().split())
        for candidate in (lowered, self.ACTIVITY_WORDS.sub("", lowered)):
            found = self._by_key.get(normalize_name(candidate))
            if found:
                return found
        # "Rabat beton / jalan setapak": any part that names a work type.
        parts = [
            self.ACTIVITY_WORDS.sub("", p.strip()) for p in re.split(r"/|,|;|\bdan\b|\+", lowered)
        ]
        for part in parts:
            found = self._by_key.get(normalize_name(part)) if part else None
            if found:
                return found
        # "Jamban umum", "saluran drainase": a part that starts with a known name, longest first.
        for part in parts:
            key = normalize_name(part)
            for name in self._by_length:
                if key.startswith(name) and _word_boundary(part, name):
                    return self._by_key[name]
        return None


def _word_boundary(text: str, key: str) -> bool:
    """Whether the normalised `key` covers whole words at the start of `text`."""
    consumed = ""
    for word in text.split():
        consumed += normalize_name(word)
        if consumed == key:
            return True
        if len(consumed) >= len(key):
            return False
    return False


class _RegionLookup:
    """Kelurahan (checked against the kecamatan column) for each distinct pair of names."""

    def __init__(self, year: int):
        self.index = KelurahanIndex(year=year)
        self.kecamatan_by_key = {normalize_name(k.name): k for k in Kecamatan.objects.all()}
        self._cache: dict[tuple[str, str], tuple] = {}

    def resolve(self, kelurahan_text: str, kecamatan_text: str):
        """(kelurahan or None, [(column key, message)])."""
        key = (kelurahan_text, kecamatan_text)
        if key not in self._cache:
            self._cache[key] = self._resolve(kelurahan_text, kecamatan_text)
        return self._cache[key]

    def _resolve(self, kelurahan_text: str, kecamatan_text: str):
        problems = []
        kecamatan = None
        if kecamatan_text:
            kecamatan = self.index.kecamatan(kecamatan_text)
            if kecamatan is None:
                message = f"'{kecamatan_text}' tidak dikenal."
                close = difflib.get_close_matches(
                    normalize_name(kecamatan_text), self.kecamatan_by_key, n=3, cutoff=0.6
                )
                if close:
                    names = ", ".join(self.kecamatan_by_key[k].name for k in close)
                    message = message[:-1] + f". Mungkin maksudnya: {names}?"
                problems.append(("kecamatan", message))
        # The kecamatan column ranks the suggestions; names elsewhere in the city still count.
        resolution = self.index.resolve(kelurahan_text, kecamatan=kecamatan)
        kelurahan = resolution.match
        if kelurahan is None:
            problems.append(("kelurahan", resolution.message))
        elif kecamatan is not None and kelurahan.kecamatan_id != kecamatan.pk:
            problems.append(
                (
                    "kecamatan",
                    f"'{kecamatan_text}' tidak cocok: Kelurahan {kelurahan.name} berada di "
                    f"Kecamatan {kelurahan.kecamatan.name}.",
                )
            )
        return kelurahan, problems


# --- The report ---------------------------------------------------------------------------


@dataclass
class RowOutcome:
    row: int
    source_id: str
    status: str  # "new", "updated" or "unchanged"
    entry: MusrenbangEntry
    changed: list[str] = field(default_factory=list)
    rt_number: int | None = None


@dataclass
class MusrenbangImportReport(ImportReport):
    create_rts: bool = False
    new_rts: int = 0
    # Rows refused because their RT is not registered (and create_rts was not asked for).
    unknown_rts: int = 0
    # Entries of the year already in the database that the file does not mention (kept).
    absent: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)

    @property
    def updated_rows(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.status == "updated"]

    @property
    def summary(self) -> str:
        return f"{super().summary}, {self.new_rts} RT baru"

    def reset_counts(self) -> None:
        super().reset_counts()
        self.outcomes.clear()
        self.new_rts = 0


# --- Parsing rows -------------------------------------------------------------------------


@dataclass
class _ParsedRow:
    row: int
    source_id: str
    kelurahan: object = None
    rt_number: int | None = None
    values: dict = field(default_factory=dict)


def _check_duplicates(rows: list[_ParsedRow], errors: list[RowError]) -> None:
    """An ID used twice is an error on every row that uses it: we cannot tell which is right."""
    by_id: dict[str, list[int]] = {}
    for row in rows:
        if row.source_id:
            by_id.setdefault(row.source_id, []).append(row.row)
    for source_id, numbers in by_id.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = ", ".join(str(n) for n in numbers if n != number)
            errors.append(
                RowError(
                    number,
                    COLUMNS["id_usulan"].label,
                    source_id,
                    f"'{source_id}' ganda, juga dipakai di baris {others}.",
                )
            )


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return old == new


class MusrenbangImport(TabularImport):
    """A year's Musrenbang wish-list, matched on (year, ID usulan)."""

    columns = COLUMNS
    report_class = MusrenbangImportReport
    title = "Impor Musrenbang"
    noun = "usulan"
    audit_action = "musrenbang_import"

    def __init__(self, *, year: int, actor=None, create_rts: bool = False):
        super().__init__(year=year, actor=actor)
        # Without it an RT the registry does not know is a row error, not a new RT.
        self.create_rts = create_rts

    def new_report(self, **kwargs):
        return super().new_report(create_rts=self.create_rts, **kwargs)

    def check(self, report):
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            report.add_file_error(f"Tahun {self.year} tidak sah ({FIRST_YEAR}–{LAST_YEAR}).")

    def prepare(self, positions):
        self.regions = _RegionLookup(self.year)
        self.work_types = WorkTypeIndex()
        self.rts: set[tuple[int, int]] = set()
        self.highest_rt: dict[int, int] = {}
        for kelurahan_id, number in RT.objects.filter(rw="").values_list("kelurahan_id", "number"):
            self.rts.add((kelurahan_id, number))
            self.highest_rt[kelurahan_id] = max(number, self.highest_rt.get(kelurahan_id, 0))
        self.unknown_rt_rows: set[int] = set()

    def parse_row(self, cells: Row) -> _ParsedRow:
        source_id = parse_source_id(cells.raw("id_usulan"))
        row = _ParsedRow(row=cells.number, source_id=source_id)
        limit = COLUMNS["id_usulan"].max_length
        if not source_id:
            cells.fail("id_usulan", "wajib diisi.")
        elif len(source_id) > limit:
            cells.fail("id_usulan", f"terlalu panjang (paling banyak {limit}).")

        kelurahan_text = cell_text(cells.raw("kelurahan"))
        if not kelurahan_text:
            cells.fail("kelurahan", "wajib diisi.")
        else:
            kelurahan, problems = self.regions.resolve(
                kelurahan_text, cell_text(cells.raw("kecamatan"))
            )
            for key, message in problems:
                cells.fail(key, message)
            row.kelurahan = kelurahan
        row.rt_number = cells.parse("rt", parse_rt)
        if row.kelurahan is not None and row.rt_number is not None and not self.create_rts:
            self._check_rt_registered(cells, row.kelurahan, row.rt_number)

        work_type_text = cells.text("jenis_kegiatan")
        work_type = self.work_types.match(work_type_text) if work_type_text else None
        values = {
            "title": cells.text("usulan", required=True),
            "problem": cells.text("permasalahan"),
            "work_type_id": work_type.pk if work_type else None,
            "work_type_text": work_type_text,
            "location_text": cells.text("lokasi"),
            "volume": cells.parse("volume", parse_volume),
            "unit": cells.text("satuan"),
        }
        if cells.has("perkiraan_biaya"):
            values["estimated_cost"] = cells.parse("perkiraan_biaya", parse_money)
        if cells.has("prioritas"):
            values["priority"] = cells.parse("prioritas", parse_whole)
        if cells.has("pengusul"):
            values["proposer"] = cells.text("pengusul")
        if cells.has("latitude") or cells.has("longitude"):
            lat = cells.parse("latitude", parse_coordinate, axis="latitude", box=KOTA_JAMBI)
            lon = cells.parse("longitude", parse_coordinate, axis="longitude", box=KOTA_JAMBI)
            lat_text, lon_text = cell_text(cells.raw("latitude")), cell_text(cells.raw("longitude"))
            if lat_text and not lon_text:
                cells.fail("longitude", "wajib diisi bila Latitude diisi.")
            elif lon_text and not lat_text:
                cells.fail("latitude", "wajib diisi bila Longitude diisi.")
            values["latitude"], values["longitude"] = lat, lon
        row.values = values
        return row

    def _check_rt_registered(self, cells: Row, kelurahan, number: int) -> None:
        """An RT the registry does not know is a typo until someone says it is new: "RT 850"
        in a kelurahan of 32 RTs would otherwise become an RT with no households."""
        if (kelurahan.pk, number) in self.rts:
            return
        highest = self.highest_rt.get(kelurahan.pk)
        known = (
            f"RT tertinggi: RT {highest:02d}"
            if highest
            else "belum ada RT terdaftar di kelurahan ini"
        )
        cells.fail(
            "rt",
            f"RT {number:02d} tidak ada di Kelurahan {kelurahan.name} ({known}). Periksa "
            "nomornya; bila RT ini memang ada, impor dengan pilihan mendaftarkan RT baru "
            "(--create-rts, atau centang 'Daftarkan RT yang belum ada' di admin).",
        )
        self.unknown_rt_rows.add(cells.number)

    def check_rows(self, rows, errors):
        _check_duplicates(rows, errors)

    def write(self, rows: list[_ParsedRow], report: MusrenbangImportReport) -> None:
        year = self.year
        existing = {e.source_id: e for e in MusrenbangEntry.objects.filter(year=year)}
        kelurahan_ids = {r.kelurahan.pk for r in rows}
        rt_ids = {
            (kelurahan_id, number): pk
            for kelurahan_id, number, pk in RT.objects.filter(
                kelurahan_id__in=kelurahan_ids, rw=""
            ).values_list("kelurahan_id", "number", "pk")
        }
        missing = sorted(
            {(r.kelurahan.pk, r.rt_number) for r in rows if r.rt_number is not None} - set(rt_ids)
        )
        if missing and not self.create_rts:
            # Removed since the rows were checked: refuse the import rather than recreate it.
            raise IntegrityError(f"RT {missing[0][1]:02d} tidak ada lagi.")
        if missing:
            # Asked for: new RTs join the registry, their households unknown (no tier yet).
            created = RT.objects.bulk_create(
                [RT(kelurahan_id=k, number=n) for k, n in missing], batch_size=BATCH_SIZE
            )
            if all(rt.pk for rt in created):
                rt_ids.update({(rt.kelurahan_id, rt.number): rt.pk for rt in created})
            else:  # a backend that cannot return ids from a bulk insert
                rt_ids.update(
                    {
                        (k, n): pk
                        for k, n, pk in RT.objects.filter(
                            kelurahan_id__in={k for k, _ in missing}, rw=""
                        ).values_list("kelurahan_id", "number", "pk")
                    }
                )
        report.new_rts = len(missing)

        now = timezone.now()
        to_create, to_update, update_fields = [], [], {"updated_at"}
        for row in rows:
            values = {
                "kelurahan_id": row.kelurahan.pk,
                "rt_id": rt_ids[(row.kelurahan.pk, row.rt_number)] if row.rt_number else None,
                **row.values,
            }
            entry = existing.get(row.source_id)
            if entry is None:
                entry = MusrenbangEntry(year=year, source_id=row.source_id, **values)
                to_create.append(entry)
                status, labels = "new", []
            else:
                changed = [n for n, value in values.items() if not _same(getattr(entry, n), value)]
                for name in changed:
                    setattr(entry, name, values[name])
                labels = list(dict.fromkeys(COLUMNS[FIELD_COLUMN[n]].label for n in changed))
                status = "updated" if changed else "unchanged"
                if changed:
                    entry.updated_at = now
                    update_fields.update(changed)
                    to_update.append(entry)
            # Readers of the report (the admin preview) need the name without a query per row.
            entry.kelurahan = row.kelurahan
            report.outcomes.append(
                RowOutcome(row.row, row.source_id, status, entry, labels, row.rt_number)
            )

        history = {
            "default_user": self.actor
            if self.actor is not None and self.actor.is_authenticated
            else None,
            "default_change_reason": f"Impor Musrenbang {report.filename}".strip()[:100],
        }
        if to_create:
            created = bulk_create_with_history(
                to_create, MusrenbangEntry, batch_size=BATCH_SIZE, **history
            )
            # On backends without RETURNING the saved copies carry the ids.
            by_source = {e.source_id: e for e in created}
            for outcome in report.outcomes:
                if outcome.status == "new" and outcome.entry.pk is None:
                    outcome.entry = by_source.get(outcome.source_id, outcome.entry)
        if to_update:
            bulk_update_with_history(
                to_update,
                MusrenbangEntry,
                sorted(update_fields),
                batch_size=BATCH_SIZE,
                **history,
            )
        report.new = len(to_create)
        report.updated = len(to_update)
        report.unchanged = len(rows) - report.new - report.updated
        seen = {r.source_id for r in rows}
        report.absent = sum(1 for source_id in existing if source_id not in seen)

    def after_parsing(self, report: MusrenbangImportReport) -> None:
        report.unknown_rts = len(self.unknown_rt_rows)

    def audit_data(self, report):
        return {
            "create_rts": self.create_rts,
            "new_rts": report.new_rts,
            "updated_ids": [o.source_id for o in report.updated_rows][:1000],
        }


@records_actor
def musrenbang_import(
    *,
    file_or_rows,
    filename: str = "",
    year: int,
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    create_rts: bool = False,
) -> MusrenbangImportReport:
    """Import a Musrenbang file for a budget year: all rows or none, unless ``skip_invalid``.

    ``file_or_rows`` is a path, bytes, an open file, a :class:`~bangkit.tabular.Table`, or rows
    with the header first. Re-importing the same file changes nothing; a changed row updates
    its entry (matched on year and ID usulan). A dry run checks and writes everything, then
    rolls back. An RT the registry does not know is a row error, unless ``create_rts``: then
    it is registered, its households unknown until someone enters them.
    """
    return MusrenbangImport(year=int(year), actor=actor, create_rts=create_rts).run(
        file_or_rows, filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )
