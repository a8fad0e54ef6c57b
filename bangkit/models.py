"""The core domain: regions of the city, users with their role and area, fiscal years, audit."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangkit import geo
from bangkit.history import history_records
from bangkit.money import rupiah
from bangkit.scoping import ScopedQuerySet
from bangkit.templatetags.rupiah import angka


class RegionBoundary(models.Model):
    """A region's boundary as loaded by ``load_regions`` from the GeoJSON in ``fixtures/``:
    the polygon, its box and its centre, so maps, dashboards and checks of coordinates need
    no GIS extension (see ``bangkit.geo``)."""

    boundary = models.JSONField(_("batas wilayah (GeoJSON)"), null=True, blank=True, editable=False)
    # [west, south, east, north], the GeoJSON bbox order.
    bbox = models.JSONField(_("kotak batas"), null=True, blank=True, editable=False)
    # The centre of mass: it may lie outside a bent region (geo.representative_point is inside).
    centroid_lat = models.FloatField(
        _("lintang titik pusat"), null=True, blank=True, editable=False
    )
    centroid_lon = models.FloatField(_("bujur titik pusat"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def contains(self, lat, lon) -> bool | None:
        """Whether the point lies inside the region; None when no boundary is stored."""
        if not self.boundary:
            return None
        west, south, east, north = self.bbox
        if not (west <= float(lon) <= east and south <= float(lat) <= north):
            return False
        return geo.contains(self.boundary, lat, lon)


class Kecamatan(RegionBoundary):
    code = models.CharField(_("kode Kemendagri"), max_length=8, unique=True)
    name = models.CharField(_("nama"), max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # Used in decree numbers, e.g. KEC.TLP for Telanaipura.
    abbreviation = models.CharField(_("singkatan"), max_length=10, blank=True)
    address = models.CharField(_("alamat kantor"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager(
        rt="kelurahan_set__rts", kelurahan="kelurahan_set", kecamatan="pk"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name


class KelurahanQuerySet(ScopedQuerySet):
    def existing_in(self, year: int):
        """Kelurahan that existed in a budget year (the six of 2023 are absent from 2020)."""
        return self.filter(valid_from_year__lte=year).filter(
            Q(valid_until_year__isnull=True) | Q(valid_until_year__gte=year)
        )


class Kelurahan(RegionBoundary):
    code = models.CharField(_("kode Kemendagri"), max_length=13, unique=True)
    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        related_name="kelurahan_set",
        verbose_name=_("kecamatan"),
    )
    name = models.CharField(_("nama"), max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    bps_code = models.CharField(_("kode BPS 2018"), max_length=10, blank=True)
    valid_from_year = models.PositiveSmallIntegerField(_("berlaku sejak tahun"))
    valid_until_year = models.PositiveSmallIntegerField(
        _("berlaku sampai tahun"), null=True, blank=True
    )
    aliases = models.JSONField(_("ejaan lain"), default=list, blank=True)

    objects = KelurahanQuerySet.as_manager(rt="rts", kelurahan="pk", kecamatan="kecamatan")

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")
        constraints = [
            models.UniqueConstraint(fields=["kecamatan", "name"], name="kelurahan_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self):
        return f"{self.name} ({self.kecamatan.name})"


class RT(models.Model):
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="rts", verbose_name=_("kelurahan")
    )
    # Other cities put an RW between kelurahan and RT; Kota Jambi does not.
    rw = models.CharField(_("RW"), max_length=3, blank=True, default="")
    number = models.PositiveSmallIntegerField(_("nomor RT"))
    head_name = models.CharField(_("nama Ketua RT"), max_length=100, blank=True)
    head_phone = models.CharField(_("telepon Ketua RT"), max_length=20, blank=True)
    # None: not yet known (an RT registered by an import); no tier-based ceiling until entered.
    households = models.PositiveIntegerField(
        _("jumlah KK"),
        null=True,
        blank=True,
        help_text=_("Kosong bila belum diketahui: pagu per jumlah KK baru berlaku setelah diisi."),
    )
    active = models.BooleanField(_("aktif"), default=True)

    objects = ScopedQuerySet.as_manager(
        rt="pk", kelurahan="kelurahan", kecamatan="kelurahan__kecamatan"
    )

    class Meta:
        ordering = ["kelurahan__code", "rw", "number"]
        verbose_name = _("RT")
        verbose_name_plural = _("RT")
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "rw", "number"], name="rt_unique_number"),
        ]

    def __str__(self):
        rw = f"RW {self.rw} " if self.rw else ""
        return f"{rw}RT {self.number:02d} {self.kelurahan.name}"

    @property
    def label(self):
        return f"RT {self.number:02d}"


class SlumArea(models.Model):
    """A slum designation (e.g. SK Walikota 166/2016) covering part of a kelurahan."""

    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="slum_areas", verbose_name=_("kelurahan")
    )
    hectares = models.DecimalField(_("luas (ha)"), max_digits=8, decimal_places=2)
    decree_number = models.CharField(_("nomor SK Walikota"), max_length=100)
    decree_year = models.PositiveSmallIntegerField(_("tahun SK"))
    # The year the designation counts from (a decree of late 2016 may hold from 2017), and the
    # last year it holds when a later decree replaces it; empty: from the decree's year, open.
    valid_from_year = models.PositiveSmallIntegerField(
        _("berlaku sejak tahun"),
        null=True,
        blank=True,
        help_text=_("Kosongkan bila berlaku sejak tahun SK."),
    )
    valid_until_year = models.PositiveSmallIntegerField(
        _("berlaku sampai tahun"),
        null=True,
        blank=True,
        help_text=_("Isi bila SK ini diganti SK yang lebih baru."),
    )

    objects = ScopedQuerySet.as_manager(
        rt="kelurahan__rts", kelurahan="kelurahan", kecamatan="kelurahan__kecamatan"
    )

    class Meta:
        ordering = ["kelurahan__code", "decree_year"]
        verbose_name = _("kawasan kumuh")
        verbose_name_plural = _("kawasan kumuh")

    def __str__(self):
        return f"{self.kelurahan} {angka(self.hectares)} ha (SK {self.decree_number})"

    @property
    def from_year(self) -> int:
        return self.valid_from_year or self.decree_year

    def holds_in(self, year: int) -> bool:
        """Whether the designation is in force in a budget year."""
        return self.from_year <= year and (
            self.valid_until_year is None or year <= self.valid_until_year
        )

    def clean(self):
        super().clean()
        if self.valid_until_year is not None and self.valid_until_year < (
            self.valid_from_year or self.decree_year or 0
        ):
            raise ValidationError(
                {"valid_until_year": _("Tahun akhir tidak boleh sebelum tahun mulai berlaku.")}
            )


class Role(models.TextChoices):
    RT = "rt", _("Ketua RT")
    KELURAHAN = "kelurahan", _("Kelurahan / Lurah")
    KECAMATAN = "kecamatan", _("Kecamatan / Camat")
    BAPPEDA = "bappeda", _("Bappeda")
    INSPEKTORAT = "inspektorat", _("Inspektorat")
    # The Walikota's office reads the city's figures and reports; it changes nothing.
    WALIKOTA = "walikota", _("Kantor Walikota")
    ADMIN = "admin", _("Administrator")
    TOKO = "toko", _("Toko bangunan")


CITY_ROLES = {Role.BAPPEDA, Role.INSPEKTORAT, Role.WALIKOTA, Role.ADMIN}
# City-wide roles that look and never act.
READ_ONLY_ROLES = {Role.INSPEKTORAT, Role.WALIKOTA}

# Roles whose area a later app keeps (a toko account's shop lives in procurement) say how
# they are labelled through register_area_label, from that app's AppConfig.ready().
ROLE_AREA_LABELS: dict = {}


def register_area_label(role: str, label) -> None:
    ROLE_AREA_LABELS[role] = label


class BangkitUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    rt = models.ForeignKey(
        RT, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("RT")
    )
    kelurahan = models.ForeignKey(
        Kelurahan, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("kelurahan")
    )
    kecamatan = models.ForeignKey(
        Kecamatan, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("kecamatan")
    )
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    position = models.CharField(_("jabatan"), max_length=100, blank=True)
    nip = models.CharField(_("NIP"), max_length=18, blank=True)
    objects = BangkitUserManager()
    # Who holds which role over which area, and since when; never the password, and a login
    # (last_login) alone writes no row.
    history = history_records(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            # Each role serves exactly the area of its level: enforced by the database too.
            models.CheckConstraint(
                name="user_role_matches_area",
                condition=(
                    Q(
                        role=Role.RT,
                        rt__isnull=False,
                        kelurahan__isnull=True,
                        kecamatan__isnull=True,
                    )
                    | Q(
                        role=Role.KELURAHAN,
                        rt__isnull=True,
                        kelurahan__isnull=False,
                        kecamatan__isnull=True,
                    )
                    | Q(
                        role=Role.KECAMATAN,
                        rt__isnull=True,
                        kelurahan__isnull=True,
                        kecamatan__isnull=False,
                    )
                    # A toko account speaks for its shop through procurement's SupplierAccount.
                    | Q(
                        role__in=[
                            Role.BAPPEDA,
                            Role.INSPEKTORAT,
                            Role.WALIKOTA,
                            Role.ADMIN,
                            Role.TOKO,
                        ],
                        rt__isnull=True,
                        kelurahan__isnull=True,
                        kecamatan__isnull=True,
                    )
                ),
            ),
        ]

    AREA_FIELD = {
        Role.RT: "rt",
        Role.KELURAHAN: "kelurahan",
        Role.KECAMATAN: "kecamatan",
    }
    AREA_LABELS = {
        "rt": "RT",
        "kelurahan": "kelurahan",
        "kecamatan": "kecamatan",
    }

    def clean(self):
        super().clean()
        needed = self.AREA_FIELD.get(self.role)
        errors = {}
        for field, label in self.AREA_LABELS.items():
            has = getattr(self, f"{field}_id") is not None
            if field == needed and not has:
                errors[field] = _("Peran %(role)s harus memiliki %(area)s.") % {
                    "role": self.get_role_display(),
                    "area": label,
                }
            elif field != needed and has:
                errors[field] = _("Peran %(role)s tidak boleh memiliki %(area)s.") % {
                    "role": self.get_role_display(),
                    "area": label,
                }
        if errors:
            raise ValidationError(errors)

    @property
    def is_city_wide(self) -> bool:
        return self.is_superuser or self.role in CITY_ROLES

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES and not self.is_superuser

    @property
    def area(self):
        field = self.AREA_FIELD.get(self.role)
        return getattr(self, field) if field else None

    @property
    def area_label(self) -> str:
        if self.role == Role.RT:
            return f"{self.rt} , Kec. {self.rt.kelurahan.kecamatan}".replace(" ,", ",")
        if self.role == Role.KELURAHAN:
            return f"Kelurahan {self.kelurahan.label}"
        if self.role == Role.KECAMATAN:
            return f"Kecamatan {self.kecamatan}"
        if self.role in ROLE_AREA_LABELS:
            return ROLE_AREA_LABELS[self.role](self)
        return str(_("Seluruh Kota Jambi"))

    @property
    def kelurahan_id_in_scope(self):
        """The kelurahan this user works in, whatever the level (None for city-wide)."""
        if self.role == Role.RT:
            return self.rt.kelurahan_id
        return self.kelurahan_id


class ImmutableQuerySet(models.QuerySet):
    """For records that are written once: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise ValidationError("Catatan ini tidak dapat diubah.")

    def delete(self):
        raise ValidationError("Catatan ini tidak dapat dihapus.")

    update.queryset_only = True
    delete.queryset_only = True


class ImmutableRecord(models.Model):
    """A row written once: saving it again or deleting it is refused, one row or many."""

    # What the refusal calls the row: "Catatan audit tidak dapat diubah."
    record_name = "Catatan ini"

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(f"{self.record_name} tidak dapat diubah.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self.record_name} tidak dapat dihapus.")


# The Indonesian words for each audit action: the app that writes an action registers its
# label from its AppConfig.ready(), so the core names no later stage.
AUDIT_ACTION_LABELS: dict[str, str] = {}


def register_audit_actions(labels: dict) -> None:
    AUDIT_ACTION_LABELS.update({code: str(label) for code, label in labels.items()})


def audit_action_label(code: str) -> str:
    """'proposal_submit' → 'Tahap usulan: Diajukan ke kelurahan'; an unregistered code as it is."""
    return AUDIT_ACTION_LABELS.get(code, code)


class AuditEvent(ImmutableRecord):
    """An immutable record of who changed what, written by the service that made the change."""

    created_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("pelaku")
    )
    action = models.CharField(_("tindakan"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.TextField(_("ringkasan"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The kecamatan of the record, read when the row is written (bangkit.scoping.kecamatan_of):
    # a camat's trail is one index range, and a deleted record's rows stay in its area.
    kecamatan = models.ForeignKey(
        Kecamatan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("kecamatan"),
    )

    record_name = "Catatan audit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["kecamatan", "-created_at", "-id"], name="auditevent_kec_time"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action_label}"

    @property
    def action_label(self) -> str:
        return audit_action_label(self.action)


class WorkType(models.Model):
    """A kind of work the programme funds, with the unit its output is measured in."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=100, unique=True)
    unit = models.CharField(_("satuan keluaran"), max_length=20)
    has_width = models.BooleanField(_("memakai lebar"), default=False)
    aliases = models.JSONField(_("sebutan lain"), default=list, blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("jenis kegiatan")
        verbose_name_plural = _("jenis kegiatan")

    def __str__(self):
        return self.name


class FiscalYear(models.Model):
    """A budget year and its programme rules: rules change by year, so they are data."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Persiapan")
        OPEN = "open", _("Pengajuan usulan dibuka")
        VERIFICATION = "verification", _("Verifikasi")
        EXECUTION = "execution", _("Pelaksanaan")
        CLOSED = "closed", _("Ditutup")

    class SupportResidency(models.TextChoices):
        """Whose NIK may support a Musrenbang entry, judged by the NIK's region code.

        NIK digits 1–6 are the province, city and kecamatan where the NIK was issued; nothing
        in a NIK names the kelurahan, so a kelurahan rule could only trust what the citizen
        types and is not offered.
        """

        CITY = "city", _("Seluruh Kota Jambi")
        KECAMATAN = "kecamatan", _("Kecamatan lokasi usulan")

    year = models.PositiveSmallIntegerField(_("tahun anggaran"), unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    regulation = models.CharField(_("dasar peraturan"), max_length=200, blank=True)
    # Either one ceiling for every location, or tiers by RT size (CeilingTier rows).
    ceiling_amount = models.BigIntegerField(
        _("pagu per lokasi (Rp)"),
        null=True,
        blank=True,
        help_text=_("Kosongkan bila memakai tingkatan per jumlah KK."),
    )
    work_types = models.ManyToManyField(WorkType, blank=True, verbose_name=_("jenis kegiatan"))
    daily_wage = models.BigIntegerField(_("upah harian setara (Rp)"), default=120_000)
    total_budget = models.BigIntegerField(_("anggaran program (Rp)"), default=0)
    support_residency = models.CharField(
        _("pendukung usulan Musrenbang"),
        max_length=10,
        choices=SupportResidency.choices,
        default=SupportResidency.KECAMATAN,
        help_text=_(
            "Siapa yang boleh mendukung usulan Musrenbang tahun ini, menurut kode wilayah pada "
            "NIK (angka ke-1 sampai ke-6: provinsi, kota, kecamatan tempat NIK diterbitkan). "
            "NIK tidak memuat kelurahan, sehingga syarat per kelurahan tidak dapat diperiksa "
            "dan tidak disediakan. Warga yang pindah kecamatan tetap memakai NIK lamanya: "
            "pilih seluruh Kota Jambi bila mereka juga harus dapat mendukung."
        ),
    )

    history = history_records(m2m_fields=[work_types])

    class Meta:
        ordering = ["-year"]
        verbose_name = _("tahun anggaran")
        verbose_name_plural = _("tahun anggaran")
        constraints = [
            models.CheckConstraint(
                name="fiscal_year_ceiling_positive",
                condition=Q(ceiling_amount__isnull=True) | Q(ceiling_amount__gt=0),
            )
        ]

    def __str__(self):
        return str(self.year)

    def ceiling_for(self, households: int | None) -> int | None:
        """The RAB ceiling for a location of an RT with this many households.

        An RT whose households are not known (None) has no tier: None, until someone enters
        them. A year with one ceiling for every location does not need them.
        """
        if self.ceiling_amount:
            return self.ceiling_amount
        if households is None:
            return None
        for tier in self.ceiling_tiers.all():
            if tier.min_households <= households and (
                tier.max_households is None or households <= tier.max_households
            ):
                return tier.amount
        return None


class CeilingTier(models.Model):
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.CASCADE, related_name="ceiling_tiers"
    )
    min_households = models.PositiveIntegerField(_("KK paling sedikit"), default=0)
    max_households = models.PositiveIntegerField(_("KK paling banyak"), null=True, blank=True)
    amount = models.BigIntegerField(_("pagu (Rp)"))

    history = history_records()

    class Meta:
        ordering = ["fiscal_year", "min_households"]
        verbose_name = _("pagu per jumlah KK")
        verbose_name_plural = _("pagu per jumlah KK")
        constraints = [
            models.CheckConstraint(name="ceiling_tier_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        upper = self.max_households if self.max_households is not None else "…"
        return f"{self.min_households}–{upper} KK: {rupiah(self.amount)}"


class RequiredDocument(models.Model):
    """A document a proposal must carry before it can be submitted in a given year."""

    class Kind(models.TextChoices):
        PROPOSAL_LETTER = "proposal_letter", _("Surat usulan")
        SITE_PHOTO = "site_photo", _("Foto lokasi 0%")
        ATTENDANCE = "attendance", _("Daftar hadir musyawarah RT")
        OTHER = "other", _("Lainnya")

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.CASCADE, related_name="required_documents"
    )
    kind = models.CharField(_("jenis dokumen"), max_length=30, choices=Kind.choices)
    label = models.CharField(_("nama dokumen"), max_length=150)
    min_count = models.PositiveSmallIntegerField(_("jumlah minimal"), default=1)

    history = history_records()

    class Meta:
        ordering = ["fiscal_year", "id"]
        verbose_name = _("dokumen wajib")
        verbose_name_plural = _("dokumen wajib")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "kind"], name="required_document_once"),
        ]

    def __str__(self):
        return f"{self.label} (min. {self.min_count})"


class ChecklistItem(models.Model):
    """One question of the kelurahan or kecamatan verification checklist of a year."""

    class Stage(models.TextChoices):
        KELURAHAN = "kelurahan", _("Verifikasi kelurahan")
        KECAMATAN = "kecamatan", _("Verifikasi kecamatan")
        REPORT = "report", _("Pemeriksaan laporan")

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.CASCADE, related_name="checklist_items"
    )
    stage = models.CharField(_("tahap"), max_length=20, choices=Stage.choices)
    text = models.CharField(_("pertanyaan"), max_length=250)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    history = history_records()

    class Meta:
        ordering = ["fiscal_year", "stage", "order", "id"]
        verbose_name = _("butir daftar periksa")
        verbose_name_plural = _("butir daftar periksa")

    def __str__(self):
        return self.text
