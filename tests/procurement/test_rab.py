"""The catalogue as the RAB sees it: priced materials picked by name, templates scaled to the
planned volume and width, rounded up to what can be bought."""

from decimal import Decimal

import pytest

from procurement import rab
from procurement.models import Material, ReferencePrice
from tests import factories


@pytest.mark.parametrize(
    "quantity, unit, volume, width, scales, expected",
    [
        # 98 sak per 100 m at 1,5 m; 120 m at 2 m is 1,2 × 4/3 = 1,6 times as much.
        (Decimal("98"), "sak", Decimal("120"), Decimal("2"), True, Decimal("157")),
        # Sold by the piece: 156,8 sak is bought as 157, never 156.
        (Decimal("98"), "sak", Decimal("120"), Decimal("1.5"), True, Decimal("118")),
        # m³ keep two decimals, rounded up: 8,1 × 1,6 = 12,96; 8,1 × 1,15 = 9,315 → 9,32.
        (Decimal("8.1"), "m³", Decimal("120"), Decimal("2"), True, Decimal("12.96")),
        (Decimal("8.1"), "m³", Decimal("115"), Decimal("1.5"), True, Decimal("9.32")),
        # Formwork runs along both edges: the length counts, the width does not.
        (Decimal("25"), "lembar", Decimal("120"), Decimal("2"), False, Decimal("30")),
        # A tiny site still gets the smallest quantity a RAB line can hold.
        (Decimal("0.5"), "kg", Decimal("0.01"), None, True, Decimal("0.01")),
        (Decimal("3"), "buah", Decimal("1"), None, True, Decimal("1")),
    ],
)
def test_a_quantity_scales_with_volume_and_width_and_is_rounded_up(
    quantity, unit, volume, width, scales, expected
):
    scaled = rab.scaled_quantity(
        quantity,
        unit=unit,
        base_volume=Decimal("100"),
        volume=volume,
        base_width=Decimal("1.5"),
        width=width,
        scales_with_width=scales,
    )

    assert scaled == expected


def test_a_template_without_a_base_width_scales_by_volume_only():
    scaled = rab.scaled_quantity(
        Decimal("10"),
        unit="sak",
        base_volume=Decimal("50"),
        volume=Decimal("75"),
        width=Decimal("3"),
    )

    assert scaled == Decimal("15")


def test_the_catalogue_holds_the_years_priced_active_materials_only(world):
    Material.objects.create(name="Semen putih 1 kg", unit="kg", category="semen")  # no price
    old = Material.objects.create(name="Kapur tohor", unit="kg", category="lain", active=False)
    ReferencePrice.objects.create(fiscal_year=world.fiscal_year, material=old, price=5_000)
    next_year = factories.FiscalYearFactory(year=world.fiscal_year.year + 1)
    ReferencePrice.objects.create(
        fiscal_year=next_year, material=world.materials["Pasir cor"], price=999_000
    )

    catalogue = rab.catalogue_for(world.fiscal_year)

    # The catalogue's own category order (cement first), then by name; this year's prices.
    assert [(i.name, i.unit, i.reference_price) for i in catalogue.items] == [
        ("Semen Portland 50 kg", "sak", 75_000),
        ("Batu split 2/3", "m³", 320_000),
        ("Pasir cor", "m³", 250_000),
        ("Besi beton 10 mm", "batang", 85_000),
        ("Papan cor 2x20x400 cm", "lembar", 45_000),
    ]
    assert catalogue.find("Semen putih 1 kg") is None
    assert catalogue.find("Kapur tohor") is None


def test_a_material_is_picked_by_its_name_or_another_spelling_never_by_a_guess(world):
    semen = world.materials["Semen Portland 50 kg"]
    semen.aliases = ["PC 50 kg", "Semen 50 kg"]
    semen.save()

    catalogue = rab.catalogue_for(world.fiscal_year)

    assert catalogue.find("semen portland 50KG").material_id == semen.pk
    assert catalogue.find("  Semen   Portland 50 kg ").reference_price == 75_000
    assert catalogue.find("PC 50kg").name == "Semen Portland 50 kg"
    # Close is not the same: a line named otherwise stays a free line.
    assert catalogue.find("Semen Portland 40 kg") is None
    assert catalogue.find("Semen") is None
    assert catalogue.find("") is None


def test_the_catalogue_is_read_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        catalogue = rab.catalogue_for(world.fiscal_year)
        groups = catalogue.by_category()

    assert [(label, len(items)) for label, items in groups] == [
        ("Semen & perekat", 1),
        ("Pasir, batu & tanah", 2),
        ("Besi & kawat", 1),
        ("Kayu & papan", 1),
    ]


def test_a_template_is_scaled_to_the_planned_volume_and_priced_from_the_catalogue(
    world, rabat_template, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        catalogue = rab.catalogue_for(world.fiscal_year)
        [template] = rab.templates_for(world.fiscal_year, world.work_type)
        scaled = rab.scale_template(
            template, volume=Decimal("120"), width=Decimal("2"), catalogue=catalogue
        )

    assert template.pk == rabat_template.pk
    assert [
        (line.name, line.unit, line.quantity, line.reference_price) for line in scaled.lines
    ] == [
        ("Semen Portland 50 kg", "sak", Decimal("157"), 75_000),
        ("Pasir cor", "m³", Decimal("12.96"), 250_000),
        ("Batu split 2/3", "m³", Decimal("18.24"), 320_000),
        ("Papan cor 2x20x400 cm", "lembar", Decimal("30"), 45_000),
    ]
    assert scaled.unpriced == []


def test_a_template_material_without_a_price_this_year_is_left_out_and_named(world, rabat_template):
    ReferencePrice.objects.filter(material=world.materials["Pasir cor"]).delete()

    scaled = rab.scale_template(
        rabat_template,
        volume=Decimal("100"),
        width=Decimal("1.5"),
        catalogue=rab.catalogue_for(world.fiscal_year),
    )

    assert "Pasir cor" not in [line.name for line in scaled.lines]
    assert scaled.unpriced == ["Pasir cor"]


def test_only_the_years_active_templates_of_the_work_type_are_offered(world, rabat_template):
    other_type = factories.WorkTypeFactory(
        code="drainase", name="Drainase / parit", has_width=False
    )
    rabat_template.active = False
    rabat_template.save()

    assert rab.templates_for(world.fiscal_year, world.work_type) == []
    assert rab.templates_for(world.fiscal_year, other_type) == []
    assert rab.templates_for(world.fiscal_year, None) == []
