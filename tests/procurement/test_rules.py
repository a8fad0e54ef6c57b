"""Who may act on purchases: a toko account speaks for its own shop only."""

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
