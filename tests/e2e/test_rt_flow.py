"""Issue 11, done when: on a 360 px phone the Ketua RT walks a proposal from the Musrenbang
entry to "Diajukan" through the guided flow, closing the page midway and resuming where they
left off; the RAB comes from the year's catalogue and a template, the location from the phone."""

import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from bangkit.models import Role
from proposals.models import Proposal, State
from tests import factories
from tests.e2e.phone import rt_world
from tests.factories import PASSWORD, make_user

# Gg. Mawar, Simpang IV Sipin: what the phone's location reports.
HERE = {"latitude": -1.610123, "longitude": 103.613145, "accuracy": 8}


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, colour in [("lokasi-1.jpg", (180, 120, 60)), ("lokasi-2.jpg", (60, 120, 180))]:
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
        paths[name] = tmp_path / name
        paths[name].write_bytes(buffer.getvalue())
    for name in ("surat-usulan.pdf", "daftar-hadir.pdf"):
        paths[name] = tmp_path / name
        paths[name].write_bytes(factories.pdf_bytes())
    return paths


@pytest.fixture
def setup(transactional_db):
    world = rt_world([("MR-2026-0042", "Rabat beton Gang Mawar", "Gg. Mawar depan musala")])
    make_user(Role.RT, world.rt, username="rt.simpang-iv-sipin.07", first_name="Zulkifli")
    return world.entries[0]


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_proposal_from_the_musrenbang_entry_to_submitted_through_the_guided_flow(
    browser, browser_context_args, live_server, setup, files
):
    entry = setup
    base = live_server.url
    context = browser.new_context(
        **browser_context_args, geolocation=HERE, permissions=["geolocation"]
    )
    context.set_default_timeout(15_000)
    errors = []

    def open_page():
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    rt = open_page()
    rt.goto(f"{base}/accounts/login/")
    rt.fill("#id_username", "rt.simpang-iv-sipin.07")
    rt.fill("#id_password", PASSWORD)
    rt.click("button[type=submit]")
    expect(rt).to_have_url(f"{base}/")

    # --- From the home page to the Musrenbang entry, and step 1 --------------------------------
    rt.get_by_role("link", name="Buat usulan dari Musrenbang").click()
    rt.locator(f"#entry-{entry.pk}").get_by_role("link", name="Buat usulan").click()
    expect(rt.get_by_role("heading", name="Langkah 1 dari 5: Kegiatan")).to_be_visible()
    expect(rt.get_by_label("Judul kegiatan")).to_have_value("Rabat beton Gang Mawar")
    expect(rt.get_by_label("Volume rencana")).to_have_value("120")
    expect(rt.get_by_label("KK penerima manfaat")).to_have_value("80")
    fits_the_phone(rt)
    rt.get_by_label(re.compile("^Lebar")).fill("1,5")
    rt.get_by_label("Jiwa penerima manfaat").fill("320")
    rt.get_by_label("Swadaya tenaga (orang)").fill("25")
    rt.get_by_role("button", name="Simpan dan lanjut").click()

    # --- Step 2: the phone's location ----------------------------------------------------------
    expect(rt.get_by_role("heading", name="Langkah 2 dari 5: Lokasi")).to_be_visible()
    proposal = Proposal.objects.get(entry=entry)
    code = proposal.code
    assert proposal.state == State.DRAFT and proposal.planned_width == Decimal("1.5")
    expect(rt.get_by_label("Uraian lokasi")).to_have_value("Gg. Mawar depan musala")
    rt.get_by_role("button", name="Pakai lokasi saya").click()
    expect(rt.get_by_label(re.compile("^Lintang"))).to_have_value("-1.610123")
    expect(rt.get_by_label(re.compile("^Bujur"))).to_have_value("103.613145")
    expect(rt.locator("[data-geo-status]")).to_contain_text("ketelitian ± 8 m")
    fits_the_phone(rt)
    rt.get_by_role("button", name="Simpan dan lanjut").click()

    # --- Step 3: the RAB from the template, one more catalogue line, one free line -------------
    expect(rt.get_by_role("heading", name="Langkah 3 dari 5: RAB")).to_be_visible()
    rt.get_by_role("button", name="Isi RAB dari templat").click()
    expect(rt.locator(".messages")).to_contain_text("RAB diisi dari templat")
    rt.wait_for_load_state()  # rab.js and rab-catalogue.js are deferred: totals, catalogue fill
    lines = rt.locator("[data-rab-line]")
    expect(lines).to_have_count(5)  # rab.js keeps one of the spare blank rows
    expect(lines.nth(0).get_by_label("Jumlah", exact=True)).to_have_value("118")
    expect(lines.nth(0).locator("[data-rab-mark]")).to_have_text("Katalog · harga acuan Rp 75.000")
    # 118 × 75.000 + 9,72 × 260.000 + 13,68 × 325.000 + 30 × 48.000
    expect(rt.locator("[data-rab-total]")).to_have_text("Rp 17.263.200")
    expect(rt.locator(".rab-bar")).to_contain_text("dari pagu Rp 70.000.000")

    added = lines.nth(4)
    added.get_by_label("Material", exact=True).fill("Kawat bendrat")
    expect(added.get_by_label("Satuan", exact=True)).to_have_value("kg")
    expect(added.get_by_label("Harga satuan (Rp)")).to_have_value("28.000")
    added.get_by_label("Jumlah", exact=True).fill("5")
    # The total and the ceiling stay on screen while typing.
    expect(rt.locator(".rab-bar [data-rab-total]")).to_have_text("Rp 17.403.200")
    expect(rt.locator(".rab-bar")).to_be_in_viewport()
    rt.get_by_role("button", name="Tambah baris").click()
    free = lines.nth(5)
    free.get_by_label("Material", exact=True).fill("Terpal plastik 4x6 m")
    expect(free.locator("[data-rab-mark]")).to_have_text("Baris bebas (di luar katalog)")
    free.get_by_label("Jumlah", exact=True).fill("2")
    free.get_by_label("Satuan", exact=True).fill("lembar")
    free.get_by_label("Harga satuan (Rp)").fill("85000")
    expect(rt.locator(".rab-bar [data-rab-total]")).to_have_text("Rp 17.573.200")
    fits_the_phone(rt)
    rt.get_by_role("button", name="Simpan dan lanjut").click()
    expect(rt.get_by_role("heading", name="Langkah 4 dari 5: Dokumen")).to_be_visible()
    marks = list(proposal.rab_lines.values_list("material", "from_catalogue", "reference_price"))
    assert marks[4] == ("Kawat bendrat", True, 28_000)
    assert marks[5] == ("Terpal plastik 4x6 m", False, None)

    # --- The tab is closed here; opened again, the flow resumes at the documents ---------------
    rt.close()
    rt = open_page()
    rt.goto(f"{base}/")
    drafts = rt.locator("#usulan-disusun")
    expect(drafts).to_contain_text("lanjutkan di langkah Dokumen")
    drafts.get_by_role("link", name="Rabat beton Gang Mawar").click()
    expect(rt).to_have_url(f"{base}/usulan/{code}/isi/dokumen/")
    rt.wait_for_load_state()  # the uploader script is deferred: it takes the form at load

    # --- Step 4: two of the three documents, then the review says what is missing -------------
    rt.locator("#doc-proposal_letter input[type=file]").set_input_files(files["surat-usulan.pdf"])
    rt.locator("#doc-site_photo input[type=file]").set_input_files(
        [files["lokasi-1.jpg"], files["lokasi-2.jpg"]]
    )
    fits_the_phone(rt)
    rt.get_by_role("button", name="Simpan dan lanjut").click()
    expect(rt.get_by_role("heading", name="Langkah 5 dari 5: Periksa dan ajukan")).to_be_visible()
    missing = rt.locator("#kurang")
    expect(missing).to_contain_text("Daftar hadir musyawarah RT (minimal 1, ada 0)")
    expect(rt.get_by_role("button", name="Ajukan ke kelurahan")).to_be_disabled()
    missing.get_by_role("link", name="Lengkapi di langkah Dokumen").click()
    expect(rt.locator("#doc-site_photo .badge")).to_have_text("2 dari 2")
    rt.wait_for_load_state()  # the uploader script is deferred: it takes the form at load
    rt.locator("#doc-attendance input[type=file]").set_input_files(files["daftar-hadir.pdf"])
    rt.get_by_role("button", name="Simpan dan lanjut").click()

    # --- Step 5: nothing missing; submitting from the review ------------------------------------
    expect(rt.locator("#kurang")).to_contain_text("Semua syarat terpenuhi")
    expect(rt.locator(".review").nth(2)).to_contain_text("Rp 17.573.200")
    fits_the_phone(rt)
    rt.get_by_role("button", name="Ajukan ke kelurahan").click()
    expect(rt).to_have_url(f"{base}/usulan/{code}/")
    expect(rt.locator(".page-head [data-state]")).to_have_text("Diajukan ke kelurahan")
    expect(rt.locator(".messages")).to_contain_text(f"Usulan {code} diajukan ke kelurahan")

    proposal.refresh_from_db()
    assert proposal.state == State.SUBMITTED
    assert (proposal.latitude, proposal.longitude) == (Decimal("-1.610123"), Decimal("103.613145"))
    assert proposal.rab_total == 17_573_200
    assert sorted(proposal.attachments.values_list("kind", flat=True)) == [
        "attendance",
        "proposal_letter",
        "site_photo",
        "site_photo",
    ]
    assert errors == []
    context.close()
