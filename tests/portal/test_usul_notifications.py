"""The proposer of a resident's usulan is mailed the kelurahan's decision once, after commit,
only at a confirmed address, which is then forgotten."""

import pytest
from django.core import mail
from django.utils import timezone

from bangkit.models import Kelurahan, Role
from portal import usul_notifications
from proposals import resident_usulan as ru
from proposals.models import MusrenbangEntry, ResidentUsulan
from tests import factories

NIK = "1571011203850001"
EMAIL = "warga.pengusul@contoh.id"


@pytest.fixture
def world(regions, fiscal_year, settings):
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    kelurahan = Kelurahan.objects.get(name="Simpang IV Sipin")
    rt = factories.RTFactory(kelurahan=kelurahan, number=7)
    return kelurahan, rt, factories.make_user(Role.KELURAHAN, kelurahan)


def submitted(world, *, email=EMAIL, confirmed=True):
    kelurahan, rt, _lurah = world
    usulan = ru.usulan_submit(
        data=ru.UsulanInput(
            kelurahan=kelurahan,
            rt=rt,
            title="Drainase Gg. Mawar",
            location_text="Gg. Mawar",
            problem="Banjir",
            email=email,
        ),
        nik=NIK,
    )
    if confirmed and email:
        ru.usulan_confirm_email(token=usulan.email_token)
    mail.outbox.clear()
    return usulan


def test_accepting_mails_the_proposer_once_and_forgets_the_address(
    world, django_capture_on_commit_callbacks
):
    usulan = submitted(world)

    with django_capture_on_commit_callbacks(execute=True):
        ru.usulan_accept(usulan=usulan, actor=world[2])
    usul_notifications.send_usulan_outcome.call(usulan.pk)  # a retry, or the task run twice

    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert "Diterima ke daftar Musrenbang RT" in message.subject
    assert f"/lacak/{usulan.code}/" in message.body
    assert NIK not in message.body
    usulan.refresh_from_db()
    assert usulan.outcome_mailed_at is not None and usulan.email == ""


@pytest.mark.parametrize("outcome", ["merge", "reject"])
def test_each_other_outcome_is_mailed_once_too(world, outcome, django_capture_on_commit_callbacks):
    kelurahan, rt, lurah = world
    usulan = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        if outcome == "merge":
            entry = MusrenbangEntry.objects.create(
                year=2026, source_id="MR-1", kelurahan=kelurahan, rt=rt, title="Drainase"
            )
            ru.usulan_merge(usulan=usulan, actor=lurah, entry=entry)
        else:
            ru.usulan_reject(usulan=usulan, actor=lurah, reason="spam")

    [message] = mail.outbox
    expected = "Digabung" if outcome == "merge" else "Bukan usulan (spam)"
    assert expected in message.subject + message.body


def test_an_unconfirmed_address_gets_nothing(world, django_capture_on_commit_callbacks):
    usulan = submitted(world, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        ru.usulan_reject(usulan=usulan, actor=world[2], reason="spam")

    assert mail.outbox == []
    assert ResidentUsulan.objects.get().outcome_mailed_at is None


def test_a_decision_that_rolls_back_is_not_mailed(world, django_capture_on_commit_callbacks):
    usulan = submitted(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ru.usulan_reject(usulan=usulan, actor=world[2], reason="spam")
    # The callbacks were captured and never run: as after a rollback.
    assert callbacks and mail.outbox == []


def test_a_failed_send_is_tried_again_and_then_sent_once(world, monkeypatch):
    usulan = submitted(world)
    ResidentUsulan.objects.filter(pk=usulan.pk).update(
        status=ResidentUsulan.Status.REJECTED, reject_reason="spam", decided_at=timezone.now()
    )
    calls = {"n": 0}
    original = mail.EmailMessage.send

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("SMTP down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    usul_notifications.send_usulan_outcome.call(usulan.pk)  # fails, enqueues itself again

    assert calls["n"] == 2 and len(mail.outbox) == 1
