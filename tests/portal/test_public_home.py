"""The public home `/`: a visitor sees the programme, this year's figures (checked against
hand-computed values), the latest completed sites with photos before and after; a signed-in
user keeps their own home. Constant queries, nothing personal."""

from decimal import Decimal

import pytest
from django.test import Client

from portal import public_figures
from proposals.models import Proposal, State
from tests.portal import project_world
from tests.portal.project_world import ORDER_TOTAL, SITE_POINT, complete, hidden_sites
from tests.portal.test_projects import _personal_strings

world = project_world.world
make_site = project_world.make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(world, make_site):
    completed = complete(world, make_site(point=SITE_POINT))
    Proposal.objects.filter(pk=completed.pk).update(people_benefiting=120, households_benefiting=30)
    return {
        "completed": completed,
        "other": make_site(rt=world.rt_other, state=State.DESIGNATED, orders=False, point=None),
        "procurement": make_site(state=State.PROCUREMENT, point=SITE_POINT),
        "in_progress": make_site(state=State.IN_PROGRESS, point=SITE_POINT),
        "hidden": hidden_sites(world),
    }


def test_figures_match_hand_computed_values(sites, world):
    figures = public_figures.of_year(world.fiscal_year.year)
    # Four public sites (the cancelled one and the one without a budget do not count).
    assert (figures.sites, figures.designated, figures.under_way, figures.completed) == (4, 1, 2, 1)
    assert figures.city_budget == 4 * ORDER_TOTAL
    # Paid: the completed site's amount (set by hand) and the procurement site's, paid through
    # the services; the in-progress site's orders are ORM rows, which store no amount.
    assert figures.city_paid == (ORDER_TOTAL - 1) + ORDER_TOTAL
    assert figures.community == 900_000 + 1_500_000
    # Work days of 10 + 4 and 6 + 6 people: the most on one day is 14.
    assert figures.participants == 14
    # (14 + 12) people × 8 hours ÷ 8.
    assert figures.person_days == Decimal("26.00")
    assert (figures.households, figures.people_benefiting) == (30, 120)


def test_a_year_without_public_sites_has_zeros(world):
    figures = public_figures.of_year(world.fiscal_year.year)
    assert figures.sites == 0 and figures.city_budget == 0 and figures.community_share is None


def test_anonymous_visitor_sees_the_public_home(client, sites, world):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Apa itu Bangkit Berdaya?" in text
    assert f"Tahun anggaran {world.fiscal_year.year}" in text
    assert "Rp 40.000.000" in text  # the designated budget
    assert "Rp 2.400.000" in text  # swadaya
    assert 'href="/proyek/"' in text
    assert f"/proyek/data/{world.fiscal_year.year}.csv" in text
    assert f"/proyek/data/{world.fiscal_year.year}.geojson" in text
    # The completed site with its photo before and after (the public thumbnails).
    completed = sites["completed"]
    assert f'href="/proyek/{completed.code}/"' in text
    photos = completed.progress_photos.filter(withdrawn_at__isnull=True)
    before = photos.get(stage=0)
    after = photos.get(stage=100)
    during = photos.get(stage=50)
    assert f"/proyek/{completed.code}/foto/{before.pk}/kecil/" in text
    assert f"/proyek/{completed.code}/foto/{after.pk}/kecil/" in text
    assert f"/foto/{during.pk}/" not in text
    # Not a completed one: no other site is listed among the completed.
    assert sites["in_progress"].code not in text


def test_public_home_thumbnails_answer(client, sites):
    text = client.get("/").content.decode()
    completed = sites["completed"]
    photo = completed.progress_photos.get(stage=0)
    response = client.get(f"/proyek/{completed.code}/foto/{photo.pk}/kecil/")
    assert response.status_code == 200 and f"/foto/{photo.pk}/kecil/" in text


def test_a_photo_record_without_a_picture_is_never_shown(client, sites):
    """The ten-year demo data keeps photos' metadata without files: no empty picture, no
    404 behind an <img>, on the home page or the site's page."""
    completed = sites["completed"]
    before = completed.progress_photos.get(stage=0)
    type(before).objects.filter(pk=before.pk).update(original="", display="", thumbnail="")
    text = client.get("/").content.decode()
    assert f"/foto/{before.pk}/" not in text
    assert "Sebelum dikerjakan" not in text
    assert f"/foto/{completed.progress_photos.get(stage=100).pk}/kecil/" in text
    page = client.get(f"/proyek/{completed.code}/").content.decode()
    assert f"/foto/{before.pk}/" not in page
    assert client.get(f"/proyek/{completed.code}/foto/{before.pk}/kecil/").status_code == 404


def test_signed_in_user_keeps_their_own_home(client, sites, world):
    client.force_login(world.users["lurah"])
    text = client.get("/").content.decode()
    assert "Selamat datang" in text
    assert "Apa itu Bangkit Berdaya?" not in text


def test_unknown_year_is_404_never_a_500(client, sites):
    assert client.get("/?tahun=1999").status_code == 404
    assert client.get("/?tahun=abc").status_code == 404


def test_public_home_queries_are_constant(client, world, make_site, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            complete(world, make_site(point=SITE_POINT))
            make_site(state=State.IN_PROGRESS, point=SITE_POINT)

    add(1)
    with django_assert_max_num_queries(6) as few:
        assert client.get("/").status_code == 200
    add(4)
    with django_assert_max_num_queries(6) as many:
        assert client.get("/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_public_home_shows_nothing_personal(sites):
    personal = _personal_strings()
    assert {"Ahmad Hidayat", "Siti Aminah Harahap", "15710245"} <= personal
    text = Client().get("/").content.decode()
    assert [s for s in personal if s in text] == []


def test_public_home_has_no_inline_script_or_style(client, sites):
    text = client.get("/").content.decode()
    assert " style=" not in text and "<style" not in text
    assert "<script>" not in text and " onclick=" not in text
