"""The summary rows follow the records: built when a year closes, removed when it reopens,
marked stale at once and rebuilt when a record of a closed year changes (a late payment
shows on the next request)."""

import pytest
from django.db import transaction
from django.test import override_settings

from bangkit.models import FiscalYear, Kecamatan
from bangkit.services import audit_record
from budgets.services import fiscal_year_close, fiscal_year_reopen
from dashboards import figures, selectors, tasks
from dashboards.models import ProposalSummary, YearSummary
from procurement.models import Payment
from proposals.models import MusrenbangEntry, Proposal
from reporting.models import WorkDay
from tests.dashboards.helpers import filters_for

pytestmark = pytest.mark.usefixtures("city")


@pytest.fixture(autouse=True)
def rebuild_on_change(settings):
    settings.DASHBOARD_SUMMARY_ON_CHANGE = True


def test_the_year_of_a_record_is_found_through_its_foreign_keys():
    assert tasks.year_path(FiscalYear) == "year"
    assert tasks.year_path(Proposal) == "fiscal_year__year"
    assert tasks.year_path(MusrenbangEntry) == "year"
    assert tasks.year_path(WorkDay) == "proposal__fiscal_year__year"
    assert tasks.year_path(Payment) is not None and tasks.year_path(Payment).endswith("__year")


def test_closing_builds_the_summary_and_reopening_removes_it(
    city, django_capture_on_commit_callbacks
):
    FiscalYear.objects.filter(year=2026).update(status=FiscalYear.Status.EXECUTION)
    with django_capture_on_commit_callbacks(execute=True):
        fiscal_year_close(actor=city.users["bappeda"], fiscal_year=city.years[2026])
    built = YearSummary.objects.get(fiscal_year__year=2026)
    assert (built.stale, built.proposals) == (False, 3)
    assert 2026 in figures.with_summaries(filters_for(city.users["bappeda"])).summarized
    with django_capture_on_commit_callbacks(execute=True):
        fiscal_year_reopen(
            actor=city.users["bappeda"], fiscal_year=city.years[2026], reason="Koreksi"
        )
    assert not YearSummary.objects.filter(fiscal_year__year=2026).exists()
    assert not ProposalSummary.objects.filter(fiscal_year__year=2026).exists()


def test_a_late_payment_of_a_closed_year_shows(city, django_capture_on_commit_callbacks):
    tasks.build_summary.call(2025)
    user = city.users["bappeda"]
    before = selectors.dashboard(user, filters_for(user, tahun=2025)).table("uang").total[6]
    assert before.value == 25_000_000
    p2 = city.p[2]  # 20 jt delivered, 15 jt paid: the shop is paid the rest
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Proposal.objects.filter(pk=p2.pk).update(paid_amount=20_000_000)
        audit_record(actor=user, action="payment_record", obj=p2, summary="Pembayaran susulan")
    summary = YearSummary.objects.get(fiscal_year__year=2025)
    assert summary.stale is False  # rebuilt by the task (run at once in the tests)
    assert ProposalSummary.objects.get(proposal=p2).paid_amount == 20_000_000
    after = selectors.dashboard(user, filters_for(user, tahun=2025)).table("uang").total[6]
    assert after.value == 30_000_000


@override_settings(DASHBOARD_SUMMARY_ON_CHANGE=False)
def test_without_the_receiver_nothing_is_rebuilt(city, django_capture_on_commit_callbacks):
    tasks.build_summary.call(2025)
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=city.users["bappeda"], action="payment_record", obj=city.p[4])
    assert YearSummary.objects.get(fiscal_year__year=2025).stale is False


def test_a_rebuild_draws_the_closed_views_into_the_cache(
    city, client, django_assert_max_num_queries
):
    """After a build, the last closed year, the closed range and each kecamatan's range are
    drawn: Bappeda's first request for them reads the page from the cache."""
    tasks.build_summary.call(2025)
    user = city.users["bappeda"]
    views = tasks.warm_views(user)
    # the test city's only closed year is 2025: the year and the range are the same
    assert [(f.year_from, f.year_to, f.kecamatan) for f in views[:2]] == [(2025, 2025, None)] * 2
    assert {(f.year_from, f.year_to) for f in views[2:]} == {(2025, 2025)}
    assert {f.kecamatan for f in views[2:]} == set(Kecamatan.objects.all())
    client.force_login(user)
    # the session and user, the filters' look-ups, the summarized years, the version and
    # the cache entry, the form's choices: no figure is computed
    with django_assert_max_num_queries(12) as drawn:
        page = client.get("/dasbor/?tahun=2025")
    assert page.status_code == 200
    assert not any("dashboards_proposalsummary" in q["sql"] for q in drawn.captured_queries)
    assert "Corong usulan" in page.content.decode()


def test_warming_without_a_bappeda_account_draws_nothing(city):
    from bangkit.models import User

    User.objects.filter(role="bappeda").update(is_active=False)
    assert tasks.warm_dashboards() == 0
