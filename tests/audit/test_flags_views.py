"""/audit/tanda/: who sees which flags, the filters, the evidence and links, the review form,
and the queries the list page makes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.models import Flag
from bangkit.models import AuditEvent, Role
from proposals.models import CitizenSupport
from tests import factories
from tests.factories import lifecycle

pytestmark = pytest.mark.django_db

NOTE = "Diperiksa: dukungan dikumpulkan di musyawarah RT."
LIST = reverse("audit:flags")


def burst(entry, count=20):
    start = timezone.now() - timedelta(hours=2)
    rows = CitizenSupport.objects.bulk_create(
        CitizenSupport(entry=entry, nik_hash=f"{entry.pk}-{i}", nik_last4="0001")
        for i in range(count)
    )
    for i, row in enumerate(rows):
        CitizenSupport.objects.filter(pk=row.pk).update(
            created_at=start + i * timedelta(seconds=20)
        )


@pytest.fixture
def two_flags():
    """One burst flag in each of two kecamatan."""
    here = lifecycle.MusrenbangEntryFactory(title="Semenisasi gang Melati")
    there = lifecycle.MusrenbangEntryFactory(title="Drainase gang Kenanga")
    assert here.kelurahan.kecamatan_id != there.kelurahan.kecamatan_id
    burst(here)
    burst(there)
    services.flags_refresh()
    return (
        Flag.objects.get(subject=f"entry:{here.pk}"),
        Flag.objects.get(subject=f"entry:{there.pk}"),
    )


def signed_in(client, role, area=None):
    user = factories.make_user(role, area)
    client.force_login(user)
    return user


def test_the_inspektorat_sees_every_flag_with_its_evidence_and_links(client, two_flags):
    signed_in(client, Role.INSPEKTORAT)
    page = client.get(LIST).content.decode()
    for flag in two_flags:
        assert flag.title in page
        assert reverse("audit:flag", args=[flag.pk]) in page
    assert "Dukungan dalam lonjakan" in page
    assert "yang lalu" in page
    assert "/admin/proposals/musrenbangentry/" in page


def test_a_flag_page_explains_its_rule_in_indonesian(client, two_flags):
    from audit.flags import RULES

    signed_in(client, Role.INSPEKTORAT)
    flag = two_flags[0]
    page = client.get(reverse("audit:flag", args=[flag.pk])).content.decode()
    rule = RULES[flag.rule]
    assert rule.meaning.split("\n")[0] in page
    assert rule.doc.split("\n")[0] not in page


def test_a_camat_sees_only_the_flags_of_their_kecamatan(client, two_flags):
    here, there = two_flags
    signed_in(client, Role.KECAMATAN, here.kecamatan)
    page = client.get(LIST).content.decode()
    assert here.title in page and there.title not in page
    assert client.get(reverse("audit:flag", args=[here.pk])).status_code == 200
    assert client.get(reverse("audit:flag", args=[there.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.BAPPEDA, Role.KELURAHAN, Role.RT])
def test_others_get_a_404(client, two_flags, role):
    area = {
        Role.KELURAHAN: factories.KelurahanFactory(),
        Role.RT: factories.RTFactory(),
    }.get(role)
    signed_in(client, role, area)
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("audit:flag", args=[two_flags[0].pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, two_flags):
    assert client.get(LIST).status_code == 302


def test_the_filters(client, two_flags):
    here, there = two_flags
    user = signed_in(client, Role.INSPEKTORAT)
    services.flag_review(flag=here, actor=user, note=NOTE)
    page = client.get(LIST, {"status": "belum"}).content.decode()
    assert there.title in page and here.title not in page
    page = client.get(LIST, {"status": "sudah"}).content.decode()
    assert here.title in page and there.title not in page
    page = client.get(LIST, {"kecamatan": there.kecamatan_id}).content.decode()
    assert there.title in page and here.title not in page
    page = client.get(LIST, {"aturan": "price_above_reference"}).content.decode()
    assert here.title not in page
    page = client.get(LIST, {"tahun": here.year + 1}).content.decode()
    assert here.title not in page
    # Junk is ignored, never a 500.
    assert client.get(LIST, {"tahun": "abc", "aturan": "<x>", "kecamatan": "-1"}).status_code == 200


def test_the_inspektorat_marks_a_flag_reviewed_and_the_note_is_in_the_trail(client, two_flags):
    here, _ = two_flags
    signed_in(client, Role.INSPEKTORAT)
    url = reverse("audit:flag", args=[here.pk])
    assert "Tandai sudah ditinjau" in client.get(url).content.decode()
    response = client.post(url, {"note": "ok"})
    assert "paling sedikit 10 huruf" in response.content.decode()
    response = client.post(url, {"note": NOTE}, follow=True)
    page = response.content.decode()
    assert "Sudah ditinjau oleh" in page and NOTE in page
    assert AuditEvent.objects.filter(action="flag_review", data__note=NOTE).exists()


def test_a_review_note_with_a_nul_character_is_refused_on_the_page(client, two_flags):
    signed_in(client, Role.INSPEKTORAT)
    flag = two_flags[0]
    response = client.post(reverse("audit:flag", args=[flag.pk]), {"note": NOTE + "\x00"})
    assert response.status_code == 200
    assert "tanpa karakter NUL" in response.content.decode()
    flag.refresh_from_db()
    assert not flag.is_reviewed


def test_a_camat_sees_no_review_form_and_cannot_post_one(client, two_flags):
    here, _ = two_flags
    signed_in(client, Role.KECAMATAN, here.kecamatan)
    url = reverse("audit:flag", args=[here.pk])
    assert "Tandai sudah ditinjau" not in client.get(url).content.decode()
    page = client.post(url, {"note": NOTE}).content.decode()
    assert "Hanya Inspektorat" in page
    assert not Flag.objects.get(pk=here.pk).reviewed_at


def test_the_list_page_makes_a_fixed_number_of_queries(
    client, two_flags, django_assert_max_num_queries
):
    signed_in(client, Role.INSPEKTORAT)
    for _ in range(5):
        burst(lifecycle.MusrenbangEntryFactory(title=f"Sumur bor {_}"))
    services.flags_refresh()
    assert Flag.objects.count() >= 7
    with django_assert_max_num_queries(7):
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(LIST, {"status": "belum", "tahun": 2026}).status_code == 200
