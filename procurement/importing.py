"""Importing the year's reference prices (and the catalogue with them) from CSV/XLSX.

The rules are the Musrenbang import's (proposals.importing), whose readers and cell parsers
are reused: all rows or none unless ``skip_invalid``; every problem reported with its row,
column and value in Indonesian; headers matched ignoring case, spaces and punctuation; money
as typed ("Rp 75.000", "75.000,00", 75000); idempotent on (year, material).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from django.db import IntegrityError, transaction

from bangkit.models import FiscalYear
from bangkit.services import audit_record
from procurement.models import Category, Material, ReferencePrice, Unit
from procurement.selectors import normalize_material_name
from proposals.importing import (
    CellError,
    RowError,
    Table,
    UnreadableFile,
    cell_text,
    normalize_header,
    parse_money,
    read_table,
)

COLUMNS = {
    # key: (label, required, aliases)
    "material": ("Material", True, ("nama material", "nama barang", "uraian", "barang", "item")),
    "satuan": ("Satuan", True, ("unit", "sat")),
    "kategori": ("Kategori", False, ("jenis", "kelompok", "category")),
    "harga": ("Harga", True, ("harga satuan", "harga acuan", "harga acuan rp", "price")),
    "sumber": ("Sumber", False, ("keterangan", "sumber harga")),
    "sebutan_lain": ("Sebutan lain", False, ("alias", "nama lain")),
}
HEADER_KEYS = {}
for _key, (_label, _required, _aliases) in COLUMNS.items():
    for _name in (_key, _label, *_aliases):
        HEADER_KEYS[normalize_header(_name)] = _key

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
class PriceImportReport:
    year: int
    filename: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    new_materials: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejected: bool = False

    @property
    def summary(self) -> str:
        return (
            f"{self.new} harga baru, {self.updated} diperbarui, {self.unchanged} tetap, "
            f"{self.invalid} tidak sah, {self.new_materials} material baru di katalog"
        )

    def add_file_error(self, message: str) -> None:
        self.errors.append(RowError(row=None, column=None, value="", message=message))
        self.rejected = True


@dataclass
class _Row:
    row: int
    name: str
    unit: str = ""
    category: str | None = None
    price: int = 0
    source: str = ""
    aliases: list[str] = field(default_factory=list)


def _find_header(table: Table) -> Table:
    """Our header row, which may sit below a title line the generic reader took for it."""
    rows = [(table.header_row, table.headers), *table.rows]
    for i, (number, cells) in enumerate(rows[:12]):
        known = {HEADER_KEYS.get(normalize_header(c)) for c in cells} - {None}
        if len(known) >= 2:
            return Table(headers=list(cells), header_row=number, rows=rows[i + 1 :])
    return table


def _map_headers(headers, report: PriceImportReport) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        text = cell_text(header)
        key = HEADER_KEYS.get(normalize_header(text))
        if key is None:
            if text:
                report.ignored_columns.append(text)
            continue
        if key in positions:
            report.add_file_error(f"Kolom {COLUMNS[key][0]} muncul dua kali.")
            continue
        positions[key] = i
    missing = [label for key, (label, req, _) in COLUMNS.items() if req and key not in positions]
    if missing:
        report.add_file_error(f"Kolom wajib tidak ada: {', '.join(missing)}.")
    return positions


def _parse_row(number, cells, positions, catalogue, errors) -> _Row:
    def cell(key):
        i = positions.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    def fail(key, message):
        errors.append(
            RowError(
                row=number, column=COLUMNS[key][0], value=cell_text(cell(key)), message=message
            )
        )

    row = _Row(row=number, name=cell_text(cell("material")))
    if not row.name:
        fail("material", "Nama material wajib diisi.")
    elif len(row.name) > 150:
        fail("material", "Nama material terlalu panjang (paling banyak 150 huruf).")
    for key, parse, attr in (
        ("satuan", parse_unit, "unit"),
        ("kategori", parse_category, "category"),
        ("harga", parse_money, "price"),
    ):
        try:
            setattr(row, attr, parse(cell(key)) if cell_text(cell(key)) else None)
        except CellError as exc:
            fail(key, str(exc))
    if cell_text(cell("satuan")) == "":
        fail("satuan", "Satuan wajib diisi.")
    if row.price is None and cell_text(cell("harga")) == "":
        fail("harga", "Harga wajib diisi.")
    elif row.price == 0 and cell_text(cell("harga")):
        fail("harga", f"'{cell_text(cell('harga'))}' harus lebih dari nol.")
    row.source = cell_text(cell("sumber"))[:200]
    aliases = re.split(r"[|;]", cell_text(cell("sebutan_lain")))
    row.aliases = [a.strip() for a in aliases if a.strip()]
    existing = catalogue.get(normalize_material_name(row.name)) if row.name else None
    if existing is not None:
        if row.unit and existing.unit != row.unit:
            fail(
                "satuan",
                f"Satuan berbeda dengan katalog: '{existing.name}' tercatat dalam "
                f"{existing.unit}, bukan {row.unit}.",
            )
    elif row.name and row.category is None and cell_text(cell("kategori")) == "":
        fail("kategori", f"Material baru '{row.name}': kategori wajib diisi.")
    return row


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
    if not filename and isinstance(file_or_rows, str | PathLike):
        filename = Path(file_or_rows).name
    report = PriceImportReport(
        year=year, filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None:
        report.add_file_error(f"Tahun anggaran {year} belum ada; buat dahulu di admin.")
        return report
    try:
        table = _find_header(read_table(file_or_rows, filename))
    except UnreadableFile as exc:
        report.add_file_error(str(exc))
        return report
    positions = _map_headers(table.headers, report)
    if report.rejected:
        return report

    catalogue = {}
    for material in Material.objects.all():
        for name in (material.name, *material.aliases):
            catalogue.setdefault(normalize_material_name(name), material)
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if all(cell_text(c) == "" for c in cells):
            continue
        row = _parse_row(number, cells, positions, catalogue, errors)
        key = normalize_material_name(row.name)
        if key and key in seen:
            errors.append(
                RowError(
                    row=number,
                    column="Material",
                    value=row.name,
                    message=f"Material ini sudah ada di baris {seen[key]}.",
                )
            )
        elif key:
            seen[key] = number
        rows.append(row)
    report.total = len(rows)
    if not rows:
        report.add_file_error("Berkas tidak berisi baris harga.")
        return report
    order = list(COLUMNS)
    label_key = {label: key for key, (label, _, _) in COLUMNS.items()}
    errors.sort(key=lambda e: (e.row or 0, order.index(label_key.get(e.column, "material"))))
    report.errors = errors
    invalid_rows = {e.row for e in errors}
    report.invalid = len(invalid_rows)
    valid = [r for r in rows if r.row not in invalid_rows]
    if errors and (not skip_invalid or not valid):
        report.rejected = True
        return report
    try:
        with transaction.atomic():
            _write(valid, report, fiscal_year=fiscal_year, catalogue=catalogue)
            if dry_run:
                transaction.set_rollback(True)
            else:
                audit_record(
                    actor=actor,
                    action="reference_price_import",
                    summary=f"Impor harga acuan {year} ({filename or 'tanpa nama'}): "
                    f"{report.summary}.",
                    data={"year": year, "filename": filename, "total": report.total},
                )
    except IntegrityError as exc:
        report.new = report.updated = report.unchanged = report.new_materials = 0
        report.add_file_error(
            f"Penyimpanan dibatalkan karena bentrok di database; tidak ada yang diimpor ({exc})."
        )
    return report


def _write(rows, report, *, fiscal_year, catalogue) -> None:
    existing = {p.material_id: p for p in ReferencePrice.objects.filter(fiscal_year=fiscal_year)}
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
                fiscal_year=fiscal_year, material=material, price=row.price, source=row.source
            )
            report.new += 1
        elif price.price != row.price or (row.source and price.source != row.source):
            price.price = row.price
            price.source = row.source or price.source
            price.save(update_fields=["price", "source", "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
