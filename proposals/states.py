"""The proposal's states and transitions, named once: every other module refers to these."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    MUSRENBANG = "musrenbang", _("Usulan Musrenbang")
    DRAFT = "draft", _("Draf RT")
    SUBMITTED = "submitted", _("Diajukan ke kelurahan")
    KELURAHAN_VERIFIED = "kelurahan_verified", _("Diverifikasi kelurahan")
    KECAMATAN_VERIFIED = "kecamatan_verified", _("Diverifikasi kecamatan")
    REJECTED = "rejected", _("Ditolak")
    DEFERRED = "deferred", _("Ditunda ke tahun berikutnya")
    DESIGNATED = "designated", _("Ditetapkan dalam SK Camat")
    PROCUREMENT = "procurement", _("Pengadaan material")
    MATERIALS_RECEIVED = "materials_received", _("Material diterima")
    IN_PROGRESS = "in_progress", _("Sedang dikerjakan")
    REPORTED = "reported", _("Laporan diajukan")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class Transition(models.TextChoices):
    """Every step of the lifecycle (the name of its ``@transition`` method), as the log says it."""

    CREATE = "create", _("Usulan dibuat")
    SUBMIT = "submit", _("Diajukan ke kelurahan")
    VERIFY_KELURAHAN = "verify_kelurahan", _("Diteruskan ke kecamatan")
    VERIFY_KECAMATAN = "verify_kecamatan", _("Diverifikasi kecamatan")
    RETURN_FOR_REVISION = "return_for_revision", _("Dikembalikan untuk perbaikan")
    REJECT = "reject", _("Ditolak")
    DEFER = "defer", _("Ditunda ke tahun berikutnya")
    DESIGNATE = "designate", _("Ditetapkan dalam SK Camat")
    ORDER_MATERIALS = "order_materials", _("Material dipesan")
    RECEIVE_MATERIALS = "receive_materials", _("Material diterima (BAST)")
    START_WORK = "start_work", _("Pekerjaan dimulai")
    SUBMIT_REPORT = "submit_report", _("Laporan penyelesaian diajukan")
    ACCEPT_REPORT = "accept_report", _("Laporan diterima, kegiatan selesai")
    RETURN_REPORT = "return_report", _("Laporan dikembalikan untuk perbaikan")
    CANCEL = "cancel", _("Dibatalkan")


# The steps a user takes on the proposal's own page; later stages move the proposal through
# their own services (decree, purchases, reports), which call apply_transition_locked.
PROPOSAL_PAGE_ACTIONS = [
    Transition.SUBMIT,
    Transition.VERIFY_KELURAHAN,
    Transition.VERIFY_KECAMATAN,
    Transition.RETURN_FOR_REVISION,
    Transition.REJECT,
    Transition.DEFER,
    Transition.CANCEL,
]

EDITABLE_STATES = {State.MUSRENBANG, State.DRAFT}
CLOSED_STATES = {State.COMPLETED, State.CANCELLED, State.REJECTED}
CANCELLABLE_STATES = [s for s in State.values if s not in CLOSED_STATES]

# A proposal's designated budget counts against its envelope from designation until the end.
COMMITTED_STATES = [
    State.DESIGNATED,
    State.PROCUREMENT,
    State.MATERIALS_RECEIVED,
    State.IN_PROGRESS,
    State.REPORTED,
    State.COMPLETED,
]


def transition_label(name: str) -> str:
    """The Indonesian words for a logged transition; an unknown name is shown as it is."""
    try:
        return Transition(name).label
    except ValueError:
        return name
