"""Checking uploaded files by their content, never by their name."""

import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, UnidentifiedImageError

try:  # HEIC photos from iPhones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# Refuse images that would decompress into more pixels than any phone camera makes.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
DOCUMENT_TYPES = IMAGE_TYPES | {"application/pdf"}
LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "application/pdf": "PDF",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


# Pillow's LOAD_TRUNCATED_IMAGES is process-wide, and WeasyPrint turns it on when imported
# (to render PDFs with damaged pictures): truncated JPEG and HEIC would then load silently.
_STRICT_DECODING = threading.Lock()


@contextmanager
def _strict_decoding():
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
            with _strict_decoding(), Image.open(upload) as img:
                img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
                img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(f"Gambar '{name}' terlalu besar ukuran pikselnya.") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(f"Gambar '{name}' rusak atau tidak dapat dibaca.") from exc
    elif kind == "application/pdf":
        upload.seek(max(0, size - 2048))
        if b"%%EOF" not in upload.read():
            raise ValidationError(f"PDF '{name}' tidak lengkap atau rusak.")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(content_type=kind, size=size, sha256=digest.hexdigest())
