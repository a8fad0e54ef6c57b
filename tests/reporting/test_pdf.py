"""The LPJ PDF: its text carries the decree, the totals and the realised volume; the photos
are embedded; the URL fetcher refuses the network, other files and other sites' photos."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from reporting import services
from reporting.pdf import LPJFetcher, RefusedResource, lpj_pdf, render_lpj_html
from tests.reporting.conftest import ORDER, SITE_POINT, TODAY, photo_bytes, upload, when


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def completed(world, site):
    rt, lurah = world.users["rt"], world.users["lurah"]
    for days_ago, men, women in [(12, 10, 4), (5, 6, 6)]:
        services.work_day_add(
            proposal=site,
            actor=rt,
            date=TODAY - timedelta(days=days_ago),
            men=men,
            women=women,
            activity="Mengecor jalan",
        )
    services.contribution_add(
        proposal=site,
        actor=rt,
        kind="food",
        description="Nasi bungkus",
        value=900_000,
        contributor="PKK RT 03",
        date=TODAY,
    )
    for i, stage in enumerate((0, 50, 100)):
        services.photo_add(
            proposal=site,
            actor=rt,
            stage=stage,
            upload=upload(photo_bytes("rumah-a", stage, taken_at=when(12 - i * 3), gps=SITE_POINT)),
        )
    services.report_save(
        proposal=site,
        actor=rt,
        realised_volume=Decimal("118"),
        problems="Hujan deras pada hari kedua.",
        usage={
            (d, u): services.UsageInput(used=q - 2, leftover=Decimal("2")) for d, u, q, _ in ORDER
        },
    )
    services.report_submit(proposal=site, actor=rt)
    items = site.fiscal_year.checklist_items.filter(stage="report").values_list("pk", flat=True)
    services.report_accept(proposal=site, actor=lurah, checklist={str(pk): True for pk in items})
    services.report_countersign(proposal=site, actor=world.users["camat"])
    site.refresh_from_db()
    return site


def test_lpj_text_has_the_decree_totals_volume_and_signatures(world, completed):
    data = lpj_pdf(completed)
    text = text_of(data)

    assert data.startswith(b"%PDF-")
    flat = " ".join(text.split())
    assert "LAPORAN PERTANGGUNGJAWABAN" in flat
    assert completed.decree_locations.get().decree.number in flat
    assert "118 m" in flat and "dari rencana 120 m" in flat
    # 14 × 8 + 12 × 8 = 208 person-hours = 26 person-days = Rp 3.120.000 of labour.
    assert "26 HOK" in flat and "Rp 3.120.000" in flat
    assert "Rp 900.000" in flat  # contributions
    assert "Rp 10.000.000" in flat  # ordered, delivered, paid
    assert "Hujan deras" in flat
    assert "Sri Lubis" in flat and "Hasan Rambe" in flat and "Ahmad Hidayat" in flat
    assert "DRAF" not in flat


def test_lpj_embeds_the_photos_and_marks_a_draft(world, completed, make_site):
    reader = PdfReader(io.BytesIO(lpj_pdf(completed)))
    # WeasyPrint shares one resource dictionary between pages: count distinct pictures.
    images = {img.data for page in reader.pages for img in page.images}
    assert len(images) == 3

    unfinished = make_site()
    assert "DRAF" in " ".join(text_of(lpj_pdf(unfinished)).split())


def test_lpj_refers_to_photos_by_id_only(completed):
    html, context = render_lpj_html(completed)
    ids = [row["photo"].pk for row in context["photos"]]
    assert all(f'src="foto-lpj:{pk}"' in html for pk in ids)
    assert "/media/" not in html and "http" not in html.split("<body>")[1].split("Dicetak")[0]


def test_fetcher_refuses_network_other_files_and_other_sites_photos(world, completed, make_site):
    other = make_site()
    stranger = services.photo_add(
        proposal=other,
        actor=world.users["rt"],
        stage=0,
        upload=upload(photo_bytes("rumah-z")),
    ).photo
    own = {p.pk: p for p in completed.progress_photos.all()}
    fetcher = LPJFetcher(own)

    first = next(iter(own))
    assert fetcher.fetch(f"foto-lpj:{first}").read().startswith(b"\xff\xd8")
    for url in [
        f"foto-lpj:{stranger.pk}",
        "foto-lpj:../../etc/passwd",
        "http://example.com/x.png",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "ftp://example.com/a",
    ]:
        with pytest.raises((RefusedResource, ValueError)):
            fetcher.fetch(url)


def test_fetcher_refuses_a_photo_key_that_only_looks_like_digits(world, completed):
    """Keys like "²" or "١" are digits to str.isdigit(): refused, never an int() error."""
    fetcher = LPJFetcher({p.pk: p for p in completed.progress_photos.all()})
    for url in ["foto-lpj:²", "foto-lpj:١٢", "foto-lpj:", "foto-lpj:9999999999999999999999"]:
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)


def test_text_typed_by_residents_cannot_pull_in_remote_images(world, site):
    services.work_day_add(
        proposal=site,
        actor=world.users["rt"],
        date=TODAY,
        men=3,
        women=0,
        activity='<img src="http://example.com/track.png"> gali',
    )
    html, _ = render_lpj_html(site)
    assert '<img src="http://example.com' not in html
    assert "&lt;img" in html


def test_a_photo_whose_copy_the_task_has_not_made_yet_is_still_printed(world, site):
    photo = services.photo_add(
        proposal=site, actor=world.users["rt"], stage=0, upload=upload(photo_bytes("rumah-q"))
    ).photo  # the test's transaction never commits: the copies task does not run
    assert not photo.display

    data = LPJFetcher({photo.pk: photo}).fetch(f"foto-lpj:{photo.pk}").read()

    assert data.startswith(b"\xff\xd8")
    photo.refresh_from_db()
    assert not photo.display  # made for the PDF only, not stored
