"""The catalogue as the Ketua RT's RAB sees it: the year's priced materials to pick from, and
the work-type templates scaled to a planned volume (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import Prefetch

from bangkit.models import FiscalYear, WorkType
from procurement.models import Category, Material, RABTemplate, RABTemplateLine, ReferencePrice
from procurement.selectors import normalize_material_name

# Bought by the piece: a scaled quantity is rounded up to a whole one (no one sells 0,4 sak).
WHOLE_UNITS = frozenset({"sak", "batang", "lembar", "buah", "set"})
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class CatalogueItem:
    """A material the RAB may pick this year, at its reference price."""

    material_id: int
    name: str
    unit: str
    category: str
    reference_price: int
    aliases: tuple[str, ...] = ()


class Catalogue:
    """The year's priced materials, found by their name or another spelling of it.

    Only an exact name (case, spaces and punctuation aside) picks a material: a line whose
    name is not the catalogue's is a free line, never guessed into one.
    """

    def __init__(self, items: list[CatalogueItem]):
        self.items = items
        self._by_key: dict[str, CatalogueItem] = {}
        for item in items:
            self._by_key.setdefault(normalize_material_name(item.name), item)
        for item in items:
            for alias in item.aliases:
                self._by_key.setdefault(normalize_material_name(alias), item)

    def __bool__(self) -> bool:
        return bool(self.items)

    def find(self, name: str) -> CatalogueItem | None:
        key = normalize_material_name(name)
        return self._by_key.get(key) if key else None

    def by_category(self) -> list[tuple[str, list[CatalogueItem]]]:
        groups: dict[str, list[CatalogueItem]] = {}
        for item in self.items:
            groups.setdefault(item.category, []).append(item)
        return list(groups.items())


def catalogue_for(fiscal_year: FiscalYear) -> Catalogue:
    """Active materials with a reference price in the year, in the catalogue's category order
    (cement first), then by name: one query."""
    labels = dict(Category.choices)
    rank = {value: i for i, value in enumerate(Category.values)}
    prices = ReferencePrice.objects.filter(
        fiscal_year=fiscal_year, material__active=True
    ).select_related("material")
    items = [
        CatalogueItem(
            material_id=price.material_id,
            name=price.material.name,
            unit=price.material.unit,
            category=str(labels.get(price.material.category, price.material.category)),
            reference_price=price.price,
            aliases=tuple(price.material.aliases or ()),
        )
        for price in sorted(
            prices, key=lambda p: (rank.get(p.material.category, len(rank)), p.material.name)
        )
    ]
    return Catalogue(items)


def templates_for(fiscal_year: FiscalYear, work_type: WorkType | None) -> list[RABTemplate]:
    """The year's active templates of a work type, with their lines and materials (2 queries)."""
    if work_type is None:
        return []
    lines = RABTemplateLine.objects.select_related("material").order_by("position", "id")
    return list(
        RABTemplate.objects.filter(fiscal_year=fiscal_year, work_type=work_type, active=True)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("name")
    )


def scaled_quantity(
    quantity: Decimal,
    *,
    unit: str,
    base_volume: Decimal,
    volume: Decimal,
    base_width: Decimal | None = None,
    width: Decimal | None = None,
    scales_with_width: bool = True,
) -> Decimal:
    """The template's quantity for the planned volume (and width), rounded up: to a whole
    piece for what is sold by the piece, else to two decimals (a RAB quantity's precision)."""
    factor = Decimal(volume) / Decimal(base_volume)
    if scales_with_width and base_width and width:
        factor *= Decimal(width) / Decimal(base_width)
    step = Decimal("1") if unit in WHOLE_UNITS else HUNDREDTH
    return max((Decimal(quantity) * factor).quantize(step, rounding=ROUND_CEILING), step)


@dataclass(frozen=True)
class ScaledLine:
    name: str
    unit: str
    quantity: Decimal
    reference_price: int


@dataclass(frozen=True)
class ScaledTemplate:
    lines: list[ScaledLine]
    # Materials of the template without a reference price this year: left for free lines.
    unpriced: list[str]


def scale_template(
    template: RABTemplate, *, volume: Decimal, width: Decimal | None, catalogue: Catalogue
) -> ScaledTemplate:
    """The template's lines for a planned volume, priced from the year's catalogue."""
    lines, unpriced = [], []
    for line in template.lines.all():
        material: Material = line.material
        item = catalogue.find(material.name)
        if item is None or item.material_id != material.pk:
            unpriced.append(material.name)
            continue
        quantity = scaled_quantity(
            line.quantity,
            unit=material.unit,
            base_volume=template.base_volume,
            volume=volume,
            base_width=template.base_width,
            width=width,
            scales_with_width=line.scales_with_width,
        )
        lines.append(ScaledLine(item.name, item.unit, quantity, item.reference_price))
    return ScaledTemplate(lines, unpriced)
