"""The Musrenbang import: formats, checks, all-or-nothing, idempotency, the command."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from bangkit import geo
from bangkit.models import RT, AuditEvent, Kelurahan
from bangkit.tabular import parse_money
from proposals.importing import musrenbang_import, parse_rt
from proposals.models import MusrenbangEntry
from tests.factories import make_user

YEAR = 2026
HEADER = [
    "id_usulan",
    "kecamatan",
    "kelurahan",
    "rt",
    "usulan",
    "permasalahan",
    "jenis_kegiatan",
    "lokasi",
    "volume",
    "satuan",
    "perkiraan_biaya",
    "prioritas",
    "pengusul",
    "latitude",
    "longitude",
]
SAMPLE_CSV = Path(settings.BASE_DIR) / "fixtures" / "musrenbang_sample.csv"
SAMPLE_XLSX = Path(settings.BASE_DIR) / "fixtures" / "musrenbang_sample.xlsx"


@pytest.fixture
def registry(regions):
    """The real regions and an RT registry: RT 1 to RT 15 in every kelurahan."""
    RT.objects.bulk_create(
        RT(kelurahan=kelurahan, number=number, households=70)
        for kelurahan in Kelurahan.objects.all()
        for number in range(1, 16)
    )


def row(**values) -> dict:
    base = {
        "id_usulan": "U-001",
        "kecamatan": "Jambi Selatan",
        "kelurahan": "Thehok",
        "rt": "3",
        "usulan": "Pembangunan rabat beton gang Melati RT 03",
        "permasalahan": "Jalan gang masih tanah, becek saat hujan",
        "jenis_kegiatan": "Rabat beton",
        "lokasi": "Gang Melati",
        "volume": "120",
        "satuan": "m",
        "perkiraan_biaya": "25000000",
        "prioritas": "1",
        "pengusul": "Ketua RT 03",
        "latitude": "",
        "longitude": "",
    }
    base.update(values)
    return base


def rows(*dicts, header=HEADER) -> list[list]:
    return [list(header), *[[d.get(h, "") for h in HEADER] for d in dicts]]


def csv_bytes(table: list[list], *, delimiter=";", encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(table)
    return buffer.getvalue().encode(encoding)


def run(table, **kwargs):
    kwargs.setdefault("year", YEAR)
    return musrenbang_import(file_or_rows=table, **kwargs)


def only_entry() -> MusrenbangEntry:
    return MusrenbangEntry.objects.select_related("rt", "kelurahan", "work_type").get()


# --- Formats -------------------------------------------------------------------------------


def test_clean_row_is_imported_with_every_field(registry):
    report = run(rows(row(latitude="-1,6301", longitude="103,6215")), filename="a.csv")

    assert (report.new, report.updated, report.unchanged, report.invalid) == (1, 0, 0, 0)
    assert report.errors == []
    entry = only_entry()
    assert entry.year == YEAR
    assert entry.source_id == "U-001"
    assert entry.kelurahan.name == "Thehok"
    assert entry.rt.number == 3 and entry.rt.kelurahan == entry.kelurahan
    assert entry.title == "Pembangunan rabat beton gang Melati RT 03"
    assert entry.work_type.code == "rabat-beton"
    assert entry.work_type_text == "Rabat beton"
    assert entry.volume == Decimal("120.00") and entry.unit == "m"
    assert entry.estimated_cost == 25_000_000
    assert entry.priority == 1
    assert entry.proposer == "Ketua RT 03"
    assert entry.latitude == Decimal("-1.630100")
    assert entry.longitude == Decimal("103.621500")


def test_headers_match_ignoring_case_spaces_and_punctuation(registry):
    header = [
        "ID Usulan",
        "KECAMATAN",
        " Kelurahan ",
        "R.T.",
        "Usulan",
        "Permasalahan",
        "Jenis-Kegiatan",
        "lokasi_",
        "Volume",
        "Satuan",
        "Perkiraan Biaya (Rp)",
        "Prioritas",
        "Pengusul",
        "Latitude",
        "Longitude",
    ]
    report = run(rows(row(), header=header))

    assert report.errors == []
    assert only_entry().estimated_cost == 25_000_000


def test_unknown_columns_are_ignored_and_reported(registry):
    header = ["No", *HEADER, "Keterangan"]
    table = [header, ["1", *rows(row())[1], "prioritas kelurahan"]]

    report = run(table)

    assert report.errors == []
    assert report.new == 1
    assert report.ignored_columns == ["No", "Keterangan"]


def test_optional_columns_may_be_absent(registry):
    header = HEADER[:10]
    report = run([header, rows(row())[1][:10]])

    assert report.errors == []
    entry = only_entry()
    assert entry.estimated_cost is None and entry.priority is None and entry.latitude is None


def test_missing_required_columns_are_named(registry):
    header = [h for h in HEADER if h not in ("kelurahan", "rt")]
    report = run([header, ["U-1"] * len(header)])

    assert report.rejected
    assert [str(e) for e in report.errors] == ["Kolom wajib tidak ada: Kelurahan, RT."]
    assert not MusrenbangEntry.objects.exists()


def test_a_column_given_twice_is_refused(registry):
    header = [*HEADER, "Kel."]
    report = run([header, [*rows(row())[1], "Thehok"]])

    assert [str(e) for e in report.errors] == [
        "Kolom Kelurahan muncul dua kali ('kelurahan' dan 'Kel.')."
    ]


@pytest.mark.parametrize("value", ["3", "03", "RT 03", "RT.003", "rt 3", "RT-3", 3.0, 3])
def test_rt_number_variants(registry, value):
    report = run(rows(row(rt=value)))

    assert report.errors == []
    assert only_entry().rt.number == 3


@pytest.mark.parametrize("value", ["RT A", "0", "03/02", "1000"])
def test_rt_number_errors(registry, value):
    report = run(rows(row(rt=value)))

    assert report.rejected
    assert str(report.errors[0]).startswith(f"Baris 2, kolom RT: '{value}' bukan")


@pytest.mark.parametrize(
    "value",
    [
        "25000000",
        "25.000.000",
        "25.000.000,00",
        "Rp 25.000.000,00",
        "Rp. 25,000,000",
        "Rp25.000.000",
        "IDR 25.000.000",
        "25,000,000.00",
        "25 000 000",
        25000000,
        25000000.0,
    ],
)
def test_money_variants(registry, value):
    report = run(rows(row(perkiraan_biaya=value)))

    assert report.errors == []
    assert only_entry().estimated_cost == 25_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.500", 1_500), ("1,500", 1_500), ("1500,5", 1_501), ("0.5", 1), ("", None), (None, None)],
)
def test_money_separators(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5000000", "'-5000000' tidak boleh negatif."),
        ("Rp -5.000.000", "'Rp -5.000.000' tidak boleh negatif."),
        (-5000000.0, "'-5000000' tidak boleh negatif."),
        ("dua puluh juta", "'dua puluh juta' bukan jumlah rupiah yang sah."),
        ("25.00.000", "'25.00.000' bukan jumlah rupiah yang sah."),
        ("25 juta", "'25 juta' bukan jumlah rupiah yang sah."),
    ],
)
def test_money_errors(registry, value, message):
    report = run(rows(row(perkiraan_biaya=value)))

    assert [str(e) for e in report.errors] == [f"Baris 2, kolom Perkiraan Biaya: {message}"]
    assert not MusrenbangEntry.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120,5", Decimal("120.50")),
        ("120.5", Decimal("120.50")),
        (120.5, Decimal("120.50")),
        ("1.234,5", Decimal("1234.50")),
        (" 75 ", Decimal("75.00")),
    ],
)
def test_volume_decimal_comma_or_point(registry, value, expected):
    report = run(rows(row(volume=value)))

    assert report.errors == []
    assert only_entry().volume == expected


def test_volume_errors(registry):
    report = run(rows(row(volume="seratus"), row(id_usulan="U-2", volume="-4")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Volume: 'seratus' bukan angka.",
        "Baris 3, kolom Volume: '-4' tidak boleh negatif.",
    ]


@pytest.mark.parametrize(("value", "expected"), [("2", 2), ("02", 2), (2.0, 2), ("", None)])
def test_priority_is_a_whole_number(registry, value, expected):
    report = run(rows(row(prioritas=value)))

    assert report.errors == []
    assert only_entry().priority == expected


def test_priority_error(registry):
    report = run(rows(row(prioritas="tinggi")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Prioritas: 'tinggi' bukan bilangan bulat."
    ]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [("-1,601234", "103,612345"), ("-1.601234", "103.612345"), (-1.601234, 103.612345)],
)
def test_coordinates_with_comma_or_point(registry, lat, lon):
    report = run(rows(row(latitude=lat, longitude=lon)))

    assert report.errors == []
    entry = only_entry()
    assert (entry.latitude, entry.longitude) == (Decimal("-1.601234"), Decimal("103.612345"))


def test_coordinates_outside_kota_jambi_are_errors(registry):
    report = run(
        rows(
            row(id_usulan="U-1", latitude="-2,5", longitude="103,6"),
            row(id_usulan="U-2", latitude="103,6", longitude="-1,6"),
            row(id_usulan="U-3", latitude="-1,6", longitude=""),
        )
    )

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Latitude: '-2,5' di luar wilayah Kota Jambi (lintang -1,72 s.d. -1,5).",
        "Baris 3, kolom Latitude: '103,6' di luar wilayah Kota Jambi (lintang -1,72 s.d. -1,5)."
        " Latitude dan longitude tertukar?",
        "Baris 3, kolom Longitude: '-1,6' di luar wilayah Kota Jambi (bujur 103,5 s.d. 103,72)."
        " Latitude dan longitude tertukar?",
        "Baris 4, kolom Longitude: wajib diisi bila Latitude diisi.",
    ]


@pytest.mark.parametrize("value", [17.0, "17.0", "17", " 17 ", 17])
def test_ids_from_excel_floats_and_whitespace(registry, value):
    report = run(rows(row(id_usulan=value)))

    assert report.errors == []
    assert only_entry().source_id == "17"


def test_whitespace_is_stripped_and_empty_rows_skipped(registry):
    table = rows(
        row(id_usulan="U-1", usulan="  Rabat   beton gang Mawar  ", kelurahan=" thehok "),
        row(id_usulan="U-2", kelurahan="Talang Bakun", kecamatan="Paal Merah"),
    )
    table.insert(2, [""] * len(HEADER))  # an empty spreadsheet row 3
    table.insert(3, [None, "  ", None])

    report = run(table)

    assert report.total == 2
    # Row numbers are the spreadsheet's: the empty rows 3 and 4 still count.
    assert [e.row for e in report.errors] == [5]


def test_excel_float_parse_rt_directly():
    assert parse_rt(12.0) == 12
    assert parse_rt(" RT. 012 ") == 12


# --- Names ---------------------------------------------------------------------------------


def test_unknown_kelurahan_error_with_suggestion(registry):
    table = rows(*[row(id_usulan=f"U-{n}") for n in range(15)])
    table.append(
        [
            row(id_usulan="U-99", kecamatan="Paal Merah", kelurahan="Talang Bakun").get(h, "")
            for h in HEADER
        ]
    )
    table.insert(3, [""] * len(HEADER))

    report = run(table)

    assert [str(e) for e in report.errors] == [
        "Baris 18, kolom Kelurahan: 'Talang Bakun' tidak dikenal. "
        "Mungkin maksudnya: Talang Bakung (Paal Merah)?"
    ]


def test_unknown_kelurahan_with_a_wrong_kecamatan_names_the_closest_name_elsewhere(registry):
    report = run(rows(row(kecamatan="Jelutung", kelurahan="Talang Bakun")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Kelurahan: 'Talang Bakun' tidak dikenal. Mungkin maksudnya: "
        "Talang Bakung (Paal Merah — kecamatan di baris ini: Jelutung), "
        "Talang Banjar (Jambi Timur), Talang Jauh (Jelutung)?"
    ]


def test_kelurahan_spellings_and_aliases_resolve(registry):
    report = run(
        rows(
            row(id_usulan="U-1", kelurahan="The Hok"),
            row(id_usulan="U-2", kelurahan="Kel. Simpang 4 Sipin", kecamatan="Kec. Telanaipura"),
            row(id_usulan="U-3", kelurahan="PAYO SILINCAH", kecamatan="paal merah"),
        )
    )

    assert report.errors == []
    names = set(MusrenbangEntry.objects.values_list("kelurahan__name", flat=True))
    assert names == {"Thehok", "Simpang IV Sipin", "Payo Selincah"}


def test_kecamatan_must_agree_with_the_kelurahan(registry):
    report = run(rows(row(kecamatan="Telanaipura", kelurahan="Thehok")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Kecamatan: 'Telanaipura' tidak cocok: Kelurahan Thehok berada di "
        "Kecamatan Jambi Selatan."
    ]


def test_unknown_kecamatan_is_an_error(registry):
    report = run(rows(row(kecamatan="Jambi Selatann Raya", kelurahan="Thehok")))

    assert str(report.errors[0]).startswith(
        "Baris 2, kolom Kecamatan: 'Jambi Selatann Raya' tidak dikenal."
    )


def test_kelurahan_that_did_not_exist_that_year(registry):
    report = run(rows(row(kecamatan="Telanaipura", kelurahan="Aur Kenali")), year=2020)

    assert str(report.errors[0]).startswith(
        "Baris 2, kolom Kelurahan: 'Aur Kenali' tidak dikenal (kelurahan ini baru ada sejak 2023)."
    )


def test_work_types_by_name_code_alias_or_kept_as_text(registry):
    report = run(
        rows(
            row(id_usulan="U-1", jenis_kegiatan="Drainase / parit"),
            row(id_usulan="U-2", jenis_kegiatan="gorong-gorong"),
            row(id_usulan="U-3", jenis_kegiatan="POSKAMLING"),
            row(id_usulan="U-4", jenis_kegiatan="Pembangunan Talud"),
            row(id_usulan="U-5", jenis_kegiatan="Jamban umum"),
            row(id_usulan="U-6", jenis_kegiatan="Penerangan jalan lingkungan"),
            row(id_usulan="U-7", jenis_kegiatan=""),
        )
    )

    assert report.errors == []
    found = dict(MusrenbangEntry.objects.values_list("source_id", "work_type__code"))
    assert found == {
        "U-1": "drainase",
        "U-2": "gorong-gorong",
        "U-3": "pos-ronda",
        "U-4": "talud",
        "U-5": "mck",
        "U-6": None,
        "U-7": None,
    }
    assert MusrenbangEntry.objects.get(source_id="U-6").work_type_text == (
        "Penerangan jalan lingkungan"
    )


# --- Rules ---------------------------------------------------------------------------------


def test_required_values(registry):
    report = run(rows(row(id_usulan="", kelurahan="", usulan="")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom ID Usulan: wajib diisi.",
        "Baris 2, kolom Kelurahan: wajib diisi.",
        "Baris 2, kolom Usulan: wajib diisi.",
    ]


def test_duplicate_id_in_the_file_is_an_error_on_every_use(registry):
    report = run(rows(row(id_usulan="U-1"), row(id_usulan="U-2"), row(id_usulan="U-1")))

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom ID Usulan: 'U-1' ganda, juga dipakai di baris 4.",
        "Baris 4, kolom ID Usulan: 'U-1' ganda, juga dipakai di baris 2.",
    ]
    assert report.invalid == 2


def test_one_invalid_row_imports_nothing(registry):
    rts_before = RT.objects.count()
    table = rows(
        row(id_usulan="U-1", rt="7"),
        row(id_usulan="U-2", kelurahan="Talang Bakun"),
        row(id_usulan="U-3", perkiraan_biaya="-1"),
    )

    report = run(table, actor=make_user("bappeda"))

    assert report.rejected and not report.saved
    assert (report.new, report.updated, report.unchanged, report.invalid) == (0, 0, 0, 2)
    assert [e.row for e in report.errors] == [3, 4]
    assert not MusrenbangEntry.objects.exists()
    assert RT.objects.count() == rts_before
    assert not AuditEvent.objects.filter(action="musrenbang_import").exists()


def test_skip_invalid_imports_the_valid_rows_and_lists_the_rest(registry):
    table = rows(
        row(id_usulan="U-1"),
        row(id_usulan="U-2", kelurahan="Talang Bakun"),
        row(id_usulan="U-3"),
    )

    report = run(table, skip_invalid=True)

    assert not report.rejected and report.saved
    assert (report.new, report.invalid) == (2, 1)
    assert [str(e).split(":")[0] for e in report.errors] == ["Baris 3, kolom Kelurahan"]
    assert set(MusrenbangEntry.objects.values_list("source_id", flat=True)) == {"U-1", "U-3"}


def test_skip_invalid_with_no_valid_row_is_rejected(registry):
    report = run(rows(row(kelurahan="Atlantis")), skip_invalid=True)

    assert report.rejected
    assert not MusrenbangEntry.objects.exists()


def test_second_import_of_the_same_file_changes_nothing(registry):
    table = rows(*[row(id_usulan=f"U-{n}", rt=str(n % 4 + 1)) for n in range(6)])
    first = run(table)
    history = MusrenbangEntry.history.count()
    stamps = dict(MusrenbangEntry.objects.values_list("source_id", "updated_at"))

    second = run(table)

    assert (first.new, first.updated, first.unchanged) == (6, 0, 0)
    assert (second.new, second.updated, second.unchanged, second.new_rts) == (0, 0, 6, 0)
    assert MusrenbangEntry.history.count() == history
    assert dict(MusrenbangEntry.objects.values_list("source_id", "updated_at")) == stamps


def test_changed_row_updates_the_entry_and_says_which(registry):
    run(rows(row(id_usulan="U-1"), row(id_usulan="U-2")))

    report = run(
        rows(
            row(id_usulan="U-1"),
            row(id_usulan="U-2", perkiraan_biaya="Rp 30.000.000", usulan="Rabat beton gang Mawar"),
        )
    )

    assert (report.new, report.updated, report.unchanged) == (0, 1, 1)
    [updated] = report.updated_rows
    assert (updated.row, updated.source_id) == (3, "U-2")
    assert updated.changed == ["Usulan", "Perkiraan Biaya"]
    entry = MusrenbangEntry.objects.get(source_id="U-2")
    assert entry.estimated_cost == 30_000_000
    assert entry.title == "Rabat beton gang Mawar"
    assert entry.history.first().history_type == "~"


def test_absent_optional_column_leaves_the_stored_value(registry):
    run(rows(row()))
    header = [h for h in HEADER if h != "perkiraan_biaya"]

    report = run([header, [row()[h] for h in header]])

    assert report.unchanged == 1
    assert only_entry().estimated_cost == 25_000_000


def test_same_id_in_another_year_is_another_entry(registry):
    run(rows(row()), year=2026)
    report = run(rows(row()), year=2027)

    assert report.new == 1
    assert MusrenbangEntry.objects.count() == 2


def test_missing_rts_are_created_and_counted(regions):
    thehok = Kelurahan.objects.get(name="Thehok")
    RT.objects.create(kelurahan=thehok, number=3)

    report = run(
        rows(
            row(id_usulan="U-1", rt="3"),
            row(id_usulan="U-2", rt="RT 05"),
            row(id_usulan="U-3", rt="5"),
            row(id_usulan="U-4", rt=""),
        ),
        create_rts=True,
    )

    assert report.new_rts == 1
    assert sorted(thehok.rts.values_list("number", flat=True)) == [3, 5]
    assert MusrenbangEntry.objects.get(source_id="U-4").rt is None


def test_an_unknown_rt_is_a_row_error_naming_the_highest_rt(registry):
    # "RT 850" in a kelurahan of 15 RTs is a typo, not a new RT with no households.
    rts_before = RT.objects.count()

    report = run(rows(row(id_usulan="U-1", rt="3"), row(id_usulan="U-2", rt="RT 850")))

    assert report.rejected and report.unknown_rts == 1
    assert [str(e) for e in report.errors] == [
        "Baris 3, kolom RT: RT 850 tidak ada di Kelurahan Thehok (RT tertinggi: RT 15). Periksa "
        "nomornya; bila RT ini memang ada, impor dengan pilihan mendaftarkan RT baru "
        "(--create-rts, atau centang 'Daftarkan RT yang belum ada' di admin)."
    ]
    assert RT.objects.count() == rts_before
    assert not MusrenbangEntry.objects.exists()


def test_an_rt_in_a_kelurahan_with_no_registered_rt_is_an_error_too(regions):
    report = run(rows(row(rt="3")))

    assert str(report.errors[0]).startswith(
        "Baris 2, kolom RT: RT 03 tidak ada di Kelurahan Thehok (belum ada RT terdaftar di "
        "kelurahan ini)."
    )
    assert not RT.objects.exists()


def test_create_rts_registers_them_with_households_unknown(registry):
    report = run(rows(row(id_usulan="U-1", rt="16"), row(id_usulan="U-2", rt="3")), create_rts=True)

    assert report.errors == [] and (report.new, report.new_rts) == (2, 1)
    new_rt = RT.objects.get(kelurahan__name="Thehok", number=16)
    assert new_rt.households is None  # not 0: no ceiling tier until someone enters it
    assert RT.objects.get(kelurahan__name="Thehok", number=3).households == 70
    event = AuditEvent.objects.get(action="musrenbang_import")
    assert event.data["create_rts"] is True and event.data["new_rts"] == 1


def test_dry_run_checks_everything_and_saves_nothing(regions):
    report = run(
        rows(row(id_usulan="U-1"), row(id_usulan="U-2", rt="9")), dry_run=True, create_rts=True
    )

    assert (report.new, report.new_rts) == (2, 2)
    assert not report.saved
    assert not MusrenbangEntry.objects.exists()
    assert not RT.objects.exists()
    assert not AuditEvent.objects.exists()


def test_real_import_writes_one_audit_event_and_history(regions):
    bappeda = make_user("bappeda")

    report = run(
        rows(row(id_usulan="U-1"), row(id_usulan="U-2")),
        filename="x.csv",
        actor=bappeda,
        create_rts=True,
    )

    event = AuditEvent.objects.get(action="musrenbang_import")
    assert event.actor == bappeda
    assert event.summary == (
        "Impor Musrenbang 2026 (x.csv): 2 baru, 0 diperbarui, 0 tetap, 0 tidak sah, 1 RT baru."
    )
    assert event.data["new"] == 2 and event.data["year"] == YEAR
    assert report.saved
    records = MusrenbangEntry.history.all()
    assert [r.history_type for r in records] == ["+", "+"]
    assert {r.history_user for r in records} == {bappeda}


def test_no_query_per_row(registry, django_assert_max_num_queries):
    # Warm the caches of content types and work types so both runs count alike.
    run(rows(row(id_usulan="W-1")))
    table = rows(*[row(id_usulan=f"U-{n}", rt=str(n % 15 + 1)) for n in range(300)])

    with django_assert_max_num_queries(40):
        report = run(table)

    assert report.new == 300


# --- Files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), (";", "cp1252"), (",", "latin-1"), ("\t", "utf-16")],
)
def test_csv_delimiters_and_encodings(registry, delimiter, encoding):
    table = rows(row(usulan="Rabat beton gang Café", pengusul="Bu Nurhayati"))
    if encoding == "cp1252":
        table[1][HEADER.index("permasalahan")] = "Jalan becek – licin"

    report = run(csv_bytes(table, delimiter=delimiter, encoding=encoding), filename="u.csv")

    assert report.errors == []
    assert only_entry().title == "Rabat beton gang Café"


def test_csv_with_a_title_line_above_the_header(registry):
    data = b"DAFTAR USULAN MUSRENBANG 2026\r\n\r\n" + csv_bytes(rows(row()), encoding="utf-8")

    report = run(data, filename="judul.csv")

    assert report.errors == []
    assert report.new == 1


def test_csv_from_a_path_and_quoted_cells(registry, tmp_path):
    path = tmp_path / "usulan.csv"
    table = rows(row(usulan='Rabat beton; gang "Melati"', perkiraan_biaya="Rp 25.000.000,00"))
    path.write_bytes(csv_bytes(table, encoding="utf-8"))

    report = musrenbang_import(file_or_rows=path, year=YEAR)

    assert report.filename == "usulan.csv"
    assert report.errors == []
    assert only_entry().title == 'Rabat beton; gang "Melati"'


def xlsx_bytes(table: list[list], *, title_rows=0) -> bytes:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Petunjuk"
    notes.append(["Isi sheet Usulan; jangan ubah judul kolom."])
    sheet = book.create_sheet("Usulan")
    for _ in range(title_rows):
        sheet.append(["DAFTAR USULAN MUSRENBANG KOTA JAMBI"])
    for values in table:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_excel_numbers_and_a_title_row(registry):
    header = ["ID Usulan", *HEADER[1:10], "Perkiraan Biaya (Rp)", *HEADER[11:]]
    data = [
        [17.0, "Jambi Selatan", "Thehok", 3.0, "Rabat beton gang Melati", "Becek", "Rabat beton"]
        + ["Gang Melati", 120.5, "m", 25000000.0, 2.0, "Ketua RT", -1.6301, 103.6215],
        [None] * 15,
        ["18", "Paal Merah", "Talang Bakun", 4, "Drainase", "Banjir", "Parit"]
        + ["Gang Mawar", 80, "m", 30000000, 1, "Ketua RT", None, None],
    ]

    rejected = run(xlsx_bytes([header, *data], title_rows=2), filename="usulan.xlsx")

    # Two title rows, the header on row 3, an empty row 5: the bad row is row 6.
    assert [str(e) for e in rejected.errors] == [
        "Baris 6, kolom Kelurahan: 'Talang Bakun' tidak dikenal. "
        "Mungkin maksudnya: Talang Bakung (Paal Merah)?"
    ]
    data[2][2] = "Talang Bakung"
    report = run(xlsx_bytes([header, *data], title_rows=2), filename="usulan.xlsx")

    assert report.errors == []
    first = MusrenbangEntry.objects.get(source_id="17")
    assert first.rt.number == 3
    assert first.volume == Decimal("120.50")
    assert first.estimated_cost == 25_000_000
    assert first.priority == 2
    assert first.latitude == Decimal("-1.630100")


def test_unreadable_files_are_refused_clearly(registry, tmp_path):
    assert [str(e) for e in run(b"", filename="kosong.csv").errors] == [
        "Berkas kosong: tidak ada baris judul kolom."
    ]
    assert str(run(b"PK\x03\x04rusak", filename="rusak.xlsx").errors[0]).startswith(
        "Berkas XLSX tidak dapat dibaca"
    )
    assert str(run(b"\xd0\xcf\x11\xe0lama", filename="lama.xls").errors[0]).startswith(
        "Format Excel lama (.xls) tidak didukung"
    )
    missing = musrenbang_import(file_or_rows=tmp_path / "tidak-ada.csv", year=YEAR)
    assert str(missing.errors[0]).startswith("Berkas tidak-ada.csv tidak dapat dibuka")


def test_header_only_file_is_refused(registry):
    report = run(csv_bytes([HEADER]))

    assert report.rejected
    assert [str(e) for e in report.errors] == ["Berkas tidak berisi baris usulan."]


def test_the_sample_files_import_cleanly_and_agree(registry):
    first = musrenbang_import(file_or_rows=SAMPLE_CSV, year=YEAR)
    subset = musrenbang_import(file_or_rows=SAMPLE_XLSX, year=YEAR)

    assert first.errors == [] and first.new == 150
    assert subset.errors == [] and (subset.new, subset.updated, subset.unchanged) == (0, 0, 40)
    assert MusrenbangEntry.objects.filter(latitude__isnull=False).count() > 20
    assert MusrenbangEntry.objects.values("kelurahan").distinct().count() > 30


@pytest.mark.parametrize("sample", [SAMPLE_CSV, SAMPLE_XLSX], ids=["csv", "xlsx"])
def test_every_point_of_the_sample_files_lies_in_its_kelurahan(registry, sample):
    report = musrenbang_import(file_or_rows=sample, year=YEAR)
    assert report.errors == []
    entries = MusrenbangEntry.objects.exclude(latitude=None).select_related("kelurahan")
    assert entries.count() > 10  # (the workbook holds 40 of the file's rows)
    outside = [
        (e.source_id, e.kelurahan.name, str(e.latitude), str(e.longitude))
        for e in entries.order_by("source_id")
        if not geo.contains(e.kelurahan.boundary, e.latitude, e.longitude)
    ]
    assert outside == []


# --- The command ---------------------------------------------------------------------------


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_musrenbang", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_command_imports_and_prints_the_summary(registry):
    code, out, _ = command(str(SAMPLE_CSV), "--year", "2026")

    assert code == 0
    assert "Impor Musrenbang 2026 dari musrenbang_sample.csv" in out
    assert "baru:       150" in out
    assert "tidak sah:  0" in out
    assert MusrenbangEntry.objects.count() == 150

    code, out, _ = command(str(SAMPLE_CSV), "--year", "2026")
    assert code == 0
    assert "baru:       0" in out and "tetap:      150" in out


def test_command_lists_updated_rows(registry, tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(csv_bytes(rows(row(id_usulan="U-1"), row(id_usulan="U-2"))))
    command(str(path), "--year", "2026")
    path.write_bytes(csv_bytes(rows(row(id_usulan="U-1"), row(id_usulan="U-2", volume="99,5"))))

    code, out, _ = command(str(path), "--year", "2026")

    assert code == 0
    assert "diperbarui: 1" in out
    assert "Baris 3 (ID U-2) diperbarui: Volume" in out


def test_command_rejects_a_file_with_errors_with_exit_code_1(registry, tmp_path):
    path = tmp_path / "salah.csv"
    path.write_bytes(
        csv_bytes(rows(row(id_usulan="U-1"), row(id_usulan="U-2", kelurahan="Talang Bakun")))
    )

    code, out, err = command(str(path), "--year", "2026")

    assert code == 1
    assert "tidak sah:  1" in out
    assert (
        "Baris 3, kolom Kelurahan: 'Talang Bakun' tidak dikenal. Mungkin maksudnya: "
        "Talang Bakung (Paal Merah), Talang Banjar (Jambi Timur), Talang Jauh (Jelutung)?"
    ) in err
    assert "Berkas salah.csv ditolak: tidak ada yang diimpor" in err
    assert not MusrenbangEntry.objects.exists()


def test_command_skip_invalid_imports_the_rest_with_exit_code_2(registry, tmp_path):
    path = tmp_path / "campur.csv"
    path.write_bytes(csv_bytes(rows(row(id_usulan="U-1"), row(id_usulan="U-2", rt="RT X"))))

    code, out, err = command(str(path), "--year", "2026", "--skip-invalid")

    assert code == 2
    assert "baru:       1" in out
    assert "Baris 3, kolom RT: 'RT X' bukan nomor RT" in err
    assert "1 baris tidak sah dilewati" in err
    assert list(MusrenbangEntry.objects.values_list("source_id", flat=True)) == ["U-1"]


def test_command_dry_run_saves_nothing(registry):
    code, out, _ = command(str(SAMPLE_XLSX), "--year", "2026", "--dry-run")

    assert code == 0
    assert "(uji coba, tidak disimpan)" in out and "baru:       40" in out
    assert not MusrenbangEntry.objects.exists()


def test_command_records_the_user_in_the_audit(registry):
    make_user("bappeda", username="bappeda")

    command(str(SAMPLE_XLSX), "--year", "2026", "--user", "bappeda")

    assert AuditEvent.objects.get(action="musrenbang_import").actor.username == "bappeda"


def test_excel_dates_are_refused_with_row_and_column_never_stored(registry):
    # Excel turned "17-5" into a date in the Usulan column and "3/2" in the Volume column.
    header = HEADER[:10]
    values = rows(row())[1][:10]
    values[HEADER.index("usulan")] = datetime.datetime(2026, 5, 17)
    values[HEADER.index("volume")] = datetime.date(2026, 2, 3)

    report = run(xlsx_bytes([header, values]), filename="tanggal.xlsx")

    assert [str(e) for e in report.errors] == [
        "Baris 2, kolom Usulan: berisi tanggal (17-05-2026), bukan teks: format selnya sebagai "
        "Teks di Excel, lalu ketik ulang isinya.",
        "Baris 2, kolom Volume: berisi tanggal (03-02-2026), bukan angka: format selnya sebagai "
        "Teks di Excel, lalu ketik ulang isinya.",
    ]
    assert not MusrenbangEntry.objects.exists()


def test_command_refuses_unknown_rts_unless_asked_to_create_them(registry, tmp_path):
    path = tmp_path / "rt.csv"
    path.write_bytes(csv_bytes(rows(row(id_usulan="U-1", rt="RT 850"))))

    code, _, err = command(str(path), "--year", "2026")

    assert code == 1
    assert "Baris 2, kolom RT: RT 850 tidak ada di Kelurahan Thehok (RT tertinggi: RT 15)" in err
    assert not RT.objects.filter(number=850).exists()

    code, out, _ = command(str(path), "--year", "2026", "--create-rts")

    assert code == 0
    assert "RT baru:    1" in out
    assert "1 RT baru didaftarkan tanpa jumlah KK" in out
    assert RT.objects.get(number=850).households is None
