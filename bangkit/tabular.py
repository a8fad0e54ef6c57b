"""Tabular imports (CSV and XLSX): one reader, one pipeline, the cell parsers, one command base.

An import describes itself with a :class:`TabularImport`: its columns (:class:`Column`), how
one row becomes a parsed row (``parse_row``, through :class:`Row`), checks across rows
(``check_rows``) and how the valid rows are written (``write``). :meth:`TabularImport.run` does
the rest the same way for every import:

- reads the file (CSV with its encoding and delimiter detected, or the XLSX sheet that carries
  the columns), finding the header below any title lines;
- maps the headers to the columns ignoring case, spaces and punctuation (missing required or
  doubled columns refuse the file, unknown ones are ignored and reported);
- collects every problem as a :class:`RowError` (spreadsheet row number, column label,
  Indonesian message), never only the first;
- writes all rows or none, unless ``skip_invalid`` (then the valid ones); a dry run writes
  everything and rolls back; a real import writes one audit row;
- fills an :class:`ImportReport` (counts of new, updated, unchanged and invalid rows).

:class:`ImportCommand` is the base of the management commands: the same options and the same
exit codes (0 imported, 1 refused, 2 partly imported with ``--skip-invalid``).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from os import PathLike
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from bangkit.money import whole_rupiah
from bangkit.services import audit_record

MAX_MONEY = 10**15  # far above any programme budget; a bigger figure is a typo
MAX_VOLUME = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
MAX_WHOLE = 2_147_483_647  # the largest integer every database column holds
HEADER_SEARCH_ROWS = 10  # title lines above the header: looked for in the first rows only

EXIT_OK = 0
EXIT_REJECTED = 1  # nothing imported: unreadable file, missing columns, or invalid rows
EXIT_PARTIAL = 2  # --skip-invalid: the valid rows were imported, the invalid ones were not


# --- Columns ------------------------------------------------------------------------------


def normalize_header(text) -> str:
    """'Perkiraan Biaya (Rp)', 'perkiraan_biaya' and 'PERKIRAAN BIAYA' give the same key."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)
    return re.sub(r"[^a-z0-9]+", "", s.lower())


@dataclass(frozen=True)
class Column:
    """One column an import reads: its key, the label messages use, the other names it goes by.

    ``number`` columns hold figures (a date there is refused as "bukan angka"), the others
    text; ``max_length`` is checked by :meth:`Row.text`.
    """

    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    number: bool = False
    max_length: int | None = None


class ColumnSet:
    """The columns of one import, with the lookups the reader and the rows need."""

    def __init__(self, columns: Iterable[Column], *, min_known: int = 3):
        self.columns: tuple[Column, ...] = tuple(columns)
        # A header row is the first of the top rows naming at least this many of our columns.
        self.min_known = min_known
        self.by_key = {c.key: c for c in self.columns}
        self.required_keys = [c.key for c in self.columns if c.required]
        self._order = {c.key: i for i, c in enumerate(self.columns)}
        self._key_by_label = {c.label: c.key for c in self.columns}
        self._header_keys: dict[str, str] = {}
        for column in self.columns:
            for name in (column.key, column.label, *column.aliases):
                self._header_keys[normalize_header(name)] = column.key

    def __iter__(self):
        return iter(self.columns)

    def __getitem__(self, key: str) -> Column:
        return self.by_key[key]

    def key_for_header(self, header) -> str | None:
        return self._header_keys.get(normalize_header(cell_text(header)))

    def known(self, cells) -> set[str]:
        return {self.key_for_header(c) for c in cells} - {None}

    def order_of_label(self, label: str | None) -> int:
        """Where a column (by its label) stands, to list a row's errors left to right."""
        return self._order.get(self._key_by_label.get(label), 0)


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
    def from_rows(
        cls, rows: Iterable[Iterable], *, columns: ColumnSet | None = None, first_row: int = 1
    ) -> Table:
        """Rows as a spreadsheet shows them, the header among the first few."""
        numbered = [(first_row + i, list(r) if r is not None else []) for i, r in enumerate(rows)]
        # Government sheets often start with a title line or two above the real header.
        candidates = [i for i, (_, cells) in enumerate(numbered) if not is_blank(cells)]
        if not candidates:
            raise UnreadableFile("Berkas kosong: tidak ada baris judul kolom.")
        chosen = candidates[0]
        if columns is not None:
            for i in candidates[:HEADER_SEARCH_ROWS]:
                if len(columns.known(numbered[i][1])) >= columns.min_known:
                    chosen = i
                    break
        number, headers = numbered[chosen]
        return cls(headers=headers, header_row=number, rows=numbered[chosen + 1 :])


def is_blank(cells) -> bool:
    return all(cell_text(c) == "" for c in cells)


def is_date(value) -> bool:
    """Whether a cell holds a date or a time (openpyxl's reading of a date-formatted cell)."""
    return isinstance(value, datetime.date | datetime.time | datetime.timedelta)


def date_text(value) -> str:
    """A date or time the way an Indonesian reader writes it: 17-05-2026, 17-05-2026 08:30."""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.strftime("%d-%m-%Y")
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def cell_text(value) -> str:
    """The text of a cell; Excel's 17.0 is shown as 17, a date as 17-05-2026."""
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
    if is_date(value):
        return date_text(value)
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


def read_csv(data: bytes | str, *, columns: ColumnSet | None = None) -> Table:
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
    return Table.from_rows(rows, columns=columns)


def read_xlsx(data: bytes, *, columns: ColumnSet | None = None) -> Table:
    """The sheet that carries the import's columns (else the first sheet with anything)."""
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
                table = Table.from_rows(sheet.iter_rows(values_only=True), columns=columns)
            except UnreadableFile:
                continue
            # A workbook may open with an instructions sheet: take the sheet with our columns.
            if columns is not None and set(columns.required_keys) <= columns.known(table.headers):
                return table
            tables.append(table)
        if not tables:
            raise UnreadableFile("Berkas kosong: tidak ada baris judul kolom.")
        return tables[0]
    finally:
        book.close()


def read_table(source, filename: str = "", *, columns: ColumnSet | None = None) -> Table:
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
        return Table.from_rows(source, columns=columns)

    suffix = Path(filename).suffix.lower()
    if suffix == ".xls" or (isinstance(data, bytes) and data.startswith(b"\xd0\xcf\x11\xe0")):
        raise UnreadableFile(
            "Format Excel lama (.xls) tidak didukung; simpan ulang sebagai .xlsx atau CSV."
        )
    if isinstance(data, bytes) and (suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04")):
        return read_xlsx(data, columns=columns)
    return read_csv(data, columns=columns)


# --- Reading cells ------------------------------------------------------------------------


class CellError(Exception):
    """One cell's problem, worded for the user (the value is already in the message)."""


def quoted(value) -> str:
    return f"'{cell_text(value)}'"


def decimal_text(value: Decimal) -> str:
    """A Decimal with the Indonesian decimal comma: -1,72."""
    return f"{value.normalize():f}".replace(".", ",")


def _refuse_date(value) -> None:
    if is_date(value):
        raise CellError(f"berisi tanggal ({date_text(value)}), bukan angka.")


def _number_cell(parse):
    """A reader of a number cell: an empty cell is None and a date is refused before `parse`
    sees the value and its text."""

    @functools.wraps(parse)
    def read(value, **options):
        _refuse_date(value)
        text = cell_text(value)
        if text == "":
            return None
        return parse(value, text, **options)

    return read


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


@_number_cell
def parse_money(value, text: str) -> int | None:
    """Rupiah as an integer: 25000000, 25.000.000, Rp 25.000.000,00, Rp. 25,000,000, 2.5e7."""
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
        raise CellError(f"{quoted(value)} bukan jumlah rupiah yang sah.") from None
    if negative or amount < 0:
        raise CellError(f"{quoted(value)} tidak boleh negatif.")
    # Compared before rounding: quantize() raises on numbers longer than Decimal's precision.
    if amount >= MAX_MONEY:
        raise CellError(f"{quoted(value)} terlalu besar.")
    rupiah = whole_rupiah(amount)
    if rupiah >= MAX_MONEY:
        raise CellError(f"{quoted(value)} terlalu besar.")
    return rupiah


@_number_cell
def parse_volume(value, text: str) -> Decimal | None:
    """A quantity with a decimal comma or point: 120,5 and 120.5 are the same."""
    negative = isinstance(value, str) and text.startswith(("-", "−"))
    try:
        number = _number(text.lstrip("-−") if negative else value, money=False)
    except (ValueError, InvalidOperation):
        raise CellError(f"{quoted(value)} bukan angka.") from None
    if negative or number < 0:
        raise CellError(f"{quoted(value)} tidak boleh negatif.")
    if number > MAX_VOLUME:  # before quantize(), which raises on very long numbers
        raise CellError(f"{quoted(value)} terlalu besar.")
    number = number.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if number > MAX_VOLUME:
        raise CellError(f"{quoted(value)} terlalu besar.")
    return number


@_number_cell
def parse_whole(value, text: str) -> int | None:
    """A whole number such as a priority: 3, '03', Excel's 3.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = re.fullmatch(r"0*(\d{1,9})(?:[.,]0+)?", text)
        if not match:
            raise CellError(f"{quoted(value)} bukan bilangan bulat.")
        number = int(match.group(1))
    if number < 0:
        raise CellError(f"{quoted(value)} tidak boleh negatif.")
    if number > MAX_WHOLE:
        raise CellError(f"{quoted(value)} terlalu besar.")
    return number


@dataclass(frozen=True)
class BoundingBox:
    """The area coordinates must fall in, with the name messages give it."""

    name: str
    latitude: tuple[Decimal, Decimal]
    longitude: tuple[Decimal, Decimal]


@_number_cell
def parse_coordinate(value, text: str, *, axis: str, box: BoundingBox) -> Decimal | None:
    """Degrees with a decimal point or comma (6 decimals), inside ``box``."""
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
        raise CellError(f"{quoted(value)} bukan koordinat desimal (contoh: -1,6012).") from None
    if not number.is_finite():
        raise CellError(f"{quoted(value)} bukan koordinat desimal (contoh: -1,6012).")
    number = number.quantize(Decimal("0.000001"), ROUND_HALF_UP)
    low, high = box.latitude if axis == "latitude" else box.longitude
    if not low <= number <= high:
        name = "lintang" if axis == "latitude" else "bujur"
        message = (
            f"{quoted(value)} di luar wilayah {box.name} "
            f"({name} {decimal_text(low)} s.d. {decimal_text(high)})."
        )
        other_low, other_high = box.longitude if axis == "latitude" else box.latitude
        if other_low <= number <= other_high:
            message += " Latitude dan longitude tertukar?"
        raise CellError(message)
    return number


# --- Rows and their errors ----------------------------------------------------------------


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


class Row:
    """One data row, read by column key; every problem goes to the import's error list.

    A cell holding a date (Excel turns "3/2" or "17-5" into one) is refused once with its row
    and column, and then reads as empty, so no second message is given about it.
    """

    def __init__(
        self,
        number: int,
        cells: Sequence,
        *,
        positions: dict[str, int],
        columns: ColumnSet,
        errors: list[RowError],
    ):
        self.number = number
        self.cells = cells
        self.positions = positions
        self.columns = columns
        self.errors = errors
        self._refused: set[str] = set()
        for key in positions:
            value = self._cell(key)
            if is_date(value):
                what = "angka" if columns[key].number else "teks"
                self.fail(
                    key,
                    f"berisi tanggal ({date_text(value)}), bukan {what}: format selnya sebagai "
                    "Teks di Excel, lalu ketik ulang isinya.",
                )
                self._refused.add(key)

    def _cell(self, key: str):
        i = self.positions.get(key)
        return self.cells[i] if i is not None and i < len(self.cells) else None

    def has(self, key: str) -> bool:
        """Whether the file has this column at all (absent optional columns change nothing)."""
        return key in self.positions

    def raw(self, key: str):
        """The cell as read (an Excel number stays a number); None when absent or refused."""
        return None if key in self._refused else self._cell(key)

    def text(self, key: str, *, required: bool = False) -> str:
        value = cell_text(self.raw(key))
        if required and not value:
            self.fail(key, "wajib diisi.")
        limit = self.columns[key].max_length
        if limit and len(value) > limit:
            self.fail(key, f"terlalu panjang ({len(value)} karakter, paling banyak {limit}).")
        return value

    def parse(self, key: str, parser, **kwargs):
        """``parser(cell, **kwargs)``; its CellError becomes this row's error, the value None."""
        try:
            return parser(self.raw(key), **kwargs)
        except CellError as exc:
            self.fail(key, str(exc))
            return None

    def fail(self, key: str, message: str) -> None:
        if key in self._refused:
            return
        label = self.columns[key].label
        self.errors.append(RowError(self.number, label, cell_text(self._cell(key)), message))


def map_headers(headers: list, columns: ColumnSet, report: ImportReport) -> dict[str, int]:
    """Column key -> position; missing required or doubled columns refuse the file."""
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        text = cell_text(header)
        key = columns.key_for_header(text)
        if key is None:
            if text:
                report.ignored_columns.append(text)
            continue
        if key in positions:
            first = cell_text(headers[positions[key]])
            report.add_file_error(
                f"Kolom {columns[key].label} muncul dua kali ('{first}' dan '{text}')."
            )
            continue
        positions[key] = i
    missing = [columns[k].label for k in columns.required_keys if k not in positions]
    if missing:
        report.add_file_error(f"Kolom wajib tidak ada: {', '.join(missing)}.")
    return positions


# --- The report ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found and did; the same fields for every import."""

    year: int
    filename: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    invalid_rows: list[int] = field(default_factory=list)
    rejected: bool = False

    @property
    def saved(self) -> bool:
        """True when rows were written and committed."""
        return not self.rejected and not self.dry_run and self.written > 0

    @property
    def written(self) -> int:
        return self.new + self.updated + self.unchanged

    @property
    def summary(self) -> str:
        return (
            f"{self.new} baru, {self.updated} diperbarui, {self.unchanged} tetap, "
            f"{self.invalid} tidak sah"
        )

    def add_file_error(self, message: str) -> None:
        self.errors.append(RowError(row=None, column=None, value="", message=message))
        self.rejected = True

    def reset_counts(self) -> None:
        """Nothing was written after all (the transaction was rolled back)."""
        self.new = self.updated = self.unchanged = 0


# --- The pipeline -------------------------------------------------------------------------


class TabularImport:
    """One kind of import. Subclasses set the class attributes and the hooks below."""

    columns: ColumnSet
    report_class: type[ImportReport] = ImportReport
    title = "Impor"  # "Impor Musrenbang": the audit summary and the command's heading
    noun = "data"  # "Berkas tidak berisi baris <noun>."
    audit_action = ""
    conflict_message = (
        "Penyimpanan dibatalkan karena bentrok di database (mungkin impor lain untuk tahun "
        "yang sama berjalan bersamaan); tidak ada yang diimpor, ulangi impor."
    )

    def __init__(self, *, year: int, actor=None):
        self.year = year
        self.actor = actor

    # Hooks ---------------------------------------------------------------------------------

    def new_report(self, **kwargs) -> ImportReport:
        return self.report_class(year=self.year, **kwargs)

    def check(self, report: ImportReport) -> None:
        """File-level preconditions (the year, say): ``report.add_file_error`` refuses."""

    def prepare(self, positions: dict[str, int]) -> None:
        """Build the lookups the rows need, once per import (not a query per row)."""

    def parse_row(self, row: Row):
        """The parsed row (an object with a ``row`` number), problems through ``row.fail``."""
        raise NotImplementedError

    def check_rows(self, rows: list, errors: list[RowError]) -> None:
        """Checks across rows, such as a key used twice."""

    def after_parsing(self, report: ImportReport) -> None:
        """Every row read and checked: put this import's own counts on the report."""

    def write(self, rows: list, report: ImportReport) -> None:
        """Write the valid rows and count them on the report; runs inside the transaction."""
        raise NotImplementedError

    def audit_data(self, report: ImportReport) -> dict:
        """Extra data for the audit row."""
        return {}

    # The pipeline --------------------------------------------------------------------------

    def run(
        self, file_or_rows, *, filename: str = "", dry_run: bool = False, skip_invalid: bool = False
    ) -> ImportReport:
        """Import all rows or none, unless ``skip_invalid``; a dry run writes and rolls back.

        ``file_or_rows`` is a path, bytes, an open file, a :class:`Table`, or rows with the
        header first.
        """
        if not filename and isinstance(file_or_rows, str | PathLike):
            filename = Path(file_or_rows).name
        report = self.new_report(filename=filename, dry_run=dry_run, skip_invalid=skip_invalid)
        self.check(report)
        if report.rejected:
            return report
        try:
            table = read_table(file_or_rows, filename, columns=self.columns)
        except UnreadableFile as exc:
            report.add_file_error(str(exc))
            return report

        positions = map_headers(table.headers, self.columns, report)
        if report.rejected:
            return report

        self.prepare(positions)
        rows: list = []
        errors: list[RowError] = []
        for number, cells in table.rows:
            if is_blank(cells):
                continue
            row = Row(number, cells, positions=positions, columns=self.columns, errors=errors)
            rows.append(self.parse_row(row))
        report.total = len(rows)
        if not rows:
            report.add_file_error(f"Berkas tidak berisi baris {self.noun}.")
            return report
        self.check_rows(rows, errors)
        self.after_parsing(report)
        errors.sort(key=lambda e: (e.row or 0, self.columns.order_of_label(e.column)))
        report.errors = errors
        invalid_rows = {e.row for e in errors}
        report.invalid = len(invalid_rows)
        report.invalid_rows = sorted(invalid_rows)
        valid = [r for r in rows if r.row not in invalid_rows]
        if errors and (not skip_invalid or not valid):
            report.rejected = True
            return report

        try:
            with transaction.atomic():
                self.write(valid, report)
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    self._audit(report)
        except IntegrityError as exc:
            report.reset_counts()
            report.add_file_error(f"{self.conflict_message} ({exc})")
        return report

    def _audit(self, report: ImportReport) -> None:
        audit_record(
            actor=self.actor,
            action=self.audit_action,
            summary=f"{self.title} {report.year} ({report.filename or 'tanpa nama'}): "
            f"{report.summary}.",
            data={
                "year": report.year,
                "filename": report.filename,
                "total": report.total,
                "new": report.new,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "invalid": report.invalid,
                "invalid_rows": report.invalid_rows[:1000],
                **self.audit_data(report),
            },
        )


# --- The management commands --------------------------------------------------------------


class ImportCommand(BaseCommand):
    """``manage.py <import> FILE --year YYYY [--dry-run] [--skip-invalid] [--user NAME]``.

    Exit codes: 0 imported (or, with --dry-run, would be), 1 refused and nothing imported,
    2 the valid rows imported with --skip-invalid and the invalid ones listed.
    """

    title = "Impor"  # the heading: "<title> 2026 dari berkas.csv"

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx")
        parser.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2026")
        parser.add_argument(
            "--dry-run", action="store_true", help="periksa dan tampilkan hasil, tanpa menyimpan"
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="impor baris yang sah dan lewati yang tidak sah (kode keluar 2 bila ada)",
        )
        parser.add_argument(
            "--user", help="nama pengguna yang dicatat sebagai pelaku impor di catatan audit"
        )
        self.add_import_arguments(parser)

    # Hooks ---------------------------------------------------------------------------------

    def add_import_arguments(self, parser) -> None:
        """Options of this import only."""

    def run_import(self, *, file, year, actor, dry_run, skip_invalid, **options) -> ImportReport:
        raise NotImplementedError

    def write_counts(self, report: ImportReport) -> None:
        self.stdout.write(f"  {report.summary}")

    def write_details(self, report: ImportReport) -> None:
        """Lines after the ignored columns (updated rows, say)."""

    # The command ---------------------------------------------------------------------------

    def handle(self, *args, file, year, dry_run, skip_invalid, user=None, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Pengguna '{user}' tidak ada.") from exc

        report = self.run_import(
            file=file,
            year=year,
            actor=actor,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            **options,
        )

        mode = " (uji coba, tidak disimpan)" if dry_run else ""
        self.stdout.write(f"{self.title} {year} dari {report.filename}{mode}")
        self.write_counts(report)
        if report.ignored_columns:
            self.stdout.write(f"Kolom diabaikan: {', '.join(report.ignored_columns)}")
        self.write_details(report)
        for error in report.errors:
            self.stderr.write(str(error))

        if report.rejected:
            raise CommandError(
                f"Berkas {report.filename} ditolak: tidak ada yang diimpor "
                f"({report.invalid} baris tidak sah dari {report.total}).",
                returncode=EXIT_REJECTED,
            )
        if report.invalid:
            verb = "akan diimpor" if dry_run else "diimpor"
            raise CommandError(
                f"{report.invalid} baris tidak sah dilewati; baris yang sah {verb}.",
                returncode=EXIT_PARTIAL,
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Uji coba selesai: semua baris sah."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Selesai: {report.summary}."))
