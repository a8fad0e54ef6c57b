"""Factories for the test suite: real objects, built the way the services build them."""

import io

import factory
from django.contrib.auth.hashers import make_password
from pypdf import PdfWriter

from bangkit.models import (
    RT,
    ChecklistItem,
    FiscalYear,
    Kecamatan,
    Kelurahan,
    RequiredDocument,
    Role,
    User,
    WorkType,
)

PASSWORD = "rahasia-uji-123"


def pdf_bytes(pages: int = 1) -> bytes:
    """A small real PDF of blank A4 pages: uploads are parsed, a fake one is refused."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def ensure_work_types() -> None:
    """The standard work types of the data migration; transactional tests flush them away."""
    from importlib import import_module

    for code, name, unit, has_width, aliases in import_module(
        "bangkit.migrations.0002_work_types"
    ).WORK_TYPES:
        WorkType.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "has_width": has_width, "aliases": aliases},
        )


_PASSWORD_HASH = None


class KecamatanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kecamatan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99.71.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan Uji {n}")
    slug = factory.Sequence(lambda n: f"kecamatan-uji-{n}")
    abbreviation = "UJI"


class KelurahanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kelurahan

    kecamatan = factory.SubFactory(KecamatanFactory)
    code = factory.Sequence(lambda n: f"99.71.99.{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"Kelurahan Uji {n}")
    slug = factory.Sequence(lambda n: f"kelurahan-uji-{n}")
    valid_from_year = 2014


class RTFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RT

    kelurahan = factory.SubFactory(KelurahanFactory)
    number = factory.Sequence(lambda n: n % 900 + 1)
    head_name = "Ahmad Hidayat"
    households = 80


class WorkTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkType
        django_get_or_create = ("code",)

    code = "rabat-beton"
    name = "Jalan setapak / rabat beton"
    unit = "m"
    has_width = True


class FiscalYearFactory(factory.django.DjangoModelFactory):
    """A year open for proposals under the 2025 tiers, with documents and checklists."""

    class Meta:
        model = FiscalYear
        django_get_or_create = ("year",)
        skip_postgeneration_save = True

    year = 2026
    status = FiscalYear.Status.OPEN
    total_budget = 10_000_000_000

    @factory.post_generation
    def rules(self, create, extracted, **kwargs):
        if not create or self.ceiling_tiers.exists():
            return
        ensure_work_types()
        self.work_types.add(*WorkType.objects.all())
        self.ceiling_tiers.create(min_households=100, amount=100_000_000)
        self.ceiling_tiers.create(min_households=60, max_households=99, amount=70_000_000)
        self.ceiling_tiers.create(min_households=0, max_households=59, amount=50_000_000)
        for kind, count in [
            (RequiredDocument.Kind.PROPOSAL_LETTER, 1),
            (RequiredDocument.Kind.SITE_PHOTO, 2),
            (RequiredDocument.Kind.ATTENDANCE, 1),
        ]:
            self.required_documents.create(kind=kind, label=kind.label, min_count=count)
        for stage in (ChecklistItem.Stage.KELURAHAN, ChecklistItem.Stage.KECAMATAN):
            self.checklist_items.create(stage=stage, text=f"Butir {stage} 1", order=1)
            self.checklist_items.create(stage=stage, text=f"Butir {stage} 2", order=2)


def make_user(role: str, area=None, *, username: str | None = None, **fields) -> User:
    """A user of `role` serving `area` (an RT, kelurahan, kecamatan or, for a toko, a shop)."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    area_field = User.AREA_FIELD.get(role)
    if area_field:
        fields[area_field] = area
    fields.setdefault("is_staff", role in (Role.BAPPEDA, Role.INSPEKTORAT, Role.ADMIN))
    username = username or f"{role}-{User.objects.count() + 1}"
    user = User.objects.create(username=username, role=role, password=_PASSWORD_HASH, **fields)
    if role == Role.TOKO and area is not None:
        from procurement.models import SupplierAccount

        SupplierAccount.objects.create(user=user, supplier=area)
    return user


# The lifecycle: proposals, decrees, orders, deliveries, BAST and reports, each state reached
# through the real services (imported last: it builds on the factories above).
from tests.factories.lifecycle import (  # noqa: E402
    COMPLETE_DOCUMENTS,
    DEFAULT_RAB,
    PATH,
    DecreeFactory,
    MusrenbangEntryFactory,
    ProposalFactory,
    PurchaseOrderFactory,
    SupplierFactory,
    actor_for,
    advance,
    designate,
)

__all__ = [
    "COMPLETE_DOCUMENTS",
    "DEFAULT_RAB",
    "PASSWORD",
    "PATH",
    "DecreeFactory",
    "FiscalYearFactory",
    "KecamatanFactory",
    "KelurahanFactory",
    "MusrenbangEntryFactory",
    "ProposalFactory",
    "PurchaseOrderFactory",
    "RTFactory",
    "SupplierFactory",
    "WorkTypeFactory",
    "actor_for",
    "advance",
    "designate",
    "ensure_work_types",
    "make_user",
    "pdf_bytes",
]
