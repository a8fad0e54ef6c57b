"""Serving a stored file to a user whose right to see it the view has already checked."""

from django.http import FileResponse, Http404


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
