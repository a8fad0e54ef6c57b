"""PostgreSQL lost in the middle of a request: the submission, the decree issue and the upload
each leave no half-written record and no orphan file, show a clear Indonesian 503 page, and
the next attempt goes through.

The fault is real: just before the service writes its audit row (its last write, after the
state changed and the file was stored), another connection ends this request's backend with
`pg_terminate_backend`, as a restart of PostgreSQL does to every open connection.
"""

import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from bangkit import views
from bangkit.models import AuditEvent, Role
from proposals.models import Attachment, Proposal
from proposals.states import State
from tests import factories
from tests.factories.lifecycle import DecreeFactory, ProposalFactory, actor_for
from verification.models import Decree

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend"),
    pytest.mark.django_db(transaction=True),
]


def _other_connection():
    params = connection.settings_dict
    other = psycopg2.connect(
        dbname=params["NAME"],
        user=params["USER"],
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        password=params.get("PASSWORD") or None,
    )
    other.autocommit = True
    return other


def terminate_this_backend():
    """End the backend of Django's connection from another one, and wait until it is gone."""
    pid = connection.connection.info.backend_pid
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.05)
    finally:
        other.close()


@pytest.fixture
def database_drops_before_the_audit_row(monkeypatch):
    """`with database_drops_before_the_audit_row():` the first audit row of the block meets a
    terminated backend."""

    @contextmanager
    def dropping():
        real = AuditEvent.save
        fired = []

        def save(self, *args, **kwargs):
            if not fired:
                fired.append(True)
                terminate_this_backend()
            return real(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(AuditEvent, "save", save)
            yield
        assert fired, "no audit row was written"

    return dropping


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_clear_503(response):
    assert response.status_code == 503
    html = response.content.decode()
    assert "Server basis data sedang tidak dapat dihubungi" in html
    assert "Tidak ada data yang tersimpan setengah jalan" in html
    assert response["Retry-After"] == "30"


def test_a_submission_when_the_database_drops_saves_nothing_then_goes_through(
    database_drops_before_the_audit_row,
):
    proposal = ProposalFactory(state=State.DRAFT)
    client = signed_in(actor_for(Role.RT, proposal.rt))
    url = reverse("proposals:action", args=[proposal.code])
    data = {"action": "submit", "expected_state": "draft", "confirm": "1"}
    logs, audits = proposal.transitions.count(), AuditEvent.objects.count()

    with database_drops_before_the_audit_row():
        response = client.post(url, data)

    assert_clear_503(response)
    proposal.refresh_from_db()
    assert proposal.state == State.DRAFT
    assert proposal.transitions.count() == logs
    assert AuditEvent.objects.count() == audits

    again = client.post(url, data)
    assert again.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED


def test_an_upload_when_the_database_drops_keeps_no_file_then_goes_through(
    database_drops_before_the_audit_row, media_files
):
    proposal = ProposalFactory(state=State.DRAFT)
    client = signed_in(actor_for(Role.RT, proposal.rt))
    url = reverse("proposals:attachment_upload", args=[proposal.code])
    before_files, before_rows = media_files(), Attachment.objects.count()

    def post():
        letter = SimpleUploadedFile("surat.pdf", factories.pdf_bytes(), "application/pdf")
        return client.post(url, {"kind": "proposal_letter", "files": [letter]})

    with database_drops_before_the_audit_row():
        response = post()

    assert_clear_503(response)
    assert Attachment.objects.count() == before_rows
    assert media_files() == before_files  # the stored PDF went with its rolled-back row

    assert post().status_code == 302
    assert Attachment.objects.count() == before_rows + 1
    assert len(media_files() - before_files) == 1


def test_a_decree_issue_when_the_database_drops_leaves_the_draft_then_issues(
    database_drops_before_the_audit_row, media_files
):
    proposal = ProposalFactory(state=State.KECAMATAN_VERIFIED)
    decree = DecreeFactory(proposals=[proposal], issued=False)
    client = signed_in(actor_for(Role.KECAMATAN, proposal.kelurahan.kecamatan))
    url = reverse("verification:decree_issue", args=[decree.public_id])
    before_files = media_files()

    with database_drops_before_the_audit_row():
        response = client.post(url, {"confirm": "1"})

    assert_clear_503(response)
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT
    assert not decree.number
    assert Proposal.objects.get(pk=proposal.pk).state == State.KECAMATAN_VERIFIED
    assert media_files() == before_files  # no PDF of an SK that was never issued

    assert client.post(url, {"confirm": "1"}).status_code == 302
    decree.refresh_from_db()
    assert decree.number
    assert Proposal.objects.get(pk=proposal.pk).state == State.DESIGNATED
    assert len(media_files() - before_files) >= 1


def test_a_closed_connection_is_a_503_too_and_other_errors_stay_500():
    request = RequestFactory().get("/usulan/")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        assert_clear_503(views.server_error(request))
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        response = views.server_error(request)
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in response.content.decode()
