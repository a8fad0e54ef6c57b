"""The SK Camat as a PDF: WeasyPrint on local files only, F4 or A4, with a QR code to its page."""

import base64
import io
import re
from pathlib import Path

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from bangkit.indonesian import long_date, terbilang
from bangkit.money import group_thousands, rupiah
from bangkit.pdf import static_roots, write_pdf

_ORDINALS = [
    "KESATU",
    "KEDUA",
    "KETIGA",
    "KEEMPAT",
    "KELIMA",
    "KEENAM",
    "KETUJUH",
    "KEDELAPAN",
    "KESEMBILAN",
    "KESEPULUH",
    "KESEBELAS",
]
DEFAULT_NUMBER_FORMAT = "{seq}/SK/BB/KEC.{abbr}/{year}"
PAGE_SIZES = {"F4": "215mm 330mm", "A4": "210mm 297mm"}
PLACEHOLDER = re.compile(r"\{(year|kecamatan|count|total)\}")


def ordinal_word(n: int) -> str:
    """The word that numbers a clause of a decree: KESATU, KEDUA … KEDUA BELAS, KEDUA PULUH."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    return "KE" + terbilang(n).upper()


def fill_placeholders(text: str, values: dict) -> str:
    """Replace {year}, {kecamatan}, {count}, {total}; any other brace is left as written."""
    return PLACEHOLDER.sub(
        lambda m: str(values[m[1]]) if m[1] in values else m[0],
        text or "",
    )


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def format_number(number_format: str, *, seq, abbr: str, year: int) -> str:
    text = number_format
    for key, value in (("seq", seq), ("abbr", abbr), ("year", year)):
        text = text.replace("{" + key + "}", str(value))
    return text


def public_url(decree, site_url: str | None = None) -> str:
    """The absolute address of the decree's public page, printed as the QR code."""
    base = (site_url or settings.SITE_URL or "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("sk:public", args=[decree.public_id])


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as a PNG data URI, drawn locally (no service, no file).

    PNG rather than SVG: WeasyPrint paints a QR's thousand-segment SVG path slowly.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=1)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _stylesheet() -> Path:
    for root in static_roots():
        candidate = root / "css" / "decree_pdf.css"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("static/css/decree_pdf.css")


def css_string(value: str) -> str:
    """A CSS string literal that cannot close the string or the <style> element."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + escaped.replace("\n", " ") + '"'


def decree_text(decree, locations, values: dict | None = None) -> dict:
    """The considerations, clauses and copies as printed: numbered, placeholders filled."""
    if values is None:
        total = sum(loc.budget for loc in locations)
        values = {
            "year": decree.fiscal_year.year,
            "kecamatan": decree.kecamatan.name,
            "count": len(locations),
            "total": f"{rupiah(total)} ({terbilang(total)} rupiah)",
        }
    return {
        "menimbang": [fill_placeholders(item, values) for item in lines(decree.menimbang)],
        "mengingat": [fill_placeholders(item, values) for item in lines(decree.mengingat)],
        "clauses": [
            {"ordinal": ordinal_word(i), "text": fill_placeholders(text, values)}
            for i, text in enumerate((c for c in decree.clauses if c.strip()), start=1)
        ],
        "tembusan": [fill_placeholders(item, values) for item in lines(decree.tembusan)],
    }


def decree_context(decree, *, locations, draft: bool, site_url: str | None = None) -> dict:
    """Everything the PDF template prints, worked out here so the template only lays it out."""
    from bangkit.templatetags.rupiah import angka

    kecamatan = decree.kecamatan
    year = decree.fiscal_year.year
    total = sum(loc.budget for loc in locations)
    values = {
        "year": year,
        "kecamatan": kecamatan.name,
        "count": len(locations),
        "total": f"{rupiah(total)} ({terbilang(total)} rupiah)",
    }
    number = decree.number or format_number(
        _number_format(decree), seq="……", abbr=kecamatan.abbreviation, year=year
    )
    rows = []
    for i, loc in enumerate(locations, start=1):
        site = loc.site
        volume = f"{angka(site.volume)} {site.unit}"
        if site.width:
            volume += f" × {angka(site.width)} m"
        rows.append(
            {
                "no": i,
                "rt": site.rt_label,
                "kelurahan": site.kelurahan_name,
                "work_type": site.work_type_name,
                "location": site.location_description,
                "code": site.code,
                "volume": volume,
                "budget": group_thousands(loc.budget),
            }
        )
    title = fill_placeholders(decree.title, values)
    text = decree_text(decree, locations, values=values)
    url = public_url(decree, site_url)
    date_text = long_date(decree.decree_date) or f"……………………… {year}"
    footer = f"Keputusan Camat {kecamatan.name} Nomor {number}"
    return {
        "decree": decree,
        "draft": draft,
        "kecamatan_upper": kecamatan.name.upper(),
        "kecamatan": kecamatan,
        "number": number,
        "title_upper": title.upper(),
        **text,
        "date_text": date_text,
        "rows": rows,
        "total": group_thousands(total),
        "total_words": terbilang(total),
        "year": year,
        "qr": qr_data_uri(url),
        "public_url": url,
        "stylesheet_url": _stylesheet().as_uri(),
        "page_css": (
            f"@page {{ size: {PAGE_SIZES.get(decree.paper, PAGE_SIZES['F4'])};"
            f" @bottom-left {{ content: {css_string(footer)}; }} }}"
        ),
    }


def _number_format(decree) -> str:
    # A missing template row raises RelatedObjectDoesNotExist, an AttributeError.
    template = getattr(decree.fiscal_year, "decree_template", None)
    return template.number_format if template else DEFAULT_NUMBER_FORMAT


def render_decree_html(decree, *, locations=None, draft: bool = False, site_url=None) -> str:
    if locations is None:
        locations = decree_locations_for_pdf(decree)
    context = decree_context(decree, locations=locations, draft=draft, site_url=site_url)
    return render_to_string("verification/decree_pdf.html", context)


def render_decree_pdf(decree, *, locations=None, draft: bool = False, site_url=None) -> bytes:
    """The decree as PDF bytes; drafts carry a DRAF watermark and no number."""
    html = render_decree_html(decree, locations=locations, draft=draft, site_url=site_url)
    return write_pdf(html)


def decree_locations_for_pdf(decree) -> list:
    return list(
        decree.locations.select_related(
            "proposal__rt", "proposal__kelurahan", "proposal__work_type"
        ).order_by("position", "id")
    )
