"""The RT's list for the year: ordered by the meeting (up and down), and the meeting recorded
with its minutes; only by the RT's own Ketua."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bangkit.errors import ActionRefused
from bangkit.models import AuditEvent, Role
from proposals import rt_list
from proposals.models import MusrenbangEntry, RTMeeting
from tests import factories


@pytest.fixture
def world(fiscal_year):
    rt = factories.RTFactory()
    entries = [
        MusrenbangEntry.objects.create(
            year=2026, source_id=f"MR-{n}", kelurahan=rt.kelurahan, rt=rt, title=f"Usulan {n}"
        )
        for n in (1, 2, 3)
    ]
    return rt, entries, factories.make_user(Role.RT, rt)


def order(rt):
    return [e.source_id for e in rt_list.rt_list(rt, 2026)]


def test_the_ketua_rt_moves_entries_up_and_down(world):
    rt, entries, ketua = world
    assert order(rt) == ["MR-1", "MR-2", "MR-3"]

    rt_list.rt_list_move(entry=entries[2], actor=ketua, direction="up")
    rt_list.rt_list_move(entry=entries[2], actor=ketua, direction="up")
    rt_list.rt_list_move(entry=entries[0], actor=ketua, direction="down")

    assert order(rt) == ["MR-3", "MR-2", "MR-1"]
    assert list(rt_list.rt_list(rt, 2026).values_list("rt_rank", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.filter(action="rt_list_order", actor=ketua).count() == 3


def test_the_first_cannot_go_higher(world):
    rt, entries, ketua = world
    rt_list.rt_list_move(entry=entries[0], actor=ketua, direction="up")
    assert order(rt) == ["MR-1", "MR-2", "MR-3"]


def test_another_rt_or_the_lurah_may_not_order_the_list(world):
    rt, entries, _ketua = world
    for actor in (
        factories.make_user(Role.RT, factories.RTFactory(kelurahan=rt.kelurahan)),
        factories.make_user(Role.KELURAHAN, rt.kelurahan),
    ):
        with pytest.raises(ActionRefused, match="Hanya Ketua RT"):
            rt_list.rt_list_move(entry=entries[1], actor=actor, direction="up")
    assert order(rt) == ["MR-1", "MR-2", "MR-3"]


def minutes():
    return SimpleUploadedFile("notulen.pdf", factories.pdf_bytes(), content_type="application/pdf")


def test_the_meeting_is_recorded_with_its_minutes_and_can_be_recorded_again(world):
    rt, _entries, ketua = world
    day = datetime.date(2026, 2, 7)
    rt_list.rt_meeting_record(
        rt=rt, year=2026, actor=ketua, held_on=day, attendance=31, minutes=minutes()
    )
    meeting = rt_list.rt_meeting_record(
        rt=rt, year=2026, actor=ketua, held_on=day, attendance=34, minutes=minutes()
    )

    assert RTMeeting.objects.get() == meeting
    assert meeting.attendance == 34 and meeting.minutes.name.endswith(".pdf")
    assert AuditEvent.objects.filter(action="rt_meeting_record").count() == 2


def test_a_meeting_with_a_bad_file_or_a_future_date_is_refused(world):
    rt, _entries, ketua = world
    fake = SimpleUploadedFile("notulen.pdf", b"bukan pdf", content_type="application/pdf")
    with pytest.raises(ActionRefused, match="^Notulen: "):
        rt_list.rt_meeting_record(
            rt=rt,
            year=2026,
            actor=ketua,
            held_on=datetime.date(2026, 2, 7),
            attendance=3,
            minutes=fake,
        )
    with pytest.raises(ActionRefused, match="masa depan"):
        rt_list.rt_meeting_record(
            rt=rt,
            year=2026,
            actor=ketua,
            held_on=datetime.date.today() + datetime.timedelta(1),
            attendance=3,
            minutes=minutes(),
        )
    assert not RTMeeting.objects.exists()
