"""History of shops, prices, orders, deliveries and payments: every change keeps who made it,
when, and the old and new values, whether it came through the admin or a service."""

from django.apps import apps
from django.db import models
from django.urls import reverse

from procurement import services
from procurement.importing import reference_price_import
from procurement.models import (
    DeliveryLine,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    ReferencePrice,
)
from tests.admin_forms import change_form_data
from tests.procurement.test_services import deliver_all, issue_new_order, lines_of, pay

NIK = "1571014708850003"  # a NIK of Kota Jambi, which since 2024 is also its holder's NPWP


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:procurement_{model}_{view}", args=args)


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


# --- Shops ---------------------------------------------------------------------------------------


def test_a_shops_bank_account_changed_in_the_admin_keeps_old_and_new_and_who(client, world):
    shop = world.shop_here
    bappeda = world.users["bappeda"]
    client.force_login(bappeda)
    change = url("supplier", "change", shop.pk)

    response = client.post(
        change, change_form_data(client.get(change)) | {"bank_account_number": "9876543210"}
    )

    assert response.status_code == 302
    new, old = shop.history.all()[:2]
    assert (old.bank_account_number, new.bank_account_number) == ("1234567890", "9876543210")
    assert (new.history_type, new.history_user) == ("~", bappeda)
    assert new.diff_against(old).changed_fields == ["bank_account_number"]
    page = client.get(url("supplier", "history", shop.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nomor rekening:</strong>\n                    1234567890" in html
    assert "&rarr;&nbsp;&nbsp;9876543210" in html
    assert f">{bappeda.username}</a>" in html


def test_an_npwp_that_is_a_nik_never_reaches_a_history_table_whole(client, world):
    shop = world.shop_far
    client.force_login(world.users["bappeda"])
    change = url("supplier", "change", shop.pk)

    response = client.post(change, change_form_data(client.get(change)) | {"npwp": NIK})
    shop.refresh_from_db()
    shop.bank_account_holder = "Pemilik Baru"
    shop.save()

    assert response.status_code == 302
    assert shop.npwp == NIK  # the shop's own record keeps its tax number
    assert shop.history.first().npwp == "••••••••••••0003"
    for model in apps.get_models():
        if not hasattr(model, "instance_type"):
            continue
        for field in model._meta.fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                hits = model.objects.filter(**{f"{field.name}__contains": NIK})
                assert not hits.exists(), f"{model.__name__}.{field.name}"
    html = client.get(url("supplier", "history", shop.pk)).content.decode()
    assert NIK not in html and "••••••••••••0003" in html


def test_a_shops_accounts_are_on_its_history_page(client, world):
    client.force_login(world.users["inspektorat"])

    page = client.get(url("supplier", "history", world.shop_here.pk))

    [section] = page.context["history_sections"]
    assert section["title"] == "akun toko"
    assert section["page_obj"].paginator.count == 1


# --- Reference prices --------------------------------------------------------------------------


def test_a_reference_price_changed_in_the_admin_keeps_its_old_price(client, world):
    price = ReferencePrice.objects.get(material=world.materials["Pasir cor"])
    bappeda = world.users["bappeda"]
    client.force_login(bappeda)
    change = url("referenceprice", "change", price.pk)

    response = client.post(change, change_form_data(client.get(change)) | {"price": "265000"})

    assert response.status_code == 302
    new, old = price.history.all()[:2]
    assert (old.price, new.price, new.history_user) == (250_000, 265_000, bappeda)
    html = client.get(url("referenceprice", "history", price.pk)).content.decode()
    assert "Rp 250.000" in html and "Rp 265.000" in html


def test_an_imported_price_change_names_the_importer(world):
    bappeda = world.users["bappeda"]

    reference_price_import(
        file_or_rows=b"Material;Satuan;Kategori;Harga\nPasir cor;m3;agregat;Rp 260.000\n",
        year=world.fiscal_year.year,
        actor=bappeda,
    )

    price = ReferencePrice.objects.get(material=world.materials["Pasir cor"])
    latest = price.history.first()
    assert (latest.price, latest.prev_record.price) == (260_000, 250_000)
    assert latest.history_user == bappeda


# --- Orders, deliveries and payments ------------------------------------------------------------


def test_an_order_keeps_each_step_and_its_lines_under_the_lurah(world, make_designated):
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(
        proposal=make_designated(), actor=lurah, supplier=world.shop_here
    )
    first_lines = set(order.lines.values_list("pk", flat=True))
    inputs = lines_of(order)
    inputs[0].quantity = 80
    order = services.order_update(order=order, actor=lurah, supplier=world.shop_here, lines=inputs)
    semen = world.materials["Semen Portland 50 kg"]
    ReferencePrice.objects.filter(material=semen).update(price=80_000)  # the year's new price
    order = services.order_issue(order=order, actor=lurah)

    steps = list(order.history.order_by("history_id"))
    assert [(r.state, r.history_user) for r in steps][-1] == (PurchaseOrder.State.ISSUED, lurah)
    assert {r.history_user for r in steps} == {lurah}
    assert steps[-1].prev_record.state == PurchaseOrder.State.DRAFT
    assert steps[-1].number == order.number and steps[-1].total == order.total
    # The draft's first lines were replaced: their deletion is on record, and so is each new
    # line's creation; at issue, only the line whose reference price moved is saved again.
    lines = PurchaseOrderLine.history.filter(order_id=order.pk)
    assert set(lines.filter(history_type="-").values_list("id", flat=True)) == first_lines
    assert lines.filter(history_type="+").count() == len(first_lines) + len(inputs)
    [repriced] = lines.filter(history_type="~")
    assert (repriced.material_id, repriced.quantity) == (semen.pk, 80)
    assert (repriced.prev_record.reference_price, repriced.reference_price) == (75_000, 80_000)
    assert {r.history_user for r in lines} == {lurah}


def test_a_delivery_and_a_payment_are_kept_with_who_recorded_them(world, make_designated):
    lurah = world.users["lurah"]
    order = issue_new_order(world, make_designated())
    delivery = deliver_all(world, order)
    payment = pay(world, order, 1_000_000)

    [created] = Payment.history.filter(id=payment.pk)
    assert (created.history_type, created.amount, created.history_user) == ("+", 1_000_000, lurah)
    assert delivery.history.get().history_user == lurah
    delivered = DeliveryLine.history.filter(delivery_id=delivery.pk)
    assert delivered.count() == order.lines.count()
    assert {r.history_user for r in delivered} == {lurah}

    services.delivery_confirm_by_supplier(delivery=delivery, actor=world.users["toko"])

    confirmed = delivery.history.first()
    assert confirmed.history_user == world.users["toko"]
    assert confirmed.prev_record.supplier_confirmed_at is None
    assert confirmed.supplier_confirmed_at is not None


def test_the_order_history_page_shows_lines_and_payments_in_few_queries(
    client, world, make_designated, django_assert_max_num_queries
):
    order = issue_new_order(world, make_designated())
    deliver_all(world, order)
    pay(world, order, 1_000_000)
    client.force_login(world.users["inspektorat"])

    with django_assert_max_num_queries(25):
        page = client.get(url("purchaseorder", "history", order.pk))

    assert page.status_code == 200
    lines, payments = page.context["history_sections"]
    assert (lines["title"], payments["title"]) == ("baris pesanan", "pembayaran")
    assert payments["page_obj"].paginator.count == 1
    html = page.content.decode()
    assert "Diterbitkan" in html and "Rp 1.000.000" in html
    # Computed figures are shown changing too: the order's total is not an editable field.
    assert "Jumlah (Rp):" in html


def test_the_history_of_an_order_out_of_scope_is_not_found(client, world, make_designated):
    order = issue_new_order(world, make_designated())
    version = order.history.first()
    client.force_login(staff(world.users["camat_other"]))

    for path in (
        url("purchaseorder", "history", order.pk),
        url("purchaseorder", "simple_history", order.pk, version.pk),
    ):
        assert client.get(path).status_code == 404, path

    client.force_login(staff(world.users["camat"]))
    assert client.get(url("purchaseorder", "history", order.pk)).status_code == 200


def test_a_version_is_read_never_reverted(client, world):
    shop = world.shop_here
    version = shop.history.first()
    client.force_login(world.users["bappeda"])
    path = url("supplier", "simple_history", shop.pk, version.pk)

    page = client.get(path)
    posted = client.post(path, {"name": "TB Dipulihkan", "bank_account_number": "1"})

    assert page.status_code == 200
    assert posted.status_code == 403
    shop.refresh_from_db()
    assert shop.name == "TB Sinar Jaya"
    assert shop.history.count() == 1
