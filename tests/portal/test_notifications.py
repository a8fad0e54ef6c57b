"""E-mail on each stage change: the Ketua RT and confirmed followers, once, after commit."""

import datetime
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bangkit.models import Role
from portal import notifications
from portal.notifications import Follower, Notification
from proposals.models import State, TransitionLog
from tests.factories import ProposalFactory
from tests.factories.lifecycle import actor_for, advance

RT_EMAIL = "ketua.rt03@contoh.id"
CITIZEN = "warga.pengikut@contoh.id"


@pytest.fixture(autouse=True)
def _clean(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    cache.clear()  # the follow form's rate counts
    yield
    cache.clear()


@pytest.fixture
def draft(db):
    proposal = ProposalFactory()
    rt_user = actor_for(Role.RT, proposal.rt)
    rt_user.email = RT_EMAIL
    rt_user.save(update_fields=["email"])
    mail.outbox.clear()
    return proposal


def _last_log(proposal):
    return TransitionLog.objects.filter(proposal=proposal).order_by("-id").first()


def test_the_ketua_rt_gets_one_mail_per_change_only_after_commit(
    draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submitted = advance(draft, State.SUBMITTED)
        # Inside the transaction nothing has gone out yet.
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [RT_EMAIL]
    assert message.subject == f"Usulan {draft.code}: Diajukan ke kelurahan"
    assert "Ketua RT pengusul" in message.body
    assert f"https://bangkit.jambikota.go.id/lacak/{draft.code}/" in message.body
    # No unsubscribe for the proposer, and nothing of the actor.
    assert "List-Unsubscribe" not in message.extra_headers
    assert "penguji" not in message.body.lower()

    with django_capture_on_commit_callbacks(execute=True):
        advance(submitted, State.KELURAHAN_VERIFIED)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == f"Usulan {draft.code}: Diverifikasi kelurahan"
    assert Notification.objects.filter(proposal=draft, sent_at__isnull=False).count() == 2


def test_a_change_that_rolls_back_sends_nothing(draft, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        advance(draft, State.SUBMITTED)
        raise RuntimeError("something later in the same action failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not TransitionLog.objects.filter(proposal=draft, to_state=State.SUBMITTED).exists()


def test_one_change_is_never_mailed_twice(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    log = _last_log(draft)
    assert len(mail.outbox) == 1
    # The task run again (a retry, a second worker, a duplicate enqueue): nothing more.
    assert notifications.send_stage_notices.call(log.pk) == 0
    notifications.send_stage_notices.enqueue(log.pk)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(transition_log=log).count() == 1


def test_a_failed_send_is_retried_and_does_not_block_the_action(
    draft, django_capture_on_commit_callbacks, monkeypatch
):
    real_send = notifications.EmailMessage.send
    calls = []

    def flaky_send(message, *args, **kwargs):
        calls.append(message.to)
        if len(calls) == 1:
            raise ConnectionRefusedError("server mail sedang mati")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(notifications.EmailMessage, "send", flaky_send)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = advance(draft, State.SUBMITTED)
    # The action went through; the send was tried again (at once: the test backend cannot
    # defer) and went out once.
    assert submitted.state == State.SUBMITTED
    assert len(calls) == 2
    assert len(mail.outbox) == 1
    row = Notification.objects.get(transition_log=_last_log(draft))
    assert row.attempts == 2 and row.sent_at is not None and row.last_error == ""


def test_a_send_that_keeps_failing_gives_up_after_the_last_attempt(
    draft, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(message, *args, **kwargs):
        raise OSError("tidak ada jaringan")

    monkeypatch.setattr(notifications.EmailMessage, "send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    row = Notification.objects.get(transition_log=_last_log(draft))
    assert row.sent_at is None
    assert row.attempts == notifications.MAX_ATTEMPTS
    assert "tidak ada jaringan" in row.last_error


def test_nothing_is_enqueued_when_nobody_is_to_be_told(
    draft, django_capture_on_commit_callbacks, monkeypatch
):
    get_user_model().objects.filter(email=RT_EMAIL).update(email="")
    enqueued = []

    class Recorder:
        enqueue = staticmethod(enqueued.append)

    monkeypatch.setattr(notifications, "send_stage_notices", Recorder)
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    assert enqueued == []
    assert mail.outbox == []


def _follow(client, proposal, email, capture):
    with capture(execute=True):
        return client.post(
            reverse("notify:follow", kwargs={"code": proposal.code}), {"email": email}
        )


def test_the_tracking_page_offers_to_follow(client, draft):
    page = client.get(reverse("public:track_detail", kwargs={"code": draft.code}))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("notify:follow", kwargs={"code": draft.code}) in html
    assert 'name="email"' in html and 'type="email"' in html


def test_opt_in_confirm_and_unsubscribe(client, draft, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    answer = _follow(client, draft, "  Warga.Pengikut@Contoh.ID ", capture)
    assert answer.status_code == 302
    follower = Follower.objects.get(proposal=draft)
    assert follower.email == CITIZEN and follower.confirmed_at is None
    assert "tautan konfirmasi" in client.get(answer.url).content.decode()
    # The double opt-in mail, and nothing else until it is confirmed.
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert confirmation.to == [CITIZEN]
    assert confirmation.subject == f"Konfirmasi: ikuti usulan {draft.code}"
    confirm_path = reverse("notify:confirm", kwargs={"token": follower.token})
    assert f"https://bangkit.jambikota.go.id{confirm_path}" in confirmation.body

    with capture(execute=True):
        submitted = advance(draft, State.SUBMITTED)
    assert [m.to for m in mail.outbox[1:]] == [[RT_EMAIL]]

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Ya, ikuti usulan ini" in page.content.decode()
    follower.refresh_from_db()
    assert follower.confirmed_at is None
    page = client.post(confirm_path)
    assert "sudah terkonfirmasi" in page.content.decode()
    follower.refresh_from_db()
    assert follower.confirmed_at is not None

    mail.outbox.clear()
    with capture(execute=True):
        verified = advance(submitted, State.KELURAHAN_VERIFIED)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([CITIZEN, RT_EMAIL])
    to_citizen = next(m for m in mail.outbox if m.to == [CITIZEN])
    unsubscribe_path = reverse("notify:unsubscribe", kwargs={"token": follower.token})
    unsubscribe_url = f"https://bangkit.jambikota.go.id{unsubscribe_path}"
    assert unsubscribe_url in to_citizen.body
    assert to_citizen.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert to_citizen.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "pengikut usulan" in to_citizen.body

    # Following again once confirmed sends nothing and says the same.
    mail.outbox.clear()
    again = _follow(client, draft, CITIZEN, capture)
    assert again.status_code == 302 and mail.outbox == []

    # One click in the mail program (RFC 8058: a POST without a CSRF token) forgets the address.
    page = client.get(unsubscribe_path)
    assert "Berhenti mengikuti" in page.content.decode()
    assert Follower.objects.filter(pk=follower.pk).exists()
    csrf_client = client.__class__(enforce_csrf_checks=True)
    gone = csrf_client.post(unsubscribe_path, {"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and "sudah kami hapus" in gone.content.decode()
    assert not Follower.objects.filter(email=CITIZEN).exists()
    # The sent-log never held the address.
    assert not Notification.objects.filter(recipient__icontains="contoh").exists()
    # The same link again: still a friendly answer.
    assert client.get(unsubscribe_path).status_code == 200

    mail.outbox.clear()
    with capture(execute=True):
        advance(verified, State.KECAMATAN_VERIFIED)
    assert [m.to for m in mail.outbox] == [[RT_EMAIL]]


def test_a_follower_gets_exactly_one_mail_when_the_decree_designates_the_proposal(
    draft, django_capture_on_commit_callbacks
):
    verified = advance(draft, State.KECAMATAN_VERIFIED)
    Follower.objects.create(proposal=draft, email=CITIZEN, confirmed_at=timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance(verified, State.DESIGNATED)
    to_citizen = [m for m in mail.outbox if m.to == [CITIZEN]]
    assert len(to_citizen) == 1
    assert to_citizen[0].subject == f"Usulan {draft.code}: Ditetapkan dalam SK Camat"


def test_a_follower_who_confirmed_after_a_change_is_not_mailed_about_it(
    client, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    log = _last_log(draft)
    Follower.objects.create(proposal=draft, email=CITIZEN, confirmed_at=timezone.now())
    mail.outbox.clear()
    assert notifications.send_stage_notices.call(log.pk) == 0
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_a_message(client, draft, django_capture_on_commit_callbacks):
    answer = _follow(client, draft, "bukan-alamat", django_capture_on_commit_callbacks)
    page = client.get(answer.url).content.decode()
    assert "Alamat e-mail: masukkan alamat e-mail yang benar" in page
    assert not Follower.objects.exists() and mail.outbox == []
    unknown = client.post("/lacak/BB-2026-XXXX-XXXX/ikuti/", {"email": CITIZEN})
    assert unknown.status_code == 404
    assert client.get(reverse("notify:confirm", kwargs={"token": "tidak-ada"})).status_code == 404


def test_an_expired_confirm_link_does_not_confirm(client, draft):
    follower = Follower.objects.create(proposal=draft, email=CITIZEN)
    Follower.objects.filter(pk=follower.pk).update(
        created_at=timezone.now() - notifications.CONFIRM_WINDOW - datetime.timedelta(hours=1)
    )
    page = client.post(reverse("notify:confirm", kwargs={"token": follower.token}))
    assert "kedaluwarsa" in page.content.decode()
    follower.refresh_from_db()
    assert follower.confirmed_at is None


def test_one_mailbox_cannot_be_flooded_with_confirmations(
    client, draft, django_capture_on_commit_callbacks
):
    for _ in range(5):
        _follow(client, draft, CITIZEN, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == notifications_address_limit()


def notifications_address_limit():
    from portal.notification_views import DEFAULT_FOLLOW_ADDRESS_RATE

    return DEFAULT_FOLLOW_ADDRESS_RATE[0]


# ---- the database queue and its worker -------------------------------------------------------


def test_the_database_backend_keeps_the_task_until_the_worker_runs_it(
    draft, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker closes stale connections between tasks: not the test's own transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", batch=True, startup_delay=False, reload=False, stdout=io.StringIO())
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [RT_EMAIL]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1


def test_with_the_database_backend_a_failed_send_waits_before_the_next_try(
    draft, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    def broken(message, *args, **kwargs):
        raise OSError("tidak ada jaringan")

    monkeypatch.setattr(notifications.EmailMessage, "send", broken)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        advance(draft, State.SUBMITTED)
    log = _last_log(draft)
    first = DBTaskResult.objects.get()
    assert first.args_kwargs["args"] == [log.pk]
    # What the worker does with it, without the worker: the task fails and asks again, later.
    assert notifications.send_stage_notices.call(log.pk) == 0
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert retry.args_kwargs["args"] == [log.pk, 2]
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)


# ---- a real SMTP server ----------------------------------------------------------------------


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_stage_change_reaches_a_real_smtp_server(
    draft, settings, django_capture_on_commit_callbacks
):
    inbox = _Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        with django_capture_on_commit_callbacks(execute=True):
            advance(draft, State.SUBMITTED)
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert recipients == [RT_EMAIL]
    assert f"Subject: Usulan {draft.code}: Diajukan ke kelurahan" in content
    assert Notification.objects.get(transition_log=_last_log(draft)).sent_at is not None
