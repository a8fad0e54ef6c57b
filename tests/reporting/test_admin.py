"""Reporting in the admin: records read-only with their photo warnings; Bappeda keeps the
contractor cost parameters, and every change of them is audited."""

import pytest
from django.urls import reverse

from bangkit.models import AuditEvent
from reporting import services
from reporting.models import ContractorCostParameters
from tests.reporting.conftest import SITE_POINT, photo_bytes, upload, when


@pytest.fixture
def flagged(world, make_site):
    first, second = make_site(), make_site()
    data = photo_bytes(taken_at=when(5), gps=SITE_POINT)
    for site in (first, second):
        services.photo_add(proposal=site, actor=world.users["rt"], stage=50, upload=upload(data))
    return second.progress_photos.get()


def test_inspektorat_sees_photo_warnings_and_cannot_change_them(client, world, flagged):
    client.force_login(world.users["inspektorat"])
    changelist = reverse("admin:reporting_progressphoto_changelist")

    listing = client.get(changelist + "?tanda=duplicate")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert flagged.proposal.code in body and "1 foto progres" in body
    detail = client.get(reverse("admin:reporting_progressphoto_change", args=[flagged.pk]))
    assert detail.status_code == 200 and "[duplicate]" in detail.content.decode()
    assert "Simpan" not in detail.content.decode() and "Save" not in detail.content.decode()
    delete = client.post(reverse("admin:reporting_progressphoto_delete", args=[flagged.pk]))
    assert delete.status_code == 403


def test_bappeda_edits_contractor_parameters_with_an_audit_row(client, world):
    client.force_login(world.users["bappeda"])
    response = client.post(
        reverse("admin:reporting_contractorcostparameters_add"),
        {
            "fiscal_year": world.fiscal_year.pk,
            "overhead_profit_percent": "12",
            "ppn_percent": "11",
            "count_in_kind_contributions": "on",
            "source_note": "Survei tiga kontraktor kecil, Maret",
        },
    )
    assert response.status_code == 302
    params = ContractorCostParameters.objects.get()
    assert params.overhead_profit_percent == 12
    event = AuditEvent.objects.get(action="contractor_parameters_add")
    assert event.actor == world.users["bappeda"] and "overhead_profit_percent" in event.data


def test_inspektorat_cannot_edit_contractor_parameters(client, world):
    client.force_login(world.users["inspektorat"])
    url = reverse("admin:reporting_contractorcostparameters_add")
    assert client.get(url).status_code == 403
    assert (
        client.get(reverse("admin:reporting_contractorcostparameters_changelist")).status_code
        == 200
    )


def _rows(site, user, start, count):
    from datetime import date, timedelta

    from reporting.models import ProgressPhoto, WorkDay

    for i in range(start, start + count):
        WorkDay.objects.create(
            proposal=site,
            date=date(2026, 1, 1) + timedelta(days=i),
            men=3,
            activity="Gali",
            recorded_by=user,
        )
        ProgressPhoto.objects.create(proposal=site, stage=i % 100, uploaded_by=user)


@pytest.mark.parametrize("model", ["workday", "progressphoto"])
def test_work_day_and_photo_changelists_take_the_same_queries_for_few_or_many(
    client, world, make_site, model, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = make_site()
    _rows(site, world.users["rt"], 0, 2)
    client.force_login(world.users["bappeda"])
    url = reverse(f"admin:reporting_{model}_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _rows(make_site(), world.users["rt"], 2, 60)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    cl = response.context["cl"]
    assert cl.result_count == 62 and len(cl.result_list) == 50
    assert cl.date_hierarchy is None  # replaced by the "tanggal" year filter
    page_query = next(q["sql"] for q in many.captured_queries if "LIMIT" in q["sql"])
    assert '"boundary"' not in page_query
    # Every row links to its change page, built from one reversed URL.
    first = cl.result_list[0]
    assert cl.url_for_result(first) == reverse(f"admin:reporting_{model}_change", args=[first.pk])
    if model == "progressphoto":
        assert "DISTINCT" not in " ".join(q["sql"] for q in many.captured_queries)
        stages = client.get(url, {"tahap": "50"}).context["cl"]
        assert stages.result_count == 1  # stages 0 … 61: one is 50
        assert client.get(url, {"tahap": "lain"}).context["cl"].result_count == 60  # not 0, 50
        html = response.content.decode()
        assert reverse("reporting:photo_thumbnail", args=[first.pk]) in html
    if model == "workday":
        in_2026 = client.get(url, {"waktu": "2026"}).context["cl"]
        assert in_2026.result_count == 62
        assert client.get(url, {"waktu": "2020"}).context["cl"].result_count == 0
