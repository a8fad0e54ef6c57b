"""Every dashboard figure against values computed by hand on the known city (conftest)."""

from decimal import Decimal

from budgets.models import BudgetEnvelope
from dashboards import figures
from dashboards.tables import percent
from tests import factories
from tests.dashboards.helpers import filters_for, rows_of

FUNNEL_COLUMNS = (
    "Tahun",
    "Usulan Musrenbang",
    "Diajukan RT",
    "Diverifikasi kelurahan",
    "Diverifikasi kecamatan",
    "Ditetapkan SK Camat",
    "Selesai",
    "Porsi didanai (%)",
)


def test_funnel_for_the_city_by_kecamatan_and_by_year(city):
    # Per (year, kecamatan): A 2025 6 4 3 2 2 2, B 2025 2 1 1 1 1 0, A 2026 4 2 2 2 1 1,
    # B 2026 2 1 1 1 1 0. A range has a table per kecamatan over the range and one per year.
    table, per_year = figures.funnel(city.users["bappeda"], filters_for(city.users["bappeda"]))
    # The range's table per area has no year column, its table per year no area column.
    assert table.headers[:2] == ["Kecamatan", "Usulan Musrenbang"]
    assert rows_of(table, "Kecamatan", *FUNNEL_COLUMNS[1:]) == [
        ("Kecamatan A", 10, 6, 5, 4, 3, 3, Decimal("30.0")),
        ("Kecamatan B", 4, 2, 2, 2, 2, 0, Decimal("50.0")),
    ]
    assert per_year.key == "corong_tahun"
    assert per_year.headers[:2] == ["Tahun", "Usulan Musrenbang"]
    assert rows_of(per_year, *FUNNEL_COLUMNS) == [
        (2025, 8, 5, 4, 3, 3, 2, Decimal("37.5")),
        (2026, 6, 3, 3, 3, 2, 1, Decimal("33.3")),
    ]
    assert [c.value for c in per_year.total] == [c.value for c in table.total]
    # A row's numbers link to its records: its area over the range, or its year.
    assert table.rows[0][2].link == (
        f"dari=2025&sampai=2026&kecamatan={city.kecamatan['A'].pk}&daftar=usulan&tahap=diajukan"
    )
    assert per_year.rows[1][2].link == "tahun=2026&daftar=usulan&tahap=diajukan"
    assert figures.funnel_totals(table) == {
        "musrenbang": 14,
        "diajukan": 8,
        "verifikasi_kelurahan": 7,
        "verifikasi_kecamatan": 6,
        "ditetapkan": 5,
        "selesai": 3,
    }
    assert table.total[-1].value == Decimal("35.7")


def test_funnel_of_a_camat_is_their_kelurahan(city):
    camat = city.users["camat_a"]
    # Per (year, kelurahan): A1 2025 4 3 2 2 2 2, A2 2025 2 1 1 0 0 0, A1 2026 3 1 1 1 1 1,
    # A2 2026 1 1 1 1 0 0.
    table, per_year = figures.funnel(camat, filters_for(camat))
    assert rows_of(table, "Kelurahan", *FUNNEL_COLUMNS[1:]) == [
        ("Kelurahan A1", 7, 4, 3, 3, 3, 3, Decimal("42.9")),
        ("Kelurahan A2", 3, 2, 2, 1, 0, 0, Decimal("0.0")),
    ]
    assert rows_of(per_year, *FUNNEL_COLUMNS) == [
        (2025, 6, 4, 3, 2, 2, 2, Decimal("33.3")),
        (2026, 4, 2, 2, 2, 1, 1, Decimal("25.0")),
    ]


def test_a_range_has_a_row_for_every_year_even_an_empty_one(city):
    # Nothing of work type "drainase" was proposed or funded in either year: the tables per
    # year still name both years, with zeros.
    user = city.users["bappeda"]
    drains = factories.WorkTypeFactory(code="drainase", name="Saluran drainase", has_width=False)
    filters = filters_for(user, jenis=drains.pk)
    [table, per_year] = figures.funnel(user, filters)
    assert table.rows == []
    assert rows_of(per_year, "Tahun", "Usulan Musrenbang", "Selesai") == [
        (2025, 0, 0),
        (2026, 0, 0),
    ]
    money, money_per_year, *_ = figures.money(user, filters)
    assert rows_of(money_per_year, "Tahun", "Terikat", "Dibayar") == [(2025, 0, 0), (2026, 0, 0)]
    people, people_per_year, _ = figures.people(user, filters)
    assert rows_of(people_per_year, "Tahun", "Lokasi didanai") == [(2025, 0), (2026, 0)]


def test_funnel_of_one_year_and_one_kelurahan(city):
    user = city.users["bappeda"]
    filters = filters_for(user, tahun=2025, kelurahan=city.kelurahan["A1"].pk)
    [table] = figures.funnel(user, filters)
    assert rows_of(table, "Kelurahan", *FUNNEL_COLUMNS) == [
        ("Kelurahan A1", 2025, 4, 3, 2, 2, 2, 2, Decimal("50.0")),
    ]


def test_money_per_kecamatan_and_year(city):
    # Per (year, kecamatan): 2025 A 100 M pagu, 30 M committed, ordered and delivered, 25 M
    # paid; 2025 B 50 M, 30 M committed; 2026 A 120 M, 12 M each; 2026 B 60 M, 25 M
    # committed, ordered and delivered.
    user = city.users["bappeda"]
    money, per_year, community, saving = figures.money(user, filters_for(user))
    columns = ("Pagu", "Terikat", "Dipesan", "Diterima", "Dibayar")
    m = 1_000_000
    assert rows_of(money, "Kecamatan", *columns) == [
        ("Kecamatan A", 220 * m, 42 * m, 42 * m, 42 * m, 37 * m),
        ("Kecamatan B", 110 * m, 55 * m, 25 * m, 25 * m, 0),
    ]
    assert rows_of(per_year, "Tahun", *columns) == [
        (2025, 150 * m, 60 * m, 30 * m, 30 * m, 25 * m),
        (2026, 180 * m, 37 * m, 37 * m, 37 * m, 12 * m),
    ]
    assert [c.value for c in per_year.rows[0][1:]] == [
        150 * m,
        60 * m,
        30 * m,
        30 * m,
        25 * m,
        Decimal("16.7"),
    ]
    assert [c.value for c in money.total[1:]] == [
        330_000_000,
        97_000_000,
        67_000_000,
        67_000_000,
        37_000_000,
        Decimal("11.2"),
    ]
    # Identities: paid <= delivered <= ordered <= committed <= pagu on every row.
    for row in money.rows + per_year.rows:
        pagu, committed, ordered, delivered, paid = (c.value for c in row[1:6])
        assert paid <= delivered <= ordered <= committed <= pagu


def test_community_contributions_by_kind_and_ratio_to_city_money(city):
    user = city.users["bappeda"]
    _, _, community, _ = figures.money(user, filters_for(user))
    assert community.headers[1:6] == [
        "Uang tunai",
        "Material",
        "Tenaga di luar hari kerja",
        "Konsumsi (makan dan minum)",
        "Peralatan dipinjamkan",
    ]
    assert [[c.value for c in row] for row in community.rows] == [
        [2025, 1_000_000, 2_000_000, 0, 500_000, 0, 3_500_000],
        [2026, 300_000, 0, 600_000, 0, 400_000, 1_300_000],
    ]
    assert community.extra["contributed"] == 4_800_000
    assert community.extra["city_money"] == 37_000_000
    assert community.extra["ratio"] == Decimal("0.13")


def test_savings_per_year_by_the_method_of_the_savings_page(city):
    user = city.users["bappeda"]
    *_, saving = figures.money(user, filters_for(user))
    columns = (
        "Tahun",
        "Kegiatan selesai",
        "Material kota",
        "HOK",
        "Upah setara",
        "Swadaya barang, tenaga, alat",
        "Perkiraan kontraktor",
        "Biaya kota",
        "Hemat",
        "Hemat (%)",
    )
    assert rows_of(saving, *columns) == [
        (
            2025,
            2,
            25_000_000,
            Decimal("33.00"),
            3_960_000,
            2_000_000,
            39_520_440,
            25_000_000,
            14_520_440,
            Decimal("36.7"),
        ),
        (
            2026,
            1,
            12_000_000,
            Decimal("8.00"),
            960_000,
            1_000_000,
            17_819_940,
            12_000_000,
            5_819_940,
            Decimal("32.7"),
        ),
    ]
    assert saving.total[-1].value == Decimal("35.5")  # 20,340,380 / 57,340,380


def test_money_of_a_kecamatan_whose_envelope_is_not_split(city):
    # Kecamatan A's envelopes (Rp 100 M in 2025, Rp 120 M in 2026) have no kelurahan
    # shares: no row has a pagu of its own, and the total is the kecamatan's.
    for who in ("camat_a", "bappeda"):
        user = city.users[who]
        money, per_year, _, _ = figures.money(
            user, filters_for(user, kecamatan=city.kecamatan["A"].pk)
        )
        assert {row[1].value for row in money.rows} == {None}
        assert money.total[1].value == 220_000_000
        assert money.total[-1].value == percent(money.total[5].value, 220_000_000)
        assert money.extra["pagu_note"] == (
            "Pagu kecamatan yang belum dibagi per kelurahan (2025, 2026) hanya masuk ke jumlah "
            "dan ke baris tahunnya."
        )
        # A year's row has the kecamatan's envelope of that year.
        assert rows_of(per_year, "Tahun", "Pagu", "Dibayar", "Terserap (%)") == [
            (2025, 100_000_000, 25_000_000, Decimal("25.0")),
            (2026, 120_000_000, 12_000_000, Decimal("10.0")),
        ]
        # One year: a row per kelurahan, none with an envelope of its own.
        [one_year, *_] = figures.money(
            user, filters_for(user, tahun=2025, kecamatan=city.kecamatan["A"].pk)
        )
        assert one_year.key == "uang"
        assert one_year.total[2].value == 100_000_000
        assert one_year.extra["pagu_note"] == (
            "Pagu kecamatan yang belum dibagi per kelurahan (2025) hanya masuk ke jumlah."
        )
    # A lurah's table has no envelope to show: a dash, not Rp 0.
    lurah = city.users["lurah_a1"]
    money, per_year, _, _ = figures.money(lurah, filters_for(lurah))
    assert money.total[1].value is None
    assert {row[1].value for row in per_year.rows} == {None}


def test_money_of_a_kecamatan_that_split_its_envelope_in_one_year_only(city):
    # Kecamatan A split its 2026 envelope (Rp 120 M) between A1 and A2, Rp 60 M each; 2025's
    # (Rp 100 M) stays whole. A kelurahan's range holds only its 2026 share, and what it was
    # paid in 2026 against it (A1: Rp 12 M of Rp 60 M), not 2025's payments too.
    for kelurahan in ("A1", "A2"):
        BudgetEnvelope.objects.create(
            fiscal_year=city.years[2026],
            kecamatan=city.kecamatan["A"],
            kelurahan=city.kelurahan[kelurahan],
            amount=60_000_000,
        )
    camat = city.users["camat_a"]
    money, per_year, _, _ = figures.money(camat, filters_for(camat))
    assert rows_of(money, "Kelurahan", "Pagu", "Dibayar", "Terserap (%)") == [
        ("Kelurahan A1", 60_000_000, 37_000_000, Decimal("20.0")),
        ("Kelurahan A2", 60_000_000, 0, Decimal("0.0")),
    ]
    assert rows_of(per_year, "Tahun", "Pagu", "Dibayar", "Terserap (%)") == [
        (2025, 100_000_000, 25_000_000, Decimal("25.0")),
        (2026, 120_000_000, 12_000_000, Decimal("10.0")),
    ]
    assert [c.value for c in money.total[1:2]] == [220_000_000]
    assert money.total[-1].value == Decimal("16.8")  # 37 M of 220 M
    assert money.extra["pagu_note"] == (
        "Pagu kecamatan yang belum dibagi per kelurahan (2025) hanya masuk ke jumlah "
        "dan ke baris tahunnya."
    )


def test_money_of_a_lurah_is_their_kelurahan_only(city):
    lurah = city.users["lurah_a1"]
    money, per_year, community, _ = figures.money(lurah, filters_for(lurah))
    assert rows_of(money, "Kelurahan", "Terikat", "Dibayar") == [
        ("Kelurahan A1", 42_000_000, 37_000_000),
    ]
    assert rows_of(per_year, "Tahun", "Terikat", "Dibayar") == [
        (2025, 30_000_000, 25_000_000),
        (2026, 12_000_000, 12_000_000),
    ]
    assert community.extra["contributed"] == 4_500_000


def test_people_per_kecamatan_and_year(city):
    user = city.users["bappeda"]
    # Per (year, kecamatan): 2025 A 2 sites, 27 participants, 39 attendances (15 women),
    # 33 HOK, Rp 3.96 M, 70 households, 280 people; 2025 B 1 site, no work day, 50 and 200;
    # 2026 A 1, 8, 8 (3), 8 HOK, Rp 960,000, 20, 80; 2026 B 1, 4, 4 (0), 4 HOK, Rp 480,000,
    # 60, 240.
    table, per_year, _ = figures.people(user, filters_for(user))
    columns = (
        "Lokasi didanai",
        "Peserta",
        "Kehadiran (orang-hari)",
        "Perempuan (kehadiran)",
        "Perempuan (%)",
        "HOK",
        "Nilai tenaga",
        "KK penerima manfaat",
        "Jiwa penerima manfaat",
    )
    assert rows_of(table, "Kecamatan", *columns) == [
        ("Kecamatan A", 3, 35, 47, 18, Decimal("38.3"), Decimal("41.00"), 4_920_000, 90, 360),
        ("Kecamatan B", 2, 4, 4, 0, Decimal("0.0"), Decimal("4.00"), 480_000, 110, 440),
    ]
    assert rows_of(per_year, "Tahun", *columns) == [
        (2025, 3, 27, 39, 15, Decimal("38.5"), Decimal("33.00"), 3_960_000, 120, 480),
        (2026, 2, 12, 12, 3, Decimal("25.0"), Decimal("12.00"), 1_440_000, 80, 320),
    ]
    assert [c.value for c in table.total[1:]] == [
        5,
        39,
        51,
        18,
        Decimal("35.3"),
        Decimal("45.00"),
        5_400_000,
        200,
        800,
    ]


def test_output_by_work_type_planned_and_realised(city):
    user = city.users["bappeda"]
    *_, table = figures.people(user, filters_for(user))
    assert [[c.value for c in row] for row in table.rows] == [
        [
            "Jalan setapak / rabat beton",
            "m",
            5,
            Decimal("470.00"),
            3,
            Decimal("270.00"),
            Decimal("255.00"),
            Decimal("94.4"),
        ],
    ]


def test_median_and_p90_days_per_stage_and_year(city):
    user = city.users["bappeda"]
    [table] = figures.stage_times(user, filters_for(user))
    got = rows_of(table, "Tahun", "Tahap", "Usulan", "Median (hari)", "Persentil 90 (hari)")
    d = Decimal
    assert got == [
        (2025, "Pengajuan → verifikasi kelurahan", 4, d("4.5"), d("6.4")),
        (2025, "Verifikasi kelurahan → kecamatan", 3, d("7.0"), d("9.4")),
        (2025, "Verifikasi kecamatan → SK Camat", 3, d("14.0"), d("14.8")),
        (2025, "SK Camat → material diterima (BAST)", 2, d("17.5"), d("19.5")),
        (2025, "Material diterima → selesai", 2, d("22.5"), d("28.5")),
        (2025, "Pengajuan → selesai", 2, d("65.0"), d("69.0")),
        (2026, "Pengajuan → verifikasi kelurahan", 3, d("2.0"), d("8.4")),
        (2026, "Verifikasi kelurahan → kecamatan", 3, d("4.0"), d("8.8")),
        (2026, "Verifikasi kecamatan → SK Camat", 2, d("13.0"), d("18.6")),
        (2026, "SK Camat → material diterima (BAST)", 2, d("9.0"), d("9.8")),
        (2026, "Material diterima → selesai", 1, d("10.0"), d("10.0")),
        (2026, "Pengajuan → selesai", 1, d("30.0"), d("30.0")),
    ]


def test_python_quantiles_match_the_database_method():
    assert figures.quantile([3, 4, 5, 7], 0.5) == 4.5
    assert abs(figures.quantile([3, 4, 5, 7], 0.9) - 6.4) < 1e-9
    assert figures.quantile([10], 0.9) == 10
    assert figures.quantile([], 0.5) is None


def test_stage_times_on_sqlite_fallback_equal_the_database(city, monkeypatch):
    user = city.users["bappeda"]
    filters = filters_for(user)
    [in_db] = figures.stage_times(user, filters)
    monkeypatch.setattr(figures.connection, "vendor", "sqlite")
    [in_python] = figures.stage_times(user, filters)
    assert [[c.value for c in r] for r in in_python.rows] == [
        [c.value for c in r] for r in in_db.rows
    ]


def test_reach_of_kelurahan_and_rts(city):
    user = city.users["bappeda"]
    reach, repeat = figures.equity(user, filters_for(user))
    columns = (
        "Tahun",
        "Kelurahan ada",
        "Kelurahan dengan lokasi",
        "Kelurahan (%)",
        "RT aktif",
        "RT dengan lokasi",
        "RT (%)",
    )
    assert rows_of(reach, *columns) == [
        (2025, 3, 2, Decimal("66.7"), 5, 3, Decimal("60.0")),
        (2026, 3, 2, Decimal("66.7"), 5, 2, Decimal("40.0")),
    ]
    assert [c.value for c in reach.total[1:]] == [3, 2, Decimal("66.7"), 5, 3, Decimal("60.0")]
    # RT 01 of A1 funded in 2025 and 2026, RT 03 of A1 never; B1's only RT is funded twice
    # but no RT of B1 was left out, and A2's RT was never funded but nobody twice.
    assert [[c.value for c in row] for row in repeat.rows] == [
        ["Kelurahan A1", "RT 01 (2 tahun)", 3, 1],
    ]


def test_gini_of_money_across_kelurahan(city):
    user = city.users["bappeda"]
    reach, _ = figures.equity(user, filters_for(user))
    # Committed: A1 42 jt, A2 0, B1 55 jt. ΣΣ|xi − xj| = 2 × (42 + 55 + 13) = 220;
    # 2 n² μ = 2 × 9 × 97/3 = 582; G = 220 / 582 = 0.378.
    assert reach.extra["gini"] == Decimal("0.378")
    assert reach.extra["gini_count"] == 3


def test_gini_edge_cases():
    assert figures.gini([]) is None
    assert figures.gini([0, 0]) is None
    assert figures.gini([5, 5, 5]) == Decimal("0.000")
    assert figures.gini([0, 0, 0, 10]) == Decimal("0.750")


def test_slum_hectares_designated_and_handled(city):
    user = city.users["bappeda"]
    [table] = figures.slums(user, filters_for(user))
    columns = (
        "Tahun",
        "Luas ditetapkan (ha)",
        "Kelurahan kumuh",
        "Lokasi selesai di kawasan kumuh",
        "Tertangani tahun ini (ha)",
        "Tertangani kumulatif (ha)",
        "Tertangani (%)",
    )
    assert rows_of(table, *columns) == [
        (2025, Decimal("14.50"), 2, 2, Decimal("10.50"), Decimal("10.50"), Decimal("72.4")),
        (2026, Decimal("16.75"), 3, 1, Decimal("0"), Decimal("10.50"), Decimal("62.7")),
    ]


def test_slums_of_one_year_remember_earlier_handling(city):
    user = city.users["bappeda"]
    [table] = figures.slums(user, filters_for(user, tahun=2026))
    assert rows_of(table, "Tahun", "Tertangani tahun ini (ha)", "Tertangani kumulatif (ha)") == [
        (2026, Decimal("0"), Decimal("10.50")),
    ]


def test_figures_per_kelurahan(city):
    user = city.users["bappeda"]
    got = figures.kelurahan_figures(user, filters_for(user))
    a1 = got[city.kelurahan["A1"].pk]
    assert a1 == {
        "musrenbang": 7,
        "lokasi": 3,
        "selesai": 3,
        "porsi": Decimal("42.9"),
        "terikat": 42_000_000,
        "dibayar": 37_000_000,
        "swadaya": 4_500_000,
        "hok": Decimal("41.00"),
        "kumuh": Decimal("10.50"),
    }
    assert got[city.kelurahan["B1"].pk]["terikat"] == 55_000_000
    assert got[city.kelurahan["A2"].pk]["lokasi"] == 0
