"""Progress photos: check the file by its content, read EXIF time and GPS, turn it upright,
hash it, and the warnings a photo raises (never blocking); its EXIF-free copies to show are
made by a background task after the upload commits (`reporting.tasks`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import imagehash
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from bangkit import geo
from bangkit.files import IMAGE_TYPES, check_upload
from bangkit.images import (  # noqa: F401  (the reading of a photo lives in the core)
    DISPLAY_MAX_PX,
    THUMBNAIL_MAX_PX,
    PhotoMetadata,
    client_metadata,
    dms_to_decimal,
    fitted_size,
    make_copies,
    open_upright,
    parse_exif_time,
    read_metadata,
)

# The share of the picture, from the top, taken as its background (sky, roofs, trees).
BACKGROUND_SHARE = 0.4


def setting(name: str, default):
    """A tunable of the photo checks: REPORTING_<NAME> in the settings, else the default."""
    return getattr(settings, f"REPORTING_{name}", default)


def max_distance_m() -> int:
    """How far (metres) a photo's GPS may be from the site's point before it is flagged."""
    return int(setting("PHOTO_MAX_DISTANCE_M", 300))


def near_duplicate_bits() -> int:
    """Perceptual hashes (64 bits) this close or closer are 'near-identical' photos."""
    return int(setting("PHASH_MAX_DISTANCE", 6))


def background_bits() -> int:
    """Background hashes further apart than this suggest a different spot."""
    return int(setting("BACKGROUND_MAX_DISTANCE", 24))


def same_spot_m() -> int:
    """GPS points of the 0% and 100% photos further apart than this suggest another spot."""
    return int(setting("SAME_SPOT_MAX_M", 60))


def photo_max_bytes() -> int:
    return int(setting("PHOTO_MAX_BYTES", settings.MAX_ATTACHMENT_BYTES))


# --- Reading a photo ----------------------------------------------------------------------------


@dataclass
class ProcessedPhoto:
    content_type: str
    size: int
    sha256: str
    # Of the display copy the background task will make.
    width: int
    height: int
    phash: str
    background_hash: str
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)


def process_upload(upload, *, max_bytes: int | None = None) -> ProcessedPhoto:
    """Everything the server keeps of a photo, or ValidationError with an Indonesian message.

    The file is checked by its content (JPEG, PNG, WebP or HEIC; size and pixel limits: a
    decompression bomb is refused before it is decoded), its EXIF read, then it is turned
    upright and hashed. Its copies without any metadata come later (`make_copies`, from a task).
    """
    checked = check_upload(upload, allowed=IMAGE_TYPES, max_bytes=max_bytes or photo_max_bytes())
    upload.seek(0)
    raw = upload.read()
    upload.seek(0)
    if hashlib.sha256(raw).hexdigest() != checked.sha256:  # pragma: no cover - same bytes
        raise ValidationError("Berkas berubah saat dibaca; unggah ulang.")
    image, metadata, _ = open_upright(raw)
    top = image.crop((0, 0, image.width, max(1, int(image.height * BACKGROUND_SHARE))))
    width, height = fitted_size(image.width, image.height, DISPLAY_MAX_PX)
    return ProcessedPhoto(
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        width=width,
        height=height,
        phash=str(imagehash.phash(image)),
        background_hash=str(imagehash.phash(top)),
        metadata=metadata,
    )


# --- Comparing photos ---------------------------------------------------------------------------

# The core's great-circle distance in metres (one helper for the job), by its old name here.
haversine_m = geo.distance_m


def hamming(a: str, b: str) -> int:
    """Differing bits of two hex hashes (64 for unrelated pictures on average 32)."""
    if not a or not b:
        return 64
    return (int(a, 16) ^ int(b, 16)).bit_count()


def distance_text(metres: float) -> str:
    if metres >= 1000:
        return f"{metres / 1000:.1f} km".replace(".", ",")
    return f"{round(metres)} m"


@dataclass
class PhotoFacts:
    """What the checks need to know of one photo."""

    pk: int
    proposal_id: int
    proposal_code: str
    stage: int
    sha256: str
    phash: str
    background_hash: str = ""
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    metadata_source: str = "none"
    uploaded_at: datetime | None = None
    withdrawn: bool = False


@dataclass
class SiteFacts:
    code: str
    latitude: Decimal | None
    longitude: Decimal | None
    decree_date: date | None


def _flag(code: str, message: str, *, level: str = "warn", photo: int | None = None) -> dict:
    flag = {"code": code, "message": message, "level": level}
    if photo is not None:
        flag["photo"] = photo
    return flag


def _where(other: PhotoFacts, photo: PhotoFacts) -> str:
    if other.proposal_id == photo.proposal_id:
        return f"foto tahap {other.stage}% usulan ini"
    return f"foto usulan {other.proposal_code} tahap {other.stage}%"


MAX_MATCHES_LISTED = 3


def photo_flags(photo: PhotoFacts, *, site: SiteFacts, others: list[PhotoFacts]) -> list[dict]:
    """The warnings of one photo, worded for the kelurahan and the Inspektorat.

    ``others`` are every other photo kept (of any site, withdrawn ones too: reusing a photo
    withdrawn elsewhere is still a reuse). Only photos uploaded before this one count as its
    original, so the second use is the one flagged. Nothing here blocks the upload.
    """
    flags: list[dict] = []
    # Metadata: where it came from, and what is missing.
    if photo.metadata_source == "client":
        flags.append(
            _flag(
                "client_metadata",
                "Waktu dan GPS dibaca oleh ponsel sebelum foto diperkecil; server tidak dapat "
                "memeriksanya di dalam berkas.",
                level="info",
            )
        )
    if photo.taken_at is None and photo.latitude is None:
        flags.append(
            _flag(
                "no_metadata",
                "Foto tanpa data waktu dan GPS (EXIF): kapan dan di mana foto diambil tidak "
                "dapat diperiksa.",
                level="info",
            )
        )
    elif photo.latitude is None:
        flags.append(
            _flag("no_gps", "Foto tanpa data GPS: lokasinya tidak dapat diperiksa.", level="info")
        )
    elif photo.taken_at is None:
        flags.append(_flag("no_time", "Foto tanpa data waktu pengambilan (EXIF).", level="info"))

    earlier = [o for o in others if o.pk < photo.pk and o.pk != photo.pk]
    # The same file used again, on another site or for another stage.
    same = [
        o
        for o in earlier
        if o.sha256 == photo.sha256
        and not (o.proposal_id == photo.proposal_id and o.stage == photo.stage)
    ]
    for other in same[:MAX_MATCHES_LISTED]:
        flags.append(
            _flag(
                "duplicate",
                f"Berkas foto yang sama persis sudah dipakai sebagai {_where(other, photo)}.",
                photo=other.pk,
            )
        )
    # A near-identical picture (resized, recompressed, slightly cropped).
    same_ids = {o.pk for o in same}
    limit = near_duplicate_bits()
    near = []
    for other in earlier:
        if other.pk in same_ids or other.sha256 == photo.sha256:
            continue
        if other.proposal_id == photo.proposal_id and other.stage == photo.stage:
            continue  # several shots of one moment are normal
        bits = hamming(photo.phash, other.phash)
        if bits <= limit:
            near.append((bits, other))
    for bits, other in sorted(near, key=lambda pair: (pair[0], pair[1].pk))[:MAX_MATCHES_LISTED]:
        if other.proposal_id == photo.proposal_id:
            message = (
                f"Hampir sama dengan {_where(other, photo)} (beda {bits} dari 64 bit): "
                "apakah ada perubahan pekerjaan yang terlihat?"
            )
        else:
            message = f"Hampir sama dengan {_where(other, photo)} (beda {bits} dari 64 bit)."
        flags.append(_flag("near_duplicate", message, photo=other.pk))

    # Where it was taken.
    if photo.latitude is not None:
        if site.latitude is None or site.longitude is None:
            flags.append(
                _flag(
                    "no_site_point",
                    "Titik lokasi usulan belum diisi: jarak foto dari lokasi tidak dapat diukur.",
                    level="info",
                )
            )
        else:
            metres = haversine_m(photo.latitude, photo.longitude, site.latitude, site.longitude)
            if metres > max_distance_m():
                flags.append(
                    _flag(
                        "far_from_site",
                        f"Titik GPS foto berjarak {distance_text(metres)} dari titik lokasi "
                        f"usulan (batas {max_distance_m()} m).",
                    )
                )
    # When it was taken.
    if photo.taken_at is not None:
        taken = timezone.localtime(photo.taken_at).date()
        if site.decree_date and taken < site.decree_date:
            hint = (
                " Untuk foto 0% ini bisa berarti foto lama dipakai ulang."
                if not photo.stage
                else ""
            )
            flags.append(
                _flag(
                    "before_decree",
                    f"Foto diambil {taken:%d-%m-%Y}, sebelum SK penetapan lokasi "
                    f"({site.decree_date:%d-%m-%Y}).{hint}",
                )
            )
        uploaded = photo.uploaded_at or timezone.now()
        if photo.taken_at > uploaded + timedelta(days=1):
            flags.append(
                _flag(
                    "time_after_upload",
                    "Waktu pengambilan di EXIF lebih lambat dari waktu unggah: jam ponsel salah "
                    "atau data foto diubah.",
                )
            )
    # The finished work should be photographed from where the work was photographed before.
    if photo.stage == 100:
        flags += _spot_flags(photo, [o for o in others if o.proposal_id == photo.proposal_id])
    return flags


def _spot_flags(photo: PhotoFacts, own: list[PhotoFacts]) -> list[dict]:
    befores = [o for o in own if o.stage == 0 and not o.withdrawn]
    if not befores:
        return []
    reasons = []
    gps = [
        haversine_m(photo.latitude, photo.longitude, o.latitude, o.longitude)
        for o in befores
        if photo.latitude is not None and o.latitude is not None
    ]
    if gps and min(gps) > same_spot_m():
        reasons.append(f"titik GPS-nya berjarak {distance_text(min(gps))} dari foto 0% terdekat")
    backgrounds = [
        hamming(photo.background_hash, o.background_hash)
        for o in befores
        if photo.background_hash and o.background_hash
    ]
    if backgrounds and min(backgrounds) > background_bits():
        reasons.append(f"latar belakangnya kurang mirip (beda {min(backgrounds)} dari 64 bit)")
    if not reasons:
        return []
    return [
        _flag(
            "not_same_spot",
            "Mungkin bukan dari tempat foto 0%: "
            + " dan ".join(reasons)
            + ". Ini petunjuk, bukan bukti (sudut atau cahaya lain juga bisa); "
            "bandingkan kedua foto.",
        )
    ]
