from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.db.models import Sum


def store_proposal_money(apps, schema_editor):
    """Fill Proposal.ordered_amount, delivered_amount and paid_amount from the purchases, as
    procurement.selectors.proposal_money sums them (issued orders only, delivered valued line
    by line at the order's price, rounded half up and never above the line)."""
    Proposal = apps.get_model("proposals", "Proposal")
    PurchaseOrder = apps.get_model("procurement", "PurchaseOrder")
    PurchaseOrderLine = apps.get_model("procurement", "PurchaseOrderLine")
    DeliveryLine = apps.get_model("procurement", "DeliveryLine")
    Payment = apps.get_model("procurement", "Payment")
    money: dict[int, list[int]] = {}
    orders = (
        PurchaseOrder.objects.filter(state="issued")
        .order_by()
        .values("proposal_id")
        .annotate(t=Sum("total"))
    )
    for row in orders:
        money.setdefault(row["proposal_id"], [0, 0, 0])[0] = int(row["t"] or 0)
    arrived = dict(
        DeliveryLine.objects.filter(order_line__order__state="issued")
        .order_by()
        .values("order_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("order_line_id", "q")
    )
    lines = PurchaseOrderLine.objects.filter(pk__in=list(arrived)).values_list(
        "pk", "order__proposal_id", "quantity", "unit_price"
    )
    for pk, proposal_id, quantity, unit_price in lines:
        got = min(Decimal(arrived[pk]), Decimal(quantity))
        value = int((got * unit_price).quantize(Decimal("1"), ROUND_HALF_UP))
        money.setdefault(proposal_id, [0, 0, 0])[1] += value
    payments = (
        Payment.objects.filter(order__state="issued")
        .order_by()
        .values("order__proposal_id")
        .annotate(t=Sum("amount"))
    )
    for row in payments:
        money.setdefault(row["order__proposal_id"], [0, 0, 0])[2] = int(row["t"] or 0)
    for proposal_id, (ordered, delivered, paid) in money.items():
        Proposal.objects.filter(pk=proposal_id).update(
            ordered_amount=ordered, delivered_amount=delivered, paid_amount=paid
        )


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0002_supplier_accounts"),
        ("proposals", "0005_procurement_figures"),
    ]

    operations = [migrations.RunPython(store_proposal_money, migrations.RunPython.noop)]
