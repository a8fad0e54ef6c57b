"""The public exports: CSV/XLSX of the year's purchases and an OCDS 1.1 release package."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from django.urls import reverse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bangkit.models import Kecamatan, Kelurahan
from procurement import exports, services
from procurement.models import Supplier
from proposals.models import Proposal
from tests.procurement.test_services import TODAY, deliver_all, issue_new_order
from tests.spreadsheets import PAYLOADS, cell_types, csv_fields, xlsx_cells, xlsx_rows

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "ocds"


def ocds_validator():
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    registry = Registry().with_resources(
        [
            (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
            (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
        ]
    )
    return jsonschema.Draft4Validator(
        package, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.fixture
def purchases(world, make_designated):
    """One order delivered and paid; one with a justified price; one draft; one cancelled."""
    lurah = world.users["lurah"]
    paid = issue_new_order(world, make_designated())
    deliver_all(world, paid)
    services.payment_record(
        order=paid,
        actor=lurah,
        invoice_number="INV-001",
        amount=paid.total,
        paid_on=TODAY,
        reference="SP2D 0001/2026",
    )
    pricey = services.order_create_from_rab(
        proposal=make_designated(budget=20_000_000), actor=lurah, supplier=world.shop_same_kec
    )
    line = pricey.lines.get(position=0)
    services.order_update(
        order=pricey,
        actor=lurah,
        supplier=world.shop_same_kec,
        lines=[
            services.OrderLineInput(
                material=line.material,
                description=line.description,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=90_000,
                justification="Stok semen langka setelah banjir, harga pasar naik.",
            )
        ],
    )
    pricey = services.order_issue(order=pricey, actor=lurah)
    services.order_create_from_rab(
        proposal=make_designated(), actor=lurah, supplier=world.shop_here
    )
    cancelled = issue_new_order(world, make_designated())
    services.order_cancel(order=cancelled, actor=lurah, reason="Toko tidak sanggup mengirim.")
    return {"paid": paid, "pricey": pricey, "cancelled": cancelled}


def test_ocds_export_validates_against_the_1_1_schema(world, purchases):
    package = exports.ocds_package(world.fiscal_year.year, uri="https://bangkit.example/ocds.json")

    errors = sorted(ocds_validator().iter_errors(package), key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert len(package["releases"]) == 3  # the draft is not published
    paid = next(
        r for r in package["releases"] if r["contracts"][0]["id"] == purchases["paid"].number
    )
    assert paid["ocid"].startswith("ocds-bangkit-")
    assert paid["tag"] == ["award", "contract", "implementation"]
    roles = {p["id"]: p["roles"] for p in paid["parties"]}
    assert roles[paid["buyer"]["id"]] == ["buyer", "payer"]
    assert roles[paid["awards"][0]["suppliers"][0]["id"]] == ["supplier", "payee"]
    item = paid["awards"][0]["items"][0]
    assert item["unit"]["value"] == {"amount": 75_000, "currency": "IDR"}
    assert item["classification"]["scheme"] == "UNSPSC"
    [transaction] = paid["contracts"][0]["implementation"]["transactions"]
    assert transaction["value"] == {"amount": purchases["paid"].total, "currency": "IDR"}
    assert "npwp" not in json.dumps(package).lower()
    assert world.shop_here.npwp not in json.dumps(package)


def test_ocds_schema_copy_rejects_a_broken_package(world, purchases):
    package = exports.ocds_package(world.fiscal_year.year, uri="https://bangkit.example/ocds.json")
    del package["releases"][0]["initiationType"]
    package["releases"][1]["awards"][0]["value"]["currency"] = "RUPIAH"

    assert len(list(ocds_validator().iter_errors(package))) == 2


def test_csv_lists_every_published_line(world, purchases):
    rows = list(csv.DictReader(io.StringIO(exports.purchases_csv(world.fiscal_year.year))))

    assert len(rows) == 2 + 1 + 2  # paid (2 lines), pricey (1 line), cancelled (2 lines)
    pricey = next(r for r in rows if r["Nomor surat pesanan"] == purchases["pricey"].number)
    assert pricey["Harga satuan (Rp)"] == "90000"
    assert pricey["Harga acuan (Rp)"] == "75000"
    assert pricey["Selisih dari acuan (%)"] == "20"
    assert "banjir" in pricey["Alasan harga/material"]


def test_xlsx_has_purchases_and_payments(world, purchases):
    book = openpyxl.load_workbook(io.BytesIO(exports.purchases_xlsx(world.fiscal_year.year)))

    assert book.sheetnames == ["Pembelian", "Pembayaran"]
    payments = list(book["Pembayaran"].iter_rows(values_only=True))
    assert payments[1][2] == "INV-001"


def test_public_downloads_need_no_sign_in(client, world, purchases):
    year = world.fiscal_year.year

    json_response = client.get(reverse("procurement_public:ocds", args=[year]))
    csv_response = client.get(reverse("procurement_public:csv", args=[year]))
    xlsx_response = client.get(reverse("procurement_public:xlsx", args=[year]))
    index = client.get(reverse("procurement_public:index"))

    assert json_response.status_code == 200
    package = json.loads(json_response.content)
    assert package["uri"].endswith(reverse("procurement_public:ocds", args=[year]))
    assert list(ocds_validator().iter_errors(package)) == []
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert xlsx_response.status_code == 200
    assert index.status_code == 200 and str(year) in index.content.decode()


def test_unused_decimal_quantities_export_as_numbers(world, make_designated):
    proposal = make_designated(rab=[("Pasir cor", "m³", Decimal("2.5"), 250_000)])
    issue_new_order(world, proposal)

    package = exports.ocds_package(world.fiscal_year.year, uri="https://bangkit.example/x.json")

    assert package["releases"][0]["awards"][0]["items"][0]["quantity"] == 2.5


# --- Formula injection -----------------------------------------------------------------------

PURCHASE_TEXT_COLUMNS = {
    "Kecamatan": PAYLOADS["\t"],
    "Kelurahan": PAYLOADS["-"],
    "Kegiatan": PAYLOADS["="],
    "Toko": PAYLOADS["@"],
    "Kelurahan toko": PAYLOADS["\r"],
    "Material": PAYLOADS["+"],
    "Satuan": "=1+2",
    "Alasan harga/material": "-1+cmd|' /C calc'!A0 harga pasar naik",
}
PAYMENT_TEXT_COLUMNS = {
    "Toko": PAYLOADS["@"],
    "Nomor faktur": PAYLOADS["="],
    "Referensi pembayaran": "+SP2D|' /C calc'!A0",
}


@pytest.fixture
def hostile_order(world, make_designated):
    """An issued, paid order whose every user-written text reaching the tables is a formula."""
    lurah = world.users["lurah"]
    Kecamatan.objects.filter(pk=world.kecamatan.pk).update(name=PAYLOADS["\t"])
    Kelurahan.objects.filter(pk=world.kelurahan.pk).update(name=PAYLOADS["-"])
    Kelurahan.objects.filter(pk=world.kelurahan_same_kec.pk).update(name=PAYLOADS["\r"])
    Supplier.objects.filter(pk=world.shop_same_kec.pk).update(name=PAYLOADS["@"])
    proposal = make_designated(budget=20_000_000)
    Proposal.objects.filter(pk=proposal.pk).update(title=PAYLOADS["="])
    supplier = Supplier.objects.get(pk=world.shop_same_kec.pk)
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=supplier)
    line = order.lines.get(position=0)
    services.order_update(
        order=order,
        actor=lurah,
        supplier=supplier,
        lines=[
            services.OrderLineInput(
                material=line.material,
                description=PAYLOADS["+"],
                unit="=1+2",
                quantity=Decimal("2.5"),
                unit_price=60_000,  # below the reference: a negative difference
                justification="-1+cmd|' /C calc'!A0 harga pasar naik",
            )
        ],
    )
    order = services.order_issue(order=order, actor=lurah)
    deliver_all(world, order)
    services.payment_record(
        order=order,
        actor=lurah,
        invoice_number=PAYLOADS["="],
        amount=order.total,
        paid_on=TODAY,
        reference="+SP2D|' /C calc'!A0",
    )
    return order


def _stored(text):
    # What the file holds: a quote in front; XML reads a carriage return back as a line feed.
    return "'" + text


def test_csv_escapes_every_text_and_keeps_numbers(world, hostile_order):
    text = exports.purchases_csv(world.fiscal_year.year)

    header, *rows = csv_fields(text)
    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    for column, payload in PURCHASE_TEXT_COLUMNS.items():
        assert row[column] == _stored(payload), column
    assert row["Jumlah dipesan"] == "2.5"
    assert row["Harga satuan (Rp)"] == "60000"
    assert row["Jumlah harga (Rp)"] == "150000"
    assert row["Selisih dari acuan (%)"] == "-20"  # a number, not escaped
    assert ",-20," in text and ",60000," in text  # bare, so spreadsheets read numbers


def test_public_csv_download_is_escaped(client, world, hostile_order):
    response = client.get(reverse("procurement_public:csv", args=[world.fiscal_year.year]))

    header, *rows = csv_fields(response.content.decode("utf-8"))
    assert _stored(PAYLOADS["="]) in rows[0]


def test_xlsx_escapes_every_text_and_keeps_numbers(client, world, hostile_order):
    response = client.get(reverse("procurement_public:xlsx", args=[world.fiscal_year.year]))
    data = response.content

    cells = xlsx_cells(data)  # no formula cell, no unescaped text, on every sheet
    assert list(cells) == ["Pembelian", "Pembayaran"]
    header, row = xlsx_rows(data, "Pembelian")
    line = dict(zip(header, row, strict=True))
    for column, payload in PURCHASE_TEXT_COLUMNS.items():
        assert line[column] == _stored(payload).replace("\r", "\n"), column
    numbers = [
        "Jumlah dipesan",
        "Jumlah diterima",
        "Harga satuan (Rp)",
        "Jumlah harga (Rp)",
        "Harga acuan (Rp)",
        "Selisih dari acuan (%)",
    ]
    assert [line[c] for c in numbers] == [2.5, 2.5, 60_000, 150_000, 75_000, -20]
    types = dict(zip(header, cell_types(data, "Pembelian")[1], strict=True))
    assert {types[c] for c in numbers} == {"n"}
    header, row = xlsx_rows(data, "Pembayaran")
    payment = dict(zip(header, row, strict=True))
    for column, payload in PAYMENT_TEXT_COLUMNS.items():
        assert payment[column] == _stored(payload), column
    assert payment["Jumlah (Rp)"] == hostile_order.total
    assert dict(zip(header, cell_types(data, "Pembayaran")[1], strict=True))["Jumlah (Rp)"] == "n"


# --- Scale: a constant number of queries, and a closed year's exports kept -------------------


def _export_queries(year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ocds:
        exports.ocds_package(year, uri="https://example.test/ocds.json")
    with CaptureQueriesContext(connection) as tables:
        exports.purchases_csv(year)
    return len(ocds), len(tables)


def test_ocds_and_csv_take_the_same_queries_for_one_order_or_many(world, make_designated):
    """One query for the orders with their shop, site, RT and numbering kelurahan, one for
    the lines, one for the payments: never one per order (issue 12: 1,521 queries)."""
    year = world.fiscal_year.year
    issue_new_order(world, make_designated())
    few = _export_queries(year)
    for _ in range(4):
        order = issue_new_order(world, make_designated())
        deliver_all(world, order)
    many = _export_queries(year)
    assert few == many
    assert many[0] <= 3 and many[1] <= 3


def test_the_package_names_the_numbering_kelurahan_and_rt(world, purchases):
    package = exports.ocds_package(world.fiscal_year.year, uri="u")
    paid = purchases["paid"]
    release = next(r for r in package["releases"] if r["contracts"][0]["id"] == paid.number)
    assert release["ocid"] == exports.ocid_for(paid)
    assert paid.number_kelurahan.code.replace(".", "") in release["ocid"]
    assert str(paid.proposal.rt) in release["contracts"][0]["description"]


def test_a_closed_years_exports_are_kept_until_its_purchases_change(
    client, world, purchases, django_assert_max_num_queries
):
    from bangkit.models import FiscalYear

    year = world.fiscal_year.year
    url = reverse("procurement_public:ocds", args=[year])
    open_year = client.get(url).content
    FiscalYear.objects.filter(pk=world.fiscal_year.pk).update(status=FiscalYear.Status.CLOSED)
    first = client.get(url).content
    assert json.loads(first) == json.loads(open_year)
    # Kept: the status, the fingerprint (3 small aggregates) and the cache, nothing else.
    with django_assert_max_num_queries(6):
        again = client.get(url)
    assert again.content == first
    csv_first = client.get(reverse("procurement_public:csv", args=[year])).content
    # A late payment changes the fingerprint: the package is rebuilt at once.
    paid = purchases["pricey"]
    deliver_all(world, paid)
    services.payment_record(
        order=paid,
        actor=world.users["lurah"],
        invoice_number="INV-LATE",
        amount=paid.total,
        paid_on=TODAY,
        reference="SP2D 0002/2026",
    )
    rebuilt = json.loads(client.get(url).content)
    payments = [
        t["id"]
        for r in rebuilt["releases"]
        for t in r["contracts"][0]["implementation"]["transactions"]
    ]
    assert any(paid.number in t for t in payments)
    assert client.get(reverse("procurement_public:csv", args=[year])).content != csv_first
