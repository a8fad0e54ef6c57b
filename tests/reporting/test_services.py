"""Reporting services: work days start the work, dates and roles are checked, the report moves
the state only when complete, the kelurahan accepts or returns it, the Camat countersigns."""

import errno
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import AuditEvent, ChecklistItem
from proposals.models import TransitionLog
from reporting import selectors, services
from reporting.models import CompletionReport, ProgressPhoto, WorkDay
from tests import factories
from tests.reporting.conftest import (
    DECREE_DATE,
    ORDER,
    SITE_POINT,
    TODAY,
    photo_bytes,
    upload,
    when,
)


def work_day(site, user, days_ago=10, men=10, women=4, hours="8", activity="Mengecor 20 m"):
    return services.work_day_add(
        proposal=site,
        actor=user,
        date=TODAY - timedelta(days=days_ago),
        men=men,
        women=women,
        hours=Decimal(hours),
        activity=activity,
    )


def photos_for(site, user, stages=(0, 50, 100)):
    for i, stage in enumerate(stages):
        services.photo_add(
            proposal=site,
            actor=user,
            stage=stage,
            upload=upload(photo_bytes("rumah-a", stage, taken_at=when(9 - i), gps=SITE_POINT)),
        )


def full_usage():
    return {(d, u): services.UsageInput(used=q, leftover=Decimal("0")) for d, u, q, _ in ORDER}


def ready_to_submit(world, site):
    rt = world.users["rt"]
    work_day(site, rt)
    photos_for(site, rt)
    services.report_save(
        proposal=site, actor=rt, realised_volume=Decimal("118"), usage=full_usage()
    )
    site.refresh_from_db()
    return site


def checklist(site):
    return {
        str(pk): True
        for pk in site.fiscal_year.checklist_items.filter(
            stage=ChecklistItem.Stage.REPORT
        ).values_list("pk", flat=True)
    }


# --- Work days ---------------------------------------------------------------------------------


def test_first_work_day_starts_the_work(world, site):
    day = work_day(site, world.users["rt"])

    site.refresh_from_db()
    assert site.state == "in_progress"
    log = TransitionLog.objects.get(proposal=site, transition="start_work")
    assert log.actor == world.users["rt"] and log.from_state == "materials_received"
    assert day.participants == 14 and day.person_days == Decimal("14.00")
    assert AuditEvent.objects.filter(action="work_day_add").count() == 1

    work_day(site, world.users["rt"], days_ago=9)
    assert TransitionLog.objects.filter(proposal=site, transition="start_work").count() == 1


def test_kelurahan_may_record_for_the_rt_but_not_the_kecamatan(world, site):
    work_day(site, world.users["lurah"])
    with pytest.raises(ActionRefused):
        work_day(site, world.users["camat"], days_ago=9)
    with pytest.raises(ActionRefused):
        work_day(site, world.users["inspektorat"], days_ago=8)


def test_out_of_area_users_cannot_touch_the_site(world, site):
    for user in ("rt_other", "lurah_other", "camat_other"):
        with pytest.raises(NotInScope):
            work_day(site, world.users[user])
    assert not WorkDay.objects.exists()


@pytest.mark.parametrize(
    "day, message",
    [
        (TODAY + timedelta(days=1), "masa depan"),
        (DECREE_DATE - timedelta(days=1), "sebelum tanggal SK"),
    ],
)
def test_work_day_date_is_not_in_the_future_nor_before_the_decree(world, site, day, message):
    with pytest.raises(ActionRefused) as refused:
        services.work_day_add(
            proposal=site, actor=world.users["rt"], date=day, men=3, women=0, activity="Gali"
        )
    assert message in refused.value.message


def test_the_decree_day_itself_is_allowed(world, site):
    services.work_day_add(
        proposal=site, actor=world.users["rt"], date=DECREE_DATE, men=3, women=0, activity="Gali"
    )


def test_a_session_is_recorded_once(world, site):
    work_day(site, world.users["rt"])
    with pytest.raises(ActionRefused) as refused:
        work_day(site, world.users["rt"])
    assert "sudah dicatat" in refused.value.message
    assert WorkDay.objects.count() == 1


def test_a_date_holds_a_morning_and_an_afternoon_shift_and_two_groups(world, site):
    rt = world.users["rt"]
    day = TODAY - timedelta(days=4)

    def shift(session, group="", men=6):
        return services.work_day_add(
            proposal=site,
            actor=rt,
            date=day,
            men=men,
            women=2,
            hours=Decimal("4"),
            activity="Mengecor",
            session=session,
            group=group,
        )

    shift("morning")
    shift("afternoon")
    shift("afternoon", group="  Kelompok   B ", men=4)
    with pytest.raises(ActionRefused) as refused:
        shift("afternoon", group="Kelompok B")
    assert "(siang–sore, Kelompok B) sudah dicatat" in refused.value.message

    assert WorkDay.objects.filter(proposal=site, date=day).count() == 3
    detail = selectors.site_detail(site)
    # Three sessions, one day of work; the hours of all three count.
    assert detail.totals.work_days == 1
    assert detail.totals.person_hours == Decimal("4") * (8 + 8 + 6)
    assert selectors.sites_for(rt).get(pk=site.pk).work_day_count == 1
    assert selectors.execution_totals(rt, by="kelurahan")[0].work_days == 1
    assert selectors.proposal_progress(site, rt).work_days == 1


def test_work_day_needs_participants_and_sane_hours(world, site):
    with pytest.raises(ActionRefused):
        work_day(site, world.users["rt"], men=0, women=0)
    with pytest.raises(ActionRefused):
        work_day(site, world.users["rt"], hours="25")
    with pytest.raises(ActionRefused):
        work_day(site, world.users["rt"], hours="7.3")


def test_work_day_with_an_attendance_sheet_checks_the_file(world, site):
    with pytest.raises(ActionRefused):
        services.work_day_add(
            proposal=site,
            actor=world.users["rt"],
            date=TODAY,
            men=3,
            women=1,
            activity="Gali",
            attendance=upload(b"tidak", "hadir.jpg"),
        )
    day = services.work_day_add(
        proposal=site,
        actor=world.users["rt"],
        date=TODAY,
        men=3,
        women=1,
        activity="Gali",
        attendance=upload(photo_bytes(), "hadir.jpg"),
    )
    assert day.attendance_content_type == "image/jpeg" and len(day.attendance_sha256) == 64


def test_records_are_refused_before_materials_arrive(world, make_site):
    designated = make_site(state="procurement")
    with pytest.raises(ActionRefused) as refused:
        work_day(designated, world.users["rt"])
    assert "setelah material diterima" in refused.value.message


def test_removing_a_work_day_is_audited(world, site):
    day = work_day(site, world.users["rt"])
    services.work_day_remove(work_day=day, actor=world.users["rt"])
    assert not WorkDay.objects.exists()
    event = AuditEvent.objects.get(action="work_day_remove")
    assert event.data["men"] == 10 and event.data["activity"] == "Mengecor 20 m"


def test_a_work_day_is_corrected_with_an_audit_row_of_what_changed(world, site):
    rt = world.users["rt"]
    day = work_day(site, rt, days_ago=5, men=10, women=4)

    services.work_day_update(
        work_day=day,
        actor=rt,
        date=day.date,
        men=12,
        women=4,
        hours=Decimal("6"),
        activity="Mengecor 20 m",
        session="morning",
    )

    day.refresh_from_db()
    assert (day.men, day.hours, day.session) == (12, Decimal("6.0"), "morning")
    event = AuditEvent.objects.get(action="work_day_update")
    assert event.data["changed"] == {
        "men": [10, 12],
        "hours": ["8", "6"],
        "session": ["day", "morning"],
    }


def test_a_correction_keeps_the_checks_of_a_new_day(world, site):
    rt = world.users["rt"]
    first = work_day(site, rt, days_ago=5)
    second = work_day(site, rt, days_ago=4)
    fields = {"men": 3, "women": 0, "hours": Decimal("8"), "activity": "Gali"}
    for date, message in [
        (first.date, "sudah dicatat"),
        (TODAY + timedelta(days=1), "masa depan"),
        (DECREE_DATE - timedelta(days=1), "sebelum tanggal SK"),
    ]:
        with pytest.raises(ActionRefused) as refused:
            services.work_day_update(work_day=second, actor=rt, date=date, **fields)
        assert message in refused.value.message
    with pytest.raises(ActionRefused):
        services.work_day_update(
            work_day=second, actor=rt, date=second.date, **(fields | {"men": 0})
        )
    with pytest.raises(NotInScope):
        services.work_day_update(
            work_day=second, actor=world.users["rt_other"], date=second.date, **fields
        )
    second.refresh_from_db()
    assert second.men == 10
    assert not AuditEvent.objects.filter(action="work_day_update").exists()


def test_an_unchanged_correction_writes_nothing(world, site):
    rt = world.users["rt"]
    day = work_day(site, rt)
    services.work_day_update(
        work_day=day,
        actor=rt,
        date=day.date,
        men=day.men,
        women=day.women,
        hours=day.hours,
        activity=day.activity,
    )
    assert not AuditEvent.objects.filter(action="work_day_update").exists()


def test_a_new_attendance_sheet_replaces_the_old_one_on_commit(
    world, site, django_capture_on_commit_callbacks
):
    rt = world.users["rt"]
    day = services.work_day_add(
        proposal=site,
        actor=rt,
        date=TODAY,
        men=3,
        women=1,
        activity="Gali",
        attendance=upload(photo_bytes("a"), "hadir.jpg"),
    )
    old_name, old_sha = day.attendance_photo.name, day.attendance_sha256
    storage_of = day.attendance_photo.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.work_day_update(
            work_day=day,
            actor=rt,
            date=day.date,
            men=3,
            women=1,
            hours=day.hours,
            activity="Gali",
            attendance=upload(photo_bytes("b"), "hadir-baru.jpg"),
        )
    day.refresh_from_db()
    assert day.attendance_sha256 != old_sha and day.attendance_photo.name != old_name
    assert storage_of.exists(day.attendance_photo.name)
    assert not storage_of.exists(old_name)


# --- Contributions ------------------------------------------------------------------------------


def test_contribution_is_recorded_and_removed(world, site):
    item = services.contribution_add(
        proposal=site,
        actor=world.users["rt"],
        kind="materials",
        description="Semen 10 sak",
        quantity=Decimal("10"),
        unit="sak",
        value=750_000,
        contributor="CSR PT Maju",
        date=TODAY,
    )
    assert item.value == 750_000 and site.contributions.count() == 1
    services.contribution_remove(contribution=item, actor=world.users["rt"])
    assert not site.contributions.exists()
    assert AuditEvent.objects.get(action="contribution_remove").data["value"] == 750_000


def test_contribution_needs_a_unit_with_a_quantity_and_no_negative_value(world, site):
    base = dict(
        proposal=site,
        actor=world.users["rt"],
        kind="food",
        description="Nasi",
        contributor="PKK",
        date=TODAY,
    )
    with pytest.raises(ActionRefused):
        services.contribution_add(**base, value=100_000, quantity=Decimal("40"), unit="")
    with pytest.raises(ActionRefused):
        services.contribution_add(**base, value=-5)
    with pytest.raises(ActionRefused):
        services.contribution_add(**{**base, "kind": "gold"}, value=5)


# --- The report -------------------------------------------------------------------------------


def test_submit_report_is_refused_listing_the_missing_photos(world, site):
    rt = world.users["rt"]
    work_day(site, rt)
    photos_for(site, rt, stages=(0,))
    services.report_save(
        proposal=site, actor=rt, realised_volume=Decimal("118"), usage=full_usage()
    )

    with pytest.raises(ActionRefused) as refused:
        services.report_submit(proposal=site, actor=rt)

    assert refused.value.problems == [
        "Foto tahap 50% belum diunggah.",
        "Foto tahap 100% belum diunggah.",
    ]
    site.refresh_from_db()
    assert site.state == "in_progress"


def test_a_withdrawn_photo_does_not_count(world, site):
    ready = ready_to_submit(world, site)
    hundred = ready.progress_photos.get(stage=100)
    services.photo_withdraw(photo=hundred, actor=world.users["rt"])

    with pytest.raises(ActionRefused) as refused:
        services.report_submit(proposal=ready, actor=world.users["rt"])

    assert "Foto tahap 100% belum diunggah." in refused.value.problems


def test_empty_report_lists_everything_missing(world, site):
    work_day(site, world.users["rt"])
    with pytest.raises(ActionRefused) as refused:
        services.report_submit(proposal=site, actor=world.users["rt"])
    problems = refused.value.problems
    assert "Isi volume terealisasi (m)." in problems
    assert "Isi pemakaian material: Semen Portland 50 kg." in problems
    assert len([p for p in problems if p.startswith("Foto")]) == 3


def test_material_used_and_left_cannot_exceed_what_arrived(world, site):
    work_day(site, world.users["rt"])
    usage = full_usage()
    usage[("Pasir cor", "m³")] = services.UsageInput(used=Decimal("9"), leftover=Decimal("2"))
    with pytest.raises(ActionRefused) as refused:
        services.report_save(
            proposal=site, actor=world.users["rt"], realised_volume=Decimal("118"), usage=usage
        )
    assert "Pasir cor" in refused.value.problems[0]


def test_full_report_flow_submit_accept_countersign(world, site):
    ready = ready_to_submit(world, site)
    rt, lurah, camat = world.users["rt"], world.users["lurah"], world.users["camat"]

    services.report_submit(proposal=ready, actor=rt)
    ready.refresh_from_db()
    assert ready.state == "reported"
    report = CompletionReport.objects.get(proposal=ready)
    assert report.submitted_by == rt and report.submitted_at

    with pytest.raises(ActionRefused):  # the RT cannot accept their own report
        services.report_accept(proposal=ready, actor=rt, checklist=checklist(ready))
    with pytest.raises(ActionRefused) as refused:  # the checklist is the acceptance
        services.report_accept(proposal=ready, actor=lurah, checklist={})
    assert len(refused.value.problems) == 2
    with pytest.raises(ActionRefused):  # not yet completed: nothing to countersign
        services.report_countersign(proposal=ready, actor=camat)

    services.report_accept(proposal=ready, actor=lurah, checklist=checklist(ready))
    ready.refresh_from_db()
    assert ready.state == "completed"
    log = TransitionLog.objects.get(proposal=ready, transition="accept_report")
    assert log.checklist == {"Volume sesuai foto 100%": True, "Material sesuai BAST": True}

    with pytest.raises(ActionRefused):
        services.report_countersign(proposal=ready, actor=world.users["lurah"])
    with pytest.raises(NotInScope):
        services.report_countersign(proposal=ready, actor=world.users["camat_other"])
    report = services.report_countersign(proposal=ready, actor=camat, note="Mengetahui")
    assert report.countersigned_by == camat and report.countersigned_at
    assert AuditEvent.objects.filter(action="report_countersign").count() == 1
    with pytest.raises(ActionRefused) as again:
        services.report_countersign(proposal=ready, actor=camat)
    assert "sudah ditandatangani" in again.value.message


def test_returned_report_goes_back_to_the_rt_with_its_reason(world, site):
    ready = ready_to_submit(world, site)
    services.report_submit(proposal=ready, actor=world.users["rt"])

    with pytest.raises(ActionRefused):
        services.report_return(proposal=ready, actor=world.users["lurah"], reason="kurang")
    services.report_return(
        proposal=ready, actor=world.users["lurah"], reason="Foto 100% buram, ulangi fotonya."
    )

    ready.refresh_from_db()
    assert ready.state == "in_progress"
    report = CompletionReport.objects.get(proposal=ready)
    assert (
        report.return_reason == "Foto 100% buram, ulangi fotonya." and report.submitted_at is None
    )
    assert TransitionLog.objects.get(proposal=ready, transition="return_report").note.startswith(
        "Foto 100%"
    )
    # The Ketua RT fixes it and submits again.
    services.report_submit(proposal=ready, actor=world.users["rt"])
    ready.refresh_from_db()
    assert ready.state == "reported"


def test_records_are_locked_once_the_report_is_submitted(world, site):
    ready = ready_to_submit(world, site)
    services.report_submit(proposal=ready, actor=world.users["rt"])
    with pytest.raises(ActionRefused) as refused:
        work_day(ready, world.users["rt"], days_ago=3)
    assert "sudah diajukan" in refused.value.message
    day = ready.work_days.get()
    with pytest.raises(ActionRefused) as refused:
        services.work_day_update(
            work_day=day,
            actor=world.users["rt"],
            date=day.date,
            men=1,
            women=0,
            hours=day.hours,
            activity="Gali",
        )
    assert refused.value.message.startswith("Hari kerja tidak dapat diubah: laporan sudah")
    with pytest.raises(ActionRefused):
        services.photo_add(
            proposal=ready, actor=world.users["rt"], stage=100, upload=upload(photo_bytes("z"))
        )


def test_only_the_rt_writes_and_submits_the_report(world, site):
    ready = ready_to_submit(world, site)
    with pytest.raises(ActionRefused):
        services.report_save(
            proposal=ready, actor=world.users["lurah"], realised_volume=Decimal("1")
        )
    with pytest.raises(ActionRefused):
        services.report_submit(proposal=ready, actor=world.users["lurah"])
    with pytest.raises(ActionRefused):
        services.report_submit(proposal=ready, actor=world.users["inspektorat"])


def test_designation_uses_the_issued_decree_and_its_first_date(world, site):
    designation = selectors.designation(site)
    assert designation.decree.number.endswith("/SK/BB/KEC.UJI/2026")
    assert designation.first_date == DECREE_DATE


# --- Stored files live and die with their rows ----------------------------------------------


def attendance_sheet():
    return upload(factories.pdf_bytes(), "daftar-hadir.pdf", "application/pdf")


def a_photo(name="foto.jpg"):
    return upload(photo_bytes("rumah-a", 0, taken_at=when(9), gps=SITE_POINT), name)


@pytest.mark.django_db(transaction=True)
def test_a_photo_whose_commit_fails_leaves_none_of_its_three_copies(
    world, site, media_files, commit_fails
):
    before = media_files()

    with pytest.raises(OperationalError), commit_fails():
        services.photo_add(proposal=site, actor=world.users["rt"], stage=0, upload=a_photo())

    assert media_files() == before
    assert not ProgressPhoto.objects.exists()


def test_a_photo_rolled_back_after_the_service_ran_leaves_no_file_and_enqueues_nothing(
    world, site, media_files, django_capture_on_commit_callbacks
):
    before = media_files()

    with (
        django_capture_on_commit_callbacks() as enqueued,
        pytest.raises(RuntimeError),
        storage.atomic(),
    ):
        services.photo_add(proposal=site, actor=world.users["rt"], stage=0, upload=a_photo())
        assert len(media_files() - before) == 1  # the original; copies come from a task
        raise RuntimeError("the caller's transaction fails afterwards")

    assert media_files() == before
    assert enqueued == []


def test_the_upload_makes_no_copy_and_the_task_after_commit_makes_both(
    world, site, media_files, django_capture_on_commit_callbacks
):
    before = media_files()

    with django_capture_on_commit_callbacks() as enqueued:
        photo = services.photo_add(
            proposal=site, actor=world.users["rt"], stage=0, upload=a_photo()
        ).photo
        assert not photo.display and not photo.thumbnail
        assert len(media_files() - before) == 1

    for callback in enqueued:  # the commit: the task runs (the test backend runs it at once)
        callback()
    photo.refresh_from_db()
    assert photo.display and photo.thumbnail
    assert 0 < max(photo.width, photo.height) <= 1600
    assert len(media_files() - before) == 3
    assert services.photo_make_copies(photo=photo) is False  # a second run changes nothing
    assert len(media_files() - before) == 3


@pytest.mark.django_db(transaction=True)
def test_a_work_day_whose_commit_fails_leaves_no_attendance_sheet(
    world, site, media_files, commit_fails
):
    before = media_files()

    with pytest.raises(OperationalError), commit_fails():
        services.work_day_add(
            proposal=site,
            actor=world.users["rt"],
            date=TODAY - timedelta(days=3),
            men=8,
            women=3,
            activity="Mengecor",
            attendance=attendance_sheet(),
        )

    assert media_files() == before
    assert not WorkDay.objects.exists()


def test_a_full_disk_refuses_the_photo_and_keeps_no_file(world, site, media_files, media_fails):
    before = media_files()
    media_fails(errno.ENOSPC)

    with pytest.raises(ActionRefused) as info:
        services.photo_add(
            proposal=site, actor=world.users["rt"], stage=0, upload=a_photo("IMG_2031.jpg")
        )

    assert info.value.message == (
        "Berkas 'IMG_2031.jpg' tidak dapat disimpan: ruang penyimpanan berkas di server penuh. "
        "Tidak ada yang diubah; coba lagi nanti atau hubungi admin aplikasi."
    )
    assert media_files() == before
    assert not ProgressPhoto.objects.exists()


def test_a_full_disk_on_the_thumbnail_in_the_task_keeps_no_copy_and_a_later_run_makes_them(
    world, site, media_files, media_fails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        photo = services.photo_add(
            proposal=site, actor=world.users["rt"], stage=0, upload=a_photo()
        ).photo
    after_upload = media_files()
    media_fails(errno.ENOSPC, after=1)  # the display copy, then the thumbnail fails

    with pytest.raises(ActionRefused):
        services.photo_make_copies(photo=photo)

    assert media_files() == after_upload
    photo.refresh_from_db()
    assert not photo.display and not photo.thumbnail


def test_a_read_only_disk_refuses_the_attendance_sheet_and_records_no_day(
    world, site, media_files, media_fails
):
    before = media_files()
    media_fails(errno.EROFS)

    with pytest.raises(ActionRefused, match="'daftar-hadir.pdf' tidak dapat disimpan: penyimpanan"):
        services.work_day_add(
            proposal=site,
            actor=world.users["rt"],
            date=TODAY - timedelta(days=3),
            men=8,
            women=3,
            activity="Mengecor",
            attendance=attendance_sheet(),
        )

    assert media_files() == before
    assert not WorkDay.objects.exists()
    site.refresh_from_db()
    assert site.state == "materials_received"
