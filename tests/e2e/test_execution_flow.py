"""Issue 6, done when: a Ketua RT records three work days, two contributions and the photos
from a phone-sized browser, submits the report, the lurah accepts it, the LPJ downloads, and
the site shows as completed with its flags visible to the kelurahan and the Inspektorat."""

import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from demo.seeders import reporting as demo
from proposals.models import State
from reporting.models import ProgressPhoto
from tests.factories import PASSWORD
from tests.reporting import conftest as reporting_fixtures
from tests.reporting.conftest import DECREE_DATE, SITE_POINT, TODAY, photo_bytes, when

# The reporting tests' site: an issued SK Camat 60 days ago, a site point, an issued order fully
# delivered (100 sak semen, 10 m³ pasir) and paid, the year's two "report" checklist items.
world = reporting_fixtures.world
make_site = reporting_fixtures.make_site

PHONE_WIDTH = 360
# (days ago, men, women, hours as typed, what was done): 96 + 64 + 60 = 220 person-hours,
# 27,5 HOK, Rp 3.300.000 at the year's Rp 120.000 a day.
WORK_DAYS = [
    (20, "8", "4", "8", "Menggali dan meratakan badan jalan 40 m"),
    (13, "6", "2", "8", "Memasang bekisting dan besi 40 m"),
    (6, "5", "3", "7,5", "Mengecor rabat beton 38,5 m"),
]
PERSON_DAYS = "27,5"
LABOUR_VALUE = "Rp 3.300.000"
# (label of the kind, description, quantity, unit, value as typed, contributor, days ago)
CONTRIBUTIONS = [
    ("Material", "Semen tambahan", "5", "sak", "Rp 375.000", "CSR Toko Bangunan Maju", 20),
    ("Konsumsi (makan dan minum)", "Nasi bungkus", "40", "bungkus", "400.000", "Ibu PKK", 13),
]
REALISED_VOLUME = "118,5"


@pytest.fixture
def new_page(browser, browser_context_args):
    """A page in a fresh browser context (its own cookies), one per person; uncaught script
    errors of every page are collected in `new_page.errors`."""
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
def photos(tmp_path):
    """The 0/50/100 % photos as a phone takes them (JPEG, EXIF time and GPS); the 50 % one was
    taken about 1,5 km north of the site."""
    far = demo.offset(*SITE_POINT, north_m=1500, east_m=0)
    paths = {}
    for stage, days_ago, gps in [(0, 21, SITE_POINT), (50, 13, far), (100, 5, SITE_POINT)]:
        path = tmp_path / f"IMG_{stage:03d}.jpg"
        path.write_bytes(photo_bytes("gang-melati", stage, taken_at=when(days_ago), gps=gps))
        paths[stage] = path
    return paths


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


def messages(page):
    return page.locator(".messages")


def state_badge(page):
    return page.locator(".site-head .badge")


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def test_rt_reports_the_work_lurah_accepts_lpj_downloads_inspektorat_sees_flags(
    new_page, live_server, world, make_site, photos, transactional_db
):
    site = make_site()
    decree = site.decree_locations.get().decree
    first_day = TODAY - timedelta(days=WORK_DAYS[0][0])
    assert first_day > DECREE_DATE  # records may not predate the SK Camat
    base = live_server.url
    site_url = f"{base}/laporan/lokasi/{site.pk}/"

    # --- The Ketua RT finds the site on the phone ---------------------------------------------
    rt = new_page()
    sign_in(rt, base, world.users["rt"].username)
    rt.goto(f"{base}/laporan/")
    card = rt.locator(".site-card").filter(has_text=site.code)
    expect(card).to_contain_text("Material diterima")
    card.get_by_role("link", name="Buka lokasi").click()
    expect(rt).to_have_url(site_url)
    expect(rt.get_by_text("Catat hari kerja pertama untuk memulai pekerjaan.")).to_be_visible()
    fits_the_phone(rt)

    # Three work days; the first one starts the work.
    for days_ago, men, women, hours, activity in WORK_DAYS:
        rt.get_by_role("link", name=re.compile(r"^\+ Hari kerja")).click()
        expect(rt.get_by_role("heading", name="Catat hari kerja")).to_be_visible()
        fits_the_phone(rt)
        day = TODAY - timedelta(days=days_ago)
        rt.get_by_label("Tanggal").fill(day.isoformat())
        rt.get_by_label("Laki-laki").fill(men)
        rt.get_by_label("Perempuan").fill(women)
        rt.get_by_label("Lama kerja (jam)").fill(hours)
        rt.get_by_label("Pekerjaan hari ini").fill(activity)
        rt.get_by_role("button", name="Simpan hari kerja").click()
        expect(rt).to_have_url(site_url)
        expect(messages(rt)).to_contain_text(f"Hari kerja {day:%d-%m-%Y} dicatat")
    expect(state_badge(rt)).to_have_text("Sedang dikerjakan")
    totals = rt.locator(".totals").first.locator("b")
    expect(totals).to_have_text(["3", PERSON_DAYS, LABOUR_VALUE, "Rp 0"])

    # Two contributions, money typed the Indonesian way.
    for kind, description, quantity, unit, value, contributor, days_ago in CONTRIBUTIONS:
        rt.get_by_role("link", name=re.compile(r"^\+ Swadaya")).click()
        expect(rt.get_by_role("heading", name="Catat swadaya")).to_be_visible()
        fits_the_phone(rt)
        rt.get_by_label(kind, exact=True).check()
        rt.get_by_label("Uraian").fill(description)
        rt.get_by_label("Jumlah (boleh kosong)").fill(quantity)
        rt.get_by_label("Satuan").fill(unit)
        rt.get_by_label("Nilai (Rp)").fill(value)
        rt.get_by_label("Pemberi").fill(contributor)
        rt.get_by_label("Tanggal").fill((TODAY - timedelta(days=days_ago)).isoformat())
        rt.get_by_role("button", name="Simpan swadaya").click()
        expect(rt).to_have_url(site_url)
        expect(messages(rt)).to_contain_text(f"Swadaya dicatat: {description}.")
    expect(totals).to_have_text(["3", PERSON_DAYS, LABOUR_VALUE, "Rp 775.000"])
    fits_the_phone(rt)

    # The photos, one stage at a time, each sent by the page's script in its own request.
    rt.get_by_role("link", name=re.compile(r"^\+ Foto")).click()
    expect(rt.get_by_role("heading", name="Tambah foto progres")).to_be_visible()
    # The page's deferred script takes over the form only once the page has loaded; a click
    # before that is the plain form's POST and redirect (which works too, but is not this test).
    rt.wait_for_load_state()
    expect(rt.get_by_role("radio", name="0%", exact=True)).to_be_checked()  # the next missing stage
    fits_the_phone(rt)
    queue = rt.locator("[data-queue] > li")
    for n, stage in enumerate([0, 50, 100]):
        rt.get_by_role("radio", name=f"{stage}%", exact=True).check()
        rt.get_by_label(re.compile("^Pilih atau ambil foto")).set_input_files(photos[stage])
        with rt.expect_response(
            lambda r: r.request.method == "POST" and "/foto/" in r.url
        ) as answer:
            rt.get_by_role("button", name="Kirim foto").click()
        assert answer.value.status == 201, answer.value.text()
        expect(queue).to_have_count(n + 1)
        expect(queue.nth(n)).to_have_class("done")
        expect(queue.nth(n).locator(".status")).to_have_text(f"Foto {stage}% tersimpan.")
        expect(queue.nth(n).locator(".name")).to_contain_text(f"IMG_{stage:03d}.jpg · {stage}%")
    expect(rt.locator("[data-queue-summary]")).to_contain_text("3 foto tersimpan.")
    fits_the_phone(rt)
    stored = list(ProgressPhoto.objects.filter(proposal=site).order_by("stage"))
    # Small photos go up as taken: the server read the time and GPS from their own EXIF.
    assert [(p.stage, p.metadata_source, p.client_resized) for p in stored] == [
        (0, "file", False),
        (50, "file", False),
        (100, "file", False),
    ]
    warnings = {p.stage: [(f["code"], f["message"]) for f in p.warnings] for p in stored}
    assert [code for code, _ in warnings[50]] == ["far_from_site"], warnings
    assert warnings[0] == [] and warnings[100] == [], warnings
    far_message = warnings[50][0][1]
    assert "1,5 km" in far_message

    rt.get_by_role("link", name="Muat ulang untuk melihat semua foto").click()
    expect(rt.locator(".photo-grid .photo-card")).to_have_count(3)
    # The uploader is not shown the warnings; the offices are.
    expect(rt.locator("[data-flag]")).to_have_count(0)
    fits_the_phone(rt)
    rt.get_by_role("link", name="Selesai").click()
    expect(rt).to_have_url(site_url)
    expect(rt.locator("ul.stages li.ok")).to_have_count(3)
    expect(rt.locator("[data-flag]")).to_have_count(0)

    # The completion report: realised volume and the use of each delivered material.
    rt.get_by_role("link", name=re.compile(r"^Laporan")).click()
    expect(rt.get_by_role("heading", name="Laporan penyelesaian")).to_be_visible()
    # "Terpakai semua" shows before reporting.js (deferred) has wired it: wait for the load.
    rt.wait_for_load_state()
    fits_the_phone(rt)
    submit = rt.get_by_role("button", name="Ajukan laporan")
    expect(submit).to_be_disabled()
    rt.get_by_label("Volume terealisasi").fill(REALISED_VOLUME)
    rt.get_by_label("Kendala dan cara mengatasinya").fill("Hujan dua hari; pengecoran diundur.")
    cement = rt.locator(".usage-line").filter(has_text="Semen Portland 50 kg")
    cement.get_by_role("button", name="Terpakai semua").click()
    expect(cement.get_by_label("Terpakai (sak)")).to_have_value("100")
    expect(cement.get_by_label("Sisa (sak)")).to_have_value("0")
    sand = rt.locator(".usage-line").filter(has_text="Pasir cor")
    sand.get_by_label("Terpakai (m³)").fill("9,5")
    sand.get_by_label("Sisa (m³)").fill("0,5")
    sand.get_by_label("Keterangan").fill("Sisa pasir disimpan di pos ronda")
    rt.get_by_role("button", name="Simpan laporan").click()
    expect(messages(rt)).to_contain_text("Laporan disimpan.")
    expect(rt.locator("#ajukan")).to_contain_text("sudah diisi")
    fits_the_phone(rt)
    submit.click()
    expect(rt).to_have_url(site_url)
    expect(messages(rt)).to_contain_text("Laporan penyelesaian diajukan ke kelurahan.")
    expect(state_badge(rt)).to_have_text("Laporan diajukan")
    expect(rt.get_by_role("link", name=re.compile(r"^\+ Hari kerja"))).to_have_count(0)
    fits_the_phone(rt)
    site.refresh_from_db()
    assert site.state == State.REPORTED

    # --- The lurah reads the report, sees the flag, ticks the checklist, accepts --------------
    lurah = new_page()
    sign_in(lurah, base, world.users["lurah"].username)
    lurah.goto(site_url)
    lurah.get_by_role("link", name="Periksa laporan").click()
    expect(lurah.locator("#keputusan")).to_be_visible()
    flag = lurah.locator('[data-flag="far_from_site"]')
    expect(flag).to_have_count(1)
    expect(flag).to_have_text(f"⚠ {far_message}")
    expect(lurah.locator(".photo-card.flagged")).to_contain_text("50%")
    basis = lurah.locator("section.card").filter(has_text="Dasar dan hasil")
    expect(basis).to_contain_text(decree.number)
    expect(basis).to_contain_text(f"{REALISED_VOLUME} / 120 m")
    decision = lurah.locator("#keputusan")
    for item in ("Volume sesuai foto 100%", "Material sesuai BAST"):
        decision.get_by_label(item).check()
    decision.get_by_role("button", name="Terima laporan").click()
    # Accepting asks first.
    expect(lurah.locator("#konfirmasi")).to_contain_text("Kegiatan dinyatakan selesai")
    lurah.locator("#konfirmasi").get_by_role("button", name="Ya, terima laporan").click()
    expect(messages(lurah)).to_contain_text("Laporan diterima; kegiatan selesai.")
    expect(lurah.locator("#keputusan")).to_have_count(0)
    site.refresh_from_db()
    assert site.state == State.COMPLETED
    report = site.completion_report
    assert report.accepted_by == world.users["lurah"]
    assert report.submitted_by == world.users["rt"]

    # The LPJ, downloaded with the lurah's session from the page's own link.
    lpj_href = lurah.get_by_role("link", name="LPJ (PDF)").get_attribute("href")
    lpj = lurah.context.request.get(f"{base}{lpj_href}")
    assert lpj.status == 200
    assert lpj.headers["content-type"] == "application/pdf"
    text = pdf_text(lpj.body())
    assert f"Nomor {decree.number} tanggal" in text
    assert f"Volume terealisasi {REALISED_VOLUME} m dari rencana 120 m" in text
    # The work days: three of them, and the table's total row (men, women, HOK, value).
    assert f"3 Hari kerja {PERSON_DAYS} HOK" in text
    assert f"Jumlah 19 9 {PERSON_DAYS} {LABOUR_VALUE}" in text
    assert "DRAF" not in text

    # The kelurahan's own site page shows it completed, with the flag.
    lurah.goto(site_url)
    expect(state_badge(lurah)).to_have_text("Selesai")
    expect(lurah.locator('[data-flag="far_from_site"]')).to_have_text(f"⚠ {far_message}")

    # --- The Inspektorat finds the completed site and its flag --------------------------------
    inspektorat = new_page()
    sign_in(inspektorat, base, world.users["inspektorat"].username)
    inspektorat.goto(f"{base}/laporan/")
    row = inspektorat.locator("tr").filter(has_text=site.code)
    expect(row.locator(".badge")).to_have_text("Selesai")
    row.get_by_role("link", name=site.title).click()
    expect(inspektorat).to_have_url(site_url)
    expect(state_badge(inspektorat)).to_have_text("Selesai")
    expect(inspektorat.get_by_text("Kegiatan selesai: laporan diterima kelurahan")).to_be_visible()
    expect(inspektorat.locator('[data-flag="far_from_site"]')).to_have_text(f"⚠ {far_message}")
    # Read-only: no recording buttons, no decision.
    expect(inspektorat.get_by_role("link", name=re.compile(r"^\+ "))).to_have_count(0)
    inspektorat.get_by_role("link", name="Baca laporan").click()
    expect(inspektorat.locator('[data-flag="far_from_site"]')).to_have_text(f"⚠ {far_message}")
    expect(inspektorat.locator("#keputusan")).to_have_count(0)

    assert new_page.errors == []
