"""The procurement demo: shops everywhere, orders in every stage, the same on a second run."""

from decimal import Decimal

from demo.seeders import procurement as demo
from procurement.models import (
    Handover,
    Payment,
    PurchaseOrder,
    RABTemplate,
    ReferencePrice,
    Supplier,
)
from tests.procurement import conftest as procurement_fixtures

# The stage's own fixtures: the demo seeds on top of a world like the one its tests use.
world = procurement_fixtures.world
make_designated = procurement_fixtures.make_designated


def test_demo_seeds_every_stage_and_is_idempotent(world, make_designated, monkeypatch):
    monkeypatch.setattr(demo, "demo_year", lambda: world.fiscal_year.year)
    rab = [
        ("Semen Portland 50 kg", "sak", Decimal("40"), 75_000),
        ("Pasir cor", "m³", Decimal("4"), 250_000),
        ("Pompa air sumur dalam 250 W", "unit", Decimal("1"), 1_450_000),
    ]
    for _ in range(10):
        make_designated(rab=rab)

    first = demo.seed()

    assert "toko baru" in first
    # Rabat beton and drainase, their materials found in the imported catalogue.
    template = RABTemplate.objects.get(fiscal_year=world.fiscal_year, work_type=world.work_type)
    assert template.lines.count() == 6 and "2 templat RAB baru" in first
    assert ReferencePrice.objects.filter(fiscal_year=world.fiscal_year).count() >= 40
    assert Supplier.objects.values("kelurahan__kecamatan").distinct().count() == 2
    issued = PurchaseOrder.objects.filter(state="issued")
    assert issued.count() == 10 - demo.left_unordered(10)
    assert issued.filter(lines__justification__contains="banjir").count() == 1
    assert Handover.objects.filter(state="complete").count() == 1
    assert Payment.objects.exists()
    counts = (
        Supplier.objects.count(),
        PurchaseOrder.objects.count(),
        Payment.objects.count(),
        ReferencePrice.objects.count(),
        RABTemplate.objects.count(),
    )

    demo.seed()

    assert counts == (
        Supplier.objects.count(),
        PurchaseOrder.objects.count(),
        Payment.objects.count(),
        ReferencePrice.objects.count(),
        RABTemplate.objects.count(),
    )
