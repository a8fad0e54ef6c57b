"""The region loader and the kelurahan name resolver, against the real Kota Jambi file."""

import csv
import importlib
import io
import json
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from bangkit.models import RT, Kecamatan, Kelurahan
from bangkit.regions import KelurahanIndex, normalize_name, resolve_kelurahan
from tests.factories import KecamatanFactory, KelurahanFactory

KELURAHAN_CODE = re.compile(r"^15\.71\.\d{2}\.\d{4}$")
KECAMATAN_CODE = re.compile(r"^15\.71\.\d{2}$")
HEADER = [
    "kelurahan_code",
    "kecamatan_code",
    "kecamatan",
    "kelurahan",
    "bps_code_2018",
    "valid_from_year",
    "aliases",
]
GOOD_ROW = [
    "15.71.01.1001",
    "15.71.01",
    "Telanaipura",
    "Simpang IV Sipin",
    "1571050002",
    "2014",
    "",
]
NEW_IN_2023 = {
    "Aur Kenali",
    "Talang Gulo",
    "Kenali Asam",
    "Simpang Rimbo",
    "Pinang Merah",
    "Bakung Jaya",
}


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_regions", *args, stdout=out)
    return out.getvalue()


def write_csv(tmp_path, rows, header=HEADER, name="wilayah.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot():
    return (
        list(Kecamatan.objects.order_by("code").values()),
        list(Kelurahan.objects.order_by("code").values()),
    )


def test_load_regions_loads_eleven_kecamatan_and_68_kelurahan(db):
    output = load()

    assert Kecamatan.objects.count() == 11
    assert Kelurahan.objects.count() == 68
    assert "11 kecamatan, 68 kelurahan (79 baru" in output
    thehok = Kelurahan.objects.get(name="Thehok")
    assert thehok.kecamatan.name == "Jambi Selatan"
    assert thehok.slug == "thehok"
    assert thehok.aliases == ["The Hok"]
    assert thehok.bps_code == "1571020007"


def test_region_codes_are_unique_and_well_formed(regions):
    kecamatan_codes = list(Kecamatan.objects.values_list("code", flat=True))
    assert len(set(kecamatan_codes)) == 11
    assert all(KECAMATAN_CODE.match(code) for code in kecamatan_codes)

    kelurahan = list(Kelurahan.objects.select_related("kecamatan"))
    assert len({k.code for k in kelurahan}) == 68
    for kel in kelurahan:
        assert KELURAHAN_CODE.match(kel.code), kel.code
        assert kel.code.startswith(kel.kecamatan.code + "."), kel.code


def test_every_kecamatan_has_kelurahan(regions):
    for kec in Kecamatan.objects.all():
        assert kec.kelurahan_set.exists(), kec.name


def test_load_regions_twice_changes_nothing(regions):
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "(0 baru, 0 diperbarui, 79 tetap)" in output


def test_load_regions_takes_a_handful_of_queries(db, django_assert_max_num_queries):
    # Savepoints included; rows go in bulk, not one query per row.
    with django_assert_max_num_queries(9):
        load()
    with django_assert_max_num_queries(7):
        load()
    assert Kelurahan.objects.count() == 68


def test_load_regions_keeps_fields_the_file_does_not_carry(regions):
    kec = Kecamatan.objects.get(name="Telanaipura")
    kec.abbreviation = "TLP"
    kec.save()

    load()

    kec.refresh_from_db()
    assert kec.abbreviation == "TLP"


def test_load_regions_updates_a_changed_row(regions, tmp_path):
    path = write_csv(tmp_path, [GOOD_ROW[:-1] + ["Simpang 4 Sipin"]])

    output = load(str(path))

    assert Kelurahan.objects.get(code="15.71.01.1001").aliases == ["Simpang 4 Sipin"]
    assert "(0 baru, 1 diperbarui, 1 tetap)" in output
    assert Kelurahan.objects.count() == 68


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            ["15.71.1.1001", "15.71.01", "Telanaipura", "Rusak", "", "2014", ""],
            "bukan format 15.71.KK.DDDD",
        ),
        (
            ["15.71.02.1001", "15.71.01", "Telanaipura", "Salah Induk", "", "2014", ""],
            "tidak berada di bawah kode kecamatannya",
        ),
        (
            ["15.71.01.1099", "15.71.01", "Telanaipura", "Tahun Rusak", "", "dua ribu", ""],
            "tahun berlaku 'dua ribu' tidak sah",
        ),
        (
            ["15.71.01.1099", "15.71.01", "Telanaipura", "Tahun Jauh", "", "1890", ""],
            "tahun berlaku '1890' tidak sah",
        ),
        (
            ["15.71.01.1001", "15.71.01", "Telanaipura", "Kembar", "", "2014", ""],
            "kode kelurahan '15.71.01.1001' ganda",
        ),
        (
            ["15.71.01.1099", "15.71.01", "Telanaipura", "", "", "2014", ""],
            "kolom kelurahan kosong",
        ),
        (
            ["15.71.01.1099", "15.71.01", "Telanaipura", "BPS Rusak", "15710", "2014", ""],
            "kode BPS '15710' harus 10 angka",
        ),
    ],
    ids=["bad-code", "wrong-parent", "bad-year", "old-year", "duplicate", "no-name", "bad-bps"],
)
def test_malformed_row_is_refused_with_row_number_and_reason(db, tmp_path, row, reason):
    path = write_csv(tmp_path, [GOOD_ROW, row])

    with pytest.raises(CommandError) as excinfo:
        load(str(path))

    message = str(excinfo.value)
    assert "ditolak" in message
    assert "Baris 3: " in message
    assert reason in message
    # The good row before the bad one was not loaded either.
    assert not Kelurahan.objects.exists()
    assert not Kecamatan.objects.exists()


def test_malformed_file_leaves_loaded_regions_untouched(regions, tmp_path):
    before = snapshot()
    renamed = GOOD_ROW[:3] + ["Nama Baru", *GOOD_ROW[4:]]
    bad = ["15.71.01.1099", "15.71.01", "Telanaipura", "Rusak", "", "20x4", ""]
    path = write_csv(tmp_path, [renamed, bad])

    with pytest.raises(CommandError, match="Baris 3"):
        load(str(path))

    assert snapshot() == before


def test_missing_column_is_refused(db, tmp_path):
    header = [c for c in HEADER if c != "valid_from_year"]
    path = write_csv(tmp_path, [GOOD_ROW[:5] + [""]], header=header)

    with pytest.raises(CommandError) as excinfo:
        load(str(path))

    message = str(excinfo.value)
    assert "Baris 1" in message
    assert "valid_from_year" in message
    assert not Kelurahan.objects.exists()


def test_every_bad_row_is_reported_at_once(db, tmp_path):
    rows = [
        GOOD_ROW,
        ["x", "15.71.01", "Telanaipura", "A", "", "2014", ""],
        GOOD_ROW[:3] + ["B", "", "2014", ""],
        ["15.71.01.1050", "15.71.01", "Telanaipura", "C", "", "", ""],
    ]
    path = write_csv(tmp_path, rows)

    with pytest.raises(CommandError) as excinfo:
        load(str(path))

    message = str(excinfo.value)
    assert "Baris 3: kode kelurahan 'x'" in message
    assert "Baris 4: kode kelurahan '15.71.01.1001' ganda" in message
    assert "Baris 5: tahun berlaku '' tidak sah" in message
    assert "Baris 2" not in message


def test_same_kecamatan_code_with_two_names_is_refused(db, tmp_path):
    rows = [
        GOOD_ROW,
        ["15.71.01.1002", "15.71.01", "Telanaipuro", "Buluran Kenali", "", "2014", ""],
    ]
    path = write_csv(tmp_path, rows)

    with pytest.raises(CommandError, match=r"Baris 3: .*Telanaipuro"):
        load(str(path))
    assert not Kecamatan.objects.exists()


def test_two_kecamatan_codes_with_one_name_are_refused(db, tmp_path):
    rows = [GOOD_ROW, ["15.71.02.1002", "15.71.02", "Telanaipura", "Pasir Putih", "", "2014", ""]]
    path = write_csv(tmp_path, rows)

    with pytest.raises(CommandError, match=r"Baris 3: .*Telanaipura"):
        load(str(path))
    assert not Kecamatan.objects.exists()


def test_duplicate_kelurahan_name_is_refused(db, tmp_path):
    rows = [
        GOOD_ROW,
        ["15.71.01.1002", "15.71.01", "Telanaipura", "Simpang IV Sipin", "", "2014", ""],
    ]
    path = write_csv(tmp_path, rows)

    with pytest.raises(CommandError, match=r"Baris 3: .*Simpang IV Sipin"):
        load(str(path))
    assert not Kelurahan.objects.exists()


def test_a_clash_with_rows_already_in_the_database_is_refused(db, tmp_path):
    # Another code already carries this kelurahan's slug: refused cleanly, nothing written.
    KelurahanFactory(code="99.71.99.0001", name="Simpang IV Sipin", slug="simpang-iv-sipin")
    path = write_csv(tmp_path, [GOOD_ROW])

    with pytest.raises(CommandError, match="sudah ada dengan kode 99.71.99.0001"):
        load(str(path))
    assert not Kelurahan.objects.filter(code="15.71.01.1001").exists()
    assert not Kecamatan.objects.filter(code="15.71.01").exists()


def test_a_database_constraint_clash_is_refused_cleanly(db, tmp_path):
    # Same name, other slug and code: only the database's unique name catches it.
    KecamatanFactory(code="99.71.01", name="Telanaipura", slug="tlp-lama")
    path = write_csv(tmp_path, [GOOD_ROW])

    with pytest.raises(CommandError, match="bentrok dengan data yang ada"):
        load(str(path))
    assert list(Kecamatan.objects.values_list("code", flat=True)) == ["99.71.01"]
    assert not Kelurahan.objects.exists()


def test_empty_and_unreadable_files_are_refused(db, tmp_path):
    with pytest.raises(CommandError, match="tidak berisi data"):
        load(str(write_csv(tmp_path, [])))
    with pytest.raises(CommandError, match="tidak dapat dibuka"):
        load(str(tmp_path / "tidak-ada.csv"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        (",".join(HEADER) + "\n").encode() + "15.71.01.1001,\xe9\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="UTF-8"):
        load(str(latin1))


def test_existing_in_2020_leaves_out_the_six_kelurahan_of_2023(regions):
    assert Kelurahan.objects.existing_in(2020).count() == 62
    assert Kelurahan.objects.existing_in(2023).count() == 68
    new = set(Kelurahan.objects.filter(valid_from_year=2023).values_list("name", flat=True))
    assert new == NEW_IN_2023


def test_kelurahan_of_2023_are_not_found_for_2020(regions):
    index_2020 = KelurahanIndex(year=2020)
    index_2023 = KelurahanIndex(year=2023)

    for name in NEW_IN_2023:
        old = index_2020.resolve(name)
        assert old.match is None, name
        assert "baru ada sejak 2023" in old.message
        assert index_2023.resolve(name).match.name == name


def test_kelurahan_of_2014_are_found_in_any_year(regions):
    for year in (2014, 2020, 2023, None):
        assert KelurahanIndex(year=year).resolve("Simpang IV Sipin").match.code == "15.71.01.1001"


@pytest.mark.parametrize(
    ("spelling", "official"),
    [
        ("The Hok", "Thehok"),
        ("Kel. the hok", "Thehok"),
        ("THEHOK ", "Thehok"),
        ("Kelurahan Thehok", "Thehok"),
        ("Payo Silincah", "Payo Selincah"),
        ("Sijinjang", "Sijenjang"),
        ("Rawasari", "Rawa Sari"),
        ("simpang 4 sipin", "Simpang IV Sipin"),
        ("Simpang III Sipin", "Simpang III Sipin"),
        ("Talang  Bakung", "Talang Bakung"),
    ],
)
def test_other_spellings_resolve_to_the_official_kelurahan(regions, spelling, official):
    result = KelurahanIndex(year=2020).resolve(spelling)

    assert result.match is not None, result.message
    assert result.match.name == official
    assert result.message == ""


def test_unknown_name_suggests_the_closest(regions):
    result = resolve_kelurahan("Talang Bakun", year=2020)

    assert result.match is None
    assert result.suggestions[0].name == "Talang Bakung"
    assert "'Talang Bakun' tidak dikenal" in result.message
    assert "Talang Bakung (Paal Merah)" in result.message


def test_suggestions_for_an_old_year_leave_out_kelurahan_not_yet_existing(regions):
    result = KelurahanIndex(year=2020).resolve("Kenali Asamm")

    names = [k.name for k in result.suggestions]
    assert "Kenali Asam" not in names
    assert {"Kenali Asam Bawah", "Kenali Asam Atas"} <= set(names)


def test_empty_name_is_not_resolved(regions):
    result = KelurahanIndex().resolve("  ")

    assert result.match is None
    assert "kosong" in result.message


def test_same_name_in_two_kecamatan_needs_the_kecamatan(db):
    kec_a = KecamatanFactory(name="Kecamatan A")
    kec_b = KecamatanFactory(name="Kecamatan B")
    in_a = KelurahanFactory(kecamatan=kec_a, name="Sukamaju")
    in_b = KelurahanFactory(kecamatan=kec_b, name="Sukamaju")
    index = KelurahanIndex(year=2020)

    ambiguous = index.resolve("Sukamaju")
    assert ambiguous.match is None
    assert "nama ganda" in ambiguous.message
    assert set(ambiguous.suggestions) == {in_a, in_b}
    assert index.resolve("Sukamaju", kecamatan=kec_b).match == in_b
    assert index.resolve("Sukamaju", kecamatan="kecamatan a").match == in_a


def test_kecamatan_lookup_tolerates_spelling(regions):
    index = KelurahanIndex()

    assert index.kecamatan("Kec. Telanaipura").name == "Telanaipura"
    assert index.kecamatan("kota baru").name == "Kota Baru"
    assert index.kecamatan("Telanaipuro").name == "Telanaipura"
    assert index.kecamatan("Bandung") is None


def test_index_is_built_with_two_queries(regions, django_assert_num_queries):
    with django_assert_num_queries(2):
        index = KelurahanIndex(year=2020)
    with django_assert_num_queries(0):
        for name in ("Thehok", "Payo Silincah", "Talang Bakun", "Aur Kenali"):
            index.resolve(name)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Kel. The Hok", "thehok"),
        ("KELURAHAN  Simpang 4 Sipin", "simpangivsipin"),
        ("Kec. Kota Baru", "baru"),
        ("Pâal Mérah", "paalmerah"),
        (None, ""),
    ],
)
def test_normalize_name(text, key):
    assert normalize_name(text) == key


def test_a_typo_with_a_wrong_kecamatan_still_suggests_the_closest_name_elsewhere(regions):
    # "Talang Bakun" is Talang Bakung of Paal Merah; the row says Jelutung, which has a
    # Talang Jauh: the closest name must not be hidden behind the written kecamatan.
    index = KelurahanIndex(year=2026)

    result = index.resolve("Talang Bakun", kecamatan="Jelutung")

    assert [k.name for k in result.suggestions] == ["Talang Bakung", "Talang Banjar", "Talang Jauh"]
    assert result.message == (
        "'Talang Bakun' tidak dikenal. Mungkin maksudnya: Talang Bakung (Paal Merah — kecamatan "
        "di baris ini: Jelutung), Talang Banjar (Jambi Timur), Talang Jauh (Jelutung)?"
    )


def test_the_written_kecamatan_keeps_its_own_close_name_in_the_suggestions(regions):
    # Kota Baru's Talang Gulo is only the fourth closest in the city: it is added.
    result = KelurahanIndex(year=2026).resolve("Talang Bakun", kecamatan="Kota Baru")

    assert [k.name for k in result.suggestions] == [
        "Talang Bakung",
        "Talang Banjar",
        "Talang Jauh",
        "Talang Gulo",
    ]
    assert "Talang Bakung (Paal Merah — kecamatan di baris ini: Kota Baru)" in result.message


def test_when_the_closest_name_is_in_the_written_kecamatan_only_its_names_are_suggested(regions):
    index = KelurahanIndex(year=2026)

    agreeing = index.resolve("Talang Bakun", kecamatan="Paal Merah")
    nothing_close = index.resolve("Talang Bakun", kecamatan="Jambi Selatan")

    assert agreeing.message == (
        "'Talang Bakun' tidak dikenal. Mungkin maksudnya: Talang Bakung (Paal Merah)?"
    )
    # Nothing like it in Jambi Selatan: the city's closest names, each with its kecamatan.
    assert nothing_close.message == (
        "'Talang Bakun' tidak dikenal. Mungkin maksudnya: Talang Bakung (Paal Merah), "
        "Talang Banjar (Jambi Timur), Talang Jauh (Jelutung)?"
    )


def test_migration_makes_zero_households_unknown(regions):
    # 0 was the default every imported RT got; no RT has no households.
    migration = importlib.import_module("bangkit.migrations.0009_rt_households_unknown")
    thehok = Kelurahan.objects.get(name="Thehok")
    phantom = RT.objects.create(kelurahan=thehok, number=850, households=0)
    real = RT.objects.create(kelurahan=thehok, number=3, households=45)

    migration.zero_to_unknown(django_apps, None)

    phantom.refresh_from_db()
    real.refresh_from_db()
    assert (phantom.households, real.households) == (None, 45)


# --- boundaries ---------------------------------------------------------------------------

BOUNDARIES = Path(__file__).resolve().parents[2] / "fixtures" / "jambi_batas_kelurahan.geojson"


def boundary_file(tmp_path, change=None, name="batas.geojson"):
    """The real kelurahan boundaries, with `change(features)` applied, written to tmp_path."""
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    if change:
        change(data["features"])
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def boundaries():
    return list(Kelurahan.objects.order_by("code").values_list("code", "boundary", "bbox"))


def test_load_regions_stores_every_boundary(regions):
    kel = Kelurahan.objects.get(name="Thehok")

    assert kel.boundary["type"] == "Polygon"
    assert kel.bbox == [103.620135, -1.65079, 103.63324, -1.616484]
    assert (kel.centroid_lat, kel.centroid_lon) == (-1.632946, 103.626586)
    assert Kecamatan.objects.get(name="Jambi Selatan").boundary["type"] == "Polygon"
    assert not Kelurahan.objects.filter(boundary__isnull=True).exists()


def test_boundaries_come_to_regions_loaded_before_them(db):
    load("--no-boundaries")
    assert not Kelurahan.objects.exclude(boundary__isnull=True).exists()

    output = load()

    assert "(0 baru, 79 diperbarui, 0 tetap)" in output
    assert "Batas wilayah: 68 kelurahan, 11 kecamatan." in output
    assert "(0 baru, 0 diperbarui, 79 tetap)" in load()


def test_a_region_file_of_its_own_leaves_the_boundaries_alone(regions, tmp_path):
    before = boundaries()

    output = load(str(write_csv(tmp_path, [GOOD_ROW])))

    assert "Batas wilayah" not in output
    assert boundaries() == before


def test_boundaries_named_with_a_region_file_must_match_it(regions, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        load(str(write_csv(tmp_path, [GOOD_ROW])), "--kelurahan-boundaries", str(BOUNDARIES))

    message = str(excinfo.value)
    assert "Fitur ke-2 (15.71.01.1002, Buluran Kenali): kode tidak ada dalam berkas wilayah" in (
        message
    )


def _swap(features):
    ring = features[2]["geometry"]["coordinates"][0]
    features[2]["geometry"]["coordinates"][0] = [[lat, lon] for lon, lat in ring]


def _open_ring(features):
    features[4]["geometry"]["coordinates"][0].pop()


def _unknown_code(features):
    features[0]["properties"]["code"] = "15.71.01.1099"


def _twin(features):
    features[1]["properties"]["code"] = features[0]["properties"]["code"]


def _point(features):
    features[3]["geometry"] = {"type": "Point", "coordinates": [103.6, -1.6]}


def _wrong_kecamatan(features):
    features[0]["properties"]["kecamatan_code"] = "15.71.02"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_swap, "Fitur ke-3 (15.71.01.1003, Teluk Kenali): posisi tertukar"),
        (_open_ring, "Fitur ke-5 (15.71.01.1010, Penyengat Rendah): cincin ke-1 (luar): tidak"),
        (_unknown_code, "Fitur ke-1 (15.71.01.1099, Simpang IV Sipin): kode tidak ada"),
        (_twin, "Fitur ke-2 (15.71.01.1001, Buluran Kenali): kode '15.71.01.1001' ganda"),
        (_point, "Fitur ke-4 (15.71.01.1004, Telanaipura): geometri 'Point' bukan Polygon"),
        (_wrong_kecamatan, "Fitur ke-1 (15.71.01.1001, Simpang IV Sipin): kode kelurahan tidak"),
    ],
    ids=["swapped", "open-ring", "unknown-code", "duplicate", "point", "wrong-kecamatan"],
)
def test_a_wrong_boundary_is_refused_naming_the_feature(regions, tmp_path, change, reason):
    Kelurahan.objects.filter(name="Thehok").update(boundary=None)
    before = snapshot()
    path = boundary_file(tmp_path, change)

    with pytest.raises(CommandError) as excinfo:
        load("--kelurahan-boundaries", str(path))

    assert "ditolak, tidak ada yang diubah" in str(excinfo.value)
    assert reason in str(excinfo.value)
    assert snapshot() == before


def test_every_wrong_feature_is_reported_at_once(regions, tmp_path):
    def two(features):
        _swap(features)
        _open_ring(features)

    with pytest.raises(CommandError) as excinfo:
        load("--kelurahan-boundaries", str(boundary_file(tmp_path, two)))

    assert "Fitur ke-3" in str(excinfo.value) and "Fitur ke-5" in str(excinfo.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"type": "FeatureCollection", "features": [', "bukan JSON yang sah (baris 1"),
        ('{"type": "Feature"}', "harus GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "tidak ada fitur"),
    ],
)
def test_a_boundary_file_that_is_not_a_feature_collection_is_refused(
    regions, tmp_path, content, reason
):
    path = tmp_path / "batas.geojson"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        load("--kelurahan-boundaries", str(path))

    assert reason in str(excinfo.value)


def test_a_kelurahan_missing_from_the_boundary_file_keeps_its_boundary(regions, tmp_path):
    thehok = Kelurahan.objects.get(name="Thehok").boundary

    def drop(features):
        features[:] = [f for f in features if f["properties"]["name"] != "Thehok"]

    output = load("--kelurahan-boundaries", str(boundary_file(tmp_path, drop)))

    assert "Tanpa batas di berkas (batas lama tetap): Thehok." in output
    assert Kelurahan.objects.get(name="Thehok").boundary == thehok
