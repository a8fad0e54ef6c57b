"""Importing reference prices: the Musrenbang import's rules, idempotent on (year, material)."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from procurement.importing import reference_price_import
from procurement.models import Material, ReferencePrice

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "reference_prices_2026.csv"


def test_the_fixture_imports_and_a_second_import_changes_nothing(world):
    first = reference_price_import(file_or_rows=FIXTURE, year=world.fiscal_year.year)

    assert not first.rejected, [str(e) for e in first.errors]
    assert first.total >= 40
    prices = ReferencePrice.objects.filter(fiscal_year=world.fiscal_year)
    assert prices.count() == first.total
    semen = Material.objects.get(name="Semen Portland 50 kg")  # existed: kept, aliases added
    assert "Semen 50 kg" in semen.aliases
    assert prices.get(material=semen).price == 75_000

    again = reference_price_import(file_or_rows=FIXTURE, year=world.fiscal_year.year)
    assert (again.new, again.updated, again.new_materials) == (0, 0, 0)
    assert again.unchanged == first.total


def rows(*data, header=("Nama Material", "SATUAN", "kategori", "Harga Satuan (Rp)")):
    return [list(header), *[list(r) for r in data]]


def test_headers_money_and_units_are_read_as_people_type_them(world):
    report = reference_price_import(
        file_or_rows=rows(
            ("Semen Portland 50 kg", "Sak", "", "Rp 76.500"),
            ("Pipa PVC 3 inci", "btg", "Pipa & saluran", "148.000,00"),
            ("Kawat bendrat", "KG", "besi", 28000),
        ),
        year=world.fiscal_year.year,
    )

    assert not report.rejected, [str(e) for e in report.errors]
    got = dict(
        ReferencePrice.objects.filter(fiscal_year=world.fiscal_year).values_list(
            "material__name", "price"
        )
    )
    assert got["Semen Portland 50 kg"] == 76_500
    assert got["Pipa PVC 3 inci"] == 148_000
    assert Material.objects.get(name="Pipa PVC 3 inci").unit == "batang"


def test_one_bad_row_rejects_the_whole_file_with_row_column_and_value(world):
    before = ReferencePrice.objects.count()

    report = reference_price_import(
        file_or_rows=rows(
            ("Pasir pasang", "m3", "agregat", "230000"),
            ("Semen Portland 50 kg", "kg", "", "75000"),
            ("Paku 5 cm", "kg", "besi", "dua puluh ribu"),
            ("Batu ajaib", "buah", "", "1000"),
            ("Pasir pasang", "m3", "agregat", "231000"),
        ),
        year=world.fiscal_year.year,
    )

    assert report.rejected and ReferencePrice.objects.count() == before
    messages = [str(e) for e in report.errors]
    assert messages[0].startswith("Baris 3, kolom Satuan: Satuan berbeda dengan katalog")
    assert any(m.startswith("Baris 4, kolom Harga: 'dua puluh ribu'") for m in messages)
    assert any(
        m.startswith("Baris 5, kolom Kategori: Material baru 'Batu ajaib'") for m in messages
    )
    assert any(
        m.startswith("Baris 6, kolom Material: Material ini sudah ada di baris 2") for m in messages
    )


def test_skip_invalid_imports_the_valid_rows(world):
    report = reference_price_import(
        file_or_rows=rows(("Pasir pasang", "m3", "agregat", "230000"), ("X", "ons", "besi", "1")),
        year=world.fiscal_year.year,
        skip_invalid=True,
    )

    assert not report.rejected and report.new == 1 and report.invalid == 1


def test_dry_run_saves_nothing(world):
    report = reference_price_import(
        file_or_rows=rows(("Pasir pasang", "m3", "agregat", "230000")),
        year=world.fiscal_year.year,
        dry_run=True,
    )

    assert report.new == 1
    assert not Material.objects.filter(name="Pasir pasang").exists()


def test_missing_columns_and_unknown_year_are_refused(world):
    report = reference_price_import(
        file_or_rows=[["Material", "Harga"], ["Semen", "1"]], year=world.fiscal_year.year
    )
    assert report.rejected and "Kolom wajib tidak ada: Satuan" in str(report.errors[0])

    report = reference_price_import(file_or_rows=FIXTURE, year=1999)
    assert report.rejected and "1999" in str(report.errors[0])


def test_xlsx_with_a_title_row(world, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Daftar harga satuan material Bangkit Berdaya 2026"])
    sheet.append(["Material", "Satuan", "Kategori", "Harga"])
    sheet.append(["Pasir pasang", "m³", "agregat", 230000])
    path = tmp_path / "harga.xlsx"
    book.save(path)

    report = reference_price_import(file_or_rows=path, year=world.fiscal_year.year)

    assert not report.rejected, [str(e) for e in report.errors]
    assert report.new == 1


def test_an_excel_date_is_refused_in_a_price_file_too(world, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Material", "Satuan", "Kategori", "Harga"])
    book.active.append(["Pasir pasang", "m³", "agregat", datetime.datetime(2026, 5, 17)])
    path = tmp_path / "harga.xlsx"
    book.save(path)

    report = reference_price_import(file_or_rows=path, year=world.fiscal_year.year)

    assert report.rejected
    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Harga: berisi tanggal (17-05-2026), bukan angka: format selnya sebagai "
        "Teks di Excel, lalu ketik ulang isinya."
    ]


def test_command(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_reference_prices", str(FIXTURE), year=world.fiscal_year.year, stdout=out, stderr=err
    )
    assert "harga baru" in out.getvalue()

    bad = Path(settings.MEDIA_ROOT) / "bad.csv"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("Material;Satuan;Harga\nSemen Portland 50 kg;sak;abc\n")
    with pytest.raises(CommandError) as error:
        call_command("import_reference_prices", str(bad), year=world.fiscal_year.year, stderr=err)
    assert error.value.returncode == 1
    assert "Baris 2, kolom Harga" in err.getvalue()
