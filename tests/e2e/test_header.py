"""The header on a 360 px phone: the brand and the account on one row, the menu one row below
that scrolls sideways, whatever the role (a long menu once wrapped to four rows), every link
a finger's size and the account's menu whole on the screen."""

import pytest

from bangkit.models import Role
from tests.factories import PASSWORD, FiscalYearFactory, RTFactory, make_user

HEADER = """() => {
  const nav = document.querySelector('nav.nav');
  const links = [...nav.querySelectorAll(':scope > a:not(.sign-in)')];
  const account = document.querySelector('details.account summary, a.sign-in');
  const brand = document.querySelector('.brand').getBoundingClientRect();
  return {
    rows: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
    links: links.length,
    short: [...links, account].filter(e => e.getBoundingClientRect().height < 44).length,
    header: document.querySelector('header.top').getBoundingClientRect().height,
    page: document.documentElement.scrollWidth,
    scrolls: nav.scrollWidth > nav.clientWidth,
    beside: Math.abs(account.getBoundingClientRect().top - brand.top) < 12,
    account: account.getBoundingClientRect().right,
  };
}"""

# The account's menu, open: each of its controls is the topmost thing where it is drawn (not
# cut off by the scrolling row), inside the screen.
MENU = """() => [...document.querySelectorAll('.account-menu a, .account-menu button')].map(el => {
  const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
  return [el.textContent.trim(), r.height >= 44 && r.right <= 360 && r.left >= 0
    && document.elementFromPoint(x, y) === el];
})"""


@pytest.fixture
def people(transactional_db):
    FiscalYearFactory()
    rt = RTFactory(number=1)
    kelurahan = rt.kelurahan
    kecamatan = kelurahan.kecamatan
    return [
        make_user(Role.RT, rt, username="rt.01", first_name="Agus", last_name="Wijaya"),
        make_user(Role.KELURAHAN, kelurahan, username="lurah", first_name="Ismail"),
        make_user(Role.KECAMATAN, kecamatan, username="camat", first_name="Firdaus Marpaung"),
        make_user(Role.BAPPEDA, username="bappeda", first_name="Staf", last_name="Bappeda"),
        make_user(Role.INSPEKTORAT, username="inspektorat", first_name="Auditor Inspektorat"),
        make_user(Role.ADMIN, username="admin", is_superuser=True),
    ]


def test_the_menu_is_one_row_at_360_px_for_every_role(page, live_server, login, people):
    page.goto(f"{live_server.url}/")
    anonymous = page.evaluate(HEADER)
    assert anonymous["rows"] == 1 and anonymous["short"] == 0 and anonymous["beside"]
    for user in people:
        page.context.clear_cookies()
        login(user.username, PASSWORD)
        header = page.evaluate(HEADER)
        assert header["links"] >= 3, user.username
        assert header["rows"] == 1, (user.username, header)
        assert header["short"] == 0, (user.username, header)
        assert header["header"] <= 120, (user.username, header)  # (four rows took 252 px)
        assert header["page"] <= 360 and header["account"] <= 360, (user.username, header)
        assert header["beside"], (user.username, header)
        page.click("details.account summary")
        assert all(ok for _, ok in page.evaluate(MENU)), (user.username, page.evaluate(MENU))
    # The longest menus are wider than the phone: they scroll, they do not wrap.
    assert header["scrolls"]
