"""Signing in and out in Indonesian, with django-axes locking an account after 5 failures."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from bangkit.models import Role
from tests.factories import PASSWORD, make_user

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_counts(db):
    # Password-reset requests are counted in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lurah(city):
    return make_user(Role.KELURAHAN, city.kel_a, username="lurah.a")


def sign_in(client, username, password, *, next_url=None, **headers):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data, **headers)


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_login_page_is_in_indonesian(client, db):
    response = client.get(LOGIN)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in page
    assert "<h1>Masuk</h1>" in page
    assert "Nama pengguna" in page
    assert "Kata sandi" in page
    assert "Username" not in page and "Password" not in page


def test_correct_credentials_sign_in_and_land_on_home(client, lurah):
    response = sign_in(client, "lurah.a", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user(client) == lurah


def test_sign_in_follows_a_local_next_but_not_an_external_one(client, lurah):
    local = sign_in(client, "lurah.a", PASSWORD, next_url="/usulan/")
    client.logout()
    external = sign_in(client, "lurah.a", PASSWORD, next_url="https://evil.example/")

    assert local["Location"] == "/usulan/"
    assert external["Location"] == reverse("home")


def test_wrong_password_is_refused_in_indonesian(client, lurah):
    response = sign_in(client, "lurah.a", "salah-sandi")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nama pengguna atau kata sandi salah." in page
    assert "nama pengguna nama pengguna" not in page
    assert not signed_in_user(client).is_authenticated


def test_inactive_user_cannot_sign_in(client, city):
    make_user(Role.KELURAHAN, city.kel_b, username="lurah.b", is_active=False)

    response = sign_in(client, "lurah.b", PASSWORD)

    assert response.status_code == 200
    assert not signed_in_user(client).is_authenticated


def test_account_is_locked_after_the_failure_limit(client, lurah):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5

    for _ in range(limit - 1):
        assert sign_in(client, "lurah.a", "salah-sandi").status_code == 200
    locking = sign_in(client, "lurah.a", "salah-sandi")
    # Even the right password is refused now, with the Indonesian lock-out page.
    right = sign_in(client, "lurah.a", PASSWORD)

    assert locking.status_code == 429
    assert right.status_code == 429
    assert "Akun terkunci sementara" in right.content.decode()
    assert not signed_in_user(client).is_authenticated
    attempt = AccessAttempt.objects.get(username="lurah.a")
    assert attempt.failures_since_start >= limit


def test_a_forged_forwarded_for_header_does_not_evade_the_lock_out(client, lurah):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "lurah.a", "salah-sandi", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = sign_in(client, "lurah.a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 429
    assert not signed_in_user(client).is_authenticated


def test_lock_out_is_per_account(client, lurah, city):
    make_user(Role.KELURAHAN, city.kel_b, username="lurah.b")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "lurah.a", "salah-sandi")

    response = sign_in(client, "lurah.b", PASSWORD)

    assert response.status_code == 302
    assert signed_in_user(client).username == "lurah.b"


def test_a_successful_sign_in_resets_the_failure_count(client, lurah):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "lurah.a", "salah-sandi")
    assert sign_in(client, "lurah.a", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "lurah.a", "salah-sandi").status_code == 200
    assert sign_in(client, "lurah.a", PASSWORD).status_code == 302


def test_logout_by_post(client, lurah):
    client.force_login(lurah)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not signed_in_user(client).is_authenticated


def test_logout_by_get_is_not_allowed(client, lurah):
    client.force_login(lurah)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert signed_in_user(client) == lurah


def test_password_change(client, lurah):
    client.force_login(lurah)
    new = "gotong-royong-2026"

    page = client.get(reverse("password_change"))
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    done = client.get(response["Location"])

    assert page.status_code == 200
    assert "Ganti kata sandi" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "Kata sandi sudah diganti" in done.content.decode()
    lurah.refresh_from_db()
    assert lurah.check_password(new)
    # The session that changed the password stays signed in.
    assert signed_in_user(client) == lurah


def test_password_change_refuses_a_wrong_old_password_or_a_weak_one(client, lurah):
    client.force_login(lurah)

    wrong_old = client.post(
        reverse("password_change"),
        {
            "old_password": "bukan",
            "new_password1": "gotong-royong-26",
            "new_password2": "gotong-royong-26",
        },
    )
    weak = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert wrong_old.status_code == 200 and "old_password" in wrong_old.context["form"].errors
    assert weak.status_code == 200 and "new_password2" in weak.context["form"].errors
    lurah.refresh_from_db()
    assert lurah.check_password(PASSWORD)


def test_password_change_needs_sign_in(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_reset_by_email(client, city, mailoutbox):
    make_user(Role.KECAMATAN, city.kec_1, username="camat.satu", email="camat@example.org")

    page = client.get(reverse("password_reset"))
    response = client.post(reverse("password_reset"), {"email": "camat@example.org"})

    assert "Lupa kata sandi" in page.content.decode()
    assert "Django" not in page.content.decode()
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["camat@example.org"]
    assert mail.subject == "Kata sandi baru untuk akun Bangkit Berdaya"
    link = next(line for line in mail.body.splitlines() if "/accounts/reset/" in line)

    form = client.get(link, follow=True)
    new = "gotong-royong-2027"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )

    assert "Buat kata sandi baru" in form.content.decode()
    assert "Kata sandi baru tersimpan" in done.content.decode()
    assert sign_in(client, "camat.satu", new).status_code == 302
    # The link works once only.
    assert "tidak berlaku lagi" in client.get(link, follow=True).content.decode()


def test_password_reset_does_not_reveal_unknown_addresses(client, lurah, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "tidak-ada@example.org"})

    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_login_page_links_to_password_reset(client, db):
    assert reverse("password_reset") in client.get(LOGIN).content.decode()


# ---- password-reset requests are rate-limited -----------------------------------------------


def ask_reset(client, email, **headers):
    return client.post(reverse("password_reset"), {"email": email}, **headers)


def test_password_reset_requests_over_the_address_limit_answer_429_in_indonesian(
    client, city, mailoutbox, settings
):
    settings.PASSWORD_RESET_ADDRESS_RATE = (3, 3600)
    make_user(Role.KECAMATAN, city.kec_1, username="camat.satu", email="camat@example.org")

    # Each from another machine: the count is per e-mail address, case and spaces aside.
    sent = [
        ask_reset(client, email, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n, email in enumerate(["camat@example.org", "CAMAT@example.org", " camat@example.org"])
    ]
    over = ask_reset(client, "camat@example.org", REMOTE_ADDR="10.0.0.9")

    assert sent == [302, 302, 302]
    assert over.status_code == 429
    page = over.content.decode()
    assert "Terlalu banyak permintaan" in page
    assert "coba lagi sekitar 60 menit lagi" in page
    assert f'href="{reverse("login")}"' in page
    assert over["Retry-After"] == "3600"
    assert len(mailoutbox) == 3
    # Another address is still served, and so is the empty form.
    assert ask_reset(client, "lain@example.org", REMOTE_ADDR="10.0.0.9").status_code == 302
    assert client.get(reverse("password_reset"), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_password_reset_requests_over_the_client_limit_answer_429(client, lurah, settings):
    settings.PASSWORD_RESET_IP_RATE = (4, 3600)
    statuses = [
        ask_reset(client, f"orang{n}@example.org", REMOTE_ADDR="10.0.0.1").status_code
        for n in range(4)
    ]

    over = ask_reset(client, "orang9@example.org", REMOTE_ADDR="10.0.0.1")

    assert statuses == [302] * 4
    assert over.status_code == 429
    assert "Terlalu banyak permintaan" in over.content.decode()
    assert ask_reset(client, "orang9@example.org", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_unknown_and_known_addresses_count_alike(client, lurah, city, mailoutbox, settings):
    """The 429 must not tell which addresses have an account."""
    settings.PASSWORD_RESET_ADDRESS_RATE = (1, 3600)
    make_user(Role.KECAMATAN, city.kec_1, username="camat.satu", email="camat@example.org")

    known = [ask_reset(client, "camat@example.org").status_code for _ in range(2)]
    unknown = [ask_reset(client, "tidak-ada@example.org").status_code for _ in range(2)]

    assert known == unknown == [302, 429]
    assert len(mailoutbox) == 1


def test_password_reset_limit_counts_the_client_behind_a_declared_proxy(client, lurah, settings):
    settings.PASSWORD_RESET_IP_RATE = (1, 3600)
    settings.RATELIMIT_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.9.9.9"}

    first = ask_reset(client, "a@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    forged = ask_reset(
        client, "b@example.org", HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.5", **proxy
    )
    other = ask_reset(client, "c@example.org", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)

    assert [first.status_code, forged.status_code, other.status_code] == [302, 429, 302]
