"""Hostile input through the browser, by every role: never a 500, out of area is 404,
refused input changes nothing, and what users typed is always shown escaped.

The world is the real demo (regions, core, proposals, verification, procurement, reporting),
seeded once for the module inside a transaction that is rolled back at the end; every test
runs in a savepoint of it. The user-typed text of that world is replaced by an XSS payload,
so every page requested below also proves that it escapes what it shows.
"""

import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from bangkit import demo as core_demo
from bangkit.models import RT, AuditEvent, BudgetEnvelope, Kecamatan, Kelurahan, Role, User
from procurement.models import Delivery, Handover, Payment, PurchaseOrder, Supplier
from proposals.models import (
    Attachment,
    CitizenSupport,
    MusrenbangEntry,
    Proposal,
    RABLine,
    State,
    TransitionLog,
)
from reporting.models import CompletionReport, ProgressPhoto, SwadayaContribution, WorkDay
from verification.models import Amendment, Decree, DecreeLocation, PriorityOverride

# ---- hostile_conftest: the world, the clients, the payloads ---------------------------------

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# What must never reach an HTML page unescaped.
XSS_MARKERS = ("<script>alert(1)", "<img src=x onerror")
LONG = "x" * 10_240

ROLES = ["anon", "rt", "kelurahan", "kecamatan", "bappeda", "inspektorat", "admin", "toko"]
AREA_ROLES = {"rt", "kelurahan", "kecamatan"}
FOCUS_KECAMATAN = "telanaipura"
FOCUS_KELURAHAN = "simpang-iv-sipin"

# Junk for path parameters: each is tried in place of one valid value.
PATH_JUNK = [
    "0",
    "999999999999",
    "99999999999999999999999",
    "-1",
    "abc",
    "\x00",
    "'; DROP TABLE proposals_proposal;--",
    "x" * 3000,
    "²",
    "BB-٢٠٢٦-ABCD-EF1",
    XSS,
    "../../etc/passwd",
]

# Every GET parameter the views read, set to the same junk at once, then the page-only ones.
QUERY_PARAMS = [
    "hal",
    "halaman",
    "page",
    "p",
    "tahap",
    "tahun",
    "kecamatan",
    "kelurahan",
    "jenis",
    "q",
    "status",
    "kode",
    "wilayah",
    "usulan",
    "o",
]
QUERY_JUNK = [
    "-1",
    "abc",
    "99999",
    "99999999999999999999",
    "1e309",
    "NaN",
    "²",
    "%%%",
    "\x00",
    "../../etc",
    XSS,
    "kel-²",
    "x" * 5000,
]

# Django's English messages: the interface speaks Indonesian, so none may show.
ENGLISH_ERRORS = [
    "This field is required",
    "Enter a valid",
    "Enter a whole number",
    "Ensure this value",
    "Select a valid choice",
    "The submitted file is empty",
    "No file was submitted",
    "Upload a valid image",
]


@dataclass
class World:
    media: object
    users: dict = field(default_factory=dict)
    # family → {"own": [...], "other": [...]}: values of path parameters, own being inside
    # the focus kecamatan (and RT), other outside it.
    values: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def _first(qs):
    obj = qs.first()
    assert obj is not None, f"the demo has no {qs.model.__name__} for this: {qs.query}"
    return obj


def _xss_everywhere() -> None:
    """Put the payload in every text a user types that pages show back."""
    targets = {
        Proposal: ["title", "location_description", "contribution_materials"],
        MusrenbangEntry: ["title", "problem", "location_text", "proposer", "work_type_text"],
        RABLine: ["material"],
        Attachment: ["original_name"],
        WorkDay: ["activity"],
        SwadayaContribution: ["description", "contributor"],
        ProgressPhoto: ["caption"],
        CompletionReport: ["problems"],
        Amendment: ["reason"],
        PriorityOverride: ["reason"],
        BudgetEnvelope: ["note"],
        PurchaseOrder: ["note", "supplier_reason", "delivery_address"],
        Supplier: ["address"],
        Delivery: ["note", "received_by_name"],
        Payment: ["reference"],
    }
    for model, names in targets.items():
        fields = {}
        for name in names:
            try:
                f = model._meta.get_field(name)
            except Exception:
                continue
            if getattr(f, "max_length", None) and f.max_length < len(XSS):
                continue
            fields[name] = XSS
        if fields:
            model.objects.update(**fields)
    Decree.objects.filter(state=Decree.State.DRAFT).update(title=XSS, menimbang=XSS)
    RT.objects.filter(kelurahan__slug=FOCUS_KELURAHAN).update(head_name=XSS[:60])
    User.objects.filter(
        username__in=[f"camat.{FOCUS_KECAMATAN}", f"lurah.{FOCUS_KELURAHAN}"]
    ).update(first_name=XSS[:60])


def _build_world(media) -> World:
    from verification import decrees

    w = World(media=media)
    kec = Kecamatan.objects.get(slug=FOCUS_KECAMATAN)
    kel = Kelurahan.objects.get(slug=FOCUS_KELURAHAN)
    get = User.objects.get
    w.users = {
        "anon": None,
        "rt": get(username=f"rt.{FOCUS_KELURAHAN}.01"),
        "kelurahan": get(username=f"lurah.{FOCUS_KELURAHAN}"),
        "kecamatan": get(username=f"camat.{FOCUS_KECAMATAN}"),
        "bappeda": get(username="bappeda"),
        "inspektorat": get(username="inspektorat"),
        "admin": get(username="admin"),
    }
    fy = _first(Proposal.objects.order_by("-fiscal_year__year")).fiscal_year

    # A draft SK of the focus kecamatan, next to its issued one.
    camat = w.users["kecamatan"]
    waiting = list(
        Proposal.objects.filter(
            kelurahan__kecamatan=kec, state=State.KECAMATAN_VERIFIED, decree_locations=None
        )[:1]
    )
    assert waiting, "the demo leaves verified proposals of Telanaipura for a draft SK"
    draft = decrees.decree_create_draft(
        actor=camat, kecamatan=kec, fiscal_year=fy, proposals=waiting
    )

    # A returned proposal whose reason (public on /lacak/) carries the payload.
    from proposals import services as proposal_services

    proposal_services.proposal_transition(
        proposal=_first(Proposal.objects.filter(kelurahan=kel, state=State.SUBMITTED)),
        actor=w.users["kelurahan"],
        action="return_for_revision",
        note=f"Perbaiki RAB {XSS}",
    )
    inside = Proposal.objects.filter(kelurahan__kecamatan=kec)
    outside = Proposal.objects.exclude(kelurahan__kecamatan=kec)
    # A shop's account, selling to the focus kecamatan.
    shop = _first(Supplier.objects.filter(orders__proposal__in=inside))
    w.users["toko"] = User.objects.filter(role=Role.TOKO, supplier=shop).first() or (
        User.objects.create(username="toko.uji", role=Role.TOKO, supplier=shop)
    )
    own_proposals = [_first(inside.filter(rt=w.users["rt"].rt_id, state=State.DRAFT))]
    for state in State.values:
        p = inside.filter(state=state).exclude(pk__in=[p.pk for p in own_proposals]).first()
        if p is not None:
            own_proposals.append(p)
    other_proposals = [_first(outside.filter(state=State.SUBMITTED))]
    other_proposals += list(outside.filter(state__in=["procurement", "reported"]))

    execution = ["materials_received", "in_progress", "reported", "completed"]
    own_sites = list(inside.filter(state__in=execution))
    other_sites = list(outside.filter(state__in=execution))
    procurement_states = ["designated", "procurement", *execution]
    own_buying = list(inside.filter(state__in=procurement_states))
    other_buying = list(outside.filter(state__in=procurement_states))
    own_attachment = _first(
        Attachment.objects.filter(proposal__in=inside, proposal__rt=w.users["rt"].rt_id)
    )
    other_attachment = _first(Attachment.objects.filter(proposal__in=outside))
    issued = _first(Decree.objects.filter(kecamatan=kec, state=Decree.State.ISSUED))
    other_issued = _first(Decree.objects.exclude(kecamatan=kec).filter(state=Decree.State.ISSUED))
    issued_site = _first(DecreeLocation.objects.filter(decree=issued)).proposal_id
    other_site = _first(DecreeLocation.objects.filter(decree=other_issued)).proposal_id

    def of(model, own_filter, other_filter):
        return {
            "own": list(model.objects.filter(**own_filter).values_list("pk", flat=True)[:3]),
            "other": list(model.objects.filter(**other_filter).values_list("pk", flat=True)[:2]),
        }

    w.values = {
        "proposal_code": {
            "own": [p.code for p in own_proposals],
            "other": [p.code for p in other_proposals],
        },
        "entry": of(
            MusrenbangEntry,
            {"rt": w.users["rt"].rt_id},
            {"kelurahan__kecamatan__slug__in": ["kota-baru", "jelutung"]},
        ),
        "attachment": {
            "own": [(own_attachment.proposal.code, own_attachment.pk)],
            "other": [
                (other_attachment.proposal.code, other_attachment.pk),
                (own_attachment.proposal.code, other_attachment.pk),
            ],
        },
        # Kelurahan shares: only Bappeda sees and removes them, wherever they are.
        "envelope": {
            "own": list(
                BudgetEnvelope.objects.filter(kelurahan__isnull=False).values_list("pk", flat=True)
            )[:2],
            "other": [],
        },
        "decree": {
            "own": [issued.public_id, draft.public_id],
            "other": [other_issued.public_id],
        },
        "decree_site": {
            "own": [(issued.public_id, issued_site)],
            "other": [(other_issued.public_id, other_site), (issued.public_id, other_site)],
        },
        "public_decree": {"own": [issued.public_id, other_issued.public_id], "other": []},
        "year": {"own": [fy.year, 2014, 1999], "other": []},
        "buying": {
            "own": [p.pk for p in own_buying],
            "other": [p.pk for p in other_buying],
        },
        "order": of(
            PurchaseOrder,
            {"proposal__in": inside},
            {"proposal__in": outside},
        ),
        "delivery": of(Delivery, {"order__proposal__in": inside}, {"order__proposal__in": outside}),
        "handover": of(Handover, {"proposal__in": inside}, {"proposal__in": outside}),
        "site": {"own": [p.pk for p in own_sites], "other": [p.pk for p in other_sites]},
        "work_day": of(WorkDay, {"proposal__in": inside}, {"proposal__in": outside}),
        "contribution": of(
            SwadayaContribution, {"proposal__in": inside}, {"proposal__in": outside}
        ),
        "photo": of(ProgressPhoto, {"proposal__in": inside}, {"proposal__in": outside}),
        "public_entry": {
            "own": list(MusrenbangEntry.objects.values_list("pk", flat=True)[:2]),
            "other": [],
        },
        "public_code": {
            "own": [p.code for p in own_proposals[:3] + other_proposals[:1]],
            "other": [],
        },
    }
    for family, found in w.values.items():
        assert found["own"], f"the world has no own {family}"
    w.objects = {
        "fiscal_year": fy,
        "kecamatan": kec,
        "kelurahan": kel,
        "draft_decree": draft,
        "issued_decree": issued,
    }
    _xss_everywhere()
    return w


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo, once for the module, rolled back at the end."""
    from procurement import demo as procurement_demo
    from proposals import demo as proposals_demo
    from reporting import demo as reporting_demo
    from verification import demo as verification_demo

    media = tmp_path_factory.mktemp("hostile-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
        core_demo.seed_core()
        for module in (proposals_demo, verification_demo, procurement_demo, reporting_demo):
            module.seed()
        yield _build_world(media)
        transaction.set_rollback(True)


@pytest.fixture
def world(seeded, db, settings):
    settings.MEDIA_ROOT = seeded.media
    # Public pages count requests per address: the sweep must reach the views themselves.
    settings.PUBLIC_TRACK_RATE = (100_000, 600)
    settings.PUBLIC_SUPPORT_RATE = (100_000, 600)
    cache.clear()
    return seeded


@pytest.fixture
def clients(world):
    made = {}
    for role, user in world.users.items():
        client = Client(raise_request_exception=True)
        if user is not None:
            client.force_login(user)
        made[role] = client
    return made


# ---- requests and what every response must satisfy ------------------------------------------


class Sweep:
    """Collects every broken response instead of stopping at the first."""

    def __init__(self):
        self.failures: list[str] = []

    def request(self, client, method: str, url: str, role: str, **kwargs):
        label = f"{role} {method} {url[:160]!r}"
        try:
            response = getattr(client, method.lower())(url, **kwargs)
        except Exception as exc:  # the client re-raises what the view raised: a 500
            self.failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{label}: status {response.status_code}")
        content_type = response.get("Content-Type", "")
        if not getattr(response, "streaming", False) and "html" in content_type:
            body = response.content.decode("utf-8", "replace")
            if "Traceback (most recent call last)" in body:
                self.failures.append(f"{label}: a traceback in the page")
            for marker in XSS_MARKERS:
                if marker in body:
                    at = body.index(marker)
                    self.failures.append(
                        f"{label}: unescaped {marker!r} near {body[max(0, at - 80) : at]!r}"
                    )
            for english in ENGLISH_ERRORS:
                if english in body:
                    self.failures.append(f"{label}: English message {english!r}")
        return response

    def check(self):
        assert not self.failures, f"{len(self.failures)} problems:\n" + "\n".join(
            self.failures[:60]
        )


# ---- the URL patterns of the project ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "proposals:detail"
    route: str  # e.g. "usulan/<str:code>/"
    params: tuple[str, ...]
    regex: bool


def _walk(resolver, prefix="", namespace="", regex=False):
    for p in resolver.url_patterns:
        is_regex = regex or type(p.pattern).__name__ == "RegexPattern"
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p, prefix + str(p.pattern), ns, is_regex)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if is_regex:
                params = tuple(
                    m.group(1) or f"_{i}"
                    for i, m in enumerate(re.finditer(r"\((?:\?P<(\w+)>)?[^)]*\)", route))
                )
            else:
                params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
            yield Route(namespace + (p.name or ""), route, params, is_regex)


ALL_ROUTES = list(_walk(get_resolver()))
APP_ROUTES = [r for r in ALL_ROUTES if not r.route.startswith("admin/")]


def build_url(route: Route, values: dict) -> str:
    if route.regex:
        text = route.route.replace("^", "").replace("$", "")
        for name in route.params:
            text = re.sub(
                r"\((?:\?P<\w+>)?[^)]*\)", quote(str(values[name]), safe=""), text, count=1
            )
        return "/" + text

    def sub(match):
        return quote(str(values[match.group(1)]), safe="")

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", sub, route.route)


# Which family of world values fills the parameters of each route.
FAMILIES = {
    "proposals:create": ("entry",),
    "proposals:attachment": ("attachment",),
    "proposals:attachment_delete": ("attachment",),
    "verification:envelope_remove": ("envelope",),
    "verification:decree_site_amend": ("decree_site",),
    "procurement_public:csv": ("year",),
    "procurement_public:xlsx": ("year",),
    "procurement_public:ocds": ("year",),
    "public:support": ("public_entry",),
    "public:track_detail": ("public_code",),
    "sk:public": ("public_decree",),
    "sk:public_pdf": ("public_decree",),
}
PREFIX_FAMILIES = [
    ("proposals:", "proposal_code"),
    ("verification:decree", "decree"),
    ("procurement:order", "order"),
    ("procurement:delivery_photo", "delivery"),
    ("procurement:delivery_confirm", "delivery"),
    ("procurement:delivery_create", "order"),
    ("procurement:payment", "order"),
    ("procurement:handover_", "handover"),
    ("procurement:", "buying"),
    ("reporting:work_day_remove", "work_day"),
    ("reporting:attendance", "work_day"),
    ("reporting:contribution_remove", "contribution"),
    ("reporting:photo_upload", "site"),
    ("reporting:photo_", "photo"),
    ("reporting:", "site"),
]


def family_of(route: Route) -> str | None:
    if route.name in FAMILIES:
        return FAMILIES[route.name][0]
    for prefix, family in PREFIX_FAMILIES:
        if route.name.startswith(prefix):
            return family
    return None


# Pages that draw a PDF for each request: one object of each kind is enough.
SLOW_ROUTES = {"reporting:lpj", "procurement:order_pdf", "verification:decree_preview"}


def _converter(route: Route, name: str) -> str:
    match = re.search(rf"<(\w+):{name}>", route.route)
    return match.group(1) if match else "str"


def cases(route: Route, world: World) -> list[tuple[str, dict]]:
    """(kind, values) for a route: own objects, other areas' objects, then junk in each slot."""
    if not route.params:
        return [("own", {})]
    family = family_of(route)
    found = world.values.get(family) if family else None
    if found is None:
        own = [dict.fromkeys(route.params, "1")]
        other = []
    else:

        def as_kwargs(value):
            value = value if isinstance(value, tuple) else (value,)
            return dict(zip(route.params, value, strict=True))

        own = [as_kwargs(v) for v in found["own"]]
        other = [as_kwargs(v) for v in found["other"]]
    if route.name in SLOW_ROUTES:
        own, other = own[:1], other[:1]
    result = [("own", v) for v in own] + [("other", v) for v in other]
    for name in route.params:
        for junk in PATH_JUNK:
            if _converter(route, name) == "int" and not (junk.isascii() and junk.isdigit()):
                continue  # the resolver answers 404 before any view runs
            result.append(("junk", {**own[0], name: junk}))
    return result


PUBLIC_NAMESPACES = ("public:", "sk:", "procurement_public:")


def expects_404_for_other(route: Route, role: str) -> bool:
    return role in AREA_ROLES and not route.name.startswith(PUBLIC_NAMESPACES)


# ---- 1. every URL, every role, GET -------------------------------------------------------------


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: r.name or r.route)
def test_every_url_as_every_role_never_fails(route, clients, world):
    sweep = Sweep()
    for kind, values in cases(route, world):
        url = build_url(route, values)
        for role in ROLES:
            response = sweep.request(clients[role], "GET", url, role)
            if response is None:
                continue
            status = response.status_code
            if status == 403 and role != "anon":
                sweep.failures.append(f"{role} GET {url}: 403 reveals the object exists")
            if kind == "other" and expects_404_for_other(route, role) and status not in (404, 405):
                sweep.failures.append(f"{role} GET {url}: {status} for another area, not 404")
    sweep.check()


# The views that read the query string get every junk value in every parameter; the others
# one request per role (they must ignore it).
QUERY_ROUTES = {
    "home",
    "proposals:list",
    "proposals:musrenbang",
    "verification:ranking",
    "verification:envelopes",
    "verification:decree_list",
    "verification:decree_create",
    "procurement:index",
    "procurement:orders",
    "procurement:reference_prices",
    "reporting:sites",
    "reporting:savings",
    "public:track",
    "public:support_list",
}
# Parameters that choose an area or an object: a refused one (404) hides the others.
AREA_PARAMS = {"kecamatan", "kelurahan", "wilayah", "usulan", "kode"}


def junk_queries(count: int) -> list[dict]:
    """Each query mixes junk; over `count` queries every parameter meets every junk value."""
    queries = []
    for i in range(count):
        names = QUERY_PARAMS if i % 2 == 0 else [n for n in QUERY_PARAMS if n not in AREA_PARAMS]
        queries.append(
            {
                n: QUERY_JUNK[(i + j) % len(QUERY_JUNK)]
                for j, n in enumerate(QUERY_PARAMS)
                if n in names
            }
        )
    return queries


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: r.name or r.route)
def test_every_url_with_junk_in_the_query_string(route, clients, world):
    sweep = Sweep()
    _, values = cases(route, world)[0]
    url = build_url(route, values)
    roles = ROLES
    if route.name.startswith(PUBLIC_NAMESPACES):
        roles = ["anon", "rt", "admin"]  # the same page for everyone
    elif route.name in SLOW_ROUTES:
        roles = ["anon", "admin"]  # a PDF ignores the query string; it must only not fail
    queries = junk_queries(len(QUERY_JUNK) if route.name in QUERY_ROUTES else 1)
    for role in roles:
        for query in queries:
            sweep.request(clients[role], "GET", url, role, data=query)
    sweep.check()


# ---- regressions: each bug the sweep found, pinned on its own --------------------------------


@pytest.mark.parametrize("junk", ["BB-٢٠٢٦-ABCD-EF1", "bb ٢٠٢٦ cfbq twu", "BB-2026-ABCD-E٣1"])
def test_tracking_code_with_other_scripts_digits_is_not_found(junk, world):
    from proposals.codes import normalize_code

    assert normalize_code(junk) is None
    client = Client()
    assert client.get("/lacak/", {"kode": junk}).status_code == 404
    assert client.get(f"/lacak/{quote(junk)}/").status_code == 404


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "1e309", "٣", " 7 x"])
def test_proposal_list_ignores_junk_numbers_in_its_filters(junk, clients, world):
    for role in ("rt", "kelurahan", "kecamatan", "bappeda"):
        response = clients[role].get(
            "/usulan/", {"tahun": junk, "jenis": junk, "kelurahan": junk, "tahap": ""}
        )
        assert response.status_code == 200


def test_plain_int_takes_only_short_ascii_digits():
    from bangkit.params import plain_int

    assert plain_int(" 2026 ") == 2026
    assert plain_int(2026) == 2026
    for junk in ["", None, "²", "٣", "-1", "1e3", "1.0", "9" * 10, "x" * 5000]:
        assert plain_int(junk) is None


@pytest.mark.parametrize("junk", ["abc", "²", "1e309", "\x00", "99999999999999999999", XSS])
def test_new_decree_page_with_a_junk_year_is_not_found(junk, clients, world):
    assert clients["kecamatan"].get("/verifikasi/sk/baru/", {"tahun": junk}).status_code == 404
    year = world.objects["fiscal_year"].year
    page = clients["kecamatan"].get("/verifikasi/sk/baru/", {"tahun": year, "usulan": ["²", "1"]})
    assert page.status_code == 200


@pytest.mark.parametrize("path", ["/laporan/", "/laporan/penghematan/"])
def test_reporting_lists_ignore_a_junk_year(path, clients, world):
    for junk in ["²", "99999999999999999999", "-1", "abc"]:
        assert clients["kelurahan"].get(path, {"tahun": junk}).status_code == 200
