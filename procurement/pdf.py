"""The Surat Pesanan and the BAST as PDFs: WeasyPrint that may read our static files only."""

from django.template.loader import render_to_string

from bangkit.indonesian import date_words, long_date, rupiah_words
from bangkit.pdf import write_pdf
from procurement import selectors


def render_pdf(template: str, context: dict) -> bytes:
    return write_pdf(render_to_string(template, context))


def order_pdf(order) -> bytes:
    lines = list(order.lines.select_related("material").order_by("position", "id"))
    proposal = order.proposal
    return render_pdf(
        "procurement/pdf/order.html",
        {
            "order": order,
            "proposal": proposal,
            "lines": lines,
            "issued_date": long_date(order.issued_at),
            "total_words": rupiah_words(order.total),
            "kelurahan": proposal.kelurahan,
            "kecamatan": proposal.kelurahan.kecamatan,
            "signer": order.issued_by or order.created_by,
            "draft": order.state != order.State.ISSUED,
            "cancelled": order.state == order.State.CANCELLED,
        },
    )


def handover_pdf(handover) -> bytes:
    proposal = handover.proposal
    orders = list(
        proposal.purchase_orders.filter(state="issued")
        .select_related("supplier")
        .order_by("sequence")
    )
    return render_pdf(
        "procurement/pdf/bast.html",
        {
            "handover": handover,
            "proposal": proposal,
            "items": handover.items,
            "orders": orders,
            "date_words": date_words(handover.handover_date),
            "date_long": long_date(handover.handover_date),
            "kelurahan": proposal.kelurahan,
            "kecamatan": proposal.kelurahan.kecamatan,
            "delivery_dates": sorted(
                set(
                    selectors.deliveries_for_proposal(proposal).values_list(
                        "delivered_on", flat=True
                    )
                )
            ),
        },
    )
