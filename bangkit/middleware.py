"""Requests refused before any view or query sees them."""

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
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            name = key.replace(NUL, "") or "?"
            return (
                f"Parameter '{name}' pada alamat berisi karakter yang tidak sah. "
                "Tidak ada data yang diubah."
            )
    return ""
