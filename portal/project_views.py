"""Public pages of the funded sites: the list with its map (``/proyek/``), the map's data as
GeoJSON, the map drawn on the server for pages read without script, one page per site with its
photos and a QR code for the signboard. No sign-in; nothing personal."""

import io
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from PIL import Image, ImageOps, UnidentifiedImageError

from bangkit import geo
from bangkit.params import plain_int, query_page, query_params, query_present
from bangkit.qr import public_address, qr_svg
from portal import projects, public_cache
from portal.project_forms import ALL_YEARS, FIELDS, ProjectFilterForm
from portal.public_views import _timeline
from verification.decrees import selectors as decree_selectors

SITES_PER_PAGE = 20
# The map's data change when a site does; a few minutes of caching on the way is harmless.
PUBLIC_CACHE = "public, max-age=300"
PHOTO_CACHE = "public, max-age=86400"
# A re-encoded copy of a photo that has no display copy is at most this wide or high.
REENCODED_MAX = 1600
THUMBNAIL_MAX = 480


def _filtered(request):
    """(form, filters, rows, filter_query) from the query string."""
    options = projects.filter_options()
    data = query_params(request, FIELDS)
    default_year = options["years"][0] if options["years"] else None
    data.setdefault("tahun", str(default_year) if default_year else ALL_YEARS)
    form = ProjectFilterForm(data, options=options)
    filters = form.filters(default_year)
    return form, filters, projects.site_rows(filters), urlencode(data)


def _map_settings() -> dict:
    return {
        "tiles_url": getattr(settings, "PUBLIC_MAP_TILES_URL", ""),
        "tiles_attribution": getattr(settings, "PUBLIC_MAP_TILES_ATTRIBUTION", ""),
    }


@require_GET
@public_cache.for_visitors("projects", (*FIELDS, "halaman"))
def project_list(request):
    form, filters, rows, filter_query = _filtered(request)
    # The counts by stage sum up the other filters: every stage keeps its figure.
    counts = projects.stage_counts(projects.site_rows({**filters, "stage": ""}))
    page = Paginator(rows, SITES_PER_PAGE).get_page(query_page(request, "halaman"))
    response = render(
        request,
        "portal/projects/list.html",
        {
            "form": form,
            "problems": form.problems(),
            "filters": filters,
            "page": page,
            "stage_counts": counts,
            "filter_query": filter_query,
            "stages": projects.STAGES,
            "attribution": geo.BOUNDARY_ATTRIBUTION,
            # The open data of the year shown (the latest when every year is).
            "open_data_year": filters.get("year") or next(iter(form.options["years"]), None),
            **_map_settings(),
        },
    )
    # Kept for visitors only when every value was understood: a wrong one is not a page
    # of its own.
    asked_page = query_params(request, ["halaman"]).get("halaman")
    response.public_cache = not form.problems() and asked_page in (None, str(page.number))
    return response


def _json(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = PUBLIC_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@gzip_page
@public_cache.for_visitors("boundaries")
def boundaries_geojson(request):
    """The kelurahan boundaries (the real polygons load_regions stored), for the map."""
    return _json(projects.dumps(projects.boundaries_geojson(projects.kelurahan_with_boundaries())))


@require_GET
@gzip_page
@public_cache.for_visitors("sites", FIELDS)
def sites_geojson(request):
    """The sites of the list's filter that have coordinates, as points."""
    form, _filters, rows, _query = _filtered(request)
    response = _json(projects.dumps(projects.sites_geojson(projects.mapped_points(rows))))
    response.public_cache = not form.problems()
    return response


@require_GET
@public_cache.for_visitors("map_svg", FIELDS)
def map_svg(request):
    """The map drawn on the server: kelurahan shapes and the filter's sites, for browsers
    without script (the list page shows it in <noscript>)."""
    form, filters, rows, _query = _filtered(request)
    kelurahan = projects.kelurahan_with_boundaries()
    drawing = projects.svg_map(
        kelurahan,
        projects.mapped(rows),
        highlight=filters["kelurahan"].pk if filters["kelurahan"] else None,
    )
    if drawing is None:
        raise Http404
    response = render(
        request, "portal/projects/map.svg", {"map": drawing}, content_type="image/svg+xml"
    )
    response["Cache-Control"] = PUBLIC_CACHE
    response.public_cache = not form.problems()
    return response


def _site_or_404(code: str):
    try:
        return projects.public_site(code.strip().upper())
    except projects.Proposal.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@public_cache.for_visitors("project")
def project_detail(request, code):
    site = _site_or_404(code)
    kelurahan = site.kelurahan
    mini_map = (
        projects.svg_map([kelurahan], [site], width=320, height=240, highlight=kelurahan.pk)
        if kelurahan.boundary
        else None
    )
    work = projects.work_of(site)
    contributions = projects.contributions_by_kind(site)
    return render(
        request,
        "portal/projects/detail.html",
        {
            "site": site,
            "stage_label": projects.stage_label(site.state),
            "stage": projects.stage_of(site.state),
            "mini_map": mini_map,
            "decrees": projects.site_decrees(site),
            "amendments": decree_selectors.public_amendments(site, location_text=False),
            "work": work,
            "contributions": contributions,
            "contribution_total": sum(value for _label, value in contributions),
            "photo_groups": projects.site_photos(site),
            "steps": _timeline(site),
            "report": projects.report_figures(site),
            "page_url": public_address(reverse("public:project", kwargs={"code": site.code})),
        },
    )


@require_GET
def project_qr(request, code):
    """A QR code of the site's page, as SVG, to print on the signboard at the site."""
    site = _site_or_404(code)
    url = public_address(reverse("public:project", kwargs={"code": site.code}), request)
    response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = PHOTO_CACHE
    if query_present(request, "unduh"):
        response["Content-Disposition"] = f'attachment; filename="qr-{site.code}.svg"'
    return response


def _stored_copy(field_file):
    """The stored derivative, opened, or None when there is none (or its file is gone)."""
    if not field_file or not field_file.name:
        return None
    try:
        return field_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        return None


def _reencoded(field_file, max_side: int) -> bytes:
    """A new JPEG drawn from the pixels only: no EXIF, no GPS, no other metadata."""
    try:
        with field_file.open("rb") as handle, Image.open(handle) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((max_side, max_side))
            clean = Image.new("RGB", image.size)
            clean.paste(image)
            buffer = io.BytesIO()
            clean.save(buffer, format="JPEG", quality=82, optimize=True)
            return buffer.getvalue()
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise Http404 from exc


def _photo_response(code, pk, *, thumbnail: bool):
    number = plain_int(pk)
    if number is None:
        raise Http404
    try:
        photo = projects.public_photo(code.strip().upper(), number)
    except projects.ProgressPhoto.DoesNotExist as exc:
        raise Http404 from exc
    handle = _stored_copy(photo.thumbnail if thumbnail else photo.display)
    if handle is None and thumbnail:
        handle = _stored_copy(photo.display)
    if handle is not None:
        response = FileResponse(handle, content_type="image/jpeg")
    else:
        # No EXIF-free copy was made: never the original, a re-encoded copy of its pixels.
        data = _reencoded(photo.original, THUMBNAIL_MAX if thumbnail else REENCODED_MAX)
        response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = PHOTO_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def project_photo(request, code, pk):
    return _photo_response(code, pk, thumbnail=False)


@require_GET
def project_thumbnail(request, code, pk):
    return _photo_response(code, pk, thumbnail=True)
