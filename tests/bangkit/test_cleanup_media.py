"""`manage.py cleanup_media`: files no record points to are listed, and removed on request."""

import io
import os
import time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from bangkit.management.commands import cleanup_media
from bangkit.models import Role
from proposals.models import Attachment, Proposal
from tests import factories

HOUR = 3600


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


@pytest.fixture
def media(settings):
    root = settings.MEDIA_ROOT

    def put(name: str, *, hours_old: float, content: bytes = b"isi") -> str:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        then = time.time() - hours_old * HOUR
        os.utime(path, (then, then))
        return name

    return put


def attachment(proposal, name: str) -> Attachment:
    """A row naming a file already in storage."""
    return Attachment.objects.create(
        proposal=proposal,
        kind="proposal_letter",
        file=name,
        original_name="surat.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        uploaded_by=factories.make_user(Role.RT, proposal.rt),
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command("cleanup_media", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def mixed(proposal, media):
    """A referenced file, an old and a fresh orphan, an old and a fresh import preview."""
    referenced = media(f"proposals/{proposal.code}/proposal_letter/surat.pdf", hours_old=48)
    attachment(proposal, referenced)
    return {
        "referenced": referenced,
        "orphan": media("reporting/7/foto/asli-abc.jpg", hours_old=3, content=b"x" * 2048),
        "fresh": media("reporting/7/foto/asli-baru.jpg", hours_old=0.1),
        "old_preview": media("django-import-export/0f3a9c", hours_old=30),
        "fresh_preview": media("django-import-export/77b1e2", hours_old=2),
    }


def test_it_lists_unreferenced_files_and_abandoned_previews_and_deletes_nothing(mixed, media_files):
    before = media_files()

    output = run()

    assert "tidak dirujuk: reporting/7/foto/asli-abc.jpg (2.048 bita, " in output
    assert "pratinjau impor terbengkalai: django-import-export/0f3a9c (3 bita, " in output
    for kept in ("referenced", "fresh", "fresh_preview"):
        assert mixed[kept] not in output
    assert (
        "Berkas diperiksa: 5; dirujuk: 1; tidak dirujuk: 1; pratinjau impor terbengkalai: 1; "
        "terlalu baru, dibiarkan: 2." in output
    )
    assert "Jalankan lagi dengan --delete untuk menghapusnya." in output
    assert media_files() == before


def test_delete_removes_them_and_keeps_referenced_and_recent_files(mixed, media_files):
    output = run("--delete")

    assert "Dihapus: 2." in output
    assert media_files() == {mixed["referenced"], mixed["fresh"], mixed["fresh_preview"]}
    assert "Berkas diperiksa: 3; dirujuk: 1; tidak dirujuk: 0;" in run("--delete")


def test_the_grace_period_and_preview_age_can_be_set(mixed, media_files):
    run("--delete", "--grace-minutes", "0", "--preview-hours", "1")

    assert media_files() == {mixed["referenced"]}


def test_a_file_only_a_history_row_names_is_kept(proposal, media, media_files):
    name = media(f"proposals/{proposal.code}/proposal_letter/lama.pdf", hours_old=48)
    row = attachment(proposal, name)
    row.delete()  # the history keeps its name: the audit may still ask for it

    assert "Dihapus: 0." in run("--delete")
    assert media_files() == {name}


def test_a_file_referenced_since_the_scan_is_never_deleted(
    proposal, media, media_files, monkeypatch
):
    name = media(f"proposals/{proposal.code}/proposal_letter/surat.pdf", hours_old=48)
    attachment(proposal, name)
    real = cleanup_media.Command._areas

    def stale_scan(self):  # as if the row had been committed after the references were read
        areas = real(self)
        for area in areas.values():
            area.referenced.clear()
        return areas

    monkeypatch.setattr(cleanup_media.Command, "_areas", stale_scan)

    output = run("--delete")

    assert f"tidak dirujuk: {name}" in output and "Dihapus: 0." in output
    assert media_files() == {name}


def test_references_to_missing_files_are_counted(proposal, media_files):
    attachment(proposal, "proposals/hilang.pdf")

    output = run()

    assert "Dirujuk tetapi berkasnya tidak ada: 1." in output
    assert media_files() == set()


def test_an_upload_stored_through_the_field_is_referenced(proposal, media_files):
    row = Attachment.objects.create(
        proposal=proposal,
        kind="proposal_letter",
        file=ContentFile(b"isi", name="surat.pdf"),
        original_name="surat.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        uploaded_by=factories.make_user(Role.RT, proposal.rt),
    )

    output = run("--delete", "--grace-minutes", "0")

    assert "Berkas diperiksa: 1; dirujuk: 1;" in output
    assert media_files() == {row.file.name}
