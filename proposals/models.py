"""Musrenbang entries, the proposal with its state machine, RAB lines, attachments, supports."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from bangkit.history import history_records
from bangkit.images import PhotoMetadataFields
from bangkit.models import (
    RT,
    FiscalYear,
    ImmutableRecord,
    Kelurahan,
    RequiredDocument,
    WorkType,
)
from bangkit.money import line_total
from bangkit.queries import count_of, sum_of, without_boundaries
from bangkit.scoping import ScopedQuerySet
from bangkit.templatetags.rupiah import angka
from proposals import rules
from proposals.codes import new_tracking_code
from proposals.states import (  # noqa: F401  (State is part of this module's interface)
    CANCELLABLE_STATES,
    CLOSED_STATES,
    EDITABLE_STATES,
    State,
    Transition,
)

# Kept by procurement's services on the proposal's row (see Proposal.save).
PROCUREMENT_FIGURES = ("ordered_amount", "delivered_amount", "paid_amount")

# Kota Jambi's bounding box, with a small margin: a point outside is a typo.
JAMBI_LAT = (Decimal("-1.720000"), Decimal("-1.500000"))
JAMBI_LON = (Decimal("103.500000"), Decimal("103.720000"))

latitude_validators = [MinValueValidator(JAMBI_LAT[0]), MaxValueValidator(JAMBI_LAT[1])]
longitude_validators = [MinValueValidator(JAMBI_LON[0]), MaxValueValidator(JAMBI_LON[1])]


class MusrenbangEntryQuerySet(ScopedQuerySet):
    scope_via = ""

    def with_support_count(self):
        # A correlated subquery, not a join grouped over every entry: a page's LIMIT then
        # counts the supports of its own rows only (support_once_per_nik indexes entry first).
        return self.annotate(support_count=count_of(CitizenSupport.objects.all(), per="entry"))

    def counted_once(self):
        """Entries as the figures count them: a carried chain once, at its last year (the year
        it was funded, or the latest it waited in), never again in the years it left.

        As NOT EXISTS, not a LEFT JOIN with IS NULL: PostgreSQL estimates the join's anti-join
        at one row and sorted ten years of entries on disk for a page of fifty (180 ms); the
        subquery keeps the estimate and walks the year index (12 ms)."""
        carried = self.model._base_manager.filter(carried_from=OuterRef("pk"))
        return self.filter(~Exists(carried))


class EntryOrigin(models.TextChoices):
    """Where a Musrenbang entry came from: the spreadsheet, or a resident's online usulan."""

    IMPORT = "import", _("Impor Musrenbang")
    RESIDENT = "resident", _("Usulan warga (daring)")


class MusrenbangEntry(models.Model):
    """One wish from the Musrenbang data, as imported (or accepted from a resident's usulan);
    the proposal grows from it."""

    # What the Musrenbang said of the wish itself, not where it stands: the admin edits these,
    # and an entry carried to the next year takes them along as they are.
    CONTENT_FIELDS = (
        "title",
        "problem",
        "work_type",
        "work_type_text",
        "location_text",
        "volume",
        "unit",
        "estimated_cost",
        "priority",
        "proposer",
        "latitude",
        "longitude",
    )

    year = models.PositiveSmallIntegerField(_("tahun"), db_index=True)
    source_id = models.CharField(_("ID usulan"), max_length=50)
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT, verbose_name=_("kelurahan"))
    rt = models.ForeignKey(
        RT,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="musrenbang_entries",
        verbose_name=_("RT"),
    )
    title = models.CharField(_("usulan"), max_length=300)
    problem = models.TextField(_("permasalahan"), blank=True)
    work_type = models.ForeignKey(
        WorkType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("jenis kegiatan")
    )
    work_type_text = models.CharField(_("jenis kegiatan (teks asli)"), max_length=150, blank=True)
    location_text = models.CharField(_("lokasi"), max_length=300, blank=True)
    volume = models.DecimalField(
        _("volume"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("satuan"), max_length=30, blank=True)
    estimated_cost = models.BigIntegerField(_("perkiraan biaya (Rp)"), null=True, blank=True)
    priority = models.PositiveIntegerField(_("prioritas"), null=True, blank=True)
    proposer = models.CharField(_("pengusul"), max_length=150, blank=True)
    latitude = models.DecimalField(
        _("lintang"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=latitude_validators,
    )
    longitude = models.DecimalField(
        _("bujur"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=longitude_validators,
    )
    # A resident's entry keeps the usulan's tracking code as its source id, so the import of
    # the kelurahan's Musrenbang sheet that lists it again updates it instead of adding a twin.
    origin = models.CharField(
        _("asal"), max_length=10, choices=EntryOrigin.choices, default=EntryOrigin.IMPORT
    )
    # The order the RT meeting decided (1 first); the import's own `priority` stays apart.
    rt_rank = models.PositiveIntegerField(_("urutan rapat RT"), null=True, blank=True)
    # An unfunded entry carried into the next year: the new year's row points at the old one.
    carried_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
        verbose_name=_("dibawa dari"),
    )
    first_year = models.PositiveSmallIntegerField(
        _("tahun pertama diusulkan"), null=True, blank=True
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MusrenbangEntryQuerySet.as_manager()
    history = history_records()

    class Meta:
        ordering = ["year", "kelurahan__code", "source_id"]
        verbose_name = _("usulan Musrenbang")
        verbose_name_plural = _("usulan Musrenbang")
        constraints = [
            models.UniqueConstraint(fields=["year", "source_id"], name="musrenbang_unique_source"),
            models.CheckConstraint(
                name="musrenbang_cost_not_negative",
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
            ),
        ]

    def __str__(self):
        return f"{self.year}/{self.source_id} {self.title}"

    def clean(self):
        super().clean()
        if self.rt_id and self.kelurahan_id and self.rt.kelurahan_id != self.kelurahan_id:
            raise ValidationError({"rt": _("RT tidak berada di kelurahan usulan.")})


class ProposalQuerySet(ScopedQuerySet):
    scope_via = ""

    def with_rab_total(self):
        # A correlated subquery (see MusrenbangEntryQuerySet.with_support_count).
        return self.annotate(
            rab_sum=sum_of(
                RABLine.objects.all(),
                "line_total",
                per="proposal",
                output_field=models.BigIntegerField(),
            )
        )

    def for_lists(self):
        return without_boundaries(
            self.select_related("rt", "kelurahan__kecamatan", "work_type", "fiscal_year"),
            "kelurahan__kecamatan",
        )

    def with_last_step(self):
        """Each proposal's latest logged step, as `last_transition`, `last_note` and
        `last_step_at`, in the same query: lists tell a returned proposal (a draft whose latest
        step is the return for revision) from a fresh draft, and show the reason."""
        latest = TransitionLog.objects.filter(proposal=OuterRef("pk")).order_by(
            "-created_at", "-id"
        )
        return self.annotate(
            last_transition=Subquery(latest.values("transition")[:1]),
            last_note=Subquery(latest.values("note")[:1]),
            last_step_at=Subquery(latest.values("created_at")[:1]),
        )

    def returned(self):
        """Drafts sent back for revision and not yet submitted again."""
        return self.with_last_step().filter(
            state=State.DRAFT, last_transition=Transition.RETURN_FOR_REVISION
        )


class Proposal(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """One site the RT asks to build; the `state` field moves only through services."""

    code = models.CharField(
        _("kode lacak"), max_length=24, unique=True, default=new_tracking_code, editable=False
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, verbose_name=_("tahun anggaran")
    )
    entry = models.ForeignKey(
        MusrenbangEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("usulan Musrenbang"),
    )
    rt = models.ForeignKey(
        RT, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("RT")
    )
    # Kept on the row: a proposal keeps the kelurahan it was made in, even after a split.
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT, verbose_name=_("kelurahan"))
    title = models.CharField(_("judul kegiatan"), max_length=300)
    work_type = models.ForeignKey(
        WorkType, on_delete=models.PROTECT, verbose_name=_("jenis kegiatan")
    )
    location_description = models.CharField(_("uraian lokasi"), max_length=300)
    latitude = models.DecimalField(
        _("lintang"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=latitude_validators,
    )
    longitude = models.DecimalField(
        _("bujur"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=longitude_validators,
    )
    planned_volume = models.DecimalField(
        _("volume rencana"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    planned_width = models.DecimalField(
        _("lebar (m)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.10"))],
    )
    households_benefiting = models.PositiveIntegerField(_("KK penerima manfaat"), default=0)
    people_benefiting = models.PositiveIntegerField(_("jiwa penerima manfaat"), default=0)
    contribution_labour_people = models.PositiveIntegerField(_("swadaya tenaga (orang)"), default=0)
    contribution_cash = models.BigIntegerField(
        _("swadaya uang (Rp)"), default=0, validators=[MinValueValidator(0)]
    )
    contribution_materials = models.CharField(_("swadaya material"), max_length=300, blank=True)
    contribution_materials_value = models.BigIntegerField(
        _("nilai swadaya material (Rp)"), default=0, validators=[MinValueValidator(0)]
    )
    # The RAB total frozen when an SK Camat designates the site; changed only by an amendment.
    designated_budget = models.BigIntegerField(_("anggaran ditetapkan (Rp)"), null=True, blank=True)
    # What procurement has bound for the site, summed from its records by procurement's order,
    # delivery and payment services under this row's lock (never typed, never saved stale: see
    # save()). Ordered: issued purchase orders not cancelled; delivered: what arrived of them
    # at the order's prices; paid: payments on them. Budgets read them to keep the money of a
    # cancelled site committed, and the SK Camat to refuse a budget below what is ordered.
    ordered_amount = models.BigIntegerField(_("nilai pesanan (Rp)"), default=0, editable=False)
    delivered_amount = models.BigIntegerField(
        _("nilai material diterima (Rp)"), default=0, editable=False
    )
    paid_amount = models.BigIntegerField(_("sudah dibayar (Rp)"), default=0, editable=False)
    state = FSMField(
        _("tahap"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()
    # The procurement figures are sums of records that have their own history and audit.
    history = history_records(excluded_fields=["state", *PROCUREMENT_FIGURES])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The order of every proposal list and of the admin's changelist.
            models.Index(fields=["-created_at", "-id"], name="proposal_list_order"),
        ]
        verbose_name = _("usulan kegiatan")
        verbose_name_plural = _("usulan kegiatan")
        constraints = [
            # One live proposal per Musrenbang entry; a cancelled one frees the entry.
            models.UniqueConstraint(
                fields=["entry"],
                condition=~Q(state="cancelled") & Q(entry__isnull=False),
                name="proposal_one_live_per_entry",
            ),
            # Nothing is paid before it arrives, nothing arrives that was not ordered.
            models.CheckConstraint(
                name="proposal_paid_delivered_ordered",
                condition=Q(paid_amount__gte=0)
                & Q(paid_amount__lte=F("delivered_amount"))
                & Q(delivered_amount__lte=F("ordered_amount")),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        """Saving a loaded proposal writes every field but the procurement figures.

        Those are written only by procurement's services, with an update under the row's
        lock; a proposal read earlier (an admin form, a page) must never write back old sums.
        """
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.name not in PROCUREMENT_FIGURES
                and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.rt_id and self.kelurahan_id and self.rt.kelurahan_id != self.kelurahan_id:
            raise ValidationError({"rt": _("RT tidak berada di kelurahan usulan.")})
        if self.work_type_id and self.work_type.has_width and not self.planned_width:
            raise ValidationError({"planned_width": _("Jenis kegiatan ini memerlukan lebar (m).")})

    @property
    def is_returned(self) -> bool:
        """Sent back for revision and not yet submitted again (lists annotate the latest step
        with `with_last_step`; the dossier has the transitions prefetched)."""
        if self.state != State.DRAFT:
            return False
        if hasattr(self, "last_transition"):
            return self.last_transition == Transition.RETURN_FOR_REVISION
        latest = self.transitions.order_by("-created_at", "-id").values("transition").first()
        return latest is not None and latest["transition"] == Transition.RETURN_FOR_REVISION

    @property
    def rab_total(self) -> int:
        if hasattr(self, "rab_sum"):
            return self.rab_sum
        return self.rab_lines.aggregate(t=Coalesce(Sum("line_total"), 0))["t"]

    @property
    def ceiling(self) -> int | None:
        return self.fiscal_year.ceiling_for(self.rt.households)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    # Transitions. Guards live in proposals.rules; services call these, never views.
    @transition(
        field=state,
        source=[State.MUSRENBANG, State.DRAFT],
        target=State.SUBMITTED,
        conditions=[rules.is_complete_for_submission],
        permission=rules.can_submit,
    )
    def submit(self):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.KELURAHAN_VERIFIED,
        permission=rules.is_kelurahan_of,
    )
    def verify_kelurahan(self):
        pass

    @transition(
        field=state,
        source=State.KELURAHAN_VERIFIED,
        target=State.KECAMATAN_VERIFIED,
        conditions=[rules.fits_ceiling],
        permission=rules.is_kecamatan_of,
    )
    def verify_kecamatan(self):
        pass

    @transition(
        field=state,
        source=[State.SUBMITTED, State.KELURAHAN_VERIFIED],
        target=State.DRAFT,
        permission=rules.is_current_verifier,
    )
    def return_for_revision(self):
        pass

    @transition(
        field=state,
        source=[State.SUBMITTED, State.KELURAHAN_VERIFIED],
        target=State.REJECTED,
        permission=rules.is_current_verifier,
    )
    def reject(self):
        pass

    @transition(
        field=state,
        source=State.KECAMATAN_VERIFIED,
        target=State.DEFERRED,
        permission=rules.is_kecamatan_of,
    )
    def defer(self):
        pass

    # From here on the steps are taken by the decree, procurement and reporting services.
    @transition(
        field=state,
        source=State.KECAMATAN_VERIFIED,
        target=State.DESIGNATED,
        conditions=[rules.fits_ceiling],
        permission=rules.is_kecamatan_of,
    )
    def designate(self):
        pass

    @transition(
        field=state,
        source=State.DESIGNATED,
        target=State.PROCUREMENT,
        permission=rules.is_kelurahan_of,
    )
    def order_materials(self):
        pass

    @transition(
        field=state,
        source=State.PROCUREMENT,
        target=State.MATERIALS_RECEIVED,
        # The lurah on a paper-signed BAST, the Ketua RT confirming it from their account.
        permission=rules.is_rt_or_kelurahan_of,
    )
    def receive_materials(self):
        pass

    @transition(
        field=state,
        source=State.MATERIALS_RECEIVED,
        target=State.IN_PROGRESS,
        permission=rules.is_rt_or_kelurahan_of,
    )
    def start_work(self):
        pass

    @transition(
        field=state, source=State.IN_PROGRESS, target=State.REPORTED, permission=rules.is_rt_of
    )
    def submit_report(self):
        pass

    @transition(
        field=state, source=State.REPORTED, target=State.COMPLETED, permission=rules.is_kelurahan_of
    )
    def accept_report(self):
        pass

    @transition(
        field=state,
        source=State.REPORTED,
        target=State.IN_PROGRESS,
        permission=rules.is_kelurahan_of,
    )
    def return_report(self):
        pass

    @transition(
        field=state,
        source=CANCELLABLE_STATES,
        target=State.CANCELLED,
        permission=rules.is_stage_owner,
    )
    def cancel(self):
        pass


class RABLine(models.Model):
    """One line of the bill of materials; its total is computed, never typed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="rab_lines")
    material = models.CharField(_("material"), max_length=150)
    unit = models.CharField(_("satuan"), max_length=20)
    quantity = models.DecimalField(
        _("jumlah"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"), validators=[MinValueValidator(1)])
    line_total = models.BigIntegerField(_("jumlah harga (Rp)"), editable=False, default=0)
    position = models.PositiveSmallIntegerField(default=0)
    # A line picked from the year's material catalogue keeps the reference price it was picked
    # at, so a verifier sees a price above it; a line typed freely is marked as such. Plain
    # values: the catalogue lives in a later stage (procurement).
    from_catalogue = models.BooleanField(_("dari katalog"), default=False)
    reference_price = models.BigIntegerField(
        _("harga acuan saat dipilih (Rp)"), null=True, blank=True
    )

    history = history_records()

    class Meta:
        ordering = ["proposal", "position", "id"]
        verbose_name = _("baris RAB")
        verbose_name_plural = _("baris RAB")
        constraints = [
            models.CheckConstraint(name="rab_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="rab_price_positive", condition=Q(unit_price__gt=0)),
            models.CheckConstraint(
                name="rab_reference_price_of_catalogue_line",
                condition=Q(from_catalogue=True) | Q(reference_price__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.material} {angka(self.quantity)} {self.unit}"

    def compute_total(self) -> int:
        return line_total(self.quantity, self.unit_price)

    def save(self, *args, **kwargs):
        self.line_total = self.compute_total()
        super().save(*args, **kwargs)


def attachment_path(instance, filename):
    return f"proposals/{instance.proposal.code}/{instance.kind}/{filename}"


class Attachment(PhotoMetadataFields):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("jenis dokumen"), max_length=30, choices=RequiredDocument.Kind.choices
    )
    file = models.FileField(_("berkas"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Images only: EXIF-free copies that pages show; the original is sent only when asked for
    # ("Unduh asli").
    display = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # Sent by the page with each file, so a retry after a lost answer does not add it twice.
    client_token = models.CharField(max_length=40, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["proposal", "kind", "uploaded_at"]
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "client_token"],
                condition=~Q(client_token=""),
                name="attachment_once_per_client_token",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def has_copies(self) -> bool:
        """An image with its display copy and thumbnail (older uploads may have none yet)."""
        return bool(self.is_image and self.display and self.thumbnail)


class TransitionLog(ImmutableRecord):
    """Immutable: who moved the proposal, when, from where to where, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="transitions")
    transition = models.CharField(max_length=40, choices=Transition.choices)
    from_state = models.CharField(max_length=30, choices=State.choices)
    to_state = models.CharField(max_length=30, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    note = models.TextField(blank=True)
    checklist = models.JSONField(default=dict, blank=True)

    record_name = "Riwayat tahap"

    class Meta:
        ordering = ["created_at", "id"]
        # A proposal's latest step (lists' `with_last_step`) is read per row through this
        # index; without it PostgreSQL walks the created_at index over every log row (2–4 s
        # for a city-wide list page with ten years of logs).
        indexes = [
            models.Index(
                fields=["proposal", "-created_at", "-id"], name="transition_latest_per_proposal"
            )
        ]
        verbose_name = _("riwayat tahap")
        verbose_name_plural = _("riwayat tahap")

    def __str__(self):
        return f"{self.proposal.code}: {self.from_state} → {self.to_state}"


class CitizenSupport(models.Model):
    """A resident's support for a Musrenbang entry: the NIK is kept only as a keyed hash, its
    last four digits and its region code (the first six digits: province, city, kecamatan
    where it was issued; not personal on its own, for the audit, never shown publicly)."""

    entry = models.ForeignKey(MusrenbangEntry, on_delete=models.CASCADE, related_name="supports")
    nik_hash = models.CharField(max_length=64)
    nik_last4 = models.CharField(max_length=4)
    # "157101"; blank for supports recorded before it was kept (and for a proposer's own).
    nik_region = models.CharField(max_length=6, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dukungan warga")
        verbose_name_plural = _("dukungan warga")
        constraints = [
            models.UniqueConstraint(fields=["entry", "nik_hash"], name="support_once_per_nik"),
        ]

    def __str__(self):
        return f"…{self.nik_last4} → {self.entry_id}"


def new_usulan_code() -> str:
    return new_tracking_code()


def usulan_photo_path(instance, filename):
    return f"usulan-warga/{instance.code}/{filename}"


class ResidentUsulanQuerySet(ScopedQuerySet):
    scope_via = ""


class ResidentUsulan(models.Model):
    """A resident's idea sent online without an account, until the kelurahan decides on it.

    The proposer is kept only as a keyed hash of the NIK and its last four digits; the e-mail
    address (optional) only to tell them the outcome, once they confirmed it, and is forgotten
    when that mail has gone."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu pemeriksaan kelurahan")
        ACCEPTED = "accepted", _("Diterima ke daftar Musrenbang RT")
        MERGED = "merged", _("Digabung dengan usulan yang sudah ada")
        REJECTED = "rejected", _("Ditolak")

    class RejectReason(models.TextChoices):
        SPAM = "spam", _("Bukan usulan (spam)")
        OUTSIDE_WORK_TYPES = "outside_work_types", _("Di luar jenis kegiatan program")
        PRIVATE_LAND = "private_land", _("Lokasi di lahan pribadi")
        OTHER = "other", _("Alasan lain")

    code = models.CharField(
        _("kode lacak"), max_length=24, unique=True, default=new_usulan_code, editable=False
    )
    year = models.PositiveSmallIntegerField(_("tahun"), db_index=True)
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT, verbose_name=_("kelurahan"))
    rt = models.ForeignKey(RT, on_delete=models.PROTECT, related_name="+", verbose_name=_("RT"))
    title = models.CharField(_("usulan"), max_length=200)
    location_text = models.CharField(_("lokasi"), max_length=300)
    problem = models.TextField(_("permasalahan"), max_length=2000)
    work_type = models.ForeignKey(
        WorkType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("jenis kegiatan")
    )
    latitude = models.DecimalField(
        _("lintang"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=latitude_validators,
    )
    longitude = models.DecimalField(
        _("bujur"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=longitude_validators,
    )
    # EXIF-free copies only: the phone's original (its GPS, camera serial) is not kept.
    photo = models.FileField(upload_to=usulan_photo_path, max_length=300, blank=True)
    photo_thumbnail = models.FileField(upload_to=usulan_photo_path, max_length=300, blank=True)
    nik_hash = models.CharField(max_length=64, db_index=True)
    nik_last4 = models.CharField(max_length=4)
    email = models.EmailField(_("e-mail untuk kabar"), blank=True)
    email_token = models.CharField(max_length=64, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    outcome_mailed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reject_reason = models.CharField(
        _("alasan penolakan"), max_length=20, choices=RejectReason.choices, blank=True
    )
    public_note = models.CharField(_("keterangan untuk publik"), max_length=500, blank=True)
    entry = models.ForeignKey(
        MusrenbangEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_usulan",
        verbose_name=_("usulan Musrenbang"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ResidentUsulanQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("usulan warga")
        verbose_name_plural = _("usulan warga")
        constraints = [
            models.CheckConstraint(
                name="usulan_decided_has_entry",
                condition=Q(status__in=["pending", "rejected"]) | Q(entry__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


def meeting_minutes_path(instance, filename):
    return f"rapat-rt/{instance.year}/{instance.rt_id}/{filename}"


class RTMeetingQuerySet(ScopedQuerySet):
    scope_rt = "rt"
    scope_kelurahan = "rt__kelurahan"
    scope_kecamatan = "rt__kelurahan__kecamatan"


class RTMeeting(models.Model):
    """The RT's meeting on its Musrenbang list for a year: what the Musrenbang kelurahan gets."""

    rt = models.ForeignKey(RT, on_delete=models.PROTECT, related_name="+", verbose_name=_("RT"))
    year = models.PositiveSmallIntegerField(_("tahun"))
    held_on = models.DateField(_("tanggal rapat"))
    attendance = models.PositiveIntegerField(_("jumlah hadir"))
    minutes = models.FileField(_("notulen"), upload_to=meeting_minutes_path, max_length=300)
    minutes_sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    objects = RTMeetingQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("rapat RT")
        verbose_name_plural = _("rapat RT")
        constraints = [
            models.UniqueConstraint(fields=["rt", "year"], name="rt_meeting_once_per_year"),
        ]

    def __str__(self):
        return f"{self.rt} {self.year}"
