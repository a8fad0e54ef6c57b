"""The summary rows follow the records: built when a year closes, removed when it reopens,
marked stale at once and rebuilt when a record of a closed year changes (a late payment
shows on the next request)."""

import pytest
from django.db import transaction
from django.test import override_settings

from bangkit.models import FiscalYear
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
