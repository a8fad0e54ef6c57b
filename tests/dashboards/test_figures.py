"""Every dashboard figure against values computed by hand on the known city (conftest)."""

from decimal import Decimal

from dashboards import figures
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


def test_funnel_for_the_city_by_kecamatan(city):
    [table] = figures.funnel(city.users["bappeda"], filters_for(city.users["bappeda"]))
    assert rows_of(table, "Kecamatan", *FUNNEL_COLUMNS) == [
        ("Kecamatan A", 2025, 6, 4, 3, 2, 2, 2, Decimal("33.3")),
        ("Kecamatan B", 2025, 2, 1, 1, 1, 1, 0, Decimal("50.0")),
        ("Kecamatan A", 2026, 4, 2, 2, 2, 1, 1, Decimal("25.0")),
        ("Kecamatan B", 2026, 2, 1, 1, 1, 1, 0, Decimal("50.0")),
    ]
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
    [table] = figures.funnel(camat, filters_for(camat))
    assert rows_of(table, "Kelurahan", *FUNNEL_COLUMNS) == [
        ("Kelurahan A1", 2025, 4, 3, 2, 2, 2, 2, Decimal("50.0")),
        ("Kelurahan A2", 2025, 2, 1, 1, 0, 0, 0, Decimal("0.0")),
        ("Kelurahan A1", 2026, 3, 1, 1, 1, 1, 1, Decimal("33.3")),
        ("Kelurahan A2", 2026, 1, 1, 1, 1, 0, 0, Decimal("0.0")),
    ]


def test_funnel_of_one_year_and_one_kelurahan(city):
    user = city.users["bappeda"]
    filters = filters_for(user, tahun=2025, kelurahan=city.kelurahan["A1"].pk)
    [table] = figures.funnel(user, filters)
    assert rows_of(table, "Kelurahan", *FUNNEL_COLUMNS) == [
        ("Kelurahan A1", 2025, 4, 3, 2, 2, 2, 2, Decimal("50.0")),
    ]
