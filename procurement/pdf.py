"""The Surat Pesanan and the BAST as PDFs: WeasyPrint that may read our static files only."""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from procurement import selectors
from procurement.terbilang import date_long, date_words, rupiah_words

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402


class RefusedResource(ValueError):
    """A document tried to load something from the network or outside the static files."""


def _static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticOnlyFetcher(URLFetcher):
    """Fetch data: URIs and files under the static folders; refuse everything else.

    The documents contain text typed by users (shop names, notes): nothing in them may make
    the server open a network connection or read a file it should not.
    """

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, **kwargs)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResource(f"Sumber dari jaringan ditolak: {url}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in _static_roots()):
            raise RefusedResource(f"Berkas di luar folder static ditolak: {url}")
        return super().fetch(url, headers)


def _base_url() -> str:
    found = finders.find("img/favicon.svg")
    root = Path(found).resolve().parent.parent if found else Path(settings.BASE_DIR / "static")
    return root.resolve().as_uri() + "/"


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, base_url=_base_url(), url_fetcher=StaticOnlyFetcher()).write_pdf()


def order_pdf(order) -> bytes:
    lines = list(order.lines.select_related("material").order_by("position", "id"))
    proposal = order.proposal
    issued = timezone.localtime(order.issued_at).date() if order.issued_at else None
    return render_pdf(
        "procurement/pdf/order.html",
        {
            "order": order,
            "proposal": proposal,
            "lines": lines,
            "issued_date": date_long(issued) if issued else "",
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
            "date_long": date_long(handover.handover_date),
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
