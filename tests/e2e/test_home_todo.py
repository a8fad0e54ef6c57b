"""Issue 11 items 4–6 on a 360 px phone: what waits for the lurah and the Ketua RT (their home
pages and the menu's counts), the stage chips on /usulan/ followed as links, the submission's
confirmation step, and axe-core on the Ketua RT's pages (no serious or critical violation)."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from proposals.models import State, TransitionLog
from tests.factories import PASSWORD
from tests.proposals.test_views import build_site, make_proposal

PHONE_WIDTH = 360
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RETURN_REASON = "Foto lokasi kurang jelas, mohon diganti dengan foto siang hari."


@pytest.fixture
def world(transactional_db):
    """Kelurahan Sungai Layar: RT 01 has a returned proposal and a complete draft; RT 02 has
    four proposals waiting for the lurah and two completed."""
    site = build_site()
    returned = make_proposal(site, complete=False, title="Drainase gang Kenanga")
    for transition, from_state, to_state, actor, note in [
        ("submit", State.DRAFT, State.SUBMITTED, site.users["rt1"], ""),
        ("return_for_revision", State.SUBMITTED, State.DRAFT, site.users["lurah"], RETURN_REASON),
    ]:
        TransitionLog.objects.create(
            proposal=returned,
            transition=transition,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            note=note,
        )
    draft = make_proposal(
        site, title="Rabat beton gang Melati", latitude="-1.610123", longitude="103.613145"
    )
    waiting = []
    for n in range(4):
        proposal = make_proposal(
            site, State.SUBMITTED, rt=site.rt2, complete=False, title=f"Sumur bor {n + 1}"
        )
        TransitionLog.objects.create(
            proposal=proposal,
            transition="submit",
            from_state=State.DRAFT,
            to_state=State.SUBMITTED,
            actor=site.users["rt2"],
        )
        waiting.append(proposal)
    for n in range(2):
        make_proposal(site, State.COMPLETED, rt=site.rt2, complete=False, title=f"MCK {n + 1}")
    site.returned, site.draft, site.waiting = returned, draft, waiting
    return site


@pytest.fixture
def new_page(browser, browser_context_args):
    """A page of its own browser context (cookies) per person; script errors are collected.
    `bypass_csp` lets the tests inject axe-core, which the pages' strict CSP would refuse."""
    contexts = []

    def _new_page(*, bypass_csp=False):
        context = browser.new_context(**browser_context_args, bypass_csp=bypass_csp)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: _new_page.errors.append(f"{page.url}: {error}"))
        return page

    _new_page.errors = []
    yield _new_page
    for context in contexts:
        context.close()


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/")


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


def menu_count(page, label):
    return page.locator("nav.nav > a", has_text=label).locator("[data-todo-count]")


def rows(page):
    return page.locator("table.stack tbody tr")


def test_the_stage_chips_show_their_own_list_and_count(live_server, world, new_page):
    base = live_server.url
    lurah = new_page()
    sign_in(lurah, base, "lurah")
    lurah.goto(f"{base}/usulan/")
    chips = lurah.get_by_role("navigation", name="Tahap usulan")
    # The list opens on the lurah's queue.
    expect(chips.locator("[aria-current=true]")).to_have_text("Diajukan ke kelurahan 4")
    expect(rows(lurah)).to_have_count(4)
    fits_the_phone(lurah)

    for label, count, state in [
        ("Selesai", 2, "completed"),
        ("Draf RT", 2, "draft"),
        ("Diajukan ke kelurahan", 4, "submitted"),
        ("Semua", 8, ""),
    ]:
        chips.get_by_role("link", name=re.compile(f"^{label} ")).click()
        expect(lurah).to_have_url(re.compile(rf"/usulan/\?tahap={state}$"))
        expect(chips.locator("[aria-current=true]")).to_have_text(f"{label} {count}")
        expect(rows(lurah)).to_have_count(count)
        expect(lurah.locator(".result-meta")).to_contain_text(f"dari {count} usulan")
        if state:
            badges = rows(lurah).locator("[data-state]")
            expect(badges).to_have_count(count)
            for i in range(count):
                expect(badges.nth(i)).to_have_attribute("data-state", state)
    assert not new_page.errors


def test_the_lurah_and_the_ketua_rt_see_what_waits_for_them(live_server, world, new_page):
    base = live_server.url

    # --- The lurah: four proposals to verify, oldest first, counted in the menu --------------
    lurah = new_page()
    sign_in(lurah, base, "lurah")
    waiting = lurah.locator("#menunggu")
    expect(waiting.locator("[data-todo-total]")).to_have_text("4")
    items = waiting.locator("li[data-todo=verify_kelurahan]")
    expect(items).to_have_count(4)
    expect(items).to_contain_text(["Sumur bor 1", "Sumur bor 2", "Sumur bor 3", "Sumur bor 4"])
    expect(menu_count(lurah, "Usulan")).to_contain_text("4")
    expect(menu_count(lurah, "Beranda")).to_contain_text("4")
    fits_the_phone(lurah)
    items.first.get_by_role("link", name="Verifikasi usulan").click()
    oldest = world.waiting[0]
    expect(lurah).to_have_url(f"{base}/usulan/{oldest.code}/#keputusan")
    expect(lurah.locator("#keputusan")).to_be_visible()

    # --- The Ketua RT: the returned proposal, with its reason, marked apart -------------------
    rt = new_page()
    sign_in(rt, base, "rt1")
    item = rt.locator("#menunggu li[data-todo=returned]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Drainase gang Kenanga")
    expect(item.locator(".badge-returned")).to_have_text("Dikembalikan")
    expect(item.locator(".todo-note")).to_have_text(f"Alasan: {RETURN_REASON}")
    expect(menu_count(rt, "Usulan")).to_contain_text("1")
    fits_the_phone(rt)
    # In the RT's list, the returned proposal is marked; the fresh draft is not.
    rt.goto(f"{base}/usulan/")
    returned_row = rows(rt).filter(has_text="Drainase gang Kenanga")
    expect(returned_row.locator("[data-returned]")).to_have_text("Dikembalikan")
    expect(returned_row).to_contain_text(RETURN_REASON)
    expect(
        rows(rt).filter(has_text="Rabat beton gang Melati").locator("[data-returned]")
    ).to_have_count(0)
    rt.go_back()
    item.get_by_role("link").first.click()
    expect(rt).to_have_url(f"{base}/usulan/{world.returned.code}/isi/kegiatan/")
    expect(rt.get_by_role("alert").filter(has_text=RETURN_REASON)).to_be_visible()
    assert not new_page.errors


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_ketua_rt_pages_have_no_serious_accessibility_violation_and_submitting_asks_first(
    live_server, world, new_page
):
    base = live_server.url
    rt = new_page(bypass_csp=True)
    sign_in(rt, base, "rt1")
    code = world.draft.code
    found = {}

    def check(name):
        rt.wait_for_load_state()
        fits_the_phone(rt)
        found[name] = serious_violations(rt)

    check("beranda")
    rt.goto(f"{base}/usulan/")
    check("daftar usulan")
    for step in ("kegiatan", "lokasi", "rab", "dokumen", "periksa"):
        rt.goto(f"{base}/usulan/{code}/isi/{step}/")
        expect(rt).to_have_url(f"{base}/usulan/{code}/isi/{step}/")
        check(f"langkah {step}")

    # Submitting from the proposal's page asks first, and changes nothing until asked.
    rt.goto(f"{base}/usulan/{code}/")
    rt.locator("#ajukan").get_by_role("button", name="Ajukan ke kelurahan").click()
    confirm = rt.locator("#konfirmasi")
    expect(confirm).to_contain_text("Usulan dikirim ke Kelurahan Sungai Layar")
    expect(confirm).to_contain_text("tidak dapat diubah lagi")
    check("konfirmasi pengajuan")
    world.draft.refresh_from_db()
    assert world.draft.state == State.DRAFT
    confirm.get_by_role("button", name="Ya, ajukan ke kelurahan").click()
    expect(rt).to_have_url(re.compile(r"/usulan/tanda-terima/\d+/$"))
    expect(rt.get_by_role("heading", name="Tanda terima usulan")).to_be_visible()
    check("tanda terima")
    world.draft.refresh_from_db()
    assert world.draft.state == State.SUBMITTED

    bad = {page: v for page, v in found.items() if v}
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)
    assert not new_page.errors
