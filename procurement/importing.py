"""Importing the year's reference prices (and the catalogue with them) from CSV/XLSX.

The core's tabular pipeline (bangkit.tabular) does the reading and the rules, as for the
Musrenbang import: all rows or none unless ``skip_invalid``; every problem reported with its
row, column and value in Indonesian; headers matched ignoring case, spaces and punctuation;
money as typed ("Rp 75.000", "75.000,00", 75000); idempotent on (year, material).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bangkit.history import records_actor
from bangkit.models import FiscalYear
from bangkit.tabular import (
    CellError,
    Column,
    ColumnSet,
    ImportReport,
    Row,
    RowError,
    TabularImport,
    cell_text,
    normalize_header,
    parse_money,
)
from procurement.models import Category, Material, ReferencePrice, Unit
from procurement.selectors import normalize_material_name

COLUMNS = ColumnSet(
    (
        Column(
            "material",
            "Material",
            True,
            ("nama material", "nama barang", "uraian", "barang", "item"),
        ),
        Column("satuan", "Satuan", True, ("unit", "sat")),
        Column("kategori", "Kategori", False, ("jenis", "kelompok", "category")),
        Column(
            "harga",
            "Harga",
            True,
            ("harga satuan", "harga acuan", "harga acuan rp", "price"),
            number=True,
        ),
        Column("sumber", "Sumber", False, ("keterangan", "sumber harga")),
        Column("sebutan_lain", "Sebutan lain", False, ("alias", "nama lain")),
    ),
    min_known=2,
)

UNIT_ALIASES = {
    "sak": "sak",
    "zak": "sak",
    "sack": "sak",
    "m3": "m³",
    "kubik": "m³",
    "meterkubik": "m³",
    "btg": "batang",
    "batang": "batang",
    "kg": "kg",
    "kilogram": "kg",
    "lbr": "lembar",
    "lembar": "lembar",
    "lmbr": "lembar",
    "bh": "buah",
    "buah": "buah",
    "pcs": "buah",
    "unit": "buah",
    "ltr": "liter",
    "liter": "liter",
    "l": "liter",
    "m": "m",
    "meter": "m",
    "mlari": "m",
    "m2": "m²",
    "meterpersegi": "m²",
    "set": "set",
    "stel": "set",
}
CATEGORY_ALIASES = {}
for _value, _label in Category.choices:
    CATEGORY_ALIASES[normalize_header(_value)] = _value
    CATEGORY_ALIASES[normalize_header(str(_label))] = _value
    for _word in str(_label).replace("&", ",").split(","):
        CATEGORY_ALIASES.setdefault(normalize_header(_word), _value)


def parse_unit(value) -> str:
    text = cell_text(value)
    key = normalize_header(text.replace("³", "3").replace("²", "2"))
    if key in UNIT_ALIASES:
        return UNIT_ALIASES[key]
    allowed = ", ".join(Unit.values)
    raise CellError(f"'{text}' bukan satuan yang dikenal ({allowed}).")


def parse_category(value) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = CATEGORY_ALIASES.get(normalize_header(text))
    if found:
        return found
    raise CellError(
        f"'{text}' bukan kategori yang dikenal ({', '.join(str(c) for c in Category.labels)})."
    )


@dataclass
class PriceImportReport(ImportReport):
    new_materials: int = 0

    @property
    def summary(self) -> str:
        return (
            f"{self.new} harga baru, {self.updated} diperbarui, {self.unchanged} tetap, "
            f"{self.invalid} tidak sah, {self.new_materials} material baru di katalog"
        )

    def reset_counts(self) -> None:
        super().reset_counts()
        self.new_materials = 0


@dataclass
class _Row:
    row: int
    name: str
    unit: str = ""
    category: str | None = None
    price: int = 0
    source: str = ""
    aliases: list[str] = field(default_factory=list)


class ReferencePriceImport(TabularImport):
    """A fiscal year's reference prices; new materials join the catalogue."""

    columns = COLUMNS
    report_class = PriceImportReport
    title = "Impor harga acuan"
    noun = "harga"
    audit_action = "reference_price_import"

    def check(self, report):
        self.fiscal_year = FiscalYear.objects.filter(year=self.year).first()
        if self.fiscal_year is None:
            report.add_file_error(f"Tahun anggaran {self.year} belum ada; buat dahulu di admin.")

    def prepare(self, positions):
        self.catalogue = {}
        for material in Material.objects.all():
            for name in (material.name, *material.aliases):
                self.catalogue.setdefault(normalize_material_name(name), material)

    def parse_row(self, cells: Row) -> _Row:
        row = _Row(row=cells.number, name=cell_text(cells.raw("material")))
        if not row.name:
            cells.fail("material", "Nama material wajib diisi.")
        elif len(row.name) > 150:
            cells.fail("material", "Nama material terlalu panjang (paling banyak 150 huruf).")
        for key, parse, attr in (
            ("satuan", parse_unit, "unit"),
            ("kategori", parse_category, "category"),
            ("harga", parse_money, "price"),
        ):
            if cell_text(cells.raw(key)):
                setattr(row, attr, cells.parse(key, parse))
            else:
                setattr(row, attr, None)
        if cell_text(cells.raw("satuan")) == "":
            cells.fail("satuan", "Satuan wajib diisi.")
        price_text = cell_text(cells.raw("harga"))
        if row.price is None and price_text == "":
            cells.fail("harga", "Harga wajib diisi.")
        elif row.price == 0 and price_text:
            cells.fail("harga", f"'{price_text}' harus lebih dari nol.")
        row.source = cell_text(cells.raw("sumber"))[:200]
        aliases = re.split(r"[|;]", cell_text(cells.raw("sebutan_lain")))
        row.aliases = [a.strip() for a in aliases if a.strip()]
        existing = self.catalogue.get(normalize_material_name(row.name)) if row.name else None
        if existing is not None:
            if row.unit and existing.unit != row.unit:
                cells.fail(
                    "satuan",
                    f"Satuan berbeda dengan katalog: '{existing.name}' tercatat dalam "
                    f"{existing.unit}, bukan {row.unit}.",
                )
        elif row.name and row.category is None and cell_text(cells.raw("kategori")) == "":
            cells.fail("kategori", f"Material baru '{row.name}': kategori wajib diisi.")
        return row

    def check_rows(self, rows, errors):
        seen: dict[str, int] = {}
        for row in rows:
            key = normalize_material_name(row.name)
            if key and key in seen:
                errors.append(
                    RowError(
                        row=row.row,
                        column=COLUMNS["material"].label,
                        value=row.name,
                        message=f"Material ini sudah ada di baris {seen[key]}.",
                    )
                )
            elif key:
                seen[key] = row.row

    def write(self, rows: list[_Row], report: PriceImportReport) -> None:
        catalogue = self.catalogue
        existing = {
            p.material_id: p for p in ReferencePrice.objects.filter(fiscal_year=self.fiscal_year)
        }
        for row in rows:
            material = catalogue.get(normalize_material_name(row.name))
            if material is None:
                material = Material.objects.create(
                    name=row.name, unit=row.unit, category=row.category, aliases=row.aliases
                )
                catalogue[normalize_material_name(row.name)] = material
                report.new_materials += 1
            else:
                changed = False
                if row.category and material.category != row.category:
                    material.category, changed = row.category, True
                new_aliases = [a for a in row.aliases if a not in material.aliases]
                if new_aliases:
                    material.aliases = [*material.aliases, *new_aliases]
                    changed = True
                if changed:
                    material.save(update_fields=["category", "aliases"])
            price = existing.get(material.pk)
            if price is None:
                ReferencePrice.objects.create(
                    fiscal_year=self.fiscal_year,
                    material=material,
                    price=row.price,
                    source=row.source,
                )
                report.new += 1
            elif price.price != row.price or (row.source and price.source != row.source):
                price.price = row.price
                price.source = row.source or price.source
                price.save(update_fields=["price", "source", "updated_at"])
                report.updated += 1
            else:
                report.unchanged += 1

    def audit_data(self, report):
        return {"new_materials": report.new_materials}


@records_actor
def reference_price_import(
    *,
    file_or_rows,
    year: int,
    filename: str = "",
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> PriceImportReport:
    """Import a year's reference prices; new materials join the catalogue."""
    return ReferencePriceImport(year=year, actor=actor).run(
        file_or_rows, filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )
