"""The SK Camat as a PDF: WeasyPrint on local files only, F4 or A4, with a QR code to its page."""

import logging
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from bangkit.qr import qr_data_uri

# WeasyPrint reports every rendering step at INFO; the server log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

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
_UNITS = [
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
]
DEFAULT_NUMBER_FORMAT = "{seq}/SK/BB/KEC.{abbr}/{year}"
PAGE_SIZES = {"F4": "215mm 330mm", "A4": "210mm 297mm"}
PLACEHOLDER = re.compile(r"\{(year|kecamatan|count|total)\}")


def indonesian_date(value: date | None) -> str:
    """12 Maret 2026."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def ordinal_word(n: int) -> str:
    """The word that numbers a clause of a decree: KESATU, KEDUA … KEDUA BELAS, KEDUA PULUH."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    return "KE" + terbilang(n).upper()


def terbilang(n: int) -> str:
    """An amount in Indonesian words, as written after a sum in a legal text."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n < 12:
        return _UNITS[n] or "nol"
    if n < 20:
        return f"{terbilang(n - 10)} belas"
    if n < 100:
        return _join(f"{terbilang(n // 10)} puluh", n % 10)
    if n < 200:
        return _join("seratus", n - 100)
    if n < 1000:
        return _join(f"{terbilang(n // 100)} ratus", n % 100)
    if n < 2000:
        return _join("seribu", n - 1000)
    for size, word in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        if n >= size:
            return _join(f"{terbilang(n // size)} {word}", n % size)
    raise AssertionError(n)


def _join(head: str, rest: int) -> str:
    return f"{head} {terbilang(rest)}" if rest else head


def rupiah(value: int) -> str:
    return "Rp " + f"{int(value):,}".replace(",", ".")


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


def static_roots() -> list[Path]:
    return [Path(str(root)).resolve() for root in settings.STATICFILES_DIRS]


class StaticOnlyURLFetcher(URLFetcher):
    """Serve WeasyPrint only data: URIs and files inside the project's static folders.

    A decree is rendered from text people type; nothing in it may make the server fetch a
    URL or read a file elsewhere on the machine.
    """

    def __init__(self, roots: list[Path] | None = None, **kwargs):
        super().__init__(allowed_protocols={"data", "file"}, **kwargs)
        self.roots = roots if roots is not None else static_roots()

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"Alamat ditolak (hanya berkas statis lokal): {url}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise ValueError(f"Berkas di luar folder statis ditolak: {url}")
        content_type = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
            path.suffix.lower(), "application/octet-stream"
        )
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


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
                "budget": f"{int(loc.budget):,}".replace(",", "."),
            }
        )
    title = fill_placeholders(decree.title, values)
    text = decree_text(decree, locations, values=values)
    url = public_url(decree, site_url)
    date_text = indonesian_date(decree.decree_date) or f"……………………… {year}"
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
        "total": f"{total:,}".replace(",", "."),
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
    roots = static_roots()
    document = HTML(
        string=html,
        base_url=roots[0].as_uri() + "/",
        url_fetcher=StaticOnlyURLFetcher(roots),
    )
    return document.write_pdf()


def decree_locations_for_pdf(decree) -> list:
    return list(
        decree.locations.select_related(
            "proposal__rt", "proposal__kelurahan", "proposal__work_type"
        ).order_by("position", "id")
    )
