"""The worker killed in the middle of a task: the task left RUNNING is put back in the queue
by `requeue_stale_tasks`, the next worker runs it, and nobody is mailed twice."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from bangkit.models import Role
from portal import notifications
from proposals.models import State, TransitionLog
from tests.factories import ProposalFactory
from tests.factories.lifecycle import actor_for, advance


@pytest.fixture
def queued(db, settings, monkeypatch, django_capture_on_commit_callbacks):
    """A submission whose notice task waits in the database queue, claimed by a worker that
    then died (its row RUNNING, started two hours ago)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker closes stale connections between tasks: not the test's own transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    proposal = ProposalFactory()
    rt_user = actor_for(Role.RT, proposal.rt)
    rt_user.email = "ketua.rt@contoh.id"
    rt_user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        advance(proposal, State.SUBMITTED)
    mail.outbox.clear()
    # The submission's stage notice alone: other tasks its records queued (copies of the
    # proposal's photos) are not what this test is about.
    notices = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith=".send_stage_notices"
    )
    DBTaskResult.objects.exclude(pk__in=notices.values("pk")).delete()
    task = notices.get()
    task.claim("worker-yang-mati")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(hours=2))
    return TransitionLog.objects.filter(proposal=proposal).order_by("-id").first()


def run_worker():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, stdout=io.StringIO())


def requeue(**options) -> str:
    out = io.StringIO()
    call_command("requeue_stale_tasks", stdout=out, **options)
    return out.getvalue()


def test_a_task_left_running_is_not_picked_up_until_it_is_requeued(queued):
    run_worker()
    assert mail.outbox == []  # RUNNING for ever: no worker looks at it again

    assert "dikembalikan ke antrean: 1" in requeue()
    run_worker()

    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_a_rerun_mails_nobody_the_dead_worker_had_mailed(queued):
    # The dead worker got as far as mailing the Ketua RT (and committing that) before it died.
    assert notifications.send_stage_notices.call(queued.pk) == 1
    assert len(mail.outbox) == 1

    requeue()
    run_worker()

    assert len(mail.outbox) == 1  # never twice
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_a_task_still_within_its_time_is_left_to_its_worker(queued):
    assert "dikembalikan ke antrean: 0" in requeue(older_than_minutes=180)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING


def test_other_queues_are_left_alone(settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert "tidak ada yang diubah" in requeue()
