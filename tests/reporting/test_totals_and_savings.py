"""Totals of work and contributions per site, kelurahan, kecamatan and year, and the savings
estimate, computed from records and checked against figures worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangkit.models import Role
from reporting import savings, selectors
from reporting.models import ContractorCostParameters, SwadayaContribution, WorkDay
from tests import factories
from tests.reporting.conftest import ORDER_TOTAL, TODAY


def day(site, days_ago, men, women, hours):
    return WorkDay.objects.create(
        proposal=site,
        date=TODAY - timedelta(days=days_ago),
        men=men,
        women=women,
        hours=Decimal(hours),
        activity="Gotong-royong",
        recorded_by=factories.make_user(Role.RT, site.rt),
    )


def gift(site, kind, value):
    return SwadayaContribution.objects.create(
        proposal=site,
        kind=kind,
        description=kind,
        value=value,
        contributor="Warga",
        date=TODAY,
        recorded_by=site.work_days.first().recorded_by,
    )


@pytest.fixture
def records(world, make_site):
    """Site A (kelurahan A1): 197.5 person-hours, Rp 2.025.000 given; site C (also A1): 32
    person-hours; site B (kecamatan B): 80 person-hours, Rp 400.000 of lent equipment."""
    a = make_site(state="completed")
    day(a, 20, 10, 4, "8")  # 112 person-hours
    day(a, 13, 6, 6, "4")  # 48
    day(a, 6, 5, 0, "7.5")  # 37.5
    gift(a, "cash", 750_000)
    gift(a, "food", 900_000)
    gift(a, "materials", 375_000)
    c = make_site(state="in_progress")
    day(c, 5, 4, 0, "8")  # 32
    b = make_site(rt=world.rt_other, state="completed")
    day(b, 5, 8, 2, "8")  # 80
    gift(b, "equipment", 400_000)
    return a, b, c


def test_person_days_and_their_value_per_site(world, records):
    a, _, _ = records
    site = selectors.site_detail(a)
    # (14 × 8 + 12 × 4 + 5 × 7,5) / 8 = 197,5 / 8 = 24,6875 person-days at Rp 120.000.
    assert site.totals.person_days == Decimal("24.69")
    assert site.totals.labour_value == 2_962_500
    assert (site.totals.men, site.totals.women, site.totals.participants) == (21, 10, 31)
    assert site.totals.contributions == 2_025_000
    assert site.totals.by_kind == {
        "Uang tunai": 750_000,
        "Material": 375_000,
        "Konsumsi (makan dan minum)": 900_000,
    }


def test_totals_by_kelurahan_kecamatan_and_year_in_two_queries(world, records):
    city = world.users["bappeda"]
    with CaptureQueriesContext(connection) as queries:
        by_kelurahan = {r.label: r for r in selectors.execution_totals(city, by="kelurahan")}
    assert len(queries) == 2
    a1 = by_kelurahan["Kelurahan A1"]
    assert (a1.sites, a1.work_days) == (2, 4)
    assert a1.person_days == Decimal("28.69")  # 229,5 / 8
    assert a1.labour_value == 3_442_500
    assert (a1.contributions, a1.cash) == (2_025_000, 750_000)
    b1 = by_kelurahan["Kelurahan B1"]
    assert (b1.person_days, b1.labour_value, b1.contributions) == (
        Decimal("10.00"),
        1_200_000,
        400_000,
    )

    by_kecamatan = {r.label: r for r in selectors.execution_totals(city, by="kecamatan")}
    assert by_kecamatan["Kecamatan Uji A"].labour_value == 3_442_500
    assert by_kecamatan["Kecamatan Uji B"].contributions == 400_000

    (year,) = selectors.execution_totals(city, by="year")
    assert year.label == "2026"
    assert year.person_days == Decimal("38.69")  # 309,5 / 8
    assert (year.labour_value, year.contributions, year.sites) == (4_642_500, 2_425_000, 3)

    by_site = {r.key: r for r in selectors.execution_totals(city, by="proposal")}
    assert by_site[records[0].pk].labour_value == 2_962_500


def test_totals_are_scoped_to_the_users_area(world, records):
    rows = selectors.execution_totals(world.users["camat_other"], by="kelurahan")
    assert [r.label for r in rows] == ["Kelurahan B1"]
    assert selectors.execution_totals(world.users["rt"], by="year")[0].work_days == 4


def test_each_site_is_valued_at_its_own_years_wage(world, make_site):
    last_year = factories.FiscalYearFactory(year=2025, daily_wage=100_000)
    old = make_site(fiscal_year=last_year, state="completed")
    day(old, 400, 10, 0, "8")  # 10 person-days × Rp 100.000
    new = make_site(state="completed")
    day(new, 5, 10, 0, "8")  # 10 person-days × Rp 120.000

    (kelurahan,) = selectors.execution_totals(world.users["bappeda"], by="kelurahan")

    assert kelurahan.labour_value == 2_200_000
    by_year = {
        r.label: r.labour_value
        for r in selectors.execution_totals(world.users["bappeda"], by="year")
    }
    assert by_year == {"2025": 1_000_000, "2026": 1_200_000}


def test_site_list_is_one_query_however_many_sites(world, make_site, records):
    city = world.users["inspektorat"]
    with CaptureQueriesContext(connection) as queries:
        sites = selectors.with_site_figures(selectors.sites_for(city))
    assert len(queries) == 1
    for _ in range(3):
        day(make_site(), 5, 3, 3, "8")
    with CaptureQueriesContext(connection) as more:
        more_sites = selectors.with_site_figures(selectors.sites_for(city))
    assert len(more) == 1 and len(more_sites) == len(sites) + 3
    a = next(s for s in sites if s.pk == records[0].pk)
    assert (a.work_day_count, a.person_days, a.labour_value) == (3, Decimal("24.69"), 2_962_500)
    assert a.contribution_total == 2_025_000


# --- Savings ------------------------------------------------------------------------------------


def test_savings_estimate_by_hand():
    estimate = savings.estimate(
        materials_paid=10_000_000,
        rab_total=10_500_000,
        person_hours=Decimal("197.5"),
        daily_wage=120_000,
        in_kind={"materials": 375_000, "labour": 0, "equipment": 400_000},
    )
    # 10.000.000 + 375.000 + 2.962.500 + 400.000 = 13.737.500; +15% = 15.798.125;
    # +11% PPN (1.737.793,75 → 1.737.794) = 17.535.919.
    assert estimate.materials_basis == "paid"
    assert estimate.subtotal == 13_737_500
    assert estimate.overhead == 2_060_625
    assert estimate.ppn == 1_737_794
    assert estimate.contractor_total == 17_535_919
    assert estimate.city_cost == 10_000_000
    assert estimate.saving == 7_535_919
    assert estimate.saving_percent == Decimal("43.0")  # 1 − 10.000.000 / 17.535.919


def test_savings_without_in_kind_contributions_and_before_payment():
    params = savings.Parameters(count_in_kind=False)
    estimate = savings.estimate(
        materials_paid=0,
        rab_total=10_000_000,
        person_hours=Decimal("197.5"),
        daily_wage=120_000,
        in_kind={"materials": 375_000, "equipment": 400_000},
        parameters=params,
    )
    # 12.962.500 + 15% = 14.906.875; + 11% (1.639.756,25) = 16.546.631.
    assert estimate.materials_basis == "rab"
    assert estimate.contractor_total == 16_546_631
    assert estimate.saving_percent == Decimal("39.6")


def test_savings_estimate_of_a_site_from_its_records(world, records):
    a, _, _ = records
    estimate = savings.estimate_for(a)
    assert estimate.materials_city == ORDER_TOTAL  # the fixture's paid order
    assert estimate.labour_value == 2_962_500
    assert (estimate.materials_in_kind, estimate.equipment_in_kind) == (375_000, 0)
    # 10.000.000 + 375.000 + 2.962.500 = 13.337.500; ×1,15 = 15.338.125; ×1,11 → 17.025.319.
    assert estimate.contractor_total == 17_025_319
    assert estimate.saving_percent == Decimal("41.3")


def test_parameters_are_data_per_year(world, records):
    ContractorCostParameters.objects.create(
        fiscal_year=world.fiscal_year, overhead_profit_percent=Decimal("10"), ppn_percent=0
    )
    estimate = savings.estimate_for(records[0])
    assert estimate.contractor_total == 14_671_250  # 13.337.500 × 1,10


def test_savings_table_counts_completed_sites_in_two_queries(world, records):
    with CaptureQueriesContext(connection) as queries:
        table = savings.savings_table(world.users["bappeda"])
    assert len(queries) == 2
    assert {row.proposal.pk for row in table.rows} == {records[0].pk, records[1].pk}
    assert table.city_cost == 2 * ORDER_TOTAL
    assert table.contractor_total == sum(row.contractor_total for row in table.rows)
    assert table.saving_percent == (
        (1 - Decimal(table.city_cost) / Decimal(table.contractor_total)) * 100
    ).quantize(Decimal("0.1"))
    only_b = savings.savings_table(world.users["camat_other"])
    assert [row.proposal.pk for row in only_b.rows] == [records[1].pk]
