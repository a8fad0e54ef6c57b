"""Who may act on purchases: a toko account speaks for its own shop only."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bangkit.models import Role
from procurement import rules
from procurement.models import SupplierAccount
from tests import factories


def test_a_toko_account_speaks_for_its_own_shop_only(world):
    toko = world.users["toko"]
    assert rules.supplier_id_of(toko) == world.shop_here.pk
    assert toko.area_label == "Toko TB Sinar Jaya"

    class Order:
        supplier_id = world.shop_here.pk

    class OtherOrder:
        supplier_id = world.shop_far.pk

    assert rules.is_shop_of(Order, toko)
    assert not rules.is_shop_of(OtherOrder, toko)
    # Every other account speaks for no shop, even a lurah of the shop's kelurahan.
    assert rules.supplier_id_of(world.users["lurah"]) is None
    assert not rules.is_shop_of(Order, world.users["lurah"])


def test_only_a_toko_account_can_be_linked_to_a_shop(world):
    account = SupplierAccount(user=world.users["lurah"], supplier=world.shop_here)
    with pytest.raises(ValidationError) as caught:
        account.full_clean()
    assert "user" in caught.value.message_dict


def test_a_toko_account_without_a_shop_sees_no_orders(world):
    from procurement.models import PurchaseOrder

    lonely = factories.make_user(Role.TOKO, username="toko-tanpa-toko")
    assert rules.supplier_id_of(lonely) is None
    assert not PurchaseOrder.objects.visible_to(lonely).exists()


# --- The whole matrix: role × action × state × area ---------------------------------------

ROLES = [
    "rt",
    "rt_other",
    "lurah",
    "lurah_same_kec",
    "lurah_other",
    "camat",
    "camat_other",
    "toko",
    "toko_other",
    "bappeda",
    "inspektorat",
    "admin",
]
# Each area has its own Ketua RT, lurah (the buyer) and shop account.
OWN = {
    "same": {"rt": "rt", "kelurahan": "lurah", "toko": "toko"},
    "other": {"rt": "rt_other", "kelurahan": "lurah_other", "toko": "toko_other"},
}
PROPOSAL_STATES = ["designated", "procurement", "materials_received", "in_progress"]
ORDER_STATES = ["draft", "issued", "confirmed", "cancelled"]
# Hand-written: action → (the object it is asked about, who of the area may, in which states).
ALLOWED = {
    "buyer": ("proposal", "kelurahan", set(PROPOSAL_STATES)),
    "order_for": ("proposal", "kelurahan", {"designated", "procurement"}),
    "record_handover": ("proposal", "kelurahan", set(PROPOSAL_STATES)),
    "edit_order": ("order", "kelurahan", {"draft"}),
    "cancel_order": ("order", "kelurahan", {"draft", "issued", "confirmed"}),
    "record_delivery": ("order", "kelurahan", {"issued", "confirmed"}),
    "record_payment": ("order", "kelurahan", {"issued", "confirmed"}),
    "shop_of": ("order", "toko", set(ORDER_STATES)),
    "confirm_order": ("order", "toko", {"issued"}),
    "confirm_delivery": ("delivery", "toko", {"unconfirmed"}),
    "confirm_handover": ("handover", "rt", {"awaiting_rt"}),
}
PREDICATES = {
    "buyer": rules.is_buyer_for,
    "order_for": rules.may_order_for,
    "record_handover": rules.may_record_handover,
    "edit_order": rules.may_edit_order,
    "cancel_order": rules.may_cancel_order,
    "record_delivery": rules.may_record_delivery,
    "record_payment": rules.may_record_payment,
    "shop_of": lambda user, order: rules.is_shop_of(order, user),
    "confirm_order": rules.may_confirm_order,
    "confirm_delivery": rules.may_confirm_delivery,
    "confirm_handover": rules.may_confirm_handover,
}
CATALOGUE_KEEPERS = {"bappeda", "admin"}


def build_area(world, make_designated, area):
    """Proposals, orders, deliveries and BASTs of one area in every state, through services."""
    from procurement import services
    from procurement.selectors import order_lines_with_progress
    from tests.procurement.conftest import photo

    rt = world.rt if area == "same" else world.rt_other
    shop = world.shop_here if area == "same" else world.shop_far
    lurah = world.users[OWN[area]["kelurahan"]]
    toko = world.users[OWN[area]["toko"]]
    rt_head = world.users[OWN[area]["rt"]]

    def new_order(issue=True):
        order = services.order_create_from_rab(
            proposal=make_designated(rt=rt), actor=lurah, supplier=shop
        )
        return services.order_issue(order=order, actor=lurah) if issue else order

    def delivered(order):
        quantities = {
            line.pk: (line.shortfall, Decimal("0"))
            for line in order_lines_with_progress(order)
            if line.shortfall
        }
        return services.delivery_record(
            order=order,
            actor=lurah,
            delivered_on=datetime.date.today(),
            received_by_name="Ahmad Hidayat",
            quantities=quantities,
            photo=photo(),
        )

    def handover(order):
        return services.handover_record(
            proposal=order.proposal,
            actor=lurah,
            handover_date=datetime.date.today(),
            place="Balai RT",
            first_party_name="Sri Lubis",
            first_party_position="Lurah",
            second_party_name="Ahmad Hidayat",
            second_party_position="Ketua RT",
        )

    objects = {
        "proposal": {state: make_designated(rt=rt, state=state) for state in PROPOSAL_STATES},
        "order": {
            "draft": new_order(issue=False),
            "issued": new_order(),
            "confirmed": services.order_confirm_by_supplier(order=new_order(), actor=toko),
            "cancelled": services.order_cancel(
                order=new_order(issue=False), actor=lurah, reason="Toko kehabisan stok semen."
            ),
        },
    }
    waiting_order, signed_order = new_order(), new_order()
    waiting_delivery = delivered(waiting_order)
    confirmed_delivery = services.delivery_confirm_by_supplier(
        delivery=delivered(signed_order), actor=toko
    )
    objects["delivery"] = {"unconfirmed": waiting_delivery, "confirmed": confirmed_delivery}
    waiting = handover(waiting_order)
    complete = services.handover_confirm_by_rt(handover=handover(signed_order), actor=rt_head)
    objects["handover"] = {waiting.state: waiting, complete.state: complete}
    assert set(objects["handover"]) == {"awaiting_rt", "complete"}
    return objects


@pytest.mark.parametrize("area", ["same", "other"])
def test_procurement_matrix(world, make_designated, area):
    """Every predicate, for every role, on objects of the area in every state."""
    world.users["toko_other"] = factories.make_user(Role.TOKO, world.shop_far, username="toko-b1")
    world.users["admin"] = factories.make_user(Role.ADMIN, username="admin-pengadaan")
    objects = build_area(world, make_designated, area)
    own = {user: level for level, user in OWN[area].items()}
    got, want = {}, {}
    for role in ROLES:
        user = world.users[role]
        # A fresh read of the user, as each request has: the shop link is not carried over.
        user = type(user).objects.get(pk=user.pk)
        for action, (kind, level, states) in ALLOWED.items():
            for state, obj in objects[kind].items():
                got[(action, state, role)] = PREDICATES[action](user, obj)
                want[(action, state, role)] = own.get(role) == level and state in states
        got[("keep_catalogue", "-", role)] = rules.may_keep_catalogue(user)
        want[("keep_catalogue", "-", role)] = role in CATALOGUE_KEEPERS

    assert got == want
