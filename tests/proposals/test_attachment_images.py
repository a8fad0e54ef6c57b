"""Proposal attachments that are images, the same way as progress photos: display and
thumbnail copies made on the server (JPEG, PNG, HEIC), the time and GPS read from the file or
sent by the phone beside it (checked), one file per script request answered in JSON with a
retry kept once, and no file left behind by a failed transaction."""

import errno
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bangkit import storage
from bangkit.errors import ActionRefused
from bangkit.images import ClientImage
from demo.seeders.reporting import draw_site, exif_for
from proposals import services, tasks
from proposals.models import Attachment
from tests.factories.lifecycle import copies_made
from tests.proposals.conftest import SMALL_PDF

POINT = ("-1.610000", "103.613000")


def photo(fmt="JPEG", size=(4000, 3000), *, gps=None, seed="rumah-a") -> bytes:
    """A 12 MP drawn photo; with EXIF GPS when asked."""
    buffer = io.BytesIO()
    options = {"exif": exif_for(gps=gps)} if gps else {}
    draw_site(seed, 0, size=size).save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(data, name="depan.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.fixture
def draft(make_proposal):
    return make_proposal(documents=None)


@pytest.fixture
def rt(world):
    return world.users["rt_own"]


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("JPEG", "depan.jpg", "image/jpeg"),
        ("PNG", "depan.png", "image/png"),
        ("HEIF", "depan.heic", "image/heic"),
    ],
)
def test_an_image_attachment_gets_display_and_thumbnail_copies(
    draft, rt, media_files, fmt, name, content_type
):
    data = photo(fmt, (2400, 1800) if fmt == "PNG" else (4000, 3000))

    with copies_made():
        attachment = services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(data, name, content_type)
        )
    attachment.refresh_from_db()

    assert attachment.content_type == content_type
    assert attachment.has_copies
    display, thumbnail = reopen(attachment.display), reopen(attachment.thumbnail)
    assert display.format == thumbnail.format == "JPEG"
    assert max(display.size) == 1600 and max(thumbnail.size) == 320
    assert (attachment.width, attachment.height) == display.size
    assert dict(display.getexif()) == {} and dict(thumbnail.getexif()) == {}
    assert attachment.display.size < 500_000 and attachment.thumbnail.size < 40_000
    with attachment.file.open("rb") as original:
        assert original.read() == data  # kept byte for byte, for "Unduh asli"
    assert media_files() == {
        attachment.file.name,
        attachment.display.name,
        attachment.thumbnail.name,
    }


def test_a_pdf_has_no_copies(draft, rt):
    attachment = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="proposal_letter",
        upload=upload(SMALL_PDF, "surat.pdf", "application/pdf"),
    )

    assert not attachment.is_image and not attachment.has_copies
    assert not attachment.display and not attachment.thumbnail
    assert attachment.metadata_source == "none"


def test_the_time_and_gps_in_the_file_win_over_what_the_phone_sent(draft, rt):
    attachment = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="site_photo",
        upload=upload(photo(size=(800, 600), gps=POINT)),
        client=ClientImage(latitude="-6.2", longitude="106.8"),
    )

    assert attachment.metadata_source == "file"
    assert (str(attachment.latitude), str(attachment.longitude)) == POINT


def test_what_the_phone_read_before_resizing_is_kept_marked_as_sent_by_it(draft, rt):
    attachment = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="site_photo",
        upload=upload(photo(size=(1600, 1200))),  # resized on the phone: no EXIF left
        client=ClientImage(
            taken_at="2026:05:17 08:30:12", latitude=POINT[0], longitude=POINT[1], resized=True
        ),
    )

    attachment.refresh_from_db()
    assert attachment.metadata_source == "client"
    assert attachment.client_resized
    taken = timezone.localtime(attachment.taken_at)
    assert taken.strftime("%Y-%m-%d %H:%M") == "2026-05-17 08:30"
    assert (str(attachment.latitude), str(attachment.longitude)) == POINT


def test_nonsense_sent_beside_the_file_is_not_stored(draft, rt):
    attachment = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="site_photo",
        upload=upload(photo(size=(800, 600))),
        client=ClientImage(taken_at="2999:01:01 00:00:00", latitude="95", longitude="103.6"),
    )

    assert attachment.metadata_source == "none"
    assert attachment.taken_at is None and attachment.latitude is None


def test_a_retry_with_the_same_token_is_stored_once(draft, rt, media_files):
    first = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="site_photo",
        upload=upload(photo(size=(800, 600))),
        client=ClientImage(token="tok-1"),
    )
    files = media_files()

    again = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="site_photo",
        upload=upload(photo(size=(800, 600))),
        client=ClientImage(token="tok-1"),
    )

    assert again.pk == first.pk
    assert draft.attachments.count() == 1
    assert media_files() == files


def test_removing_an_image_removes_its_copies(
    draft, rt, media_files, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=attachment, actor=rt)

    assert media_files() == set()


@pytest.mark.django_db(transaction=True)
def test_an_image_whose_commit_fails_leaves_no_file(
    make_proposal, world, media_files, commit_fails
):
    draft = make_proposal(documents=None)
    before = media_files()

    with pytest.raises(OperationalError), commit_fails():
        services.attachment_add(
            proposal=draft,
            actor=world.users["rt_own"],
            kind="site_photo",
            upload=upload(photo(size=(800, 600))),
        )

    assert media_files() == before  # the original and both copies are gone
    assert not Attachment.objects.exists()


def test_a_full_disk_while_writing_the_copies_keeps_no_copy(draft, rt, media_files, media_fails):
    with TestCase.captureOnCommitCallbacks() as enqueued:
        attachment = services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
        )
    media_fails(errno.ENOSPC, after=1)  # the display copy, then the thumbnail

    with pytest.raises(ActionRefused) as info:
        services.attachment_make_copies(attachment=attachment)

    assert enqueued  # the task was enqueued; its service here meets the full disk
    assert "ruang penyimpanan berkas di server penuh" in info.value.message
    assert media_files() == {attachment.file.name}
    attachment.refresh_from_db()
    assert not attachment.has_copies


# --- Copies made by a background task after the upload commits -----------------------------


def test_the_upload_makes_no_copy_and_the_task_after_commit_makes_them(
    client, draft, rt, media_files
):
    with TestCase.captureOnCommitCallbacks() as enqueued:
        attachment = services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(2000, 1500)))
        )
    assert media_files() == {attachment.file.name}
    assert not attachment.has_copies
    assert (attachment.width, attachment.height) == (1600, 1200)  # the copy-to-be's size
    client.force_login(rt)
    pending = client.get(
        reverse("proposals:attachment_thumbnail", args=[draft.code, attachment.pk])
    )
    assert pending["Content-Type"] == "image/svg+xml"
    assert pending["Cache-Control"] == "no-store"
    assert b"sedang diproses" in pending.content
    page = client.get(reverse("proposals:detail", args=[draft.code]))
    assert b"data-processing" in page.content

    for callback in enqueued:  # the commit: the task runs (the test backend runs it at once)
        callback()

    attachment.refresh_from_db()
    assert attachment.has_copies
    assert media_files() == {
        attachment.file.name,
        attachment.display.name,
        attachment.thumbnail.name,
    }
    ready = client.get(reverse("proposals:attachment_thumbnail", args=[draft.code, attachment.pk]))
    assert ready["Content-Type"] == "image/jpeg"
    # A second run of the task (a retry) makes nothing twice.
    assert tasks.make_attachment_copies.call(attachment.pk) is False
    assert len(media_files()) == 3


def test_a_failed_upload_transaction_enqueues_no_copies(draft, rt, media_files):
    with (
        TestCase.captureOnCommitCallbacks() as enqueued,
        pytest.raises(RuntimeError),
        storage.atomic(),
    ):
        services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
        )
        raise RuntimeError("the caller's transaction fails afterwards")

    assert enqueued == []
    assert not Attachment.objects.exists()
    assert media_files() == set()


def test_the_task_of_a_removed_attachment_does_nothing(draft, rt):
    with TestCase.captureOnCommitCallbacks():
        attachment = services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.attachment_remove(attachment=attachment, actor=rt)

    assert tasks.make_attachment_copies.call(attachment.pk) is False


def test_the_attachment_copies_command_makes_what_the_task_did_not(draft, rt, media_files):
    with TestCase.captureOnCommitCallbacks():  # the queue never ran it
        attachment = services.attachment_add(
            proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
        )
    out = io.StringIO()

    call_command("attachment_copies", stdout=out)

    attachment.refresh_from_db()
    assert attachment.has_copies
    assert "1 lampiran foto diberi salinan" in out.getvalue()
    assert len(media_files()) == 3


# --- The script's requests: one file each, answered in JSON -------------------------------


def test_the_edit_page_upload_answers_json_with_the_thumbnail(client, draft, rt):
    client.force_login(rt)

    response = client.post(
        reverse("proposals:attachment_upload", args=[draft.code]),
        {
            "kind": "site_photo",
            "files": upload(photo(size=(1600, 1200))),
            "client_token": "tok-2",
            "client_taken_at": "2026:05:17 08:30:12",
            "client_latitude": POINT[0],
            "client_longitude": POINT[1],
            "client_resized": "1",
        },
        headers={"accept": "application/json"},
    )

    assert response.status_code == 201
    attachment = draft.attachments.get()
    assert response.json()["thumbnail"] == reverse(
        "proposals:attachment_thumbnail", args=[draft.code, attachment.pk]
    )
    assert attachment.metadata_source == "client" and attachment.client_token == "tok-2"
    # The copy is made after the answer: the placeholder first, then the JPEG.
    assert client.get(response.json()["thumbnail"])["Content-Type"] == "image/svg+xml"
    services.attachment_make_copies(attachment=attachment)
    thumb = client.get(response.json()["thumbnail"])
    assert thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"].startswith("private")


def test_a_refused_file_answers_json_with_the_reason(client, draft, rt):
    client.force_login(rt)

    response = client.post(
        reverse("proposals:attachment_upload", args=[draft.code]),
        {"kind": "site_photo", "files": upload(b"bukan gambar", "a.jpg")},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert "a.jpg" in response.json()["error"]
    assert not draft.attachments.exists()


def test_the_plain_upload_without_script_still_makes_the_copies(client, draft, rt):
    client.force_login(rt)

    with copies_made():
        response = client.post(
            reverse("proposals:attachment_upload", args=[draft.code]),
            {"kind": "site_photo", "files": [upload(photo()), upload(photo(seed="b"), "b.jpg")]},
        )

    assert response.status_code == 302
    assert draft.attachments.count() == 2
    assert all(a.has_copies for a in draft.attachments.all())


def test_the_display_copy_is_scoped_like_the_original(client, draft, rt, world, make_proposal):
    attachment = services.attachment_add(
        proposal=draft, actor=rt, kind="site_photo", upload=upload(photo(size=(800, 600)))
    )
    other = make_proposal(rt=world.rt_other, documents=None)
    client.force_login(world.users["rt_other"])

    for name in ("attachment_display", "attachment_thumbnail", "attachment"):
        assert (
            client.get(reverse(f"proposals:{name}", args=[draft.code, attachment.pk])).status_code
            == 404
        )
        assert (
            client.get(reverse(f"proposals:{name}", args=[other.code, attachment.pk])).status_code
            == 404
        )


def test_images_uploaded_before_the_copies_get_them_from_the_command(draft, rt):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    data = photo(size=(2000, 1500), gps=POINT)
    old = Attachment.objects.create(
        proposal=draft,
        kind="site_photo",
        file=ContentFile(data, name="lama.jpg"),
        original_name="lama.jpg",
        content_type="image/jpeg",
        size=len(data),
        sha256="0" * 64,
        uploaded_by=rt,
    )
    pdf = services.attachment_add(
        proposal=draft,
        actor=rt,
        kind="proposal_letter",
        upload=upload(SMALL_PDF, "surat.pdf", "application/pdf"),
    )
    out = io.StringIO()

    call_command("attachment_copies", stdout=out)
    call_command("attachment_copies", stdout=out)

    old.refresh_from_db()
    assert old.has_copies and old.width == 1600
    assert old.metadata_source == "file" and str(old.latitude) == POINT[0]
    assert not Attachment.objects.get(pk=pdf.pk).has_copies
    assert out.getvalue().splitlines() == [
        "1 lampiran foto diberi salinan; 0 tidak terbaca.",
        "0 lampiran foto diberi salinan; 0 tidak terbaca.",
    ]
