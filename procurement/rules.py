"""Who may act on purchases: predicates shared by services, views and the admin."""

from bangkit.models import Role
from procurement.models import SupplierAccount


def supplier_id_of(user) -> int | None:
    """The shop a toko account speaks for (None for every other account)."""
    if user is None or not user.is_authenticated or user.role != Role.TOKO:
        return None
    if not hasattr(user, "_supplier_id"):
        account = SupplierAccount.objects.filter(user=user).values_list("supplier_id", flat=True)
        user._supplier_id = account.first()
    return user._supplier_id


def is_shop_of(order, user) -> bool:
    """The account speaks for the shop the order is addressed to."""
    supplier_id = supplier_id_of(user)
    return supplier_id is not None and supplier_id == order.supplier_id
