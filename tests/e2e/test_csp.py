"""Under the Content-Security-Policy, no page of any role breaks a rule, and the scripts that
moved to static/ still work.

The demo (regions, core, proposals, decrees, procurement, execution) is seeded once. Each role
signs in through the form, in a browser of its own, and loads every page reachable from its
menu: same-site links are followed breadth-first, one page per route (pages of one route share
their template; the first address met is loaded). The public pages are walked signed out.
Chromium reports each refused inline script, inline style, event-handler attribute or outside
source as a console message and as a `securitypolicyviolation` event: neither may appear.
"""

import io
from collections import deque
from urllib.parse import urldefrag, urlsplit

from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from bangkit.models import Role, User
from demo.seeders import core as core_demo
from procurement.models import Supplier
from proposals.models import MusrenbangEntry, Proposal, ResidentUsulan, State
from reporting.models import ProgressPhoto
from verification.models import Decree

FOCUS_KECAMATAN = "telanaipura"
FOCUS_KELURAHAN = "simpang-iv-sipin"

# Files, not pages (PDFs, spreadsheets, JSON, downloads), and signing out (a form anyway).
FILE_ROUTES = {
    "verification:decree_preview",
    "verification:decree_pdf",
    "sk:public_pdf",
    "procurement_public:csv",
    "procurement_public:xlsx",
    "procurement_public:ocds",
    "procurement:order_pdf",
    "procurement:handover_pdf",
    "procurement:delivery_photo",
    "reporting:lpj",
    "reporting:attendance",
    "reporting:photo_thumbnail",
    "reporting:photo_original",
    "proposals:attachment",
    "dashboards:download",
    "dashboards:report_pdf",
    "public:project_qr",
    "public_report:pdf",
    "public:open_data_csv",
    "public:open_data_geojson",
    "audit:evidence",
    "public:open_data_oc4ids",
    "proposals:usulan_photo",
    "proposals:usulan_thumbnail",
    "proposals:rt_meeting_minutes",
}
SKIPPED_ROUTES = FILE_ROUTES | {"logout", "admin:logout", "admin:jsi18n", "admin:view_on_site"}
# The same page whoever signs in (bar the menu): loaded once in the whole walk. A photo opened
# on its own is one of them: it must show without a refusal too.
SHARED_ROUTES = (
    "public:",
    "public_report:",
    "sk:",
    "procurement_public:",
    "password_",
    "reporting:photo_display",
)
# The admin's generic pages look alike for every model: one of each kind. Its other pages
# (imports, exports, a model's own list or form) are listed in ADMIN_PAGES.
ADMIN_KINDS = ("_changelist", "_change", "_add", "_delete", "_history")

# Reports each violation to the test at once, before any script of the page runs.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, page: document.location.href,
  });
});
"""


def _seed():
    from demo.seeders import procurement as procurement_demo
    from demo.seeders import proposals as proposals_demo
    from demo.seeders import reporting as reporting_demo
    from demo.seeders import usulan as usulan_demo
    from demo.seeders import verification as verification_demo

    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    said = [str(core_demo.seed_core())]
    for module in (
        proposals_demo,
        verification_demo,
        procurement_demo,
        reporting_demo,
        usulan_demo,
    ):
        said.append(module.seed())
    return said


def _first_draft(focus, seeded):
    draft = focus.filter(state=State.DRAFT).order_by("pk").first()
    states = sorted(focus.values_list("state", flat=True))
    assert draft is not None, f"the demo left no draft in {FOCUS_KELURAHAN}: {states}; {seeded}"
    return draft


def _rt_of(proposal) -> str:
    return User.objects.get(role=Role.RT, rt=proposal.rt_id).username


def _route(path: str) -> str | None:
    try:
        name = resolve(path).view_name
    except Resolver404:
        return None
    if name.startswith("admin:") and name.endswith(ADMIN_KINDS):
        return "admin:generic" + name[name.rindex("_") :]
    return name


class Walk:
    """One person's browser (its own cookies): loads pages, records what the policy refused."""

    def __init__(self, browser, context_args, base, shared_seen):
        self.base = base
        self.context = browser.new_context(**context_args)
        self.context.set_default_timeout(15_000)
        self.violations = []
        self.context.expose_binding("__cspViolation", lambda _source, v: self.violations.append(v))
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.violations.append(f"script error: {error}"))
        self.routes = set()
        self.shared = shared_seen
        self.loaded = []

    def _console(self, message):
        if "content security policy" in message.text.lower():
            self.violations.append(f"console on {self.page.url}: {message.text}")

    def sign_in(self, username):
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", settings.DEMO_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, f"{username} could not sign in"

    def load(self, url):
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status < 500, (url, response and response.status)
        if response.headers.get("content-type", "").startswith("text/html"):
            policy = response.headers.get("content-security-policy", "")
            assert "default-src 'self'" in policy, f"{url} carries no policy: {policy!r}"
        self.loaded.append(self.page.url)
        return response

    def links(self) -> list[str]:
        # getAttribute, not .href: an SVG link's href is an object (the dashboard's map).
        hrefs = self.page.eval_on_selector_all(
            "a[href]", "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)"
        )
        return [urldefrag(h)[0] for h in dict.fromkeys(hrefs) if h.startswith(self.base + "/")]

    def walk(self, starts, *, admin=False, forced=()):
        """Breadth-first over same-site links, one page per route; the `forced` pages are
        loaded first whatever their route. Without `admin` only the admin's index is loaded
        (its pages are the system administrator's walk)."""
        queue = deque(starts)
        for url in forced:
            self.routes.add(_route(urlsplit(url).path))
            if self.load(url).headers.get("content-type", "").startswith("text/html"):
                queue.extend(self.links())
        while queue:
            url = queue.popleft()
            route = _route(urlsplit(url).path)
            if route is None or route in SKIPPED_ROUTES or route in self.routes:
                continue
            if route.startswith("admin:") and not admin and route != "admin:index":
                continue
            if route.startswith(SHARED_ROUTES):
                if route in self.shared:
                    continue
                self.shared.add(route)
            self.routes.add(route)
            response = self.load(url)
            if response.headers.get("content-type", "").startswith("text/html"):
                queue.extend(self.links())

    def menu(self) -> list[str]:
        self.load(f"{self.base}/")
        return [
            urldefrag(h)[0]
            for h in self.page.eval_on_selector_all(
                "nav.nav a[href]", "els => els.map(e => e.href)"
            )
        ]

    def close(self):
        self.context.close()


def test_no_page_of_any_role_breaks_the_content_security_policy(
    browser, browser_context_args, live_server, transactional_db, settings, tmp_path
):
    settings.PUBLIC_TRACK_RATE = (100_000, 600)
    settings.PUBLIC_SUPPORT_RATE = (100_000, 600)
    seeded = _seed()
    base = live_server.url
    focus = Proposal.objects.filter(kelurahan__slug=FOCUS_KELURAHAN)
    site = Proposal.objects.filter(state=State.IN_PROGRESS).order_by("pk").first()
    shop = (
        Supplier.objects.filter(orders__proposal__kelurahan__kecamatan__slug=FOCUS_KECAMATAN)
        .order_by("pk")
        .first()
    )
    photo = ProgressPhoto.objects.order_by("pk").first()
    entry = MusrenbangEntry.objects.order_by("pk").first()
    people = {
        # Drafts to edit, an order to follow; and a site at work (days, swadaya, photos).
        "rt": _rt_of(_first_draft(focus, seeded)),
        "rt at work": _rt_of(site),
        "kelurahan": f"lurah.{FOCUS_KELURAHAN}",
        "kecamatan": f"camat.{FOCUS_KECAMATAN}",
        "bappeda": "bappeda",
        "inspektorat": "inspektorat",
        "toko": User.objects.get(role=Role.TOKO, supplier_account__supplier=shop).username,
        "admin": "admin",
    }
    # The admin's pages with markup of this project or of its admin add-ons.
    admin_pages = [
        base + reverse(name, args=args)
        for name, args in [
            ("admin:index", ()),
            ("admin:reporting_progressphoto_changelist", ()),
            ("admin:reporting_progressphoto_change", (photo.pk,)),
            ("admin:proposals_proposal_history", (focus.first().pk,)),
            ("admin:proposals_musrenbangentry_import", ()),
            ("admin:proposals_musrenbangentry_delete", (entry.pk,)),
            # Autocompletes (select2), a two-box multiple choice, inlines, date widgets.
            ("admin:proposals_musrenbangentry_change", (entry.pk,)),
            ("admin:bangkit_user_change", (User.objects.get(username=people["rt"]).pk,)),
            ("admin:bangkit_fiscalyear_change", (site.fiscal_year_id,)),
            ("admin:proposals_musrenbangentry_export", ()),
            ("admin:procurement_referenceprice_changelist", ()),
            ("admin:procurement_referenceprice_import", ()),
        ]
    ]

    # Where a walk starts, before its menu: the proposal a role has to act on (each route is
    # loaded once, and the first proposal met may offer no action).
    def dossier(state):
        return f"{base}/usulan/{focus.filter(state=state).order_by('pk').first().code}/"

    first_pages = {
        "rt": [dossier(State.DRAFT)],
        "kelurahan": [dossier(State.SUBMITTED)],
        "kecamatan": [dossier(State.KELURAHAN_VERIFIED)],
        "admin": admin_pages,
    }
    found, loaded, routes_of = {}, {}, {}
    shared = set()
    for role, username in people.items():
        walk = Walk(browser, browser_context_args, base, shared)
        if role == "admin":
            # The system administrator's own pages are the admin's; the rest of its menu is
            # Bappeda's, city-wide, already walked.
            walk.routes |= {r for r in routes_of["bappeda"] if not r.startswith("admin:")}
        try:
            walk.sign_in(username)
            menu = walk.menu()
            walk.walk(menu, admin=role == "admin", forced=first_pages.get(role, ()))
            if role == "admin":
                _select_all_export_fields(walk)
            if role == "rt":
                _add_a_rab_line(walk, focus.filter(state=State.DRAFT).order_by("pk").first())
            if role == "rt at work":
                _upload_a_photo(walk, site, tmp_path)
            if role == "kecamatan":
                _budget_bar_shows_the_shares(walk)
            found[role], loaded[role] = walk.violations, walk.loaded
            routes_of[role] = set(walk.routes)
        finally:
            walk.close()

    walk = Walk(browser, browser_context_args, base, shared)
    try:
        decree = Decree.objects.filter(state=Decree.State.ISSUED).order_by("pk").first()
        code = focus.exclude(state=State.DRAFT).order_by("pk").first().code
        usulan_code = ResidentUsulan.objects.order_by("pk").first().code
        public = [
            "/lacak/",
            f"/lacak/{code}/",
            "/dukung/",
            f"/dukung/{entry.pk}/",
            "/usul/",
            f"/lacak/{usulan_code}/",
            f"/sk/{decree.public_id}/",
            "/pengadaan/data/",
            "/accounts/login/",
            "/accounts/password_reset/",
            "/admin/",
        ]
        walk.shared.clear()  # signed out, every public page is loaded again
        walk.walk([base + path for path in public])
        found["anon"], loaded["anon"] = walk.violations, walk.loaded
        routes_of["anon"] = set(walk.routes)
    finally:
        walk.close()

    assert {role: v for role, v in found.items() if v} == {}
    # The walks reached what they are meant to check (routes met by following links).
    assert {
        "public:track",
        "public:track_detail",
        "public:support_list",
        "public:support",
        "usul:form",
        "sk:public",
        "procurement_public:index",
        "login",
        "password_reset",
        "admin:index",
    } <= routes_of["anon"]
    assert {"proposals:list", "proposals:detail", "proposals:edit", "proposals:rt_list"} <= (
        routes_of["rt"]
    )
    assert {"proposals:usulan_queue", "proposals:usulan_detail"} <= routes_of["kelurahan"]
    assert {"reporting:site", "reporting:photo_upload", "reporting:work_day_add"} <= (
        routes_of["rt at work"]
    )
    assert {"verification:ranking", "verification:decree_create", "verification:decree_detail"} <= (
        routes_of["kecamatan"]
    )
    assert {"budgets:envelopes", "admin:index"} <= routes_of["bappeda"]
    assert "admin:index" in routes_of["inspektorat"]
    assert {"procurement:index", "procurement:order"} <= routes_of["toko"]
    assert {"admin:generic" + kind for kind in ADMIN_KINDS} <= routes_of["admin"]
    assert {urlsplit(u).path for u in admin_pages} < {urlsplit(u).path for u in loaded["admin"]}
    assert any("reporting:photo_display" in routes for routes in routes_of.values())


def test_a_flush_between_tests_leaves_the_work_types_the_demo_needs(transactional_db):
    """Each transactional test ends with a flush of every table: the work types the data
    migration loads are loaded again after it (tests/conftest.py), so the demo seeded above
    matches its wish-list to work types whichever browser tests ran before it."""
    from importlib import import_module

    from bangkit.models import WorkType

    standard = {row[0] for row in import_module("bangkit.migrations.0002_work_types").WORK_TYPES}
    call_command("flush", interactive=False, verbosity=0)
    assert set(WorkType.objects.values_list("code", flat=True)) == standard


def _add_a_rab_line(walk, draft):
    """rab.js builds a RAB line from its <template>: nothing inline in it either."""
    page = walk.page
    walk.load(f"{walk.base}/usulan/{draft.code}/ubah/")
    before = page.locator("[data-rab-lines] > *").count()
    page.click("[data-rab-add]")
    assert page.locator("[data-rab-lines] > *").count() == before + 1


def _upload_a_photo(walk, site, tmp_path):
    """photo-upload.js previews the chosen photo from a blob: address and sends it itself."""
    path = tmp_path / "progres.jpg"
    Image.new("RGB", (320, 240), (120, 140, 90)).save(path, "JPEG")
    page = walk.page
    walk.load(f"{walk.base}/laporan/lokasi/{site.pk}/foto/")
    page.locator("input[name=stage]").first.check()
    page.set_input_files("input[type=file]", str(path))
    page.click("#photo-form button[type=submit]")
    # The preview's blob: image is fetched at once (a refusal would be a violation); once
    # stored, the row shows the server's thumbnail instead.
    page.wait_for_selector("[data-queue] li.done")
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-queue] li img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )


def _select_all_export_fields(walk):
    """The export page's "select all" box works from admin-export.js, not an onchange."""
    page = walk.page
    walk.load(walk.base + reverse("admin:procurement_referenceprice_export"))
    boxes = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    assert boxes.count() > 1
    page.uncheck("input.select-toggle")
    assert all(not box.is_checked() for box in boxes.all())
    page.check("input.select-toggle")
    assert all(box.is_checked() for box in boxes.all())


def _budget_bar_shows_the_shares(walk):
    """The budget bar, drawn in SVG: each part as wide as its share of the envelope."""
    page = walk.page
    walk.load(f"{walk.base}/verifikasi/prioritas/")
    bar = page.locator(".bar").first.bounding_box()
    committed = page.locator(".bar rect.bar-committed").first
    share = float(committed.get_attribute("width"))
    assert share > 0
    drawn = committed.bounding_box()
    assert abs(drawn["width"] - bar["width"] * share / 100) < 1.5
    assert abs(drawn["height"] - bar["height"]) < 1
