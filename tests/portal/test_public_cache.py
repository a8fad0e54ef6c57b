"""The public pages kept for visitors: read back in one query, renewed when a change to a site
commits (never by one that rolls back), fresh for the connection that is changing them, and
never served to a signed-in user or to a request with a session."""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import public_cache
from proposals.models import State
from tests.portal import project_world
from tests.portal.project_world import SITE_POINT

world = project_world.world
make_site = project_world.make_site

pytestmark = pytest.mark.django_db


def commit_renewals():
    """What a commit does: run the renewals the changes so far asked for (pytest-django keeps
    every test in a transaction that never commits)."""
    for _sids, callback, *_rest in connection.run_on_commit:
        if isinstance(callback, public_cache._Renewal) and not callback.done:
            callback()


@pytest.fixture
def site(world, make_site):
    found = make_site(state=State.DESIGNATED, orders=False, point=SITE_POINT)
    commit_renewals()
    return found


def pages(site):
    return [
        "/",
        "/proyek/",
        "/proyek/?tahun=semua&tahap=ditetapkan",
        reverse("public:project", kwargs={"code": site.code}),
        reverse("public:project_sites"),
        reverse("public:project_boundaries"),
        reverse("public:project_map_svg"),
    ]


def test_a_visitor_gets_each_kept_page_in_one_query(client, site, django_assert_max_num_queries):
    for url in pages(site):
        first = client.get(url)
        assert first.status_code == 200, url
        with django_assert_max_num_queries(1):
            again = client.get(url)
        assert again.status_code == 200
        assert again.content == first.content, url
        assert again["Content-Type"] == first["Content-Type"]
        # The middleware's headers are still added to a kept page.
        assert "Content-Security-Policy" in again


def test_a_kept_page_is_per_filter_and_per_site(client, world, site, make_site):
    other = make_site(rt=world.rt_other, state=State.DESIGNATED, orders=False, point=None)
    commit_renewals()
    mine = client.get(reverse("public:project", kwargs={"code": site.code})).content.decode()
    theirs = client.get(reverse("public:project", kwargs={"code": other.code})).content.decode()
    assert site.title in mine and other.title not in mine
    assert other.title in theirs
    kecamatan = world.rt_other.kelurahan.kecamatan.slug
    narrowed = client.get("/proyek/", {"kecamatan": kecamatan}).content.decode()
    assert other.title in narrowed and site.title not in narrowed
    assert site.title in client.get("/proyek/").content.decode()


def test_a_committed_change_renews_the_pages(client, world, site, make_site):
    detail = reverse("public:project", kwargs={"code": site.code})
    assert "Gang baru" not in client.get(detail).content.decode()
    listed = client.get("/proyek/").content.decode()
    site.title = "Gang baru yang diperbaiki"
    site.save(update_fields=["title"])
    newcomer = make_site(state=State.DESIGNATED, orders=False, point=SITE_POINT)
    commit_renewals()
    assert "Gang baru yang diperbaiki" in client.get(detail).content.decode()
    relisted = client.get("/proyek/").content.decode()
    assert newcomer.title in relisted and newcomer.title not in listed


def test_the_changing_connection_reads_fresh_and_a_rollback_renews_nothing(
    client, site, django_assert_max_num_queries
):
    detail = reverse("public:project", kwargs={"code": site.code})
    client.get(detail)
    with pytest.raises(RuntimeError), transaction.atomic():
        site.title = "Judul yang dibatalkan"
        site.save(update_fields=["title"])
        # Not committed: this connection sees the change, and keeps nothing of it.
        assert "Judul yang dibatalkan" in client.get(detail).content.decode()
        raise RuntimeError
    with django_assert_max_num_queries(1):
        kept = client.get(detail).content.decode()
    assert "Judul yang dibatalkan" not in kept


def test_one_renewal_per_transaction_however_many_records_change(site):
    for _ in range(5):
        site.save(update_fields=["title"])
    pending = [c for _s, c, *_r in connection.run_on_commit if isinstance(c, public_cache._Renewal)]
    assert len([c for c in pending if not c.done]) == 1


def test_signed_in_users_and_sessions_never_get_the_kept_page(client, world, site):
    client.get("/proyek/")
    staff = Client()
    staff.force_login(world.users["lurah"])
    page = staff.get("/proyek/").content.decode()
    assert "Keluar" in page
    assert "Keluar" not in client.get("/proyek/").content.decode()
    # A visitor who carries a session (a message may wait in it) is rendered, not served.
    visitor = Client()
    visitor.cookies["sessionid"] = "abc"
    assert public_cache._servable(visitor.get("/proyek/").wsgi_request) is False


def test_a_wrong_filter_or_page_is_not_kept(client, site):
    for params in ({"tahun": "1900"}, {"halaman": "999"}, {"halaman": "x"}):
        client.get("/proyek/", params)
        with CaptureQueriesContext(connection) as caught:
            assert client.get("/proyek/", params).status_code == 200
        assert len(caught.captured_queries) > 1, params
