"""Fixtures for reporting: sites whose materials were received, with their SK Camat, orders,
deliveries and payments, users of every role, and photos drawn in the tests."""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bangkit.models import RT, ChecklistItem, FiscalYear, Kecamatan, Kelurahan, Role, User
from demo.seeders import reporting as demo
from procurement.models import (
    Delivery,
    DeliveryLine,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from proposals.models import Proposal, RABLine, WorkType
from tests import factories
from tests.factories import lifecycle
from verification.models import Decree, DecreeLocation

TODAY = timezone.localdate()
DECREE_DATE = TODAY - timedelta(days=60)
SITE_POINT = (Decimal("-1.610000"), Decimal("103.613000"))
# What the fixture's order delivers: (description, unit, quantity, unit price).
ORDER = [
    ("Semen Portland 50 kg", "sak", Decimal("100"), 75_000),
    ("Pasir cor", "m³", Decimal("10"), 250_000),
]
ORDER_TOTAL = 10_000_000
PHOTO_SIZE = (480, 360)


@dataclass
class World:
    fiscal_year: FiscalYear
    work_type: WorkType
    kecamatan: Kecamatan
    kecamatan_other: Kecamatan
    kelurahan: Kelurahan
    kelurahan_other: Kelurahan
    rt: RT
    rt_other: RT
    supplier: Supplier
    users: dict[str, User] = field(default_factory=dict)
    sites: int = 0


@pytest.fixture
def world(db) -> World:
    fy = factories.FiscalYearFactory(status=FiscalYear.Status.EXECUTION)
    for order, text in enumerate(["Volume sesuai foto 100%", "Material sesuai BAST"], start=1):
        fy.checklist_items.create(stage=ChecklistItem.Stage.REPORT, text=text, order=order)
    kec = factories.KecamatanFactory(code="99.71.01", name="Kecamatan Uji A", slug="kec-a")
    kec_b = factories.KecamatanFactory(code="99.71.02", name="Kecamatan Uji B", slug="kec-b")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A1", slug="kel-a1")
    kel_b = factories.KelurahanFactory(kecamatan=kec_b, name="Kelurahan B1", slug="kel-b1")
    rt = factories.RTFactory(kelurahan=kel, number=3, head_name="Ahmad Hidayat")
    rt_b = factories.RTFactory(kelurahan=kel_b, number=1)
    mk = factories.make_user
    users = {
        "rt": mk(Role.RT, rt, username="rt-a1-03", first_name="Ahmad", last_name="Hidayat"),
        "rt_other": mk(Role.RT, rt_b, username="rt-b1-01"),
        "lurah": mk(Role.KELURAHAN, kel, username="lurah-a1", first_name="Sri", last_name="Lubis"),
        "lurah_other": mk(Role.KELURAHAN, kel_b, username="lurah-b1"),
        "camat": mk(Role.KECAMATAN, kec, username="camat-a", first_name="Hasan", last_name="Rambe"),
        "camat_other": mk(Role.KECAMATAN, kec_b, username="camat-b"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda"),
    }
    supplier = Supplier.objects.create(
        name="TB Sinar Jaya", owner_name="Hendra", address="Jl. Uji 1", kelurahan=kel
    )
    return World(
        fiscal_year=fy,
        work_type=factories.WorkTypeFactory(),
        kecamatan=kec,
        kecamatan_other=kec_b,
        kelurahan=kel,
        kelurahan_other=kel_b,
        rt=rt,
        rt_other=rt_b,
        supplier=supplier,
        users=users,
    )


# The states make_site walks to through the services; the later ones stay ORM rows: a walk
# to them records its own work day, photos and report, and these tests count every one.
WALKED_STATES = ("procurement", "materials_received")


@pytest.fixture
def make_site(world):
    """A designated site in `state` with its SK Camat (dated `decree_date`), an issued order
    from TB Sinar Jaya fully delivered and paid (unless `orders=False`).

    Walked through the services (tests.factories.ProposalFactory) when it can be: verified,
    SK issued, ordered, delivered, paid and, for materials_received, its BAST recorded by the
    kelurahan and confirmed by the Ketua RT. A site with no SK or no order cannot be, nor is a
    site at work or reported (see WALKED_STATES): those stay ORM rows.
    """

    def make(
        *,
        rt=None,
        state="materials_received",
        point=SITE_POINT,
        orders=True,
        decree_date=DECREE_DATE,
        planned_volume=Decimal("120"),
        fiscal_year=None,
    ):
        rt = rt or world.rt
        fiscal_year = fiscal_year or world.fiscal_year
        world.sites += 1
        n = world.sites
        if state not in WALKED_STATES or not orders or decree_date is None:
            return _site_by_orm(
                world,
                n,
                rt=rt,
                state=state,
                point=point,
                orders=orders,
                decree_date=decree_date,
                planned_volume=planned_volume,
                fiscal_year=fiscal_year,
            )
        proposal = factories.ProposalFactory(
            rt=rt,
            fiscal_year=fiscal_year,
            work_type=world.work_type,
            title=f"Rabat beton gang Melati {n}",
            location_description="Gang Melati, dari masjid sampai ujung",
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            planned_volume=planned_volume,
            planned_width=Decimal("1.5"),
            households_benefiting=0,  # as the ORM rows: a figure only some tests fill in
            rab=ORDER,
            state="procurement",
            decree_date=decree_date,
            supplier=world.supplier,
        )
        for order in proposal.purchase_orders.all():
            lifecycle.deliver(order)
            lifecycle.pay(order)
        if state == "materials_received":
            proposal = factories.advance(proposal, state)
        return proposal

    return make


def _site_by_orm(world, n, *, rt, state, point, orders, decree_date, planned_volume, fiscal_year):
    """The same site written by the ORM: the SK, order, delivery and payment as rows."""
    lurah = User.objects.filter(role=Role.KELURAHAN, kelurahan=rt.kelurahan).first()
    camat = User.objects.filter(role=Role.KECAMATAN, kecamatan=rt.kelurahan.kecamatan).first()
    proposal = Proposal.objects.create(
        fiscal_year=fiscal_year,
        rt=rt,
        kelurahan=rt.kelurahan,
        title=f"Rabat beton gang Melati {n}",
        work_type=world.work_type,
        location_description="Gang Melati, dari masjid sampai ujung",
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        planned_volume=planned_volume,
        planned_width=Decimal("1.5"),
        designated_budget=ORDER_TOTAL,
        state=state,
    )
    for i, (material, unit, qty, price) in enumerate(ORDER):
        RABLine.objects.create(
            proposal=proposal,
            material=material,
            unit=unit,
            quantity=qty,
            unit_price=price,
            position=i,
        )
    if decree_date is not None:
        decree = Decree.objects.create(
            kecamatan=rt.kelurahan.kecamatan,
            fiscal_year=fiscal_year,
            state="issued",
            number=f"{n}/SK/BB/KEC.UJI/{fiscal_year.year}",
            title="Penetapan Lokasi Kegiatan Bangkit Berdaya",
            menimbang="a. bahwa",
            mengingat="1. Perwal",
            clauses=["Menetapkan lokasi"],
            decree_date=decree_date,
            signatory_name="Hasan Rambe",
            created_by=camat,
        )
        DecreeLocation.objects.create(decree=decree, proposal=proposal, budget=ORDER_TOTAL)
    if orders:
        order = PurchaseOrder.objects.create(
            proposal=proposal,
            supplier=world.supplier,
            state="issued",
            number=f"SP-{n:03d}",
            sequence=n,
            total=ORDER_TOTAL,
            created_by=lurah,
            issued_by=lurah,
            issued_at=timezone.now() - timedelta(days=40),
        )
        delivery = Delivery.objects.create(
            order=order,
            delivered_on=TODAY - timedelta(days=35),
            received_by_name="Ahmad Hidayat",
            recorded_by=lurah,
        )
        for i, (material, unit, qty, price) in enumerate(ORDER):
            line = PurchaseOrderLine.objects.create(
                order=order,
                description=material,
                unit=unit,
                quantity=qty,
                unit_price=price,
                line_total=int(qty * price),
                position=i,
            )
            DeliveryLine.objects.create(delivery=delivery, order_line=line, quantity=qty)
        Payment.objects.create(
            order=order,
            invoice_number=f"INV-{n}",
            amount=ORDER_TOTAL,
            paid_on=TODAY - timedelta(days=30),
            reference="SP2D 1",
            recorded_by=lurah,
        )
    return proposal


@pytest.fixture
def site(make_site):
    return make_site()


def photo_bytes(seed="rumah-a", stage=0, *, taken_at=None, gps=None, size=PHOTO_SIZE, **kw):
    """A drawn footpath photo (JPEG) with EXIF time and GPS like a phone's."""
    return demo.site_photo(seed, stage, taken_at=taken_at, gps=gps, size=size, **kw)


def upload(data: bytes, name="foto.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_bytes(size=(64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 60, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def when(days_ago: int, hour: int = 9):
    """A photo time `days_ago` days before today, in Jakarta."""
    day = TODAY - timedelta(days=days_ago)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, 0))
