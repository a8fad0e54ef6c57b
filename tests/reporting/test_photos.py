"""Progress photos: checked by content, EXIF read before it is stripped, upright EXIF-free
copies, hashes, and the warnings (duplicate, near-duplicate, distance, before the SK, spot)."""

import io
import re
import struct
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from bangkit.errors import ActionRefused
from bangkit.images import ClientImage
from demo.seeders.reporting import exif_for, offset
from reporting import photos, services
from reporting.models import ProgressPhoto
from tests.factories.lifecycle import copies_made
from tests.reporting.conftest import SITE_POINT, photo_bytes, png_bytes, upload, when


def add(site, user, stage, data, name="foto.jpg", **kwargs):
    """Add a photo and run the task its commit enqueues (its copies), as the worker would."""
    with copies_made():
        photo = services.photo_add(
            proposal=site, actor=user, stage=stage, upload=upload(data, name), **kwargs
        ).photo
    photo.refresh_from_db()
    return photo


def codes(photo):
    photo.refresh_from_db()
    return [flag["code"] for flag in photo.flags]


def reopen(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- Reading and copying ----------------------------------------------------------------------


def test_jpeg_with_exif_gps_is_read_and_the_copies_carry_no_exif(world, site):
    taken = when(5, hour=8)
    data = photo_bytes(taken_at=taken, gps=SITE_POINT)

    photo = add(site, world.users["rt"], 0, data)

    assert photo.taken_at == taken
    assert (photo.latitude, photo.longitude) == SITE_POINT
    assert photo.metadata_source == "file"
    assert len(photo.sha256) == 64 and len(photo.phash) == 16
    for copy in (photo.display, photo.thumbnail):
        image = reopen(copy)
        exif = image.getexif()
        assert image.format == "JPEG"
        assert dict(exif) == {}
        assert not exif.get_ifd(0x8825) and not exif.get_ifd(0x8769)
        assert "exif" not in image.info and "xmp" not in image.info
    assert max(reopen(photo.thumbnail).size) == photos.THUMBNAIL_MAX_PX
    # The original is kept privately, byte for byte (with its GPS) for the audit.
    with photo.original.open("rb") as handle:
        assert handle.read() == data


def test_large_photo_gets_a_1600_px_display_copy(world, site):
    photo = add(site, world.users["rt"], 0, photo_bytes(size=(2400, 1800)))

    assert (photo.width, photo.height) == (1600, 1200)
    assert reopen(photo.display).size == (1600, 1200)


def test_png_is_accepted_and_flagged_as_without_time_and_gps(world, site):
    photo = add(site, world.users["rt"], 0, png_bytes(), name="foto.png")

    assert photo.original_content_type == "image/png"
    assert photo.taken_at is None and photo.latitude is None
    assert photo.metadata_source == "none"
    assert codes(photo) == ["no_metadata"]
    assert reopen(photo.display).mode == "RGB"


def test_heic_from_an_iphone_is_read_with_its_exif(world, site):
    import pillow_heif

    image = Image.new("RGB", (320, 240), (90, 140, 200))
    buffer = io.BytesIO()
    exif = exif_for(when(3), SITE_POINT).tobytes()
    pillow_heif.from_pillow(image).save(buffer, format="HEIF", quality=60, exif=exif)

    photo = add(site, world.users["rt"], 0, buffer.getvalue(), name="IMG_0001.HEIC")

    assert photo.original_content_type == "image/heic"
    assert photo.taken_at == when(3)
    assert photo.latitude == SITE_POINT[0]
    assert dict(reopen(photo.display).getexif()) == {}


def test_text_file_named_jpg_is_refused_with_an_indonesian_message(world, site):
    with pytest.raises(ActionRefused) as refused:
        add(site, world.users["rt"], 0, b"bukan foto, hanya teks\n" * 20, name="foto.jpg")

    assert "bukan" in refused.value.message and "isi berkas diperiksa" in refused.value.message
    assert not ProgressPhoto.objects.exists()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels in a few hundred bytes: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(world, site):
    bomb = _png_header_only(30_000, 30_000)  # 900 million pixels in under 1 kB
    assert len(bomb) < 2000

    with pytest.raises(ActionRefused) as refused:
        add(site, world.users["rt"], 0, bomb, name="bom.png")

    assert "piksel" in refused.value.message


def test_oversized_file_is_refused(world, site, settings):
    settings.REPORTING_PHOTO_MAX_BYTES = 20_000
    data = photo_bytes(size=(1200, 900), quality=95)
    assert len(data) > 20_000

    with pytest.raises(ActionRefused) as refused:
        add(site, world.users["rt"], 0, data)

    assert "terlalu besar" in refused.value.message


def test_orientation_is_corrected_from_exif(world, site):
    # Stored landscape 480 × 360, marked "rotate 90° clockwise to view" as phones do.
    data = photo_bytes(orientation=6)

    photo = add(site, world.users["rt"], 0, data)

    assert (photo.width, photo.height) == (360, 480)
    image = reopen(photo.display)
    assert image.size == (360, 480)
    assert 0x0112 not in image.getexif()


def test_dms_converts_to_signed_decimal_degrees():
    # 1° 36' 36" S, 103° 36' 46.8" E
    assert photos.dms_to_decimal((1, 36, 36), "S") == Decimal("-1.610000")
    assert photos.dms_to_decimal((103, 36, Decimal("46.8")), "E") == Decimal("103.613000")
    assert photos.dms_to_decimal(((1, 1), (36, 1), (3636, 100)), b"S") == Decimal("-1.610100")
    assert photos.dms_to_decimal(((1, 0), (36, 1), (0, 1)), "S") is None


def test_exif_time_without_offset_is_jakarta_time():
    taken = photos.parse_exif_time("2026:05:17 08:30:12")
    assert taken.utcoffset().total_seconds() == 7 * 3600
    assert photos.parse_exif_time("2026:05:17 08:30:12", "+08:00").utcoffset().seconds == 8 * 3600
    assert photos.parse_exif_time("0000:00:00 00:00:00") is None


def test_haversine_distance_is_right_for_a_known_pair():
    # One thousandth of a degree of latitude is about 111 m everywhere.
    assert photos.haversine_m(-1.61, 103.613, -1.611, 103.613) == pytest.approx(111.2, abs=0.2)
    lat, lon = offset(*SITE_POINT, 300, 400)
    assert photos.haversine_m(*SITE_POINT, lat, lon) == pytest.approx(500, abs=1)


# --- Flags ------------------------------------------------------------------------------------


def test_same_bytes_on_another_proposal_are_flagged_as_duplicate(world, make_site):
    first, second = make_site(), make_site()
    data = photo_bytes(taken_at=when(5), gps=SITE_POINT)
    original = add(first, world.users["rt"], 50, data)

    copy = add(second, world.users["rt"], 50, data)

    assert "duplicate" in codes(copy)
    assert "duplicate" not in codes(original)  # the first use is not the suspicious one
    flag = next(f for f in copy.flags if f["code"] == "duplicate")
    assert first.code in flag["message"] and flag["photo"] == original.pk


def test_same_bytes_for_another_stage_of_the_same_site_are_flagged(world, site):
    data = photo_bytes(taken_at=when(5), gps=SITE_POINT)
    add(site, world.users["rt"], 0, data)

    copy = add(site, world.users["rt"], 100, data)

    assert "duplicate" in codes(copy)
    assert "tahap 0% usulan ini" in copy.flags[0]["message"] or any(
        "tahap 0% usulan ini" in f["message"] for f in copy.flags
    )


def test_resized_recompressed_copy_is_flagged_as_near_duplicate(world, make_site):
    first, second = make_site(), make_site()
    data = photo_bytes("rumah-x", 100, size=(800, 600), quality=90)
    add(first, world.users["rt"], 100, data)
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).resize((560, 420)).save(buffer, "JPEG", quality=55)
    smaller = buffer.getvalue()

    copy = add(second, world.users["rt"], 100, smaller)

    assert "near_duplicate" in codes(copy)
    assert "duplicate" not in codes(copy)


def test_different_scenes_are_not_near_duplicates(world, make_site):
    first, second = make_site(), make_site()
    add(first, world.users["rt"], 0, photo_bytes("rumah-x", 0))

    other = add(second, world.users["rt"], 0, photo_bytes("rumah-y", 0))

    assert "near_duplicate" not in codes(other)


def test_gps_far_from_the_site_is_flagged_and_near_is_not(world, site, settings):
    far_point = offset(*SITE_POINT, 800, 0)
    near_point = offset(*SITE_POINT, 120, 90)

    far = add(site, world.users["rt"], 0, photo_bytes("a", taken_at=when(5), gps=far_point))
    near = add(site, world.users["rt"], 50, photo_bytes("b", 50, taken_at=when(4), gps=near_point))

    assert "far_from_site" in codes(far)
    message = next(f["message"] for f in far.flags if f["code"] == "far_from_site")
    assert re.search(r"berjarak (79\d|80\d) m dari titik lokasi usulan \(batas 300 m\)", message)
    assert "far_from_site" not in codes(near)

    settings.REPORTING_PHOTO_MAX_DISTANCE_M = 100
    services.refresh_photo_flags(site)
    assert "far_from_site" in codes(near)


def test_photo_taken_before_the_decree_is_flagged(world, site):
    early = add(site, world.users["rt"], 0, photo_bytes("a", taken_at=when(90), gps=SITE_POINT))
    later = add(site, world.users["rt"], 50, photo_bytes("b", 50, taken_at=when(5), gps=SITE_POINT))

    assert "before_decree" in codes(early)
    message = next(f["message"] for f in early.flags if f["code"] == "before_decree")
    assert "sebelum SK" in message and "dipakai ulang" in message
    assert "before_decree" not in codes(later)


def test_hundred_percent_photo_from_another_spot_is_flagged_as_a_signal(world, site):
    add(site, world.users["rt"], 0, photo_bytes("rumah-a", 0, taken_at=when(9), gps=SITE_POINT))
    same_spot = add(
        site, world.users["rt"], 100, photo_bytes("rumah-a", 100, taken_at=when(2), shift=4)
    )
    elsewhere = add(
        site, world.users["rt"], 100, photo_bytes("rumah-lain", 100, taken_at=when(2), shift=4)
    )

    assert "not_same_spot" not in codes(same_spot)
    assert "not_same_spot" in codes(elsewhere)
    message = next(f["message"] for f in elsewhere.flags if f["code"] == "not_same_spot")
    assert "petunjuk, bukan bukti" in message


def test_hundred_percent_far_from_the_zero_percent_gps_is_flagged(world, site):
    add(site, world.users["rt"], 0, photo_bytes("rumah-a", 0, taken_at=when(9), gps=SITE_POINT))
    moved = offset(*SITE_POINT, 150, 0)

    photo = add(site, world.users["rt"], 100, photo_bytes("rumah-a", 100, gps=moved))

    assert "not_same_spot" in codes(photo)
    assert "GPS" in next(f["message"] for f in photo.flags if f["code"] == "not_same_spot")


def test_flags_never_block_and_are_recomputed_when_a_zero_photo_arrives_later(world, site):
    hundred = add(site, world.users["rt"], 100, photo_bytes("rumah-lain", 100))
    assert "not_same_spot" not in codes(hundred)  # nothing to compare with yet

    add(site, world.users["rt"], 0, photo_bytes("rumah-a", 0))

    assert "not_same_spot" in codes(hundred)
    assert ProgressPhoto.objects.filter(proposal=site).count() == 2


def test_client_metadata_is_used_only_without_exif_and_marked_as_such(world, site):
    resized = png_bytes((200, 150))

    photo = add(
        site,
        world.users["rt"],
        0,
        resized,
        name="foto.png",
        client=ClientImage(
            taken_at="2026:01:02 07:30:00",
            latitude="-1.610010",
            longitude="103.613020",
            resized=True,
        ),
    )

    assert photo.metadata_source == "client" and photo.client_resized
    assert photo.latitude == Decimal("-1.610010")
    assert "client_metadata" in codes(photo)
    # A photo that carries its own EXIF keeps it: what the page says is ignored.
    with_exif = add(
        site,
        world.users["rt"],
        50,
        photo_bytes("b", 50, taken_at=when(4), gps=SITE_POINT),
        client=ClientImage(latitude="10", longitude="10"),
    )
    assert with_exif.metadata_source == "file" and with_exif.latitude == SITE_POINT[0]


def test_a_phone_clock_far_ahead_of_the_server_is_not_stored(world, site):
    """The time sent beside a resized photo is checked like the rest of it: a day ahead of the
    server's clock is a wrong clock or an edited value, so only the point is kept."""
    ahead = timezone.localtime() + timedelta(days=3)

    photo = add(
        site,
        world.users["rt"],
        0,
        png_bytes((200, 150)),
        name="foto.png",
        client=ClientImage(
            taken_at=ahead.strftime("%Y:%m:%d %H:%M:%S"),
            latitude="-1.610010",
            longitude="103.613020",
            resized=True,
        ),
    )

    assert photo.metadata_source == "client"
    assert photo.taken_at is None and photo.latitude == Decimal("-1.610010")


def test_nonsense_client_metadata_is_dropped():
    meta = photos.client_metadata("kemarin", "abc", "200")
    assert meta.empty


def test_retry_with_the_same_token_or_the_same_bytes_keeps_one_photo(world, site):
    data = photo_bytes(taken_at=when(5), gps=SITE_POINT)
    first = services.photo_add(
        proposal=site,
        actor=world.users["rt"],
        stage=0,
        upload=upload(data),
        client=ClientImage(token="t-1"),
    )
    again = services.photo_add(
        proposal=site,
        actor=world.users["rt"],
        stage=0,
        upload=upload(data),
        client=ClientImage(token="t-1"),
    )
    same_bytes = services.photo_add(
        proposal=site,
        actor=world.users["rt"],
        stage=0,
        upload=upload(data),
        client=ClientImage(token="t-2"),
    )

    assert first.created and not again.created and not same_bytes.created
    assert again.photo.pk == same_bytes.photo.pk == first.photo.pk
    assert ProgressPhoto.objects.count() == 1


def test_withdrawn_photo_still_reveals_reuse_elsewhere(world, make_site):
    first, second = make_site(), make_site()
    data = photo_bytes(taken_at=when(5), gps=SITE_POINT)
    original = add(first, world.users["rt"], 50, data)
    services.photo_withdraw(photo=original, actor=world.users["rt"])

    copy = add(second, world.users["rt"], 50, data)

    assert "duplicate" in codes(copy)


def test_process_upload_refuses_a_truncated_jpeg():
    data = photo_bytes()
    with pytest.raises(ValidationError):
        photos.process_upload(upload(data[: len(data) // 2]))
