"""Proposal services: guards of each transition, RAB totals, creating from Musrenbang, editing."""

import errno
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, transaction
from django.forms import modelform_factory

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import AuditEvent, FiscalYear
from proposals import services
from proposals.codes import code_check
from proposals.models import Attachment, Proposal, RABLine, State, TransitionLog
from proposals.services import RABInput
from tests import factories
from tests.proposals.conftest import checklist_for, new_audits, new_logs

REASON = "Lahan belum ada surat hibah dari pemilik."


def refused(**kwargs) -> ActionRefused:
    with pytest.raises(ActionRefused) as info:
        services.proposal_transition(**kwargs)
    return info.value


def assert_unchanged(proposal, state):
    assert Proposal.objects.get(pk=proposal.pk).state == state
    assert not new_logs(proposal).filter(proposal=proposal).exists()
    assert not new_audits(proposal).exists()


# --- Submission guards -------------------------------------------------------------------


def test_submission_is_refused_with_every_problem_listed(world, make_proposal):
    # Given a draft with no documents, no RAB, in a closed year, of a work type not funded
    proposal = make_proposal("draft", documents=None, rab=None)
    fy = world.fiscal_year
    fy.status = FiscalYear.Status.CLOSED
    fy.save()
    fy.work_types.remove(world.work_type)

    # When the Ketua RT submits
    error = refused(proposal=proposal, actor=world.users["rt_own"], action="submit")

    # Then every problem is named, in words the Ketua RT can act on, and nothing moved
    assert error.message == "Usulan belum dapat diajukan."
    documents = [p for p in error.problems if p.startswith("Dokumen belum lengkap")]
    assert len(documents) == 3
    assert any("minimal 2, ada 0" in p for p in documents)  # two site photos
    assert "RAB belum diisi." in error.problems
    assert f"Pengajuan usulan tahun {fy.year} tidak sedang dibuka." in error.problems
    assert any("tidak didanai tahun ini" in p for p in error.problems)
    assert_unchanged(proposal, "draft")


def test_one_site_photo_of_two_is_not_enough(world, make_proposal):
    proposal = make_proposal(
        "draft", documents={"proposal_letter": 1, "site_photo": 1, "attendance": 1}
    )

    error = refused(proposal=proposal, actor=world.users["rt_own"], action="submit")

    assert error.problems == [
        "Dokumen belum lengkap: Foto lokasi 0% (minimal 2, ada 1)",
    ]


@pytest.mark.parametrize(
    ("households", "ceiling"),
    [
        (35, 50_000_000),
        (50, 50_000_000),
        (59, 50_000_000),
        (60, 70_000_000),
        (80, 70_000_000),
        (99, 70_000_000),
        (100, 100_000_000),
        (120, 100_000_000),
    ],
)
def test_the_rab_ceiling_follows_the_tier_of_the_rt(world, make_proposal, households, ceiling):
    world.rt.households = households
    world.rt.save()
    at_ceiling = make_proposal("draft", rab=[("Semen 50 kg", "sak", Decimal("1"), ceiling)])
    over = make_proposal("draft", rab=[("Semen 50 kg", "sak", Decimal("1"), ceiling + 1)])
    rt_user = world.users["rt_own"]

    error = refused(proposal=over, actor=rt_user, action="submit")
    services.proposal_transition(proposal=at_ceiling, actor=rt_user, action="submit")

    expected = f"Total RAB Rp {ceiling + 1:,} melebihi pagu Rp {ceiling:,}.".replace(",", ".")
    assert error.problems == [expected]
    assert Proposal.objects.get(pk=over.pk).state == "draft"
    assert Proposal.objects.get(pk=at_ceiling.pk).state == "submitted"


def test_the_years_single_ceiling_overrides_the_tiers(world, make_proposal):
    # Given a year with one ceiling for every location, and a large RT (tier: Rp 100 juta)
    world.fiscal_year.ceiling_amount = 30_000_000
    world.fiscal_year.save()
    world.rt.households = 120
    world.rt.save()
    over = make_proposal("draft", rab=[("Semen 50 kg", "sak", Decimal("400"), 75_001)])
    fits = make_proposal("draft", rab=[("Semen 50 kg", "sak", Decimal("400"), 75_000)])

    error = refused(proposal=over, actor=world.users["rt_own"], action="submit")
    services.proposal_transition(proposal=fits, actor=world.users["rt_own"], action="submit")

    assert error.problems == ["Total RAB Rp 30.000.400 melebihi pagu Rp 30.000.000."]
    assert Proposal.objects.get(pk=fits.pk).state == "submitted"


def test_a_year_without_a_matching_tier_refuses_submission(world, make_proposal):
    world.fiscal_year.ceiling_tiers.filter(min_households=60).delete()
    proposal = make_proposal("draft")  # RT of 80 households: no tier left

    error = refused(proposal=proposal, actor=world.users["rt_own"], action="submit")

    assert error.problems == ["Pagu untuk RT ini belum diatur pada tahun anggaran ini."]


def test_an_rt_with_unknown_households_takes_no_tier_until_they_are_entered(world, make_proposal):
    # An RT registered by a Musrenbang import: its households are not known.
    world.rt.households = None
    world.rt.save()
    proposal = make_proposal("draft")

    error = refused(proposal=proposal, actor=world.users["rt_own"], action="submit")

    assert proposal.ceiling is None  # not the lowest tier
    assert error.problems == [
        "Jumlah KK RT 01 belum diisi, jadi pagu per jumlah KK belum dapat ditentukan: minta "
        "kelurahan atau Bappeda mengisinya di data RT."
    ]
    world.rt.households = 80
    world.rt.save()
    services.proposal_transition(proposal=proposal, actor=world.users["rt_own"], action="submit")
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"


def test_a_years_single_ceiling_needs_no_households(world, make_proposal):
    world.fiscal_year.ceiling_amount = 30_000_000
    world.fiscal_year.save()
    world.rt.households = None
    world.rt.save()

    assert make_proposal("draft").ceiling == 30_000_000


def test_a_proposal_grows_from_an_entry_of_an_rt_with_unknown_households(world, make_entry):
    world.rt.households = None
    world.rt.save()

    proposal = services.proposal_create_from_entry(
        entry=make_entry(), actor=world.users["rt_own"], planned_width=Decimal("1.2")
    )

    assert proposal.households_benefiting == 0


def test_a_complete_draft_is_submitted_without_a_note(world, make_proposal):
    proposal = make_proposal("draft")

    services.proposal_transition(proposal=proposal, actor=world.users["rt_own"], action="submit")

    log = new_logs(proposal).get(proposal=proposal)
    assert (log.from_state, log.to_state, log.note) == ("draft", "submitted", "")


# --- Reasons, checklists, ceilings at verification -----------------------------------------

DECISIONS_NEEDING_A_REASON = [
    ("return_for_revision", "submitted", "kelurahan_own"),
    ("reject", "submitted", "kelurahan_own"),
    ("return_for_revision", "kelurahan_verified", "kecamatan_own"),
    ("reject", "kelurahan_verified", "kecamatan_own"),
    ("defer", "kecamatan_verified", "kecamatan_own"),
    ("cancel", "draft", "rt_own"),
    ("cancel", "submitted", "kelurahan_own"),
]


@pytest.mark.parametrize(("action", "state", "role"), DECISIONS_NEEDING_A_REASON)
@pytest.mark.parametrize("note", ["", "     ", "Tidak ada", "   Tidak ada   "])
def test_a_decision_needs_a_reason_of_at_least_ten_characters(
    world, make_proposal, action, state, role, note
):
    proposal = make_proposal(state)

    error = refused(proposal=proposal, actor=world.users[role], action=action, note=note)

    assert "alasan" in error.message
    assert_unchanged(proposal, state)


@pytest.mark.parametrize(("action", "state", "role"), DECISIONS_NEEDING_A_REASON)
def test_ten_characters_are_a_reason_enough(world, make_proposal, action, state, role):
    proposal = make_proposal(state)

    services.proposal_transition(
        proposal=proposal, actor=world.users[role], action=action, note="  Tidak ada.  "
    )

    assert new_logs(proposal).get(proposal=proposal).note == "Tidak ada."


@pytest.mark.parametrize(
    ("action", "state", "role", "stage"),
    [
        ("verify_kelurahan", "submitted", "kelurahan_own", "kelurahan"),
        ("verify_kecamatan", "kelurahan_verified", "kecamatan_own", "kecamatan"),
    ],
)
def test_verification_needs_every_checklist_item_ticked(
    world, make_proposal, action, state, role, stage
):
    proposal = make_proposal(state)
    items = list(world.fiscal_year.checklist_items.filter(stage=stage))
    actor = world.users[role]

    nothing = refused(proposal=proposal, actor=actor, action=action)
    one_false = refused(
        proposal=proposal,
        actor=actor,
        action=action,
        checklist={str(items[0].pk): True, str(items[1].pk): False},
    )
    # Ticks for another stage's items do not count.
    other_stage = world.fiscal_year.checklist_items.exclude(stage=stage)
    wrong_items = refused(
        proposal=proposal,
        actor=actor,
        action=action,
        checklist={str(pk): True for pk in other_stage.values_list("pk", flat=True)},
    )

    assert "Daftar periksa belum lengkap" in nothing.message
    assert nothing.problems == [item.text for item in items]
    assert one_false.problems == [items[1].text]
    assert wrong_items.problems == [item.text for item in items]
    assert_unchanged(proposal, state)


def test_the_kecamatan_cannot_verify_a_proposal_over_the_ceiling(world, make_proposal):
    # Given a proposal verified by the kelurahan whose RT turns out smaller than declared
    proposal = make_proposal(
        "kelurahan_verified", rab=[("Besi beton 10 mm", "batang", Decimal("600"), 95_000)]
    )
    world.rt.households = 45  # Rp 57 juta is over the Rp 50 juta tier
    world.rt.save()

    error = refused(
        proposal=proposal,
        actor=world.users["kecamatan_own"],
        action="verify_kecamatan",
        checklist=checklist_for(proposal, "kecamatan"),
    )

    assert "melebihi pagu" in error.message
    assert_unchanged(proposal, "kelurahan_verified")


def test_a_decision_on_a_stale_page_names_who_decided_first(world, make_proposal):
    # Given two kelurahan staff open the same submitted proposal; one verifies it
    proposal = make_proposal("submitted")
    seen_by_colleague = Proposal.objects.get(pk=proposal.pk)
    services.proposal_transition(
        proposal=proposal,
        actor=world.users["kelurahan_own"],
        action="verify_kelurahan",
        checklist=checklist_for(proposal, "kelurahan"),
    )

    # When a colleague rejects from the page they loaded before
    error = refused(
        proposal=seen_by_colleague, actor=world.users["kelurahan_own"], action="reject", note=REASON
    )

    # Then they are told who already decided, and nothing else is written
    assert "sudah diproses oleh Sri Lubis" in error.message
    assert new_logs(proposal).filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).state == "kelurahan_verified"


def test_an_unknown_action_is_refused(world, make_proposal):
    proposal = make_proposal("draft")

    error = refused(proposal=proposal, actor=world.users["rt_own"], action="designate")

    assert error.message == "Tindakan tidak dikenal."


# --- RAB: totals are computed, never typed --------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_price", "total"),
    [
        ("2.5", 75_000, 187_500),
        ("0.33", 25_000, 8_250),
        ("1.25", 3, 4),  # 3.75 → 4
        ("0.01", 50, 1),  # 0.50 → 1: half rounds up
        ("0.01", 149, 1),  # 1.49 → 1
        ("0.01", 150, 2),  # 1.50 → 2
        ("0.01", 250, 3),  # 2.50 → 3, not to the even 2
    ],
)
def test_a_rab_line_total_is_quantity_times_price_rounded_half_up(quantity, unit_price, total):
    line = RABLine(material="Semen", unit="sak", quantity=Decimal(quantity), unit_price=unit_price)

    assert line.compute_total() == total


def test_the_rab_is_saved_with_computed_totals_and_audited(world, make_proposal):
    proposal = make_proposal("draft", rab=[("Lama", "buah", Decimal("1"), 1_000)])

    services.proposal_update(
        proposal=proposal,
        actor=world.users["rt_own"],
        data={},
        rab_lines=[
            RABInput("Semen 50 kg", "sak", Decimal("2.5"), 75_000),
            RABInput("Pasir cor", "m³", Decimal("3"), 250_000),
        ],
    )

    lines = list(proposal.rab_lines.values_list("material", "line_total"))
    assert lines == [("Semen 50 kg", 187_500), ("Pasir cor", 750_000)]
    assert Proposal.objects.get(pk=proposal.pk).rab_total == 937_500
    assert Proposal.objects.with_rab_total().get(pk=proposal.pk).rab_total == 937_500
    audit = new_audits(proposal).get(action="proposal_update")
    assert audit.data["rab"] == "2 baris, total 937500"


def test_a_catalogue_line_keeps_its_reference_price_and_a_free_line_is_marked_free(
    world, make_proposal
):
    proposal = make_proposal("draft", rab=None)

    services.proposal_update(
        proposal=proposal,
        actor=world.users["rt_own"],
        data={},
        rab_lines=[
            RABInput("Semen Portland 50 kg", "sak", Decimal("10"), 78_000, True, 75_000),
            RABInput("Terpal", "lembar", Decimal("2"), 90_000, False, 12_345),
        ],
    )

    marks = list(proposal.rab_lines.values_list("material", "from_catalogue", "reference_price"))
    assert marks == [("Semen Portland 50 kg", True, 75_000), ("Terpal", False, None)]
    assert AuditEvent.objects.get(action="proposal_update").data["rab_from_catalogue"] == 1


def test_a_form_without_the_catalogue_keeps_the_mark_of_an_unchanged_line(world, make_proposal):
    """The full edit form does not show the catalogue: saving it keeps what the guided flow
    picked, and a line renamed there becomes a free line."""
    proposal = make_proposal("draft", rab=None)
    actor = world.users["rt_own"]
    services.proposal_update(
        proposal=proposal,
        actor=actor,
        data={},
        rab_lines=[
            RABInput("Semen Portland 50 kg", "sak", Decimal("10"), 75_000, True, 75_000),
            RABInput("Pasir cor", "m³", Decimal("2"), 260_000, True, 260_000),
        ],
    )

    services.proposal_update(
        proposal=proposal,
        actor=actor,
        data={},
        rab_lines=[
            RABInput("Semen Portland 50 kg", "sak", Decimal("12"), 76_000),
            RABInput("Pasir cor halus", "m³", Decimal("2"), 260_000),
        ],
    )

    marks = list(
        proposal.rab_lines.values_list("material", "quantity", "from_catalogue", "reference_price")
    )
    assert marks == [
        ("Semen Portland 50 kg", Decimal("12"), True, 75_000),
        ("Pasir cor halus", Decimal("2"), False, None),
    ]


def test_a_typed_line_total_is_ignored(world, make_proposal):
    proposal = make_proposal("draft", rab=None)
    form_class = modelform_factory(RABLine, fields="__all__")

    line = RABLine(
        proposal=proposal,
        material="Semen",
        unit="sak",
        quantity=Decimal("2"),
        unit_price=75_000,
        line_total=1,
    )
    line.save()

    assert RABLine._meta.get_field("line_total").editable is False
    assert "line_total" not in form_class.base_fields
    assert RABLine.objects.get(pk=line.pk).line_total == 150_000


def test_an_invalid_rab_line_saves_nothing(world, make_proposal):
    proposal = make_proposal("draft")

    with pytest.raises(ValidationError):
        services.proposal_update(
            proposal=proposal,
            actor=world.users["rt_own"],
            data={"title": "Judul baru"},
            rab_lines=[RABInput("Semen", "sak", Decimal("0"), 75_000)],
        )

    assert Proposal.objects.get(pk=proposal.pk).title == "Rabat beton gang Kenanga"
    assert proposal.rab_lines.count() == 2
    assert not new_audits(proposal).exists()


# --- Editing and creating ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "state", "error"),
    [
        ("rt_own", "submitted", ActionRefused),
        ("kelurahan_own", "draft", ActionRefused),
        ("bappeda", "draft", ActionRefused),
        ("rt_other", "draft", NotInScope),
        ("kecamatan_other", "draft", NotInScope),
    ],
)
def test_only_the_rt_edits_and_only_a_draft(world, make_proposal, role, state, error):
    proposal = make_proposal(state)

    with pytest.raises(error):
        services.proposal_update(
            proposal=proposal, actor=world.users[role], data={"title": "Diubah"}
        )

    assert Proposal.objects.get(pk=proposal.pk).title == "Rabat beton gang Kenanga"


def test_a_proposal_grows_from_a_musrenbang_entry(world, make_entry):
    entry = make_entry()
    rt_user = world.users["rt_own"]

    proposal = services.proposal_create_from_entry(
        entry=entry, actor=rt_user, planned_width=Decimal("1.2")
    )

    assert (proposal.state, proposal.rt, proposal.kelurahan) == ("draft", world.rt, world.kelurahan)
    assert (proposal.title, proposal.planned_volume) == (entry.title, Decimal("100"))
    assert proposal.households_benefiting == world.rt.households
    assert proposal.code.startswith(f"BB-{world.fiscal_year.year}-")
    log = TransitionLog.objects.get(proposal=proposal)
    assert (log.transition, log.from_state, log.to_state, log.actor) == (
        "create",
        "musrenbang",
        "draft",
        rt_user,
    )
    assert AuditEvent.objects.filter(action="proposal_create", object_id=str(proposal.pk)).exists()


def test_an_entry_has_one_live_proposal_until_it_is_cancelled(world, make_entry):
    entry = make_entry()
    rt_user = world.users["rt_own"]
    first = services.proposal_create_from_entry(
        entry=entry, actor=rt_user, planned_width=Decimal("1.2")
    )

    with pytest.raises(ActionRefused, match="sudah memiliki usulan"):
        services.proposal_create_from_entry(entry=entry, actor=rt_user, planned_width=Decimal("1"))
    services.proposal_transition(proposal=first, actor=rt_user, action="cancel", note=REASON)
    second = services.proposal_create_from_entry(
        entry=entry, actor=rt_user, planned_width=Decimal("1.2")
    )

    assert second.pk != first.pk
    assert list(entry.proposals.order_by("id").values_list("state", flat=True)) == [
        State.CANCELLED,
        State.DRAFT,
    ]


def test_a_tracking_code_already_taken_is_drawn_again(
    world, make_proposal, make_entry, monkeypatch
):
    taken = make_proposal("draft").code
    fresh = "BB-2026-7KQ2-MX" + code_check(2026, "7KQ2MX")
    draws = iter([taken, fresh])
    monkeypatch.setattr(services, "new_tracking_code", lambda year: next(draws))

    proposal = services.proposal_create_from_entry(
        entry=make_entry(), actor=world.users["rt_own"], planned_width=Decimal("1.2")
    )

    assert proposal.code == fresh


def test_only_the_entrys_own_rt_starts_a_proposal(world, make_entry):
    entry = make_entry()

    for role in ("rt_other", "kelurahan_own", "bappeda"):
        with pytest.raises(NotInScope):
            services.proposal_create_from_entry(entry=entry, actor=world.users[role])


def test_no_proposal_when_the_year_is_not_open_or_the_work_type_unknown(world, make_entry):
    no_type = make_entry(work_type=None, work_type_text="Lampu jalan")
    rt_user = world.users["rt_own"]

    with pytest.raises(ActionRefused, match="jenis kegiatan"):
        services.proposal_create_from_entry(entry=no_type, actor=rt_user)
    world.fiscal_year.status = FiscalYear.Status.VERIFICATION
    world.fiscal_year.save()
    with pytest.raises(ActionRefused, match="tidak sedang dibuka"):
        services.proposal_create_from_entry(
            entry=make_entry(), actor=rt_user, planned_width=Decimal("1")
        )
    assert not Proposal.objects.exists()


# --- Attachments: stored files live and die with their rows --------------------------------


def letter(name="surat-permohonan.pdf"):
    return SimpleUploadedFile(name, factories.pdf_bytes(), content_type="application/pdf")


@pytest.mark.django_db(transaction=True)
def test_an_attachment_whose_commit_fails_leaves_no_file(
    world, make_proposal, media_files, commit_fails
):
    proposal = make_proposal(documents={})

    with pytest.raises(OperationalError), commit_fails():
        services.attachment_add(
            proposal=proposal, actor=world.users["rt_own"], kind="proposal_letter", upload=letter()
        )

    assert media_files() == set()
    assert not Attachment.objects.exists()


def test_an_attachment_rolled_back_after_the_service_ran_leaves_no_file(
    world, make_proposal, media_files
):
    proposal = make_proposal(documents={})

    with pytest.raises(RuntimeError), storage.atomic():
        services.attachment_add(
            proposal=proposal, actor=world.users["rt_own"], kind="proposal_letter", upload=letter()
        )
        assert len(media_files()) == 1
        raise RuntimeError("the caller's transaction fails afterwards")

    assert media_files() == set()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "ruang penyimpanan berkas di server penuh"),
        (errno.EROFS, "penyimpanan berkas di server sedang tidak dapat ditulisi (hanya-baca)"),
    ],
)
def test_an_attachment_on_a_full_or_read_only_disk_is_refused_and_leaves_no_file(
    world, make_proposal, media_files, media_fails, code, reason
):
    proposal = make_proposal(documents={})
    media_fails(code)

    with pytest.raises(ActionRefused) as info:
        services.attachment_add(
            proposal=proposal, actor=world.users["rt_own"], kind="proposal_letter", upload=letter()
        )

    assert info.value.message.startswith(
        f"Berkas 'surat-permohonan.pdf' tidak dapat disimpan: {reason}."
    )
    assert media_files() == set()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment_add").exists()


def test_a_removed_attachment_keeps_its_file_until_the_removal_commits(
    world, make_proposal, media_files, django_capture_on_commit_callbacks
):
    proposal = make_proposal(documents={})
    rt_user = world.users["rt_own"]
    attachment = services.attachment_add(
        proposal=proposal, actor=rt_user, kind="proposal_letter", upload=letter()
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        services.attachment_remove(attachment=Attachment.objects.get(), actor=rt_user)
        raise RuntimeError("rolled back")
    assert media_files() == {attachment.file.name}

    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=Attachment.objects.get(), actor=rt_user)
    assert media_files() == set()
