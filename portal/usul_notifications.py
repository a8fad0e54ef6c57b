"""E-mail to a resident who proposed online: the double opt-in link when they gave an address,
and one mail with the kelurahan's decision, once they confirmed it.

Like the stage notices (`portal.notifications`): a post_save receiver on
``proposals.ResidentUsulan`` (connected in ``PortalConfig.ready``) enqueues a task after
commit; the task takes the usulan's row lock and sends the outcome only while
``outcome_mailed_at`` is empty, so a decision is mailed once, also when the task runs twice.
The address is then forgotten: it was kept only for this mail.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from portal.notifications import _absolute, _enqueue_again, mail, send, send_or_retry
from proposals.models import ResidentUsulan

Status = ResidentUsulan.Status


def usulan_track_url(usulan) -> str:
    return _absolute(reverse("public:track_detail", kwargs={"code": usulan.code}))


@task()
def send_usulan_confirmation(usulan_id: int, attempt: int = 1) -> bool:
    usulan = ResidentUsulan.objects.filter(pk=usulan_id).first()
    if usulan is None or not usulan.email or usulan.email_confirmed_at is not None:
        return False
    message = mail(
        f"Konfirmasi e-mail untuk usulan {usulan.code}",
        "public/notifications/usul_confirm.txt",
        {
            "usulan": usulan,
            "confirm_url": _absolute(reverse("usul:confirm", kwargs={"token": usulan.email_token})),
            "track_url": usulan_track_url(usulan),
        },
        usulan.email,
    )
    what = f"Usulan confirmation {usulan_id}"
    return send_or_retry(message, what, send_usulan_confirmation, attempt, usulan_id)


@task()
def send_usulan_outcome(usulan_id: int, attempt: int = 1) -> bool:
    """The kelurahan's decision, to a confirmed address, once."""
    with transaction.atomic():
        usulan = (
            ResidentUsulan.objects.select_for_update(of=("self",))
            .select_related("rt", "kelurahan", "entry")
            .filter(pk=usulan_id)
            .first()
        )
        if (
            usulan is None
            or usulan.status == Status.PENDING
            or usulan.outcome_mailed_at is not None
            or not usulan.email
            or usulan.email_confirmed_at is None
        ):
            return False
        message = mail(
            f"Usulan {usulan.code}: {usulan.get_status_display()}",
            "public/notifications/usul_outcome.txt",
            {"usulan": usulan, "track_url": usulan_track_url(usulan)},
            usulan.email,
        )
        failed = bool(send(message, f"Usulan outcome {usulan_id}"))
        if not failed:
            # Sent: the address has served its one purpose and is forgotten.
            ResidentUsulan.objects.filter(pk=usulan.pk).update(
                outcome_mailed_at=timezone.now(), email="", email_token=""
            )
    if failed:
        _enqueue_again(send_usulan_outcome, attempt, usulan_id)
        return False
    return True


def on_usulan_saved(sender, instance, created, raw=False, **kwargs):
    """After commit: the confirmation link for a new address, the decision once it is taken."""
    if raw or not instance.email:
        return
    usulan_id = instance.pk
    if created:
        transaction.on_commit(lambda: send_usulan_confirmation.enqueue(usulan_id), robust=True)
    elif (
        instance.status != Status.PENDING
        and instance.email_confirmed_at is not None
        and instance.outcome_mailed_at is None
    ):
        transaction.on_commit(lambda: send_usulan_outcome.enqueue(usulan_id), robust=True)


def connect_signals() -> None:
    post_save.connect(on_usulan_saved, sender=ResidentUsulan, dispatch_uid="portal-usulan-mail")
