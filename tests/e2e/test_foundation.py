"""A lurah signs in on a phone-sized screen and sees the home page of their kelurahan."""

from bangkit.models import Kelurahan
from tests.factories import PASSWORD, make_user


def test_lurah_signs_in_and_sees_area_on_a_phone(
    page, live_server, login, regions, transactional_db
):
    kel = Kelurahan.objects.get(name="Simpang IV Sipin")
    make_user("kelurahan", kel, username="lurah.simpang-iv-sipin")
    login("lurah.simpang-iv-sipin", PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    body = page.inner_text("body")
    assert "Kelurahan Simpang IV Sipin (Telanaipura)" in body
    assert "usulan kegiatan" in body
    # Nothing wider than the phone: no horizontal scrolling on the home page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_is_refused_in_indonesian(
    page, live_server, login, regions, transactional_db
):
    kel = Kelurahan.objects.get(name="Thehok")
    make_user("kelurahan", kel, username="lurah.thehok")
    login("lurah.thehok", "salah-sandi")
    assert "/accounts/login/" in page.url
    assert "benar" in page.inner_text("body").lower() or "salah" in page.inner_text("body").lower()


# Every control a finger presses, as the page draws it: anything shorter than 44 px is named.
SMALL_CONTROLS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea,'
    + ' .nav > a, .account-menu a, .leaflet-bar a')]
  .filter(el => el.getClientRects().length)
  .map(el => [el.outerHTML.slice(0, 80), Math.round(el.getBoundingClientRect().height)])
  .filter(([, h]) => h < 44)"""


def test_every_control_is_a_fingers_size_on_a_phone(page, live_server, login, transactional_db):
    from bangkit.models import Role
    from tests.e2e.phone import rt_world

    world = rt_world(
        [("MR-1", "Rabat beton Gang Mawar", "Gg. Mawar"), ("MR-2", "Drainase", "Gg. Melati")]
    )
    make_user(Role.RT, world.rt, username="rt.07")
    make_user(Role.KECAMATAN, world.kelurahan.kecamatan, username="camat")
    for username, path in [("rt.07", "/usulan/daftar-rt/"), ("camat", "/audit/")]:
        page.context.clear_cookies()
        login(username, PASSWORD)
        page.goto(f"{live_server.url}{path}")
        page.click("details.account summary")  # the menu with Keluar, a button drawn as a link
        assert page.evaluate(SMALL_CONTROLS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/usul/")
    page.wait_for_selector(".leaflet-control-zoom-in")
    assert page.evaluate(SMALL_CONTROLS) == [], "/usul/"


# Lines each figure is drawn on, the "Rp " before it aside: a number cut in two misleads.
FIGURE_LINES = """() => {
  const grid = document.createElement('div');
  grid.className = 'grid';
  grid.innerHTML = ['Rp 10.000.000.000', 'Rp 131.530.500', 'Rp 59.717.190', '3,6%']
    .map(f => `<div class="stat"><b>${f}</b><span>angka</span></div>`).join('');
  document.querySelector('main').prepend(grid);
  return [...grid.querySelectorAll('.stat b')].map(b => {
    const text = b.firstChild, range = document.createRange();
    range.setStart(text, text.data.startsWith('Rp ') ? 3 : 0);
    range.setEnd(text, text.data.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  });
}"""


def test_a_figure_is_never_cut_in_two_on_a_phone(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate(FIGURE_LINES) == [1, 1, 1, 1]


def test_the_notices_are_cards_the_width_of_the_page(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/accounts/login/")
    offset = page.evaluate("""() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML('afterbegin', '<ul class="notices"><li class="card">x</li></ul>');
      const card = main.querySelector('.notices li'), style = getComputedStyle(main);
      return [getComputedStyle(card).listStyleType,
              card.getBoundingClientRect().left - main.getBoundingClientRect().left
                - parseFloat(style.paddingLeft)];
    }""")
    assert offset == ["none", 0]
