"""Carry-over: unfunded entries of a closed year go into the next with their support and a link
to their first year, once; the figures count a carried chain once, in its last year."""

import pytest

from bangkit.errors import ActionRefused
from bangkit.models import AuditEvent, FiscalYear, Role
from dashboards import figures
from proposals.carry_over import CarryFilter, entries_carry_over
from proposals.models import CitizenSupport, EntryOrigin, MusrenbangEntry
from tests import factories
from tests.dashboards.helpers import filters_for


@pytest.fixture
def years(db):
    closed = factories.FiscalYearFactory(year=2025, status=FiscalYear.Status.CLOSED)
    following = factories.FiscalYearFactory(year=2026, status=FiscalYear.Status.OPEN)
    return closed, following


@pytest.fixture
def bappeda(db):
    return factories.make_user(Role.BAPPEDA, username="bappeda")


@pytest.fixture
def rt(db):
    return factories.RTFactory()


def entry(rt, source_id, *, year=2025, **fields):
    return MusrenbangEntry.objects.create(
        year=year,
        source_id=source_id,
        kelurahan=rt.kelurahan,
        rt=rt,
        title=fields.pop("title", f"Usulan {source_id}"),
        **fields,
    )


def test_unfunded_entries_are_carried_with_support_and_a_link_to_their_first_year(
    years, bappeda, rt
):
    waiting = entry(rt, "MR-1", origin=EntryOrigin.RESIDENT, first_year=2025)
    CitizenSupport.objects.create(
        entry=waiting, nik_hash="a" * 64, nik_last4="0001", nik_region="157101"
    )
    CitizenSupport.objects.create(entry=waiting, nik_hash="b" * 64, nik_last4="0002")
    funded = entry(rt, "MR-2")
    with factories.lifecycle._year_not_closed(years[0]):
        factories.ProposalFactory(rt=rt, fiscal_year=years[0], entry=funded, state="designated")

    outcome = entries_carry_over(year=2025, actor=bappeda)

    assert (outcome.carried, outcome.supports) == (1, 2)
    carried = MusrenbangEntry.objects.get(year=2026)
    assert carried.carried_from == waiting and carried.first_year == 2025
    assert carried.source_id == "MR-1" and carried.origin == EntryOrigin.RESIDENT
    assert sorted(carried.supports.values_list("nik_last4", "nik_region")) == [
        ("0001", "157101"),
        ("0002", ""),
    ]
    # History: the new row's first record says where it came from; the old keeps its own.
    assert carried.history.get().history_change_reason == "Dibawa dari tahun 2025"
    assert waiting.history.exists()
    assert AuditEvent.objects.get(action="musrenbang_carry_over").data["carried"] == 1


def test_running_it_again_carries_nothing_twice(years, bappeda, rt):
    entry(rt, "MR-1")
    entries_carry_over(year=2025, actor=bappeda)

    assert entries_carry_over(year=2025, actor=bappeda).carried == 0
    assert MusrenbangEntry.objects.filter(year=2026).count() == 1


def test_an_entry_already_imported_next_year_is_linked_not_doubled(years, bappeda, rt):
    old = entry(rt, "MR-1")
    twin = entry(rt, "MR-1", year=2026)

    outcome = entries_carry_over(year=2025, actor=bappeda)

    assert (outcome.carried, outcome.already_there) == (0, 1)
    twin.refresh_from_db()
    assert twin.carried_from == old


def test_the_filter_takes_an_area_and_a_work_type(years, bappeda, rt):
    road = factories.WorkTypeFactory()
    drain = factories.WorkTypeFactory(code="drainase-uji", name="Drainase uji")
    entry(rt, "MR-1", work_type=road)
    entry(rt, "MR-2", work_type=drain)
    entry(factories.RTFactory(), "MR-3", work_type=road)

    entries_carry_over(
        year=2025, actor=bappeda, chosen=CarryFilter(kelurahan=rt.kelurahan, work_type=road)
    )

    assert list(MusrenbangEntry.objects.filter(year=2026).values_list("source_id", flat=True)) == [
        "MR-1"
    ]


def test_only_bappeda_carries_and_only_from_a_closed_year(years, bappeda, rt):
    entry(rt, "MR-1")
    lurah = factories.make_user(Role.KELURAHAN, rt.kelurahan)
    with pytest.raises(ActionRefused, match="Hanya Bappeda"):
        entries_carry_over(year=2025, actor=lurah)
    with pytest.raises(ActionRefused, match="belum ditutup"):
        entries_carry_over(year=2026, actor=bappeda)
    assert not MusrenbangEntry.objects.filter(year=2026).exists()


def test_the_funnel_counts_a_carried_chain_once_in_its_last_year(years, bappeda, rt):
    entry(rt, "MR-1")
    entry(rt, "MR-2")
    entries_carry_over(year=2025, actor=bappeda)

    counted = figures.entries(bappeda, filters_for(bappeda))

    assert sorted(counted.values_list("year", "source_id")) == [(2026, "MR-1"), (2026, "MR-2")]
    assert MusrenbangEntry.objects.count() == 4
