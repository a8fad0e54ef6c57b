"""The LPJ (laporan pertanggungjawaban) of a site as a PDF: WeasyPrint that may read our static
files and the site's own EXIF-free photo copies, and nothing else."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from procurement.selectors import proposal_procurement
from proposals.models import State
from reporting import savings, selectors

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

PHOTO_SCHEME = "foto-lpj"
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def long_date(value) -> str:
    if value is None:
        return "–"
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


class RefusedResource(ValueError):
    """The document tried to load something from the network, or a file it may not read."""


def _static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class LPJFetcher(URLFetcher):
    """data: URIs, files under the static folders, and ``foto-lpj:<id>`` for the display copies
    of this site's photos (read from storage, local or S3). Everything else is refused: the
    report holds text typed by residents, which must not make the server fetch anything."""

    def __init__(self, photos: dict[int, object], **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, **kwargs)
        self.photos = photos

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == PHOTO_SCHEME:
            key = url.split(":", 1)[1].strip("/")
            photo = self.photos.get(int(key)) if key.isdigit() else None
            if photo is None:
                raise RefusedResource(f"Foto bukan milik lokasi ini: {url}")
            with photo.display.open("rb") as handle:
                data = handle.read()
            return URLFetcherResponse(url, data, {"Content-Type": "image/jpeg"})
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResource(f"Sumber dari jaringan ditolak: {url}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in _static_roots()):
            raise RefusedResource(f"Berkas di luar folder static ditolak: {url}")
        return super().fetch(url, headers)


def _base_url() -> str:
    found = finders.find("css/lpj_pdf.css")
    root = Path(found).resolve().parent.parent if found else Path(settings.BASE_DIR / "static")
    return root.resolve().as_uri() + "/"


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
        "decree_date": long_date(site.designation.decree.decree_date)
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
    return HTML(string=html, base_url=_base_url(), url_fetcher=LPJFetcher(photos)).write_pdf()
