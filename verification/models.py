"""Prioritisation rules and overrides, and the SK Camat (decree) that designates locations."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from bangkit.history import history_records
from bangkit.models import FiscalYear, Kecamatan
from bangkit.numbering import NumberCounter
from bangkit.scoping import ScopedQuerySet
from proposals.models import Proposal


class PriorityWeights(models.Model):
    """How much each criterion counts in a year's ranking: data, so it can change by year."""

    fiscal_year = models.OneToOneField(
        FiscalYear, on_delete=models.CASCADE, related_name="priority_weights"
    )
    slum_area = models.PositiveSmallIntegerField(_("di kawasan kumuh"), default=25)
    people_per_rupiah = models.PositiveSmallIntegerField(
        _("penerima manfaat per rupiah"), default=25
    )
    contribution = models.PositiveSmallIntegerField(_("swadaya yang dijanjikan"), default=15)
    supports = models.PositiveSmallIntegerField(_("dukungan warga"), default=10)
    years_waiting = models.PositiveSmallIntegerField(_("lama menunggu RT"), default=15)
    underserved = models.PositiveSmallIntegerField(
        _("kelurahan yang belum banyak menerima"), default=10
    )
    one_per_kelurahan = models.BooleanField(
        _("minimal satu lokasi per kelurahan yang punya usulan layak"), default=True
    )

    class Meta:
        verbose_name = _("bobot prioritas")
        verbose_name_plural = _("bobot prioritas")

    def __str__(self):
        return f"Bobot prioritas {self.fiscal_year}"


class PriorityOverride(models.Model):
    """The Camat's written decision to put a proposal in or out of the suggested set."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="priority_overrides"
    )
    include = models.BooleanField(
        _("masukkan"), help_text=_("Ya: wajib didanai; tidak: dikeluarkan.")
    )
    reason = models.TextField(_("alasan"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager(via="proposal__")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("keputusan camat atas prioritas")
        verbose_name_plural = _("keputusan camat atas prioritas")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(withdrawn_at__isnull=True),
                name="override_one_active_per_proposal",
            )
        ]

    def __str__(self):
        return f"{'Masuk' if self.include else 'Keluar'}: {self.proposal.code}"


class DecreeTemplate(models.Model):
    """The wording of a year's SK Camat, edited by Bappeda; placeholders in {braces}."""

    fiscal_year = models.OneToOneField(
        FiscalYear, on_delete=models.CASCADE, related_name="decree_template"
    )
    title = models.CharField(
        _("judul"), max_length=250, default="Penetapan Lokasi Kegiatan Bangkit Berdaya Tahun {year}"
    )
    menimbang = models.TextField(_("menimbang"), help_text=_("Satu butir per baris."))
    mengingat = models.TextField(_("mengingat"), help_text=_("Satu butir per baris."))
    clauses = models.TextField(
        _("diktum"),
        help_text=_(
            "Satu diktum per baris (KESATU, KEDUA … diberikan otomatis). "
            "Tersedia: {year}, {kecamatan}, {count}, {total}."
        ),
    )
    tembusan = models.TextField(_("tembusan"), help_text=_("Satu penerima per baris."))
    number_format = models.CharField(
        _("format nomor"),
        max_length=100,
        default="{seq}/SK/BB/KEC.{abbr}/{year}",
        help_text=_("Tersedia: {seq}, {abbr}, {year}."),
    )
    place = models.CharField(_("tempat penetapan"), max_length=50, default="Jambi")

    class Meta:
        verbose_name = _("templat SK Camat")
        verbose_name_plural = _("templat SK Camat")

    def __str__(self):
        return f"Templat SK {self.fiscal_year}"


class DecreeCounter(NumberCounter):
    """The last number given per kecamatan and year; locked while issuing, so no gaps or twins."""

    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kecamatan", "year"], name="decree_counter_unique"),
        ]

    def __str__(self):
        return f"{self.kecamatan} {self.year}: {self.last_number}"


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def decree_pdf_path(instance, filename):
    return f"decrees/{instance.fiscal_year.year}/{instance.public_id}.pdf"


class Decree(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draf")
        ISSUED = "issued", _("Ditetapkan")
        REVOKED = "revoked", _("Dicabut / diubah")

    class Paper(models.TextChoices):
        F4 = "F4", _("F4 (215 × 330 mm)")
        A4 = "A4", _("A4 (210 × 297 mm)")

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="decrees")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="decrees")
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    number = models.CharField(_("nomor"), max_length=100, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    title = models.CharField(_("judul"), max_length=250)
    menimbang = models.TextField(_("menimbang"))
    mengingat = models.TextField(_("mengingat"))
    clauses = models.JSONField(_("diktum"), default=list)
    tembusan = models.TextField(_("tembusan"), blank=True)
    place = models.CharField(_("tempat"), max_length=50, default="Jambi")
    decree_date = models.DateField(_("tanggal penetapan"), null=True, blank=True)
    signatory_name = models.CharField(_("nama penanda tangan"), max_length=100)
    signatory_rank = models.CharField(_("pangkat/golongan"), max_length=100, blank=True)
    signatory_nip = models.CharField(_("NIP"), max_length=18, blank=True)
    paper = models.CharField(
        _("ukuran kertas"), max_length=2, choices=Paper.choices, default=Paper.F4
    )
    pdf = models.FileField(upload_to=decree_pdf_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amended_by",
        verbose_name=_("mengubah SK"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager(
        rt="kecamatan__kelurahan_set__rts",
        kelurahan="kecamatan__kelurahan_set",
        kecamatan="kecamatan",
    )
    history = history_records(excluded_fields=["state"])

    class Meta:
        ordering = ["-fiscal_year__year", "kecamatan__code", "-sequence", "-created_at"]
        verbose_name = _("SK Camat")
        verbose_name_plural = _("SK Camat")
        constraints = [
            models.UniqueConstraint(
                fields=["kecamatan", "fiscal_year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="decree_unique_sequence",
            ),
        ]

    def __str__(self):
        return self.number or f"Draf SK {self.kecamatan} {self.fiscal_year}"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    @transition(field=state, source=State.DRAFT, target=State.ISSUED)
    def issue(self):
        pass

    @transition(field=state, source=State.ISSUED, target=State.REVOKED)
    def revoke(self):
        pass

    def save(self, *args, **kwargs):
        # An issued decree is a legal act: only its revocation may touch the row again.
        if self.pk is not None:
            stored = Decree.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored == self.State.REVOKED or (
                stored == self.State.ISSUED and self.state != self.State.REVOKED
            ):
                raise ValidationError(_("SK yang sudah ditetapkan tidak dapat diubah."))
        super().save(*args, **kwargs)


@dataclass(frozen=True)
class DecreedSite:
    """A location as the decree's annex prints it."""

    code: str
    rt_label: str
    kelurahan_name: str
    work_type_name: str
    location_description: str
    volume: Decimal
    width: Decimal | None
    unit: str


class DecreeLocation(models.Model):
    """One location in the decree's annex, with the budget it was designated for.

    When the decree is issued the site is copied here as printed in its PDF (RT, kelurahan,
    work, location, volume): later amendments change the proposal, never the issued act.
    """

    decree = models.ForeignKey(Decree, on_delete=models.CASCADE, related_name="locations")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="decree_locations"
    )
    budget = models.BigIntegerField(_("nilai RAB (Rp)"))
    position = models.PositiveSmallIntegerField(default=0)
    rt_label = models.CharField(_("RT"), max_length=20, blank=True)
    kelurahan_name = models.CharField(_("kelurahan"), max_length=100, blank=True)
    work_type_name = models.CharField(_("jenis kegiatan"), max_length=100, blank=True)
    location_description = models.CharField(_("uraian lokasi"), max_length=300, blank=True)
    volume = models.DecimalField(
        _("volume"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    width = models.DecimalField(
        _("lebar (m)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("satuan"), max_length=20, blank=True)

    FROZEN_FIELDS = [
        "rt_label",
        "kelurahan_name",
        "work_type_name",
        "location_description",
        "volume",
        "width",
        "unit",
    ]

    class Meta:
        ordering = ["decree", "position", "id"]
        verbose_name = _("lokasi dalam SK")
        verbose_name_plural = _("lokasi dalam SK")
        constraints = [
            models.UniqueConstraint(fields=["decree", "proposal"], name="decree_location_once"),
        ]

    def __str__(self):
        return f"{self.decree}: {self.proposal.code}"

    @property
    def is_frozen(self) -> bool:
        return self.volume is not None

    def freeze(self) -> None:
        """Copy the site from its proposal as the decree is issued (not saved here)."""
        live = self.proposal_site(self.proposal)
        for name in self.FROZEN_FIELDS:
            setattr(self, name, getattr(live, name))

    @staticmethod
    def proposal_site(p: Proposal) -> DecreedSite:
        """The site as its proposal stands now."""
        return DecreedSite(
            code=p.code,
            rt_label=p.rt.label,
            kelurahan_name=p.kelurahan.name,
            work_type_name=p.work_type.name,
            location_description=p.location_description,
            volume=p.planned_volume,
            width=p.planned_width,
            unit=p.work_type.unit,
        )

    @property
    def site(self) -> DecreedSite:
        """The site as the decree states it: the copy made at issue, or (for a draft, or a
        row written before copies were kept) the proposal as it is now."""
        if self.is_frozen:
            frozen = {name: getattr(self, name) for name in self.FROZEN_FIELDS}
            return DecreedSite(code=self.proposal.code, **frozen)
        return self.proposal_site(self.proposal)

    def save(self, *args, **kwargs):
        # The annex of an issued decree is part of the legal act, as is the decree itself.
        if self.pk is not None:
            stored = Decree.objects.filter(pk=self.decree_id).values_list("state", flat=True)
            if stored.first() not in (None, Decree.State.DRAFT):
                raise ValidationError(_("Lampiran SK yang sudah ditetapkan tidak dapat diubah."))
        super().save(*args, **kwargs)


class Amendment(models.Model):
    """A change to a designated site (location, volume, budget), with its reason: public."""

    class Field(models.TextChoices):
        LOCATION = "location", _("Lokasi")
        VOLUME = "volume", _("Volume")
        BUDGET = "budget", _("Anggaran")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="amendments")
    decree = models.ForeignKey(Decree, null=True, blank=True, on_delete=models.PROTECT)
    field = models.CharField(_("yang diubah"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("semula"), max_length=300)
    new_value = models.CharField(_("menjadi"), max_length=300)
    reason = models.TextField(_("alasan"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager(via="proposal__")

    class Meta:
        ordering = ["proposal", "created_at"]
        verbose_name = _("perubahan lokasi")
        verbose_name_plural = _("perubahan lokasi")

    def __str__(self):
        return f"{self.proposal.code}: {self.get_field_display()}"
