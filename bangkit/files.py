"""Checking uploaded files by their content, never by their name."""

import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, UnidentifiedImageError
from pillow_heif import register_heif_opener
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from bangkit.errors import ActionRefused

# HEIC photos from iPhones.
register_heif_opener()

# Refuse images that would decompress into more pixels than any phone camera makes.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
DOCUMENT_TYPES = IMAGE_TYPES | {"application/pdf"}
# The extension a stored file of each accepted type is named with.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "application/pdf": "PDF",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# A document of a few pages has tens of objects; a scan of fifty pages a few hundred.
MAX_PDF_OBJECTS = 100_000
# Browsers sniff the first bytes of a file for HTML; a PDF never starts with markup.
_HTML_MARKERS = (b"<html", b"<script", b"<body", b"<!doctype", b"<iframe", b"<svg")
_PDF_REFUSALS = {
    "javascript": "memuat JavaScript (kode yang dijalankan saat dibuka)",
    "launch": "memuat perintah menjalankan program lain (Launch)",
    "embedded": "memuat berkas lain yang disisipkan di dalamnya",
}


# Pillow's LOAD_TRUNCATED_IMAGES is process-wide, and WeasyPrint turns it on when imported
# (to render PDFs with damaged pictures): truncated JPEG and HEIC would then load silently.
_STRICT_DECODING = threading.Lock()


@contextmanager
def strict_decoding():
    """Decode with truncated images refused, one upload at a time in this process."""
    with _STRICT_DECODING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """The type the first bytes of a file declare, or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


def check_upload(upload, *, allowed=DOCUMENT_TYPES, max_bytes: int | None = None) -> CheckedFile:
    """Refuse anything that is not really an allowed type, too big, or a decompression bomb."""
    max_bytes = max_bytes or settings.MAX_ATTACHMENT_BYTES
    name = getattr(upload, "name", "berkas")
    size = upload.size
    if size > max_bytes:
        raise ValidationError(
            f"Berkas '{name}' terlalu besar ({size / 1_048_576:.1f} MB); "
            f"paling besar {max_bytes // 1_048_576} MB."
        )
    if size == 0:
        raise ValidationError(f"Berkas '{name}' kosong.")
    upload.seek(0)
    head = upload.read(32)
    kind = sniff(head)
    if kind not in allowed:
        allowed_text = ", ".join(sorted(LABELS[t] for t in allowed))
        raise ValidationError(
            f"Berkas '{name}' bukan {allowed_text} yang sah (isi berkas diperiksa, bukan namanya)."
        )
    if kind in IMAGE_TYPES:
        upload.seek(0)
        try:
            with Image.open(upload) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise ValidationError(f"Gambar '{name}' terlalu besar ukuran pikselnya.")
                img.verify()
            # verify() checks little beyond PNG checksums: a truncated JPEG or HEIC (a phone
            # upload cut off halfway) passes it. Decoding finds the missing data; a JPEG is
            # decoded at 1/8 scale, which still reads every byte but costs a fraction.
            upload.seek(0)
            with strict_decoding(), Image.open(upload) as img:
                img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
                img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(f"Gambar '{name}' terlalu besar ukuran pikselnya.") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(f"Gambar '{name}' rusak atau tidak dapat dibaca.") from exc
    elif kind == "application/pdf":
        _check_pdf(upload, name, size)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(content_type=kind, size=size, sha256=digest.hexdigest())


def check_upload_or_refuse(
    upload, *, allowed=DOCUMENT_TYPES, max_bytes: int | None = None, refusal: str = "%(problem)s"
) -> CheckedFile:
    """``check_upload`` for a service: its first problem as an ActionRefused, said through
    ``refusal`` (a text with ``%(problem)s``, e.g. ``_("Notulen: %(problem)s")``)."""
    try:
        return check_upload(upload, allowed=allowed, max_bytes=max_bytes)
    except ValidationError as exc:
        raise ActionRefused(refusal % {"problem": exc.messages[0]}) from exc


def _check_pdf(upload, name: str, size: int) -> None:
    """A real PDF, readable, with nothing in it that runs: no JavaScript, no Launch action, no
    embedded file. Staff open these documents on office computers."""
    upload.seek(max(0, size - 2048))
    if b"%%EOF" not in upload.read():
        raise ValidationError(f"PDF '{name}' tidak lengkap atau rusak.")
    upload.seek(0)
    if any(marker in upload.read(4096).lower() for marker in _HTML_MARKERS):
        raise ValidationError(f"Berkas '{name}' berisi HTML, bukan PDF yang sah.")
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                f"PDF '{name}' dikunci dengan kata sandi; unggah PDF tanpa kata sandi."
            )
        pages = len(reader.pages)
        found = _active_content(reader)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds (PdfReadError, KeyError, ValueError …)
        raise ValidationError(
            f"PDF '{name}' tidak lengkap atau rusak (tidak dapat dibaca sebagai PDF)."
        ) from exc
    if found == "too_many":
        raise ValidationError(
            f"PDF '{name}' terlalu rumit untuk diperiksa; simpan ulang sebagai PDF."
        )
    if found:
        raise ValidationError(
            f"PDF '{name}' {_PDF_REFUSALS[found]}: tidak diterima. Cetak atau simpan ulang "
            "dokumen sebagai PDF biasa, lalu unggah lagi."
        )
    if pages == 0:
        raise ValidationError(f"PDF '{name}' tidak berisi satu halaman pun.")


def _active_content(reader: PdfReader) -> str | None:
    """What active content the PDF holds ('javascript', 'launch', 'embedded'), or None: every
    object reachable from the trailer is looked at, wherever a viewer might find it (names
    tree, open action, page and annotation actions, outlines, form fields)."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS * 10 or len(seen) > MAX_PDF_OBJECTS:
            return "too_many"
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary, not their data
            found = _active_entry(obj)
            if found:
                return found
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))
    return None


def _name(obj, key: str):
    value = dict.get(obj, key)
    return value.get_object() if isinstance(value, IndirectObject) else value


def _active_entry(obj: DictionaryObject) -> str | None:
    if "/JS" in obj or "/JavaScript" in obj or _name(obj, "/S") == "/JavaScript":
        return "javascript"
    if _name(obj, "/S") == "/Launch":
        return "launch"
    if (
        "/EmbeddedFiles" in obj
        or "/EmbeddedFile" in obj
        or "/EF" in obj
        or _name(obj, "/Type") == "/EmbeddedFile"
        or _name(obj, "/Subtype") == "/FileAttachment"
    ):
        return "embedded"
    return None
