"""The staff pages of e-Planning: the kelurahan's queue (out of scope is 404), its decisions,
the Ketua RT's list and meeting, Bappeda's carry-over with its confirmation."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangkit.models import FiscalYear, Kelurahan, Role
from proposals import resident_usulan as ru
from proposals.models import EntryOrigin, MusrenbangEntry, ResidentUsulan, RTMeeting
from tests import factories
from tests.factories import lifecycle

NIK = "1571011203850001"


@pytest.fixture
def world(regions, fiscal_year):
    kelurahan = Kelurahan.objects.get(name="Simpang IV Sipin")
    rt = factories.RTFactory(kelurahan=kelurahan, number=7)
    usulan = lifecycle.resident_usulan(rt, nik=NIK)
    entry = MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-1",
        kelurahan=kelurahan,
        rt=rt,
        title="Rabat beton gang Mawar",
        location_text="Gang Mawar",
    )
    lurah = factories.make_user(Role.KELURAHAN, kelurahan, username="lurah")
    return kelurahan, rt, usulan, entry, lurah


def test_the_queue_shows_the_kelurahan_usulan_and_suggests_the_duplicate(
    client, world, django_assert_max_num_queries
):
    _kelurahan, _rt, usulan, entry, lurah = world
    client.force_login(lurah)
    with django_assert_max_num_queries(12):
        queue = client.get(reverse("proposals:usulan_queue"))
    assert usulan.code in queue.content.decode()

    detail = client.get(reverse("proposals:usulan_detail", kwargs={"code": usulan.code}))
    body = detail.content.decode()
    assert f'data-suggestion="{entry.source_id}"' in body
    assert NIK not in body and "…0001" in body


def test_another_kelurahan_gets_404_and_sees_an_empty_queue(client, world):
    usulan = world[2]
    other = factories.make_user(Role.KELURAHAN, Kelurahan.objects.get(name="Buluran Kenali"))
    client.force_login(other)

    assert usulan.code not in client.get(reverse("proposals:usulan_queue")).content.decode()
    for name in ("usulan_detail", "usulan_thumbnail"):
        assert (
            client.get(reverse(f"proposals:{name}", kwargs={"code": usulan.code})).status_code
            == 404
        )
    response = client.post(
        reverse("proposals:usulan_decide", kwargs={"code": usulan.code}), {"action": "accept"}
    )
    assert response.status_code == 404
    assert ResidentUsulan.objects.get().is_pending


def test_the_lurah_merges_and_accepts_through_the_page(client, world):
    kelurahan, rt, usulan, entry, lurah = world
    second = ru.usulan_submit(
        data=ru.UsulanInput(
            kelurahan=kelurahan,
            rt=rt,
            title="Lampu jalan",
            location_text="Jl. Kenari",
            problem="Gelap",
        ),
        nik=NIK,
    )
    client.force_login(lurah)
    decide = "proposals:usulan_decide"

    client.post(
        reverse(decide, kwargs={"code": usulan.code}), {"action": "merge", "entry": entry.pk}
    )
    client.post(reverse(decide, kwargs={"code": second.code}), {"action": "accept"})
    bad = client.post(reverse(decide, kwargs={"code": second.code}), {"action": "reject"})

    assert bad.status_code == 302  # said on the page, nothing changed
    usulan.refresh_from_db()
    second.refresh_from_db()
    assert usulan.status == "merged" and usulan.entry == entry
    assert second.status == "accepted" and second.entry.origin == EntryOrigin.RESIDENT


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "-1", "abc"])
def test_a_merge_with_a_junk_entry_is_said_and_changes_nothing(client, world, junk):
    _kelurahan, _rt, usulan, _entry, lurah = world
    client.force_login(lurah)
    response = client.post(
        reverse("proposals:usulan_decide", kwargs={"code": usulan.code}),
        {"action": "merge", "entry": junk},
        follow=True,
    )
    assert response.status_code == 200
    assert "Pilih usulan Musrenbang yang akan digabung." in response.content.decode()
    usulan.refresh_from_db()
    assert usulan.status == "pending" and usulan.entry is None


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "abc"])
def test_an_accept_with_a_junk_work_type_is_refused_and_changes_nothing(client, world, junk):
    _kelurahan, _rt, usulan, _entry, lurah = world
    client.force_login(lurah)
    response = client.post(
        reverse("proposals:usulan_decide", kwargs={"code": usulan.code}),
        {"action": "accept", "work_type": junk},
        follow=True,
    )
    assert "Jenis kegiatan: " in response.content.decode()  # the message, not the label
    usulan.refresh_from_db()
    assert usulan.status == "pending" and usulan.entry is None


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "-1"])
def test_a_meeting_with_a_junk_year_is_refused_on_the_page(client, world, junk):
    client.force_login(factories.make_user(Role.RT, world[1]))
    response = client.post(reverse("proposals:rt_meeting"), {"year": junk}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("?tahun=2026")
    assert not RTMeeting.objects.exists()


def test_a_reject_without_reason_is_said_and_changes_nothing(client, world):
    usulan, lurah = world[2], world[4]
    client.force_login(lurah)
    response = client.post(
        reverse("proposals:usulan_decide", kwargs={"code": usulan.code}),
        {"action": "reject", "reason": ""},
        follow=True,
    )
    assert "Pilih alasan penolakan." in response.content.decode()
    assert ResidentUsulan.objects.get().is_pending


def listed(client) -> list[str]:
    page = client.get(reverse("proposals:rt_list")).content.decode()
    return re.findall(r'data-entry="([^"]+)"', page)


def test_the_ketua_rt_orders_the_list_and_records_the_meeting(client, world):
    _kelurahan, rt, usulan, entry, lurah = world
    accepted = ru.usulan_accept(usulan=usulan, actor=lurah)
    ketua = factories.make_user(Role.RT, rt)
    client.force_login(ketua)

    before = listed(client)
    assert sorted(before) == sorted(["MR-1", accepted.source_id])
    last = MusrenbangEntry.objects.get(source_id=before[-1])
    client.post(reverse("proposals:rt_list_move", kwargs={"pk": last.pk}), {"direction": "up"})
    assert listed(client) == before[::-1]

    minutes = SimpleUploadedFile(
        "notulen.pdf", factories.pdf_bytes(), content_type="application/pdf"
    )
    client.post(
        reverse("proposals:rt_meeting") + "?tahun=2026",
        {"held_on": "2026-02-07", "attendance": "28", "minutes": minutes},
    )
    meeting = RTMeeting.objects.get()
    assert (meeting.held_on, meeting.attendance) == (datetime.date(2026, 2, 7), 28)
    download = client.get(reverse("proposals:rt_meeting_minutes", kwargs={"pk": meeting.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    client.force_login(factories.make_user(Role.RT, factories.RTFactory()))
    assert (
        client.get(reverse("proposals:rt_meeting_minutes", kwargs={"pk": meeting.pk})).status_code
        == 404
    )
    response = client.post(
        reverse("proposals:rt_list_move", kwargs={"pk": entry.pk}), {"direction": "up"}
    )
    assert response.status_code == 404


def test_the_lurah_has_no_rt_list_and_the_rt_no_carry_over(client, world):
    client.force_login(world[4])
    assert client.get(reverse("proposals:rt_list")).status_code == 404
    client.force_login(factories.make_user(Role.RT, world[1]))
    assert client.get(reverse("proposals:carry_over")).status_code == 404


def test_bappeda_carries_over_after_a_confirmation(client, world):
    FiscalYear.objects.filter(year=2026).update(status=FiscalYear.Status.CLOSED)
    factories.FiscalYearFactory(year=2027)
    client.force_login(factories.make_user(Role.BAPPEDA, username="bappeda"))

    asked = client.post(reverse("proposals:carry_over"), {"year": "2026"})
    assert "Bawa 1 usulan Musrenbang 2026 ke tahun 2027?" in asked.content.decode()
    assert not MusrenbangEntry.objects.filter(year=2027).exists()

    client.post(reverse("proposals:carry_over"), {"year": "2026", "confirm": "1"})
    assert MusrenbangEntry.objects.get(year=2027).carried_from == world[3]
