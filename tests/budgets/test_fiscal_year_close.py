"""Closing and reopening a budget year: who may (Bappeda and administrators), from which
state, what is written (the status, an audit row), and what is refused (in Indonesian,
nothing changed)."""

import pytest

from bangkit.errors import ActionRefused
from bangkit.models import AuditEvent, FiscalYear, Role
from budgets import rules
from budgets.services import fiscal_year_close, fiscal_year_reopen
from tests import factories

CLOSERS = {"bappeda", "admin"}


@pytest.fixture
def users(db):
    kec = factories.KecamatanFactory(code="99.74.01", name="Kecamatan Tutup", slug="tutup-a")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan Tutup", slug="tutup-a1")
    mk = factories.make_user
    return {
        "bappeda": mk(Role.BAPPEDA, username="bappeda-tutup"),
        "admin": mk(Role.ADMIN, username="admin-tutup"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat-tutup"),
        "camat": mk(Role.KECAMATAN, kec, username="camat-tutup"),
        "lurah": mk(Role.KELURAHAN, kel, username="lurah-tutup"),
    }


def _year(status=FiscalYear.Status.EXECUTION):
    return factories.FiscalYearFactory(year=2024, status=status)


@pytest.mark.parametrize("who", ["bappeda", "admin", "inspektorat", "camat", "lurah"])
def test_only_bappeda_and_administrators_close_a_year(users, who):
    assert rules.may_close_fiscal_year(users[who]) is (who in CLOSERS)
    year = _year()
    if who in CLOSERS:
        fiscal_year_close(actor=users[who], fiscal_year=year)
        year.refresh_from_db()
        assert year.status == FiscalYear.Status.CLOSED
        event = AuditEvent.objects.get(action="fiscal_year_close")
        assert event.actor == users[who]
        assert event.data == {"year": 2024, "from": "execution", "to": "closed"}
    else:
        with pytest.raises(ActionRefused, match="Hanya Bappeda atau administrator"):
            fiscal_year_close(actor=users[who], fiscal_year=year)
        year.refresh_from_db()
        assert year.status == FiscalYear.Status.EXECUTION
        assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "status, message",
    [
        (FiscalYear.Status.CLOSED, "Tahun anggaran 2024 sudah ditutup."),
        (FiscalYear.Status.PLANNING, "berstatus Persiapan: hanya tahun yang berstatus Pelaksanaan"),
        (FiscalYear.Status.OPEN, "berstatus Pengajuan usulan dibuka"),
        (FiscalYear.Status.VERIFICATION, "berstatus Verifikasi"),
    ],
)
def test_a_year_closes_only_from_its_execution(users, status, message):
    year = _year(status)
    with pytest.raises(ActionRefused, match=message):
        fiscal_year_close(actor=users["bappeda"], fiscal_year=year)
    year.refresh_from_db()
    assert year.status == status
    assert not AuditEvent.objects.exists()


def test_a_closed_year_reopens_with_a_reason(users):
    year = _year(FiscalYear.Status.CLOSED)
    with pytest.raises(ActionRefused, match="Alasan membuka kembali tahun anggaran wajib diisi."):
        fiscal_year_reopen(actor=users["bappeda"], fiscal_year=year, reason="  ")
    with pytest.raises(ActionRefused, match="Hanya Bappeda atau administrator"):
        fiscal_year_reopen(actor=users["inspektorat"], fiscal_year=year, reason="koreksi")
    fiscal_year_reopen(actor=users["bappeda"], fiscal_year=year, reason="Koreksi pembayaran toko")
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.EXECUTION
    event = AuditEvent.objects.get(action="fiscal_year_reopen")
    assert "Koreksi pembayaran toko" in event.summary
    with pytest.raises(ActionRefused, match="Tahun anggaran 2024 belum ditutup."):
        fiscal_year_reopen(actor=users["bappeda"], fiscal_year=year, reason="lagi")


def test_bappeda_closes_and_reopens_on_the_envelope_page(client, users):
    year = _year()
    client.force_login(users["bappeda"])
    page = client.get("/verifikasi/prioritas/pagu/", {"tahun": 2024}).content.decode()
    assert "Tutup tahun anggaran 2024" in page
    response = client.post("/verifikasi/prioritas/pagu/tahun/2024/tutup/", follow=True)
    assert "Tahun anggaran 2024 ditutup." in response.content.decode()
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.CLOSED
    response = client.post("/verifikasi/prioritas/pagu/tahun/2024/buka/", follow=True)
    assert "Alasan membuka kembali tahun anggaran wajib diisi." in response.content.decode()
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.CLOSED
    client.post("/verifikasi/prioritas/pagu/tahun/2024/buka/", {"alasan": "Koreksi"})
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.EXECUTION
    assert client.post("/verifikasi/prioritas/pagu/tahun/2024/hapus/").status_code == 404


@pytest.mark.parametrize("who", ["inspektorat", "camat"])
def test_others_get_a_404_and_nothing_changes(client, users, who):
    year = _year()
    client.force_login(users[who])
    assert client.post("/verifikasi/prioritas/pagu/tahun/2024/tutup/").status_code == 404
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.EXECUTION


def test_the_command_closes_and_reopens_as_the_given_account(users):
    from django.core.management import CommandError, call_command

    year = _year()
    call_command("close_fiscal_year", "2024", "--user", "bappeda-tutup")
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.CLOSED
    with pytest.raises(CommandError, match="Alasan membuka kembali tahun anggaran wajib diisi."):
        call_command("close_fiscal_year", "2024", "--user", "bappeda-tutup", "--reopen")
    with pytest.raises(CommandError, match="Hanya Bappeda atau administrator"):
        call_command(
            "close_fiscal_year", "2024", "--user", "camat-tutup", "--reopen", "--reason", "x"
        )
    with pytest.raises(CommandError, match="Tahun anggaran 1999 tidak ada."):
        call_command("close_fiscal_year", "1999", "--user", "bappeda-tutup")
    call_command(
        "close_fiscal_year", "2024", "--user", "admin-tutup", "--reopen", "--reason", "Koreksi"
    )
    year.refresh_from_db()
    assert year.status == FiscalYear.Status.EXECUTION
