"""Reporting screens: the Ketua RT's phone flow, photo uploads with and without the script,
the review and countersign pages, scoping (404 out of area), read-only roles, query counts."""

import errno
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from reporting import selectors, services
from reporting.models import ProgressPhoto, SwadayaContribution, WorkDay
from tests.factories.lifecycle import copies_made
from tests.reporting.conftest import (
    DECREE_DATE,
    ORDER,
    SITE_POINT,
    TODAY,
    photo_bytes,
    upload,
    when,
)


def login(client, user):
    client.force_login(user)
    return client


def add_photo(site, user, stage=0, seed="rumah-a"):
    """A photo with the copies the worker makes after its upload commits."""
    with copies_made():
        photo = services.photo_add(
            proposal=site,
            actor=user,
            stage=stage,
            upload=upload(photo_bytes(seed, stage, taken_at=when(5), gps=SITE_POINT)),
        ).photo
    photo.refresh_from_db()
    return photo


def grow(site, user, n):
    """n more work days, contributions and photos on a site (for query-count pins)."""
    start = site.work_days.count()
    for i in range(n):
        WorkDay.objects.create(
            proposal=site,
            date=TODAY - timedelta(days=start + i + 1),
            men=3,
            women=2,
            activity="Gali",
            recorded_by=user,
        )
        SwadayaContribution.objects.create(
            proposal=site,
            kind="food",
            description="Kopi",
            value=50_000,
            contributor="Warga",
            date=TODAY,
            recorded_by=user,
        )
        add_photo(site, user, stage=(start + i) * 10 % 100, seed=f"rumah-{start + i}")


# --- The Ketua RT's phone flow -----------------------------------------------------------------


def test_rt_records_a_work_day_in_one_short_form(client, world, site):
    login(client, world.users["rt"])
    page = client.get(reverse("reporting:work_day_add", args=[site.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert f'value="{TODAY.isoformat()}"' in body and 'value="8"' in body
    assert 'inputmode="numeric"' in body

    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {"date": TODAY.isoformat(), "men": "12", "women": "5", "hours": "8", "activity": "Gali"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:site", args=[site.pk])
    site.refresh_from_db()
    assert site.state == "in_progress"
    follow = client.get(response["Location"]).content.decode()
    assert "17 orang, 17 HOK" in follow


def test_two_shifts_of_one_date_are_recorded_and_one_is_corrected(client, world, site):
    login(client, world.users["rt"])
    url = reverse("reporting:work_day_add", args=[site.pk])
    form = client.get(url).content.decode()
    assert 'name="session" value="day"' in form and "Siang–sore" in form
    shift = {"date": TODAY.isoformat(), "men": "6", "women": "2", "hours": "4", "activity": "Cor"}
    client.post(url, shift | {"session": "morning"})
    client.post(url, shift | {"session": "afternoon", "group": "Kelompok B"})
    assert WorkDay.objects.filter(date=TODAY).count() == 2

    afternoon = WorkDay.objects.get(session="afternoon")
    page = client.get(reverse("reporting:site", args=[site.pk])).content.decode()
    assert "· pagi" in page and "· siang–sore, Kelompok B" in page
    edit = reverse("reporting:work_day_edit", args=[afternoon.pk])
    assert f'href="{edit}"' in page
    form = client.get(edit).content.decode()
    assert "Ubah hari kerja" in form and 'value="Kelompok B"' in form
    response = client.post(edit, shift | {"session": "afternoon", "group": "", "men": "9"})
    assert response.status_code == 302
    afternoon.refresh_from_db()
    assert (afternoon.men, afternoon.group) == (9, "")
    taken = client.post(edit, shift | {"session": "morning"})
    assert taken.status_code == 200 and "sudah dicatat" in taken.content.decode()


def test_a_work_day_cannot_be_corrected_after_the_report_is_submitted(client, world, reported):
    day = reported.work_days.get()
    login(client, world.users["rt"])
    edit = reverse("reporting:work_day_edit", args=[day.pk])
    assert edit not in client.get(reverse("reporting:site", args=[reported.pk])).content.decode()
    for response in (
        client.get(edit, follow=True),
        client.post(edit, {"date": TODAY.isoformat(), "men": "1", "session": "day"}, follow=True),
    ):
        assert "Hari kerja tidak dapat diubah lagi" in response.content.decode()
    day.refresh_from_db()
    assert day.men == 5
    login(client, world.users["inspektorat"])
    assert client.get(edit).status_code == 404


def test_the_decree_day_is_the_first_day_the_form_offers_and_accepts(client, world, site):
    login(client, world.users["rt"])
    url = reverse("reporting:work_day_add", args=[site.pk])
    assert f'min="{DECREE_DATE.isoformat()}"' in client.get(url).content.decode()
    day = {"men": "3", "women": "0", "hours": "8", "activity": "Gali"}
    response = client.post(url, day | {"date": DECREE_DATE.isoformat()})
    assert response.status_code == 302
    before = client.post(url, day | {"date": (DECREE_DATE - timedelta(days=1)).isoformat()})
    assert "tidak boleh sebelum tanggal SK" in before.content.decode()
    assert WorkDay.objects.get().date == DECREE_DATE


def test_a_blank_count_is_zero(client, world, site):
    login(client, world.users["rt"])
    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {"date": TODAY.isoformat(), "men": "7", "women": "", "hours": "7,5", "activity": "Gali"},
    )
    assert response.status_code == 302
    day = WorkDay.objects.get()
    assert (day.men, day.women, day.hours) == (7, 0, Decimal("7.5"))


def test_work_day_form_shows_refusals(client, world, site):
    login(client, world.users["rt"])
    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {
            "date": (TODAY + timedelta(days=2)).isoformat(),
            "men": "2",
            "women": "0",
            "hours": "8",
            "activity": "Gali",
        },
    )
    assert response.status_code == 200
    assert "masa depan" in response.content.decode()
    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {"date": TODAY.isoformat(), "men": "0", "women": "0", "hours": "8", "activity": "Gali"},
    )
    assert "Isi jumlah peserta" in response.content.decode()
    assert not WorkDay.objects.exists()


def test_a_full_media_disk_keeps_the_work_day_form_with_a_message(
    client, world, site, media_files, media_fails
):
    login(client, world.users["rt"])
    before = media_files()
    media_fails(errno.ENOSPC)

    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {
            "date": TODAY.isoformat(),
            "men": "6",
            "women": "2",
            "hours": "8",
            "activity": "Gali",
            "attendance": upload(photo_bytes(), "hadir.jpg"),
        },
    )

    assert response.status_code == 200
    assert (
        "Berkas &#x27;hadir.jpg&#x27; tidak dapat disimpan: ruang penyimpanan berkas di server "
        "penuh." in response.content.decode()
    )
    assert not WorkDay.objects.exists()
    assert media_files() == before


def test_rt_records_a_contribution_with_indonesian_money(client, world, site):
    login(client, world.users["rt"])
    response = client.post(
        reverse("reporting:contribution_add", args=[site.pk]),
        {
            "kind": "materials",
            "description": "Semen",
            "quantity": "10",
            "unit": "sak",
            "value": "Rp 750.000",
            "contributor": "CSR PT Maju",
            "date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    item = SwadayaContribution.objects.get()
    assert (item.value, item.quantity, item.unit) == (750_000, Decimal("10"), "sak")


def test_site_page_has_big_buttons_for_the_rt_and_totals(client, world, site):
    services.work_day_add(
        proposal=site, actor=world.users["rt"], date=TODAY, men=10, women=6, activity="Gali"
    )
    login(client, world.users["rt"])
    body = client.get(reverse("reporting:site", args=[site.pk])).content.decode()
    for label in ("+ Hari kerja", "+ Foto", "+ Swadaya", "Laporan"):
        assert label in body
    assert "Rp 1.920.000" in body  # 16 person-days × Rp 120.000


def test_plain_multi_file_upload_keeps_good_photos_and_reports_the_bad_one(client, world, site):
    login(client, world.users["rt"])
    response = client.post(
        reverse("reporting:photo_upload", args=[site.pk]),
        {
            "stage": "0",
            "caption": "Sebelum",
            "photos": [
                upload(photo_bytes("a", taken_at=when(3), gps=SITE_POINT), "a.jpg"),
                upload(b"ini bukan foto" * 10, "b.jpg"),
                upload(photo_bytes("c", taken_at=when(3), gps=SITE_POINT), "c.jpg"),
            ],
        },
        follow=True,
    )
    body = response.content.decode()
    assert ProgressPhoto.objects.filter(proposal=site).count() == 2
    assert "2 foto tersimpan." in body
    assert "b.jpg" in body and "bukan" in body


def test_script_upload_answers_json_and_a_retry_is_not_stored_twice(client, world, site):
    login(client, world.users["rt"])
    url = reverse("reporting:photo_upload", args=[site.pk])
    data = photo_bytes(taken_at=when(3), gps=SITE_POINT)

    def send():
        return client.post(
            url,
            {"stage": "50", "photo": upload(data), "client_token": "abc-123"},
            headers={"accept": "application/json"},
        )

    first, again = send(), send()

    assert first.status_code == 201 and first.json()["ok"]
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ProgressPhoto.objects.count() == 1
    refused = client.post(
        url,
        {"stage": "50", "photo": upload(b"teks biasa" * 30)},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 400 and "bukan" in refused.json()["error"]


def test_script_upload_on_a_read_only_disk_answers_400_with_the_reason(
    client, world, site, media_files, media_fails
):
    login(client, world.users["rt"])
    before = media_files()
    media_fails(errno.EROFS)

    response = client.post(
        reverse("reporting:photo_upload", args=[site.pk]),
        {"stage": "50", "photo": upload(photo_bytes(taken_at=when(3), gps=SITE_POINT), "a.jpg")},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Berkas 'a.jpg' tidak dapat disimpan: penyimpanan berkas di server sedang tidak "
        "dapat ditulisi (hanya-baca). Tidak ada yang diubah; coba lagi nanti atau hubungi admin "
        "aplikasi.",
    }
    assert not ProgressPhoto.objects.exists()
    assert media_files() == before


def test_script_upload_marks_client_metadata(client, world, site):
    login(client, world.users["rt"])
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), (120, 120, 120)).save(buffer, "JPEG")
    response = client.post(
        reverse("reporting:photo_upload", args=[site.pk]),
        {
            "stage": "0",
            "photo": upload(buffer.getvalue()),
            "client_taken_at": "2026:01:05 08:00:00",
            "client_latitude": "-1.610000",
            "client_longitude": "103.613000",
            "client_resized": "1",
        },
        headers={"accept": "application/json"},
    )
    photo = ProgressPhoto.objects.get(pk=response.json()["id"])
    assert photo.metadata_source == "client" and photo.client_resized


def test_photo_page_uses_the_script_and_works_without_it(client, world, site):
    login(client, world.users["rt"])
    body = client.get(reverse("reporting:photo_upload", args=[site.pk])).content.decode()
    assert "js/photo-upload.js" in body
    assert 'enctype="multipart/form-data"' in body and "multiple" in body
    assert 'accept="image/*"' in body


def test_display_and_thumbnail_are_served_without_exif_original_only_to_offices(
    client, world, site
):
    photo = add_photo(site, world.users["rt"])
    login(client, world.users["rt"])
    for name in ("reporting:photo_display", "reporting:photo_thumbnail"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert dict(image.getexif()) == {}
        assert "private" in response["Cache-Control"]
    assert client.get(reverse("reporting:photo_original", args=[photo.pk])).status_code == 404

    login(client, world.users["lurah"])
    original = client.get(reverse("reporting:photo_original", args=[photo.pk]))
    assert original.status_code == 200 and "attachment" in original["Content-Disposition"]


def test_flags_are_shown_to_offices_not_to_the_uploader(client, world, make_site):
    first, second = make_site(), make_site()
    add_photo(first, world.users["rt"], stage=50)
    add_photo(second, world.users["rt"], stage=50)  # the same bytes: flagged as duplicate

    login(client, world.users["rt"])
    assert (
        'data-flag="duplicate"'
        not in client.get(reverse("reporting:site", args=[second.pk])).content.decode()
    )
    for user in ("lurah", "inspektorat", "camat"):
        login(client, world.users[user])
        page = client.get(reverse("reporting:review", args=[second.pk])).content.decode()
        assert 'data-flag="duplicate"' in page, user


def test_report_page_lists_what_is_missing_then_submits(client, world, site):
    rt = world.users["rt"]
    services.work_day_add(proposal=site, actor=rt, date=TODAY, men=5, women=0, activity="Gali")
    login(client, rt)
    url = reverse("reporting:report", args=[site.pk])
    body = client.get(url).content.decode()
    assert "Foto tahap 0% belum diunggah." in body and "disabled" in body

    data = {"realised_volume": "118", "problems": "Hujan"}
    for i, (_, _, qty, _) in enumerate(ORDER):
        data.update({f"used_{i}": str(qty), f"leftover_{i}": "0", f"note_{i}": ""})
    assert client.post(url, data).status_code == 302
    for stage in (0, 50, 100):
        add_photo(site, rt, stage=stage, seed="rumah-a")
    response = client.post(reverse("reporting:report_submit", args=[site.pk]), follow=True)
    site.refresh_from_db()
    assert site.state == "reported"
    assert "Laporan penyelesaian diajukan" in response.content.decode()


def test_submit_without_photos_is_refused_with_the_list(client, world, site):
    rt = world.users["rt"]
    services.work_day_add(proposal=site, actor=rt, date=TODAY, men=5, women=0, activity="Gali")
    login(client, rt)
    response = client.post(reverse("reporting:report_submit", args=[site.pk]), follow=True)
    body = response.content.decode()
    assert "Laporan belum dapat diajukan." in body and "Foto tahap 100% belum diunggah." in body
    site.refresh_from_db()
    assert site.state == "in_progress"


@pytest.fixture
def reported(world, site):
    rt = world.users["rt"]
    services.work_day_add(proposal=site, actor=rt, date=TODAY, men=5, women=2, activity="Gali")
    for stage in (0, 50, 100):
        add_photo(site, rt, stage=stage)
    services.report_save(
        proposal=site,
        actor=rt,
        realised_volume=Decimal("118"),
        usage={(d, u): services.UsageInput(used=q) for d, u, q, _ in ORDER},
    )
    services.report_submit(proposal=site, actor=rt)
    site.refresh_from_db()
    return site


def test_kelurahan_accepts_with_the_checklist_and_camat_countersigns(client, world, reported):
    login(client, world.users["lurah"])
    url = reverse("reporting:review", args=[reported.pk])
    page = client.get(url).content.decode()
    assert "Terima laporan" in page and "Volume sesuai foto 100%" in page

    refused = client.post(url, {"decision": "accept", "note": ""}, follow=True)
    assert "Daftar periksa laporan belum lengkap." in refused.content.decode()
    items = [str(i.pk) for i in selectors.report_checklist(reported)]
    # "confirm": the answer on the confirmation page that accepting asks first.
    client.post(url, {"decision": "accept", "note": "Baik", "checklist": items, "confirm": "1"})
    reported.refresh_from_db()
    assert reported.state == "completed"

    login(client, world.users["camat"])
    page = client.get(url).content.decode()
    assert "Tanda tangani" in page and "Perkiraan penghematan" in page
    client.post(reverse("reporting:countersign", args=[reported.pk]), {"note": "Mengetahui"})
    assert reported.completion_report.__class__.objects.get(proposal=reported).countersigned_at


def test_accepting_asks_first_and_carries_the_checklist_and_note(client, world, reported):
    login(client, world.users["lurah"])
    url = reverse("reporting:review", args=[reported.pk])
    items = [str(i.pk) for i in selectors.report_checklist(reported)]

    response = client.post(url, {"decision": "accept", "note": "Baik", "checklist": items})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Yang akan terjadi" in html and "Ya, terima laporan" in html
    assert "✔ Volume sesuai foto 100%" in html and "Kegiatan dinyatakan selesai" in html
    for pk in items:
        assert f'<input type="hidden" name="checklist" value="{pk}">' in html
    assert '<input type="hidden" name="note" value="Baik">' in html
    assert '<input type="hidden" name="decision" value="accept">' in html
    reported.refresh_from_db()
    assert reported.state == "reported"

    client.post(url, {"decision": "accept", "note": "Baik", "checklist": items, "confirm": "1"})
    reported.refresh_from_db()
    assert reported.state == "completed"
    assert reported.transitions.last().note == "Baik"


def test_kelurahan_returns_with_a_reason_and_the_rt_sees_it(client, world, reported):
    login(client, world.users["lurah"])
    client.post(
        reverse("reporting:review", args=[reported.pk]),
        {"decision": "return", "note": "Foto 100% kurang jelas, ambil ulang."},
    )
    reported.refresh_from_db()
    assert reported.state == "in_progress"
    login(client, world.users["rt"])
    body = client.get(reverse("reporting:site", args=[reported.pk])).content.decode()
    assert "Laporan dikembalikan kelurahan" in body and "kurang jelas" in body


def test_lpj_pdf_is_served_to_those_in_scope(client, world, reported):
    login(client, world.users["camat"])
    response = client.get(reverse("reporting:lpj", args=[reported.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


# --- Scope and roles ------------------------------------------------------------------------------


def test_out_of_area_is_not_found_everywhere(client, world, reported):
    photo = reported.progress_photos.first()
    day = reported.work_days.first()
    urls = [
        ("get", reverse("reporting:site", args=[reported.pk])),
        ("get", reverse("reporting:review", args=[reported.pk])),
        ("get", reverse("reporting:lpj", args=[reported.pk])),
        ("get", reverse("reporting:work_day_add", args=[reported.pk])),
        ("get", reverse("reporting:work_day_edit", args=[day.pk])),
        ("get", reverse("reporting:photo_upload", args=[reported.pk])),
        ("get", reverse("reporting:photo_display", args=[photo.pk])),
        ("get", reverse("reporting:photo_thumbnail", args=[photo.pk])),
        ("get", reverse("reporting:photo_original", args=[photo.pk])),
        ("get", reverse("reporting:attendance", args=[day.pk])),
        ("post", reverse("reporting:work_day_remove", args=[day.pk])),
        ("post", reverse("reporting:photo_withdraw", args=[photo.pk])),
        ("post", reverse("reporting:countersign", args=[reported.pk])),
        ("post", reverse("reporting:review", args=[reported.pk])),
    ]
    for user in ("rt_other", "lurah_other", "camat_other"):
        login(client, world.users[user])
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (user, url)


def test_anonymous_users_are_sent_to_sign_in(client, reported):
    photo = reported.progress_photos.first()
    response = client.get(reverse("reporting:photo_display", args=[photo.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_inspektorat_reads_everything_and_changes_nothing(client, world, site):
    login(client, world.users["inspektorat"])
    page = client.get(reverse("reporting:site", args=[site.pk]))
    assert page.status_code == 200 and "+ Hari kerja" not in page.content.decode()
    assert client.get(reverse("reporting:work_day_add", args=[site.pk])).status_code == 404
    response = client.post(
        reverse("reporting:work_day_add", args=[site.pk]),
        {"date": TODAY.isoformat(), "men": "3", "women": "0", "hours": "8", "activity": "x"},
    )
    assert response.status_code == 404 and not WorkDay.objects.exists()
    upload_json = client.post(
        reverse("reporting:photo_upload", args=[site.pk]),
        {"stage": "0", "photo": upload(photo_bytes())},
        headers={"accept": "application/json"},
    )
    assert upload_json.status_code == 403 and not ProgressPhoto.objects.exists()


def test_rt_cannot_see_the_savings_page(client, world):
    login(client, world.users["rt"])
    assert client.get(reverse("reporting:savings")).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_index_and_savings_pages_have_pinned_query_counts(client, world, make_site):
    def completed_site(n):
        site = make_site(state="in_progress")
        grow(site, world.users["rt"], n)
        type(site).objects.filter(pk=site.pk).update(state="completed")

    login(client, world.users["bappeda"])
    grow(make_site(state="in_progress"), world.users["rt"], 1)
    completed_site(1)
    index, savings_page = reverse("reporting:sites"), reverse("reporting:savings")
    before = (_queries(client, index), _queries(client, savings_page))
    for _ in range(3):
        completed_site(2)
    grow(make_site(rt=world.rt_other), world.users["rt_other"], 1)
    after = (_queries(client, index), _queries(client, savings_page))
    assert before == after
    assert after[0] <= 8 and after[1] <= 6


def test_site_and_review_pages_do_not_grow_with_records(client, world, site):
    rt = world.users["rt"]
    grow(site, rt, 1)
    login(client, world.users["lurah"])
    pages = [reverse("reporting:site", args=[site.pk]), reverse("reporting:review", args=[site.pk])]
    before = [_queries(client, url) for url in pages]
    grow(site, rt, 4)
    assert [_queries(client, url) for url in pages] == before


def test_rt_index_lists_own_sites_in_constant_queries(client, world, make_site):
    login(client, world.users["rt"])
    make_site()
    before = _queries(client, reverse("reporting:sites"))
    make_site()
    make_site(rt=world.rt_other)
    page = client.get(reverse("reporting:sites")).content.decode()
    assert _queries(client, reverse("reporting:sites")) == before
    assert page.count("Buka lokasi") == 2


def test_progress_snippet_for_the_proposal_page(rf, world, reported):
    progress = selectors.proposal_progress(reported, world.users["lurah"])
    html = render_to_string("reporting/_progress.html", {"progress": progress})
    assert "Pelaksanaan dan progres" in html and "0%" in html and "100%" in html
    assert reverse("reporting:photo_thumbnail", args=[reported.progress_photos.first().pk]) in html
    designated = reported.__class__.objects.create(
        fiscal_year=reported.fiscal_year,
        rt=reported.rt,
        kelurahan=reported.kelurahan,
        title="Belum",
        work_type=reported.work_type,
        location_description="-",
        planned_volume=1,
        state="designated",
    )
    assert selectors.proposal_progress(designated, world.users["lurah"]) is None
    assert render_to_string("reporting/_progress.html", {"progress": None}).strip() == ""


def test_savings_page_shows_one_year_a_page_at_a_time_with_totals_over_all(
    client, world, make_site, monkeypatch
):
    from reporting import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    login(client, world.users["bappeda"])
    for _ in range(3):
        site = make_site(state="in_progress")
        grow(site, world.users["rt"], 1)
        type(site).objects.filter(pk=site.pk).update(state="completed")
    url = reverse("reporting:savings")
    first = client.get(url)
    # No ?tahun=: the latest year, not every year of the programme.
    assert first.context["year"] == world.fiscal_year.year
    assert len(first.context["page"].object_list) == 2
    assert first.context["page"].paginator.count == 3
    table = first.context["table"]
    assert "3 kegiatan selesai" in first.content.decode()
    from reporting import savings

    whole = savings.savings_table(world.users["bappeda"], year=world.fiscal_year.year)
    assert len(whole.rows) == 3 and len(table.rows) == 2
    # The totals cover every site, not only the page's.
    assert (table.contractor_total, table.city_cost) == (whole.contractor_total, whole.city_cost)
    assert [r.contractor_total for r in table.rows] == [r.contractor_total for r in whole.rows[:2]]
    second = client.get(url, {"tahun": world.fiscal_year.year, "hal": 2})
    assert len(second.context["page"].object_list) == 1
    assert f"tahun={world.fiscal_year.year}&amp;hal=1" in second.content.decode()
    every_year = client.get(url, {"tahun": ""})
    assert every_year.context["year"] is None
    assert every_year.context["page"].paginator.count == 3


def test_a_photo_copy_not_made_yet_is_the_processing_placeholder(client, world, site):
    photo = services.photo_add(
        proposal=site, actor=world.users["rt"], stage=0, upload=upload(photo_bytes("rumah-p"))
    ).photo  # the copies task runs after commit, which a test's transaction never reaches
    client.force_login(world.users["rt"])

    for name in ("reporting:photo_thumbnail", "reporting:photo_display"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "no-store"

    services.photo_make_copies(photo=photo)
    assert client.get(reverse("reporting:photo_thumbnail", args=[photo.pk]))["Content-Type"] == (
        "image/jpeg"
    )
