"""Admin: Bappeda keeps the catalogue and imports prices; purchases are read-only; the
Inspektorat sees everything and changes nothing; others see their own area only."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangkit.models import AuditEvent
from procurement.models import Material, RABTemplate, ReferencePrice
from tests import factories
from tests.admin_forms import change_form_data
from tests.procurement.test_services import issue_new_order
from tests.spreadsheets import PAYLOADS, csv_fields, xlsx_rows


@pytest.fixture
def order(world, make_designated):
    return issue_new_order(world, make_designated())


@pytest.mark.parametrize(
    "model", ["supplier", "material", "referenceprice", "purchaseorder", "payment", "delivery"]
)
def test_inspektorat_reads_every_procurement_list(client, world, order, model):
    client.force_login(world.users["inspektorat"])

    assert client.get(reverse(f"admin:procurement_{model}_changelist")).status_code == 200


def test_inspektorat_changes_nothing(client, world, order):
    client.force_login(world.users["inspektorat"])

    page = client.get(reverse("admin:procurement_purchaseorder_change", args=[order.pk]))
    assert page.status_code == 200
    assert (
        client.post(
            reverse("admin:procurement_purchaseorder_delete", args=[order.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:procurement_supplier_add")).status_code == 403


def test_staff_of_another_kecamatan_does_not_see_the_order(client, world, order):
    camat = world.users["camat_other"]
    camat.is_staff = True
    camat.save()
    client.force_login(camat)

    page = client.get(reverse("admin:procurement_purchaseorder_changelist"))
    assert order.number not in page.content.decode()
    change = client.get(reverse("admin:procurement_purchaseorder_change", args=[order.pk]))
    assert change.status_code in (302, 403, 404)


def test_bappeda_imports_prices_in_the_admin(client, world):
    bappeda = world.users["bappeda"]
    client.force_login(bappeda)
    data = b"Material;Satuan;Kategori;Harga\nPasir pasang;m3;agregat;Rp 230.000\n"

    page = client.post(
        reverse("admin:procurement_referenceprice_import"),
        {
            "file": SimpleUploadedFile("harga.csv", data),
            "year": world.fiscal_year.year,
        },
    )

    assert page.status_code == 302
    assert ReferencePrice.objects.get(material__name="Pasir pasang").price == 230_000


def test_admin_import_shows_errors_and_saves_nothing(client, world):
    client.force_login(world.users["bappeda"])
    data = b"Material;Satuan;Kategori;Harga\nPasir pasang;m3;agregat;mahal\n"

    page = client.post(
        reverse("admin:procurement_referenceprice_import"),
        {"file": SimpleUploadedFile("harga.csv", data), "year": world.fiscal_year.year},
    )

    assert page.status_code == 200
    assert "Baris 2, kolom Harga" in page.content.decode()
    assert not ReferencePrice.objects.filter(material__name="Pasir pasang").exists()


# --- Export ----------------------------------------------------------------------------------


def export_prices(client, fmt):
    """The admin's export of every reference price: format 0 is CSV, 1 is XLSX."""
    from procurement.resources import ReferencePriceResource

    names = ReferencePriceResource().get_export_order()
    response = client.post(
        reverse("admin:procurement_referenceprice_export"),
        {"format": fmt, "resource": "0", "export_items": []}
        | {f"referencepriceresource_{name}": "on" for name in names},
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def hostile_price(world):
    """A catalogue entry and its price whose texts are formulas, as Bappeda may type them."""
    material = Material.objects.create(name=PAYLOADS["="], unit="@sak", category="semen")
    return ReferencePrice.objects.create(
        fiscal_year=world.fiscal_year, material=material, price=62_500, source=PAYLOADS["-"]
    )


def test_price_export_formats_are_only_the_safe_ones(client, world):
    client.force_login(world.users["bappeda"])

    page = client.get(reverse("admin:procurement_referenceprice_export"))

    choices = [label for value, label in page.context["form"].fields["format"].choices if value]
    assert choices == ["csv", "xlsx"]  # before: also tsv, json, yaml, html, ods


def test_price_export_escapes_every_text_and_keeps_numbers(client, world, hostile_price):
    client.force_login(world.users["bappeda"])

    csv_header, *csv_rows = csv_fields(export_prices(client, "0").decode("utf-8"))
    xlsx_header, *xlsx_data = xlsx_rows(export_prices(client, "1"))

    assert (
        csv_header
        == xlsx_header
        == ["Tahun", "Material", "Satuan", "Kategori"]
        + [
            "Harga (Rp)",
            "Sumber",
        ]
    )
    [from_csv] = [r for r in csv_rows if r[1] == "'" + PAYLOADS["="]]
    [from_xlsx] = [r for r in xlsx_data if r[1] == "'" + PAYLOADS["="]]
    year = world.fiscal_year.year
    assert from_csv == [str(year), "'" + PAYLOADS["="], "'@sak", "semen", "62500"] + [
        "'" + PAYLOADS["-"]
    ]
    assert from_xlsx == [year, "'" + PAYLOADS["="], "'@sak", "semen", 62_500, "'" + PAYLOADS["-"]]
    assert len(xlsx_data) == ReferencePrice.objects.count()


def test_a_shop_named_in_an_issued_order_keeps_its_identity(client, world, order):
    shop = order.supplier
    client.force_login(world.users["bappeda"])
    url = reverse("admin:procurement_supplier_change", args=[shop.pk])

    page = client.get(url)
    data = change_form_data(page) | {
        "name": "TB Lain Sama Sekali",
        "owner_name": "Orang Lain",
        "npwp": "",
        "bank_account_number": "9876543210",
    }
    response = client.post(url, data)

    html = page.content.decode()
    for name in ("name", "owner_name", "kelurahan", "npwp"):
        assert f'name="{name}"' not in html
    assert 'name="bank_account_number"' in html
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.owner_name) == ("TB Sinar Jaya", "Pemilik TB Sinar Jaya")
    assert shop.npwp and shop.bank_account_number == "9876543210"
    event = AuditEvent.objects.get(action="supplier_admin_edit")
    assert event.actor == world.users["bappeda"]
    assert event.data == {"fields": ["bank_account_number"]}


def test_a_shop_without_issued_orders_may_still_be_renamed(client, world, order):
    shop = world.shop_far
    client.force_login(world.users["bappeda"])
    url = reverse("admin:procurement_supplier_change", args=[shop.pk])

    data = change_form_data(client.get(url)) | {"name": "TB Sumber Rezeki Baru"}
    response = client.post(url, data)

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "TB Sumber Rezeki Baru"
    assert AuditEvent.objects.get(action="supplier_admin_edit").data == {"fields": ["name"]}


def test_bappeda_edits_a_template_in_the_admin_and_is_told_of_unpriced_materials(
    client, world, rabat_template
):
    client.force_login(world.users["bappeda"])
    url = reverse("admin:procurement_rabtemplate_change", args=[rabat_template.pk])
    page = client.get(url)
    assert page.status_code == 200
    unpriced = Material.objects.create(name="Kawat bendrat", unit="kg", category="besi")
    lines = list(rabat_template.lines.all())
    data = {
        "fiscal_year": world.fiscal_year.pk,
        "work_type": world.work_type.pk,
        "name": "Rabat beton tebal 12 cm",
        "base_volume": "100",
        "base_width": "1.5",
        "active": "on",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        data |= {
            f"lines-{i}-id": line.pk,
            f"lines-{i}-template": rabat_template.pk,
            f"lines-{i}-position": line.position,
            f"lines-{i}-material": line.material_id,
            f"lines-{i}-quantity": str(line.quantity * 2 if i == 0 else line.quantity),
        }
        if line.scales_with_width:
            data[f"lines-{i}-scales_with_width"] = "on"
    n = len(lines)
    data |= {
        f"lines-{n}-template": rabat_template.pk,
        f"lines-{n}-position": n,
        f"lines-{n}-material": unpriced.pk,
        f"lines-{n}-quantity": "2",
    }

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    template = RABTemplate.objects.get(pk=rabat_template.pk)
    assert template.name == "Rabat beton tebal 12 cm"
    assert template.lines.get(material__name="Semen Portland 50 kg").quantity == Decimal("196")
    assert template.lines.count() == 5
    assert "Belum ada harga acuan" in response.content.decode()
    assert "Kawat bendrat" in response.content.decode()
    assert AuditEvent.objects.filter(action="rab_template_admin_edit").exists()


def test_bappeda_copies_templates_to_the_next_year_from_the_list(client, world, rabat_template):
    factories.FiscalYearFactory(year=world.fiscal_year.year + 1)
    client.force_login(world.users["bappeda"])

    client.post(
        reverse("admin:procurement_rabtemplate_changelist"),
        {"action": "copy_to_next_year", "_selected_action": [rabat_template.pk]},
    )

    assert RABTemplate.objects.filter(fiscal_year__year=world.fiscal_year.year + 1).count() == 1


def test_the_inspektorat_reads_templates_and_changes_none(client, world, rabat_template):
    client.force_login(world.users["inspektorat"])

    changelist = client.get(reverse("admin:procurement_rabtemplate_changelist"))
    change = client.get(reverse("admin:procurement_rabtemplate_change", args=[rabat_template.pk]))

    assert changelist.status_code == 200 and change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert "copy_to_next_year" not in changelist.content.decode()
    assert client.get(reverse("admin:procurement_rabtemplate_add")).status_code == 403
