"""Every dashboard figure as a table: cells that know their kind (money, count, percent …)
and the list of records behind them, written out as HTML, CSV and XLSX alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import tablib
from django.urls import reverse

from bangkit.money import number_text, rupiah
from bangkit.spreadsheets import csv_text, xlsx_bytes

# How a cell is shown: money in rupiah, a count, a percentage, days, hectares, a volume, text.
KINDS = ("year", "money", "count", "percent", "days", "ha", "volume", "ratio", "text")


_RECORDS: list[str] = []


def records_path() -> str:
    """The records page's path, reversed once (a page links a thousand numbers to it)."""
    if not _RECORDS:
        _RECORDS.append(reverse("dashboards:records"))
    return _RECORDS[0]


@dataclass
class Cell:
    value: object
    kind: str = "count"
    link: str = ""  # the query string of the records behind the number (dashboards:records)

    @property
    def is_number(self) -> bool:
        return self.kind != "text"

    @property
    def export_value(self):
        """The value as a spreadsheet holds it: numbers stay numbers, None stays empty."""
        if self.value is None:
            return None
        if self.kind == "text":
            return str(self.value)
        return self.value

    @property
    def shown(self) -> str:
        """The value as the page prints it, in Indonesian notation."""
        if self.value is None or self.value == "":
            return "–"
        if self.kind == "text":
            return str(self.value)
        if self.kind == "year":
            return str(self.value)
        if self.kind == "money":
            return rupiah(self.value)
        if self.kind == "percent":
            return f"{number_text(self.value)}%"
        return number_text(self.value)


def cell(value, kind: str = "count", link: str = "") -> Cell:
    return Cell(value=value, kind=kind, link=link)


def text(value, link: str = "") -> Cell:
    return Cell(value=value, kind="text", link=link)


def percent(part, whole) -> Decimal | None:
    """part / whole in percent with one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def ratio(part, whole, places: str = "0.01") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


SHEET_TITLE_MAX = 31  # characters (Excel's limit)


def _words(text: str, limit: int) -> str:
    """The text cut to `limit` characters after its last whole word (or mid-word when the
    first word alone is longer)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " " and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" :-–,")


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None
    note: str = ""
    # Figures a section shows beside its table (a ratio, the year's parameters …).
    extra: dict = field(default_factory=dict)

    def dataset(self) -> tablib.Dataset:
        data = tablib.Dataset(headers=self.headers, title=self.sheet_title)
        for row in self.all_rows():
            data.append([c.export_value for c in row])
        return data

    @property
    def sheet_title(self) -> str:
        """The title as a spreadsheet's sheet holds it (31 characters at most, cut after a
        whole word), a table per year keeping its "per tahun" (beside its table per area of
        the same title)."""
        suffix = " per tahun"
        if len(self.title) <= SHEET_TITLE_MAX or not self.title.endswith(suffix):
            return _words(self.title, SHEET_TITLE_MAX)
        return _words(self.title[: -len(suffix)], SHEET_TITLE_MAX - len(suffix)) + suffix

    def all_rows(self) -> list[list[Cell]]:
        return self.rows + ([self.total] if self.total else [])

    def header_cells(self) -> list[tuple[str, bool]]:
        """[(header, whether its column holds numbers)]: a header stands over its cells as
        they are aligned (names to the left, numbers to the right), read off the first row;
        an empty table names its first column and numbers the rest."""
        sample = self.rows[0] if self.rows else None
        return [
            (h, sample[i].is_number if sample and i < len(sample) else i > 0)
            for i, h in enumerate(self.headers)
        ]

    def column(self, header: str) -> list:
        """The values of one column (tests and charts read the table the page shows)."""
        index = self.headers.index(header)
        return [row[index].value for row in self.rows]


def as_csv(table: Table) -> str:
    return csv_text(table.dataset())


ABOUT_SHEET = "Keterangan"


def about(tables: list[Table], lines: list[tuple[str, str]]) -> tablib.Dataset:
    """The workbook's last sheet: what its figures cover (``lines``: the area, the period,
    the work type, when it was made) and each table's note, which the page prints under the
    table and a sheet of figures has no room for."""
    data = tablib.Dataset(headers=["Keterangan", ""], title=ABOUT_SHEET)
    for name, value in lines:
        data.append([name, value])
    for table in tables:
        if table.note:
            data.append([table.title, table.note])
    return data


def as_xlsx(tables: list[Table], lines: list[tuple[str, str]] | None = None) -> bytes:
    """One sheet per table, and with ``lines`` a last sheet saying what they cover (about)."""
    sheets = [t.dataset() for t in tables]
    if lines is not None:
        sheets.append(about(tables, lines))
    return xlsx_bytes(sheets)
