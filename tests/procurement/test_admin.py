"""Admin: Bappeda keeps the catalogue and imports prices; purchases are read-only; the
Inspektorat sees everything and changes nothing; others see their own area only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import ReferencePrice
from tests.procurement.test_services import issue_new_order


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
