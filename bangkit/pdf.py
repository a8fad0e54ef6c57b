"""PDFs drawn by WeasyPrint that may read our static files and nothing else.

Every document holds text people typed (shop names, notes, a decree's wording): nothing in it
may make the server open a network connection or read a file outside the static folders.
"""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# WeasyPrint reports every rendering step at INFO; the server log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402


class RefusedResource(ValueError):
    """A document tried to load something from the network, or a file it may not read."""


def static_roots() -> list[Path]:
    """The folders a document may read: the project's static files and their collected copy."""
    roots = [Path(str(p)).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticOnlyFetcher(URLFetcher):
    """Fetch data: URIs and files under the static folders; refuse everything else."""

    def __init__(self, roots: list[Path] | None = None, **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, **kwargs)
        self.roots = roots if roots is not None else static_roots()

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResource(f"Sumber dari jaringan ditolak: {url}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise RefusedResource(f"Berkas di luar folder static ditolak: {url}")
        return super().fetch(url, headers)


def static_base_url() -> str:
    """The static folder as a file: URI, so that a document's relative links resolve in it."""
    found = finders.find("img/favicon.svg")
    root = Path(found).resolve().parent.parent if found else Path(settings.BASE_DIR / "static")
    return root.resolve().as_uri() + "/"


def write_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The HTML as PDF bytes, its links read through `fetcher` (static files only by default)."""
    fetcher = fetcher or StaticOnlyFetcher()
    return HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).write_pdf()
