"""Requests refused before any view or query sees them."""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.shortcuts import render

NUL = "\x00"


class RejectNulCharactersMiddleware:
    """Answer 400 when the address (path or a query parameter) holds a NUL character.

    PostgreSQL cannot store or compare text containing NUL (0x00): a path or query parameter
    holding one ended in a 500 wherever it reached a query (/sk/%00/, /usulan/?q=%00, …).
    Form fields already refuse it (Django's ProhibitNullCharactersValidator); the address is
    checked here, once for every view, SQLite and PostgreSQL alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = nul_problem(request)
        if message:
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def nul_problem(request) -> str:
    """An Indonesian message naming where the NUL is, or '' when there is none."""
    if NUL in request.path:
        return "Alamat halaman berisi karakter yang tidak sah. Tidak ada data yang diubah."
    try:
        params = request.GET.lists()
    except TooManyFieldsSent:
        # Django refuses past DATA_UPLOAD_MAX_NUMBER_FIELDS; said here as any bad address is,
        # not left to the error page (which, in DEBUG, reads the parameters again: a 500).
        return "Alamat halaman berisi terlalu banyak parameter. Tidak ada data yang diubah."
    for key, values in params:
        if NUL in key or any(NUL in value for value in values):
            name = key.replace(NUL, "") or "?"
            return (
                f"Parameter '{name}' pada alamat berisi karakter yang tidak sah. "
                "Tidak ada data yang diubah."
            )
    return ""


class RequestBodyLimitMiddleware:
    """Answer 413 when the declared body is larger than MAX_REQUEST_BODY_BYTES, before any of
    it is read.

    Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE) count only the non-file fields, and only
    while reading them: a 300 MB upload used to be received whole before a form refused it.
    The Content-Length header is known before the body arrives, so the refusal costs nothing;
    nginx refuses the same size earlier still (docs/DEPLOY.md, client_max_body_size). Runs
    first among the middlewares, so no session or CSRF check reads the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if limit and declared > limit:
            response = render(
                request,
                "413.html",
                {"limit_mb": max(1, limit // (1024 * 1024))},
                status=413,
            )
            # The body is never read; gunicorn drains a bounded amount of it or closes the
            # connection (a WSGI app may not set Connection: close itself).
            return response
        return self.get_response(request)
