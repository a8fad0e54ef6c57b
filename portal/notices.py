"""In-app notices for staff ("Pemberitahuan"): a stage change of a proposal in their area that
asks something of their role — a proposal submitted to the kelurahan, verified by it for the
kecamatan, ready for the SK Camat, designated (order the material), a report submitted, a site
completed or cancelled.

Made by the same machinery as the e-mails (portal/notifications.py): the post_save receiver on
``proposals.TransitionLog`` asks ``transaction.on_commit`` to call ``notice_stage_change``, so
a change that rolls back leaves no notice, and one change gives one notice per user (unique
per change and user). The user who made the change gets none. A user reads only the notices
of proposals their area still covers (``Proposal.objects.visible_to``), newest first, and marks
them read. The to-do lists (portal/todo.py) stay what must be done; a notice says what moved.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangkit.models import Role
from proposals.models import Proposal, State, TransitionLog

# Who is told of a proposal reaching each state, and what it asks of them.
CONCERNS = {
    State.SUBMITTED: ((Role.KELURAHAN,), "Usulan diajukan: menunggu verifikasi kelurahan"),
    State.KELURAHAN_VERIFIED: (
        (Role.KECAMATAN,),
        "Diverifikasi kelurahan: menunggu verifikasi kecamatan",
    ),
    State.KECAMATAN_VERIFIED: (
        (Role.KECAMATAN,),
        "Diverifikasi kecamatan: dapat ditetapkan dalam SK Camat",
    ),
    State.DESIGNATED: ((Role.KELURAHAN,), "Ditetapkan dalam SK Camat: pesan materialnya"),
    State.REPORTED: ((Role.KELURAHAN,), "Laporan penyelesaian diajukan: periksa dan terima"),
    State.COMPLETED: ((Role.KECAMATAN,), "Selesai: laporan penyelesaian diterima kelurahan"),
    State.CANCELLED: ((Role.KELURAHAN, Role.KECAMATAN), "Dibatalkan"),
}
NOTICE_ROLES = (Role.KELURAHAN, Role.KECAMATAN)
# How many notices the page lists (the newest).
LIST_LIMIT = 50


class StaffNotice(models.Model):
    """One stage change told to one staff user, read or not yet."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_notices"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    transition_log = models.ForeignKey(TransitionLog, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("pemberitahuan"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transition_log", "user"], name="staff_notice_once_per_change_and_user"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="staff_notice_user_read")]
        ordering = ["-created_at", "-id"]
        verbose_name = _("pemberitahuan staf")
        verbose_name_plural = _("pemberitahuan staf")

    def __str__(self):
        return f"{self.user_id}: {self.message}"


def receives_notices(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in NOTICE_ROLES


def _area_filter(role, proposal) -> Q:
    if role == Role.KELURAHAN:
        return Q(role=role, kelurahan_id=proposal.kelurahan_id)
    return Q(role=role, kecamatan_id=proposal.kelurahan.kecamatan_id)


def notice_stage_change(log_id: int) -> int:
    """After the change committed: a notice to each staff user it concerns (once); how many
    were made."""
    log = (
        TransitionLog.objects.select_related("proposal__kelurahan")
        .only(
            "id",
            "actor_id",
            "from_state",
            "to_state",
            "proposal__id",
            "proposal__kelurahan_id",
            "proposal__kelurahan__kecamatan_id",
        )
        .filter(pk=log_id)
        .first()
    )
    if log is None or log.from_state == log.to_state or log.to_state not in CONCERNS:
        return 0
    roles, message = CONCERNS[log.to_state]
    area = Q()
    for role in roles:
        area |= _area_filter(role, log.proposal)
    users = (
        get_user_model()
        .objects.filter(area, is_active=True)
        .exclude(pk=log.actor_id)
        .exclude(staff_notices__transition_log_id=log.pk)  # told already (a second call)
    )
    notices = [
        StaffNotice(
            user_id=pk, proposal_id=log.proposal_id, transition_log_id=log.pk, message=message
        )
        for pk in users.values_list("pk", flat=True)
    ]
    # Two calls at once: the constraint keeps one, the other is skipped.
    StaffNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def notices_of(user):
    """The user's notices about proposals their area covers, newest first (not yet read)."""
    return StaffNotice.objects.filter(
        user=user, proposal__in=Proposal.objects.visible_to(user).values("pk")
    )


def unread(user):
    return notices_of(user).filter(read_at__isnull=True)


def latest(user, limit: int = LIST_LIMIT) -> list[StaffNotice]:
    return list(
        notices_of(user)
        .select_related("proposal", "transition_log")
        .only(
            "id",
            "message",
            "created_at",
            "read_at",
            "proposal__id",
            "proposal__code",
            "proposal__title",
            "transition_log__id",
            "transition_log__to_state",
        )[:limit]
    )


def mark_read(user, notice_id: int | None = None) -> int:
    """Mark one of the user's notices (or all of them) read; how many changed."""
    rows = StaffNotice.objects.filter(user=user, read_at__isnull=True)
    if notice_id is not None:
        rows = rows.filter(pk=notice_id)
    return rows.update(read_at=timezone.now())
