"""build_exports: a closed year's OCDS package, CSV and XLSX built ahead of the first request,
which then reads them back in a constant handful of queries; an open year is refused."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bangkit.models import FiscalYear
from procurement import exports
from tests.procurement.test_exports import purchases  # noqa: F401 (fixture)
from tests.procurement.test_services import TODAY, deliver_all


def test_an_open_year_is_not_kept(world):
    with pytest.raises(CommandError, match="belum ditutup"):
        call_command("build_exports", year=world.fiscal_year.year)


def test_built_at_close_then_read_without_building(
    client,
    world,
    purchases,  # noqa: F811 (the fixture imported above)
    settings,
    django_assert_max_num_queries,
):
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    year = world.fiscal_year.year
    FiscalYear.objects.filter(pk=world.fiscal_year.pk).update(status=FiscalYear.Status.CLOSED)
    call_command("build_exports", year=year)
    url = reverse("procurement_public:ocds", args=[year])
    # The status, the fingerprint's 3 aggregates and the cache row: no order is read.
    with django_assert_max_num_queries(6) as read:
        response = client.get(url)
    assert not any('"proposals_proposal"."title"' in q["sql"] for q in read.captured_queries)
    package = json.loads(response.content)
    assert package["uri"] == f"https://bangkit.jambikota.go.id{url}"
    assert package == json.loads(exports.ocds_text(year, package["uri"]))
    for name in ("csv", "xlsx"):
        with django_assert_max_num_queries(6):
            assert client.get(reverse(f"procurement_public:{name}", args=[year])).status_code == 200
    # A late payment: the kept package is not the year's any more; the next request builds.
    order = purchases["pricey"]
    deliver_all(world, order)
    from procurement import services

    services.payment_record(
        order=order,
        actor=world.users["lurah"],
        invoice_number="INV-LATE",
        amount=order.total,
        paid_on=TODAY,
        reference="SP2D 0009/2026",
    )
    fresh = json.loads(client.get(url).content)
    assert fresh != package
    assert any(
        t["id"].startswith(order.number)
        for r in fresh["releases"]
        for t in r["contracts"][0]["implementation"]["transactions"]
    )
