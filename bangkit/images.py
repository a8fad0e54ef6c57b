"""Every stored image the same way: its EXIF time and GPS read before anything strips them,
turned upright, and two EXIF-free JPEG copies to show (display and thumbnail), so no page ever
sends the full-size original unless the user asks for it ("Unduh asli").

Used by proposal attachments and progress photos alike. HEIC opens through pillow-heif
(registered by `bangkit.files`). The upload request only reads what it must keep
(`inspect`: time, GPS, the copy's size); the copies are made by a background task enqueued when
the upload commits (`copies_after_commit`, `save_copies`), so a phone's upload returns without
waiting for two JPEG encodings. Until then the views serving a copy answer with a "sedang
diproses" placeholder (`stored_image_response(..., pending=True)`).
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from bangkit import (
    files,  # also registers the HEIF opener and sets the pixel limit
    storage,
)
from bangkit.downloads import file_response

DISPLAY_MAX_PX = 1600
THUMBNAIL_MAX_PX = 320
DISPLAY_QUALITY = 82
THUMBNAIL_QUALITY = 75

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4

# The page's script sends a file as it is up to this size (its EXIF stays in it, for the server
# to read); bigger images are resized on the phone to at most CLIENT_MAX_PX on their longer side.
CLIENT_SEND_ORIGINAL_UP_TO = 512 * 1024
CLIENT_MAX_PX = DISPLAY_MAX_PX

# A time the phone sends beside a file may be at most this far ahead of the server's clock
# (phones' clocks drift; a later one is a wrong clock or an edited value, and is dropped).
CLIENT_CLOCK_SLACK = timedelta(days=1)
# Nor older than the first digital cameras that wrote EXIF.
EARLIEST_PHOTO_YEAR = 1995


class MetadataSource(models.TextChoices):
    """Where a stored image's time and GPS came from."""

    FILE = "file", _("EXIF di dalam berkas foto")
    CLIENT = "client", _("Dibaca ponsel sebelum foto diperkecil (tidak dapat diverifikasi)")
    NONE = "none", _("Tidak ada")


class PhotoMetadataFields(models.Model):
    """When and where a stored photo was taken and how that was read: the same columns on every
    model that keeps photos (a proposal's attachments, a site's progress photos)."""

    MetadataSource = MetadataSource

    taken_at = models.DateTimeField(_("waktu pengambilan"), null=True, blank=True)
    latitude = models.DecimalField(
        _("lintang foto"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur foto"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    metadata_source = models.CharField(
        _("sumber waktu dan GPS"),
        max_length=10,
        choices=MetadataSource.choices,
        default=MetadataSource.NONE,
    )
    client_resized = models.BooleanField(_("diperkecil di ponsel"), default=False)

    class Meta:
        abstract = True


@dataclass
class PhotoMetadata:
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.taken_at is None and self.latitude is None


@dataclass
class ImageCopies:
    """What is kept of an image besides its original: the copies shown and its metadata."""

    display: bytes
    thumbnail: bytes
    width: int
    height: int
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)
    # The upright RGB picture (for perceptual hashes); not stored.
    image: Image.Image | None = None


_EXIF_TIME = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_exif_time(text, offset=None) -> datetime | None:
    """'2026:05:17 08:30:12' (camera time, no zone) → an aware datetime; Jakarta unless the
    photo says its offset. None for blanks and the '0000:00:00' some cameras write."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "ignore")
    match = _EXIF_TIME.match(str(text or "").strip().rstrip("\x00"))
    if not match:
        return None
    try:
        naive = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "ignore")
    zone = _OFFSET.match(str(offset or "").strip().rstrip("\x00"))
    if zone:
        sign = 1 if zone[1] == "+" else -1
        delta = timedelta(hours=int(zone[2]), minutes=int(zone[3]))
        return naive.replace(tzinfo=dt_timezone(sign * delta))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _rational(value) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return value[0] / value[1] if value[1] else math.nan
    return float(value)


def dms_to_decimal(dms, ref) -> Decimal | None:
    """EXIF degrees, minutes, seconds and N/S/E/W → signed decimal degrees (6 places)."""
    try:
        degrees, minutes, seconds = (_rational(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref or "").strip().upper()[:1] in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def _ifd(exif, tag: int):
    """One sub-directory of the EXIF (the camera's own tags, or GPS); empty when it cannot be
    read."""
    try:
        return exif.get_ifd(tag)
    except Exception:
        return {}


def read_metadata(image: Image.Image) -> PhotoMetadata:
    """The time the photo was taken and where, from its EXIF (before anything strips it)."""
    try:
        exif = image.getexif()
    except Exception:  # a damaged EXIF block must not lose the photo
        return PhotoMetadata()
    meta = PhotoMetadata()
    sub = _ifd(exif, EXIF_IFD)
    meta.taken_at = parse_exif_time(
        sub.get(TAG_DATETIME_ORIGINAL), sub.get(TAG_OFFSET_TIME_ORIGINAL)
    ) or parse_exif_time(exif.get(TAG_DATETIME))
    gps = _ifd(exif, GPS_IFD)
    if gps.get(GPS_LATITUDE) and gps.get(GPS_LONGITUDE):
        lat = dms_to_decimal(gps[GPS_LATITUDE], gps.get(GPS_LATITUDE_REF))
        lon = dms_to_decimal(gps[GPS_LONGITUDE], gps.get(GPS_LONGITUDE_REF))
        # 0,0 is what a phone writes when it had no fix.
        fixed = lat is not None and lon is not None and (lat != 0 or lon != 0)
        if fixed and abs(lat) <= 90 and abs(lon) <= 180:
            meta.latitude, meta.longitude = lat, lon
    return meta


def client_metadata(taken_at: str = "", latitude: str = "", longitude: str = "") -> PhotoMetadata:
    """What the page read from the phone's original before resizing it: kept, but marked as
    sent by the client (nothing on the server can verify it). Nonsense is dropped: a time that
    is not an EXIF time, later than the server's clock allows or before digital cameras; a
    point off the globe, at 0,0 (no fix) or with only one coordinate."""
    taken = parse_exif_time(str(taken_at or "")[:40])
    if taken is not None and (
        taken > timezone.now() + CLIENT_CLOCK_SLACK or taken.year < EARLIEST_PHOTO_YEAR
    ):
        taken = None
    meta = PhotoMetadata(taken_at=taken)
    try:
        lat = Decimal(str(latitude or "").strip()[:20])
        lon = Decimal(str(longitude or "").strip()[:20])
    except ArithmeticError:
        return meta
    valid = lat.is_finite() and lon.is_finite() and abs(lat) <= 90 and abs(lon) <= 180
    if valid and (lat != 0 or lon != 0):
        quant = Decimal("0.000001")
        meta.latitude = lat.quantize(quant, ROUND_HALF_UP)
        meta.longitude = lon.quantize(quant, ROUND_HALF_UP)
    return meta


@dataclass(frozen=True)
class ClientImage:
    """What the page's script sent beside one uploaded file (`ClientImageForm`): a token that
    makes a retry harmless, and the time and GPS it read from the phone's original before
    resizing it. The upload services take one of these."""

    token: str = ""
    taken_at: str = ""
    latitude: str = ""
    longitude: str = ""
    resized: bool = False

    @property
    def retry_token(self) -> str:
        """The token as stored: trimmed, at most 40 characters ("" when none was sent)."""
        return (self.token or "").strip()[:40]

    def metadata(self, from_file: PhotoMetadata) -> tuple[PhotoMetadata, str]:
        """The image's time and GPS and where they came from: its own EXIF when it has any,
        else what the phone sent (checked by `client_metadata`), else none."""
        if not from_file.empty:
            return from_file, MetadataSource.FILE
        sent = client_metadata(self.taken_at, self.latitude, self.longitude)
        return sent, MetadataSource.NONE if sent.empty else MetadataSource.CLIENT


NO_CLIENT = ClientImage()


def rgb(image: Image.Image) -> Image.Image:
    """Flatten any mode (palette, alpha, 16-bit) to RGB on a white ground."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGB", rgba.size, (255, 255, 255))
        ground.paste(rgba, mask=rgba.getchannel("A"))
        return ground
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def jpeg(
    image: Image.Image, max_px: int, quality: int, icc: bytes | None
) -> tuple[bytes, int, int]:
    """An EXIF-free JPEG copy at most max_px on its longer side."""
    copy = image.copy()
    copy.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif= and no xmp=: Pillow writes neither unless asked, so the copy carries no time,
    # GPS or camera serial. The colour profile is kept (it says nothing about anyone).
    options = {"quality": quality, "optimize": True, "progressive": True}
    if icc:
        options["icc_profile"] = icc
    copy.save(buffer, "JPEG", **options)
    return buffer.getvalue(), copy.width, copy.height


def open_upright(raw: bytes) -> tuple[Image.Image, PhotoMetadata, bytes | None]:
    """An image already checked by `bangkit.files.check_upload`, decoded upright as RGB, with
    its EXIF metadata and colour profile; ValidationError if it cannot be read."""
    try:
        with files.strict_decoding(), Image.open(io.BytesIO(raw)) as opened:
            metadata = read_metadata(opened)
            icc = opened.info.get("icc_profile")
            # JPEG decodes at a fraction of its size when that is still twice the display copy.
            opened.draft("RGB", (DISPLAY_MAX_PX * 2, DISPLAY_MAX_PX * 2))
            upright = ImageOps.exif_transpose(opened)
            image = rgb(upright)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("Gambar terlalu besar ukuran pikselnya.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("Gambar rusak atau tidak dapat dibaca.") from exc
    return image, metadata, icc


def make_copies(raw: bytes) -> ImageCopies:
    """The display copy (≤ 1600 px) and thumbnail (≤ 320 px) of an image already checked by
    `bangkit.files.check_upload`, with its EXIF metadata; ValidationError if it cannot be read."""
    image, metadata, icc = open_upright(raw)
    display, width, height = jpeg(image, DISPLAY_MAX_PX, DISPLAY_QUALITY, icc)
    thumbnail, _, _ = jpeg(image, THUMBNAIL_MAX_PX, THUMBNAIL_QUALITY, icc)
    return ImageCopies(
        display=display,
        thumbnail=thumbnail,
        width=width,
        height=height,
        metadata=metadata,
        image=image,
    )


@dataclass
class ImageFacts:
    """What an upload keeps of an image at once: its metadata and the display copy's size
    (the copies themselves come later, from `make_copies` in a background task)."""

    metadata: PhotoMetadata
    width: int
    height: int


# EXIF orientations that turn the picture by a quarter (width and height swap).
QUARTER_TURNS = {5, 6, 7, 8}
TAG_ORIENTATION = 0x0112


def fitted_size(width: int, height: int, max_px: int) -> tuple[int, int]:
    """The size of a copy at most max_px on its longer side (never enlarged)."""
    longer = max(width, height)
    if longer <= max_px:
        return width, height
    scale = max_px / longer
    return max(1, round(width * scale)), max(1, round(height * scale))


def inspect(raw: bytes) -> ImageFacts:
    """The EXIF time and GPS of an image already checked by `bangkit.files.check_upload`
    (which decoded it), and the size of its display copy upright, from its header alone;
    ValidationError if it cannot be read. The copy's exact size is set when it is made."""
    try:
        with Image.open(io.BytesIO(raw)) as opened:
            metadata = read_metadata(opened)
            width, height = opened.size
            try:
                orientation = opened.getexif().get(TAG_ORIENTATION, 1)
            except Exception:  # a damaged EXIF block: the picture as stored
                orientation = 1
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("Gambar terlalu besar ukuran pikselnya.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("Gambar rusak atau tidak dapat dibaca.") from exc
    if orientation in QUARTER_TURNS:
        width, height = height, width
    width, height = fitted_size(width, height, DISPLAY_MAX_PX)
    return ImageFacts(metadata=metadata, width=width, height=height)


def save_copies(record, copies: ImageCopies, *, display_name: str, thumbnail_name: str, label):
    """Store the copies in `record.display` and `record.thumbnail` (deleted again if the
    transaction around does not commit) and set its width and height; not saved."""
    storage.save_file(record.display, display_name, ContentFile(copies.display), label=label)
    storage.save_file(record.thumbnail, thumbnail_name, ContentFile(copies.thumbnail), label=label)
    record.width, record.height = copies.width, copies.height


def copies_after_commit(task, pk: int) -> None:
    """Enqueue `task(pk)`, the one that makes a record's copies, once the upload commits: a
    rolled-back upload enqueues nothing, and a queue that cannot be reached does not fail the
    upload (`manage.py attachment_copies` makes whatever copies are missing)."""
    transaction.on_commit(lambda: task.enqueue(pk), robust=True)


class ClientImageForm(forms.Form):
    """What the page's script sends beside one file: a token that makes a retry harmless and
    what it read from the phone's original before resizing it (checked by `client_metadata`)."""

    client_token = forms.CharField(max_length=40, required=False)
    client_taken_at = forms.CharField(max_length=40, required=False)
    client_latitude = forms.CharField(max_length=20, required=False)
    client_longitude = forms.CharField(max_length=20, required=False)
    client_resized = forms.BooleanField(required=False)

    def client_image(self) -> ClientImage:
        """What the upload services take."""
        fields = self.client_fields()
        return ClientImage(
            token=fields["client_token"],
            taken_at=fields["client_taken_at"],
            latitude=fields["client_latitude"],
            longitude=fields["client_longitude"],
            resized=fields["client_resized"],
        )

    def client_fields(self) -> dict:
        """The fields by name, "" (or False) when not sent."""
        data = self.cleaned_data
        return {
            name: data.get(name) or ("" if name != "client_resized" else False)
            for name in (
                "client_token",
                "client_taken_at",
                "client_latitude",
                "client_longitude",
                "client_resized",
            )
        }


# What a view serving a copy answers while the background task has not made it yet.
PENDING_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">'
    b'<rect width="320" height="240" fill="#e5e7eb"/>'
    b'<text x="160" y="126" font-family="sans-serif" font-size="18" text-anchor="middle" '
    b'fill="#374151">Foto sedang diproses</text></svg>'
)


def pending_copy_response() -> HttpResponse:
    """The "sedang diproses" placeholder, never cached: the next request finds the copy."""
    response = HttpResponse(PENDING_SVG, content_type="image/svg+xml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def stored_image_response(
    field_file,
    *,
    content_type="image/jpeg",
    download=False,
    filename=None,
    max_age=86400,
    pending=False,
):
    """A stored file (a copy, or an original on request) for a user who may see it: never
    sniffed, cached only by that user's browser; 404 when the file is gone. With `pending`, a
    copy not made yet (its task has not run) is the "sedang diproses" placeholder instead."""
    if not field_file:
        if pending:
            return pending_copy_response()
        raise Http404
    return file_response(
        field_file,
        content_type=content_type,
        filename=(filename or os.path.basename(field_file.name)) if download else None,
        download=download,
        max_age=max_age,
    )
