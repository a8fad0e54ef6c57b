"""The year's public sites as OC4IDS project records (Open Contracting for Infrastructure Data
Standard 0.9, a project package): ``/proyek/data/<year>-oc4ids.json``, under CC BY 4.0 as the
other open data, in a fixed number of queries.

Each site is one project: what was planned (work type, volume, RT and kelurahan, the point on
the map) and what was realised (the accepted completion report's volume and date), the budget
by source (the city's material money designated in the SK Camat, and the community's
contributions as recorded), what was paid, the households and people who benefit, and the
links to the site's page and to the SK Camat's public check. Nothing personal: contributions
are summed, no resident is named, no free text typed by staff or residents goes out.

Beneficiaries have no field in the 0.9.1 project schema; they go in ``benefits`` in the shape
later versions of the standard give it (the schema allows further properties), and in words
in ``purpose``. tests/data/oc4ids/ holds the schemas the output is checked against.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.db.models import Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from bangkit.money import number_text, rupiah
from bangkit.qr import public_address
from portal import open_data, projects, public_cache
from proposals.models import State
from reporting.models import CompletionReport, SwadayaContribution
from verification.models import Decree

VERSION = "0.9"
CURRENCY = "IDR"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
PUBLISHER = "Pemerintah Kota Jambi — program Bangkit Berdaya"
CITY_PARTY = {"id": "ID-KOTA-JAMBI", "name": "Pemerintah Kota Jambi"}
GAZETTEER = "Kode wilayah Kemendagri (Kepmendagri 300.2.2-2430/2025)"
WORK_TYPE_SCHEME = "Bangkit Berdaya: jenis kegiatan"

# The projectStatus codelist (closed) for each public state.
STATUS = {
    State.DESIGNATED: "preparation",
    State.PROCUREMENT: "implementation",
    State.MATERIALS_RECEIVED: "implementation",
    State.IN_PROGRESS: "implementation",
    State.REPORTED: "completion",
    State.COMPLETED: "completed",
}

FIELDS = (
    *projects.LIST_FIELDS,
    "work_type__code",
    "paid_amount",
    "households_benefiting",
    "people_benefiting",
    "kelurahan__code",
    "kelurahan__kecamatan__code",
)


def _value(amount) -> dict:
    return {"amount": int(amount or 0), "currency": CURRENCY}


def _instant(value) -> str | None:
    """An ISO 8601 date-time in UTC (a date is read as its start in Jakarta)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = timezone.make_aware(datetime.combine(value, time.min))
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _volume(value) -> str:
    return number_text(value) if value is not None else "?"


def _community_by_site(site_ids) -> dict[int, int]:
    rows = (
        SwadayaContribution.objects.filter(proposal_id__in=site_ids)
        .order_by()
        .values_list("proposal_id")
        .annotate(total=Sum("value"))
        .values_list("proposal_id", "total")
    )
    return {pk: int(total or 0) for pk, total in rows}


def _reports_by_site(site_ids) -> dict[int, CompletionReport]:
    reports = CompletionReport.objects.filter(
        proposal_id__in=site_ids, accepted_at__isnull=False
    ).only("id", "proposal_id", "realised_volume", "accepted_at")
    return {r.proposal_id: r for r in reports}


def _decrees_by_site(site_ids) -> dict[int, list]:
    rows = projects.public_decree_locations(proposal_id__in=site_ids)
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.proposal_id, []).append(row.decree)
    return found


def _project(site, *, community: int, report, decrees: list, request) -> dict:
    kelurahan, kecamatan = site.kelurahan, site.kelurahan.kecamatan
    unit = site.work_type.unit
    place = f"{site.rt.label}, Kelurahan {kelurahan.name}, Kecamatan {kecamatan.name}, Kota Jambi"
    planned = f"{site.work_type.name} {_volume(site.planned_volume)} {unit}"
    community_party = {
        "id": f"warga-{kelurahan.code}-rt-{site.rt.number}",
        "name": f"Swadaya masyarakat {site.rt.label}, Kelurahan {kelurahan.name}",
    }
    procuring_party = {"id": f"kelurahan-{kelurahan.code}", "name": f"Kelurahan {kelurahan.name}"}
    decree_party = {"id": f"kecamatan-{kecamatan.code}", "name": f"Kecamatan {kecamatan.name}"}
    location = {
        "id": "1",
        "description": place,
        "gazetteer": {"scheme": GAZETTEER, "identifiers": [kelurahan.code]},
        "address": {
            "locality": kelurahan.name,
            "region": "Kota Jambi, Provinsi Jambi",
            "countryName": "Indonesia",
        },
    }
    if site.latitude is not None and site.longitude is not None:
        # GeoJSON, as the schema says it follows (longitude, then latitude).
        location["geometry"] = projects.geojson_point(site.latitude, site.longitude)
    people = []
    if site.households_benefiting:
        people.append(f"{number_text(site.households_benefiting)} KK")
    if site.people_benefiting:
        people.append(f"{number_text(site.people_benefiting)} jiwa")
    purpose = "Prasarana lingkungan permukiman yang dibangun warga secara gotong-royong."
    if people:
        purpose += f" Penerima manfaat: {', '.join(people)}."
    page = public_address(reverse("public:project", kwargs={"code": site.code}), request)
    documents = [
        {
            "id": "halaman",
            "documentType": "projectScope",
            "title": f"Halaman lokasi {site.code}",
            "url": page,
            "format": "text/html",
            "language": "id",
        }
    ]
    for decree in decrees:
        documents.append(
            {
                "id": f"sk-{decree.public_id}",
                "documentType": "budgetApproval",
                "title": f"SK Camat {decree.number}"
                + ("" if decree.state == Decree.State.ISSUED else " (dicabut)"),
                "url": public_address(
                    reverse("sk:public", kwargs={"public_id": decree.public_id}), request
                ),
                "datePublished": _instant(decree.decree_date),
                "format": "text/html",
                "language": "id",
            }
        )
    year = site.fiscal_year.year
    record = {
        "id": site.code,
        "title": site.title,
        "description": (
            f"{planned} di {place}. Material dari APBD Kota Jambi; dikerjakan warga "
            "secara gotong-royong dengan swadaya masyarakat."
        ),
        "status": STATUS[site.state],
        "purpose": purpose,
        "additionalClassifications": [
            {
                "scheme": WORK_TYPE_SCHEME,
                "id": site.work_type.code,
                "description": site.work_type.name,
            }
        ],
        "period": {
            "startDate": _instant(date(year, 1, 1)),
            "endDate": _instant(date(year, 12, 31)),
        },
        "locations": [location],
        "budget": {
            "amount": _value((site.designated_budget or 0) + community),
            "budgetBreakdown": [
                {
                    "id": "apbd",
                    "description": "APBD Kota Jambi: material bangunan, ditetapkan dalam SK Camat",
                    "amount": _value(site.designated_budget),
                    "sourceParty": CITY_PARTY,
                },
                {
                    "id": "swadaya",
                    "description": (
                        "Swadaya masyarakat yang tercatat (uang, material, tenaga, konsumsi, "
                        "peralatan), dijumlahkan"
                    ),
                    "amount": _value(community),
                    "sourceParty": community_party,
                },
            ],
        },
        "parties": [
            {**CITY_PARTY, "roles": ["funder", "publicAuthority"]},
            {**decree_party, "roles": ["publicAuthority"]},
            {**procuring_party, "roles": ["procuringEntity", "buyer"]},
            {**community_party, "roles": ["funder"]},
        ],
        "documents": documents,
        "benefits": [
            {
                "title": "Penerima manfaat",
                "beneficiaries": [
                    {
                        "description": "Kepala keluarga (KK)",
                        "numberOfPeople": int(site.households_benefiting or 0),
                    },
                    {"description": "Jiwa", "numberOfPeople": int(site.people_benefiting or 0)},
                ],
            }
        ],
    }
    if decrees:
        record["budget"]["approvalDate"] = _instant(decrees[0].decree_date)
    if report is not None and site.state == State.COMPLETED:
        realised = f"{site.work_type.name} {_volume(report.realised_volume)} {unit}"
        record["completion"] = {
            "endDate": _instant(report.accepted_at),
            "finalValue": _value((site.paid_amount or 0) + community),
            "finalValueDetails": (
                f"Material dibayar APBD {rupiah(site.paid_amount or 0)} dan swadaya "
                f"masyarakat {rupiah(community)}."
            ),
            "finalScope": realised,
            "finalScopeDetails": f"Direncanakan: {planned}. Terealisasi: {realised}.",
        }
    return record


def year_package(year: int, request=None) -> dict:
    """The OC4IDS project package of a year with public sites, else Http404 (four queries)."""
    sites = list(projects.site_rows({"year": year}).only(*FIELDS))
    if not sites:
        raise Http404
    ids = [s.pk for s in sites]
    community = _community_by_site(ids)
    reports = _reports_by_site(ids)
    decrees = _decrees_by_site(ids)
    return {
        "uri": public_address(reverse("public:open_data_oc4ids", kwargs={"year": year}), request),
        "publishedDate": _instant(timezone.now()),
        "version": VERSION,
        "publisher": {"name": PUBLISHER},
        "license": LICENCE_URL,
        "projects": [
            _project(
                site,
                community=community.get(site.pk, 0),
                report=reports.get(site.pk),
                decrees=decrees.get(site.pk, []),
                request=request,
            )
            for site in sites
        ],
    }


@require_GET
@gzip_page
@public_cache.for_visitors("oc4ids")
def year_oc4ids(request, year: int):
    package = year_package(year, request)
    # The package has no place for a note: the licence is its `license`, the note rides along.
    package["catatan"] = open_data.LICENCE_NOTE
    return open_data.file_response(
        projects.dumps(package),
        "application/json; charset=utf-8",
        f"proyek-bangkit-berdaya-{year}-oc4ids.json",
    )
