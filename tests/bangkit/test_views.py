"""The health check and the home page each role lands on."""

import re

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse

from bangkit.models import Role
from proposals.models import MusrenbangEntry
from tests.factories import RTFactory, make_user


def stats(response) -> dict[str, int]:
    """The summary tiles of the home page, e.g. {"RT aktif": 2, "kelurahan": 3}."""
    tiles = re.findall(r"<b>([\d.]+)</b><span>([^<]+)</span>", response.content.decode())
    return {label: int(number.replace(".", "")) for number, label in tiles}


def entry(kelurahan, rt=None, n=1):
    return MusrenbangEntry.objects.create(
        year=2026,
        source_id=f"M-{kelurahan.pk}-{n}",
        kelurahan=kelurahan,
        rt=rt,
        title="Rabat beton",
    )


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    # The shape .ci/run greps for, beside the other checks (tests/ops/test_health.py).
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["vendor"] == connection.vendor
    assert '"database": "ok"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    # Undone inside the test: the test database's own teardown needs a cursor again.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unreachable)
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"
    # The reason's class only: no host names or credentials from the driver's message.
    assert "Connection refused" not in response.content.decode()


def test_healthz_is_exempt_from_the_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_anonymous_home_is_the_public_home(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "Apa itu Bangkit Berdaya?" in response.content.decode()


def test_lurah_home_shows_their_kelurahan_and_its_rts(client, city):
    RTFactory(kelurahan=city.kel_a, number=3, active=False)
    entry(city.kel_a, city.rt_a1)
    entry(city.kel_c, city.rt_c1)
    user = make_user(Role.KELURAHAN, city.kel_a, first_name="Siti", last_name="Nurhayati")
    client.force_login(user)

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Selamat datang, Siti Nurhayati" in page
    assert "Kelurahan Kelurahan A (Kecamatan Satu)" in page
    assert stats(response) == {"RT aktif": 2, "usulan Musrenbang": 1, "usulan kegiatan": 0}
    assert stats(response)["RT aktif"] == city.kel_a.rts.filter(active=True).count()


def test_camat_home_counts_their_kecamatan(client, city):
    entry(city.kel_a, n=1)
    entry(city.kel_b, n=2)
    entry(city.kel_c, n=3)
    client.force_login(make_user(Role.KECAMATAN, city.kec_1))

    response = client.get("/")

    assert "Kecamatan Kecamatan Satu" in response.content.decode()
    assert stats(response) == {
        "kelurahan": 2,
        "RT aktif": 3,
        "usulan Musrenbang": 2,
        "usulan kegiatan": 0,
    }


def test_rt_home_shows_their_rt_without_area_tiles(client, city):
    entry(city.kel_a, city.rt_a1, n=1)
    entry(city.kel_a, city.rt_a2, n=2)
    client.force_login(make_user(Role.RT, city.rt_a2))

    response = client.get("/")

    assert "RT 02 Kelurahan A, Kec. Kecamatan Satu" in response.content.decode()
    assert stats(response) == {"usulan Musrenbang": 1, "usulan kegiatan": 0}


@pytest.mark.parametrize("role", [Role.BAPPEDA, Role.INSPEKTORAT])
def test_city_wide_home_counts_the_whole_city(client, city, role):
    entry(city.kel_c)
    client.force_login(make_user(role))

    response = client.get("/")

    assert "Seluruh Kota Jambi" in response.content.decode()
    assert stats(response) == {
        "kecamatan": 2,
        "kelurahan": 3,
        "RT aktif": 4,
        "usulan Musrenbang": 1,
        "usulan kegiatan": 0,
    }


def test_home_with_real_regions_groups_thousands(client, regions):
    from bangkit.models import Kelurahan

    for kel in Kelurahan.objects.all()[:40]:
        RTFactory.create_batch(30, kelurahan=kel)
    client.force_login(make_user(Role.BAPPEDA))

    response = client.get("/")

    assert "<b>1.200</b><span>RT aktif</span>" in response.content.decode()
    assert stats(response)["kecamatan"] == 11
    assert stats(response)["kelurahan"] == 68


def test_navigation_by_role(client, city):
    client.force_login(make_user(Role.RT, city.rt_a1))
    rt_page = client.get("/").content.decode()
    client.force_login(make_user(Role.INSPEKTORAT))
    staff_page = client.get("/").content.decode()

    assert reverse("admin:index") not in rt_page
    assert reverse("admin:index") in staff_page
    assert reverse("logout") in rt_page


# Session, user, proposals by stage and four counts; the area label loads the user's area; the
# Ketua RT's drafts to continue in the guided flow; what waits for the user (portal.todo): one
# query for the counts (shared with the menu) and one per kind of action of the role (RT 4,
# kelurahan 6, kecamatan 3; none for Bappeda).
@pytest.mark.parametrize(
    ("role", "area", "queries"),
    [
        (Role.RT, "rt_a1", 11 + 1 + 4),
        (Role.KELURAHAN, "kel_a", 9 + 1 + 6),
        (Role.KECAMATAN, "kec_1", 8 + 1 + 3),
        (Role.BAPPEDA, "", 7),
    ],
)
def test_home_query_count_is_pinned(
    client, city, django_assert_max_num_queries, role, area, queries
):
    # More rows must not mean more queries.
    for n in range(5):
        entry(city.kel_a, city.rt_a1, n=n)
    RTFactory.create_batch(5, kelurahan=city.kel_a)
    user = make_user(role, getattr(city, area) if area else None)
    client.force_login(user)

    with django_assert_max_num_queries(queries):
        response = client.get("/")

    assert response.status_code == 200
