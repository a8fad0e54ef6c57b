"""The LPJ (laporan pertanggungjawaban) of a site as a PDF: WeasyPrint that may read our static
files and the site's own EXIF-free photo copies, and nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcherResponse

from bangkit.images import make_copies
from bangkit.indonesian import long_date
from bangkit.params import plain_int
from bangkit.pdf import RefusedResource, StaticOnlyFetcher, write_pdf
from procurement.selectors import proposal_procurement
from proposals.models import State
from reporting import savings, selectors

PHOTO_SCHEME = "foto-lpj"


class LPJFetcher(StaticOnlyFetcher):
    """The static files, and ``foto-lpj:<id>`` for the display copies of this site's photos
    (read from storage, local or S3). Everything else is refused: the report holds text typed
    by residents, which must not make the server fetch anything."""

    def __init__(self, photos: dict[int, object], **kwargs):
        super().__init__(**kwargs)
        self.photos = photos

    def fetch(self, url, headers=None):
        if urlsplit(url).scheme.lower() == PHOTO_SCHEME:
            # plain_int, not isdigit(): "²" is a digit to isdigit() and int("²") raises.
            key = plain_int(url.split(":", 1)[1].strip("/"))
            photo = self.photos.get(key) if key is not None else None
            if photo is None:
                raise RefusedResource(f"Foto bukan milik lokasi ini: {url}")
            data = _display_copy(photo)
            return URLFetcherResponse(url, data, {"Content-Type": "image/jpeg"})
        return super().fetch(url, headers)


def _display_copy(photo) -> bytes:
    """The photo's display copy; made on the spot from its original while the background task
    has not made it yet (the LPJ is never printed with a photo missing)."""
    if photo.display:
        with photo.display.open("rb") as handle:
            return handle.read()
    with photo.original.open("rb") as handle:
        return make_copies(handle.read()).display


def lpj_context(proposal) -> dict:
    site = selectors.site_detail(proposal)
    procurement = proposal_procurement(proposal)
    estimate = savings.estimate_for(proposal)
    orders = [o for o in procurement.orders if o.state == "issued"]
    photo_rows = []
    for stage, photos in site.photos_by_stage.items():
        for photo in photos:
            photo_rows.append({"photo": photo, "stage": stage, "src": f"{PHOTO_SCHEME}:{photo.pk}"})
    report = site.report
    return {
        "proposal": proposal,
        "site": site,
        "decree": site.designation.decree,
        "decree_date": long_date(site.designation.decree.decree_date, empty="–")
        if site.designation.decree
        else "–",
        "procurement": procurement,
        "orders": orders,
        "estimate": estimate,
        "photos": photo_rows,
        "report": report,
        "submitted_on": long_date(report.submitted_at) if report and report.submitted_at else "",
        "accepted_on": long_date(report.accepted_at) if report and report.accepted_at else "",
        "countersigned_on": (
            long_date(report.countersigned_at) if report and report.countersigned_at else ""
        ),
        "printed_on": long_date(timezone.localdate()),
        "draft": proposal.state != State.COMPLETED,
        "kecamatan": proposal.kelurahan.kecamatan,
    }


def render_lpj_html(proposal) -> tuple[str, dict]:
    context = lpj_context(proposal)
    return render_to_string("reporting/lpj.html", context), context


def lpj_pdf(proposal) -> bytes:
    html, context = render_lpj_html(proposal)
    photos = {row["photo"].pk: row["photo"] for row in context["photos"]}
    return write_pdf(html, LPJFetcher(photos))
