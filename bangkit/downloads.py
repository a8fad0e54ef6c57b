"""Serving a stored file, or content made for the request (a PDF, a CSV, a ZIP), to a user
whose right to see it the view has already checked."""

from django.http import FileResponse, Http404, HttpResponse


def filename_part(text: str) -> str:
    """``text`` (a proposal's code) fit for a download's file name: letters, digits, dashes."""
    return "".join(c if c.isalnum() or c == "-" else "_" for c in text)


# The content types of the spreadsheets the site makes.
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_response(
    content, content_type: str, filename: str, *, download: bool = False, cache: str | None = None
) -> HttpResponse:
    """Content made for this request as a response the browser names ``filename``: shown in
    place, or saved (``download``); ``cache`` is its Cache-Control, where it needs one."""
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if cache:
        response["Cache-Control"] = cache
    return response


def file_response(
    field_file,
    *,
    content_type: str,
    filename: str | None = None,
    download: bool = False,
    max_age: int = 600,
) -> FileResponse:
    """The file as a response, never sniffed into another type nor kept by a shared cache.

    A file missing from storage is a 404, like a record out of the user's scope.
    """
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=content_type, as_attachment=download, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response
