"""The dashboard from the cache: the same figures, far fewer queries, and computed afresh as
soon as a record changes or for another scope."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import cache, selectors
from reporting.models import WorkDay
from tests.dashboards.helpers import filters_for


def test_a_second_read_comes_from_the_cache(city, django_assert_max_num_queries):
    user = city.users["bappeda"]
    filters = filters_for(user)
    first = selectors.dashboard(user, filters)
    # the closed years read from summary rows, the data version and the cache row
    with django_assert_max_num_queries(3):
        again = selectors.dashboard(user, filters)
    assert [[c.value for c in r] for t in again.tables for r in t.all_rows()] == [
        [c.value for c in r] for t in first.tables for r in t.all_rows()
    ]


def _four_more_on_p6(city):
    """A work day of four people on p6 (2026, the open year)."""
    WorkDay.objects.create(
        proposal=city.p[6],
        date=datetime.date(2026, 2, 26),
        men=2,
        women=2,
        activity="Mengecor",
        recorded_by=city.users["rt"],
    )


def test_a_release_with_other_code_does_not_read_the_last_ones_pages(city, monkeypatch):
    # A closed years' page is kept a week and its data version does not move at a release:
    # the key holds the release, or a digest of the project's modules and templates.
    assert len(cache.code_version()) == 12
    user = city.users["bappeda"]
    filters = filters_for(user)
    selectors.dashboard_html(user, filters)
    with CaptureQueriesContext(connection) as kept:
        selectors.dashboard_html(user, filters)
    monkeypatch.setattr(cache, "code_version", lambda: "another-one")
    with CaptureQueriesContext(connection) as drawn:
        selectors.dashboard_html(user, filters)
    assert len(kept.captured_queries) <= 3 < 10 < len(drawn.captured_queries)


def test_the_code_version_is_the_release_when_one_is_named(settings):
    cache.code_version.cache_clear()
    try:
        settings.RELEASE = "4f2a9c1"
        assert cache.code_version() == "4f2a9c1"
        settings.RELEASE = ""
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
        digest = cache.code_version.__wrapped__()
        assert len(digest) == 12 and digest == cache.code_version.__wrapped__()
    finally:
        cache.code_version.cache_clear()


def test_a_new_record_computes_the_figures_afresh(city):
    user = city.users["bappeda"]
    filters = filters_for(user)
    attendance = "Kehadiran (orang-hari)"
    before = _total(selectors.dashboard(user, filters).table("peserta"), attendance)
    _four_more_on_p6(city)
    after = _total(selectors.dashboard(user, filters).table("peserta"), attendance)
    assert after == before + 4


def test_scopes_do_not_share_an_entry(city):
    camat_a, camat_b = city.users["camat_a"], city.users["camat_b"]
    assert cache.scope_of(camat_a) != cache.scope_of(camat_b)
    assert cache.scope_of(city.users["bappeda"]) == cache.scope_of(city.users["inspektorat"])
    a = selectors.dashboard(camat_a, filters_for(camat_a)).table("corong")
    b = selectors.dashboard(camat_b, filters_for(camat_b)).table("corong")
    assert {r[0].value for r in a.rows} == {"Kelurahan A1", "Kelurahan A2"}
    assert {r[0].value for r in b.rows} == {"Kelurahan B1"}


def test_a_change_in_the_open_year_keeps_the_closed_years_cached(
    city, django_assert_max_num_queries
):
    from bangkit.services import audit_record
    from dashboards import summary

    summary.build_year(city.years[2025])
    user = city.users["bappeda"]
    closed = filters_for(user, tahun=2025)
    both = filters_for(user)
    selectors.dashboard(user, closed)
    attendance = "Kehadiran (orang-hari)"
    before = _total(selectors.dashboard(user, both).table("peserta"), attendance)
    _four_more_on_p6(city)
    audit_record(actor=user, action="work_day_record", obj=city.p[6])
    with django_assert_max_num_queries(3):  # still cached: the summarized years, version, row
        selectors.dashboard(user, closed)
    with CaptureQueriesContext(connection) as counted:
        again = selectors.dashboard(user, both)  # the open year changed: computed afresh
    assert len(counted.captured_queries) > 10
    assert _total(again.table("peserta"), attendance) == before + 4


def _total(table, header: str):
    return table.total[table.headers.index(header)].value
