"""Building-supply shops, the material catalogue and its prices, purchase orders, deliveries,
the material hand-over (BAST) and payments to the shops."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangkit.history import history_records
from bangkit.models import FiscalYear, Kelurahan, Role, WorkType
from bangkit.money import line_total, rupiah
from bangkit.numbering import NumberCounter
from bangkit.queries import without_boundaries
from bangkit.scoping import ScopedQuerySet
from bangkit.templatetags.rupiah import angka
from procurement.npwp import format_npwp, is_nik_npwp, masked_npwp, normalize_npwp, validate_npwp
from proposals.models import Proposal

DEFAULT_PRICE_MARGIN_PERCENT = 10


class SupplierQuerySet(ScopedQuerySet):
    """Shops are public business facts: every office sees them all; a shop sees itself."""

    scope_toko = "accounts__user"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role in (Role.KELURAHAN, Role.KECAMATAN):
            return self.all()
        return super().visible_to(user)

    def ranked_for(self, kelurahan: Kelurahan):
        """Active shops, those of the same kelurahan first, then the same kecamatan."""
        return (
            self.filter(active=True)
            .select_related("kelurahan__kecamatan")
            .annotate(
                nearness=models.Case(
                    models.When(kelurahan=kelurahan, then=0),
                    models.When(kelurahan__kecamatan_id=kelurahan.kecamatan_id, then=1),
                    default=2,
                    output_field=models.IntegerField(),
                )
            )
            .order_by("nearness", "name")
        )


class Supplier(models.Model):
    """A toko bangunan that sells materials to the programme."""

    name = models.CharField(_("nama toko"), max_length=150)
    owner_name = models.CharField(_("nama pemilik"), max_length=100)
    address = models.CharField(_("alamat"), max_length=250)
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="suppliers", verbose_name=_("kelurahan")
    )
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    npwp = models.CharField(
        _("NPWP"),
        max_length=16,
        blank=True,
        validators=[validate_npwp],
        help_text=_("15 angka (format lama 99.999.999.9-999.999) atau 16 angka (sejak 2024)."),
    )
    bank_name = models.CharField(_("nama bank"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("nomor rekening"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("nama pemilik rekening"), max_length=100, blank=True)
    active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupplierQuerySet.as_manager()
    # Bank details decide where the city's money goes: every old and new value is kept. An
    # NPWP that is the owner's NIK is kept masked, as it is shown.
    history = history_records(masked={"npwp": masked_npwp})

    class Meta:
        ordering = ["name"]
        verbose_name = _("toko bangunan")
        verbose_name_plural = _("toko bangunan")
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "name"], name="supplier_unique_name"),
            models.UniqueConstraint(
                fields=["npwp"], condition=~Q(npwp=""), name="supplier_unique_npwp"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.npwp = normalize_npwp(self.npwp)
        if self.bank_account_number:
            self.bank_account_number = "".join(self.bank_account_number.split())
            if not self.bank_account_number.replace("-", "").isdigit():
                raise ValidationError({"bank_account_number": _("Nomor rekening hanya angka.")})

    @property
    def npwp_display(self) -> str:
        """A 16-digit NPWP not starting with 0 is the owner's NIK: shown masked (UU 27/2022)."""
        if is_nik_npwp(self.npwp):
            return f"NIK {masked_npwp(self.npwp)}"
        return format_npwp(self.npwp)


class SupplierAccount(models.Model):
    """A toko account speaks for one shop: it sees only that shop's orders and deliveries."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="supplier_account",
        verbose_name=_("akun"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("toko")
    )

    history = history_records()

    class Meta:
        verbose_name = _("akun toko")
        verbose_name_plural = _("akun toko")

    def __str__(self):
        return f"{self.user} — {self.supplier}"

    def clean(self):
        super().clean()
        if self.user_id and self.user.role != Role.TOKO:
            raise ValidationError(
                {"user": _("Hanya akun berperan toko bangunan yang dapat mewakili toko.")}
            )


# The catalogue's units (each its own label), with their UN/CEFACT Recommendation 20 codes for
# the OCDS export: one row a unit, so a new unit cannot go without its code.
_UNITS = (
    ("SAK", "sak", "BG"),  # bag
    ("M3", "m³", "MTQ"),
    ("BATANG", "batang", "H87"),  # piece
    ("KG", "kg", "KGM"),
    ("LEMBAR", "lembar", "ST"),  # sheet
    ("BUAH", "buah", "H87"),
    ("LITER", "liter", "LTR"),
    ("M", "m", "MTR"),
    ("M2", "m²", "MTK"),
    ("SET", "set", "SET"),
)
Unit = models.TextChoices("Unit", [(name, (value, _(value))) for name, value, _code in _UNITS])
UNIT_CODES = {value: code for _name, value, code in _UNITS}

# The catalogue's categories, with their class in UNSPSC (segment 30: structures and building
# materials) for the OCDS export.
_CATEGORIES = (
    ("CEMENT", "semen", _("Semen & perekat"), "30111601", "Cement"),
    ("AGGREGATE", "agregat", _("Pasir, batu & tanah"), "30111800", "Aggregates"),
    ("STEEL", "besi", _("Besi & kawat"), "30102400", "Bars (steel)"),
    ("TIMBER", "kayu", _("Kayu & papan"), "30103600", "Structural products (lumber)"),
    ("PIPE", "pipa", _("Pipa & saluran"), "40142000", "Pipe"),
    ("MASONRY", "bata", _("Bata, batako & buis beton"), "30131500", "Blocks and bricks"),
    ("SANITARY", "sanitasi", _("Sanitasi"), "30181500", "Sanitary ware"),
    ("ROOF", "atap", _("Atap"), "30151500", "Roofing materials"),
    (
        "FINISH",
        "finishing",
        _("Keramik, cat & finishing"),
        "30161700",
        "Flooring (tiles) and finishing",
    ),
    ("TOOLS", "lain", _("Lain-lain"), "31160000", "Hardware"),
)
Category = models.TextChoices(
    "Category", [(name, (value, label)) for name, value, label, *_unspsc in _CATEGORIES]
)
CATEGORY_UNSPSC = {value: tuple(unspsc) for _name, value, _label, *unspsc in _CATEGORIES}


class Material(models.Model):
    """One item of the city's material catalogue."""

    name = models.CharField(_("nama material"), max_length=150, unique=True)
    unit = models.CharField(_("satuan"), max_length=10, choices=Unit.choices)
    category = models.CharField(_("kategori"), max_length=20, choices=Category.choices)
    # Other spellings the RAB uses ("semen portland", "PC 50kg" …), matched ignoring case.
    aliases = models.JSONField(_("sebutan lain"), default=list, blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    history = history_records()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("material")
        verbose_name_plural = _("katalog material")

    def __str__(self):
        return f"{self.name} ({self.unit})"


class ReferencePrice(models.Model):
    """The price the city accepts for a material in a budget year (harga satuan acuan)."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="reference_prices",
        verbose_name=_("tahun anggaran"),
    )
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, related_name="prices", verbose_name=_("material")
    )
    price = models.BigIntegerField(_("harga acuan (Rp)"), validators=[MinValueValidator(1)])
    source = models.CharField(_("sumber"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["fiscal_year", "material__category", "material__name"]
        verbose_name = _("harga acuan")
        verbose_name_plural = _("harga acuan")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "material"], name="reference_price_once_per_year"
            ),
            models.CheckConstraint(name="reference_price_positive", condition=Q(price__gt=0)),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.material}: {rupiah(self.price)}"


class RABTemplate(models.Model):
    """A year's standard bill of materials for one work type, for a base volume (and width):
    "rabat beton per 100 m, lebar 1,5 m". Bappeda keeps them; the Ketua RT's guided flow
    scales them to the planned volume, priced at the year's reference prices."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="rab_templates",
        verbose_name=_("tahun anggaran"),
    )
    work_type = models.ForeignKey(
        WorkType, on_delete=models.PROTECT, related_name="+", verbose_name=_("jenis kegiatan")
    )
    name = models.CharField(
        _("nama templat"),
        max_length=150,
        help_text=_("Mis. “Rabat beton tebal 10 cm, campuran 1:2:3”."),
    )
    base_volume = models.DecimalField(
        _("volume dasar"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Jumlah material di bawah ini berlaku untuk volume ini, mis. 100 (m)."),
    )
    base_width = models.DecimalField(
        _("lebar dasar (m)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.10"))],
        help_text=_("Untuk jenis kegiatan yang memakai lebar, mis. 1,5."),
    )
    active = models.BooleanField(_("aktif"), default=True)

    history = history_records()

    class Meta:
        ordering = ["fiscal_year", "work_type__name", "name"]
        verbose_name = _("templat RAB")
        verbose_name_plural = _("templat RAB")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "work_type", "name"], name="rab_template_unique_name"
            ),
            models.CheckConstraint(
                name="rab_template_volume_positive", condition=Q(base_volume__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year} · {self.name}"

    def clean(self):
        super().clean()
        if self.work_type_id and self.work_type.has_width and not self.base_width:
            raise ValidationError(
                {"base_width": _("Jenis kegiatan ini memakai lebar: isi lebar dasar (m).")}
            )


class RABTemplateLine(models.Model):
    """One material of a template, with its quantity for the template's base volume."""

    template = models.ForeignKey(RABTemplate, on_delete=models.CASCADE, related_name="lines")
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    quantity = models.DecimalField(
        _("jumlah untuk volume dasar"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    scales_with_width = models.BooleanField(
        _("ikut lebar"),
        default=True,
        help_text=_(
            "Matikan untuk material yang hanya bergantung pada panjang, mis. papan bekisting di "
            "kedua sisi."
        ),
    )
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    history = history_records()

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("baris templat RAB")
        verbose_name_plural = _("baris templat RAB")
        constraints = [
            models.UniqueConstraint(fields=["template", "material"], name="rab_template_line_once"),
            models.CheckConstraint(
                name="rab_template_quantity_positive", condition=Q(quantity__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.material.name}: {self.quantity} {self.material.unit}"


class ProcurementSettings(models.Model):
    """Procurement rules of a budget year: data, because they change by year."""

    fiscal_year = models.OneToOneField(
        FiscalYear, on_delete=models.CASCADE, related_name="procurement_settings"
    )
    price_margin_percent = models.PositiveSmallIntegerField(
        _("batas di atas harga acuan (%)"),
        default=DEFAULT_PRICE_MARGIN_PERCENT,
        validators=[MaxValueValidator(100)],
        help_text=_("Harga satuan di atas harga acuan lebih dari batas ini wajib diberi alasan."),
    )

    history = history_records()

    class Meta:
        verbose_name = _("aturan pengadaan")
        verbose_name_plural = _("aturan pengadaan")

    def __str__(self):
        return f"Aturan pengadaan {self.fiscal_year}"


class OrderCounter(NumberCounter):
    """The last order number given per kelurahan and year; locked while issuing: no gaps."""

    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "year"], name="order_counter_unique"),
        ]

    def __str__(self):
        return f"{self.kelurahan} {self.year}: {self.last_number}"


class PurchaseOrderQuerySet(ScopedQuerySet):
    scope_via = "proposal__"
    scope_toko = "supplier__accounts__user"

    def visible_to(self, user):
        qs = super().visible_to(user)
        # A shop never sees another shop's drafts or its own unsent drafts.
        if user is not None and user.is_authenticated and user.role == Role.TOKO:
            qs = qs.exclude(state=PurchaseOrder.State.DRAFT)
        return qs

    def for_supplier(self, supplier):
        """What a shop's own account sees (issued and cancelled orders to it)."""
        return self.filter(supplier=supplier).exclude(state=PurchaseOrder.State.DRAFT)

    def issued(self):
        return self.filter(state=PurchaseOrder.State.ISSUED)

    def for_lists(self):
        return without_boundaries(
            self.select_related(
                "supplier",
                "proposal__rt",
                "proposal__kelurahan__kecamatan",
                "proposal__fiscal_year",
            ),
            "proposal__kelurahan__kecamatan",
        )


class PurchaseOrder(models.Model):
    """A Surat Pesanan from the kelurahan (budget user) to one shop, for one proposal."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draf")
        ISSUED = "issued", _("Diterbitkan")
        CANCELLED = "cancelled", _("Dibatalkan")

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("usulan"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="orders", verbose_name=_("toko")
    )
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    number = models.CharField(_("nomor surat pesanan"), max_length=60, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The counter's kelurahan and year, kept so the numbering can be audited.
    number_kelurahan = models.ForeignKey(
        Kelurahan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    supplier_reason = models.TextField(
        _("alasan memilih toko di luar kecamatan"),
        blank=True,
    )
    note = models.TextField(_("catatan"), blank=True)
    delivery_address = models.CharField(_("alamat pengiriman"), max_length=300, blank=True)
    total = models.BigIntegerField(_("jumlah (Rp)"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("dikonfirmasi toko"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("alasan pembatalan"), blank=True)

    objects = PurchaseOrderQuerySet.as_manager()
    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The order lists' order (newest issued first, drafts without a date on top).
            models.Index(fields=["-issued_at", "-created_at"], name="order_list_order"),
        ]
        verbose_name = _("surat pesanan")
        verbose_name_plural = _("surat pesanan")
        constraints = [
            models.UniqueConstraint(
                fields=["number_kelurahan", "number_year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="order_unique_sequence",
            ),
            models.CheckConstraint(name="order_total_not_negative", condition=Q(total__gte=0)),
        ]

    def __str__(self):
        return self.number or f"Draf pesanan #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_outside_kecamatan(self) -> bool:
        return self.supplier.kelurahan.kecamatan_id != self.proposal.kelurahan.kecamatan_id


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    material = models.ForeignKey(
        Material,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("material katalog"),
    )
    description = models.CharField(_("uraian"), max_length=150)
    unit = models.CharField(_("satuan"), max_length=20)
    quantity = models.DecimalField(
        _("jumlah"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"), validators=[MinValueValidator(1)])
    line_total = models.BigIntegerField(_("jumlah harga (Rp)"), default=0, editable=False)
    # The year's reference price when the line was priced (kept: prices change).
    reference_price = models.BigIntegerField(_("harga acuan (Rp)"), null=True, blank=True)
    flagged = models.BooleanField(_("ditandai"), default=False)
    justification = models.TextField(_("alasan harga / material"), blank=True)
    rab_line = models.ForeignKey(
        "proposals.RABLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = history_records()

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("baris pesanan")
        verbose_name_plural = _("baris pesanan")
        constraints = [
            models.CheckConstraint(
                name="order_line_quantity_positive", condition=Q(quantity__gt=0)
            ),
            models.CheckConstraint(name="order_line_price_positive", condition=Q(unit_price__gt=0)),
        ]

    def __str__(self):
        return f"{self.description} {angka(self.quantity)} {self.unit}"

    def compute_total(self) -> int:
        return line_total(self.quantity, self.unit_price)

    @property
    def percent_above_reference(self) -> int | None:
        if not self.reference_price:
            return None
        return round(100 * (self.unit_price - self.reference_price) / self.reference_price)


def delivery_photo_path(instance, filename):
    return f"procurement/deliveries/{instance.order_id}/{filename}"


class DeliveryQuerySet(ScopedQuerySet):
    scope_via = "order__proposal__"
    scope_toko = "order__supplier__accounts__user"


class Delivery(models.Model):
    """One arrival of materials on site, recorded by the kelurahan with a photo."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("tanggal diterima"))
    received_by_name = models.CharField(_("diterima oleh"), max_length=100)
    note = models.TextField(_("catatan"), blank=True)
    photo = models.FileField(_("foto"), upload_to=delivery_photo_path, max_length=300, blank=True)
    photo_content_type = models.CharField(max_length=50, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    supplier_confirmed_at = models.DateTimeField(null=True, blank=True)
    supplier_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DeliveryQuerySet.as_manager()
    history = history_records()

    class Meta:
        ordering = ["order", "delivered_on", "id"]
        verbose_name = _("penerimaan material")
        verbose_name_plural = _("penerimaan material")

    def __str__(self):
        return f"{self.order} {self.delivered_on:%d-%m-%Y}"


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="deliveries"
    )
    # Accepted in good condition; refused goods are counted apart and never paid.
    quantity = models.DecimalField(
        _("diterima baik"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    rejected_quantity = models.DecimalField(
        _("ditolak (rusak/tidak sesuai)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )

    history = history_records()

    class Meta:
        ordering = ["delivery", "order_line__position", "id"]
        constraints = [
            models.CheckConstraint(
                name="delivery_line_not_negative",
                condition=Q(quantity__gte=0) & Q(rejected_quantity__gte=0),
            ),
            models.UniqueConstraint(
                fields=["delivery", "order_line"], name="delivery_line_once_per_delivery"
            ),
        ]

    def __str__(self):
        return f"{self.order_line.description}: {angka(self.quantity)} {self.order_line.unit}"


def handover_pdf_path(instance, filename):
    return f"procurement/bast/{instance.proposal.fiscal_year.year}/{filename}"


class HandoverQuerySet(ScopedQuerySet):
    scope_via = "proposal__"


class Handover(models.Model):
    """The BAST: the kelurahan hands the delivered materials over to the Ketua RT.

    The kelurahan records it (first party); the Ketua RT confirms it from their own account
    (second party), or, when both signed on paper, the kelurahan records that with a scan of
    the signed page. Only then is it complete, its PDF fixed with a SHA-256, and the proposal
    moves to 'materials received'.
    """

    class State(models.TextChoices):
        AWAITING_RT = "awaiting_rt", _("Menunggu konfirmasi Ketua RT")
        COMPLETE = "complete", _("Lengkap")

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="handover", verbose_name=_("usulan")
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.AWAITING_RT, db_index=True
    )
    number = models.CharField(_("nomor BAST"), max_length=60)
    handover_date = models.DateField(_("tanggal serah terima"))
    place = models.CharField(_("tempat"), max_length=200)
    first_party_name = models.CharField(_("pihak pertama: nama"), max_length=100)
    first_party_position = models.CharField(_("pihak pertama: jabatan"), max_length=150)
    first_party_nip = models.CharField(_("pihak pertama: NIP"), max_length=18, blank=True)
    second_party_name = models.CharField(_("pihak kedua: nama"), max_length=100)
    second_party_position = models.CharField(_("pihak kedua: jabatan"), max_length=150)
    # [{"description", "unit", "quantity", "condition"}]: fixed when recorded.
    items = models.JSONField(_("daftar material"), default=list)
    condition_note = models.TextField(_("keterangan kondisi"), blank=True)
    signed_on_paper = models.BooleanField(_("ditandatangani di atas kertas"), default=False)
    paper_scan = models.FileField(upload_to="procurement/bast/scan/", blank=True, max_length=300)
    paper_scan_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    rt_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rt_confirmed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=handover_pdf_path, blank=True, max_length=300)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("BAST material")
        verbose_name_plural = _("BAST material")

    def __str__(self):
        return self.number

    @property
    def is_complete(self) -> bool:
        return self.state == self.State.COMPLETE


class PaymentQuerySet(ScopedQuerySet):
    scope_via = "order__proposal__"
    scope_rt = None
    scope_toko = "order__supplier__accounts__user"


class Payment(models.Model):
    """Money paid to the shop for an order: what the envelope's 'spent' is summed from."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="payments")
    invoice_number = models.CharField(_("nomor faktur/kuitansi"), max_length=60)
    amount = models.BigIntegerField(_("jumlah dibayar (Rp)"), validators=[MinValueValidator(1)])
    paid_on = models.DateField(_("tanggal bayar"))
    reference = models.CharField(
        _("referensi pembayaran"), max_length=100, help_text=_("Nomor SP2D / bukti transfer.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()
    history = history_records()

    class Meta:
        ordering = ["order", "paid_on", "id"]
        verbose_name = _("pembayaran")
        verbose_name_plural = _("pembayaran")
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(
                fields=["order", "invoice_number"], name="payment_invoice_once_per_order"
            ),
        ]

    def __str__(self):
        return f"{self.order} {self.invoice_number}: {rupiah(self.amount)}"
