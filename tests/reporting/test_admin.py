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
