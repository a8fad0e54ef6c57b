"""Issue 11 item 1 on a 360 px phone: the guided flow's documents step sends a 12 MP photo
resized on the phone, with the time and GPS read from its EXIF before resizing, one file per
request with its own progress bar, and retries a request the network dropped; without script
the plain form still uploads and the server makes the copies."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bangkit.models import Role
from proposals import services as proposal_services
from proposals.models import Attachment, MusrenbangEntry
from tests import factories
from tests.e2e.phone import phone_photo
from tests.factories import PASSWORD, make_user

GPS = (Decimal("-1.610123"), Decimal("103.613145"))
TAKEN = timezone.make_aware(timezone.datetime(2026, 5, 17, 8, 30, 12))


def phone_photo_file(path, seed="rumah-a"):
    path.write_bytes(phone_photo(seed, taken_at=TAKEN, gps=GPS))
    return path


@pytest.fixture
def draft(transactional_db):
    factories.FiscalYearFactory(year=2026)
    work_type = factories.WorkTypeFactory()
    rt = factories.RTFactory(households=80)
    entry = MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-2026-0007",
        kelurahan=rt.kelurahan,
        rt=rt,
        title="Rabat beton Gang Mawar",
        work_type=work_type,
        location_text="Gg. Mawar",
        volume=Decimal("120"),
        unit="m",
    )
    user = make_user(Role.RT, rt, username="rt.uji.07")
    return proposal_services.proposal_create_from_entry(
        entry=entry, actor=user, planned_width=Decimal("1.5")
    )


def sign_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "rt.uji.07")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_photo_resized_on_the_phone_goes_up_again_after_the_connection_dropped(
    page, live_server, draft, tmp_path
):
    base = live_server.url
    original = phone_photo_file(tmp_path / "IMG_20260517_083012.jpg")
    assert original.stat().st_size > 2_000_000
    page.set_default_timeout(20_000)
    sign_in(page, base)
    page.goto(f"{base}/usulan/{draft.code}/isi/dokumen/")
    sent = []

    def drop_the_first(route):
        if route.request.method == "POST" and not sent:
            sent.append("dropped")
            route.abort("internetdisconnected")
            return
        sent.append(len(route.request.post_data_buffer or b""))
        route.continue_()

    page.route(f"**/usulan/{draft.code}/isi/dokumen/", drop_the_first)
    page.locator("#doc-site_photo input[type=file]").set_input_files(original)
    page.get_by_role("button", name="Unggah").click()

    row = page.locator("#doc-site_photo .queue-list li")
    expect(row).to_have_count(1)
    expect(row.locator("progress")).to_be_attached()
    expect(row.locator(".status")).to_contain_text("Sinyal terputus")
    # The retry went through; the page reloads with the kept photo's thumbnail.
    expect(page.locator("#doc-site_photo .badge")).to_have_text("1 dari 2")
    expect(page.locator("#doc-site_photo img[src$='/kecil.jpg']")).to_be_visible()
    page.wait_for_load_state()  # the reloaded page is measured with its deferred script run
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    assert sent[0] == "dropped" and len(sent) >= 2
    assert sent[1] < 900_000  # resized on the phone: not the 2+ MB original
    attachment = Attachment.objects.get()
    assert attachment.client_resized and attachment.has_copies
    assert attachment.size < 900_000 and max(attachment.width, attachment.height) == 1600
    # Read from the original's EXIF on the phone before resizing dropped it.
    assert attachment.metadata_source == "client"
    assert (attachment.latitude, attachment.longitude) == GPS
    assert attachment.taken_at == TAKEN


def test_without_script_the_plain_form_uploads_and_the_server_resizes(
    browser, browser_context_args, live_server, draft, tmp_path
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/usulan/{draft.code}/isi/dokumen/")

    page.locator("#doc-site_photo input[type=file]").set_input_files(
        [phone_photo_file(tmp_path / "a.jpg"), phone_photo_file(tmp_path / "b.jpg", "rumah-b")]
    )
    page.get_by_role("button", name="Simpan dan lanjut").click()

    expect(page.get_by_role("heading", name="Langkah 5 dari 5: Periksa dan ajukan")).to_be_visible()
    photos = Attachment.objects.filter(kind="site_photo")
    assert photos.count() == 2
    for attachment in photos:
        assert not attachment.client_resized and attachment.size > 2_000_000
        assert attachment.has_copies and attachment.width == 1600
        assert attachment.metadata_source == "file"  # the EXIF is still in the original
        assert (attachment.latitude, attachment.longitude) == GPS
    page.goto(f"{base}/usulan/{draft.code}/isi/dokumen/")
    expect(page.locator("#doc-site_photo img[src$='/kecil.jpg']")).to_have_count(2)
    expect(page.get_by_role("link", name="Unduh asli")).to_have_count(2)
    context.close()


def test_the_edit_page_sends_its_photos_the_same_way(page, live_server, draft, tmp_path):
    base = live_server.url
    page.set_default_timeout(20_000)
    sign_in(page, base)
    page.goto(f"{base}/usulan/{draft.code}/ubah/")
    card = page.locator("#doc-site_photo")
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.headers.get("accept")))

    card.locator("input[type=file][multiple]").set_input_files(
        [phone_photo_file(tmp_path / "a.jpg"), phone_photo_file(tmp_path / "b.jpg", "rumah-b")]
    )
    card.get_by_role("button", name="Unggah").click()

    expect(page.locator("#doc-site_photo .badge")).to_have_text("2 dari 2")
    expect(page.locator("#doc-site_photo img[src$='/kecil.jpg']")).to_have_count(2)
    assert posts == ["application/json", "application/json"]  # one request per photo
    assert all(a.client_resized and a.metadata_source == "client" for a in Attachment.objects.all())
