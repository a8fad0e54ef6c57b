"""The Musrenbang import: read a CSV/XLSX file, check every row, write the entries in bulk."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from os import PathLike
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bangkit.models import RT, Kecamatan, WorkType
from bangkit.regions import KelurahanIndex, normalize_name
from bangkit.services import audit_record
from proposals.models import JAMBI_LAT, JAMBI_LON, MusrenbangEntry

FIRST_YEAR, LAST_YEAR = 2014, 2100
BATCH_SIZE = 500
MAX_MONEY = 10**15  # far above any programme budget; a bigger figure is a typo
MAX_VOLUME = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
MAX_RT = 999


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("id_usulan", "ID Usulan", True, ("id", "no usulan", "nomor usulan", "kode usulan")),
    Column("kecamatan", "Kecamatan", True, ("kec", "nama kecamatan")),
    Column("kelurahan", "Kelurahan", True, ("kel", "nama kelurahan", "kelurahan desa")),
    Column("rt", "RT", True, ("no rt", "nomor rt")),
    Column("usulan", "Usulan", True, ("judul usulan", "nama usulan", "judul kegiatan")),
    Column("permasalahan", "Permasalahan", True, ("masalah",)),
    Column("jenis_kegiatan", "Jenis Kegiatan", True, ("jenis",)),
    Column("lokasi", "Lokasi", True, ("lokasi kegiatan", "alamat lokasi")),
    Column("volume", "Volume", True),
    Column("satuan", "Satuan", True),
    Column("perkiraan_biaya", "Perkiraan Biaya", False, ("biaya", "perkiraan anggaran")),
    Column("prioritas", "Prioritas", False, ("urutan prioritas",)),
    Column("pengusul", "Pengusul", False, ("nama pengusul",)),
    Column("latitude", "Latitude", False, ("lat", "lintang")),
    Column("longitude", "Longitude", False, ("lon", "lng", "long", "bujur")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = [c.key for c in COLUMNS if c.required]

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
MAX_LENGTH = {
    "id_usulan": 50,
    "usulan": 300,
    "lokasi": 300,
    "jenis_kegiatan": 150,
    "satuan": 30,
    "pengusul": 150,
}


def normalize_header(text) -> str:
    """'Perkiraan Biaya (Rp)', 'perkiraan_biaya' and 'PERKIRAAN BIAYA' give the same key."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)
    return re.sub(r"[^a-z0-9]+", "", s.lower())


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.aliases):
        HEADER_KEYS[normalize_header(_name)] = _column.key


# --- Reading files ------------------------------------------------------------------------


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX we can read; the message is for the user."""


@dataclass
class Table:
    """A sheet as the user sees it: the header row and the rows under it, with their numbers."""

    headers: list
    header_row: int
    rows: list[tuple[int, list]]

    @classmethod
    def from_rows(cls, rows: Iterable[Iterable], *, first_row: int = 1) -> Table:
        """Rows as a spreadsheet shows them, the header among the first few."""
        numbered = [(first_row + i, list(r) if r is not None else []) for i, r in enumerate(rows)]
        return cls._find_header(numbered)

    @classmethod
    def _find_header(cls, numbered: list[tuple[int, list]]) -> Table:
        # Government sheets often start with a title line or two above the real header.
        candidates = [(i, cells) for i, (_, cells) in enumerate(numbered) if not _blank(cells)]
        if not candidates:
            raise UnreadableFile("Berkas kosong: tidak ada baris judul kolom.")
        chosen = candidates[0][0]
        for i, cells in candidates[:10]:
            known = {HEADER_KEYS.get(normalize_header(c)) for c in cells} - {None}
            if len(known) >= 3:
                chosen = i
                break
        number, headers = numbered[chosen]
        return cls(headers=headers, header_row=number, rows=numbered[chosen + 1 :])


def _blank(cells) -> bool:
    return all(cell_text(c) == "" for c in cells)


def cell_text(value) -> str:
    """The text of a cell; Excel's 17.0 is shown as 17."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).replace("\xa0", " ").split())


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 from Excel's 'Unicode text', else cp1252/latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def detect_delimiter(text: str) -> str:
    """The separator of the header line: Indonesian Excel writes ';' because ',' is decimal."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    for line in lines[:10]:  # a title line above the header may have no separator at all
        counts = {d: line.count(d) for d in (";", ",", "\t")}
        best = max(counts, key=counts.get)
        if counts[best]:
            return best
    return ","


def read_csv(data: bytes | str) -> Table:
    text = decode_csv(data) if isinstance(data, bytes | bytearray) else data
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        # No text file holds NUL, and PostgreSQL cannot store it: refuse the file, not a row.
        raise UnreadableFile(
            "Berkas CSV berisi karakter NUL: ini bukan berkas teks, atau tersimpan dengan "
            "pengodean yang tidak dikenal. Simpan ulang dari Excel sebagai CSV (UTF-8)."
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text)))
    except csv.Error as exc:
        raise UnreadableFile(f"Berkas CSV tidak sah: {exc}.") from exc
    return Table.from_rows(rows)


def read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged zip or XML fails in many ways; all mean "unreadable"
        raise UnreadableFile(
            "Berkas XLSX tidak dapat dibaca; simpan ulang dari Excel sebagai .xlsx atau CSV."
        ) from exc
    try:
        tables = []
        for sheet in book.worksheets:
            # Some writers record a wrong sheet size; read what is really there.
            sheet.reset_dimensions()
            try:
                table = Table.from_rows(sheet.iter_rows(values_only=True))
            except UnreadableFile:
                continue
            # A workbook may open with an instructions sheet: take the sheet with our columns.
            known = {HEADER_KEYS.get(normalize_header(h)) for h in table.headers}
            if set(REQUIRED_KEYS) <= known:
                return table
            tables.append(table)
        if not tables:
            raise UnreadableFile("Berkas kosong: tidak ada baris judul kolom.")
        return tables[0]
    finally:
        book.close()


def read_table(source, filename: str = "") -> Table:
    """A Table from a path, bytes, a binary or text file, rows (header first), or a Table."""
    if isinstance(source, Table):
        return source
    if isinstance(source, str | PathLike):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(f"Berkas {path.name} tidak dapat dibuka: {exc.strerror}.") from exc
        filename = filename or path.name
    elif hasattr(source, "read"):
        data = source.read()
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        return Table.from_rows(source)

    suffix = Path(filename).suffix.lower()
    if suffix == ".xls" or (isinstance(data, bytes) and data.startswith(b"\xd0\xcf\x11\xe0")):
        raise UnreadableFile(
            "Format Excel lama (.xls) tidak didukung; simpan ulang sebagai .xlsx atau CSV."
        )
    if isinstance(data, bytes) and (suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04")):
        return read_xlsx(data)
    return read_csv(data)


# --- Reading cells ------------------------------------------------------------------------


class CellError(Exception):
    """One cell's problem, worded for the user (the value is already in the message)."""


def _quoted(value) -> str:
    return f"'{cell_text(value)}'"


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _group_ok(integral: str, separator: str) -> bool:
    groups = integral.split(separator)
    return (
        1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and all(g.isdigit() for g in groups)
    )


def _parse_number_text(text: str, *, money: bool) -> Decimal:
    """Digits with Indonesian (1.250.000,50) or English (1,250,000.50) separators.

    One lone separator is a decimal mark, except in money where exactly three digits after it
    mean thousands ("25.000" is twenty-five thousand rupiah).
    """
    s = text.replace(" ", "")
    if not s or not re.fullmatch(r"[0-9.,]+", s) or not s[0].isdigit() or not s[-1].isdigit():
        raise ValueError
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_mark = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        integral, fraction = s.rsplit(decimal_mark, 1)
        if thousands in fraction or not _group_ok(integral, thousands):
            raise ValueError
        return Decimal(integral.replace(thousands, "") + "." + fraction)
    if dots + commas == 0:
        return Decimal(s)
    separator = "." if dots else ","
    if dots + commas > 1:
        if not _group_ok(s, separator):
            raise ValueError
        return Decimal(s.replace(separator, ""))
    integral, fraction = s.split(separator)
    if money and len(fraction) == 3 and integral != "0" and _group_ok(s, separator):
        return Decimal(integral + fraction)
    return Decimal(integral + "." + fraction)


def _number(value, *, money: bool) -> Decimal:
    """A Decimal from an Excel number or a text cell; raise ValueError if it is not one."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float | Decimal):
        result = Decimal(str(value))
        if not result.is_finite():
            raise ValueError
        return result
    return _parse_number_text(cell_text(value), money=money)


def parse_money(value) -> int | None:
    """Rupiah as an integer: 25000000, 25.000.000, Rp 25.000.000,00, Rp. 25,000,000, 2.5e7."""
    text = cell_text(value)
    if text == "":
        return None
    if isinstance(value, str):
        stripped = re.sub(r"(?i)^(rp\.?|idr)\s*", "", text).strip()
        negative = stripped.startswith(("-", "(", "−"))
        stripped = stripped.lstrip("-−(").rstrip(")").strip()
        stripped = re.sub(r"(?i)^(rp\.?|idr)\s*", "", stripped)
    else:
        stripped, negative = value, False
    try:
        amount = _number(stripped, money=True)
    except (ValueError, InvalidOperation):
        raise CellError(f"{_quoted(value)} bukan jumlah rupiah yang sah.") from None
    if negative or amount < 0:
        raise CellError(f"{_quoted(value)} tidak boleh negatif.")
    # Compared before rounding: quantize() raises on numbers longer than Decimal's precision.
    if amount >= MAX_MONEY:
        raise CellError(f"{_quoted(value)} terlalu besar.")
    rupiah = int(amount.quantize(Decimal("1"), ROUND_HALF_UP))
    if rupiah >= MAX_MONEY:
        raise CellError(f"{_quoted(value)} terlalu besar.")
    return rupiah


def parse_volume(value) -> Decimal | None:
    """A quantity with a decimal comma or point: 120,5 and 120.5 are the same."""
    text = cell_text(value)
    if text == "":
        return None
    negative = isinstance(value, str) and text.startswith(("-", "−"))
    try:
        number = _number(text.lstrip("-−") if negative else value, money=False)
    except (ValueError, InvalidOperation):
        raise CellError(f"{_quoted(value)} bukan angka.") from None
    if negative or number < 0:
        raise CellError(f"{_quoted(value)} tidak boleh negatif.")
    if number > MAX_VOLUME:  # before quantize(), which raises on very long numbers
        raise CellError(f"{_quoted(value)} terlalu besar.")
    number = number.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if number > MAX_VOLUME:
        raise CellError(f"{_quoted(value)} terlalu besar.")
    return number


def parse_whole(value) -> int | None:
    """A whole number such as a priority: 3, '03', Excel's 3.0."""
    text = cell_text(value)
    if text == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = re.fullmatch(r"0*(\d{1,9})(?:[.,]0+)?", text)
        if not match:
            raise CellError(f"{_quoted(value)} bukan bilangan bulat.")
        number = int(match.group(1))
    if number < 0:
        raise CellError(f"{_quoted(value)} tidak boleh negatif.")
    if number > 2_147_483_647:
        raise CellError(f"{_quoted(value)} terlalu besar.")
    return number


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
            raise CellError(f"{_quoted(value)} bukan nomor RT (contoh: 3, 03, RT 03).")
        number = int(match.group(1))
    if not 1 <= number <= MAX_RT:
        raise CellError(f"{_quoted(value)} bukan nomor RT yang sah (1–{MAX_RT}).")
    return number


def parse_coordinate(value, *, axis: str) -> Decimal | None:
    """Degrees with a decimal point or comma, inside Kota Jambi's bounding box."""
    text = cell_text(value)
    if text == "":
        return None
    try:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            s = text.replace(" ", "").replace("−", "-")
            if "," in s and "." not in s and s.count(",") == 1:
                s = s.replace(",", ".")
            if not re.fullmatch(r"-?\d{1,3}(\.\d+)?", s):
                raise ValueError
            number = Decimal(s)
    except (ValueError, InvalidOperation):
        raise CellError(f"{_quoted(value)} bukan koordinat desimal (contoh: -1,6012).") from None
    number = number.quantize(Decimal("0.000001"), ROUND_HALF_UP)
    low, high = JAMBI_LAT if axis == "latitude" else JAMBI_LON
    if not low <= number <= high:
        name = "lintang" if axis == "latitude" else "bujur"
        message = (
            f"{_quoted(value)} di luar wilayah Kota Jambi "
            f"({name} {_decimal_text(low)} s.d. {_decimal_text(high)})."
        )
        other_low, other_high = JAMBI_LON if axis == "latitude" else JAMBI_LAT
        if other_low <= number <= other_high:
            message += " Latitude dan longitude tertukar?"
        raise CellError(message)
    return number


def parse_source_id(value) -> str:
    text = cell_text(value)
    # A text cell that went through a float somewhere: "17.0" is ID 17.
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
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
        resolution = self.index.resolve(kelurahan_text, kecamatan=kecamatan)
        kelurahan = resolution.match
        if kelurahan is None:
            if kecamatan is not None:
                # The kecamatan column narrows the suggestions to the places it can mean.
                resolution.suggestions = [
                    k for k in resolution.suggestions if k.kecamatan_id == kecamatan.pk
                ] or resolution.suggestions
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
class RowError:
    """One problem, with the row as the spreadsheet numbers it (header = row 1)."""

    row: int | None
    column: str | None
    value: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"Baris {self.row}"
        if self.column:
            where += f", kolom {self.column}"
        return f"{where}: {self.message}"


@dataclass
class RowOutcome:
    row: int
    source_id: str
    status: str  # "new", "updated" or "unchanged"
    entry: MusrenbangEntry
    changed: list[str] = field(default_factory=list)
    rt_number: int | None = None


@dataclass
class ImportReport:
    year: int
    filename: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    new_rts: int = 0
    # Entries of the year already in the database that the file does not mention (kept).
    absent: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejected: bool = False

    @property
    def saved(self) -> bool:
        """True when rows were written and committed."""
        return not self.rejected and not self.dry_run and bool(self.outcomes)

    @property
    def updated_rows(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.status == "updated"]

    @property
    def summary(self) -> str:
        return (
            f"{self.new} baru, {self.updated} diperbarui, {self.unchanged} tetap, "
            f"{self.invalid} tidak sah, {self.new_rts} RT baru"
        )

    def add_file_error(self, message: str) -> None:
        self.errors.append(RowError(row=None, column=None, value="", message=message))
        self.rejected = True


# --- Parsing rows -------------------------------------------------------------------------


@dataclass
class _ParsedRow:
    row: int
    source_id: str
    kelurahan: object = None
    rt_number: int | None = None
    values: dict = field(default_factory=dict)


def _map_headers(headers: list, report: ImportReport) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        text = cell_text(header)
        key = HEADER_KEYS.get(normalize_header(text))
        if key is None:
            if text:
                report.ignored_columns.append(text)
            continue
        if key in positions:
            first = cell_text(headers[positions[key]])
            report.add_file_error(
                f"Kolom {COLUMN_BY_KEY[key].label} muncul dua kali ('{first}' dan '{text}')."
            )
            continue
        positions[key] = i
    missing = [COLUMN_BY_KEY[k].label for k in REQUIRED_KEYS if k not in positions]
    if missing:
        report.add_file_error(f"Kolom wajib tidak ada: {', '.join(missing)}.")
    return positions


class _RowParser:
    def __init__(self, *, year: int, positions: dict[str, int]):
        self.positions = positions
        self.regions = _RegionLookup(year)
        self.work_types = WorkTypeIndex()

    def parse(self, number: int, cells: list, errors: list[RowError]) -> _ParsedRow:
        def raw(key):
            i = self.positions.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        def fail(key, message):
            errors.append(RowError(number, COLUMN_BY_KEY[key].label, cell_text(raw(key)), message))

        def text(key, *, required=False):
            value = cell_text(raw(key))
            if required and not value:
                fail(key, "wajib diisi.")
            limit = MAX_LENGTH.get(key)
            if limit and len(value) > limit:
                fail(key, f"terlalu panjang ({len(value)} karakter, paling banyak {limit}).")
            return value

        def parsed(key, parser, **kwargs):
            try:
                return parser(raw(key), **kwargs)
            except CellError as exc:
                fail(key, str(exc))
                return None

        source_id = parse_source_id(raw("id_usulan"))
        row = _ParsedRow(row=number, source_id=source_id)
        if not source_id:
            fail("id_usulan", "wajib diisi.")
        elif len(source_id) > MAX_LENGTH["id_usulan"]:
            fail("id_usulan", f"terlalu panjang (paling banyak {MAX_LENGTH['id_usulan']}).")

        kelurahan_text = cell_text(raw("kelurahan"))
        if not kelurahan_text:
            fail("kelurahan", "wajib diisi.")
        else:
            kelurahan, problems = self.regions.resolve(kelurahan_text, cell_text(raw("kecamatan")))
            for key, message in problems:
                fail(key, message)
            row.kelurahan = kelurahan
        row.rt_number = parsed("rt", parse_rt)

        work_type_text = text("jenis_kegiatan")
        work_type = self.work_types.match(work_type_text) if work_type_text else None
        values = {
            "title": text("usulan", required=True),
            "problem": text("permasalahan"),
            "work_type_id": work_type.pk if work_type else None,
            "work_type_text": work_type_text,
            "location_text": text("lokasi"),
            "volume": parsed("volume", parse_volume),
            "unit": text("satuan"),
        }
        present = self.positions
        if "perkiraan_biaya" in present:
            values["estimated_cost"] = parsed("perkiraan_biaya", parse_money)
        if "prioritas" in present:
            values["priority"] = parsed("prioritas", parse_whole)
        if "pengusul" in present:
            values["proposer"] = text("pengusul")
        if "latitude" in present or "longitude" in present:
            lat = parsed("latitude", parse_coordinate, axis="latitude")
            lon = parsed("longitude", parse_coordinate, axis="longitude")
            lat_text, lon_text = cell_text(raw("latitude")), cell_text(raw("longitude"))
            if lat_text and not lon_text:
                fail("longitude", "wajib diisi bila Latitude diisi.")
            elif lon_text and not lat_text:
                fail("latitude", "wajib diisi bila Longitude diisi.")
            values["latitude"], values["longitude"] = lat, lon
        row.values = values
        return row


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
                    COLUMN_BY_KEY["id_usulan"].label,
                    source_id,
                    f"'{source_id}' ganda, juga dipakai di baris {others}.",
                )
            )


# --- Writing ------------------------------------------------------------------------------


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return old == new


def _write(rows: list[_ParsedRow], report: ImportReport, *, year: int, actor) -> None:
    existing = {e.source_id: e for e in MusrenbangEntry.objects.filter(year=year)}
    kelurahan_ids = {r.kelurahan.pk for r in rows}
    rt_ids = {
        (kelurahan_id, number): pk
        for kelurahan_id, number, pk in RT.objects.filter(
            kelurahan_id__in=kelurahan_ids, rw=""
        ).values_list("kelurahan_id", "number", "pk")
    }
    # The RT registry grows from the Musrenbang: an RT the file names is an RT that exists.
    missing = sorted(
        {(r.kelurahan.pk, r.rt_number) for r in rows if r.rt_number is not None} - set(rt_ids)
    )
    if missing:
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
            labels = list(dict.fromkeys(COLUMN_BY_KEY[FIELD_COLUMN[n]].label for n in changed))
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
        "default_user": actor if actor is not None and actor.is_authenticated else None,
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


def musrenbang_import(
    *,
    file_or_rows,
    filename: str = "",
    year: int,
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import a Musrenbang file for a budget year: all rows or none, unless ``skip_invalid``.

    ``file_or_rows`` is a path, bytes, an open file, a :class:`Table`, or rows with the
    header first. Re-importing the same file changes nothing; a changed row updates its entry
    (matched on year and ID usulan). A dry run checks and writes everything, then rolls back.
    """
    if not filename and isinstance(file_or_rows, str | PathLike):
        filename = Path(file_or_rows).name
    year = int(year)
    report = ImportReport(year=year, filename=filename, dry_run=dry_run, skip_invalid=skip_invalid)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        report.add_file_error(f"Tahun {year} tidak sah ({FIRST_YEAR}–{LAST_YEAR}).")
        return report
    try:
        table = read_table(file_or_rows, filename)
    except UnreadableFile as exc:
        report.add_file_error(str(exc))
        return report

    positions = _map_headers(table.headers, report)
    if report.rejected:
        return report

    parser = _RowParser(year=year, positions=positions)
    rows: list[_ParsedRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        if _blank(cells):
            continue
        rows.append(parser.parse(number, cells, errors))
    report.total = len(rows)
    _check_duplicates(rows, errors)
    errors.sort(key=lambda e: (e.row, list(COLUMN_BY_KEY).index(_key_of(e.column))))
    report.errors = errors
    invalid_rows = {e.row for e in errors}
    report.invalid = len(invalid_rows)
    valid = [r for r in rows if r.row not in invalid_rows]

    if not rows:
        report.add_file_error("Berkas tidak berisi baris usulan.")
        return report
    if errors and (not skip_invalid or not valid):
        report.rejected = True
        return report

    try:
        with transaction.atomic():
            _write(valid, report, year=year, actor=actor)
            if dry_run:
                transaction.set_rollback(True)
            else:
                audit_record(
                    actor=actor,
                    action="musrenbang_import",
                    summary=f"Impor Musrenbang {year} ({filename or 'tanpa nama'}): "
                    f"{report.summary}.",
                    data={
                        "year": year,
                        "filename": filename,
                        "total": report.total,
                        "new": report.new,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "invalid": report.invalid,
                        "new_rts": report.new_rts,
                        "updated_ids": [o.source_id for o in report.updated_rows][:1000],
                        "invalid_rows": sorted(invalid_rows)[:1000],
                    },
                )
    except IntegrityError as exc:
        report.outcomes.clear()
        report.new = report.updated = report.unchanged = report.new_rts = 0
        report.add_file_error(
            "Penyimpanan dibatalkan karena bentrok di database (mungkin impor lain untuk tahun "
            f"yang sama berjalan bersamaan); tidak ada yang diimpor, ulangi impor. ({exc})"
        )
    return report


def _key_of(label: str | None) -> str:
    for column in COLUMNS:
        if column.label == label:
            return column.key
    return COLUMNS[0].key
