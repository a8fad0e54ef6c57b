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

pytestmark = pytest.mark.urls("procurement.test_urls")


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

    response = client.post(reverse("procurement:order_issue", args=[order.pk]))
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
    client.post(reverse("procurement:handover_confirm", args=[handover.pk]))
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
        # session, user, (kelurahan/kecamatan of the user), page count, page rows, years
        ("procurement:index", "lurah", 7),
        ("procurement:index", "inspektorat", 5),
        ("procurement:index", "rt", 6),
        ("procurement:orders", "camat", 5),
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
