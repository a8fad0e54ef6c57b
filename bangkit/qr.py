"""QR codes drawn on the server (no outside service): PNG for the PDFs, SVG for pages, and the
absolute address they point to."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings


def public_address(path: str, request=None) -> str:
    """`path` on the public site: SITE_URL when set, else the address this request used."""
    base = settings.SITE_URL or (request.build_absolute_uri("/") if request else "")
    return (base or "http://127.0.0.1:8000").rstrip("/") + path


def _code(url: str, **kwargs) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, **kwargs)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as a PNG data URI, for a PDF (no file, no request).

    PNG rather than SVG: WeasyPrint paints a QR's thousand-segment SVG path slowly.
    """
    buffer = io.BytesIO()
    _code(url, box_size=6, border=1).make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def qr_svg(url: str) -> bytes:
    """A QR code of `url` as an SVG document (sharp on screen and on paper at any size),
    with the four-module quiet zone scanners expect."""
    buffer = io.BytesIO()
    _code(url, border=4, image_factory=qrcode.image.svg.SvgPathImage).make_image().save(buffer)
    return buffer.getvalue()
