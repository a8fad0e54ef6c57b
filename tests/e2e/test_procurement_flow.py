"""Issue 5, done when: from a designated proposal, a lurah orders from a local shop, records two
partial deliveries, signs the BAST with the Ketua RT, records the payment, and the money figures
agree on the proposal, the envelope and the export."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from procurement.models import Handover, Payment, PurchaseOrder
from proposals.models import State
from tests.factories import PASSWORD
from tests.procurement import conftest as procurement_fixtures

# The procurement tests' world: two kecamatan, three shops, the catalogue, the envelopes, and a
# proposal designated by the ORM with its RAB (100 sak semen at Rp 75.000, 10 m³ pasir at
# Rp 250.000: Rp 10.000.000).
world = procurement_fixtures.world
make_designated = procurement_fixtures.make_designated

PHONE_WIDTH = 360
TOTAL = 10_000_000
TOTAL_TEXT = "Rp 10.000.000"
# (semen, pasir) accepted in each delivery: two partial deliveries that complete the order.
DELIVERIES = [("60", "4"), ("40", "6")]


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
def delivery_photo(tmp_path):
    path = tmp_path / "IMG_kirim.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 120, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


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


def figure(page, label):
    """The amount under `label` in a page's .proc-sum block."""
    return page.locator(".proc-sum > div").filter(has_text=label).locator("b")


def test_lurah_orders_receives_twice_bast_with_rt_pays_and_figures_agree(
    new_page, live_server, world, make_designated, delivery_photo, transactional_db
):
    proposal = make_designated()
    assert proposal.designated_budget == TOTAL
    base = live_server.url
    proposal_url = f"{base}/pengadaan/usulan/{proposal.pk}/"
    today = date.today().isoformat()

    # --- The lurah drafts the order from the RAB, choosing the shop of the same kelurahan ------
    lurah = new_page()
    sign_in(lurah, base, world.users["lurah"].username)
    lurah.goto(proposal_url)
    expect(lurah.get_by_role("heading", name=proposal.title)).to_be_visible()
    expect(figure(lurah, "Anggaran ditetapkan")).to_have_text(TOTAL_TEXT)
    expect(figure(lurah, "Dibayar ke toko")).to_have_text("Rp 0")
    fits_the_phone(lurah)
    shop = lurah.get_by_label("Toko bangunan")
    shop.select_option(value=str(world.shop_here.pk))
    expect(shop.locator("option:checked")).to_have_text(re.compile(r"^★ TB Sinar Jaya"))
    lurah.get_by_role("button", name="Buat draf pesanan").click()
    order = PurchaseOrder.objects.get(proposal=proposal)
    expect(lurah).to_have_url(f"{base}/pengadaan/pesanan/{order.pk}/ubah/")
    expect(messages(lurah)).to_contain_text("Draf pesanan dibuat dari RAB.")
    expect(lurah.locator(".line-card")).to_have_count(order.lines.count() + 1)  # + an empty one
    fits_the_phone(lurah)
    lurah.get_by_label("Alamat pengiriman").fill("Gang Melati RT 03")
    lurah.get_by_role("button", name="Simpan draf").click()
    order_url = f"{base}/pengadaan/pesanan/{order.pk}/"
    expect(lurah).to_have_url(order_url)
    expect(messages(lurah)).to_contain_text("Draf pesanan disimpan.")
    expect(figure(lurah, "Nilai pesanan")).to_have_text(TOTAL_TEXT)
    fits_the_phone(lurah)

    # Issued: numbered, and the proposal moves to procurement.
    lurah.get_by_role("button", name="Terbitkan").click()
    # Issuing asks first, with the order's lines and total.
    expect(lurah.locator("#konfirmasi")).to_contain_text("Toko")
    lurah.locator("#konfirmasi").get_by_role("button", name="Ya, terbitkan surat pesanan").click()
    order.refresh_from_db()
    assert order.number
    expect(messages(lurah)).to_contain_text(f"Surat pesanan {order.number} diterbitkan.")
    expect(lurah.locator(".proc-head .badge")).to_have_text("Diterbitkan")
    order.refresh_from_db()
    assert order.state == PurchaseOrder.State.ISSUED and order.total == TOTAL
    proposal.refresh_from_db()
    assert proposal.state == State.PROCUREMENT
    fits_the_phone(lurah)

    # --- Two partial deliveries, each with a photo taken on site ----------------------------
    semen, pasir = order.lines.order_by("position")
    for n, (semen_qty, pasir_qty) in enumerate(DELIVERIES):
        lurah.get_by_role("link", name="Catat penerimaan").click()
        expect(lurah.get_by_role("heading", name="Catat penerimaan material")).to_be_visible()
        fits_the_phone(lurah)
        expect(lurah.get_by_label("Tanggal diterima")).to_have_value(today)
        lurah.get_by_label("Diterima oleh (nama)").fill("Ahmad Hidayat")
        lurah.get_by_label("Foto material di lokasi").set_input_files(delivery_photo)
        for line, qty in ((semen, semen_qty), (pasir, pasir_qty)):
            card = lurah.locator(".line-card").filter(has_text=line.description)
            card.get_by_label("Diterima baik").fill(qty)
        lurah.get_by_role("button", name="Simpan penerimaan").click()
        expect(lurah).to_have_url(order_url)
        expect(messages(lurah)).to_contain_text("Penerimaan material dicatat.")
        expect(lurah.locator(".deliv-photo")).to_have_count(n + 1)
        fits_the_phone(lurah)
        if n == 0:
            # Partial: the shortfall shows, and more can be recorded.
            expect(lurah.locator("td.short")).to_have_count(2)
            expect(figure(lurah, "Diterima (nilai)")).to_have_text("Rp 5.500.000")
    expect(lurah.get_by_role("link", name="Catat penerimaan")).to_have_count(0)
    expect(figure(lurah, "Diterima (nilai)")).to_have_text(TOTAL_TEXT)
    # The photos display (the browser decoded the stored JPEGs).
    for img in lurah.locator(".deliv-photo").all():
        img.scroll_into_view_if_needed()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") == 640

    # --- The BAST: the lurah records it, the Ketua RT confirms it ----------------------------
    lurah.goto(proposal_url)
    lurah.get_by_role("link", name="Buat BAST").click()
    bast_url = f"{base}/pengadaan/usulan/{proposal.pk}/bast/"
    expect(lurah).to_have_url(bast_url)
    fits_the_phone(lurah)
    expect(lurah.get_by_label("Pihak kedua (Ketua RT): nama")).to_have_value("Ahmad Hidayat")
    lurah.get_by_label("Tanggal serah terima").fill(today)
    lurah.get_by_role("button", name="Simpan BAST").click()
    expect(messages(lurah)).to_contain_text("BAST dicatat.")
    expect(lurah.locator("ol.steps li.done")).to_have_count(1)
    fits_the_phone(lurah)
    handover = Handover.objects.get(proposal=proposal)
    assert not handover.is_complete

    rt = new_page()
    sign_in(rt, base, world.users["rt"].username)
    rt.goto(bast_url)
    rt.get_by_role("button", name="Konfirmasi BAST").click()
    # The confirmation page lists the materials again, above the button that confirms them.
    expect(rt.locator("[data-handover-items]")).to_be_visible()
    rt.locator("#konfirmasi").get_by_role("button", name="Ya, saya menerima material ini").click()
    expect(messages(rt)).to_contain_text("BAST dikonfirmasi. Material resmi diterima RT.")
    expect(rt.locator("ol.steps li.done")).to_have_count(3)
    expect(rt.get_by_role("link", name="Unduh BAST (PDF)")).to_be_visible()
    handover.refresh_from_db()
    assert handover.is_complete
    proposal.refresh_from_db()
    assert proposal.state == State.MATERIALS_RECEIVED

    # --- The lurah pays the shop the order's total -----------------------------------------
    lurah.goto(order_url)
    lurah.get_by_role("link", name="Catat pembayaran").click()
    expect(lurah.get_by_role("heading", name="Catat pembayaran ke TB Sinar Jaya")).to_be_visible()
    fits_the_phone(lurah)
    lurah.get_by_label("Nomor faktur / kuitansi").fill("INV-2026-017")
    lurah.get_by_label("Jumlah dibayar").fill(TOTAL_TEXT)
    lurah.get_by_label("Tanggal bayar").fill(today)
    lurah.get_by_label("Referensi pembayaran (SP2D / transfer)").fill("SP2D 00123/2026")
    lurah.get_by_role("button", name="Simpan pembayaran").click()
    expect(lurah).to_have_url(order_url)
    expect(messages(lurah)).to_contain_text("Pembayaran dicatat.")
    expect(figure(lurah, "Dibayar")).to_have_text(TOTAL_TEXT)
    expect(lurah.get_by_role("link", name="Catat pembayaran")).to_have_count(0)
    fits_the_phone(lurah)

    # --- The money agrees: the database, the proposal, the envelope, the exports ------------
    payment = Payment.objects.get(order=order)
    assert payment.amount == order.total == TOTAL
    assert sum(p.amount for p in Payment.objects.filter(order__proposal=proposal)) == TOTAL

    lurah.goto(proposal_url)
    expect(lurah.locator("p.muted .badge")).to_have_text("Material diterima")
    expect(figure(lurah, "Sudah dipesan")).to_have_text(TOTAL_TEXT)
    expect(figure(lurah, "Material diterima (nilai)")).to_have_text(TOTAL_TEXT)
    expect(figure(lurah, "Dibayar ke toko")).to_have_text(TOTAL_TEXT)
    expect(figure(lurah, "Sisa untuk dipesan")).to_have_text("Rp 0")
    card = lurah.locator(".card").filter(has_text=order.number)
    expect(card).to_contain_text(f"dibayar {TOTAL_TEXT}")
    fits_the_phone(lurah)

    bappeda = new_page()
    sign_in(bappeda, base, world.users["bappeda"].username)
    bappeda.goto(f"{base}/verifikasi/prioritas/pagu/")
    row = bappeda.locator("tr.kec-row").filter(has_text=f"Kecamatan {world.kecamatan.name}")
    expect(row.locator('[data-label="Dipesan (pengadaan)"]')).to_have_text(TOTAL_TEXT)
    expect(row.locator('[data-label="Dibayar (pengadaan)"]')).to_have_text(TOTAL_TEXT)
    other = bappeda.locator("tr.kec-row").filter(has_text=f"Kecamatan {world.kecamatan_other.name}")
    expect(other.locator('[data-label="Dibayar (pengadaan)"]')).to_have_text("Rp 0")
    totals = bappeda.locator("tr.total-row")
    expect(totals.locator('[data-label="Dipesan (pengadaan)"]')).to_have_text(TOTAL_TEXT)
    expect(totals.locator('[data-label="Dibayar (pengadaan)"]')).to_have_text(TOTAL_TEXT)

    # The public downloads, fetched without signing in.
    public = new_page().context.request
    year = world.fiscal_year.year
    answer = public.get(f"{base}/pengadaan/data/{year}/pembelian.csv")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = [
        r
        for r in csv.DictReader(io.StringIO(answer.text().lstrip("\ufeff")))
        if r["Nomor surat pesanan"] == order.number
    ]
    assert len(rows) == 2
    assert sum(Decimal(r["Jumlah harga (Rp)"]) for r in rows) == TOTAL
    assert {r["Material"]: r["Jumlah diterima"] for r in rows} == {
        semen.description: "100",
        pasir.description: "10",
    }

    answer = public.get(f"{base}/pengadaan/data/{year}/ocds.json")
    assert answer.status == 200
    releases = json.loads(answer.text())["releases"]
    (release,) = [r for r in releases if r["contracts"][0]["id"] == order.number]
    assert release["awards"][0]["value"] == {"amount": TOTAL, "currency": "IDR"}
    contract = release["contracts"][0]
    assert contract["value"] == {"amount": TOTAL, "currency": "IDR"}
    transactions = contract["implementation"]["transactions"]
    assert [t["value"] for t in transactions] == [{"amount": TOTAL, "currency": "IDR"}]
    assert "implementation" in release["tag"]

    assert new_page.errors == []
