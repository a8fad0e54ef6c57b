"""Who may act on purchases: predicates shared by services, views and the admin.

The kelurahan is the budget user (KPA) of its proposals: it orders, records what arrives, pays
and signs the BAST. A toko account speaks for its own shop only; the Ketua RT confirms the BAST.
"""

from bangkit import rules as core_rules
from bangkit.models import Role
from procurement.models import PurchaseOrder, SupplierAccount
from proposals import rules as proposal_rules
from proposals.states import State

# A site is bought for from its designation until the BAST.
ORDERABLE_STATES = [State.DESIGNATED, State.PROCUREMENT]


def supplier_id_of(user) -> int | None:
    """The shop a toko account speaks for (None for every other account)."""
    if not core_rules.is_signed_in(user) or user.role != Role.TOKO:
        return None
    if not hasattr(user, "_supplier_id"):
        account = SupplierAccount.objects.filter(user=user).values_list("supplier_id", flat=True)
        user._supplier_id = account.first()
    return user._supplier_id


def is_shop_of(order, user) -> bool:
    """The account speaks for the shop the order is addressed to."""
    supplier_id = supplier_id_of(user)
    return supplier_id is not None and supplier_id == order.supplier_id


def is_buyer_for(user, proposal) -> bool:
    """The kelurahan of the proposal: the budget user who buys its materials."""
    return proposal_rules.is_kelurahan_of(proposal, user)


def may_order_for(user, proposal) -> bool:
    """Start an order from the RAB: the buyer, once the site is designated and until the BAST."""
    return is_buyer_for(user, proposal) and proposal.state in ORDERABLE_STATES


def may_edit_order(user, order) -> bool:
    """Change or issue a draft order: its buyer, while it is a draft."""
    return is_buyer_for(user, order.proposal) and order.state == PurchaseOrder.State.DRAFT


def may_cancel_order(user, order) -> bool:
    """Cancel an order (while nothing has arrived or been paid for it): its buyer."""
    return is_buyer_for(user, order.proposal) and order.state != PurchaseOrder.State.CANCELLED


def may_record_delivery(user, order) -> bool:
    """Record materials that arrived on site: the buyer, for an issued order."""
    return is_buyer_for(user, order.proposal) and order.state == PurchaseOrder.State.ISSUED


def may_record_payment(user, order) -> bool:
    """Record a payment to the shop: the buyer, for an issued order."""
    return is_buyer_for(user, order.proposal) and order.state == PurchaseOrder.State.ISSUED


def may_record_handover(user, proposal) -> bool:
    """Draw up the BAST (the page lists what still stands in the way): the buyer."""
    return is_buyer_for(user, proposal)


def may_confirm_order(user, order) -> bool:
    """Acknowledge an issued order: the shop it is addressed to, once."""
    return (
        is_shop_of(order, user)
        and order.state == PurchaseOrder.State.ISSUED
        and order.confirmed_at is None
    )


def may_confirm_delivery(user, delivery) -> bool:
    """Confirm a recorded delivery: the shop that sent it, once."""
    return is_shop_of(delivery.order, user) and delivery.supplier_confirmed_at is None


def may_confirm_handover(user, handover) -> bool:
    """Confirm the BAST from their account: the Ketua RT of the site, while it is incomplete."""
    return proposal_rules.is_rt_of(handover.proposal, user) and not handover.is_complete


def may_keep_catalogue(user) -> bool:
    """Shops (and their accounts), the material catalogue, reference prices and the price
    margin are city-wide data, kept by Bappeda."""
    return core_rules.keeps_city_data(user)
