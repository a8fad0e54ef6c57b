"""The public map at /proyek/ works with no network but the app's: on a 360 px phone, with
every other address refused, Leaflet (served by the app) draws one shape per kelurahan from the
app's GeoJSON and the site's marker, whose popup leads to the site's page; nothing breaks the
Content-Security-Policy."""

from playwright.sync_api import expect

from bangkit.models import Kelurahan
from tests.portal import project_world
from tests.portal.project_world import SITE_POINT, complete

world = project_world.world
make_site = project_world.make_site

LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_map_draws_every_kelurahan_and_the_site_offline_on_a_phone(
    page, live_server, world, make_site, transactional_db
):
    site = complete(world, make_site(point=SITE_POINT))
    kelurahan_count = Kelurahan.objects.exclude(boundary__isnull=True).count()
    assert kelurahan_count == 68

    base = live_server.url
    refused, violations, errors = [], [], []

    def only_the_app(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_app)
    page.context.expose_binding("__cspViolation", lambda _source, v: violations.append(v))
    page.context.add_init_script(LISTEN)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: violations.append(m.text) if "content security policy" in m.text.lower() else 0,
    )

    page.goto(f"{base}/proyek/")
    assert page.viewport_size["width"] == 360
    map_box = page.locator("#peta-proyek")
    expect(map_box).to_have_attribute("data-loaded", "true", timeout=15_000)

    expect(page.locator("#peta-proyek path.bb-kelurahan")).to_have_count(kelurahan_count)
    marker = page.locator("#peta-proyek path.bb-site")
    expect(marker).to_have_count(1)
    expect(marker).to_have_class("bb-site bb-site-selesai leaflet-interactive")
    # The server-side map is for browsers without script: not loaded here.
    expect(page.locator("img.project-map-svg")).to_have_count(0)

    # The marker's popup names the site and links to its page.
    marker.dispatch_event("click")
    link = page.locator(".leaflet-popup a", has_text=site.title)
    expect(link).to_be_visible()
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    link.click()
    page.wait_for_url(f"{base}/proyek/{site.code}/")
    expect(page.locator("h1")).to_have_text(site.title)
    expect(page.locator("svg.svg-map circle.svg-site")).to_have_count(1)
    photos = page.locator(".project-photos img")
    expect(photos).to_have_count(3)
    for i in range(3):
        photos.nth(i).scroll_into_view_if_needed()
        expect(photos.nth(i)).to_have_js_property("complete", True)
        assert photos.nth(i).evaluate("img => img.naturalWidth") > 0

    assert refused == []  # no tile, font or script from elsewhere was even asked for
    assert violations == []
    assert errors == []
