"""Read queries of the proposal screens: scope, filters, counts, queues, documents."""

from decimal import Decimal

import pytest
from django.http import Http404

from bangkit.models import FiscalYear, Role
from proposals import selectors
from proposals.models import State, TransitionLog
from proposals.selectors import ProposalFilters
from tests.proposals.test_views import build_site, make_entry, make_proposal


@pytest.fixture
def site(db):
    return build_site()


def codes(qs):
    return {p.code for p in qs}


def test_list_is_scoped_and_carries_the_rab_total(site):
    mine = make_proposal(site)
    theirs = make_proposal(site, rt=site.rt2)

    rt_list = selectors.proposal_list(user=site.users["rt1"], filters=ProposalFilters())
    lurah_list = selectors.proposal_list(user=site.users["lurah"], filters=ProposalFilters())
    other_lurah = selectors.proposal_list(user=site.users["lurah_2"], filters=ProposalFilters())

    assert codes(rt_list) == {mine.code}
    assert codes(lurah_list) == {mine.code, theirs.code}
    assert codes(other_lurah) == set()
    assert rt_list[0].rab_sum == 7_500_000


def test_state_counts_ignore_the_state_filter_but_keep_the_others(site):
    make_proposal(site, State.SUBMITTED, complete=False, title="Gang Anggrek")
    make_proposal(site, State.SUBMITTED, complete=False, title="Gang Bougenvil")
    make_proposal(site, State.DRAFT, complete=False, title="Gang Anggrek dua")

    counts = selectors.proposal_state_counts(
        user=site.users["lurah"], filters=ProposalFilters(state=State.SUBMITTED, q="anggrek")
    )

    by_state = {value: n for value, _, n in counts}
    assert by_state[State.SUBMITTED] == 1
    assert by_state[State.DRAFT] == 1
    assert by_state[State.REJECTED] == 0
    assert [value for value, _, _ in counts] == list(State.values)


def test_queues_by_role(site):
    assert selectors.queue_state_for(site.users["lurah"]) == State.SUBMITTED
    assert selectors.queue_state_for(site.users["camat"]) == State.KELURAHAN_VERIFIED
    assert selectors.queue_state_for(site.users["rt1"]) == ""
    assert selectors.queue_state_for(site.users["bappeda"]) == ""


def test_kelurahan_filter_is_for_kecamatan_and_the_city(site):
    assert selectors.sees_kelurahan_filter(site.users["camat"])
    assert selectors.sees_kelurahan_filter(site.users["inspektorat"])
    assert not selectors.sees_kelurahan_filter(site.users["lurah"])
    assert not selectors.sees_kelurahan_filter(site.users["rt1"])
    camat_choices = selectors.filter_choices(site.users["camat"])
    assert {k.pk for k in camat_choices["kelurahan"]} == {site.kelurahan.pk, site.kelurahan_2.pk}
    assert selectors.filter_choices(site.users["lurah"])["kelurahan"] == []
    assert site.fiscal_year.year in selectors.filter_choices(site.users["lurah"])["years"]


def test_musrenbang_entries_are_the_rts_own_of_open_years_with_support_and_live_proposal(site):
    free = make_entry(site)
    free.supports.create(nik_hash="a" * 64, nik_last4="0001")
    taken = make_entry(site)
    make_proposal(site, entry=taken, complete=False)
    cancelled = make_entry(site)
    make_proposal(site, State.CANCELLED, entry=cancelled, complete=False)
    make_entry(site, rt=site.rt2)
    FiscalYear.objects.create(year=2020, status=FiscalYear.Status.CLOSED)
    make_entry(site, year=2020)

    entries = {e.pk: e for e in selectors.musrenbang_entries_for(site.users["rt1"])}

    assert set(entries) == {free.pk, taken.pk, cancelled.pk}
    assert entries[free.pk].support_count == 1
    assert entries[free.pk].live_code is None
    assert entries[taken.pk].live_code == taken.proposals.get().code
    assert entries[cancelled.pk].live_code is None  # a cancelled proposal frees the entry


def test_detail_is_404_out_of_scope(site):
    proposal = make_proposal(site)

    assert selectors.proposal_detail(user=site.users["camat"], code=proposal.code) == proposal
    with pytest.raises(Http404):
        selectors.proposal_detail(user=site.users["rt2"], code=proposal.code)
    with pytest.raises(Http404):
        selectors.proposal_detail(user=site.users["camat_lain"], code=proposal.code)


def test_attachment_for_needs_the_right_proposal_and_scope(site):
    proposal = make_proposal(site)
    other = make_proposal(site, rt=site.rt2)
    attachment = proposal.attachments.first()

    found = selectors.attachment_for(user=site.users["lurah"], code=proposal.code, pk=attachment.pk)
    assert found == attachment
    for user, code, pk in [
        (site.users["rt2"], proposal.code, attachment.pk),
        (site.users["lurah"], other.code, attachment.pk),
        (site.users["lurah"], proposal.code, "abc"),
    ]:
        with pytest.raises(Http404):
            selectors.attachment_for(user=user, code=code, pk=pk)


def test_document_progress_counts_each_required_kind(site):
    proposal = make_proposal(site)
    proposal.attachments.filter(kind="site_photo").first().delete()
    proposal = selectors.proposal_detail(user=site.users["rt1"], code=proposal.code)

    rows = {row.kind: row for row in selectors.document_progress(proposal)}

    assert (rows["site_photo"].count, rows["site_photo"].min_count) == (1, 2)
    assert not rows["site_photo"].complete
    assert rows["proposal_letter"].complete
    assert rows["other"].min_count == 0


def test_pending_return_is_the_last_step_only_while_a_draft(site):
    proposal = make_proposal(site)
    camat = site.users["camat"]
    TransitionLog.objects.create(
        proposal=proposal,
        transition="return_for_revision",
        from_state=State.KELURAHAN_VERIFIED,
        to_state=State.DRAFT,
        actor=camat,
        note="Foto kurang jelas.",
    )
    loaded = selectors.proposal_detail(user=site.users["rt1"], code=proposal.code)
    assert selectors.pending_return(loaded).note == "Foto kurang jelas."

    TransitionLog.objects.create(
        proposal=proposal,
        transition="submit",
        from_state=State.DRAFT,
        to_state=State.SUBMITTED,
        actor=site.users["rt1"],
    )
    loaded = selectors.proposal_detail(user=site.users["rt1"], code=proposal.code)
    assert selectors.pending_return(loaded) is None


def test_checklist_for_a_verification_is_that_stages_items(site):
    proposal = selectors.proposal_detail(
        user=site.users["lurah"], code=make_proposal(site, State.SUBMITTED).code
    )

    assert [i.text for i in selectors.checklist_for(proposal, "verify_kelurahan")] == [
        "Butir kelurahan 1",
        "Butir kelurahan 2",
    ]
    assert selectors.checklist_for(proposal, "reject") == []


def test_entry_support_count(site):
    entry = make_entry(site)
    entry.supports.create(nik_hash="b" * 64, nik_last4="0002")
    with_entry = make_proposal(site, entry=entry, complete=False)
    without = make_proposal(site, complete=False, planned_volume=Decimal("3"))

    assert selectors.entry_support_count(with_entry) == 1
    assert selectors.entry_support_count(without) is None
    assert site.users["rt1"].role == Role.RT


def test_the_list_and_its_filters_read_no_boundary_and_the_latest_step_is_indexed(world):
    from proposals.models import TransitionLog

    kelurahan = selectors.filter_choices(world.users["bappeda"])["kelurahan"]

    assert kelurahan and all("boundary" in k.get_deferred_fields() for k in kelurahan)
    assert all("boundary" in k.kecamatan.get_deferred_fields() for k in kelurahan)
    # with_last_step reads each row's latest step through this index (ten years of logs: a
    # city-wide list page took 2–4 s without it).
    index = {i.name: i.fields for i in TransitionLog._meta.indexes}
    assert index["transition_latest_per_proposal"] == ["proposal", "-created_at", "-id"]
