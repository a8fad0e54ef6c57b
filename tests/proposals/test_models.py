"""What the database itself guarantees: one live proposal per entry, RAB checks, history."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from PIL import Image

from proposals import services
from proposals.models import Attachment, Proposal, RABLine, TransitionLog
from proposals.services import RABInput
from tests.proposals.conftest import new_logs


def png_upload(name="foto.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 110, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- One live proposal per Musrenbang entry ---------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected", "deferred"])
def test_the_database_refuses_a_second_live_proposal_for_an_entry(make_proposal, make_entry, state):
    entry = make_entry()
    make_proposal(state, entry=entry)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_proposal("draft", entry=entry, documents=None, rab=None, orm=True)


def test_a_cancelled_proposal_frees_its_entry(make_proposal, make_entry):
    entry = make_entry()
    make_proposal("cancelled", entry=entry)
    make_proposal("cancelled", entry=entry)

    live = make_proposal("draft", entry=entry)

    assert entry.proposals.count() == 3
    assert entry.proposals.exclude(state="cancelled").get() == live


def test_proposals_without_an_entry_do_not_collide(make_proposal):
    # ORM rows: a proposal made through the services always has its entry.
    make_proposal("draft", orm=True)
    make_proposal("draft", orm=True)

    assert Proposal.objects.filter(entry__isnull=True).count() == 2


# --- RAB check constraints --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [(Decimal("0"), 75_000), (Decimal("-1"), 75_000), (Decimal("1"), 0), (Decimal("1"), -5)],
)
def test_the_database_refuses_a_rab_line_without_quantity_or_price(
    make_proposal, quantity, unit_price
):
    proposal = make_proposal("draft", rab=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        RABLine.objects.create(
            proposal=proposal,
            material="Semen",
            unit="sak",
            quantity=quantity,
            unit_price=unit_price,
        )


def test_an_update_that_bypasses_save_is_still_checked(make_proposal):
    proposal = make_proposal("draft")

    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.rab_lines.update(quantity=0)


def test_model_validation_names_the_bad_rab_fields(make_proposal):
    proposal = make_proposal("draft", rab=None)
    line = RABLine(proposal=proposal, material="Semen", unit="sak", quantity=0, unit_price=0)

    with pytest.raises(ValidationError) as info:
        line.full_clean()

    assert {"quantity", "unit_price"} <= set(info.value.message_dict)


# --- Procurement's figures on the proposal ------------------------------------------------------


@pytest.mark.parametrize(
    ("ordered", "delivered", "paid"),
    [(1_000, 2_000, 0), (5_000, 1_000, 1_001), (0, 0, -1)],
)
def test_the_database_refuses_paying_more_than_arrived_or_receiving_more_than_ordered(
    make_proposal, ordered, delivered, paid
):
    proposal = make_proposal("in_progress", designated_budget=10_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            ordered_amount=ordered, delivered_amount=delivered, paid_amount=paid
        )


def test_saving_a_proposal_read_earlier_never_writes_back_old_procurement_figures(
    make_proposal,
):
    proposal = make_proposal("procurement", designated_budget=10_000_000)
    stale = Proposal.objects.get(pk=proposal.pk)
    # Meanwhile procurement's services store what was ordered, delivered and paid.
    Proposal.objects.filter(pk=proposal.pk).update(
        ordered_amount=7_500_000, delivered_amount=3_000_000, paid_amount=2_000_000
    )

    stale.title = "Rabat beton gang Mawar"
    stale.save()

    fresh = Proposal.objects.get(pk=proposal.pk)
    assert fresh.title == "Rabat beton gang Mawar"
    assert (fresh.ordered_amount, fresh.delivered_amount, fresh.paid_amount) == (
        7_500_000,
        3_000_000,
        2_000_000,
    )


# --- The transition log cannot be changed ------------------------------------------------------


def test_a_transition_log_row_cannot_be_changed_or_deleted(world, make_proposal):
    proposal = make_proposal("draft")
    services.proposal_transition(proposal=proposal, actor=world.users["rt_own"], action="submit")
    log = new_logs(proposal).get(proposal=proposal)

    log.note = "diubah diam-diam"
    with pytest.raises(ValidationError, match="tidak dapat diubah"):
        log.save()
    with pytest.raises(ValidationError, match="tidak dapat dihapus"):
        log.delete()
    # Nor does the log vanish with its proposal: the proposal cannot be deleted at all.
    with pytest.raises(ProtectedError):
        Proposal.objects.get(pk=proposal.pk).delete()

    assert TransitionLog.objects.get(pk=log.pk).note == ""


# --- History of every change -------------------------------------------------------------------


def test_history_records_each_change_of_a_proposal(world, make_proposal):
    proposal = make_proposal("draft")
    before = proposal.history.count()

    services.proposal_update(
        proposal=proposal, actor=world.users["rt_own"], data={"title": "Rabat beton gang Mawar"}
    )
    services.proposal_update(
        proposal=proposal, actor=world.users["rt_own"], data={"planned_volume": Decimal("90")}
    )

    assert proposal.history.count() == before + 2
    latest = proposal.history.first()
    assert (latest.title, latest.planned_volume) == ("Rabat beton gang Mawar", Decimal("90"))
    assert proposal.history.last().title == "Rabat beton gang Kenanga"


def test_history_keeps_rab_lines_and_attachments(world, make_proposal):
    proposal = make_proposal("draft", rab=[("Lama", "buah", Decimal("1"), 1_000)])
    old_line = proposal.rab_lines.get()
    rt_user = world.users["rt_own"]

    services.proposal_update(
        proposal=proposal,
        actor=rt_user,
        data={},
        rab_lines=[RABInput("Semen 50 kg", "sak", Decimal("10"), 75_000)],
    )
    attachment = services.attachment_add(
        proposal=proposal, actor=rt_user, kind="site_photo", upload=png_upload()
    )
    attachment_id = attachment.pk
    services.attachment_remove(attachment=attachment, actor=rt_user)

    new_line = proposal.rab_lines.get()
    assert RABLine.history.filter(id=old_line.pk, history_type="-").exists()
    added = RABLine.history.get(id=new_line.pk, history_type="+")
    assert (added.material, added.line_total, added.history_user) == (
        "Semen 50 kg",
        750_000,
        rt_user,
    )
    assert list(
        Attachment.history.filter(id=attachment_id).values_list("history_type", flat=True)
    ) == ["-", "+"]
    assert not Attachment.objects.filter(pk=attachment_id).exists()
