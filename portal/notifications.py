"""E-mail when a proposal moves to another stage: to its Ketua RT, and to every citizen who
follows it from the public tracking page (double opt-in, one-click unsubscribe).

How it hangs together:

- a post_save receiver on ``proposals.TransitionLog`` (connected in ``PortalConfig.ready``, so
  no lower layer knows about portal) asks ``transaction.on_commit`` to enqueue the task: a
  change that rolls back is never mailed;
- the task ``send_stage_notices`` (Django's tasks API, the django-tasks backport) sends one
  mail per recipient; the sent-log ``Notification`` is unique per (proposal, change,
  recipient) and each row is sent under a row lock, so a change is never mailed twice, also
  when the task is retried or runs twice;
- a failed send leaves its row unsent and enqueues the task again later, a few times; the
  staff action that moved the proposal never waits for the mail.

A follower's address is stored only here and only for this: unsubscribing deletes it, and
the sent-log names recipients by key ("rt:<user id>", "follower:<id>"), never by address.
Staff get in-app notices of the same change from the same receiver (portal/notices.py).
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models.signals import post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from bangkit.models import Role
from portal import notices
from proposals.models import Proposal, State, Transition, TransitionLog

logger = logging.getLogger(__name__)

# A failed send is tried again this many times in all, waiting longer each time.
MAX_ATTEMPTS = 5
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
]

# An unconfirmed follow is forgotten after this long (the confirm link stops working).
CONFIRM_WINDOW = timedelta(days=7)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class Follower(models.Model):
    """A citizen's address following one proposal: active once they confirm it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField(_("alamat e-mail"))
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "email"], name="follower_once_per_proposal")
        ]
        verbose_name = _("pengikut usulan")
        verbose_name_plural = _("pengikut usulan")

    def __str__(self):
        return f"{self.proposal_id}: {'aktif' if self.confirmed_at else 'belum dikonfirmasi'}"

    @property
    def confirm_expired(self) -> bool:
        return self.confirmed_at is None and self.created_at < timezone.now() - CONFIRM_WINDOW


class Notification(models.Model):
    """One e-mail for one stage change to one recipient: the guard against sending twice."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    transition_log = models.ForeignKey(TransitionLog, on_delete=models.CASCADE, related_name="+")
    # "rt:<user id>" or "follower:<follower id>": who, without keeping the address again.
    recipient = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "transition_log", "recipient"],
                name="notification_once_per_change_and_recipient",
            )
        ]
        verbose_name = _("e-mail pemberitahuan")
        verbose_name_plural = _("e-mail pemberitahuan")

    def __str__(self):
        return f"{self.transition_log_id} → {self.recipient}"


# ---- addresses and links -------------------------------------------------------------------


def _absolute(path: str) -> str:
    base = (settings.SITE_URL or "http://127.0.0.1:8000").rstrip("/")
    return f"{base}{path}"


def track_url(proposal) -> str:
    return _absolute(reverse("public:track_detail", kwargs={"code": proposal.code}))


def confirm_url(follower) -> str:
    return _absolute(reverse("notify:confirm", kwargs={"token": follower.token}))


def unsubscribe_url(follower) -> str:
    return _absolute(reverse("notify:unsubscribe", kwargs={"token": follower.token}))


def _recipients(log) -> list[tuple[str, str, Follower | None]]:
    """(key, address, follower) of everyone this change is mailed to."""
    proposal = log.proposal
    found = []
    users = (
        get_user_model()
        .objects.filter(role=Role.RT, rt_id=proposal.rt_id, is_active=True)
        .exclude(email="")
        .only("id", "email")
        .order_by("id")
    )
    for user in users:
        found.append((f"rt:{user.pk}", user.email, None))
    # Only those who had confirmed before the change: a retry never mails old news to a
    # follower who joined later.
    followers = Follower.objects.filter(
        proposal_id=proposal.pk, confirmed_at__isnull=False, confirmed_at__lte=log.created_at
    ).order_by("id")
    for follower in followers:
        found.append((f"follower:{follower.pk}", follower.email, follower))
    return found


def _is_stage_change(log) -> bool:
    return log.transition != Transition.CREATE and log.from_state != log.to_state


def _public_reason(log) -> str:
    # Same app: the tracking page decides which notes are public, and mail says no more.
    from portal.public_views import PUBLIC_REASON_STATES, PUBLIC_REASON_TRANSITIONS

    if log.transition in PUBLIC_REASON_TRANSITIONS or log.to_state in PUBLIC_REASON_STATES:
        return log.note.strip()
    return ""


def _stage_message(log, address: str, follower: Follower | None) -> EmailMessage:
    proposal = log.proposal
    stage = State(log.to_state).label if log.to_state in State.values else log.to_state
    context = {
        "proposal": proposal,
        "stage": stage,
        "reason": _public_reason(log),
        "at": log.created_at,
        "track_url": track_url(proposal),
        "unsubscribe_url": unsubscribe_url(follower) if follower else "",
        "as_rt": follower is None,
    }
    headers = {}
    if follower is not None:
        # RFC 8058: mail programs offer their own one-click unsubscribe button.
        headers = {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return mail(
        f"Usulan {proposal.code}: {stage}",
        "public/notifications/stage_change.txt",
        context,
        address,
        headers=headers,
    )


# ---- sending, and trying again ---------------------------------------------------------------


def mail(subject: str, template: str, context: dict, address: str, **kwargs) -> EmailMessage:
    """One mail to one address, its body rendered from a text template."""
    return EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        **kwargs,
    )


def send(message: EmailMessage, what: str) -> str:
    """Send one mail: "" when it went, else the error in words (logged, never raised)."""
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - any failure of the mail server
        logger.warning("%s failed: %s", what, error)
        return f"{type(error).__name__}: {error}"
    return ""


def send_or_retry(message: EmailMessage, what: str, task_obj, attempt: int, *args) -> bool:
    """Send one mail; when it fails, enqueue ``task_obj(*args)`` again later. True if sent."""
    if send(message, what):
        _enqueue_again(task_obj, attempt, *args)
        return False
    return True


def _enqueue_again(task_obj, attempt: int, *args) -> None:
    """Try once more later (now, when the backend cannot defer, as in the test suite)."""
    if attempt >= MAX_ATTEMPTS:
        logger.error("Giving up %s%r after %d attempts", task_obj.name, args, attempt)
        return
    delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
    if task_obj.get_backend().supports_defer:
        task_obj = task_obj.using(run_after=timezone.now() + delay)
    task_obj.enqueue(*args, attempt + 1)


@task()
def send_stage_notices(log_id: int, attempt: int = 1) -> int:
    """Mail one stage change to each recipient not mailed yet; returns how many were sent."""
    log = (
        TransitionLog.objects.select_related("proposal")
        .only(
            "id",
            "transition",
            "from_state",
            "to_state",
            "note",
            "created_at",
            "proposal__id",
            "proposal__code",
            "proposal__title",
            "proposal__rt_id",
        )
        .filter(pk=log_id)
        .first()
    )
    if log is None or not _is_stage_change(log):
        return 0
    sent = 0
    failed = False
    for key, address, follower in _recipients(log):
        Notification.objects.get_or_create(
            proposal_id=log.proposal_id, transition_log_id=log.pk, recipient=key
        )
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update()
                .filter(proposal_id=log.proposal_id, transition_log_id=log.pk, recipient=key)
                .first()
            )
            if row is None or row.sent_at is not None:
                continue
            row.attempts += 1
            error = send(_stage_message(log, address, follower), f"Stage notice {log.pk} to {key}")
            row.last_error = error[:300]
            if error:
                failed = True
            else:
                row.sent_at = timezone.now()
                sent += 1
            row.save(update_fields=["attempts", "sent_at", "last_error"])
    if failed:
        _enqueue_again(send_stage_notices, attempt, log_id)
    return sent


@task()
def send_follow_confirmation(follower_id: int, attempt: int = 1) -> bool:
    """The double opt-in mail: a link to confirm, and what happens if they ignore it."""
    follower = Follower.objects.select_related("proposal").filter(pk=follower_id).first()
    if follower is None or follower.confirmed_at is not None:
        return False
    message = mail(
        f"Konfirmasi: ikuti usulan {follower.proposal.code}",
        "public/notifications/confirm.txt",
        {
            "proposal": follower.proposal,
            "confirm_url": confirm_url(follower),
            "track_url": track_url(follower.proposal),
            "days": CONFIRM_WINDOW.days,
        },
        follower.email,
    )
    what = f"Follow confirmation {follower_id}"
    return send_or_retry(message, what, send_follow_confirmation, attempt, follower_id)


# ---- enqueueing after commit ---------------------------------------------------------------


def enqueue_stage_notices(log_id: int) -> None:
    """After the change committed: enqueue its mails, if anyone is to receive them."""
    log = TransitionLog.objects.select_related("proposal").filter(pk=log_id).first()
    if log is None or not _is_stage_change(log) or not _recipients(log):
        return
    send_stage_notices.enqueue(log_id)


def on_transition_logged(sender, instance, created, raw=False, **kwargs):
    """post_save of TransitionLog: nothing happens unless and until the transaction commits."""
    if not created or raw:
        return
    log_id = instance.pk
    transaction.on_commit(lambda: after_stage_change(log_id), robust=True)


def after_stage_change(log_id: int) -> None:
    """Once the change committed: the staff's in-app notices, then the mails' task."""
    try:
        notices.notice_stage_change(log_id)
    except Exception:  # noqa: BLE001 - a notice lost must not stop the mails
        logger.exception("Staff notices of change %s failed", log_id)
    enqueue_stage_notices(log_id)


def connect_signals() -> None:
    post_save.connect(
        on_transition_logged, sender=TransitionLog, dispatch_uid="portal-stage-notices"
    )


# ---- following, confirming, unsubscribing (the public views call these) ----------------------


def request_follow(proposal, email: str) -> None:
    """Start following (or ask again for the confirmation mail).

    The answer is the same whatever the address's state, so nobody learns who follows what;
    an already confirmed address gets no further mail.
    """
    email = email.strip().lower()
    with transaction.atomic():
        follower, created = Follower.objects.select_for_update().get_or_create(
            proposal=proposal, email=email
        )
        if follower.confirmed_at is not None:
            return
        if not created:
            # A fresh link and a fresh window each time it is asked for.
            follower.token = _new_token()
            follower.created_at = timezone.now()
            follower.save(update_fields=["token", "created_at"])
        follower_id = follower.pk
        transaction.on_commit(lambda: send_follow_confirmation.enqueue(follower_id), robust=True)


def follower_for_token(token: str) -> Follower | None:
    if not token or len(token) > 64:
        return None
    return Follower.objects.select_related("proposal").filter(token=token).first()


def confirm_follow(follower: Follower) -> bool:
    """True when the follow is now active (also when it already was)."""
    if follower.confirmed_at is not None:
        return True
    if follower.confirm_expired:
        return False
    follower.confirmed_at = timezone.now()
    follower.save(update_fields=["confirmed_at"])
    return True


def unsubscribe(follower: Follower) -> None:
    """Forget the address altogether."""
    follower.delete()
