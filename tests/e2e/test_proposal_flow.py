"""Issue 3, done when: a Ketua RT, a lurah and a camat carry a proposal from a Musrenbang entry
to kecamatan_verified in the browser, with a return for revision on the way, and a citizen can
follow it at /lacak/."""

import io
import re
from decimal import Decimal

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import expect

from bangkit.models import Kelurahan, Role
from proposals.models import MusrenbangEntry, Proposal, State, TransitionLog
from tests import factories
from tests.factories import PASSWORD, make_user

PDF = factories.pdf_bytes()
RT_HEAD = "Zulkifli Hasan"
RETURN_REASON = "Foto lokasi kurang jelas dan volume belum sesuai hasil survei kelurahan."


@pytest.fixture
def new_page(browser, browser_context_args):
    """A page in a fresh browser context (its own cookies): one per person at the table.

    Uncaught script errors of every page are collected in `new_page.errors`.
    """
    contexts = []

    def _new_page():
        context = browser.new_context(**browser_context_args)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: _new_page.errors.append(f"{page.url}: {error}"))
        return page

    _new_page.errors = []
    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def files(tmp_path):
    """A real PNG (two, with different content) and a minimal PDF on disk."""
    paths = {}
    for name, colour in [("lokasi-1.png", (180, 120, 60)), ("lokasi-2.png", (60, 120, 180))]:
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
        paths[name] = tmp_path / name
        paths[name].write_bytes(buffer.getvalue())
    for name in ("surat-usulan.pdf", "daftar-hadir.pdf"):
        paths[name] = tmp_path / name
        paths[name].write_bytes(PDF)
    return paths


@pytest.fixture
def setup(regions):
    kel = Kelurahan.objects.select_related("kecamatan").get(name="Simpang IV Sipin")
    work_type = factories.WorkTypeFactory()
    factories.FiscalYearFactory(year=2026)
    rt = factories.RTFactory(kelurahan=kel, number=7, head_name=RT_HEAD, households=80)
    entry = MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-2026-0042",
        kelurahan=kel,
        rt=rt,
        title="Rabat beton Gang Mawar",
        problem="Jalan tanah becek dan licin setiap hujan.",
        work_type=work_type,
        location_text="Gg. Mawar depan musala",
        volume=Decimal("120"),
        unit="m",
        estimated_cost=60_000_000,
        priority=1,
    )
    users = {
        "rt": make_user(
            Role.RT, rt, username="rt.simpang-iv-sipin.07", first_name="Zulkifli", last_name="Hasan"
        ),
        "lurah": make_user(
            Role.KELURAHAN,
            kel,
            username="lurah.simpang-iv-sipin",
            first_name="Siti",
            last_name="Aminah",
        ),
        "camat": make_user(
            Role.KECAMATAN,
            kel.kecamatan,
            username="camat.telanaipura",
            first_name="Rahmat",
            last_name="Hidayat",
        ),
    }
    return entry, users


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def state_badge(page):
    return page.locator(".page-head [data-state]")


def forward(page, stage, button):
    """Tick every item of the stage's checklist, then take the decision."""
    decision = page.locator("#keputusan")
    for n in (1, 2):
        decision.get_by_label(f"Butir {stage} {n}").check()
    decision.get_by_role("button", name=button).click()


def test_proposal_from_musrenbang_to_kecamatan_verified_and_tracked(
    new_page, live_server, setup, files, transactional_db
):
    entry, users = setup
    base = live_server.url

    # --- The Ketua RT starts the proposal from the Musrenbang entry --------------------------
    rt = new_page()
    sign_in(rt, base, "rt.simpang-iv-sipin.07")
    rt.goto(f"{base}/usulan/musrenbang/")
    card = rt.locator(f"#entry-{entry.pk}")
    expect(card.get_by_role("heading", name="Rabat beton Gang Mawar")).to_be_visible()
    # "Buat usulan" opens the guided flow; its first step creates the draft, and the full form
    # stays one link away.
    card.get_by_role("link", name="Buat usulan").click()
    rt.get_by_label(re.compile("^Lebar")).fill("1,5")
    rt.get_by_role("button", name="Simpan dan lanjut").click()
    expect(rt.locator(".messages")).to_contain_text("tersimpan sebagai draf")
    proposal = Proposal.objects.get(entry=entry)
    code = proposal.code
    rt.get_by_role("link", name="Buka formulir lengkap").click()
    expect(rt).to_have_url(re.compile(r"/usulan/BB-2026-[0-9A-Z]{4}-[0-9A-Z]{2}.+/ubah/$"))
    assert rt.url == f"{base}/usulan/{code}/ubah/"
    rt.wait_for_load_state()  # the edit page's scripts are deferred: RAB rows, money, uploads
    # A phone screen: nothing on the edit page is wider than 360 px.
    assert rt.evaluate("document.documentElement.scrollWidth") <= 360

    # The form, prefilled from the entry; the RAB has one line, the second is added by script.
    expect(rt.get_by_label("Judul kegiatan")).to_have_value("Rabat beton Gang Mawar")
    expect(rt.get_by_label(re.compile("^Lebar"))).to_have_value("1,5")
    rt.get_by_label("Uraian lokasi").fill("Gg. Mawar, dari musala Al-Ikhlas sampai ujung gang")
    rt.get_by_label(re.compile("^Lintang")).fill("-1.6101")
    rt.get_by_label(re.compile("^Bujur")).fill("103.6131")
    rt.get_by_label("Volume rencana").fill("120")
    rt.get_by_label("KK penerima manfaat").fill("80")
    rt.get_by_label("Jiwa penerima manfaat").fill("320")
    rt.get_by_label("Swadaya tenaga (orang)").fill("25")
    rt.get_by_label("Swadaya uang (Rp)").fill("500000")
    rt.get_by_label(re.compile("^Swadaya material")).fill("Pasir 2 m³ dan konsumsi gotong-royong")
    rt.get_by_label("Nilai swadaya material (Rp)").fill("1.500.000")

    lines = rt.locator("[data-rab-line]")
    expect(lines).to_have_count(1)  # the spare blank rows are removed by rab.js
    first = lines.nth(0)
    first.get_by_label("Material", exact=True).fill("Semen Portland 50 kg")
    first.get_by_label("Jumlah", exact=True).fill("50")
    first.get_by_label("Satuan", exact=True).fill("sak")
    first.get_by_label("Harga satuan (Rp)").fill("65.000")
    rt.get_by_role("button", name="Tambah baris").click()
    expect(lines).to_have_count(2)
    second = lines.nth(1)
    expect(second.get_by_label("Material", exact=True)).to_be_focused()
    second.get_by_label("Material", exact=True).fill("Pasir cor")
    second.get_by_label("Jumlah", exact=True).fill("12,5")
    second.get_by_label("Satuan", exact=True).fill("m³")
    second.get_by_label("Harga satuan (Rp)").fill("250000")
    # 50 × 65.000 + 12,5 × 250.000, summed live by the script.
    expect(second.locator("[data-line-total]")).to_have_text("Rp 3.125.000")
    expect(rt.locator("#rab [data-rab-total]")).to_have_text("Rp 6.375.000")
    assert rt.evaluate("document.documentElement.scrollWidth") <= 360
    rt.get_by_role("button", name="Simpan").click()
    expect(rt.locator(".messages")).to_contain_text("Perubahan usulan disimpan.")
    proposal.refresh_from_db()
    assert proposal.rab_total == 6_375_000
    assert proposal.contribution_cash == 500_000
    assert proposal.planned_width == Decimal("1.5")
    assert list(proposal.rab_lines.values_list("material", "quantity", "unit_price")) == [
        ("Semen Portland 50 kg", Decimal("50"), 65_000),
        ("Pasir cor", Decimal("12.5"), 250_000),
    ]
    expect(rt.locator("#rab [data-rab-total]")).to_have_text("Rp 6.375.000")

    # Documents: a letter (PDF), two site photos (PNG), the attendance list (PDF).
    submit_button = rt.locator("#ajukan").get_by_role("button", name="Ajukan ke kelurahan")
    expect(submit_button).to_be_disabled()
    uploads = [
        ("proposal_letter", "Tambah berkas", ["surat-usulan.pdf"], "1 dari 1"),
        ("site_photo", "atau pilih foto dari galeri", ["lokasi-1.png", "lokasi-2.png"], "2 dari 2"),
        ("attendance", "Tambah berkas", ["daftar-hadir.pdf"], "1 dari 1"),
    ]
    for kind, label, names, badge in uploads:
        # The save, then each upload, reloads the page: its uploader script is deferred.
        rt.wait_for_load_state()
        doc = rt.locator(f"#doc-{kind}")
        doc.get_by_label(label).set_input_files([files[name] for name in names])
        doc.get_by_role("button", name="Unggah").click()
        # The script sends the files one by one, then shows the card again with them in it.
        expect(doc.locator("h3 .badge")).to_have_text(badge)
        for name in names:
            expect(doc.get_by_role("button", name=f"Hapus {name}")).to_be_visible()
    assert sorted(proposal.attachments.values_list("kind", "content_type")) == [
        ("attendance", "application/pdf"),
        ("proposal_letter", "application/pdf"),
        ("site_photo", "image/png"),
        ("site_photo", "image/png"),
    ]
    expect(rt.locator("#ajukan")).to_contain_text("Semua syarat terpenuhi")
    submit_button.click()
    # Submitting asks first what will happen.
    expect(rt.locator("#konfirmasi")).to_contain_text("tidak dapat diubah lagi")
    rt.locator("#konfirmasi").get_by_role("button", name="Ya, ajukan ke kelurahan").click()
    # Submitting shows the receipt with the tracking code; the proposal page follows from it.
    expect(rt).to_have_url(re.compile(r"/usulan/tanda-terima/\d+/$"))
    expect(rt.get_by_text(code.replace("-", " ")).or_(rt.get_by_text(code)).first).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.state == "submitted"

    # --- The lurah checks it and forwards it to the camat ------------------------------------
    lurah = new_page()
    sign_in(lurah, base, "lurah.simpang-iv-sipin")
    lurah.goto(f"{base}/usulan/{code}/")
    expect(lurah.locator("#keputusan h2")).to_have_text("Keputusan kelurahan")
    forward(lurah, "kelurahan", "Teruskan ke camat")
    expect(state_badge(lurah)).to_have_text("Diverifikasi kelurahan")
    expect(lurah.locator("#keputusan")).to_have_count(0)

    # --- The camat returns it for revision, with a reason ------------------------------------
    camat = new_page()
    sign_in(camat, base, "camat.telanaipura")
    camat.goto(f"{base}/usulan/{code}/")
    expect(camat.locator("#keputusan h2")).to_have_text("Keputusan kecamatan")
    camat.get_by_label(re.compile("^Catatan")).fill(RETURN_REASON)
    camat.get_by_role("button", name="Kembalikan untuk perbaikan").click()
    expect(state_badge(camat)).to_have_text("Draf RT")

    # --- The Ketua RT reads the reason, fixes the volume, resubmits --------------------------
    rt.goto(f"{base}/usulan/{code}/")
    callout = rt.get_by_role("alert").filter(has_text="Dikembalikan untuk perbaikan")
    expect(callout).to_contain_text(RETURN_REASON)
    expect(callout).to_contain_text("Rahmat Hidayat")
    rt.get_by_role("link", name="Ubah usulan").click()
    expect(rt).to_have_url(f"{base}/usulan/{code}/ubah/")
    expect(rt.get_by_role("alert").filter(has_text=RETURN_REASON)).to_be_visible()
    rt.get_by_label("Volume rencana").fill("110")
    rt.get_by_role("button", name="Simpan").click()
    expect(rt.locator(".messages")).to_contain_text("Perubahan usulan disimpan.")
    rt.locator("#ajukan").get_by_role("button", name="Ajukan ke kelurahan").click()
    rt.locator("#konfirmasi").get_by_role("button", name="Ya, ajukan ke kelurahan").click()
    expect(rt).to_have_url(re.compile(r"/usulan/tanda-terima/\d+/$"))
    proposal.refresh_from_db()
    assert proposal.state == "submitted"
    assert proposal.planned_volume == Decimal("110")
    assert proposal.rab_lines.count() == 2  # the RAB survived the second save unchanged

    # --- The lurah forwards it again; the camat verifies --------------------------------------
    lurah.reload()
    forward(lurah, "kelurahan", "Teruskan ke camat")
    expect(state_badge(lurah)).to_have_text("Diverifikasi kelurahan")

    camat.reload()
    forward(camat, "kecamatan", "Verifikasi")
    expect(state_badge(camat)).to_have_text("Diverifikasi kecamatan")
    expect(camat.locator(".messages")).to_contain_text(f"Usulan {code}: Diverifikasi kecamatan.")
    assert camat.evaluate("document.documentElement.scrollWidth") <= 360

    proposal.refresh_from_db()
    assert proposal.state == State.KECAMATAN_VERIFIED
    logs = list(TransitionLog.objects.filter(proposal=proposal).order_by("created_at", "id"))
    assert [(log.transition, log.from_state, log.to_state, log.actor.username) for log in logs] == [
        ("create", "musrenbang", "draft", "rt.simpang-iv-sipin.07"),
        ("submit", "draft", "submitted", "rt.simpang-iv-sipin.07"),
        ("verify_kelurahan", "submitted", "kelurahan_verified", "lurah.simpang-iv-sipin"),
        ("return_for_revision", "kelurahan_verified", "draft", "camat.telanaipura"),
        ("submit", "draft", "submitted", "rt.simpang-iv-sipin.07"),
        ("verify_kelurahan", "submitted", "kelurahan_verified", "lurah.simpang-iv-sipin"),
        ("verify_kecamatan", "kelurahan_verified", "kecamatan_verified", "camat.telanaipura"),
    ]
    assert logs[3].note == RETURN_REASON
    assert logs[2].checklist == {"Butir kelurahan 1": True, "Butir kelurahan 2": True}
    assert logs[6].checklist == {"Butir kecamatan 1": True, "Butir kecamatan 2": True}

    # --- A citizen follows it at /lacak/, typing the code in lower case ----------------------
    citizen = new_page()
    citizen.goto(f"{base}/lacak/")
    citizen.get_by_label("Kode lacak").fill(code.lower())
    citizen.get_by_role("button", name="Lacak").click()
    expect(citizen.get_by_role("heading", name="Rabat beton Gang Mawar")).to_be_visible()
    summary = citizen.locator("section[aria-labelledby=judul-usulan]")
    expect(summary).to_contain_text(code)
    expect(summary.locator(".badge")).to_have_text("Diverifikasi kecamatan")
    expect(summary).to_contain_text("RT 07, Kelurahan Simpang IV Sipin, Kecamatan Telanaipura")
    steps = citizen.locator("section[aria-labelledby=riwayat] ol.timeline > li")
    expect(steps).to_have_count(len(logs))
    with translation.override("id"):
        dated = [
            f"{date_filter(timezone.localtime(log.created_at), 'j F Y, H:i')} WIB" for log in logs
        ]
    expect(steps.locator("time")).to_have_text(dated)
    expect(steps.locator(".badge")).to_have_text(
        [
            "Draf RT",
            "Diajukan ke kelurahan",
            "Diverifikasi kelurahan",
            "Draf RT",
            "Diajukan ke kelurahan",
            "Diverifikasi kelurahan",
            "Diverifikasi kecamatan",
        ]
    )
    expect(steps.nth(3)).to_contain_text(f"Alasan: {RETURN_REASON}")
    # Only the return carries a public reason: the creation note stays inside.
    expect(citizen.get_by_text("Alasan:")).to_have_count(1)
    body = citizen.inner_text("body")
    usernames = [user.username for user in users.values()]
    for private in [RT_HEAD, "Zulkifli", "Siti Aminah", "Rahmat Hidayat", *usernames]:
        assert private not in body
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    assert new_page.errors == []
