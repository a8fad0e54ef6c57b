"""The closed years' summary rows give exactly the figures the live records give: every table
of the dashboard, the per-kelurahan figures and the chart data, for the city and for any
filter and scope, with one year or both years of the test city summarized."""

import pytest
from django.db.models import F

from bangkit.models import FiscalYear
from dashboards import figures, selectors, summary
from dashboards.models import CellSummary, EntrySummary, ProposalSummary, YearSummary
from proposals.models import MusrenbangEntry
from tests import factories
from tests.dashboards.helpers import filters_for


def _values(board) -> list:
    return [
        (t.key, [[c.value for c in row] for row in t.all_rows()], dict(t.extra))
        for t in board.tables
    ]


def _everything(user, filters):
    board = selectors.compute_dashboard(user, filters)
    return _values(board), board.per_kelurahan, board.map


FILTERS = [
    {},
    {"tahun": 2025},
    {"tahun": 2026},
    {"kecamatan": "A"},
    {"kelurahan": "A1"},
    {"kelurahan": "A2", "tahun": 2025},
    {"jenis": True},
]


def _params(city, wanted: dict) -> dict:
    params = dict(wanted)
    if "kecamatan" in params:
        params["kecamatan"] = city.kecamatan[params["kecamatan"]].pk
    if "kelurahan" in params:
        params["kelurahan"] = city.kelurahan[params["kelurahan"]].pk
    if params.get("jenis"):
        params["jenis"] = city.work_type.pk
    return params


def _live_and_summed(city, closing: list[int]):
    """Every case's figures computed live, then with `closing` closed and summarized."""
    cases = [
        (user_key, wanted)
        for user_key in ("bappeda", "camat_a", "lurah_a1")
        for wanted in FILTERS
        if user_key == "bappeda" or not {"kecamatan", "kelurahan"} & set(wanted)
    ]
    live = {}
    for user_key, wanted in cases:
        user = city.users[user_key]
        filters = filters_for(user, **_params(city, wanted))
        assert figures.with_summaries(filters).summarized == frozenset()
        live[(user_key, repr(wanted))] = _everything(user, filters)
    for year in closing:
        FiscalYear.objects.filter(year=year).update(status=FiscalYear.Status.CLOSED)
        summary.build_year(FiscalYear.objects.get(year=year))
    summed = {}
    for user_key, wanted in cases:
        user = city.users[user_key]
        filters = filters_for(user, **_params(city, wanted))
        assert figures.with_summaries(filters).summarized == frozenset(closing)
        summed[(user_key, repr(wanted))] = _everything(user, filters)
    return live, summed


@pytest.mark.parametrize("closing", [[2025], [2025, 2026]])
def test_the_summary_rows_give_the_live_figures(city, closing):
    live, summed = _live_and_summed(city, closing)
    assert ProposalSummary.objects.filter(fiscal_year__year=2025).count() == 5
    assert EntrySummary.objects.filter(year=2025).count() == 3
    kept = ProposalSummary.objects.filter(fiscal_year__year=2025)
    cells = CellSummary.objects.filter(fiscal_year__year=2025)
    assert cells.filter(work_type=None).count() == kept.values("kelurahan").distinct().count()
    assert cells.exclude(work_type=None).count() == (
        kept.values("kelurahan", "work_type").distinct().count()
    )
    for case, figures_live in live.items():
        assert summed[case] == figures_live, case


def test_entries_without_a_proposal_count_from_the_cells(city):
    """Musrenbang entries of a kelurahan with no proposal that year, of a work type no
    proposal has, and without a work type: the closed year's cells keep them (a cell of its
    entries alone) and the funnel and the map give what the live records give."""
    other = factories.WorkTypeFactory(code="drainase", name="Saluran drainase", has_width=False)
    a2 = city.kelurahan["A2"]
    b2 = factories.KelurahanFactory(kecamatan=city.kecamatan["B"])
    for n, (place, work_type) in enumerate(
        [(b2, city.work_type), (b2, None), (a2, other), (a2, other), (a2, None)]
    ):
        MusrenbangEntry.objects.create(
            year=2025,
            source_id=f"MR-2025-X{n}",
            kelurahan=place,
            title=f"Saluran {n}",
            work_type=work_type,
        )
    live, summed = _live_and_summed(city, [2025])
    for case, figures_live in live.items():
        assert summed[case] == figures_live, case
    cells = CellSummary.objects.filter(fiscal_year__year=2025)
    assert cells.get(kelurahan=b2, work_type=None).entries == 2
    assert cells.get(kelurahan=b2, work_type=city.work_type).entries == 1
    assert cells.get(kelurahan=a2, work_type=other).entries == 2
    assert cells.get(kelurahan=a2, work_type=other).n == 0
    assert cells.get(kelurahan=a2, work_type=None).entries == 2 + 3
    # The funnel of 2025 counts them: 8 entries of the test city, 5 more.
    user = city.users["bappeda"]
    [table] = figures.funnel(user, figures.with_summaries(filters_for(user, tahun=2025)))
    assert figures.funnel_totals(table)["musrenbang"] == 8 + 5


def test_the_closed_year_is_read_from_its_summary_rows(city, django_assert_num_queries):
    summary.build_year(city.years[2025])
    user = city.users["bappeda"]
    # The rows are what is read: a figure changed in them shows on the page. The money
    # table adds up the kelurahan's cells (every work type, and the proposal's own) of the
    # proposals that bind the envelope.
    row = ProposalSummary.objects.get(proposal=city.p[1])
    assert row.binding
    CellSummary.objects.filter(fiscal_year__year=2025, kelurahan=row.kelurahan_id).update(
        b_paid=F("b_paid") - row.paid_amount + 1
    )
    board = selectors.compute_dashboard(user, filters_for(user, tahun=2025))
    paid = board.table("uang").total[6].value
    assert paid == 15_000_000 + 1
    # Stale rows are not read: the year is read live until it is built again.
    summary.mark_stale([2025])
    board = selectors.compute_dashboard(user, filters_for(user, tahun=2025))
    assert board.table("uang").total[6].value == 25_000_000


def test_a_year_that_is_not_closed_has_no_summary(city):
    assert summary.build_year(city.years[2026]) is None
    assert not ProposalSummary.objects.filter(fiscal_year=city.years[2026]).exists()
    built = summary.build_year(city.years[2025])
    assert (built.proposals, built.entries, built.stale) == (5, 3, False)
    # Reopened: rebuilding removes the rows.
    FiscalYear.objects.filter(year=2025).update(status=FiscalYear.Status.EXECUTION)
    assert summary.build_year(city.years[2025]) is None
    assert not YearSummary.objects.exists()
    assert not ProposalSummary.objects.exists()
    assert summary.summarized_years() == frozenset()


def test_the_live_years_are_read_by_their_fiscal_year_id(city, django_assert_num_queries):
    summary.build_year(city.years[2025])
    with django_assert_num_queries(1):
        summarized, ids = summary.year_index()
    assert summarized == frozenset({2025})
    assert ids == {year: fy.pk for year, fy in city.years.items()}
    filters = figures.with_summaries(filters_for(city.users["bappeda"], dari=2025, sampai=2026))
    assert filters.year_ids == ids
    # The open year by the id its proposals keep (the planner knows how many rows that id
    # has), no join to the fiscal years; the closed year not at all.
    sql = str(figures.proposals(city.users["bappeda"], filters).query)
    assert "bangkit_fiscalyear" not in sql
    assert f'fiscal_year_id" IN ({city.years[2026].pk})' in sql
    # A range of closed years only reads no live rows; the record lists (no summaries
    # asked) keep the year numbers.
    closed = figures.with_summaries(filters_for(city.users["bappeda"], tahun=2025))
    assert figures.proposals(city.users["bappeda"], closed) is figures.NOTHING
    listed = filters_for(city.users["bappeda"], dari=2025, sampai=2026)
    assert "bangkit_fiscalyear" in str(figures.proposals(city.users["bappeda"], listed).query)


def _more_sites(city, year: int, n: int):
    """n more completed sites in `year`: the page must make no more queries for them."""
    from decimal import Decimal

    from proposals.models import Proposal

    p1 = city.p[1]
    for i in range(n):
        Proposal.objects.create(
            fiscal_year=city.years[year],
            rt=city.rts["A2.1"],
            kelurahan=city.kelurahan["A2"],
            title=f"Tambahan {year} {i}",
            work_type=p1.work_type,
            location_description="Gang",
            planned_volume=Decimal("10"),
            planned_width=Decimal("1"),
            designated_budget=1_000_000,
            state="completed",
        )


@pytest.mark.parametrize(
    "params, most",
    [
        ({"tahun": 2025}, 28),  # the closed year only: summary rows, no live figure query
        ({"dari": 2025, "sampai": 2026}, 47),  # summary rows and the open year's records
    ],
)
def test_the_page_on_summary_rows_makes_a_constant_number_of_queries(
    client, city, django_assert_max_num_queries, params, most
):
    summary.build_year(city.years[2025])
    client.force_login(city.users["bappeda"])
    url = "/dasbor/"
    with django_assert_max_num_queries(most) as first:
        assert client.get(url, params).status_code == 200
    _more_sites(city, 2025, 8)
    _more_sites(city, 2026, 8)
    summary.build_year(city.years[2025])
    assert ProposalSummary.objects.filter(fiscal_year__year=2025).count() == 13
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url, params).status_code == 200


def test_a_change_while_the_rows_are_read_keeps_the_year_stale(city, monkeypatch):
    summary.build_year(city.years[2025])
    rows_of_entries = summary._entry_rows

    def changed_meanwhile(year):
        summary.mark_stale([year])  # a late payment committed while the build reads
        return rows_of_entries(year)

    monkeypatch.setattr(summary, "_entry_rows", changed_meanwhile)
    built = summary.build_year(city.years[2025])
    assert built.stale is True
    assert summary.summarized_years() == frozenset()
    monkeypatch.setattr(summary, "_entry_rows", rows_of_entries)
    assert summary.build_year(city.years[2025]).stale is False
    assert summary.summarized_years() == frozenset({2025})


def test_the_admin_shows_the_summaries_read_only(client, city):
    from tests import factories

    summary.build_year(city.years[2025])
    client.force_login(factories.make_user("admin", username="admin-ringkasan", is_staff=True))
    page = client.get("/admin/dashboards/yearsummary/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert page.context["has_add_permission"] is False
