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
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from bangkit.models import RT, AuditEvent, Kecamatan, Kelurahan, Role, User
from budgets.models import BudgetEnvelope
from demo.seeders import core as core_demo
from procurement.models import (
    Delivery,
    Handover,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from proposals.models import (
    Attachment,
    CitizenSupport,
    MusrenbangEntry,
    Proposal,
    RABLine,
    State,
    TransitionLog,
)
from reporting.models import (
    CompletionReport,
    MaterialUsage,
    ProgressPhoto,
    SwadayaContribution,
    WorkDay,
)
from tests import factories
from verification.models import Amendment, Decree, DecreeLocation, PriorityOverride

# ---- hostile_conftest: the world, the clients, the payloads -------------------------------------

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# What must never reach an HTML page unescaped.
XSS_MARKERS = ("<script>alert(1)", "<img src=x onerror")
LONG = "x" * 10_240

ROLES = [
    "anon",
    "rt",
    "kelurahan",
    "kecamatan",
    "bappeda",
    "inspektorat",
    "walikota",
    "admin",
    "toko",
]
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

# Every GET parameter the views (and the admin's lists) read; see junk_queries().
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
    "No valid data to import",
    "is not a valid value",
    "Please correct the error",
]


@dataclass
class World:
    media: object
    users: dict = field(default_factory=dict)
    # family → {"own": [...], "other": [...]}: values of path parameters, own being inside
    # the focus kecamatan (and RT), other outside it.
    values: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    # Every row of SNAPSHOT_MODELS as the module's tests find it (each runs in a savepoint).
    baseline: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # role → session key, made once


def _first(qs):
    obj = qs.first()
    assert obj is not None, f"the demo has no {qs.model.__name__} for this: {qs.query}"
    return obj


def _xss_everywhere() -> None:
    """Put the payload in every text a user types that pages show back."""
    targets = {
        Proposal: ["title", "location_description", "contribution_materials"],
        # The copy of each site an issued decree keeps, as its annex prints it.
        DecreeLocation: ["location_description", "work_type_name", "kelurahan_name"],
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
            except FieldDoesNotExist:
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
    from verification.decrees import services as decrees

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
        "walikota": get(username="walikota"),
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
    w.users["toko"] = User.objects.filter(
        role=Role.TOKO, supplier_account__supplier=shop
    ).first() or factories.make_user(Role.TOKO, shop, username="toko.uji")
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
    w.baseline = snapshot_rows()
    for role, user in w.users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            w.sessions[role] = client.session.session_key
    return w


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo, once for the module, rolled back at the end."""
    from demo.seeders import procurement as procurement_demo
    from demo.seeders import proposals as proposals_demo
    from demo.seeders import reporting as reporting_demo
    from demo.seeders import verification as verification_demo

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
    settings.PASSWORD_RESET_IP_RATE = (100_000, 600)
    settings.PASSWORD_RESET_ADDRESS_RATE = (100_000, 600)
    cache.clear()
    return seeded


@pytest.fixture
def clients(world):
    """A browser per role, signed in with the session made once for the module."""
    from django.conf import settings

    made = {}
    for role in world.users:
        client = Client(raise_request_exception=True)
        if world.sessions.get(role):
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        made[role] = client
    return made


# ---- requests and what every response must satisfy ----------------------------------------------


class Sweep:
    """Collects every broken response instead of stopping at the first."""

    def __init__(self):
        self.failures: list[str] = []

    def fail(self, label: str, problem: str) -> None:
        self.failures.append(f"{label}: {problem}")

    def request(self, client, method: str, url: str, role: str, **kwargs):
        label = f"{role} {method} {url[:160]!r}"
        try:
            response = getattr(client, method.lower())(url, **kwargs)
        except Exception as exc:  # the client re-raises what the view raised: a 500
            self.fail(label, f"{type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.fail(label, f"status {response.status_code}")
        content_type = response.get("Content-Type", "")
        if not getattr(response, "streaming", False) and "html" in content_type:
            body = response.content.decode("utf-8", "replace")
            if "Traceback (most recent call last)" in body:
                self.fail(label, "a traceback in the page")
            for marker in XSS_MARKERS:
                if marker in body:
                    at = body.index(marker)
                    near = body[max(0, at - 80) : at]
                    self.fail(label, f"unescaped {marker!r} near {near!r}")
            for english in ENGLISH_ERRORS:
                if english in body:
                    self.fail(label, f"English message {english!r}")
        return response

    def check(self):
        assert not self.failures, f"{len(self.failures)} problems:\n" + "\n".join(
            self.failures[:60]
        )


# ---- snapshots, uploads, logins and forms -------------------------------------------------------

# What a refused request must leave exactly as it was: every row of these tables, and the files.
SNAPSHOT_MODELS = [
    Proposal,
    RABLine,
    Attachment,
    TransitionLog,
    CitizenSupport,
    AuditEvent,
    BudgetEnvelope,
    Decree,
    DecreeLocation,
    Amendment,
    PriorityOverride,
    WorkDay,
    SwadayaContribution,
    ProgressPhoto,
    CompletionReport,
    MaterialUsage,
    PurchaseOrder,
    PurchaseOrderLine,
    Delivery,
    Payment,
    Handover,
]


def snapshot_rows() -> dict:
    state = {}
    for model in SNAPSHOT_MODELS:
        names = [f.attname for f in model._meta.concrete_fields]
        state[model.__name__] = sorted(map(repr, model._base_manager.values_list(*names)))
    return state


def snapshot(world) -> dict:
    """Every row of the tables a refused request must not touch, and the stored files."""
    state = snapshot_rows()
    state["files"] = sorted(str(p) for p in world.media.rglob("*") if p.is_file())
    return state


def assert_unchanged(before: dict, after: dict, what: str) -> None:
    changed = [name for name in before if before[name] != after[name]]
    new_files = sorted(set(after["files"]) - set(before["files"]))[:5]
    assert not changed, f"{what} changed {changed} {new_files}"


def upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def png_0x0() -> bytes:
    """A PNG header that claims a picture of 0 × 0 pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def bad_files() -> list:
    """Files that are not what they claim to be; fresh objects for every request."""
    return [
        upload("foto.jpg", b"just some text, not a picture\n" * 20, "image/jpeg"),
        upload("kosong.pdf", b"", "application/pdf"),
        upload("kosong.png", png_0x0(), "image/png"),
        upload("surat.pdf", XSS.encode() * 10, "application/pdf"),
        upload("rusak.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"),
        upload("x" * 300 + ".pdf", b"%PDF-", "application/pdf"),
    ]


NUMBER_JUNK = [
    "abc",
    "1e309",
    "-5",
    "99999999999999999999",
    "12,34,56",
    "Rp",
    "NaN",
    "Infinity",
    "²",
    "9" * 10_240,
    XSS,
]
DATE_JUNK = ["2026-02-30", "0000-00-00", "99999-01-01", "abc", "2026-13-01", "²⁰²⁶-01-01"]


def login(user) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def owner(role: str, proposal) -> User:
    area = {
        Role.RT: {"rt": proposal.rt_id},
        Role.KELURAHAN: {"kelurahan": proposal.kelurahan_id},
        Role.KECAMATAN: {"kecamatan": proposal.kelurahan.kecamatan_id},
    }[role]
    return User.objects.get(role=role, **area)


def post_all_refused(world, client, role, url, variants, *, files=None, **extra):
    """POST each variant; none may fail, none may change anything."""
    sweep = Sweep()
    before = snapshot(world)
    for data in variants:
        sweep.request(client, "POST", url, role, data=data, **extra)
    for file in files or []:
        sweep.request(client, "POST", url, role, data=file, **extra)
    sweep.check()
    assert_unchanged(before, snapshot(world), f"refused POSTs to {url}")


def with_each(base: dict, names, junk_values) -> list[dict]:
    """An empty body, then the valid base with one field at a time replaced by each junk."""
    return [{}] + [{**base, name: junk} for name in names for junk in junk_values]


def form_data(form) -> dict:
    """What a browser would send back for a rendered form (or formset's management form)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "on" if value is True else str(value)
    return data


def small_jpeg(seed: int = 0) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 40 % 256, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


SMALL_PDF = factories.pdf_bytes()


def own_proposal(world, state, **lookup):
    return _first(
        Proposal.objects.filter(
            kelurahan__kecamatan=world.objects["kecamatan"], state=state, **lookup
        ).select_related("kelurahan")
    )


# ---- the URL patterns of the project ------------------------------------------------------------


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
    "proposals:create": "entry",
    "proposals:attachment": "attachment",
    "proposals:attachment_delete": "attachment",
    "proposals:attachment_display": "attachment",
    "proposals:attachment_thumbnail": "attachment",
    "flow:start": "entry",
    "flow:dokumen_remove": "attachment",
    "budgets:envelope_remove": "envelope",
    "verification:decree_site_amend": "decree_site",
    "procurement_public:csv": "year",
    "procurement_public:xlsx": "year",
    "procurement_public:ocds": "year",
    "public:support": "public_entry",
    "public:track_detail": "public_code",
    "sk:public": "public_decree",
    "sk:public_pdf": "public_decree",
}
PREFIX_FAMILIES = [
    ("proposals:", "proposal_code"),
    ("flow:", "proposal_code"),
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
        return FAMILIES[route.name]
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


# ---- 1. every URL, every role, GET, with junk in the path and the query string ------------------


def roles_for(route: Route, kind: str, index: int) -> list[str]:
    """Every role asks for own and other areas' objects. Junk in the path is asked by three
    roles in turn (the anonymous, an area role, a city-wide role), so that every role meets
    junk in every slot across the values without the module taking minutes."""
    if kind == "junk":
        area = sorted(AREA_ROLES)[index % 3]
        city = ["bappeda", "inspektorat", "walikota", "admin", "toko"][index % 5]
        return ["anon", area, city]
    if route.name in SLOW_ROUTES:
        # The city-wide roles draw the same PDF: the Inspektorat's stands for all three.
        if kind == "other":
            return sorted(AREA_ROLES)
        return [role for role in ROLES if role not in ("bappeda", "admin")]
    return ROLES


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: r.name or r.route)
def test_every_url_as_every_role_never_fails(route, clients, world):
    sweep = Sweep()
    for index, (kind, values) in enumerate(cases(route, world)):
        url = build_url(route, values)
        for role in roles_for(route, kind, index):
            response = sweep.request(clients[role], "GET", url, role)
            if response is None:
                continue
            status = response.status_code
            if status == 403 and role != "anon":
                sweep.failures.append(f"{role} GET {url}: 403 reveals the object exists")
            if kind == "other" and expects_404_for_other(route, role) and status not in (404, 405):
                sweep.failures.append(f"{role} GET {url}: {status} for another area, not 404")
            if status == 404 and "tidak ditemukan" not in response.content.decode():
                sweep.failures.append(f"{role} GET {url}: a 404 without the Indonesian page")
    sweep.check()


# The views that read the query string get every junk value in every parameter; the others
# one request per role (they must ignore it).
QUERY_ROUTES = {
    "home",
    "proposals:list",
    "proposals:musrenbang",
    "verification:ranking",
    "budgets:envelopes",
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


def junk_queries(count: int, shift: int = 0) -> list[dict]:
    """Queries that mix junk: parameter j of query i gets junk i + j + shift. Every other query
    leaves out the area parameters, whose refusal (a 404) would hide the page parameters."""
    queries = []
    for i in range(count):
        names = QUERY_PARAMS if i % 2 == 0 else [n for n in QUERY_PARAMS if n not in AREA_PARAMS]
        queries.append(
            {
                n: QUERY_JUNK[(i + j + shift) % len(QUERY_JUNK)]
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
    # Seven queries per role, shifted per role: over the roles every parameter of a page that
    # reads the query string meets every junk value, with and without the area parameters.
    count = 7 if route.name in QUERY_ROUTES else 1
    for index, role in enumerate(roles):
        for query in junk_queries(count, shift=7 * index):
            sweep.request(clients[role], "GET", url, role, data=query)
    sweep.check()


# ---- 2. the admin, where Bappeda and the Inspektorat work ---------------------------------------

ADMIN_MODELS = sorted(
    {
        (m.group(1), m.group(2))
        for r in ALL_ROUTES
        if r.name.endswith("_changelist") and (m := re.fullmatch(r"admin/(\w+)/(\w+)/", r.route))
    }
)
STAFF = ["bappeda", "inspektorat", "admin"]


@pytest.mark.parametrize("app_model", ADMIN_MODELS, ids="/".join)
def test_every_admin_page_takes_junk_and_the_inspektorat_changes_nothing(app_model, clients, world):
    from django.apps import apps

    app, name = app_model
    model = apps.get_model(app, name)
    base = f"/admin/{app}/{name}/"
    obj = model._base_manager.order_by("pk").first()
    pk = quote(str(obj.pk), safe="") if obj is not None else "1"
    sweep = Sweep()
    for role in ROLES:
        sweep.request(clients[role], "GET", base, role)
    for role in ("inspektorat", "admin"):  # Bappeda's own models are in its changelist
        sweep.request(clients[role], "GET", f"{base}{pk}/change/", role)
    queries = [
        {"q": XSS, "o": "abc", "p": "-1"},
        {"q": "²", "o": "99", "p": "99999999999999999999", "all": ""},
        {"q": "x" * 3000, "e": "1", "_to_field": "abc", "id__exact": "abc"},
    ]
    for index, query in enumerate(queries):
        role = STAFF[index % 3]
        sweep.request(clients[role], "GET", base, role, data=query)
    admin_client = clients["admin"]
    for path in ("add/", f"{pk}/history/", f"{pk}/delete/"):
        sweep.request(admin_client, "GET", base + path, "admin")
    for index, junk in enumerate(["abc", "99999999999999999999", XSS, "²"]):
        role = STAFF[index % 3]
        for page in ("change", "history"):
            sweep.request(clients[role], "GET", f"{base}{quote(junk, safe='')}/{page}/", role)
    # The Inspektorat audits through the admin and changes nothing, whatever it sends.
    before = {**world.baseline, "files": snapshot(world)["files"]}
    auditor = clients["inspektorat"]
    sweep.request(auditor, "POST", f"{base}{pk}/change/", "inspektorat", data={})
    sweep.request(auditor, "POST", f"{base}{pk}/delete/", "inspektorat", data={"post": "yes"})
    sweep.request(auditor, "POST", f"{base}add/", "inspektorat", data={"name": XSS})
    sweep.request(
        auditor,
        "POST",
        base,
        "inspektorat",
        data={"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
    )
    after = snapshot(world)
    changed = [n for n in before if before[n] != after[n]]
    if changed:
        sweep.failures.append(f"the Inspektorat's POSTs to {base} changed {changed}")
    sweep.check()


def test_the_other_admin_pages_take_junk(clients, world):
    sweep = Sweep()
    proposal = Proposal.objects.order_by("pk").first()
    history = proposal.history.order_by("pk").first()
    urls = [
        "/admin/",
        "/admin/proposals/",
        "/admin/nothing/",
        "/admin/proposals/nothing/",
        f"/admin/{quote(XSS, safe='')}/",
        "/admin/jsi18n/",
        "/admin/password_change/",
        "/admin/autocomplete/?app_label=abc&model_name=abc&field_name=abc&term=%25",
        "/admin/autocomplete/?app_label=proposals&model_name=proposal&field_name=rt&term=x",
        "/admin/r/abc/1/",
        "/admin/r/99999999999999999999/99999999999999999999/",
        f"/admin/proposals/proposal/{proposal.pk}/history/{history.pk}/",
        f"/admin/proposals/proposal/{proposal.pk}/history/abc/",
        "/admin/proposals/proposal/abc/history/99999999999999999999/",
        "/admin/proposals/musrenbangentry/import/",
        "/admin/proposals/musrenbangentry/process_import/",
        "/admin/proposals/musrenbangentry/export/",
        "/admin/procurement/referenceprice/impor/",
        "/admin/procurement/referenceprice/export/",
    ]
    for url in urls:
        for role in ROLES:
            sweep.request(clients[role], "GET", url, role)
    sweep.check()


def test_musrenbang_import_of_hostile_files_imports_nothing(clients, world):
    """Files that are not what they claim, and files with one bad row: nothing is saved."""
    import openpyxl

    header = (
        "ID Usulan;Kecamatan;Kelurahan;RT;Usulan;Permasalahan;Jenis Kegiatan;Lokasi;Volume;"
        "Satuan;Perkiraan Biaya (Rp)\n"
    )
    good = "H-1;Jambi Selatan;Thehok;RT 03;Rabat beton;Becek;Rabat beton;Gang;120,5;m;25.000.000\n"

    def row(**changes):
        values = dict(
            zip(
                [
                    "id",
                    "kec",
                    "kel",
                    "rt",
                    "title",
                    "problem",
                    "type",
                    "loc",
                    "vol",
                    "unit",
                    "cost",
                ],
                good.strip().split(";"),
                strict=True,
            )
        )
        values.update(changes)
        return ";".join(values.values()) + "\n"

    csv_files = {
        "garbage.csv": bytes(range(256)) * 40,
        "empty.csv": b"",
        "header-only.csv": header.encode(),
        "nul.csv": (header + good.replace("Becek", "Be\x00cek")).encode(),
        "long-cell.csv": (header + good + row(id="H-2", title="x" * 10_240)).encode(),
        "huge-cost.csv": (header + good + row(id="H-3", cost="9" * 10_240)).encode(),
        "nan-volume.csv": (header + good + row(id="H-4", vol="NaN")).encode(),
        "bad-rt.csv": (header + good + row(id="H-5", rt="RT ²")).encode(),
        "xss.csv": (header + good + row(id="H-6", kel=XSS)).encode(),
        "dup-ids.csv": (header + good + good).encode(),
        "no-newline.csv": header.encode() + b"H-7;" * 3000,
        "xlsx-named.csv": b"PK\x03\x04 not really a zip",
    }
    book = openpyxl.Workbook()
    book.active.append(["ID Usulan", "Kecamatan"])
    book.active.append(["H-8", XSS])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx_files = {
        "text.xlsx": b"ID Usulan;Kecamatan\nH-9;Thehok\n",
        "empty.xlsx": b"",
        "missing-columns.xlsx": buffer.getvalue(),
        "truncated.xlsx": buffer.getvalue()[:200],
    }
    bappeda = clients["bappeda"]
    url = "/admin/proposals/musrenbangentry/import/"
    variants = []
    for name, content in csv_files.items():
        variants.append(
            {
                "resource": "0",
                "format": "0",
                "year": "2026",
                "import_file": upload(name, content, "text/csv"),
            }
        )
    for name, content in xlsx_files.items():
        variants.append(
            {
                "resource": "0",
                "format": "1",
                "year": "2026",
                "import_file": upload(name, content, "application/octet-stream"),
            }
        )
    ok = (header + good).encode()
    for field_name, junk in [
        ("year", "abc"),
        ("year", "99999"),
        ("year", "²"),
        ("format", "99"),
        ("format", "abc"),
        ("resource", "9"),
        ("year", ""),
    ]:
        data = {"resource": "0", "format": "0", "year": "2026"}
        data[field_name] = junk
        variants.append({**data, "import_file": upload("ok.csv", ok, "text/csv")})
    post_all_refused(world, bappeda, "bappeda", url, variants)

    # The confirmation step with a tampered file name imports nothing either.
    process = "/admin/proposals/musrenbangentry/process_import/"
    confirm = [
        {
            "import_file_name": junk,
            "original_file_name": "x.csv",
            "format": "0",
            "resource": "0",
            "year": "2026",
        }
        for junk in ("../../etc/passwd", "x" * 300, XSS, "", "nonexistent.csv")
    ]
    confirm += [
        {
            "import_file_name": "0" * 32,
            "original_file_name": "x.csv",
            "format": fmt,
            "resource": "0",
            "year": year,
        }
        for fmt, year in (("abc", "2026"), ("99", "2026"), ("-1", "2026"), ("0", "abc"))
    ]
    post_all_refused(world, bappeda, "bappeda", process, confirm)

    # A valid file: previewed, confirmed once; a second click on "Simpan impor" adds nothing.
    preview = bappeda.post(
        url,
        {
            "resource": "0",
            "format": "0",
            "year": "2026",
            "import_file": upload("ok.csv", ok, "text/csv"),
        },
    )
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    assert bappeda.post(process, data).status_code == 302
    assert MusrenbangEntry.objects.filter(source_id="H-1", year=2026).exists()
    before = snapshot(world)
    again = bappeda.post(process, data, follow=True)
    assert "Berkas pratinjau tidak ada lagi" in again.content.decode()
    assert_unchanged(before, snapshot(world), "confirming the same import twice")


# ---- 3. POST: junk to every view, then to every form as the roles allowed to use it -------------


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: r.name or r.route)
def test_every_url_takes_an_empty_and_a_junk_post(route, clients, world):
    """No POST fails; the anonymous, the Inspektorat (read-only) and the roles of other areas
    change nothing, whatever the view."""
    sweep = Sweep()
    own_url = build_url(route, cases(route, world)[0][1])
    found = world.values.get(family_of(route) or "", {}) if route.params else {}
    other_url = None
    if found.get("other"):
        values = found["other"][0]
        values = values if isinstance(values, tuple) else (values,)
        other_url = build_url(route, dict(zip(route.params, values, strict=True)))
    junk = {name: "²" if i % 2 else XSS for i, name in enumerate(QUERY_PARAMS)}
    junk.update(dict.fromkeys(["action", "decision", "proposal", "area", "amount", "nik"], "abc"))
    powerless = [("anon", own_url), ("inspektorat", own_url)]
    if other_url:
        powerless += [(role, other_url) for role in sorted(AREA_ROLES)]
    rest = [(role, own_url) for role in ROLES if role not in ("anon", "inspektorat")]
    rest += [(role, other_url) for role in ROLES if other_url and role not in AREA_ROLES]

    def post_both(role, url, bodies=({}, junk)):
        for body in bodies:
            response = sweep.request(clients[role], "POST", url, role, data=body)
            if (
                response is not None
                and url == other_url
                and expects_404_for_other(route, role)
                and response.status_code not in (404, 405)
            ):
                sweep.failures.append(f"{role} POST {url}: {response.status_code}, not 404")

    # Every test starts from the world as built: its rows need not be read again here.
    before = {**world.baseline, "files": snapshot(world)["files"]}
    for role, url in powerless:
        post_both(role, url)
    after = snapshot(world)
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        sweep.failures.append(f"{[r for r, _ in powerless]} POSTing to {own_url} changed {changed}")
    for role, url in rest:
        post_both(role, url, bodies=(junk,))
    sweep.check()


# -- proposals


def test_proposal_form_refuses_junk_and_keeps_the_draft(world):
    from proposals.forms import ProposalForm, rab_formset

    rt = world.users["rt"]
    proposal = own_proposal(world, State.DRAFT, rt=rt.rt_id)
    client = login(rt)
    url = f"/usulan/{quote(proposal.code)}/ubah/"
    page = client.get(url)
    base = {**form_data(page.context["form"]), **form_data(page.context["formset"].management_form)}
    for form in page.context["formset"].forms:
        base.update(form_data(form))
    # The page as sent is valid: each variant below is refused for its junk alone.
    assert ProposalForm(base, instance=proposal, fiscal_year=proposal.fiscal_year).is_valid()
    assert rab_formset(base).is_valid()
    # Every junk in one field of each kind (decimal, rupiah, RAB price), then the junk most
    # likely to slip through in the other numeric fields and choices.
    variants = with_each(base, ["planned_volume", "contribution_cash"], NUMBER_JUNK)
    variants += with_each(base, ["rab-0-unit_price"], NUMBER_JUNK)[1:]
    variants += with_each(
        base,
        [
            "households_benefiting",
            "work_type",
            "rab-0-quantity",
            "planned_width",
            "contribution_materials_value",
            "latitude",
        ],
        ["-5", "NaN", "²", "9" * 10_240],
    )[1:]
    variants += [{**base, "title": LONG}, {**base, "title": ""}, {**base, "rab-0-material": LONG}]
    variants += [{**base, "rab-TOTAL_FORMS": v} for v in ("abc", "-1", "1000", "9" * 30)]
    variants += [{**base, "latitude": "-1.6", "longitude": ""}, {**base, "rab-0-unit": ""}]
    variants += [{k: v for k, v in base.items() if k != name} for name in ("title", "work_type")]
    post_all_refused(world, client, "rt", url, variants)


def test_proposal_from_musrenbang_refuses_junk_then_a_second_submission(world):
    entry = _first(
        MusrenbangEntry.objects.filter(rt__isnull=False, year=world.objects["fiscal_year"].year)
        .exclude(proposals__state__in=[s for s in State.values if s != State.CANCELLED])
        .select_related("work_type")
    )
    rt = User.objects.get(role=Role.RT, rt=entry.rt_id)
    from bangkit.models import WorkType

    work_type = _first(WorkType.objects.filter(active=True, has_width=True))
    client = login(rt)
    url = f"/usulan/musrenbang/{entry.pk}/buat/"
    base = {"work_type": str(work_type.pk), "planned_width": "1,5"}
    variants = [{**base, name: junk} for name in base for junk in NUMBER_JUNK]
    variants += [{**base, "planned_width": v} for v in ("0", "0,05", "")]
    post_all_refused(world, client, "rt", url, variants)

    count = Proposal.objects.count()
    assert client.post(url, base).status_code == 302
    assert Proposal.objects.count() == count + 1
    before = snapshot(world)
    response = client.post(url, base, follow=True)
    assert "sudah memiliki usulan kegiatan" in response.content.decode()
    assert_unchanged(before, snapshot(world), "a second submission of the same entry")


def test_decisions_refuse_junk_from_every_role_then_a_second_click(world):
    from proposals import selectors

    lurah = world.users["kelurahan"]
    proposal = _first(
        Proposal.objects.filter(kelurahan=world.objects["kelurahan"], state=State.SUBMITTED)
    )
    url = f"/usulan/{quote(proposal.code)}/tindakan/"
    items = [str(i.pk) for i in selectors.checklist_for(proposal, "verify_kelurahan")]
    valid = {"action": "verify_kelurahan", "expected_state": "submitted", "checklist": items}
    junk_actions = ["", "delete", "__init__", "submit\x00", "save", XSS, LONG, "verify_kecamatan"]
    variants = [{**valid, "action": a} for a in junk_actions]
    variants += [{**valid, "expected_state": v} for v in ("", "²", "draft", LONG, XSS)]
    variants += [{**valid, "checklist": ["²", "abc", "-1", "99999999999999999999", "0"]}]
    variants += [{**valid, "note": LONG}, {**valid, "checklist": []}]
    variants += [
        {"action": "reject", "expected_state": "submitted", "note": v} for v in ("", "pendek")
    ]
    variants += [{"action": "return_for_revision", "expected_state": "submitted", "note": "x" * 9}]
    post_all_refused(world, login(lurah), "kelurahan", url, variants)
    for role in ("inspektorat", "bappeda", "kecamatan", "admin", "toko"):
        post_all_refused(world, login(world.users[role]), role, url, [valid])
    rt_user = owner(Role.RT, proposal)
    post_all_refused(world, login(rt_user), "rt", url, [valid, {**valid, "action": "submit"}])

    client = login(lurah)
    assert client.post(url, valid).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == State.KELURAHAN_VERIFIED
    before = snapshot(world)
    response = client.post(url, valid, follow=True)
    assert response.status_code == 200
    assert_unchanged(before, snapshot(world), "a second click on the same decision")


def test_attachments_refuse_files_that_are_not_what_they_claim(world):
    rt = world.users["rt"]
    proposal = own_proposal(world, State.DRAFT, rt=rt.rt_id)
    client = login(rt)
    url = f"/usulan/{quote(proposal.code)}/lampiran/"
    variants = [{"kind": "site_photo", "files": file} for file in bad_files()] + [
        {"kind": "proposal_letter", "files": file} for file in bad_files()
    ]
    variants += [{"kind": "site_photo", "files": upload("surat.pdf", SMALL_PDF, "application/pdf")}]
    variants += [
        {"kind": kind, "files": upload("surat.pdf", SMALL_PDF, "application/pdf")}
        for kind in ("", "²", XSS, LONG, "lainnya")
    ]
    variants += [
        {
            "kind": "proposal_letter",
            "files": [upload(f"s{i}.pdf", SMALL_PDF, "application/pdf") for i in range(11)],
        },
        {"kind": "proposal_letter"},
        {},
    ]
    post_all_refused(world, client, "rt", url, variants)


def test_attachment_names_that_are_odd_are_stored_safely(world):
    rt = world.users["rt"]
    proposal = own_proposal(world, State.DRAFT, rt=rt.rt_id)
    client = login(rt)
    url = f"/usulan/{quote(proposal.code)}/lampiran/"
    sweep = Sweep()
    names = ["x" * 300 + ".pdf", "../../etc/passwd.pdf", f"{XSS}.pdf", "a\x00b.pdf", ".pdf", "²"]
    for name in names:
        file = upload(name, SMALL_PDF, "application/pdf")
        sweep.request(client, "POST", url, "rt", data={"kind": "other", "files": file})
    sweep.check()
    root = world.media.resolve()
    for attachment in Attachment.objects.filter(proposal=proposal):
        stored = (world.media / attachment.file.name).resolve()
        assert stored.is_relative_to(root) and stored.is_file()
    page = client.get(f"/usulan/{quote(proposal.code)}/ubah/").content.decode()
    assert XSS not in page


# -- verification


def test_envelope_form_refuses_junk(world):
    bappeda = world.users["bappeda"]
    kel = world.objects["kelurahan"]
    year = str(world.objects["fiscal_year"].year)
    url = "/verifikasi/prioritas/pagu/"
    base = {"tahun": year, "area": f"kel-{kel.pk}", "amount": "100.000", "note": ""}
    variants = [{**base, "amount": junk} for junk in NUMBER_JUNK]
    variants += [
        {**base, "area": junk}
        for junk in ("kec-abc", "kel-²", "kel-99999999999999999999", "kec-", "x", XSS, LONG, "")
    ]
    variants += [{**base, "note": LONG}, {**base, "tahun": "²"}, {**base, "tahun": "abc"}]
    post_all_refused(world, login(bappeda), "bappeda", url, variants)
    post_all_refused(world, login(world.users["inspektorat"]), "inspektorat", url, [base])


def _waiting_for_decree(world):
    return Proposal.objects.filter(
        kelurahan__kecamatan=world.objects["kecamatan"],
        state=State.KECAMATAN_VERIFIED,
        decree_locations=None,
    )


def test_ranking_decisions_refuse_junk(world):
    camat = world.users["kecamatan"]
    proposal = _first(_waiting_for_decree(world))
    year = str(world.objects["fiscal_year"].year)
    base = {
        "tahun": year,
        "proposal": str(proposal.pk),
        "decision": "include",
        "reason": "Lokasi rawan banjir, didahulukan",
    }
    variants = [{**base, "proposal": junk} for junk in NUMBER_JUNK]
    variants += [{**base, "decision": junk} for junk in ("", "abc", "withdraw", XSS, LONG)]
    variants += [{**base, "reason": junk} for junk in ("", "pendek", LONG)]
    variants += [{**base, "kecamatan": junk} for junk in ("kota-baru", "²", XSS)]
    variants += [{**base, "tahun": junk} for junk in ("²", "abc", "1999")]
    client = login(camat)
    post_all_refused(world, client, "kecamatan", "/verifikasi/prioritas/keputusan/", variants)
    drafts = [{"tahun": year, "proposal": junk} for junk in NUMBER_JUNK]
    other = _first(Proposal.objects.exclude(kelurahan__kecamatan=world.objects["kecamatan"]))
    drafts += [{"tahun": year, "proposal": [str(other.pk)]}, {"tahun": year}]
    post_all_refused(world, client, "kecamatan", "/verifikasi/prioritas/buat-sk/", drafts)


def test_decree_forms_refuse_junk(world):
    camat = world.users["kecamatan"]
    client = login(camat)
    draft = world.objects["draft_decree"]
    year = world.objects["fiscal_year"].year
    waiting = [str(p.pk) for p in _waiting_for_decree(world)]
    other = _first(Proposal.objects.exclude(kelurahan__kecamatan=world.objects["kecamatan"]))
    create = [{"proposals": [junk]} for junk in NUMBER_JUNK + [str(other.pk)]]
    create += [{"proposals": waiting, "signatory_rank": LONG}, {}]
    post_all_refused(world, client, "kecamatan", f"/verifikasi/sk/baru/?tahun={year}", create)

    edit_url = f"/verifikasi/sk/{draft.public_id}/ubah/"
    page = client.get(edit_url)
    base = form_data(page.context["form"])
    variants = [{**base, "decree_date": junk} for junk in DATE_JUNK]
    variants += [{**base, "proposals": [junk]} for junk in NUMBER_JUNK + [str(other.pk)]]
    variants += [{**base, "paper": junk} for junk in ("", "²", XSS)]
    variants += [{**base, "clauses_text": ""}, {**base, "title": LONG}, {**base, "proposals": []}]
    variants += [{**base, "signatory_nip": LONG}]
    post_all_refused(world, client, "kecamatan", edit_url, variants)

    issued = world.objects["issued_decree"]
    amend = [{"reason": junk} for junk in ("", "pendek", " " * 20)]
    post_all_refused(
        world, client, "kecamatan", f"/verifikasi/sk/{issued.public_id}/perubahan/", amend
    )


def test_site_changes_of_an_issued_decree_refuse_junk(world):
    camat = world.users["kecamatan"]
    issued = world.objects["issued_decree"]
    site = _first(DecreeLocation.objects.filter(decree=issued)).proposal_id
    url = f"/verifikasi/sk/{issued.public_id}/lokasi/{site}/ubah/"
    reason = "Perubahan karena lahan warga berubah"
    variants = []
    for field_name in ("volume", "budget"):
        variants += [
            {"field": field_name, "new_value": junk, "reason": reason}
            for junk in NUMBER_JUNK + ["0", "-0", "0,001", " ", "1.5e3"]
        ]
    variants += [{"field": junk, "new_value": "10", "reason": reason} for junk in ("", "²", XSS)]
    variants += [{"field": "location", "new_value": junk, "reason": reason} for junk in ("", LONG)]
    variants += [{"field": "volume", "new_value": "10", "reason": junk} for junk in ("", "pendek")]
    post_all_refused(world, login(camat), "kecamatan", url, variants)


def test_issuing_a_decree_twice_issues_it_once(world):
    camat = world.users["kecamatan"]
    draft = world.objects["draft_decree"]
    client = login(camat)
    url = f"/verifikasi/sk/{draft.public_id}/tetapkan/"
    for role in ("inspektorat", "bappeda", "kelurahan", "rt", "admin"):
        post_all_refused(world, login(world.users[role]), role, url, [{}])
    # {"confirm": "1"}: the answer on the confirmation page that issuing asks first.
    assert client.post(url, {"confirm": "1"}).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Decree.State.ISSUED
    before = snapshot(world)
    assert client.post(url, {"confirm": "1"}).status_code in (302, 409)
    assert_unchanged(before, snapshot(world), "issuing the same decree again")


# -- reporting


def _site(world, state):
    return _first(Proposal.objects.filter(state=state).select_related("kelurahan__kecamatan", "rt"))


def test_work_days_and_contributions_refuse_junk(world):
    from django.utils import timezone

    site = _site(world, State.IN_PROGRESS)
    rt = owner(Role.RT, site)
    client = login(rt)
    today = timezone.localdate().isoformat()
    day = {"date": today, "men": "5", "women": "3", "hours": "8", "activity": "Menggali parit"}
    variants = [{**day, "date": junk} for junk in DATE_JUNK + ["9999-12-31", "1900-01-01"]]
    variants += [{**day, name: junk} for name in ("men", "women") for junk in NUMBER_JUNK]
    variants += [{**day, "hours": junk} for junk in NUMBER_JUNK + ["0", "25", "0,1"]]
    variants += [{**day, "men": "0", "women": ""}, {**day, "activity": LONG}]
    files = [{**day, "attendance": file} for file in bad_files()]
    post_all_refused(
        world, client, "rt", f"/laporan/lokasi/{site.pk}/hari-kerja/", variants, files=files
    )

    gift = {
        "kind": "materials",
        "description": "Semen 10 sak",
        "quantity": "10",
        "unit": "sak",
        "value": "750.000",
        "contributor": "Warga RT",
        "date": today,
    }
    variants = [{**gift, "value": junk} for junk in NUMBER_JUNK]
    variants += [{**gift, "quantity": junk} for junk in NUMBER_JUNK + ["0"]]
    variants += [{**gift, "date": junk} for junk in DATE_JUNK + ["9999-12-31"]]
    variants += [{**gift, "kind": junk} for junk in ("", "²", XSS)]
    variants += [{**gift, "description": LONG}, {**gift, "contributor": ""}]
    post_all_refused(world, client, "rt", f"/laporan/lokasi/{site.pk}/swadaya/", variants)


def test_photo_uploads_refuse_files_that_are_not_photos(world):
    site = _site(world, State.IN_PROGRESS)
    client = login(owner(Role.RT, site))
    url = f"/laporan/lokasi/{site.pk}/foto/"
    variants = [{"stage": "0", "photos": file} for file in bad_files()]
    variants += [
        {"stage": junk, "photos": upload("a.jpg", small_jpeg(1), "image/jpeg")}
        for junk in ("", "abc", "-1", "101", "²", "99999999999999999999")
    ]
    variants += [{"stage": "0"}, {}]
    post_all_refused(world, client, "rt", url, variants)
    single = [{"stage": "0", "photo": file, "client_token": "t"} for file in bad_files()]
    single += [
        {"stage": junk, "photo": upload("a.jpg", small_jpeg(2), "image/jpeg")}
        for junk in ("", "abc", "101", "²")
    ]
    single += [
        {"stage": "0", "photo": upload("a.jpg", small_jpeg(3), "image/jpeg"), "client_token": LONG}
    ]
    post_all_refused(world, client, "rt", url, single, HTTP_ACCEPT="application/json")


def test_photo_with_junk_phone_metadata_is_kept_without_it(world):
    site = _site(world, State.IN_PROGRESS)
    client = login(owner(Role.RT, site))
    url = f"/laporan/lokasi/{site.pk}/foto/"
    sweep = Sweep()
    for i, junk in enumerate(["NaN", "Infinity", "1e309", "-5", "²", XSS, "9" * 300, "\x00"]):
        response = sweep.request(
            client,
            "POST",
            url,
            "rt",
            data={
                "stage": "50",
                "photo": upload(f"m{i}.jpg", small_jpeg(10 + i), "image/jpeg"),
                "client_taken_at": junk[:40],
                "client_latitude": junk[:20],
                "client_longitude": junk[:20],
                "client_token": f"token-{i}",
            },
            HTTP_ACCEPT="application/json",
        )
        if response is not None:
            assert response.status_code in (200, 201, 400), response.content
    sweep.check()


def test_completion_report_and_review_refuse_junk(world):
    site = _site(world, State.IN_PROGRESS)
    client = login(owner(Role.RT, site))
    url = f"/laporan/lokasi/{site.pk}/laporan/"
    page = client.get(url)
    base = form_data(page.context["form"])
    names = ["realised_volume"] + [n for n in base if n.startswith(("used_", "leftover_"))][:2]
    variants = [{**base, name: junk} for name in names for junk in NUMBER_JUNK]
    variants += [{**base, "problems": LONG}]
    post_all_refused(world, client, "rt", url, variants)

    reported = _site(world, State.REPORTED)
    lurah = login(owner(Role.KELURAHAN, reported))
    review = f"/laporan/lokasi/{reported.pk}/periksa/"
    variants = [{"decision": junk} for junk in ("", "abc", XSS, "accept\x00")]
    variants += [{"decision": "accept", "checklist": ["²", "abc", "99999999999999999999"]}]
    variants += [{"decision": "return", "note": ""}, {"decision": "return", "note": LONG}]
    variants += [{"decision": "accept", "note": LONG}]
    post_all_refused(world, lurah, "kelurahan", review, variants)


def test_countersign_with_an_invalid_note_signs_nothing(world):
    from reporting import selectors as reporting_selectors

    reported = _site(world, State.REPORTED)
    items = [str(i.pk) for i in reporting_selectors.report_checklist(reported)]
    lurah = login(owner(Role.KELURAHAN, reported))
    accepted = lurah.post(
        f"/laporan/lokasi/{reported.pk}/periksa/",
        {"decision": "accept", "checklist": items, "note": "Sesuai", "confirm": "1"},
    )
    assert accepted.status_code == 302
    reported.refresh_from_db()
    assert reported.state == State.COMPLETED
    camat = login(owner(Role.KECAMATAN, reported))
    url = f"/laporan/lokasi/{reported.pk}/ketahui/"
    post_all_refused(world, camat, "kecamatan", url, [{"note": LONG}, {"note": "a\x00b"}])
    page = camat.post(url, {"note": LONG}, follow=True).content.decode()
    assert "Catatan: " in page and "paling banyak 1000" in page.replace(".", "")


def test_a_second_work_day_on_the_same_date_is_refused(world):
    from django.utils import timezone

    site = _site(world, State.IN_PROGRESS)
    client = login(owner(Role.RT, site))
    url = f"/laporan/lokasi/{site.pk}/hari-kerja/"
    day = {
        "date": timezone.localdate().isoformat(),
        "men": "4",
        "women": "2",
        "hours": "7,5",
        "activity": "Mengecor 10 m",
    }
    WorkDay.objects.filter(proposal=site, date=timezone.localdate()).delete()
    assert client.post(url, day).status_code == 302
    before = snapshot(world)
    again = client.post(url, day)
    assert again.status_code == 200 and "sudah dicatat" in again.content.decode()
    assert_unchanged(before, snapshot(world), "the same work day twice")


# -- procurement


def test_procurement_forms_take_junk(world):
    from procurement.selectors import suppliers_for

    sweep = Sweep()
    order = _first(
        PurchaseOrder.objects.filter(
            proposal__kelurahan=world.objects["kelurahan"], state=PurchaseOrder.State.ISSUED
        )
    )
    lurah = login(world.users["kelurahan"])
    today = "2026-01-15"
    line = order.lines.first()
    delivery = {
        "delivered_on": today,
        "received_by_name": "Ketua RT",
        f"accepted_{line.pk}": "1",
        f"rejected_{line.pk}": "0",
        "photo": None,
    }
    bodies = [{**delivery, "delivered_on": junk} for junk in DATE_JUNK]
    bodies += [{**delivery, f"accepted_{line.pk}": junk} for junk in NUMBER_JUNK]
    bodies += [{**delivery, "received_by_name": LONG}, {}]
    bodies += [{**delivery, "photo": file} for file in bad_files()]
    payment = {"invoice_number": "F-1", "amount": "1.000", "paid_on": today, "reference": "SP2D"}
    pays = [{**payment, "amount": junk} for junk in NUMBER_JUNK + ["0"]]
    pays += [{**payment, "paid_on": junk} for junk in DATE_JUNK]
    pays += [{**payment, "invoice_number": LONG}, {}]
    for url, variants in (
        (f"/pengadaan/pesanan/{order.pk}/penerimaan/", bodies),
        (f"/pengadaan/pesanan/{order.pk}/pembayaran/", pays),
        (f"/pengadaan/pesanan/{order.pk}/batalkan/", [{"reason": ""}, {"reason": "pendek"}]),
    ):
        for data in variants:
            data = {k: v for k, v in data.items() if v is not None}
            sweep.request(lurah, "POST", url, "kelurahan", data=data)

    designated = _first(Proposal.objects.filter(state=State.DESIGNATED))
    buyer = login(owner(Role.KELURAHAN, designated))
    supplier = _first(suppliers_for(designated.kelurahan))
    for junk in NUMBER_JUNK + [""]:
        sweep.request(
            buyer,
            "POST",
            f"/pengadaan/usulan/{designated.pk}/pesan/",
            "kelurahan",
            data={"supplier": junk},
        )
    created = buyer.post(f"/pengadaan/usulan/{designated.pk}/pesan/", {"supplier": supplier.pk})
    draft = PurchaseOrder.objects.filter(proposal=designated, state=PurchaseOrder.State.DRAFT)
    assert created.status_code == 302 and draft.exists(), created
    if draft.exists():
        url = f"/pengadaan/pesanan/{draft.get().pk}/ubah/"
        page = buyer.get(url)
        base = {
            **form_data(page.context["form"]),
            **form_data(page.context["formset"].management_form),
        }
        for form in page.context["formset"].forms:
            base.update(form_data(form))
        names = ("quantity", "unit_price", "material", "rab_line_id")
        variants = [
            {**base, name: junk}
            for name in [f"baris-0-{n}" for n in names] + ["supplier"]
            for junk in ("abc", "1e309", "-5", "NaN", "²", "9" * 10_240, XSS)
        ]
        variants += [{**base, "baris-TOTAL_FORMS": junk} for junk in ("-1", "abc", "1000")]
        # A RAB line of another kecamatan's proposal; money past the limits.
        foreign = RABLine.objects.exclude(proposal__kelurahan=designated.kelurahan).first()
        variants += [
            {**base, "baris-0-rab_line_id": str(foreign.pk)},
            {**base, "baris-0-quantity": "9999999999.99"},
            {**base, "baris-0-unit_price": "999.999.999.999"},
        ]
        post_all_refused(world, buyer, "kelurahan", url, variants)
    sweep.check()


def test_reference_price_import_of_hostile_files_imports_nothing(clients, world):
    url = "/admin/procurement/referenceprice/impor/"
    header = b"Material;Satuan;Kategori;Harga (Rp);Sumber\n"
    good = b"Semen Portland 50 kg;sak;semen;75000;Survei\n"
    files = {
        "garbage.csv": bytes(range(256)) * 40,
        "empty.csv": b"",
        "nul.csv": header + good + b"Se\x00men;sak;semen;75000;Survei\n",
        "huge.csv": header + good + b"Pasir;m3;pasir;" + b"9" * 10_240 + b";Survei\n",
        "nan.csv": header + good + b"Pasir;m3;pasir;NaN;Survei\n",
        "negative.csv": header + good + b"Pasir;m3;pasir;-5;Survei\n",
        "text.xlsx": b"not a workbook",
    }
    variants = [
        {"year": "2026", "file": upload(name, content, "text/csv")}
        for name, content in files.items()
    ]
    variants += [
        {"year": junk, "file": upload("a.csv", header, "text/csv")}
        for junk in ("abc", "99999", "²", "")
    ]
    sweep = Sweep()
    before = snapshot(world)
    from procurement.models import ReferencePrice

    prices = sorted(ReferencePrice.objects.values_list("pk", "price"))
    for data in variants:
        sweep.request(clients["bappeda"], "POST", url, "bappeda", data=data)
    sweep.check()
    assert prices == sorted(ReferencePrice.objects.values_list("pk", "price"))
    assert before["files"] == snapshot(world)["files"]


# ---- 4. public pages: tracking, support, decrees, procurement data ------------------------------


def test_support_refuses_junk_niks_and_a_second_support(world):
    from bangkit.models import FiscalYear

    entry = _first(
        MusrenbangEntry.objects.filter(
            year__in=FiscalYear.objects.filter(status=FiscalYear.Status.OPEN).values("year"),
            # The NIKs below are Telanaipura's: the year's rule takes the entry's kecamatan.
            kelurahan__kecamatan__code="15.71.01",
        )
    )
    url = f"/dukung/{entry.pk}/"
    client = Client(raise_request_exception=True)
    niks = [
        "",
        "abc",
        "1" * 16,
        "1571019999999999",
        "3171011505900001",
        "99999999999999999999",
        XSS,
        LONG,
        "１５７１０１１５０５９０００１",
        "1571011505900001\x00",
        "1571-01-1505-90-000",
        "²" * 16,
    ]
    variants = [{"nik": nik} for nik in niks] + [{}]
    post_all_refused(world, client, "anon", url, variants)
    for nik in niks[2:4]:
        assert nik not in client.post(url, {"nik": nik}).content.decode()

    valid = "1571011505900001"
    first = client.post(url, {"nik": valid})
    assert first.status_code == 302
    before = snapshot(world)
    second = client.post(url, {"nik": "1571 0115 0590 0001"})
    # Answered like the first (nothing tells a repeat apart), and counted nothing.
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert valid not in client.get(second["Location"]).content.decode()
    assert_unchanged(before, snapshot(world), "a second support with the same NIK")


def test_public_pages_take_junk(world):
    sweep = Sweep()
    client = Client(raise_request_exception=True)
    for junk in PATH_JUNK + ["bb-2026", "BB-2026-0000-000", "BB 2026 cfbq twu" * 40]:
        sweep.request(client, "GET", "/lacak/", "anon", data={"kode": junk})
        sweep.request(client, "POST", "/lacak/", "anon", data={"kode": junk})
        sweep.request(client, "GET", f"/sk/{quote(junk, safe='')}/", "anon")
        sweep.request(client, "GET", f"/sk/{quote(junk, safe='')}/unduh/", "anon")
        sweep.request(
            client, "GET", "/dukung/", "anon", data={"kecamatan": junk, "kelurahan": junk}
        )
    for year in ("0", "1", "2014", "9999", "99999999999999999999"):
        for name in ("pembelian.csv", "pembelian.xlsx", "ocds.json"):
            sweep.request(client, "GET", f"/pengadaan/data/{year}/{name}", "anon")
    for junk in (XSS, LONG, "\x00", "a' OR '1'='1"):
        sweep.request(
            client, "POST", "/accounts/login/", "anon", data={"username": junk, "password": junk}
        )
    sweep.check()


def test_neighbours_in_the_same_area_get_404_too(world):
    """Another RT of the same kelurahan, another kelurahan of the same kecamatan: not found."""
    rt = world.users["rt"]
    neighbour = _first(
        Proposal.objects.filter(kelurahan=rt.rt.kelurahan)
        .exclude(rt=rt.rt_id)
        .exclude(state=State.DRAFT)
    )
    lurah = world.users["kelurahan"]
    next_door = _first(
        Proposal.objects.filter(kelurahan__kecamatan=world.objects["kecamatan"])
        .exclude(kelurahan=lurah.kelurahan_id)
        .exclude(state=State.DRAFT)
    )
    sweep = Sweep()
    for user, role, proposal in ((rt, "rt", neighbour), (lurah, "kelurahan", next_door)):
        client = login(user)
        for address in (
            f"/usulan/{quote(proposal.code)}/",
            f"/usulan/{quote(proposal.code)}/ubah/",
            f"/laporan/lokasi/{proposal.pk}/",
            f"/laporan/lokasi/{proposal.pk}/lpj.pdf",
            f"/pengadaan/usulan/{proposal.pk}/",
        ):
            response = sweep.request(client, "GET", address, role)
            if response is not None and response.status_code != 404:
                sweep.failures.append(f"{role} GET {address}: {response.status_code}, not 404")
    sweep.check()


def test_other_methods_and_a_missing_csrf_token_never_fail(clients, world):
    sweep = Sweep()
    for route in APP_ROUTES:
        url = build_url(route, cases(route, world)[0][1])
        for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
            sweep.request(clients["admin"], method, url, "admin", data="x=1")
    strict = Client(enforce_csrf_checks=True, raise_request_exception=True)
    response = sweep.request(strict, "POST", "/dukung/1/", "anon", data={"nik": "1"})
    assert response is not None and response.status_code == 403
    assert "Formulir kedaluwarsa" in response.content.decode()
    sweep.check()


# ---- 5. what users type is shown escaped, wherever it is shown ----------------------------------


def test_a_title_typed_with_script_is_shown_escaped_on_every_page(world):
    """Through the real form: the RT saves a draft whose title and location carry the payload;
    the pages that show them show the escaped text, never the tags."""
    rt = world.users["rt"]
    proposal = own_proposal(world, State.DRAFT, rt=rt.rt_id)
    client = login(rt)
    url = f"/usulan/{quote(proposal.code)}/ubah/"
    page = client.get(url)
    data = {
        **form_data(page.context["form"]),
        **form_data(page.context["formset"].management_form),
    }
    for form in page.context["formset"].forms:
        data.update(form_data(form))
    title = f"Rabat beton {XSS}"
    data.update(title=title, location_description=f"Gang {XSS}", contribution_materials=XSS)
    assert client.post(url, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == title
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    sweep = Sweep()  # it fails on any unescaped payload in an HTML page
    pages = [
        (client, f"/usulan/{quote(proposal.code)}/"),
        (client, url),
        (client, "/usulan/?tahap=draft"),
        (Client(), f"/lacak/{quote(proposal.code)}/"),
        (Client(), f"/lacak/?kode={quote(proposal.code)}"),
        (login(world.users["inspektorat"]), f"/admin/proposals/proposal/{proposal.pk}/change/"),
        (login(world.users["inspektorat"]), "/admin/proposals/proposal/?q=Rabat"),
    ]
    for browser, address in pages:
        response = sweep.request(browser, "GET", address, "any")
        assert response is not None and response.status_code == 200, address
        assert escaped in response.content.decode(), f"the title is not shown on {address}"
    sweep.check()


def test_decree_pages_show_typed_text_escaped(clients, world):
    """The draft SK's title and considerations, and the sites' titles, carry the payload."""
    draft = world.objects["draft_decree"]
    issued = world.objects["issued_decree"]
    sweep = Sweep()
    for role, address, shows_typed_text in [
        ("kecamatan", f"/verifikasi/sk/{draft.public_id}/", True),
        ("kecamatan", f"/verifikasi/sk/{draft.public_id}/ubah/", True),
        ("inspektorat", f"/verifikasi/sk/{issued.public_id}/", True),
        ("bappeda", "/verifikasi/sk/", False),  # numbers, dates and kecamatan
        ("anon", f"/sk/{issued.public_id}/", False),  # regions, sums and the hash only
    ]:
        response = sweep.request(clients[role], "GET", address, role)
        assert response is not None and response.status_code == 200, address
        if shows_typed_text:
            assert "&lt;script&gt;" in response.content.decode(), f"no typed text on {address}"
    sweep.check()


# ---- regressions: each bug the sweep found, pinned on its own -----------------------------------


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


@pytest.mark.parametrize("junk", ["abc", "²", "1e309", "99999999999999999999", XSS])
def test_new_decree_page_with_a_junk_year_is_not_found(junk, clients, world):
    assert clients["kecamatan"].get("/verifikasi/sk/baru/", {"tahun": junk}).status_code == 404
    year = world.objects["fiscal_year"].year
    page = clients["kecamatan"].get("/verifikasi/sk/baru/", {"tahun": year, "usulan": ["²", "1"]})
    assert page.status_code == 200


@pytest.mark.parametrize("path", ["/laporan/", "/laporan/penghematan/"])
def test_reporting_lists_ignore_a_junk_year(path, clients, world):
    for junk in ["²", "99999999999999999999", "-1", "abc"]:
        assert clients["kelurahan"].get(path, {"tahun": junk}).status_code == 200


@pytest.mark.parametrize("path", ["/pengadaan/", "/pengadaan/pesanan/", "/pengadaan/harga-acuan/"])
def test_procurement_lists_ignore_a_junk_year(path, clients, world):
    for role in ("kelurahan", "kecamatan", "bappeda"):
        for junk in ["²", "99999999999999999999", "-1", "abc", "1e309"]:
            assert clients[role].get(path, {"tahun": junk, "hal": junk}).status_code == 200


@pytest.mark.parametrize("junk", ["kel-²", "kec-²", "kel-99999999999999999999", "kel-", "kec--1"])
def test_envelope_page_ignores_a_junk_area_to_prefill(junk, clients, world):
    year = world.objects["fiscal_year"].year
    response = clients["bappeda"].get(
        "/verifikasi/prioritas/pagu/", {"tahun": year, "wilayah": junk}
    )
    assert response.status_code == 200
    assert response.context["form"] is not None  # the form that is pre-filled was drawn


@pytest.mark.parametrize(
    "url",
    [
        "/sk/%00/",
        "/verifikasi/sk/%00/",
        "/usulan/?q=%00",
        "/dukung/?kecamatan=a%00",
        "/lacak/?%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_refused_with_a_message(url, clients, world):
    for role in ("anon", "kecamatan", "admin"):
        response = clients[role].get(url)
        assert response.status_code == 400
        assert "karakter yang tidak sah" in response.content.decode()


@pytest.mark.parametrize("junk", ["9" * 10_240, "0" * 10_240 + "5", "9" * 16, "1" + "000" * 6])
def test_rupiah_with_thousands_of_digits_is_refused_not_a_500(junk):
    from django.core.exceptions import ValidationError

    from bangkit.money import RupiahField, parse_rupiah

    if junk.lstrip("0") == "5":
        assert parse_rupiah(junk) == 5
        return
    with pytest.raises(ValidationError):
        RupiahField().clean(junk)


@pytest.mark.parametrize("junk", ["²", "²³", "Rp ²", "١٢٣"])
def test_envelope_amount_in_other_digits_is_refused(junk):
    from django.core.exceptions import ValidationError

    from bangkit.money import RupiahField

    with pytest.raises(ValidationError):
        RupiahField().clean(junk)


@pytest.mark.parametrize("junk", ["99999999999999999999", "²", "-1", "abc", "1.0"])
def test_decree_location_choice_refuses_junk_ids_before_any_query(junk, world):
    from verification.decrees.forms import DecreeCreateForm

    form = DecreeCreateForm({"proposals": [junk]}, eligible=Proposal.objects.all())
    assert not form.is_valid()
    assert "proposals" in form.errors


@pytest.mark.parametrize(
    ("field_name", "junk"),
    [
        ("volume", "NaN"),
        ("volume", "Infinity"),
        ("volume", "1e309"),
        ("volume", "99999999999999999999"),
        ("volume", "1.5e3"),
        ("budget", "-5"),
        ("budget", "12,34,56"),
        ("budget", "1e309"),
        ("budget", "²"),
        ("budget", "9" * 10_240),
    ],
)
def test_site_change_values_are_read_strictly(field_name, junk):
    from bangkit.errors import ActionRefused
    from verification.decrees.amendments import _parse_amendment_value

    with pytest.raises(ActionRefused):
        _parse_amendment_value(field_name, junk)


def test_site_change_values_people_write_still_read():
    from decimal import Decimal

    from verification.decrees.amendments import _parse_amendment_value

    assert _parse_amendment_value("budget", "Rp 45.000.000,-") == (45_000_000, "45000000")
    assert _parse_amendment_value("budget", "45000000") == (45_000_000, "45000000")
    assert _parse_amendment_value("volume", "1.250,5")[0] == Decimal("1250.5")
    assert _parse_amendment_value("volume", "85,5")[0] == Decimal("85.5")


@pytest.mark.parametrize("junk", ["9" * 10_240, "9" * 40, "1" + "0" * 30 + ",5"])
def test_import_numbers_longer_than_decimal_precision_are_too_big(junk):
    from bangkit.tabular import CellError, parse_money, parse_volume

    for parse in (parse_money, parse_volume):
        with pytest.raises(CellError, match="terlalu besar"):
            parse(junk)


def test_sign_in_with_a_10_kb_username_is_refused_and_recorded_cut(world):
    from axes.models import AccessAttempt

    client = Client(raise_request_exception=True)
    for path in ("/accounts/login/", "/admin/login/"):
        response = client.post(
            path, {"username": LONG, "password": LONG}, HTTP_USER_AGENT="b" * 10_000
        )
        assert response.status_code in (200, 403, 429)
    assert all(len(a.username) <= 150 for a in AccessAttempt.objects.all())
