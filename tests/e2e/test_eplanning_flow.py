"""Issue 16, the whole path on a 360 px phone: a resident proposes with a photo → the lurah
merges one usulan and accepts another → the Ketua RT orders the list and records the meeting →
the Ketua RT starts a proposal from the accepted entry."""

import re

import pytest
from playwright.sync_api import expect

from bangkit.models import Role
from proposals.models import EntryOrigin, MusrenbangEntry, Proposal, ResidentUsulan, RTMeeting
from tests import factories
from tests.e2e.phone import phone_photo, rt_world
from tests.factories import PASSWORD, make_user

# The world's kecamatan has the code 15.71.02: a NIK issued there.
NIK = "1571021203850001"
NIK_2 = "1571025507920014"


@pytest.fixture
def setup(transactional_db, settings, tmp_path):
    settings.USUL_MIN_SECONDS = 0
    world = rt_world([("MR-2026-0042", "Rabat beton Gang Mawar", "Gg. Mawar depan musala")])
    make_user(Role.RT, world.rt, username="rt.07", first_name="Zulkifli")
    make_user(Role.KELURAHAN, world.kelurahan, username="lurah", first_name="Siti")
    photo = tmp_path / "gang-mawar.jpg"
    photo.write_bytes(phone_photo("gang-mawar"))  # a 12 MP photo, resized on the phone
    minutes = tmp_path / "notulen.pdf"
    minutes.write_bytes(factories.pdf_bytes())
    return world, photo, minutes


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def propose(page, base, *, title, place, nik, photo=None):
    page.goto(f"{base}/usul/")
    page.get_by_label("Kelurahan", exact=True).select_option("simpang-iv-sipin")
    page.get_by_label("RT", exact=True).select_option(label="RT 07 · Simpang IV Sipin")
    page.get_by_label("Apa yang diusulkan").fill(title)
    page.get_by_label("Di mana").fill(place)
    page.get_by_label("Permasalahan").fill("Becek dan banjir setiap hujan.")
    if photo:
        page.get_by_label("Foto lokasi (boleh tidak ada)").set_input_files(str(photo))
    page.get_by_label("NIK pengusul").fill(nik)
    fits_the_phone(page)
    page.get_by_role("button", name="Kirim usulan").click()
    expect(page.get_by_role("heading", name="Usulan Anda sudah kami terima")).to_be_visible()
    fits_the_phone(page)
    return page.locator("[data-usulan-code]").inner_text().strip()


def sign_in(context, base, username):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/")
    return page


def test_from_a_residents_idea_to_a_proposal_on_a_phone(
    browser, browser_context_args, live_server, setup
):
    world, photo, minutes = setup
    base = live_server.url
    errors = []

    # --- A resident, without an account, proposes twice (once with a photo) -----------------
    resident = browser.new_context(**browser_context_args)
    resident.set_default_timeout(20_000)
    page = resident.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    same = propose(
        page,
        base,
        title="Rabat beton gang Mawar",
        place="Gang Mawar dekat musala",
        nik=NIK,
        photo=photo,
    )
    new = propose(page, base, title="Lampu jalan Gg. Kenari", place="Ujung Gg. Kenari", nik=NIK_2)
    first = ResidentUsulan.objects.get(code=same)
    assert first.photo and first.nik_last4 == "0001"
    page.goto(f"{base}/lacak/{same}/")
    expect(page.locator("[data-usulan-status]")).to_have_text("Menunggu pemeriksaan kelurahan")
    assert NIK not in page.content()
    resident.close()

    # --- The lurah merges the duplicate and accepts the other --------------------------------
    staff = browser.new_context(**browser_context_args)
    staff.set_default_timeout(20_000)
    lurah = sign_in(staff, base, "lurah")
    lurah.get_by_role("link", name="Usulan warga").first.click()
    lurah.get_by_role("link", name="Rabat beton gang Mawar").click()
    suggestion = lurah.locator('[data-suggestion="MR-2026-0042"] input')
    expect(suggestion).to_be_checked()
    fits_the_phone(lurah)
    lurah.get_by_role("button", name="Gabungkan").click()
    expect(lurah.locator(".messages")).to_contain_text("digabung dengan MR-2026-0042")
    lurah.get_by_role("link", name="Lampu jalan Gg. Kenari").click()
    lurah.get_by_label("Jenis kegiatan").select_option(label=world.work_type.name)
    lurah.get_by_role("button", name="Terima usulan").click()
    expect(lurah.locator(".messages")).to_contain_text("diterima ke daftar Musrenbang RT 07")
    staff.close()
    accepted = MusrenbangEntry.objects.get(source_id=new)
    assert accepted.origin == EntryOrigin.RESIDENT
    assert world.entries[0].supports.count() == 1

    # --- The Ketua RT orders the list and records the meeting --------------------------------
    ketua_context = browser.new_context(**browser_context_args)
    ketua_context.set_default_timeout(20_000)
    ketua = sign_in(ketua_context, base, "rt.07")
    ketua.on("pageerror", lambda error: errors.append(str(error)))
    ketua.get_by_role("link", name="Daftar RT").first.click()
    listed = ketua.locator("[data-entry]")
    expect(listed).to_have_count(2)
    fits_the_phone(ketua)
    order = [listed.nth(i).get_attribute("data-entry") for i in range(2)]
    last = order[-1]
    ketua.locator(f'[data-entry="{last}"]').get_by_role("button", name=re.compile("Naik")).click()
    expect(ketua.locator("[data-entry]").first).to_have_attribute("data-entry", last)
    ketua.get_by_label("Tanggal rapat").fill("2026-02-07")
    ketua.get_by_label("Jumlah hadir").fill("31")
    ketua.get_by_label("Notulen rapat (PDF atau foto)").set_input_files(str(minutes))
    ketua.get_by_role("button", name="Catat rapat").click()
    expect(ketua.locator("[data-meeting]")).to_contain_text("31 orang hadir")
    assert RTMeeting.objects.get().attendance == 31

    # --- ... and starts a proposal from the accepted entry -----------------------------------
    ketua.locator(f'[data-entry="{new}"]').get_by_role("link", name="Buat usulan").click()
    expect(ketua.get_by_role("heading", name="Langkah 1 dari 5: Kegiatan")).to_be_visible()
    expect(ketua.get_by_label("Judul kegiatan")).to_have_value("Lampu jalan Gg. Kenari")
    ketua.get_by_label(re.compile("^Lebar")).fill("1,5")
    ketua.get_by_label("Jiwa penerima manfaat").fill("120")
    ketua.get_by_label("Swadaya tenaga (orang)").fill("20")
    fits_the_phone(ketua)
    ketua.get_by_role("button", name="Simpan dan lanjut").click()
    expect(ketua.get_by_role("heading", name="Langkah 2 dari 5: Lokasi")).to_be_visible()
    assert Proposal.objects.get(entry=accepted).rt == world.rt
    ketua_context.close()
    assert errors == []
