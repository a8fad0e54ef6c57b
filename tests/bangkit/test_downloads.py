"""bangkit.downloads: a stored file as a response."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import Http404

from bangkit.downloads import content_response, file_response, filename_part


class _Field:
    storage = default_storage


def _stored(name: str, data: bytes) -> FieldFile:
    saved = default_storage.save(name, ContentFile(data))
    return FieldFile(None, _Field(), saved)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_inline_file_is_private_and_not_sniffed():
    response = file_response(_stored("a/foto.jpg", b"jpeg"), content_type="image/jpeg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=600"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert b"".join(response.streaming_content) == b"jpeg"


def test_download_names_the_file_and_keeps_the_cache_time():
    response = file_response(
        _stored("a/asli.jpg", b"x"),
        content_type="application/octet-stream",
        filename="asli.jpg",
        download=True,
        max_age=86400,
    )
    assert response["Content-Disposition"] == 'attachment; filename="asli.jpg"'
    assert response["Cache-Control"] == "private, max-age=86400"


def test_missing_file_is_404():
    field_file = _stored("a/hilang.pdf", b"x")
    default_storage.delete(field_file.name)
    with pytest.raises(Http404):
        file_response(field_file, content_type="application/pdf")


def test_content_response_names_the_content_inline_or_as_a_download():
    shown = content_response(b"%PDF", "application/pdf", "LPJ-1.pdf")
    saved = content_response("a;b", "text/csv", "x.csv", download=True, cache="no-store")

    assert shown.content == b"%PDF" and shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"] == 'inline; filename="LPJ-1.pdf"'
    assert "Cache-Control" not in shown
    assert saved["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert saved["Cache-Control"] == "no-store"
    assert filename_part("BB-2024/01 a") == "BB-2024_01_a"
