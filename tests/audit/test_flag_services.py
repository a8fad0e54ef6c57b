"""The refresh that stores the flags, and the review service: who may review, the note in the
trail, and a reviewed flag coming back when its evidence changes."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit import services, tasks
from audit.models import Flag, FlagRefresh
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import AuditEvent, Role
from proposals.models import CitizenSupport, MusrenbangEntry
from tests import factories
from tests.factories import lifecycle

pytestmark = pytest.mark.django_db

NOTE = "Sudah dicek ke lapangan, dukungan dari pertemuan warga."


def burst(entry, count=20, *, start=None):
    """``count`` supports for ``entry`` 20 seconds apart: a burst by the default thresholds."""
    start = start or timezone.now() - timedelta(hours=2)
    rows = CitizenSupport.objects.bulk_create(
        CitizenSupport(entry=entry, nik_hash=f"{entry.pk}-{start}-{i}", nik_last4="0001")
        for i in range(count)
    )
    for i, row in enumerate(rows):
        CitizenSupport.objects.filter(pk=row.pk).update(
            created_at=start + i * timedelta(seconds=20)
        )


@pytest.fixture
def flag():
    entry = lifecycle.MusrenbangEntryFactory()
    burst(entry)
    services.flags_refresh()
    return Flag.objects.get(rule="support_burst", subject=f"entry:{entry.pk}")


def test_the_refresh_stores_flags_and_says_when(flag):
    run = FlagRefresh.objects.latest()
    assert run.flags >= 1 and run.raised >= 1
    assert set(run.timings) >= {"support_burst", "price_above_reference"}
    assert flag.computed_at >= run.started_at
    # Nothing changed: the same flag, not a new one.
    again = services.flags_refresh()
    assert again.raised == 0 and again.changed == 0
    assert Flag.objects.get(pk=flag.pk).fingerprint == flag.fingerprint


def test_a_flag_no_rule_raises_any_more_is_removed(flag):
    CitizenSupport.objects.filter(entry_id=flag.subject.split(":")[1]).delete()
    run = services.flags_refresh()
    assert run.retired >= 1
    assert not Flag.objects.filter(pk=flag.pk).exists()


def test_the_task_and_the_command_refresh(flag, capsys):
    from django.core.management import call_command

    assert tasks.refresh_flags.call() >= 1
    call_command("refresh_flags")
    assert "tanda peringatan" in capsys.readouterr().out


def test_the_inspektorat_reviews_with_a_note_kept_in_the_trail(flag):
    inspektorat = factories.make_user(Role.INSPEKTORAT)
    reviewed = services.flag_review(flag=flag, actor=inspektorat, note=NOTE)
    assert reviewed.is_reviewed
    assert Flag.objects.reviewed().filter(pk=flag.pk).exists()
    event = AuditEvent.objects.get(
        action="flag_review",
        content_type=ContentType.objects.get_for_model(Flag),
        object_id=str(flag.pk),
    )
    assert event.actor == inspektorat
    assert event.data["note"] == NOTE
    assert NOTE in event.summary


@pytest.mark.parametrize("role", [Role.KECAMATAN, Role.BAPPEDA, Role.KELURAHAN])
def test_others_may_not_review(flag, role):
    area = {
        Role.KECAMATAN: flag.kecamatan,
        Role.KELURAHAN: factories.KelurahanFactory(kecamatan=flag.kecamatan),
    }.get(role)
    user = factories.make_user(role, area)
    with pytest.raises(ActionRefused):
        services.flag_review(flag=flag, actor=user, note=NOTE)
    assert not Flag.objects.get(pk=flag.pk).reviewed_at
    assert not AuditEvent.objects.filter(action="flag_review").exists()


def test_a_review_needs_a_reason(flag):
    inspektorat = factories.make_user(Role.INSPEKTORAT)
    with pytest.raises(ActionRefused, match="paling sedikit 10 huruf"):
        services.flag_review(flag=flag, actor=inspektorat, note="ok")
    assert not Flag.objects.get(pk=flag.pk).reviewed_at


def test_a_flag_out_of_reach_is_not_found(flag):
    admin = factories.make_user(Role.ADMIN)
    Flag.objects.filter(pk=flag.pk).delete()
    with pytest.raises(NotInScope):
        services.flag_review(flag=flag, actor=admin, note=NOTE)


def test_a_reviewed_flag_comes_back_when_its_evidence_changes(flag):
    inspektorat = factories.make_user(Role.INSPEKTORAT)
    services.flag_review(flag=flag, actor=inspektorat, note=NOTE)
    services.flags_refresh()
    assert Flag.objects.get(pk=flag.pk).is_reviewed  # same evidence: still reviewed
    entry = flag.subject.split(":")[1]
    burst(
        MusrenbangEntry.objects.get(pk=entry),
        25,
        start=timezone.now() - timedelta(hours=1),
    )
    services.flags_refresh()
    back = Flag.objects.get(pk=flag.pk)
    assert not back.is_reviewed and back.was_reviewed_before
    assert Flag.objects.unreviewed().filter(pk=flag.pk).exists()
    assert back.review_note == NOTE  # the old note is still shown


class CountingTask:
    """Stands in for the task: counts what is enqueued, runs nothing."""

    supports_defer = False

    def __init__(self):
        self.enqueued = 0

    def get_backend(self):
        return self

    def enqueue(self):
        self.enqueued += 1


def test_changes_ask_for_one_refresh_after_the_commit(
    settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    from bangkit.services import audit_record

    settings.AUDIT_FLAGS_REFRESH_ON_CHANGE = True
    cache.delete(tasks.QUEUED_KEY)
    counting = CountingTask()
    monkeypatch.setattr(tasks, "refresh_flags", counting)
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="proposal_submit", summary="uji")
        audit_record(actor=None, action="proposal_submit", summary="uji lagi")
    assert counting.enqueued == 1
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="proposal_submit", summary="masih menunggu")
    assert counting.enqueued == 1  # one refresh is already waiting
    cache.delete(tasks.QUEUED_KEY)  # as the refresh does when it starts
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="flag_review", summary="tinjauan")
    assert counting.enqueued == 1  # a review changes no input of a rule
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="proposal_submit", summary="baru")
    assert counting.enqueued == 2
