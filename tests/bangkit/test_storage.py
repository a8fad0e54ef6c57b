"""Stored files live and die with the transaction that saved them (bangkit.storage)."""

import errno
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from bangkit import storage
from bangkit.errors import ActionRefused
from bangkit.models import Role
from proposals.models import Attachment, Proposal
from tests import factories


@pytest.fixture
def proposal(db):
    rt = factories.RTFactory(households=80)
    return Proposal.objects.create(
        fiscal_year=factories.FiscalYearFactory(),
        rt=rt,
        kelurahan=rt.kelurahan,
        title="Rabat beton gang Kenanga",
        work_type=factories.WorkTypeFactory(),
        location_description="Gang Kenanga",
        planned_volume=Decimal("100"),
        planned_width=Decimal("1.2"),
    )


def attach(proposal, name="surat.pdf", content=b"isi berkas") -> Attachment:
    """What an upload service does: store the file, then save the row that names it."""
    attachment = Attachment(
        proposal=proposal,
        kind="proposal_letter",
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=factories.make_user(Role.RT, proposal.rt),
    )
    storage.save_file(attachment.file, name, ContentFile(content, name=name))
    attachment.save()
    return attachment


class Boom(Exception):
    pass


def test_a_file_saved_in_a_block_that_fails_is_deleted_with_its_row(proposal, media_files):
    with pytest.raises(Boom), storage.atomic():
        attachment = attach(proposal)
        assert media_files() == {attachment.file.name}
        raise Boom

    assert media_files() == set()
    assert not Attachment.objects.exists()


def test_a_failed_inner_block_loses_its_file_while_the_outer_block_keeps_its_own(
    proposal, media_files
):
    with storage.atomic():
        kept = attach(proposal, "surat.pdf")
        with pytest.raises(Boom), storage.atomic():
            attach(proposal, "lain.pdf")
            raise Boom

    assert media_files() == {kept.file.name}
    assert list(Attachment.objects.values_list("file", flat=True)) == [kept.file.name]


def test_a_plain_outer_transaction_that_rolls_back_is_swept_when_the_request_ends(
    proposal, media_files, client
):
    with pytest.raises(Boom), transaction.atomic():
        with storage.atomic():
            attach(proposal)
        raise Boom

    assert len(media_files()) == 1  # the service's block committed its savepoint
    client.get("/tidak-ada/")  # any request: the sweep runs when it finishes

    assert media_files() == set()


def test_a_plain_outer_rollback_is_also_swept_before_the_next_save(proposal, media_files):
    with pytest.raises(Boom), transaction.atomic():
        attach(proposal, "gagal.pdf")
        raise Boom

    with storage.atomic():
        kept = attach(proposal, "berhasil.pdf")

    assert media_files() == {kept.file.name}


def test_a_file_a_row_names_is_never_deleted_even_if_its_commit_hook_was_lost(
    proposal, media_files
):
    with storage.atomic():
        attachment = attach(proposal)
    # As if another on_commit hook before ours had failed: ours is gone, the row is there.
    connection.run_on_commit = []

    assert storage.sweep() == 0
    assert media_files() == {attachment.file.name}


def test_the_sweep_waits_while_the_database_cannot_answer(proposal, media_files, monkeypatch):
    with pytest.raises(Boom), transaction.atomic():
        attach(proposal)
        raise Boom

    def unreachable(self):
        raise DatabaseError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(storage._Saved, "referenced", unreachable)
        assert storage.sweep() == 0
    assert len(media_files()) == 1

    assert storage.sweep() == 1
    assert media_files() == set()


@pytest.mark.django_db(transaction=True)
def test_a_file_whose_commit_fails_is_deleted(proposal, media_files, commit_fails):
    with pytest.raises(DatabaseError), commit_fails(), storage.atomic():
        attach(proposal)

    assert media_files() == set()
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_file_stays_and_is_forgotten(proposal, media_files):
    with storage.atomic():
        attachment = attach(proposal)

    assert media_files() == {attachment.file.name}
    assert storage._pending() == []
    assert Attachment.objects.get().file.name == attachment.file.name


def test_the_stored_name_goes_through_upload_to_and_the_row_points_to_it(proposal):
    with storage.atomic():
        attachment = attach(proposal, "surat.pdf", b"isi surat")

    assert attachment.file.name == f"proposals/{proposal.code}/proposal_letter/surat.pdf"
    with default_storage.open(Attachment.objects.get().file.name) as stored:
        assert stored.read() == b"isi surat"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "ruang penyimpanan berkas di server penuh"),
        (errno.EROFS, "penyimpanan berkas di server sedang tidak dapat ditulisi (hanya-baca)"),
        (errno.EACCES, "penyimpanan berkas di server sedang tidak dapat ditulisi (hanya-baca)"),
        (errno.EIO, "penyimpanan berkas di server sedang bermasalah"),
    ],
)
def test_a_refused_write_is_an_indonesian_refusal_and_leaves_no_partial_file(
    proposal, media_files, media_fails, code, reason
):
    media_fails(code)

    with pytest.raises(storage.StorageUnavailable) as info, storage.atomic():
        attach(proposal, "surat-permohonan.pdf")

    assert isinstance(info.value, ActionRefused)
    assert info.value.message == (
        f"Berkas 'surat-permohonan.pdf' tidak dapat disimpan: {reason}. Tidak ada yang diubah; "
        "coba lagi nanti atau hubungi admin aplikasi."
    )
    assert media_files() == set()
    assert not Attachment.objects.exists()


def test_a_full_disk_on_the_second_file_takes_the_first_one_back(
    proposal, media_files, media_fails
):
    media_fails(errno.ENOSPC, after=1)

    with pytest.raises(storage.StorageUnavailable), storage.atomic():
        attach(proposal, "satu.pdf")
        attach(proposal, "dua.pdf")

    assert media_files() == set()


def test_delete_on_commit_keeps_the_file_on_rollback_and_deletes_it_on_commit(
    proposal, media_files, django_capture_on_commit_callbacks
):
    with storage.atomic():
        attachment = attach(proposal)
    with pytest.raises(Boom), transaction.atomic():
        storage.delete_on_commit(attachment.file)
        raise Boom
    assert media_files() == {attachment.file.name}

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        storage.delete_on_commit(attachment.file)

    assert media_files() == set()


def test_a_failed_delete_after_commit_is_logged_not_raised(
    proposal, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    with storage.atomic():
        attachment = attach(proposal)

    def read_only(name):
        raise OSError(errno.EROFS, "Read-only file system", name)

    monkeypatch.setattr(default_storage, "delete", read_only)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        storage.delete_on_commit(attachment.file)

    assert "Could not delete" in caplog.text
