"""Where the Ketua RT is in the guided flow of a draft proposal (the proposal itself is kept
by the proposal services; this is only the bookmark)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal


class FlowStep(models.TextChoices):
    """The steps of the guided flow, in order."""

    KEGIATAN = "kegiatan", _("Kegiatan")
    LOKASI = "lokasi", _("Lokasi")
    RAB = "rab", _("RAB")
    DOKUMEN = "dokumen", _("Dokumen")
    PERIKSA = "periksa", _("Periksa dan ajukan")


STEP_ORDER = list(FlowStep.values)


class ProposalFlow(models.Model):
    """The step a draft's guided flow resumes at, and the furthest step it has reached."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="guided_flow", primary_key=True
    )
    step = models.CharField(
        _("langkah berikutnya"), max_length=20, choices=FlowStep.choices, default=FlowStep.KEGIATAN
    )
    furthest = models.CharField(
        _("langkah terjauh"), max_length=20, choices=FlowStep.choices, default=FlowStep.KEGIATAN
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("posisi isian bertahap")
        verbose_name_plural = _("posisi isian bertahap")

    def __str__(self):
        return f"{self.proposal_id}: {self.get_step_display()}"


# The notification models live beside their sending code; imported here so Django finds them.
from portal.notices import StaffNotice  # noqa: E402,F401
from portal.notifications import Follower, Notification  # noqa: E402,F401
