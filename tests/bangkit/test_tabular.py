"""The core tabular import: reading files, columns, rows and their errors, the pipeline, the
command base, and the cell parsers."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangkit.models import AuditEvent, WorkType
from bangkit.tabular import (
    BoundingBox,
    CellError,
    Column,
    ColumnSet,
    ImportCommand,
    ImportReport,
    Row,
    RowError,
    Table,
    TabularImport,
    UnreadableFile,
    cell_text,
    map_headers,
    normalize_header,
    parse_coordinate,
    parse_money,
    parse_volume,
    parse_whole,
    read_csv,
    read_table,
    read_xlsx,
)
from tests.factories import make_user

# A small import for the tests: work types by code, name, unit and a whole-number width.
COLUMNS = ColumnSet(
    (
        Column("kode", "Kode", True, ("kode kegiatan",), max_length=40),
        Column("nama", "Nama", True, ("nama kegiatan",), max_length=100),
        Column("satuan", "Satuan", True),
        Column("lebar", "Lebar", False, ("lebar m",), number=True),
    ),
    min_known=2,
)
HEADER = ["Kode", "Nama", "Satuan", "Lebar"]


class WorkTypeImport(TabularImport):
    columns = COLUMNS
    title = "Impor jenis kegiatan"
    noun = "jenis kegiatan"
    audit_action = "work_type_import"

    def check(self, report):
        if self.year < 2014:
            report.add_file_error(f"Tahun {self.year} tidak sah.")

    def prepare(self, positions):
        self.existing = {w.code: w for w in WorkType.objects.all()}

    def parse_row(self, row: Row):
        parsed = {
            "row": row.number,
            "code": row.text("kode", required=True),
            "name": row.text("nama", required=True),
            "unit": row.text("satuan", required=True),
            "width": row.parse("lebar", parse_whole),
        }
        return type("Parsed", (), parsed)

    def check_rows(self, rows, errors):
        seen = {}
        for row in rows:
            if row.code in seen:
                errors.append(
                    RowError(row.row, "Kode", row.code, f"ganda (baris {seen[row.code]}).")
                )
            seen.setdefault(row.code, row.row)

    def write(self, rows, report):
        for row in rows:
            old = self.existing.get(row.code)
            if old is None:
                WorkType.objects.create(code=row.code, name=row.name, unit=row.unit)
                report.new += 1
            elif (old.name, old.unit) != (row.name, row.unit):
                old.name, old.unit = row.name, row.unit
                old.save()
                report.updated += 1
            else:
                report.unchanged += 1

    def audit_data(self, report):
        return {"kind": "work types"}


@pytest.fixture
def no_work_types(db):
    """Without the work types the migrations seed: the tests count what the import wrote."""
    WorkType.objects.all().delete()


def run(table, **kwargs):
    year = kwargs.pop("year", 2026)
    actor = kwargs.pop("actor", None)
    return WorkTypeImport(year=year, actor=actor).run(table, **kwargs)


def table(*rows, header=HEADER):
    return [list(header), *[list(r) for r in rows]]


# --- Reading files -------------------------------------------------------------------------


def test_csv_delimiter_and_encoding_are_detected():
    for data in (
        "Kode;Nama;Satuan\nrabat;Rabat beton gang Café;m\n".encode("cp1252"),
        "Kode,Nama,Satuan\r\nrabat,Rabat beton gang Café,m\r\n".encode("utf-8-sig"),
        "Kode\tNama\tSatuan\nrabat\tRabat beton gang Café\tm\n".encode("utf-16"),
    ):
        parsed = read_csv(data, columns=COLUMNS)
        assert parsed.headers == ["Kode", "Nama", "Satuan"]
        assert parsed.rows == [(2, ["rabat", "Rabat beton gang Café", "m"])]


def test_the_header_is_found_below_title_lines_by_the_callers_columns():
    data = b"DAFTAR JENIS KEGIATAN 2026\n\nDisusun oleh Bappeda\nKode;Nama;Satuan\nx;y;m\n"

    with_columns = read_csv(data, columns=COLUMNS)
    without = read_csv(data)

    assert (with_columns.header_row, with_columns.headers) == (4, ["Kode", "Nama", "Satuan"])
    assert with_columns.rows == [(5, ["x", "y", "m"])]
    assert without.header_row == 1  # no columns given: the first line that has anything


def test_a_csv_holding_nul_is_refused():
    with pytest.raises(UnreadableFile, match="karakter NUL"):
        read_csv(b"Kode;Nama\x00;Satuan\n")


def xlsx(*sheets) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_takes_the_sheet_with_the_columns_and_keeps_excel_values():
    data = xlsx(
        ("Petunjuk", [["Isi sheet Data."], ["Jangan ubah judul kolom."]]),
        ("Data", [["Judul"], HEADER, ["rabat", "Rabat beton", "m", 2.0]]),
    )

    parsed = read_xlsx(data, columns=COLUMNS)

    assert parsed.header_row == 2
    assert parsed.rows == [(3, ["rabat", "Rabat beton", "m", 2.0])]


def test_read_table_refuses_old_excel_and_missing_files(tmp_path):
    with pytest.raises(UnreadableFile, match=r"\.xls\) tidak didukung"):
        read_table(b"\xd0\xcf\x11\xe0lama", "lama.xls")
    with pytest.raises(UnreadableFile, match="tidak-ada.csv tidak dapat dibuka"):
        read_table(tmp_path / "tidak-ada.csv")
    with pytest.raises(UnreadableFile, match="Berkas kosong"):
        read_table([[None, ""], []])
    assert read_table([HEADER, ["a", "b", "c", ""]]).rows == [(2, ["a", "b", "c", ""])]


# --- Columns and rows ----------------------------------------------------------------------


def test_headers_map_ignoring_case_punctuation_and_units_in_brackets():
    assert normalize_header("Lebar (m)") == normalize_header("LEBAR") == "lebar"
    report = ImportReport(year=2026)

    positions = map_headers(["No", "KODE", "nama_kegiatan", "Satuan", "Lebar (m)"], COLUMNS, report)

    assert positions == {"kode": 1, "nama": 2, "satuan": 3, "lebar": 4}
    assert report.ignored_columns == ["No"] and not report.rejected


def test_missing_and_doubled_columns_refuse_the_file():
    report = ImportReport(year=2026)

    map_headers(["Kode", "Kode kegiatan", "Lebar"], COLUMNS, report)

    assert report.rejected
    assert [str(e) for e in report.errors] == [
        "Kolom Kode muncul dua kali ('Kode' dan 'Kode kegiatan').",
        "Kolom wajib tidak ada: Nama, Satuan.",
    ]


def make_row(*cells, number=7):
    errors = []
    positions = {"kode": 0, "nama": 1, "satuan": 2, "lebar": 3}
    row = Row(number, list(cells), positions=positions, columns=COLUMNS, errors=errors)
    return row, errors


def test_row_reads_text_checks_required_and_length():
    row, errors = make_row("  rabat ", "", "m" * 3)

    assert row.text("kode") == "rabat"
    assert row.text("nama", required=True) == ""
    assert row.raw("lebar") is None  # a short row: the missing cell is empty
    row.text("kode")
    long_row, long_errors = make_row("x" * 41, "n", "m")
    long_row.text("kode")

    assert [str(e) for e in errors] == ["Baris 7, kolom Nama: wajib diisi."]
    assert [str(e) for e in long_errors] == [
        "Baris 7, kolom Kode: terlalu panjang (41 karakter, paling banyak 40)."
    ]


def test_a_date_in_any_column_is_refused_once_with_row_and_column():
    # Excel turned "5-17" into a date in a text column and "3/2" in a number column.
    row, errors = make_row(datetime.datetime(2026, 5, 17), "Rabat", "m", datetime.date(2026, 2, 3))

    assert row.text("kode", required=True) == ""
    assert row.parse("lebar", parse_whole) is None
    row.fail("kode", "another problem with the same cell")

    assert [str(e) for e in errors] == [
        "Baris 7, kolom Kode: berisi tanggal (17-05-2026), bukan teks: format selnya sebagai "
        "Teks di Excel, lalu ketik ulang isinya.",
        "Baris 7, kolom Lebar: berisi tanggal (03-02-2026), bukan angka: format selnya sebagai "
        "Teks di Excel, lalu ketik ulang isinya.",
    ]
    assert errors[0].value == "17-05-2026"


def test_cell_text():
    assert cell_text(17.0) == "17"
    assert cell_text(" a \xa0 b ") == "a b"
    assert cell_text(None) == ""
    assert cell_text(datetime.datetime(2026, 5, 17)) == "17-05-2026"
    assert cell_text(datetime.datetime(2026, 5, 17, 8, 30)) == "17-05-2026 08:30"
    assert cell_text(datetime.time(8, 30)) == "08:30"


# --- The pipeline --------------------------------------------------------------------------


def test_clean_file_is_written_counted_and_audited(no_work_types):
    bappeda = make_user("bappeda")

    report = run(
        table(("rabat", "Rabat beton", "m", "2"), ("parit", "Parit", "m", "")),
        filename="jenis.csv",
        actor=bappeda,
    )

    assert report.saved and not report.rejected
    assert (report.total, report.new, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert set(WorkType.objects.values_list("code", flat=True)) == {"rabat", "parit"}
    event = AuditEvent.objects.get(action="work_type_import")
    assert event.actor == bappeda
    assert event.summary == (
        "Impor jenis kegiatan 2026 (jenis.csv): 2 baru, 0 diperbarui, 0 tetap, 0 tidak sah."
    )
    assert event.data["new"] == 2 and event.data["kind"] == "work types"


def test_second_run_counts_updated_and_unchanged(no_work_types):
    run(table(("rabat", "Rabat beton", "m"), ("parit", "Parit", "m")))

    report = run(table(("rabat", "Rabat beton", "m"), ("parit", "Parit / drainase", "m")))

    assert (report.new, report.updated, report.unchanged) == (0, 1, 1)


def test_one_invalid_row_writes_nothing_and_every_error_is_listed_in_order(no_work_types):
    report = run(
        table(
            ("rabat", "", "m", "lebar"),
            ("parit", "Parit", "m"),
            ("rabat", "Rabat", "", ""),
        )
    )

    assert report.rejected and not report.saved
    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Nama: wajib diisi.",
        "Baris 2, kolom Lebar: 'lebar' bukan bilangan bulat.",
        "Baris 4, kolom Kode: ganda (baris 2).",
        "Baris 4, kolom Satuan: wajib diisi.",
    ]
    assert (report.invalid, report.invalid_rows) == (2, [2, 4])
    assert not WorkType.objects.exists()
    assert not AuditEvent.objects.exists()


def test_skip_invalid_writes_the_valid_rows(no_work_types):
    report = run(table(("rabat", "Rabat", "m"), ("parit", "", "m")), skip_invalid=True)

    assert report.saved and (report.new, report.invalid) == (1, 1)
    assert list(WorkType.objects.values_list("code", flat=True)) == ["rabat"]


def test_skip_invalid_with_no_valid_row_is_refused(no_work_types):
    report = run(table(("rabat", "", "m")), skip_invalid=True)

    assert report.rejected and not WorkType.objects.exists()


def test_dry_run_writes_and_rolls_back(no_work_types):
    report = run(table(("rabat", "Rabat", "m")), dry_run=True)

    assert report.new == 1 and not report.saved and not report.rejected
    assert not WorkType.objects.exists()
    assert not AuditEvent.objects.exists()


def test_file_level_refusals(no_work_types):
    assert [str(e) for e in run(table(("a", "b", "c")), year=2000).errors] == [
        "Tahun 2000 tidak sah."
    ]
    assert [str(e) for e in run([HEADER]).errors] == ["Berkas tidak berisi baris jenis kegiatan."]
    assert [str(e) for e in run(b"", filename="kosong.csv").errors] == [
        "Berkas kosong: tidak ada baris judul kolom."
    ]


def test_a_database_clash_imports_nothing_and_says_so(no_work_types):
    WorkType.objects.create(code="lama", name="Rabat", unit="m")

    report = run(table(("rabat", "Rabat", "m")))  # the name is unique

    assert report.rejected and (report.new, report.updated, report.unchanged) == (0, 0, 0)
    assert str(report.errors[-1]).startswith("Penyimpanan dibatalkan karena bentrok di database")
    assert WorkType.objects.count() == 1


def test_the_filename_comes_from_a_path(no_work_types, tmp_path):
    path = tmp_path / "jenis.csv"
    path.write_bytes(b"Kode;Nama;Satuan\nrabat;Rabat;m\n")

    assert run(path).filename == "jenis.csv"


# --- The command base ----------------------------------------------------------------------


class WorkTypeCommand(ImportCommand):
    title = "Impor jenis kegiatan"

    def run_import(self, *, file, year, actor, dry_run, skip_invalid, **options):
        return WorkTypeImport(year=year, actor=actor).run(
            file, dry_run=dry_run, skip_invalid=skip_invalid
        )


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(WorkTypeCommand(), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(text):
        path = tmp_path / "jenis.csv"
        path.write_text(text)
        return str(path)

    return write


def test_command_exit_codes(no_work_types, csv_file):
    good = csv_file("Kode;Nama;Satuan;Catatan\nrabat;Rabat;m;x\n")
    code, out, _ = command(good, "--year", "2026", "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        "Impor jenis kegiatan 2026 dari jenis.csv (uji coba, tidak disimpan)",
        "  1 baru, 0 diperbarui, 0 tetap, 0 tidak sah",
        "Kolom diabaikan: Catatan",
        "Uji coba selesai: semua baris sah.",
    ]
    code, out, _ = command(good, "--year", "2026")
    assert code == 0 and "Selesai: 1 baru, 0 diperbarui, 0 tetap, 0 tidak sah." in out

    mixed = csv_file("Kode;Nama;Satuan\nparit;Parit;m\nx;;m\n")
    code, _, err = command(mixed, "--year", "2026")
    assert code == 1
    assert "Baris 3, kolom Nama: wajib diisi." in err
    assert "Berkas jenis.csv ditolak: tidak ada yang diimpor (1 baris tidak sah dari 2)." in err

    code, _, err = command(mixed, "--year", "2026", "--skip-invalid")
    assert code == 2 and "1 baris tidak sah dilewati; baris yang sah diimpor." in err
    assert WorkType.objects.filter(code="parit").exists()


def test_command_records_the_user_and_refuses_an_unknown_one(no_work_types, csv_file):
    make_user("bappeda", username="bappeda")
    path = csv_file("Kode;Nama;Satuan\nrabat;Rabat;m\n")

    command(path, "--year", "2026", "--user", "bappeda")
    code, _, err = command(path, "--year", "2026", "--user", "siapa")

    assert AuditEvent.objects.get(action="work_type_import").actor.username == "bappeda"
    assert code == 1 and "Pengguna 'siapa' tidak ada." in err


# --- Cell parsers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25.000.000", 25_000_000),
        ("Rp 25.000.000,00", 25_000_000),
        ("Rp. 25,000,000", 25_000_000),
        ("25.000", 25_000),
        ("1500,5", 1_501),
        (25000000.0, 25_000_000),
        ("", None),
    ],
)
def test_parse_money(value, expected):
    assert parse_money(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Rp -5.000", "'Rp -5.000' tidak boleh negatif."),
        ("25 juta", "'25 juta' bukan jumlah rupiah yang sah."),
        ("1" * 20, f"'{'1' * 20}' terlalu besar."),
        (datetime.datetime(2026, 5, 17), "berisi tanggal (17-05-2026), bukan angka."),
    ],
)
def test_parse_money_errors(value, message):
    with pytest.raises(CellError) as error:
        parse_money(value)
    assert str(error.value) == message


def test_parse_volume_and_whole():
    assert parse_volume("1.234,5") == Decimal("1234.50")
    assert parse_volume(120.5) == Decimal("120.50")
    assert parse_whole("03") == 3 and parse_whole(2.0) == 2
    with pytest.raises(CellError, match="bukan angka"):
        parse_volume("seratus")
    with pytest.raises(CellError, match="bukan bilangan bulat"):
        parse_whole("2,5")
    with pytest.raises(CellError, match="berisi tanggal"):
        parse_whole(datetime.date(2026, 3, 2))


BOX = BoundingBox("Kota Uji", latitude=(Decimal("-2"), Decimal("-1")), longitude=(100, 101))


def test_parse_coordinate_inside_a_box():
    assert parse_coordinate("-1,5", axis="latitude", box=BOX) == Decimal("-1.500000")
    assert parse_coordinate(100.25, axis="longitude", box=BOX) == Decimal("100.250000")
    with pytest.raises(CellError) as error:
        parse_coordinate("-3", axis="latitude", box=BOX)
    assert str(error.value) == "'-3' di luar wilayah Kota Uji (lintang -2 s.d. -1)."
    with pytest.raises(CellError, match="bukan koordinat desimal"):
        parse_coordinate("utara", axis="latitude", box=BOX)
    with pytest.raises(CellError, match="bukan koordinat desimal"):
        parse_coordinate(float("nan"), axis="latitude", box=BOX)


def test_table_from_rows_numbers_rows_as_the_spreadsheet():
    parsed = Table.from_rows([["Judul"], [], HEADER, ["a", "b", "c"]], columns=COLUMNS)

    assert parsed.header_row == 3 and parsed.rows == [(4, ["a", "b", "c"])]
