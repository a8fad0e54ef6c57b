"""Every stored image the same way (bangkit.images): EXIF read before it is stripped, upright
EXIF-free display and thumbnail copies of JPEG, PNG and HEIC, and what the phone sends beside
a file checked before it is kept."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from PIL import Image

from bangkit import images
from demo.seeders.reporting import draw_site, exif_for

JAKARTA_POINT = (Decimal("-1.610000"), Decimal("103.613000"))


def exif_block(taken="2026:05:17 08:30:12", point=JAKARTA_POINT) -> Image.Exif:
    exif = exif_for(gps=point)
    exif.get_ifd(images.EXIF_IFD)[images.TAG_DATETIME_ORIGINAL] = taken
    return exif


def picture(size=(4000, 3000)) -> Image.Image:
    """A drawn footpath between houses (noise would not compress like a photo)."""
    return draw_site("rumah-a", 0, size=size)


def encoded(fmt: str, size=(4000, 3000), *, exif=None, mode="RGB") -> bytes:
    buffer = io.BytesIO()
    image = picture(size)
    if mode != "RGB":
        image = image.convert(mode)
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "mode"), [("JPEG", "RGB"), ("PNG", "RGBA"), ("PNG", "P"), ("HEIF", "RGB")]
)
def test_copies_of_jpeg_png_and_heic_are_small_jpegs_without_metadata(fmt, mode):
    copies = images.make_copies(encoded(fmt, exif=exif_block(), mode=mode))

    display, thumbnail = opened(copies.display), opened(copies.thumbnail)
    assert display.format == thumbnail.format == "JPEG"
    assert max(display.size) == images.DISPLAY_MAX_PX == 1600
    assert (copies.width, copies.height) == display.size == (1600, 1200)
    assert max(thumbnail.size) == images.THUMBNAIL_MAX_PX == 320
    for copy in (display, thumbnail):
        assert dict(copy.getexif()) == {}
        assert "exif" not in copy.info and "xmp" not in copy.info
    assert len(copies.display) < 400_000 and len(copies.thumbnail) < 40_000


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_the_time_and_gps_in_the_file_are_read_before_the_copies_drop_them(fmt):
    copies = images.make_copies(encoded(fmt, (800, 600), exif=exif_block()))

    assert copies.metadata.taken_at == timezone.make_aware(
        timezone.datetime(2026, 5, 17, 8, 30, 12), timezone.get_default_timezone()
    )
    assert (copies.metadata.latitude, copies.metadata.longitude) == JAKARTA_POINT


def test_a_photo_taken_sideways_is_turned_upright():
    exif = exif_block(point=None)
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    copies = images.make_copies(encoded("JPEG", (800, 600), exif=exif))

    assert (copies.width, copies.height) == (600, 800)


def test_an_unreadable_image_is_refused_in_indonesian():
    # A truncated file never gets here: bangkit.files.check_upload refuses it first.
    with pytest.raises(ValidationError) as info:
        images.make_copies(b"\xff\xd8\xff\xe0" + b"bukan gambar" * 100)

    assert "rusak" in info.value.messages[0]


# --- What the phone sends beside a resized file -------------------------------------------


def test_the_phones_time_and_point_are_kept_as_sent():
    meta = images.client_metadata("2026:05:17 08:30:12", "-1.6100004", "103.613")

    assert meta.taken_at.year == 2026 and meta.taken_at.hour == 8
    assert (meta.latitude, meta.longitude) == (Decimal("-1.610000"), Decimal("103.613000"))


@pytest.mark.parametrize(
    ("taken", "lat", "lon", "kept_time", "kept_point"),
    [
        ("kemarin", "-1.61", "103.61", False, True),  # not an EXIF time
        ("2026:13:45 08:30:12", "-1.61", "103.61", False, True),  # no such date
        ("1970:01:01 00:00:00", "-1.61", "103.61", False, True),  # before digital cameras
        ("2026:05:17 08:30:12", "91", "103.61", True, False),  # off the globe
        ("2026:05:17 08:30:12", "-1.61", "181", True, False),
        ("2026:05:17 08:30:12", "0", "0", True, False),  # no fix
        ("2026:05:17 08:30:12", "NaN", "Infinity", True, False),
        ("2026:05:17 08:30:12", "-1.61", "", True, False),  # one coordinate only
        ("2026:05:17 08:30:12", "<script>", "1e999999", True, False),
    ],
)
def test_nonsense_sent_by_the_phone_is_dropped(taken, lat, lon, kept_time, kept_point):
    meta = images.client_metadata(taken, lat, lon)

    assert (meta.taken_at is not None) is kept_time
    assert (meta.latitude is not None) is kept_point
    assert (meta.longitude is not None) is kept_point


def test_a_time_later_than_the_servers_clock_allows_is_dropped():
    later = timezone.localtime() + images.CLIENT_CLOCK_SLACK + timedelta(hours=2)
    soon = timezone.localtime() + timedelta(hours=2)

    assert images.client_metadata(later.strftime("%Y:%m:%d %H:%M:%S")).taken_at is None
    assert images.client_metadata(soon.strftime("%Y:%m:%d %H:%M:%S")).taken_at is not None


def test_the_form_of_the_fields_sent_beside_a_file():
    form = images.ClientImageForm(
        {"client_token": "abc", "client_taken_at": "2026:05:17 08:30:12", "client_resized": "1"}
    )

    assert form.is_valid()
    assert form.client_fields() == {
        "client_token": "abc",
        "client_taken_at": "2026:05:17 08:30:12",
        "client_latitude": "",
        "client_longitude": "",
        "client_resized": True,
    }
    assert not images.ClientImageForm({"client_latitude": "1" * 30}).is_valid()


def test_a_missing_stored_file_answers_not_found():
    class Missing:
        name = "hilang.jpg"

        def __bool__(self):
            return True

        def open(self, mode):
            raise FileNotFoundError

    with pytest.raises(Http404):
        images.stored_image_response(Missing())
    with pytest.raises(Http404):
        images.stored_image_response(None)


# --- What the upload keeps at once; the copies come from a task ------------------------------


@pytest.mark.parametrize(
    ("size", "orientation"), [((4000, 3000), 1), ((4000, 3000), 6), ((800, 600), 8)]
)
def test_inspect_reads_the_metadata_and_the_copy_size_without_making_copies(size, orientation):
    exif = exif_block()
    exif[images.TAG_ORIENTATION] = orientation
    data = encoded("JPEG", size, exif=exif)

    facts = images.inspect(data)
    copies = images.make_copies(data)

    assert facts.metadata == copies.metadata
    assert facts.metadata.taken_at is not None and facts.metadata.latitude is not None
    assert (facts.width, facts.height) == (copies.width, copies.height)


def test_inspect_refuses_an_unreadable_image_in_indonesian():
    with pytest.raises(ValidationError, match="rusak"):
        images.inspect(b"\xff\xd8\xff\xe0" + b"bukan gambar" * 100)


def test_a_copy_not_made_yet_is_the_processing_placeholder_when_asked_for():
    response = images.stored_image_response(None, pending=True)

    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "no-store"
    assert b"Foto sedang diproses" in response.content
    assert b"<script" not in response.content
