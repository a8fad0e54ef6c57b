"""The newest pages with junk in the query string and the forms, by every role that reaches
them: never a 500, never Django's English, never the junk unescaped.

tests/test_hostile.py walks every URL with the common parameters; this module sends the
parameters these pages read themselves (dates, rules, review status, cursors, lists) and
posts junk to their forms. Kept small: one world per role, a few queries per page.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import services as audit_services
from audit.models import Flag
from bangkit.models import Role
from proposals.models import CitizenSupport, ResidentUsulan
from tests import factories
from tests.factories import lifecycle

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
JUNK = [
    "-1",
    "0",
    "999999",
    "99999999999999999999",
    "'; drop table audit_flag;--",
    XSS,
    "é漢字😀",
    "²",
    "x" * 3000,
    "NaN",
    "2030-13-45",
    "\x00",
]
# What each page reads (see its view); every page also gets the pagination names.
PAGE_PARAMS = ["hal", "halaman", "page"]
PAGES = {
    "audit:trail": [
        "kecamatan",
        "kelurahan",
        "pelaku",
        "model",
        "tindakan",
        "dari",
        "sampai",
        "q",
        "setelah",
    ],
    "audit:flags": ["aturan", "tahun", "status", "kecamatan"],
    "dashboards:index": ["tahun", "dari", "sampai", "kecamatan", "kelurahan", "jenis", "peta"],
    "dashboards:records": ["tahun", "daftar", "tahap", "kumuh", "jenis_swadaya", "kecamatan"],
    "dashboards:report": ["tahun"],
    "proposals:usulan_queue": [],
    "proposals:rt_list": ["tahun"],
    "proposals:carry_over": ["tahun"],
    "notices:list": [],
    "usul:form": ["kelurahan", "rt"],
    "home": [],
    "public:projects": ["tahun", "kecamatan", "kelurahan", "jenis", "tahap", "unduh"],
    "public:track": ["kode"],
    "public:support_list": ["kecamatan", "kelurahan", "tahun", "q"],
}
# Queries that are wrong together rather than one by one.
ODD_QUERIES = [
    "dari=2030-01-01&sampai=2010-01-01&halaman=-1&hal=-1&page=-1",
    "dari=2030&sampai=2010&halaman=999999&hal=999999&page=999999",
    "tahun=2026&tahun=x&tahun=1&kecamatan=1&kecamatan=2&kecamatan=abc",
    "setelah=2026-01-01T00:00:00|99999999999999999999",
    "setelah=" + "9" * 200,
]
ENGLISH = ["This field is required", "Enter a valid", "Select a valid choice", "Ensure this"]
ROLES = ["anon", "rt", "kelurahan", "kecamatan", "bappeda", "inspektorat", "walikota"]
NIK = "1571021203850001"


@pytest.fixture
def world(fiscal_year):
    """An RT with a resident's usulan and an entry, a support-burst flag, a user per role."""
    kecamatan = factories.KecamatanFactory(code="15.71.02", name="Telanaipura")
    kelurahan = factories.KelurahanFactory(kecamatan=kecamatan)
    rt = factories.RTFactory(kelurahan=kelurahan, number=7)
    usulan = lifecycle.resident_usulan(rt, nik=NIK)  # a NIK issued in that kecamatan
    lifecycle.MusrenbangEntryFactory(rt=rt, title="Drainase")  # for the RT's list
    entry = lifecycle.MusrenbangEntryFactory(title="Semenisasi gang Melati")
    start = timezone.now() - timedelta(hours=2)
    for i, row in enumerate(
        CitizenSupport.objects.bulk_create(
            CitizenSupport(entry=entry, nik_hash=f"h-{i}", nik_last4="0001") for i in range(20)
        )
    ):
        CitizenSupport.objects.filter(pk=row.pk).update(created_at=start + i * timedelta(seconds=9))
    audit_services.flags_refresh()
    users = {
        "rt": factories.make_user(Role.RT, rt),
        "kelurahan": factories.make_user(Role.KELURAHAN, kelurahan),
        "kecamatan": factories.make_user(Role.KECAMATAN, kelurahan.kecamatan),
        "bappeda": factories.make_user(Role.BAPPEDA),
        "inspektorat": factories.make_user(Role.INSPEKTORAT),
        "walikota": factories.make_user(Role.WALIKOTA),
    }
    return users, usulan, Flag.objects.first()


def queries(names: list[str], shift: int) -> list[str]:
    """Two queries of mixed junk (shifted per role, so that over the roles every parameter
    meets every junk value) and the odd combinations."""
    names = names + PAGE_PARAMS
    mixed = [
        urlencode({name: JUNK[(shift + i + j) % len(JUNK)] for j, name in enumerate(names)})
        for i in (0, len(JUNK) // 2)
    ]
    return mixed + ODD_QUERIES


def assert_sane(response, what: str) -> None:
    assert response.status_code < 500, what
    if "html" in response.get("Content-Type", ""):
        text = response.content.decode()
        assert XSS not in text, what
        for english in ENGLISH:
            assert english not in text, what


FLAG_NOTES = ["", "x" * 20_000, XSS + " catatan panjang", "é漢字😀 sudah diperiksa", "\x00" * 12]


@pytest.mark.parametrize("role", ROLES)
def test_the_newest_pages_take_junk_queries_and_posts(client, world, role):
    users, usulan, flag = world
    if role != "anon":
        client.force_login(users[role])
    for name, params in PAGES.items():
        url = reverse(name)
        for query in queries(params, shift=ROLES.index(role)):
            assert_sane(client.get(f"{url}?{query}"), f"{role} {url}?{query[:80]}")
    posts = [(reverse("audit:flag", args=[flag.pk]), {"note": note}) for note in FLAG_NOTES]
    decide = reverse("proposals:usulan_decide", kwargs={"code": usulan.code})
    for junk in JUNK[1::2]:  # 0, a 20-digit number, <script>, ², NaN, NUL
        posts += [
            (decide, {"action": junk}),
            (decide, {"action": "merge", "entry": junk}),
            (decide, {"action": "accept", "work_type": junk}),
            (decide, {"action": "reject", "reason": junk, "note": junk}),
            (reverse("proposals:rt_meeting"), {"year": junk, "held_on": junk, "attendance": junk}),
            (reverse("proposals:carry_over"), {"year": junk, "kecamatan": junk}),
            (reverse("notices:read"), {"pemberitahuan": junk}),
            (reverse("usul:form"), {"kelurahan": junk, "rt": junk, "nik": junk, "title": junk}),
        ]
    for url, data in posts:
        assert_sane(client.post(url, data), f"{role} POST {url} {str(data)[:80]}")
    usulan.refresh_from_db()
    assert usulan.status == ResidentUsulan.Status.PENDING  # no junk decided it
