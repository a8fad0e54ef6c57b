"""Execution and reporting of a site: gotong-royong work days, swadaya contributions, progress
photos, the completion report (e-Babe) with its material use, and the savings parameters."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangkit.images import PhotoMetadataFields
from bangkit.models import FiscalYear
from bangkit.money import rupiah
from bangkit.scoping import ScopedQuerySet
from bangkit.templatetags.rupiah import angka
from proposals.models import Proposal

# A person-day (hari orang kerja, HOK) is eight hours of one person's work.
HOURS_PER_PERSON_DAY = 8
# The stages the completion report cannot go without.
REQUIRED_STAGES = (0, 50, 100)
# Overheads and profit: Permen PUPR 1/2022 allows a contractor up to 15%; PPN is 11% since
# April 2022 (UU 7/2021). Bappeda changes both per year in the admin.
DEFAULT_OVERHEAD_PROFIT_PERCENT = Decimal("15")
DEFAULT_PPN_PERCENT = Decimal("11")


class ProposalScopedQuerySet(ScopedQuerySet):
    """Rows that belong to a proposal are seen by whoever sees the proposal."""

    scope_via = "proposal__"


def _half_hours(value) -> None:
    if value is not None and (Decimal(value) * 2) % 1 != 0:
        raise ValidationError(_("Isi jam kerja dalam kelipatan setengah jam, misalnya 7,5."))


def attendance_path(instance, filename):
    return f"reporting/{instance.proposal_id}/hadir/{filename}"


class WorkDay(models.Model):
    """One session of gotong-royong on the site: who came, how long, what was done. A date may
    hold several (a morning and an afternoon shift, two groups working side by side)."""

    class Session(models.TextChoices):
        DAY = "day", _("Sehari")
        MORNING = "morning", _("Pagi")
        AFTERNOON = "afternoon", _("Siang–sore")
        EVENING = "evening", _("Malam")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="work_days", verbose_name=_("usulan")
    )
    date = models.DateField(_("tanggal"))
    session = models.CharField(
        _("waktu"), max_length=10, choices=Session.choices, default=Session.DAY
    )
    group = models.CharField(
        _("kelompok"),
        max_length=60,
        blank=True,
        help_text=_("Boleh kosong; isi bila beberapa kelompok bekerja pada waktu yang sama."),
    )
    men = models.PositiveSmallIntegerField(_("peserta laki-laki"), default=0)
    women = models.PositiveSmallIntegerField(_("peserta perempuan"), default=0)
    hours = models.DecimalField(
        _("lama kerja (jam)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("8"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(24), _half_hours],
    )
    activity = models.CharField(_("pekerjaan yang dilakukan"), max_length=500)
    # A photo of the signed attendance sheet: names of residents, so never public.
    attendance_photo = models.FileField(
        _("foto daftar hadir"), upload_to=attendance_path, blank=True, max_length=300
    )
    attendance_content_type = models.CharField(max_length=50, blank=True)
    attendance_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ProposalScopedQuerySet.as_manager()

    class Meta:
        ordering = ["proposal", "date", "id"]
        verbose_name = _("hari kerja gotong-royong")
        verbose_name_plural = _("hari kerja gotong-royong")
        constraints = [
            # One row per session and group: a second tap on a slow link must not count the
            # same shift twice, while a morning and an afternoon shift are two rows.
            models.UniqueConstraint(
                fields=["proposal", "date", "session", "group"], name="work_day_once_per_session"
            ),
            models.CheckConstraint(
                name="work_day_has_participants", condition=Q(men__gt=0) | Q(women__gt=0)
            ),
            models.CheckConstraint(
                name="work_day_hours_range", condition=Q(hours__gt=0) & Q(hours__lte=24)
            ),
        ]

    def __str__(self):
        when = f"{self.date:%d-%m-%Y}" + (f" ({self.label})" if self.label else "")
        return f"{self.proposal.code} {when}: {self.participants} orang"

    @property
    def label(self) -> str:
        """'pagi', 'siang–sore, Kelompok B': what tells two rows of one date apart."""
        parts = [] if self.session == self.Session.DAY else [self.get_session_display().lower()]
        if self.group:
            parts.append(self.group)
        return ", ".join(parts)

    @property
    def participants(self) -> int:
        return (self.men or 0) + (self.women or 0)

    @property
    def person_hours(self) -> Decimal:
        return Decimal(self.participants) * Decimal(self.hours or 0)

    @property
    def person_days(self) -> Decimal:
        return (self.person_hours / HOURS_PER_PERSON_DAY).quantize(Decimal("0.01"), ROUND_HALF_UP)


class SwadayaContribution(models.Model):
    """What the community gave besides the work days: cash, materials, labour, food, tools."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Uang tunai")
        MATERIALS = "materials", _("Material")
        LABOUR = "labour", _("Tenaga di luar hari kerja")
        FOOD = "food", _("Konsumsi (makan dan minum)")
        EQUIPMENT = "equipment", _("Peralatan dipinjamkan")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("usulan")
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("uraian"), max_length=200)
    quantity = models.DecimalField(
        _("jumlah"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("satuan"), max_length=20, blank=True)
    value = models.BigIntegerField(_("nilai (Rp)"), validators=[MinValueValidator(0)])
    contributor = models.CharField(
        _("pemberi"),
        max_length=150,
        help_text=_("Mis. warga RT 05, nama seseorang, atau CSR sebuah perusahaan."),
    )
    date = models.DateField(_("tanggal"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ProposalScopedQuerySet.as_manager()

    class Meta:
        ordering = ["proposal", "date", "id"]
        verbose_name = _("swadaya masyarakat")
        verbose_name_plural = _("swadaya masyarakat")
        constraints = [
            models.CheckConstraint(
                name="contribution_value_not_negative", condition=Q(value__gte=0)
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description} ({rupiah(self.value)})"


def photo_path(instance, filename):
    return f"reporting/{instance.proposal_id}/foto/{filename}"


class ProgressPhoto(PhotoMetadataFields):
    """A photo of the site at a stage of the work, with what could be read from it and the
    warnings it raised. Only the EXIF-free display copy and thumbnail are ever shown; the
    original (with its GPS) stays in private storage as evidence for the audit."""

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        related_name="progress_photos",
        verbose_name=_("usulan"),
    )
    stage = models.PositiveSmallIntegerField(
        _("tahap (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    caption = models.CharField(_("keterangan"), max_length=200, blank=True)
    original = models.FileField(upload_to=photo_path, max_length=300)
    original_content_type = models.CharField(max_length=50)
    original_size = models.PositiveIntegerField(default=0)
    # Empty until the background task after the upload has made them (reporting.tasks).
    display = models.FileField(upload_to=photo_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=photo_path, max_length=300, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256 berkas"), max_length=64, db_index=True)
    phash = models.CharField(_("hash perseptual"), max_length=16, db_index=True)
    # The perceptual hash of the top of the picture (sky, roofs, trees): the background that
    # stays when the path below it is built.
    background_hash = models.CharField(max_length=16, blank=True)
    # When and where it was taken, and how that was read: bangkit.images.PhotoMetadataFields.
    # [{"code": …, "message": …, "level": "warn"|"info", "photo": other id}] — never blocking.
    flags = models.JSONField(_("tanda peringatan"), default=list, blank=True)
    # Sent by the page with each photo, so a retry after a lost answer does not add it twice.
    client_token = models.CharField(max_length=40, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("ditarik"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProposalScopedQuerySet.as_manager()

    class Meta:
        ordering = ["proposal", "stage", "taken_at", "id"]
        verbose_name = _("foto progres")
        verbose_name_plural = _("foto progres")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "client_token"],
                condition=~Q(client_token=""),
                name="photo_once_per_client_token",
            ),
            models.CheckConstraint(name="photo_stage_range", condition=Q(stage__lte=100)),
        ]

    def __str__(self):
        return f"{self.proposal.code} {self.stage}% #{self.pk}"

    @property
    def warnings(self) -> list[dict]:
        return [f for f in self.flags if f.get("level", "warn") == "warn"]

    @property
    def notes(self) -> list[dict]:
        return [f for f in self.flags if f.get("level") == "info"]


class CompletionReport(models.Model):
    """The e-Babe completion report of a site, written by the Ketua RT, checked by the
    kelurahan, countersigned by the kecamatan."""

    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.PROTECT,
        related_name="completion_report",
        verbose_name=_("usulan"),
    )
    realised_volume = models.DecimalField(
        _("volume terealisasi"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    problems = models.TextField(_("kendala dan cara mengatasinya"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("diterima kelurahan"), null=True, blank=True)
    review_checklist = models.JSONField(_("daftar periksa"), default=dict, blank=True)
    returned_at = models.DateTimeField(_("terakhir dikembalikan"), null=True, blank=True)
    return_reason = models.TextField(_("alasan dikembalikan"), blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(_("diketahui camat"), null=True, blank=True)
    countersign_note = models.TextField(_("catatan camat"), blank=True)

    objects = ProposalScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("laporan penyelesaian")
        verbose_name_plural = _("laporan penyelesaian")

    def __str__(self):
        return f"Laporan {self.proposal.code}"


class MaterialUsage(models.Model):
    """One delivered material of the site: how much was used and how much is left over."""

    report = models.ForeignKey(
        CompletionReport, on_delete=models.CASCADE, related_name="material_lines"
    )
    description = models.CharField(_("material"), max_length=150)
    unit = models.CharField(_("satuan"), max_length=20)
    # What the BAST and deliveries say arrived, copied when the report is saved.
    delivered = models.DecimalField(_("diterima"), max_digits=12, decimal_places=2)
    used = models.DecimalField(
        _("terpakai"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    leftover = models.DecimalField(
        _("sisa"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("keterangan"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report", "position", "id"]
        verbose_name = _("pemakaian material")
        verbose_name_plural = _("pemakaian material")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "description", "unit"], name="material_usage_once"
            ),
            models.CheckConstraint(
                name="material_usage_not_negative", condition=Q(used__gte=0) & Q(leftover__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.description}: {angka(self.used)}/{angka(self.delivered)} {self.unit}"

    @property
    def unaccounted(self) -> Decimal:
        """Delivered but neither used nor left over (lost, broken, or not yet counted)."""
        return max(Decimal("0"), self.delivered - self.used - self.leftover)


class ContractorCostParameters(models.Model):
    """How a year's savings estimate prices the same work done by a contractor: data, edited
    by Bappeda, because rates and tax change by year."""

    fiscal_year = models.OneToOneField(
        FiscalYear,
        on_delete=models.CASCADE,
        related_name="contractor_cost_parameters",
        verbose_name=_("tahun anggaran"),
    )
    overhead_profit_percent = models.DecimalField(
        _("biaya umum dan keuntungan (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_OVERHEAD_PROFIT_PERCENT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Permen PUPR 1/2022: paling banyak 15% untuk pekerjaan konstruksi."),
    )
    ppn_percent = models.DecimalField(
        _("PPN (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_PPN_PERCENT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    count_in_kind_contributions = models.BooleanField(
        _("hitung swadaya material, tenaga dan peralatan"),
        default=True,
        help_text=_(
            "Kontraktor juga harus membeli material, membayar tenaga dan menyewa alat yang "
            "disumbangkan warga. Uang tunai dan konsumsi tidak dihitung (uang sudah dibelanjakan "
            "untuk salah satunya; makan pekerja termasuk dalam upah)."
        ),
    )
    source_note = models.TextField(_("dasar angka"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("parameter biaya kontraktor")
        verbose_name_plural = _("parameter biaya kontraktor")

    def __str__(self):
        return f"Parameter biaya kontraktor {self.fiscal_year}"
