"""One answer for every view: out of scope is a 404, an uncaught refusal a page with its message."""

import json

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import include, path

from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import Role
from bangkit.refusals import (
    form_errors,
    json_refused,
    object_action,
    perform,
    say_form_errors,
    say_refused,
    wants_json,
)
from tests.factories import make_user


def out_of_scope(request):
    raise NotInScope


def refused(request):
    raise ActionRefused("Usulan ini sudah diajukan.", problems=["RAB belum lengkap"])


urlpatterns = [
    path("uji/luar-wilayah/", out_of_scope),
    path("uji/ditolak/", refused),
    path("", include("bangkit.urls")),
]

pytestmark = pytest.mark.urls("tests.bangkit.test_refusals")


def test_out_of_scope_from_any_view_is_the_404_page(client, db):
    response = client.get("/uji/luar-wilayah/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()


def test_a_refusal_no_view_caught_is_its_message_on_a_page(client, db):
    client.force_login(make_user(Role.BAPPEDA))

    response = client.get("/uji/ditolak/")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Usulan ini sudah diajukan." in page
    assert "RAB belum lengkap" in page
    assert "Tidak ada data yang diubah." in page


def test_say_refused_puts_the_reason_then_each_problem():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)

    say_refused(request, ActionRefused("Tidak dapat diajukan.", problems=["Foto 0% belum ada"]))
    decree_refusal = ActionRefused("Tidak dapat ditetapkan.", problems=["Tanggal kosong"])
    say_refused(request, decree_refusal, bullet="")

    assert [m.message for m in get_messages(request)] == [
        "Tidak dapat diajukan.",
        "• Foto 0% belum ada",
        "Tidak dapat ditetapkan.",
        "Tanggal kosong",
    ]


def _request():
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_perform_says_the_success_made_from_the_result():
    request = _request()

    done = perform(
        request, lambda *, n, actor: n + 1, n=41, success=lambda n: f"Nomor {n} dicatat."
    )

    assert done is True
    assert [m.message for m in get_messages(request)] == ["Nomor 42 dicatat."]


def test_perform_says_the_refusal_and_answers_false():
    request = _request()

    def service(*, proposal, actor):
        raise ActionRefused(f"{proposal} tidak dapat diajukan.", problems=["RAB kosong"])

    done = perform(request, service, proposal="BB-1", success="Tidak pernah terlihat.")

    assert done is False
    assert [m.message for m in get_messages(request)] == [
        "BB-1 tidak dapat diajukan.",
        "• RAB kosong",
    ]


def test_perform_without_a_success_text_says_nothing():
    request = _request()

    assert perform(request, lambda *, actor: None) is True
    assert list(get_messages(request)) == []


def test_perform_acts_as_the_signed_in_user_unless_told_otherwise():
    request = _request()
    seen = []

    perform(request, lambda *, actor: seen.append(actor))
    perform(request, lambda *, actor: seen.append(actor), actor="bappeda")

    assert seen == [request.user, "bappeda"]


class _NoteForm(forms.Form):
    note = forms.CharField(label="Catatan", max_length=3)
    year = forms.IntegerField(label="Tahun")


def test_say_form_errors_says_each_error_after_the_prefix_or_the_label():
    request = _request()
    form = _NoteForm({"note": "terlalu panjang", "year": "x"})
    assert not form.is_valid()

    say_form_errors(request, form, prefix="BB-1: ")
    say_form_errors(request, form, labelled=True)

    said = [m.message for m in get_messages(request)]
    assert said[:2] == [f"BB-1: {e}" for e in form_errors(form)]
    assert said[2].startswith("Catatan: ") and said[3].startswith("Tahun: ")
    assert len(form_errors(form)) == 2


@pytest.mark.django_db
def test_object_action_finds_acts_as_the_user_says_it_and_goes_back():
    user = make_user(Role.BAPPEDA)
    done = []

    def service(*, item, actor):
        done.append((item, actor))

    view = object_action(
        service,
        find=lambda who, pk: f"barang {pk} untuk {who.username}",
        param="item",
        success=lambda item: f"{item} dihapus.",
        then=lambda item: "/kembali/",
    )
    request = _request()
    request.user = user

    response = view(request, 7)

    assert response.status_code == 302 and response["Location"] == "/kembali/"
    assert done == [(f"barang 7 untuk {user.username}", user)]
    assert [m.message for m in get_messages(request)] == [
        f"barang 7 untuk {user.username} dihapus."
    ]
    get_request = RequestFactory().get("/")
    get_request.user = user
    assert view(get_request, 7).status_code == 405


def test_an_upload_script_asking_for_json_gets_its_refusal_as_json():
    asking = RequestFactory().post("/", HTTP_ACCEPT="application/json")
    page = RequestFactory().post("/", HTTP_ACCEPT="text/html")

    refused = json_refused("Lokasi tidak ditemukan.", status=404)

    assert wants_json(asking) and not wants_json(page)
    assert refused.status_code == 404
    assert json.loads(refused.content) == {"ok": False, "error": "Lokasi tidak ditemukan."}
