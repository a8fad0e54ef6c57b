"""The Content-Security-Policy header: on every page, strict, and off PDFs and photos; and no
template or Python-made HTML holding what it refuses (inline scripts, styles, handlers)."""

import io
import re
import tokenize
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from bangkit.content_policy import ContentSecurityPolicyMiddleware

BASE_DIR = Path(settings.BASE_DIR)
APPS = [
    "bangkit",
    "proposals",
    "budgets",
    "verification",
    "procurement",
    "reporting",
    "portal",
    "dashboards",
    "demo",
]

EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Rendered by WeasyPrint into PDFs, never sent to a browser as a page: they keep their styles.
PDF_TEMPLATES = {
    "verification/decree_pdf.html",
    "verification/decrees/pdf_signature.html",
    "reporting/lpj.html",
    "procurement/pdf/_kop.html",
    "procurement/pdf/_style.html",
    "procurement/pdf/bast.html",
    "procurement/pdf/order.html",
    "dashboards/report_pdf.html",
}

# What the policy refuses, as it is written in a template or a Python string.
REFUSED = {
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"""[\s"']style\s*=""", re.I),
    "an event-handler attribute": re.compile(r"""[\s"']on[a-z]+\s*=\s*["'{]""", re.I),
    "a javascript: address": re.compile(r"javascript:", re.I),
    "an inline <script>": re.compile(
        r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*type\s*=\s*[\"']application/(?:ld\+)?json)", re.I
    ),
}


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/lacak/", "/admin/login/", "/tidak-ada/", "/static/css/app.css"]
)
def test_every_response_carries_the_strict_policy(client, db, path):
    response = client.get(path)

    assert policy_of(response) == EXPECTED
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_the_policy_is_in_the_settings_in_django_csp_4_format():
    policy = settings.CONTENT_SECURITY_POLICY

    assert policy["DIRECTIVES"] == EXPECTED
    assert "csp" in settings.INSTALLED_APPS
    assert "bangkit.content_policy.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    # No django-csp 3 settings left beside it (its check would refuse to start).
    assert not [name for name in dir(settings) if name.startswith("CSP_")]


@pytest.mark.parametrize(
    ("content_type", "governed"),
    [
        ("application/pdf", False),
        ("image/jpeg", False),
        ("image/png", False),
        ("image/webp", False),
        ("text/html; charset=utf-8", True),
        ("image/svg+xml", True),
        ("text/csv; charset=utf-8", True),
        ("application/json", True),
    ],
)
def test_pdfs_and_photos_opened_on_their_own_carry_no_policy(content_type, governed):
    """Chromium's own page around a PDF or a photo is styled inline: under the policy a PDF
    shows blank. SVG can hold scripts and keeps it."""
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(b"x", content_type))

    response = middleware(RequestFactory().get("/berkas"))

    assert ("Content-Security-Policy" in response) is governed


def _templates():
    roots = [BASE_DIR / "templates"] + [BASE_DIR / app / "templates" for app in APPS]
    for root in roots:
        for path in sorted(root.rglob("*.html")):
            yield root, path


def test_no_page_template_holds_inline_script_style_or_handler():
    found = []
    checked = 0
    for root, path in _templates():
        name = path.relative_to(root).as_posix()
        if name in PDF_TEMPLATES:
            continue
        checked += 1
        text = path.read_text()
        for what, pattern in REFUSED.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}")

    assert checked > 60
    assert found == []


def test_the_templates_kept_styled_are_rendered_into_pdfs_only():
    """Each PDF template is named only by a module that renders PDFs, or by another of them."""
    sources = {
        path: path.read_text()
        for app in APPS
        for path in (BASE_DIR / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    templates = {path.relative_to(root).as_posix(): path.read_text() for root, path in _templates()}
    for name in PDF_TEMPLATES:
        assert name in templates, name
        users = [path for path, text in sources.items() if f'"{name}"' in text]
        users += [n for n, text in templates.items() if f'"{name}"' in text and n != name]
        assert users, f"{name} is used by nothing"
        for user in users:
            if isinstance(user, Path):
                assert user.name in ("pdf.py",), f"{name} is rendered by {user}"
            else:
                assert user in PDF_TEMPLATES, f"{name} is included in the page {user}"


def test_no_python_made_html_holds_inline_script_style_or_handler():
    """HTML built in Python (format_html in the admin, widgets' attrs) is held to the same."""
    found = []
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "pdf.py":
                continue
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            for token in tokens:
                # Byte strings are file contents being inspected, never HTML we send.
                if token.type != tokenize.STRING or token.string.lstrip("rR").startswith(
                    ("b", "B")
                ):
                    continue
                for what, pattern in REFUSED.items():
                    if pattern.search(token.string):
                        found.append(f"{path.relative_to(BASE_DIR)}:{token.start[0]}: {what}")
    # Widget attributes given as a dict: {"style": …} or {"onclick": …}.
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"""["'](style|on[a-z]+)["']\s*:""", line):
                    found.append(f"{path.relative_to(BASE_DIR)}:{n}: an attrs entry")

    assert found == []


def test_the_scanner_sees_what_the_policy_refuses():
    """The patterns above catch each refused form, and leave the allowed ones alone."""
    refused = [
        "<style>p{}</style>",
        '<p style="margin:0">',
        "<p class='x' style='color:red'>",
        '<button onclick="go()">',
        "<input onchange='x()'>",
        '<a href="javascript:void(0)">',
        "<script>alert(1)</script>",
        '<script type="module">import "x";</script>',
    ]
    allowed = [
        '<script src="/static/js/rab.js" defer></script>',
        '<script id="d" type="application/json">{}</script>',
        '<link rel="stylesheet" href="/static/css/app.css">',
        '<p class="photo-card" data-stage="0">',
        '<rect width="40" height="1"/>',
        "Jalan onderdil = 3",
    ]

    def hits(text):
        return [what for what, pattern in REFUSED.items() if pattern.search(text)]

    assert all(hits(text) for text in refused), [t for t in refused if not hits(t)]
    assert [text for text in allowed if hits(text)] == []
