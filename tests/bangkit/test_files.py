"""Uploads are checked by their content, never by their name or the browser's content type."""

import hashlib
import io
import struct
import zlib
from contextlib import nullcontext
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFile
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from bangkit.errors import ActionRefused
from bangkit.files import IMAGE_TYPES, MAX_IMAGE_PIXELS, check_upload, check_upload_or_refuse
from bangkit.models import Role
from proposals import services
from proposals.models import Attachment, Proposal
from tests import factories

PDF = factories.pdf_bytes()


def picture(fmt: str, size=(64, 48)) -> bytes:
    """A small drawn picture (not one flat colour, so compression has something to do)."""
    img = Image.new("RGB", size, (170, 200, 230))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, size[1] // 2, size[0], size[1]], fill=(120, 95, 60))
    draw.line([(0, size[1]), (size[0] // 2, size[1] // 2)], fill=(60, 60, 60), width=2)
    buffer = io.BytesIO()
    img.save(buffer, format=fmt)
    return buffer.getvalue()


def heic() -> bytes:
    # bangkit.files registers pillow-heif's opener, which also lets Pillow save HEIF.
    return picture("HEIF")


def png_of_size(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG: a few kilobytes on disk, `width × height` in memory."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data)
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(name: str, content: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        check_upload(upload(name, content), **kwargs)
    return info.value.messages[0]


# --- Accepted by content ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("foto.jpg", lambda: picture("JPEG"), "image/jpeg"),
        ("foto.png", lambda: picture("PNG"), "image/png"),
        ("foto.webp", lambda: picture("WEBP"), "image/webp"),
        ("IMG_0412.HEIC", heic, "image/heic"),
        ("surat.pdf", lambda: PDF, "application/pdf"),
        # The name does not matter, only the content: a JPEG called .pdf is still a JPEG.
        ("salah-nama.pdf", lambda: picture("JPEG"), "image/jpeg"),
    ],
)
def test_a_valid_file_is_accepted_with_its_real_type_and_hash(name, make, content_type):
    content = make()
    file = upload(name, content, content_type="text/plain")  # the browser's claim is ignored

    checked = check_upload(file)

    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert file.read() == content  # left at the start, ready to be stored


def test_heic_is_a_real_heif_file():
    content = heic()

    assert content[4:12] == b"ftypheic"
    with Image.open(io.BytesIO(content)) as img:
        assert img.size == (64, 48)


# --- Refused, with a message in Indonesian ------------------------------------------------------


def test_a_text_file_named_jpg_is_refused():
    message = refusal("foto.jpg", b"Ini bukan foto, hanya tulisan biasa.\n")

    assert message == (
        "Berkas 'foto.jpg' bukan HEIC, JPEG, PDF, PNG, WebP yang sah "
        "(isi berkas diperiksa, bukan namanya)."
    )


def test_a_script_with_an_image_name_is_refused():
    assert "bukan" in refusal("foto.png", b"<?php system($_GET['c']); ?>")
    assert "bukan" in refusal("foto.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')


def test_an_empty_file_is_refused():
    assert refusal("kosong.pdf", b"") == "Berkas 'kosong.pdf' kosong."


def test_a_file_over_the_limit_is_refused(settings):
    settings.MAX_ATTACHMENT_BYTES = 2 * 1_048_576
    padding = b"%" * (settings.MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    too_big = PDF[:9] + padding + PDF[9:]
    just_fits = PDF[:9] + padding[1:] + PDF[9:]

    message = refusal("besar.pdf", too_big)

    assert len(too_big) == settings.MAX_ATTACHMENT_BYTES + 1
    assert message == "Berkas 'besar.pdf' terlalu besar (2.0 MB); paling besar 2 MB."
    assert check_upload(upload("pas.pdf", just_fits)).size == settings.MAX_ATTACHMENT_BYTES


def test_the_caller_can_set_a_smaller_limit():
    assert "terlalu besar" in refusal("foto.png", picture("PNG"), max_bytes=100)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("foto.jpg", lambda: picture("JPEG", (320, 240))),
        ("foto.png", lambda: picture("PNG", (320, 240))),
        ("foto.webp", lambda: picture("WEBP", (320, 240))),
        ("foto.heic", lambda: picture("HEIF", (320, 240))),
    ],
)
def test_a_truncated_image_is_refused(name, make):
    content = make()

    message = refusal(name, content[: len(content) * 2 // 3])

    assert message == f"Gambar '{name}' rusak atau tidak dapat dibaca."


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_a_truncated_image_is_refused_even_after_weasyprint_loosened_pillow(monkeypatch, fmt):
    # Importing WeasyPrint sets this process-wide switch so PDFs render damaged pictures.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = picture(fmt, (320, 240))

    message = refusal("foto", content[: len(content) * 2 // 3])

    assert message == "Gambar 'foto' rusak atau tidak dapat dibaca."
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint's setting is left as it was


def test_a_corrupt_png_is_refused():
    content = bytearray(picture("PNG"))
    content[60:70] = b"\x00" * 10  # inside the image data: the checksum no longer matches

    assert refusal("foto.png", bytes(content)) == "Gambar 'foto.png' rusak atau tidak dapat dibaca."


def test_a_truncated_pdf_is_refused():
    assert refusal("surat.pdf", PDF[:-8]) == "PDF 'surat.pdf' tidak lengkap atau rusak."


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # 400 million pixels: Pillow's own bomb error
        (8_000, 8_000),  # 64 million: over our limit, under Pillow's error threshold
    ],
)
def test_a_decompression_bomb_is_refused(width, height):
    content = png_of_size(width, height)
    assert len(content) < 100_000
    assert width * height > MAX_IMAGE_PIXELS

    expect_warning = width * height <= 2 * MAX_IMAGE_PIXELS
    with pytest.warns(Image.DecompressionBombWarning) if expect_warning else nullcontext():
        message = refusal("bom.png", content)

    assert message == "Gambar 'bom.png' terlalu besar ukuran pikselnya."


def test_an_image_at_the_pixel_limit_is_accepted():
    # 50 million pixels exactly (the limit) is a large but honest panorama.
    checked = check_upload(upload("panorama.png", png_of_size(10_000, 5_000)))

    assert checked.content_type == "image/png"


def test_a_pdf_is_refused_where_only_images_are_allowed():
    assert "bukan HEIC, JPEG, PNG, WebP" in refusal("foto.pdf", PDF, allowed=IMAGE_TYPES)


# --- PDFs: parsed, and nothing in them that runs ---------------------------------------------


def crafted_pdf(*, catalog=None, page=None, build=None) -> bytes:
    """A one-page PDF written by pypdf, with extra entries in its catalog or its page."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for key, value in (catalog or {}).items():
        writer._root_object[NameObject(key)] = value
    for key, value in (page or {}).items():
        writer.pages[0][NameObject(key)] = value
    if build:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def action(kind: str, **entries) -> DictionaryObject:
    values = {NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)}
    values.update({NameObject(f"/{k}"): TextStringObject(v) for k, v in entries.items()})
    return DictionaryObject(values)


def test_a_clean_pdf_from_pypdf_is_accepted():
    content = crafted_pdf()

    assert check_upload(upload("surat.pdf", content)).content_type == "application/pdf"
    assert PdfReader(io.BytesIO(content)).pages  # a real PDF, not a fake that happens to pass


def test_a_pdf_with_javascript_as_open_action_is_refused():
    content = crafted_pdf(catalog={"/OpenAction": action("/JavaScript", JS="app.alert(1)")})

    assert refusal("surat.pdf", content) == (
        "PDF 'surat.pdf' memuat JavaScript (kode yang dijalankan saat dibuka): tidak diterima. "
        "Cetak atau simpan ulang dokumen sebagai PDF biasa, lalu unggah lagi."
    )


def test_a_pdf_with_javascript_in_its_names_tree_is_refused():
    content = crafted_pdf(build=lambda w: w.add_open_action(JavaScript("app.alert(1)")))

    assert "memuat JavaScript" in refusal("surat.pdf", content)


def test_a_pdf_with_javascript_in_a_page_action_is_refused():
    additional = DictionaryObject({NameObject("/O"): action("/JavaScript", JS="this.print()")})

    assert "memuat JavaScript" in refusal("surat.pdf", crafted_pdf(page={"/AA": additional}))


def test_a_pdf_with_a_launch_action_is_refused():
    content = crafted_pdf(catalog={"/OpenAction": action("/Launch", F="cmd.exe")})

    assert refusal("surat.pdf", content).startswith(
        "PDF 'surat.pdf' memuat perintah menjalankan program lain (Launch): tidak diterima."
    )


def test_a_pdf_with_an_embedded_file_is_refused():
    content = crafted_pdf(build=lambda w: w.add_attachment("daftar.exe", b"MZ\x90\x00"))

    assert refusal("surat.pdf", content).startswith(
        "PDF 'surat.pdf' memuat berkas lain yang disisipkan di dalamnya: tidak diterima."
    )


def test_a_pdf_with_a_file_attachment_annotation_is_refused():
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 30, 30)]),
        }
    )
    content = crafted_pdf(page={"/Annots": ArrayObject([annotation])})

    assert "memuat berkas lain yang disisipkan" in refusal("surat.pdf", content)


def test_html_behind_a_pdf_header_is_refused():
    content = b"%PDF-1.7\n<html><body><script>fetch('/akun')</script></body></html>\n%%EOF\n"

    assert refusal("surat.pdf", content) == "Berkas 'surat.pdf' berisi HTML, bukan PDF yang sah."


def test_anything_else_behind_a_pdf_header_that_does_not_parse_is_refused():
    content = b"%PDF-1.7\n<div onclick=alert(1)>klik</div>\n%%EOF\n"

    assert refusal("surat.pdf", content) == (
        "PDF 'surat.pdf' tidak lengkap atau rusak (tidak dapat dibaca sebagai PDF)."
    )


def test_a_pdf_without_pages_is_refused():
    writer = PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)

    assert (
        refusal("surat.pdf", buffer.getvalue()) == "PDF 'surat.pdf' tidak berisi satu halaman pun."
    )


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("rahasia")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert refusal("surat.pdf", buffer.getvalue()) == (
        "PDF 'surat.pdf' dikunci dengan kata sandi; unggah PDF tanpa kata sandi."
    )


def test_a_pdf_with_javascript_is_refused_by_the_service_and_nothing_is_stored(draft, settings):
    proposal, rt_user = draft
    content = crafted_pdf(catalog={"/OpenAction": action("/JavaScript", JS="app.alert(1)")})

    with pytest.raises(ActionRefused, match="memuat JavaScript"):
        services.attachment_add(
            proposal=proposal,
            actor=rt_user,
            kind="proposal_letter",
            upload=upload("surat.pdf", content),
        )

    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "proposals").exists()


# --- Through the attachment service --------------------------------------------------------------


@pytest.fixture
def draft(db):
    fiscal_year = factories.FiscalYearFactory()
    rt = factories.RTFactory(households=80)
    proposal = Proposal.objects.create(
        fiscal_year=fiscal_year,
        rt=rt,
        kelurahan=rt.kelurahan,
        title="Rabat beton gang Kenanga",
        work_type=factories.WorkTypeFactory(),
        location_description="Gang Kenanga",
        planned_volume=Decimal("100"),
        planned_width=Decimal("1.2"),
    )
    return proposal, factories.make_user(Role.RT, rt, username="rt-uji")


def test_a_pdf_as_site_photo_is_refused_by_the_service(draft):
    proposal, rt_user = draft

    with pytest.raises(ActionRefused) as info:
        services.attachment_add(
            proposal=proposal, actor=rt_user, kind="site_photo", upload=upload("foto.jpg", PDF)
        )

    assert info.value.message == "Foto lokasi harus berupa gambar (JPEG, PNG, WebP atau HEIC)."
    assert not Attachment.objects.exists()


def test_a_text_file_is_refused_by_the_service_and_nothing_is_stored(draft, settings):
    proposal, rt_user = draft

    with pytest.raises(ActionRefused, match="isi berkas diperiksa, bukan namanya"):
        services.attachment_add(
            proposal=proposal,
            actor=rt_user,
            kind="proposal_letter",
            upload=upload("surat.pdf", b"bukan pdf"),
        )

    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "proposals").exists()


def test_the_service_stores_a_checked_file_under_a_random_name(draft):
    proposal, rt_user = draft
    content = heic()

    attachment = services.attachment_add(
        proposal=proposal, actor=rt_user, kind="site_photo", upload=upload("IMG_0412.HEIC", content)
    )

    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "image/heic",
        len(content),
        "IMG_0412.HEIC",
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.file.name.startswith(f"proposals/{proposal.code}/site_photo/")
    assert attachment.file.name.endswith(".heic")
    assert "IMG_0412" not in attachment.file.name
    with default_storage.open(attachment.file.name) as stored:
        assert stored.read() == content


# --- For services: the problem as a refusal ----------------------------------------------------


def test_check_upload_or_refuse_says_the_first_problem_as_a_refusal():
    with pytest.raises(ActionRefused) as info:
        check_upload_or_refuse(upload("kosong.pdf", b""), refusal="Notulen: %(problem)s")
    assert info.value.message == "Notulen: Berkas 'kosong.pdf' kosong."
    with pytest.raises(ActionRefused) as info:
        check_upload_or_refuse(upload("surat.pdf", PDF), allowed=IMAGE_TYPES)
    assert info.value.message.startswith("Berkas 'surat.pdf' bukan ")


def test_check_upload_or_refuse_returns_the_checked_file():
    checked = check_upload_or_refuse(upload("surat.pdf", PDF))
    assert checked.content_type == "application/pdf"
