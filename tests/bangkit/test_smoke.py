"""The site answers: health check, sign-in page, a signed-in home page."""

from tests.factories import make_user


def test_healthz_reports_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_home_page_shows_the_users_area(client, regions):
    from bangkit.models import Kelurahan

    kel = Kelurahan.objects.get(name="Thehok")
    user = make_user("kelurahan", kel)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Kelurahan Thehok (Jambi Selatan)" in response.content.decode()
