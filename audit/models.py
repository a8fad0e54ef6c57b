"""Red flags: the thresholds of each rule per fiscal year, and the flags the rules raised."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bangkit.history import history_records
from bangkit.models import Kecamatan, WorkType, register_audit_actions
from bangkit.scoping import ScopedQuerySet


class FlagThreshold(models.Model):
    """One threshold of one rule for one fiscal year (optionally one work type).

    Absent rows fall back to the default the rule declares (audit/flags/), so a new year works
    without any row; Bappeda sets them in the admin, the Inspektorat only reads them."""

    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    key = models.CharField(_("batas"), max_length=60)
    work_type = models.ForeignKey(
        WorkType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("jenis kegiatan"),
        help_text=_("Hanya untuk batas per jenis kegiatan; kosong = semua jenis."),
    )
    value = models.DecimalField(_("nilai"), max_digits=16, decimal_places=2)
    note = models.CharField(_("dasar angka"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-year", "key"]
        verbose_name = _("batas tanda peringatan")
        verbose_name_plural = _("batas tanda peringatan")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "key"],
                condition=Q(work_type__isnull=True),
                name="flag_threshold_once",
            ),
            models.UniqueConstraint(
                fields=["year", "key", "work_type"],
                condition=Q(work_type__isnull=False),
                name="flag_threshold_once_per_work_type",
            ),
        ]

    def __str__(self):
        suffix = f" ({self.work_type})" if self.work_type_id else ""
        return f"{self.year} {self.key}{suffix} = {self.value}"


class FlagQuerySet(ScopedQuerySet):
    # A camat sees the flags of their kecamatan; the other local roles see none.
    scope_kecamatan = "kecamatan"

    def reviewed(self):
        return self.filter(reviewed_at__isnull=False, reviewed_fingerprint=F("fingerprint"))

    def unreviewed(self):
        return self.exclude(reviewed_at__isnull=False, reviewed_fingerprint=F("fingerprint"))


class Flag(models.Model):
    """A rule raised on a subject (records), with the evidence that raised it.

    Written only by the refresh (``audit.services.flags_refresh``) and the review service. The
    fingerprint is a hash of the evidence: a review holds while the fingerprint it was given
    for is the flag's, so a flag whose evidence changed is unreviewed again."""

    rule = models.CharField(_("aturan"), max_length=40, db_index=True)
    subject = models.CharField(_("subjek"), max_length=120)
    year = models.PositiveSmallIntegerField(_("tahun anggaran"), null=True, blank=True)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("kecamatan")
    )
    title = models.CharField(_("ringkasan"), max_length=300)
    evidence = models.JSONField(_("bukti"), default=dict)
    fingerprint = models.CharField(max_length=64)
    raised_at = models.DateTimeField(_("pertama muncul"), auto_now_add=True)
    computed_at = models.DateTimeField(_("dihitung"))
    reviewed_fingerprint = models.CharField(max_length=64, blank=True)
    reviewed_at = models.DateTimeField(_("ditinjau"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditinjau oleh"),
    )
    review_note = models.TextField(_("catatan tinjauan"), blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "rule", "id"]
        verbose_name = _("tanda peringatan")
        verbose_name_plural = _("tanda peringatan")
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], name="flag_once_per_subject"),
        ]
        indexes = [
            models.Index(fields=["year", "rule"]),
            models.Index(fields=["kecamatan", "year"]),
        ]

    def __str__(self):
        return f"{self.rule}: {self.title}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None and self.reviewed_fingerprint == self.fingerprint

    @property
    def was_reviewed_before(self) -> bool:
        """Reviewed once, but its evidence has changed since."""
        return self.reviewed_at is not None and self.reviewed_fingerprint != self.fingerprint


class FlagRefresh(models.Model):
    """One run of the refresh: when the flags were computed, how long it took, what changed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    flags = models.PositiveIntegerField(default=0)
    raised = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    retired = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"
        verbose_name = _("penghitungan tanda")
        verbose_name_plural = _("penghitungan tanda")

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M}: {self.flags} tanda"


# The trail names the one action this app writes in Indonesian (the models module is loaded
# with the app, so the label is known wherever the trail is read).
register_audit_actions({"flag_review": _("Tanda peringatan: ditinjau")})
