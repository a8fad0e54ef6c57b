"""`seed_demo --years N` on PostgreSQL outside a transaction: each year is made while a thread
writes the one before (demo.seeders.decade._YearInThread). These tests commit, so they cannot
share test_decade's module, whose fixture holds one transaction open for all its tests."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

from bangkit.models import AuditEvent
from demo.seeders import decade
from procurement.models import Payment
from proposals.models import MusrenbangEntry, Proposal
from tests.demo.test_decade import SCALE, YEARS, seed, sizes

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the thread writes only on PostgreSQL (elsewhere ids come from the insert)",
)


def _digest() -> dict:
    """What the generator wrote, without the ids (sequences do not roll back)."""
    return {
        **sizes(),
        "codes": sorted(Proposal.objects.values_list("code", "state", "designated_budget")),
        "paid": Payment.objects.aggregate(total=Sum("amount"))["total"],
        "audit": sorted(AuditEvent.objects.values_list("action", "summary", "created_at")),
    }


@pytest.mark.django_db(transaction=True)
def test_each_year_written_by_a_thread_while_the_next_is_made(monkeypatch):
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    with transaction.atomic():  # inside a transaction: written inline, then undone
        seed()
        inline = _digest()
        transaction.set_rollback(True)
    threads = []
    real = decade._YearInThread.__init__

    def counted(self, year, writes, counts):
        threads.append(year)
        real(self, year, writes, counts)

    monkeypatch.setattr(decade._YearInThread, "__init__", counted)
    output = seed()
    assert threads == YEARS
    assert "2 tahun ditulis" in output
    assert _digest() == inline


@pytest.mark.django_db(transaction=True)
def test_a_year_whose_writing_fails_is_not_written_and_a_rerun_writes_it(monkeypatch):
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    real, started = decade._no_waiting_commit, []

    def fails_second(*args):
        started.append(1)
        if len(started) == 2:
            raise RuntimeError("server gone")
        real(*args)

    monkeypatch.setattr(decade, "_no_waiting_commit", fails_second)
    with pytest.raises(RuntimeError, match="server gone"):
        seed()
    first, second = YEARS
    assert MusrenbangEntry.objects.filter(year=first).count() == round(6000 * SCALE)
    assert not MusrenbangEntry.objects.filter(year=second).exists()
    assert not Proposal.objects.filter(fiscal_year__year=second).exists()
    monkeypatch.setattr(decade, "_no_waiting_commit", real)
    output = seed()
    assert f"Sudah ada, dilewati: {first}." in output
    assert Proposal.objects.filter(fiscal_year__year=second).count() == round(1500 * SCALE)
