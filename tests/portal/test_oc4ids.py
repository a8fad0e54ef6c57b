"""OC4IDS project records per year: valid against the published schema (offline copies in
tests/data/oc4ids/), planned against realised output, the budget by source, completion,
beneficiaries and locations, the licence, nothing personal, constant queries."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from portal import oc4ids
from proposals.models import Proposal, State
from reporting.models import SwadayaContribution
from tests.portal import project_world
from tests.portal.project_world import ORDER_TOTAL, SITE_POINT, complete, hidden_sites
from tests.portal.test_projects import _personal_strings

world = project_world.world
make_site = project_world.make_site

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "oc4ids"


def oc4ids_validator():
    package = json.loads((SCHEMAS / "project-package-schema.json").read_text())
    project = json.loads((SCHEMAS / "project-schema.json").read_text())
    resource = Resource.from_contents(project, default_specification=DRAFT4)
    # The package schema names the project schema of its own release; both ids are mapped
    # to the copy here, so nothing is fetched (tests/data/oc4ids/README.md).
    registry = Registry().with_resources(
        [
            (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
            (project["id"], resource),
            (package["properties"]["projects"]["items"]["$ref"], resource),
        ]
    )
    return jsonschema.Draft4Validator(
        package, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.fixture
def sites(world, make_site):
    completed = complete(world, make_site(point=SITE_POINT))
    Proposal.objects.filter(pk=completed.pk).update(people_benefiting=120, households_benefiting=30)
    return {
        "completed": completed,
        "other": make_site(rt=world.rt_other, state=State.DESIGNATED, orders=False, point=None),
        "in_progress": make_site(state=State.IN_PROGRESS, point=SITE_POINT),
        "hidden": hidden_sites(world),
    }


def url(world) -> str:
    return f"/proyek/data/{world.fiscal_year.year}-oc4ids.json"


def package_of(client, world) -> dict:
    response = client.get(url(world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "oc4ids.json" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_package_validates_against_the_oc4ids_schema(client, sites, world):
    package = package_of(client, world)
    errors = sorted(oc4ids_validator().iter_errors(package), key=str)
    assert errors == []
    assert package["version"] == "0.9"
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "CC BY 4.0" in package["catatan"]
    assert package["uri"].endswith(url(world))


def test_the_schema_copy_rejects_a_broken_package(client, sites, world):
    package = package_of(client, world)
    package["projects"][0]["status"] = "selesai"
    del package["publisher"]
    messages = [e.message for e in oc4ids_validator().iter_errors(package)]
    assert any("'publisher' is a required property" in m for m in messages)
    assert any("'selesai' is not one of" in m for m in messages)


def test_every_public_site_is_a_project_and_no_hidden_one(client, sites, world):
    codes = {p["id"] for p in package_of(client, world)["projects"]}
    assert codes == {sites[k].code for k in ("completed", "other", "in_progress")}
    assert not codes & {s.code for s in sites["hidden"]}


def test_a_completed_site_has_plan_realisation_budget_by_source_and_beneficiaries(
    client, sites, world
):
    site = Proposal.objects.get(pk=sites["completed"].pk)
    project = {p["id"]: p for p in package_of(client, world)["projects"]}[site.code]
    values = SwadayaContribution.objects.filter(proposal=site).values_list("value", flat=True)
    community = sum(values)
    assert community > 0
    assert project["status"] == "completed"
    breakdown = {b["id"]: b for b in project["budget"]["budgetBreakdown"]}
    assert breakdown["apbd"]["amount"] == {"amount": ORDER_TOTAL, "currency": "IDR"}
    assert breakdown["apbd"]["sourceParty"]["name"] == "Pemerintah Kota Jambi"
    assert breakdown["swadaya"]["amount"]["amount"] == community
    assert project["budget"]["amount"]["amount"] == ORDER_TOTAL + community
    completion = project["completion"]
    assert completion["finalValue"]["amount"] == site.paid_amount + community
    report = site.completion_report
    assert completion["endDate"].startswith(str(report.accepted_at.astimezone().date())[:4])
    assert "Direncanakan: " in completion["finalScopeDetails"]
    assert "Terealisasi: " in completion["finalScopeDetails"]
    beneficiaries = project["benefits"][0]["beneficiaries"]
    assert [b["numberOfPeople"] for b in beneficiaries] == [30, 120]
    assert "30 KK, 120 jiwa" in project["purpose"]
    location = project["locations"][0]
    assert location["gazetteer"]["identifiers"] == [world.kelurahan.code]
    assert location["geometry"]["coordinates"] == [
        round(float(SITE_POINT[1]), 5),
        round(float(SITE_POINT[0]), 5),
    ]
    assert world.kelurahan.name in location["description"]
    kinds = {d["documentType"] for d in project["documents"]}
    assert kinds == {"projectScope", "budgetApproval"}


def test_a_site_not_yet_completed_has_no_completion_and_no_point_when_unmapped(
    client, sites, world
):
    projects = {p["id"]: p for p in package_of(client, world)["projects"]}
    other = projects[sites["other"].code]
    assert other["status"] == "preparation"
    assert "completion" not in other
    assert "geometry" not in other["locations"][0]
    assert projects[sites["in_progress"].code]["status"] == "implementation"


def test_a_year_without_public_sites_is_404(client, sites):
    assert client.get("/proyek/data/1999-oc4ids.json").status_code == 404


def test_oc4ids_shows_nothing_personal(sites, world):
    personal = _personal_strings()
    assert {"Ahmad Hidayat", "Siti Aminah Harahap"} <= personal
    text = Client().get(url(world)).content.decode()
    assert [s for s in personal if s in text] == []
    assert "Gang Melati, dari masjid" not in text


def test_oc4ids_queries_are_constant(client, world, make_site, django_assert_max_num_queries):
    make_site(point=SITE_POINT)
    # The sites, the contributions, the reports, the decrees.
    with django_assert_max_num_queries(4):
        assert client.get(url(world)).status_code == 200
    for _ in range(5):
        make_site(point=SITE_POINT)
    with django_assert_max_num_queries(4):
        assert client.get(url(world)).status_code == 200
    assert len(oc4ids.year_package(world.fiscal_year.year)["projects"]) == 6


def test_the_project_list_links_the_years_open_data(client, sites, world):
    page = client.get("/proyek/").content.decode()
    year = world.fiscal_year.year
    for link in (f"{year}.csv", f"{year}.geojson", f"{year}-oc4ids.json"):
        assert f"/proyek/data/{link}" in page
