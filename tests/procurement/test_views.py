"""Procurement screens: scoping (404 out of area), the flow through the pages, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement import services
from procurement.models import Handover, PurchaseOrder
from tests.procurement.conftest import photo
from tests.procurement.test_services import TODAY, deliver_all, issue_new_order

# The answer on the confirmation page that issuing an order and confirming a BAST ask first.
CONFIRM = {"confirm": "1"}


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def issued(world, make_designated):
    order = issue_new_order(world, make_designated())
    return order


def test_kelurahan_creates_edits_and_issues_an_order_through_the_pages(
    client, world, make_designated
):
    proposal = make_designated()
    login(client, world.users["lurah"])

    page = client.get(reverse("procurement:proposal", args=[proposal.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    # Shops of the same kelurahan come first and are marked.
    assert (
        body.index("★ TB Sinar Jaya")
        < body.index("★ TB Maju Bersama")
        < body.index("TB Sumber Rezeki")
    )
    response = client.post(
        reverse("procurement:order_create", args=[proposal.pk]),
        {"supplier": world.shop_here.pk},
    )
    order = PurchaseOrder.objects.get(proposal=proposal)
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:order_edit", args=[order.pk])

    edit = client.get(reverse("procurement:order_edit", args=[order.pk]))
    assert edit.status_code == 200 and "Semen Portland 50 kg" in edit.content.decode()
    lines = list(order.lines.order_by("position"))
    data = {
        "supplier": world.shop_here.pk,
        "supplier_reason": "",
        "delivery_address": "Gang Melati RT 03",
        "note": "",
        "baris-TOTAL_FORMS": "3",
        "baris-INITIAL_FORMS": "2",
        "baris-MIN_NUM_FORMS": "0",
        "baris-MAX_NUM_FORMS": "60",
    }
    for i, line in enumerate(lines):
        data.update(
            {
                f"baris-{i}-material": line.material_id,
                f"baris-{i}-description": line.description,
                f"baris-{i}-unit": line.unit,
                f"baris-{i}-quantity": str(line.quantity),
                f"baris-{i}-unit_price": "Rp 75.000" if i == 0 else "250000",
                f"baris-{i}-justification": "",
                f"baris-{i}-rab_line_id": line.rab_line_id,
            }
        )
    response = client.post(reverse("procurement:order_edit", args=[order.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert order.delivery_address == "Gang Melati RT 03"

    response = client.post(reverse("procurement:order_issue", args=[order.pk]), CONFIRM)
    order.refresh_from_db()
    assert order.state == "issued" and order.sequence == 1
    pdf = client.get(reverse("procurement:order_pdf", args=[order.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_delivery_payment_and_bast_pages(client, world, issued):
    login(client, world.users["lurah"])
    semen, pasir = issued.lines.order_by("position")

    response = client.post(
        reverse("procurement:delivery_create", args=[issued.pk]),
        {
            "delivered_on": TODAY.isoformat(),
            "received_by_name": "Ahmad Hidayat",
            f"accepted_{semen.pk}": "100",
            f"rejected_{semen.pk}": "0",
            f"accepted_{pasir.pk}": "4",
            "photo": photo(),
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("procurement:order", args=[issued.pk])).content.decode()
    assert "Kurang" in detail and 'class="num short"' in detail
    delivery = issued.deliveries.get()
    assert client.get(reverse("procurement:delivery_photo", args=[delivery.pk])).status_code == 200

    response = client.post(
        reverse("procurement:payment_create", args=[issued.pk]),
        {
            "invoice_number": "INV-7",
            "amount": "Rp 7.500.000",
            "paid_on": TODAY.isoformat(),
            "reference": "SP2D 12",
        },
    )
    assert response.status_code == 302
    assert issued.payments.get().amount == 7_500_000

    deliver_all(world, issued)
    form = client.get(reverse("procurement:handover", args=[issued.proposal_id])).content
    # The BAST date is prefilled with today (the day it is signed) and cannot be later.
    assert (
        f'name="handover_date" value="{TODAY.isoformat()}" max="{TODAY.isoformat()}"'
        in form.decode()
    )
    response = client.post(
        reverse("procurement:handover", args=[issued.proposal_id]),
        {
            "handover_date": TODAY.isoformat(),
            "place": "Balai RT 03",
            "first_party_name": "Sri Lubis",
            "first_party_position": "Lurah A1",
            "second_party_name": "Ahmad Hidayat",
            "second_party_position": "Ketua RT 03",
        },
    )
    assert response.status_code == 302
    handover = Handover.objects.get(proposal=issued.proposal)
    assert not handover.is_complete

    client.force_login(world.users["rt"])
    page = client.get(reverse("procurement:handover", args=[issued.proposal_id]))
    assert "Konfirmasi BAST" in page.content.decode()
    client.post(reverse("procurement:handover_confirm", args=[handover.pk]), CONFIRM)
    handover.refresh_from_db()
    assert handover.is_complete
    pdf = client.get(reverse("procurement:handover_pdf", args=[handover.pk]))
    assert pdf.status_code == 200


@pytest.mark.parametrize("who", ["lurah_other", "lurah_same_kec", "camat_other", "rt_other"])
def test_out_of_area_pages_are_404(client, world, issued, who):
    delivery = services.delivery_record(
        order=issued,
        actor=world.users["lurah"],
        delivered_on=TODAY,
        received_by_name="Ahmad",
        quantities={issued.lines.first().pk: (Decimal("1"), 0)},
        photo=photo(),
    )
    login(client, world.users[who])
    pk, proposal_pk = issued.pk, issued.proposal_id

    for url in [
        reverse("procurement:proposal", args=[proposal_pk]),
        reverse("procurement:order", args=[pk]),
        reverse("procurement:order_pdf", args=[pk]),
        reverse("procurement:order_edit", args=[pk]),
        reverse("procurement:delivery_create", args=[pk]),
        reverse("procurement:payment_create", args=[pk]),
        reverse("procurement:delivery_photo", args=[delivery.pk]),
        reverse("procurement:handover", args=[proposal_pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("procurement:order_issue", args=[pk]),
        reverse("procurement:order_cancel", args=[pk]),
        reverse("procurement:order_create", args=[proposal_pk]),
    ]:
        assert client.post(url, {"reason": "x" * 20}).status_code == 404, url


def test_camat_and_inspektorat_read_but_cannot_act(client, world, issued):
    for who in ["camat", "inspektorat"]:
        login(client, world.users[who])
        page = client.get(reverse("procurement:order", args=[issued.pk]))
        assert page.status_code == 200
        assert "Catat penerimaan" not in page.content.decode()
        assert (
            client.get(reverse("procurement:delivery_create", args=[issued.pk])).status_code == 404
        )
        client.post(reverse("procurement:order_cancel", args=[issued.pk]), {"reason": "x" * 20})
        issued.refresh_from_db()
        assert issued.state == "issued"


def test_shop_account_sees_and_confirms_its_own_orders(client, world, make_designated, issued):
    elsewhere = issue_new_order(world, make_designated(), supplier=world.shop_same_kec)
    login(client, world.users["toko"])

    home = client.get(reverse("procurement:index")).content.decode()
    assert issued.number in home and elsewhere.number not in home
    assert client.get(reverse("procurement:order", args=[elsewhere.pk])).status_code == 404
    client.post(reverse("procurement:order_confirm", args=[issued.pk]))
    issued.refresh_from_db()
    assert issued.confirmed_at is not None


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name, who, expected",
    [
        # session, user, (kelurahan/kecamatan of the user), page count, page rows, years;
        # + 1 for the menu's to-do counts (portal.todo) for the roles that have some
        ("procurement:index", "lurah", 7 + 1),
        ("procurement:index", "inspektorat", 5),
        ("procurement:index", "rt", 6 + 1),
        ("procurement:orders", "camat", 5 + 1),
        ("procurement:orders", "inspektorat", 4),
    ],
)
def test_list_query_counts_are_pinned(client, world, make_designated, url_name, who, expected):
    login(client, world.users[who])
    issue_new_order(world, make_designated())
    url = reverse(url_name)
    first = _count_queries(client, url)
    for _ in range(4):
        issue_new_order(world, make_designated(), supplier=world.shop_same_kec)

    assert first == expected
    assert _count_queries(client, url) == expected


def test_proposal_and_order_pages_query_counts_do_not_grow_with_lines(
    client, world, make_designated
):
    login(client, world.users["lurah"])
    small = issue_new_order(world, make_designated())
    big = issue_new_order(
        world,
        make_designated(
            rab=[("Semen 50 kg", "sak", Decimal(n + 1), 75_000) for n in range(8)],
            budget=100_000_000,
        ),
    )
    for order in (small, big):
        deliver_all(world, order)

    assert _count_queries(client, reverse("procurement:order", args=[small.pk])) == (
        _count_queries(client, reverse("procurement:order", args=[big.pk]))
    )
    assert _count_queries(client, reverse("procurement:proposal", args=[small.proposal_id])) == (
        _count_queries(client, reverse("procurement:proposal", args=[big.proposal_id]))
    )


def test_rt_head_finds_the_bast_waiting_for_them(client, world, issued):
    deliver_all(world, issued)
    services.handover_record(
        proposal=issued.proposal,
        actor=world.users["lurah"],
        handover_date=TODAY,
        place="Balai RT",
        first_party_name="Sri Lubis",
        first_party_position="Lurah",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03",
    )

    login(client, world.users["rt"])
    page = client.get(reverse("procurement:index")).content.decode()
    assert "Menunggu konfirmasi Ketua RT" in page
    login(client, world.users["rt_other"])
    assert "Belum ada BAST" in client.get(reverse("procurement:index")).content.decode()


# --- Irreversible steps ask first --------------------------------------------------------------


def test_issuing_an_order_asks_first_with_its_lines_and_what_follows(client, world, draft):
    login(client, world.users["lurah"])
    url = reverse("procurement:order_issue", args=[draft.pk])
    order_page = client.get(reverse("procurement:order", args=[draft.pk])).content.decode()
    assert f'action="{url}"' in order_page

    response = client.post(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Yang akan terjadi" in html and "Ya, terbitkan surat pesanan" in html
    assert "Semen" in html and "Rp 10.000.000" in html
    assert "Usulan berpindah ke tahap “Pengadaan material”." in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    draft.refresh_from_db()
    assert draft.state == PurchaseOrder.State.DRAFT and not draft.number

    assert client.post(url, CONFIRM).status_code == 302
    draft.refresh_from_db()
    assert draft.state == PurchaseOrder.State.ISSUED and draft.number


def test_an_order_that_cannot_be_issued_is_refused_without_asking(client, world, issued):
    login(client, world.users["lurah"])

    response = client.post(reverse("procurement:order_issue", args=[issued.pk]))

    assert response.status_code == 302  # already issued: the refusal, as before


def test_the_bast_confirmation_sits_below_its_materials_and_asks_first(client, world, issued):
    deliver_all(world, issued)
    handover = services.handover_record(
        proposal=issued.proposal,
        actor=world.users["lurah"],
        handover_date=TODAY,
        place="Balai RT",
        first_party_name="Sri Lubis",
        first_party_position="Lurah",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03",
    )
    login(client, world.users["rt"])
    url = reverse("procurement:handover_confirm", args=[handover.pk])

    page = client.get(reverse("procurement:handover", args=[issued.proposal_id])).content.decode()
    assert page.index("Daftar material") < page.index("Pasir") < page.index(f'action="{url}"')

    response = client.post(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Semen") < html.index("Pasir") < html.index("Yang akan terjadi")
    assert html.index("Yang akan terjadi") < html.index("Ya, saya menerima material ini")
    assert "Material diterima" in html
    handover.refresh_from_db()
    assert not handover.is_complete

    assert client.post(url, CONFIRM).status_code == 302
    handover.refresh_from_db()
    assert handover.is_complete


# --- Hostile input to the order, delivery and payment forms ----------------------------------


def edit_data(world, order) -> dict:
    """What the edit page posts back for the order as it stands (its lines, in order)."""
    lines = list(order.lines.order_by("position"))
    data = {
        "supplier": world.shop_here.pk,
        "supplier_reason": "",
        "delivery_address": order.delivery_address,
        "note": order.note,
        "baris-TOTAL_FORMS": str(len(lines)),
        "baris-INITIAL_FORMS": str(len(lines)),
        "baris-MIN_NUM_FORMS": "0",
        "baris-MAX_NUM_FORMS": "100",
    }
    for i, line in enumerate(lines):
        data.update(
            {
                f"baris-{i}-material": line.material_id or "",
                f"baris-{i}-description": line.description,
                f"baris-{i}-unit": line.unit,
                f"baris-{i}-quantity": f"{line.quantity.normalize():f}",
                f"baris-{i}-unit_price": str(line.unit_price),
                f"baris-{i}-justification": line.justification,
                f"baris-{i}-rab_line_id": line.rab_line_id or "",
            }
        )
    return data


def stored(order) -> list:
    """The order, its lines, deliveries, payments and audit trail as stored."""
    from bangkit.models import AuditEvent

    order.refresh_from_db()
    return [
        (order.total, order.supplier_id, order.note, order.delivery_address),
        list(order.lines.values_list("rab_line_id", "quantity", "unit_price", "line_total")),
        list(order.deliveries.values_list("pk", flat=True)),
        list(order.payments.values_list("pk", flat=True)),
        AuditEvent.objects.count(),
    ]


@pytest.fixture
def draft(world, make_designated):
    return services.order_create_from_rab(
        proposal=make_designated(), actor=world.users["lurah"], supplier=world.shop_here
    )


NOT_IN_RAB = "Baris 2: bahan tidak termasuk RAB usulan ini"
TOO_MANY = "Baris 2: jumlah terlalu besar (maks 1.000.000)"
TOO_DEAR = "Baris 2: harga satuan terlalu besar (maks Rp 1.000.000.000)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"baris-1-rab_line_id": "FOREIGN"}, NOT_IN_RAB),
        ({"baris-1-rab_line_id": "999999"}, NOT_IN_RAB),
        ({"baris-1-rab_line_id": "-1"}, NOT_IN_RAB),
        ({"baris-1-rab_line_id": "9" * 20}, NOT_IN_RAB),
        ({"baris-1-rab_line_id": "²"}, NOT_IN_RAB),
        ({"baris-1-rab_line_id": "abc"}, NOT_IN_RAB),
        ({"baris-1-quantity": "9999999999.99"}, TOO_MANY),
        ({"baris-1-quantity": "1000000.01"}, TOO_MANY),
        ({"baris-1-quantity": "9" * 10_240}, TOO_MANY),
        ({"baris-1-quantity": "1e309"}, TOO_MANY),
        ({"baris-1-quantity": "-5"}, "Baris 2: jumlah harus lebih dari 0"),
        ({"baris-1-quantity": "1.005"}, "Baris 2: jumlah paling banyak dua angka di belakang"),
        ({"baris-1-quantity": "NaN"}, "Baris 2: jumlah harus berupa angka"),
        ({"baris-1-unit_price": "999999999999"}, TOO_DEAR),
        ({"baris-1-unit_price": "999.999.999.999"}, TOO_DEAR),
        ({"baris-1-unit_price": "Rp 1.000.000.001"}, TOO_DEAR),
        ({"baris-1-unit_price": "9" * 40}, TOO_DEAR),
        ({"baris-1-unit_price": "12,34,56"}, "Baris 2: harga satuan: bukan jumlah rupiah"),
        (
            {"baris-0-quantity": "1000", "baris-0-unit_price": "1.000.000.000"},
            "Baris 1: jumlah harga terlalu besar (maks Rp 100.000.000.000)",
        ),
        ({"baris-1-material": "9" * 20}, "Baris 2: material katalog tidak dikenal"),
        ({"baris-1-unit": "ton"}, "Baris 2: satuan tidak dikenal"),
        ({"baris-1-description": "x" * 151}, "Baris 2: uraian paling banyak 150 huruf"),
        ({"baris-TOTAL_FORMS": "1000"}, "Pesanan paling banyak 100 baris material."),
        ({"baris-TOTAL_FORMS": "abc"}, "Data baris pesanan tidak lengkap."),
    ],
)
def test_order_edit_refuses_each_hostile_line_and_saves_nothing(
    client, world, make_designated, draft, changes, message
):
    foreign = make_designated(rt=world.rt_other).rab_lines.first()
    data = {**edit_data(world, draft), "note": "diubah"}
    data.update({k: str(foreign.pk) if v == "FOREIGN" else v for k, v in changes.items()})
    before = stored(draft)
    login(client, world.users["lurah"])

    response = client.post(reverse("procurement:order_edit", args=[draft.pk]), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(draft) == before


def test_order_edit_names_every_wrong_row_at_once(client, world, make_designated, draft):
    foreign = make_designated(rt=world.rt_other).rab_lines.first()
    data = edit_data(world, draft)
    data.update(
        {
            "baris-0-rab_line_id": str(foreign.pk),
            "baris-1-quantity": "9999999999.99",
            "baris-1-unit_price": "999999999999",
        }
    )
    before = stored(draft)
    login(client, world.users["lurah"])

    body = client.post(reverse("procurement:order_edit", args=[draft.pk]), data).content.decode()

    assert "Pesanan tidak disimpan: periksa baris berikut." in body
    for message in ["Baris 1: bahan tidak termasuk RAB usulan ini", TOO_MANY, TOO_DEAR]:
        assert message in body
    assert "Baris 2</p>" in body  # the cards carry the numbers the messages use
    assert stored(draft) == before


def test_order_edit_rows_keep_their_number_when_one_above_is_deleted(client, world, draft):
    data = edit_data(world, draft)
    data.update({"baris-0-DELETE": "on", "baris-1-unit_price": "999999999999"})
    before = stored(draft)
    login(client, world.users["lurah"])

    body = client.post(reverse("procurement:order_edit", args=[draft.pk]), data).content.decode()

    assert TOO_DEAR in body
    assert stored(draft) == before


def test_order_edit_still_saves_valid_lines_with_their_rab_lines(client, world, draft):
    data = edit_data(world, draft)
    data["baris-1-quantity"] = "4.5"
    login(client, world.users["lurah"])

    response = client.post(reverse("procurement:order_edit", args=[draft.pk]), data)

    assert response.status_code == 302
    semen, pasir = draft.lines.order_by("position")
    assert pasir.quantity == Decimal("4.5") and pasir.rab_line_id is not None
    assert {semen.rab_line_id, pasir.rab_line_id} == set(
        draft.proposal.rab_lines.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("junk", ["9" * 20, "-1", "abc", "INACTIVE"])
def test_order_create_refuses_a_shop_that_is_not_offered(client, world, make_designated, junk):
    proposal = make_designated()
    if junk == "INACTIVE":
        world.shop_same_kec.active = False
        world.shop_same_kec.save(update_fields=["active"])
        junk = str(world.shop_same_kec.pk)
    login(client, world.users["lurah"])

    response = client.post(
        reverse("procurement:order_create", args=[proposal.pk]), {"supplier": junk}, follow=True
    )

    assert response.status_code == 200
    assert "Pilih toko bangunan." in response.content.decode()
    assert not PurchaseOrder.objects.filter(proposal=proposal).exists()


def test_delivery_form_refuses_oversized_and_foreign_lines(client, world, make_designated, issued):
    other = issue_new_order(world, make_designated())
    semen = issued.lines.get(position=0)
    base = {"delivered_on": TODAY.isoformat(), "received_by_name": "Ahmad Hidayat"}
    url = reverse("procurement:delivery_create", args=[issued.pk])
    before = stored(issued)
    login(client, world.users["lurah"])

    for data, message in [
        (
            {f"accepted_{semen.pk}": "0", f"rejected_{semen.pk}": "9999999999.99"},
            "ditolak 9.999.999.999,99 sak melebihi jumlah pesanan 100 sak",
        ),
        (
            {f"accepted_{semen.pk}": "9999999999.99"},
            "diterima 9.999.999.999,99 sak melebihi sisa pesanan",
        ),
        (
            {f"accepted_{other.lines.first().pk}": "1"},  # another order's line: not on this form
            "Isi jumlah material yang diterima paling sedikit pada satu baris.",
        ),
    ]:
        response = client.post(url, {**base, **data, "photo": photo()})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert stored(issued) == before
    assert not other.deliveries.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("999.999.999.999.999", "Jumlah dibayar terlalu besar (maks Rp 100.000.000.000)."),
        ("9" * 40, "Jumlah dibayar terlalu besar (maks Rp 100.000.000.000)."),
        ("100.000.000.001", "Jumlah dibayar terlalu besar (maks Rp 100.000.000.000)."),
        ("Rp ²", "Jumlah dibayar: bukan jumlah rupiah yang sah (Rp ²)."),
        ("10.000.001", "Pembayaran melebihi nilai pesanan Rp 10.000.000"),
    ],
)
def test_payment_form_refuses_oversized_amounts(client, world, issued, amount, message):
    deliver_all(world, issued)
    before = stored(issued)
    login(client, world.users["lurah"])

    response = client.post(
        reverse("procurement:payment_create", args=[issued.pk]),
        {
            "invoice_number": "INV-9",
            "amount": amount,
            "paid_on": TODAY.isoformat(),
            "reference": "SP2D 9",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(issued) == before
