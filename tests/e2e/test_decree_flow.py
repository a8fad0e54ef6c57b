"""Issue 4, done when: a camat ranks, selects, issues and downloads a genuine-looking SK whose QR
code leads to its public verification page, and the budget figures everywhere agree."""

import hashlib
import io
import re
from decimal import Decimal

import pytest
import qrcode
from playwright.sync_api import expect
from pypdf import PdfReader

from bangkit.models import FiscalYear, Kecamatan, Kelurahan, Role
from budgets.models import BudgetEnvelope
from proposals.models import Proposal, RABLine, State
from tests import factories
from tests.factories import PASSWORD, make_user
from verification.models import Decree

ENVELOPE = 100_000_000
NUMBER = "1/SK/BB/KEC.TLP/2026"
# name: (kelurahan, RT, people benefiting, RAB lines as (material, unit, quantity, unit price)).
# People per Rp 1 juta: 14, 10, 8 and 5. The first three cost Rp 90 juta together and fit the
# Rp 100 juta envelope; the fourth (Rp 60 juta) fits only with one of them, never with two.
SITES = {
    "mawar": (
        "Simpang IV Sipin",
        3,
        420,
        [("Semen Portland 50 kg", "sak", 300, 65_000), ("Pasir cor", "m³", 42, 250_000)],
    ),
    "melati": (
        "Buluran Kenali",
        5,
        250,
        [("Semen Portland 50 kg", "sak", 200, 65_000), ("Batu split", "m³", 48, 250_000)],
    ),
    "kenanga": (
        "Teluk Kenali",
        2,
        280,
        [("Semen Portland 50 kg", "sak", 300, 65_000), ("Pasir cor", "m³", 62, 250_000)],
    ),
    "anggrek": (
        "Simpang IV Sipin",
        8,
        300,
        [("Semen Portland 50 kg", "sak", 400, 65_000), ("Batu split", "m³", 136, 250_000)],
    ),
}
SELECTED = ["mawar", "melati", "kenanga"]
# The default weights: slum 25, people per rupiah 25, contribution 15, supports 10, years
# waiting 15, under-served 10. Nobody is in a slum area, promised anything or has supports;
# every RT waited the full 5 years and no kelurahan got anything before. So the score is
# 25 × (people per rupiah ÷ 14) + 15 + 10.
SCORES = {"mawar": "50,0", "melati": "42,9", "kenanga": "39,3", "anggrek": "33,9"}


def rp(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


@pytest.fixture
def new_page(browser, browser_context_args):
    """A page in a fresh browser context (its own cookies): one per person.

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
def setup(regions):
    kecamatan = Kecamatan.objects.get(name="Telanaipura")
    if not kecamatan.abbreviation:  # load_regions leaves it empty; the demo seed sets it
        kecamatan.abbreviation = "TLP"
        kecamatan.save(update_fields=["abbreviation"])
    fiscal_year = factories.FiscalYearFactory(year=2026, status=FiscalYear.Status.VERIFICATION)
    BudgetEnvelope.objects.create(
        fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=None, amount=ENVELOPE
    )
    work_type = factories.WorkTypeFactory()
    proposals = {}
    for name, (kelurahan_name, rt_number, people, lines) in SITES.items():
        kelurahan = Kelurahan.objects.get(kecamatan=kecamatan, name=kelurahan_name)
        rt = factories.RTFactory(kelurahan=kelurahan, number=rt_number, households=80)
        proposal = Proposal.objects.create(
            fiscal_year=fiscal_year,
            rt=rt,
            kelurahan=kelurahan,
            title=f"Rabat beton Gang {name.title()}",
            work_type=work_type,
            location_description=f"Gang {name.title()}, dari musala sampai ujung gang",
            planned_volume=Decimal("150"),
            planned_width=Decimal("1.50"),
            people_benefiting=people,
            state=State.KECAMATAN_VERIFIED,
        )
        for material, unit, quantity, price in lines:
            RABLine(
                proposal=proposal, material=material, unit=unit, quantity=quantity, unit_price=price
            ).save()
        proposals[name] = proposal
    users = {
        "camat": make_user(
            Role.KECAMATAN,
            kecamatan,
            username="camat.telanaipura",
            first_name="Rahmat",
            last_name="Hidayat",
            nip="197604152001121002",
            position="Camat Telanaipura",
        ),
        "bappeda": make_user(Role.BAPPEDA, username="bappeda"),
    }
    return kecamatan, proposals, users


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def fits_phone(page):
    """Nothing on the page is wider than the 360 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def figure(section, term):
    """The <dd> of a <dt> in a figures list."""
    return (
        section.locator("dl.figures > div")
        .filter(has=section.page.locator(f"dt:text-is('{term}')"))
        .locator("dd")
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def qr_codes_in(data: bytes) -> list[list[list[bool]]]:
    """Every image of the PDF read as a QR matrix: the dark modules, border cropped off."""
    matrices = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            gray = image.image.convert("L")
            dark = gray.point(lambda v: 255 if v < 128 else 0)
            box = dark.getbbox()  # the finder patterns mark three corners of the symbol
            if box is None:
                continue
            left, top, right, bottom = box
            # A finder pattern's outer ring is 7 modules wide: measure the module size there.
            run = 0
            while gray.getpixel((left + run, top)) < 128:
                run += 1
            size = run / 7
            count = round((right - left) / size)
            matrices.append(
                [
                    [
                        gray.getpixel((int(left + (x + 0.5) * size), int(top + (y + 0.5) * size)))
                        < 128
                        for x in range(count)
                    ]
                    for y in range(count)
                ]
            )
    return matrices


def qr_matrix(text: str, error_correction) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=error_correction, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def encodes(matrix, text: str) -> bool:
    """Whether `matrix` is the QR code of `text` (at any error-correction level)."""
    levels = (
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    )
    return any(matrix == qr_matrix(text, level) for level in levels)


def test_camat_ranks_selects_issues_and_downloads_a_verifiable_decree(
    new_page, live_server, setup, transactional_db
):
    kecamatan, proposals, users = setup
    base = live_server.url
    totals = {name: proposals[name].rab_total for name in SITES}
    assert totals == {
        "mawar": 30_000_000,
        "melati": 25_000_000,
        "kenanga": 35_000_000,
        "anggrek": 60_000_000,
    }
    chosen_total = sum(totals[name] for name in SELECTED)

    # --- The camat opens the ranking: scores, their breakdown, the suggested set ------------
    camat = new_page()
    sign_in(camat, base, "camat.telanaipura")
    camat.goto(f"{base}/verifikasi/prioritas/")
    expect(camat.get_by_role("heading", level=1)).to_contain_text(
        "Prioritas usulan Kecamatan Telanaipura · 2026"
    )
    budget = camat.locator("section.budget")
    expect(figure(budget, "Pagu")).to_have_text(rp(ENVELOPE))
    expect(figure(budget, "Terikat SK")).to_have_text(rp(0))
    expect(figure(budget, "Dipilih")).to_have_text(rp(chosen_total))
    expect(figure(budget, "Sisa setelah pilihan")).to_have_text(rp(ENVELOPE - chosen_total))
    choice = camat.locator("section.choice")
    expect(choice).to_contain_text(
        f"3 dari 4 usulan terverifikasi, {rp(chosen_total)}, jumlah skor 132,1."
    )

    cards = camat.locator("ol.rank-list > li.rank-card")
    expect(cards).to_have_count(4)
    for rank, name in enumerate(["mawar", "melati", "kenanga", "anggrek"], start=1):
        card = cards.nth(rank - 1)
        expect(card).to_have_id(f"usulan-{proposals[name].pk}")
        expect(card.locator(".rank-no")).to_have_text(f"Peringkat {rank}")
        expect(card.locator(".rank-title")).to_contain_text(proposals[name].code)
        expect(card.locator(".rank-title")).to_contain_text(SITES[name][0])
        expect(card.locator(".rank-score b")).to_have_text(SCORES[name])
        expect(card.locator(".rank-cost")).to_have_text(f"RAB {rp(totals[name])}")
        if name in SELECTED:
            expect(card.locator(".badge").first).to_have_text("Dipilih")
            expect(card.locator(".rank-reason")).to_have_text(
                "masuk: skor tertinggi per rupiah dalam pagu"
            )
        else:
            expect(card.locator(".badge").first).to_have_text("Tidak dipilih")
            expect(card.locator(".rank-reason")).to_have_text(
                f"keluar: pagu tidak cukup: biaya {rp(60_000_000)}, sisa pagu kecamatan setelah "
                f"pilihan {rp(ENVELOPE - chosen_total)}"
            )
    expect(camat.locator("li.rank-card.is-selected")).to_have_count(3)

    # The breakdown of the top proposal adds up, criterion by criterion.
    top = cards.nth(0)
    top.get_by_text("Rincian skor").click()
    lines = top.locator(".score-list > li")
    expect(lines).to_have_count(7)
    expect(lines.nth(0)).to_contain_text("Di kawasan kumuh")
    expect(lines.nth(1).locator(".raw")).to_have_text("14,00 jiwa per Rp 1 juta (420 jiwa)")
    expect(lines.nth(1).locator(".calc")).to_have_text("1,000 × 25 = 25,00")
    expect(lines.nth(4).locator(".raw")).to_have_text("Belum pernah didanai (dihitung 5 tahun)")
    expect(lines.nth(4).locator(".calc")).to_have_text("1,000 × 15 = 15,00")
    expect(lines.nth(5).locator(".calc")).to_have_text("1,000 × 10 = 10,00")
    expect(lines.nth(6).locator(".crit")).to_have_text("Jumlah")
    expect(lines.nth(6).locator(".calc")).to_have_text("50,00 poin")
    fits_phone(camat)

    # --- The suggested set becomes a draft decree --------------------------------------------
    choice.get_by_role("button", name="Buat draf SK dari pilihan").click()
    expect(camat).to_have_url(re.compile(r"/verifikasi/sk/[^/]+/$"))
    decree = Decree.objects.get()
    assert camat.url == f"{base}/verifikasi/sk/{decree.public_id}/"
    assert decree.state == Decree.State.DRAFT and decree.number == ""
    expect(camat.locator(".messages")).to_contain_text("Draf SK disusun dari pilihan.")
    expect(camat.get_by_role("heading", level=1)).to_have_text("Draf SK Camat Telanaipura 2026")
    rows = camat.locator("table tbody tr")
    expect(rows).to_have_count(3)
    for row, name in zip(range(3), SELECTED, strict=True):
        expect(rows.nth(row)).to_contain_text(proposals[name].code)
        expect(rows.nth(row)).to_contain_text(SITES[name][0])
        expect(rows.nth(row).locator("td").last).to_have_text(rp(totals[name]))
    expect(camat.locator("table tfoot")).to_contain_text(rp(chosen_total))
    fits_phone(camat)

    # The preview is a PDF rendered now, marked DRAF, without a number yet.
    preview = camat.get_by_role("link", name="Pratinjau PDF (DRAF)")
    response = camat.request.get(base + preview.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    draft_pdf = response.body()
    assert draft_pdf.startswith(b"%PDF")
    draft_text = " ".join(pdf_text(draft_pdf).split())
    assert "DRAF" in draft_text
    assert NUMBER not in draft_text

    # --- The camat issues it ------------------------------------------------------------------
    camat.get_by_role("button", name="Tetapkan SK").click()
    # Issuing asks first, with what it binds.
    expect(camat.locator("#konfirmasi")).to_contain_text("lokasi ditetapkan")
    camat.locator("#konfirmasi").get_by_role("button", name="Ya, tetapkan SK").click()
    expect(camat.locator(".messages")).to_contain_text(f"SK ditetapkan dengan nomor {NUMBER}.")
    expect(camat.get_by_role("heading", level=1)).to_have_text(
        f"SK Camat Telanaipura Nomor {NUMBER}"
    )
    expect(camat.get_by_role("button", name="Tetapkan SK")).to_have_count(0)
    decree.refresh_from_db()
    assert decree.state == Decree.State.ISSUED and decree.number == NUMBER
    expect(camat.locator("p", has_text="SHA-256 berkas").locator("code")).to_have_text(
        decree.pdf_sha256
    )
    fits_phone(camat)  # the 64-digit hash too

    # --- …and downloads the stored file -------------------------------------------------------
    with camat.expect_download() as download_info:
        camat.get_by_role("link", name="Unduh PDF").click()
    download = download_info.value
    assert download.suggested_filename == "SK-1-SK-BB-KEC-TLP-2026.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    sha256 = hashlib.sha256(pdf).hexdigest()
    assert sha256 == decree.pdf_sha256

    text = " ".join(pdf_text(pdf).split())
    assert "PEMERINTAH KOTA JAMBI" in text
    assert "KEPUTUSAN CAMAT TELANAIPURA" in text
    assert f"NOMOR {NUMBER}" in text
    assert "DRAF" not in text
    for name in SELECTED:
        assert SITES[name][0] in text
        assert proposals[name].code in text
    assert proposals["anggrek"].code not in text
    assert f"sebanyak 3 lokasi dengan nilai seluruhnya {rp(chosen_total)}" in text
    assert "sembilan puluh juta rupiah" in text
    assert "Rahmat Hidayat" in text and "NIP. 197604152001121002" in text

    # The QR code and the address printed under it lead to the public page.
    public_url = f"{base}/sk/{decree.public_id}/"
    assert public_url in "".join(text.split())
    codes = qr_codes_in(pdf)
    assert codes, "no QR code in the PDF"
    assert all(encodes(matrix, public_url) for matrix in codes)
    assert not encodes(codes[0], public_url.replace("/sk/", "/sk/x"))  # the check can fail

    # --- Anyone can check it, without signing in ----------------------------------------------
    citizen = new_page()
    citizen.goto(public_url)
    expect(citizen.get_by_role("heading", level=1)).to_have_text(
        f"Keputusan Camat Telanaipura Nomor {NUMBER}"
    )
    stats = citizen.locator(".grid .stat")
    expect(stats.nth(1)).to_contain_text("Telanaipura")
    expect(stats.nth(1)).to_contain_text("tahun anggaran 2026")
    expect(stats.nth(2)).to_have_text(re.compile(rf"3 lokasi\s*{rp(chosen_total)}"))
    expect(stats.nth(3)).to_contain_text("Berlaku")
    public_rows = citizen.locator("table tbody tr")
    expect(public_rows).to_have_count(3)
    for row, name in zip(range(3), SELECTED, strict=True):
        expect(public_rows.nth(row)).to_contain_text(SITES[name][0])
        expect(public_rows.nth(row)).to_contain_text(proposals[name].code)
        expect(public_rows.nth(row).locator("td").last).to_have_text(rp(totals[name]))
    expect(citizen.locator("table tfoot")).to_contain_text(rp(chosen_total))
    expect(citizen.locator(".card code").first).to_have_text(sha256)
    fits_phone(citizen)
    official = citizen.get_by_role("link", name="Unduh PDF resmi")
    response = citizen.request.get(base + official.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body() == pdf

    # --- The money: the same figures in the database, the ranking and the envelope page ------
    for name, proposal in proposals.items():
        proposal.refresh_from_db()
        if name in SELECTED:
            assert proposal.state == State.DESIGNATED
            assert proposal.designated_budget == proposal.rab_total == totals[name]
        else:
            assert proposal.state == State.KECAMATAN_VERIFIED
            assert not proposal.designated_budget
    committed = sum(
        Proposal.objects.filter(fiscal_year__year=2026, state=State.DESIGNATED).values_list(
            "designated_budget", flat=True
        )
    )
    assert committed == chosen_total
    assert sum(loc.budget for loc in decree.locations.all()) == committed

    camat.goto(f"{base}/verifikasi/prioritas/")
    budget = camat.locator("section.budget")
    expect(figure(budget, "Pagu")).to_have_text(rp(ENVELOPE))
    expect(figure(budget, "Terikat SK")).to_have_text(rp(committed))
    expect(figure(budget, "Dipilih")).to_have_text(rp(0))
    expect(figure(budget, "Sisa setelah pilihan")).to_have_text(rp(ENVELOPE - committed))
    expect(camat.locator("ol.rank-list > li.rank-card")).to_have_count(1)
    expect(camat.locator("li.rank-card .rank-title")).to_contain_text(proposals["anggrek"].code)
    expect(camat.get_by_role("button", name="Buat draf SK dari pilihan")).to_have_count(0)

    bappeda = new_page()
    sign_in(bappeda, base, "bappeda")
    bappeda.goto(f"{base}/verifikasi/prioritas/pagu/")
    row = bappeda.locator("tr.kec-row").filter(has_text="Kecamatan Telanaipura")
    expect(row.locator("td[data-label=Pagu]")).to_have_text(rp(ENVELOPE))
    expect(row.locator("td[data-label='Terikat SK']")).to_have_text(rp(committed))
    expect(row.locator("td[data-label=Sisa]")).to_have_text(rp(ENVELOPE - committed))
    expect(row.locator("td[data-label='Menunggu SK']")).to_have_text(
        f"1 usulan · {rp(totals['anggrek'])}"
    )
    summary = bappeda.locator("section.totals")
    expect(summary.locator(".stat").filter(has_text="Terikat SK").locator("b")).to_have_text(
        rp(committed)
    )
    expect(
        summary.locator(".stat").filter(has_text="Dibagi ke kecamatan").locator("b")
    ).to_have_text(rp(ENVELOPE))
    total_row = bappeda.locator("tfoot tr.total-row")
    expect(total_row.locator("td[data-label='Terikat SK']")).to_have_text(rp(committed))
    fits_phone(bappeda)

    # Bappeda sees the same figures on the kecamatan's ranking, read-only.
    row.get_by_role("link", name="Kecamatan Telanaipura").click()
    budget = bappeda.locator("section.budget")
    expect(figure(budget, "Terikat SK")).to_have_text(rp(committed))
    expect(figure(budget, "Sisa setelah pilihan")).to_have_text(rp(ENVELOPE - committed))
    assert new_page.errors == []
