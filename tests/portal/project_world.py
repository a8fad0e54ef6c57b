"""A world on the real regions of Kota Jambi (their stored boundaries) for the public project
pages: sites at every stage, one completed through the real reporting services with work days,
contributions, photos (with EXIF GPS) and an accepted report, residents with names and phones.

Test modules import the fixtures they use: ``from tests.portal.project_world import ...``.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from bangkit.models import FiscalYear, Kelurahan, Role
from procurement.models import Supplier
from proposals.models import Proposal, State, TransitionLog
from reporting import services
from tests import factories
from tests.reporting.conftest import (  # noqa: F401 (make_site is a fixture)
    ORDER,
    ORDER_TOTAL,
    TODAY,
    World,
    make_site,
    photo_bytes,
    upload,
    when,
)

# Residents and their data, which no public page may show.
RESIDENTS = {
    "rt_head": ("Ahmad Hidayat", "081234567801"),
    "rt_user": ("Rahmawati Siregar", "081234567802"),
    "rt_other": ("Yusuf Nasution", "081234567803"),
    "contributor": ("Siti Aminah Harahap", ""),
    "receiver": ("Bambang Sutrisno", ""),
    "supplier_owner": ("Hendra Wijaya Kusuma", "081234567804"),
}
SUPPLIER_NIK = "1571024508900003"  # a shop's NPWP that is its owner's NIK
SITE_POINT = (Decimal("-1.615570"), Decimal("103.576774"))  # inside Simpang IV Sipin


@pytest.fixture
def world(db) -> World:
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    fy = factories.FiscalYearFactory(status=FiscalYear.Status.EXECUTION)
    for order, text in enumerate(["Volume sesuai foto 100%", "Material sesuai BAST"], start=1):
        fy.checklist_items.create(stage="report", text=text, order=order)
    kel = Kelurahan.objects.select_related("kecamatan").get(name="Simpang IV Sipin")
    kel_b = Kelurahan.objects.select_related("kecamatan").exclude(kecamatan=kel.kecamatan)[0]
    name, phone = RESIDENTS["rt_head"]
    rt = factories.RTFactory(kelurahan=kel, number=3, head_name=name, head_phone=phone)
    name_b, phone_b = RESIDENTS["rt_other"]
    rt_b = factories.RTFactory(kelurahan=kel_b, number=1, head_name=name_b, head_phone=phone_b)
    mk = factories.make_user
    first, last = RESIDENTS["rt_user"][0].split(" ", 1)
    users = {
        "rt": mk(
            Role.RT,
            rt,
            username="rt-sipin-03",
            first_name=first,
            last_name=last,
            phone=RESIDENTS["rt_user"][1],
        ),
        "rt_other": mk(Role.RT, rt_b, username="rt-other-01"),
        "lurah": mk(Role.KELURAHAN, kel, username="lurah-sipin"),
        "lurah_other": mk(Role.KELURAHAN, kel_b, username="lurah-other"),
        "camat": mk(Role.KECAMATAN, kel.kecamatan, username="camat-telanaipura"),
        "camat_other": mk(Role.KECAMATAN, kel_b.kecamatan, username="camat-other"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda"),
    }
    owner, owner_phone = RESIDENTS["supplier_owner"]
    supplier = Supplier.objects.create(
        name="TB Sinar Jaya",
        owner_name=owner,
        phone=owner_phone,
        npwp=SUPPLIER_NIK,
        address="Jl. Uji 1",
        kelurahan=kel,
    )
    return World(
        fiscal_year=fy,
        work_type=factories.WorkTypeFactory(),
        kecamatan=kel.kecamatan,
        kecamatan_other=kel_b.kecamatan,
        kelurahan=kel,
        kelurahan_other=kel_b,
        rt=rt,
        rt_other=rt_b,
        supplier=supplier,
        users=users,
    )


def complete(world, site) -> Proposal:
    """Work days, contributions, photos, a report returned once and then accepted."""
    rt, lurah = world.users["rt"], world.users["lurah"]
    for days_ago, men, women in [(12, 10, 4), (5, 6, 6)]:
        services.work_day_add(
            proposal=site,
            actor=rt,
            date=TODAY - timedelta(days=days_ago),
            men=men,
            women=women,
            activity=f"Mengecor jalan bersama {RESIDENTS['contributor'][0]}",
        )
    services.contribution_add(
        proposal=site,
        actor=rt,
        kind="food",
        description=f"Nasi bungkus dari {RESIDENTS['contributor'][0]}",
        value=900_000,
        contributor=RESIDENTS["contributor"][0],
        date=TODAY,
    )
    services.contribution_add(
        proposal=site,
        actor=rt,
        kind="cash",
        description="Iuran warga",
        value=1_500_000,
        contributor="Warga RT 03",
        date=TODAY,
    )
    for i, stage in enumerate((0, 50, 100)):
        services.photo_add(
            proposal=site,
            actor=rt,
            stage=stage,
            caption=f"Difoto oleh {RESIDENTS['rt_user'][0]}",
            upload=upload(photo_bytes("rumah-a", stage, taken_at=when(12 - i * 3), gps=SITE_POINT)),
        )
    services.report_save(
        proposal=site,
        actor=rt,
        realised_volume=Decimal("118"),
        problems=f"Hujan deras; dibantu {RESIDENTS['rt_head'][0]} ({RESIDENTS['rt_head'][1]}).",
        usage={
            (d, u): services.UsageInput(used=q - 2, leftover=Decimal("2")) for d, u, q, _ in ORDER
        },
    )
    services.report_submit(proposal=site, actor=rt)
    items = site.fiscal_year.checklist_items.filter(stage="report").values_list("pk", flat=True)
    services.report_accept(proposal=site, actor=lurah, checklist={str(pk): True for pk in items})
    # What procurement's services store on the proposal for the fixture's order (made by ORM).
    Proposal.objects.filter(pk=site.pk).update(
        ordered_amount=ORDER_TOTAL, delivered_amount=ORDER_TOTAL, paid_amount=ORDER_TOTAL - 1
    )
    services.report_countersign(
        proposal=site, actor=world.users["camat"], note=f"Catatan untuk {RESIDENTS['rt_head'][0]}"
    )
    site.refresh_from_db()
    return site


def hidden_sites(world) -> list[Proposal]:
    """Proposals that are not public: a draft, one under verification, one cancelled after
    designation, and a 'designated' row without a budget."""
    rows = []
    for state, budget in [
        (State.DRAFT, None),
        (State.KECAMATAN_VERIFIED, None),
        (State.CANCELLED, 10_000_000),
        (State.DESIGNATED, None),
    ]:
        rows.append(
            Proposal.objects.create(
                fiscal_year=world.fiscal_year,
                rt=world.rt,
                kelurahan=world.kelurahan,
                title=f"Usulan tersembunyi {state}",
                work_type=world.work_type,
                location_description="Gang Mawar",
                latitude=SITE_POINT[0],
                longitude=SITE_POINT[1],
                planned_volume=Decimal("50"),
                designated_budget=budget,
                state=state,
            )
        )
    return rows


__all__ = [
    "RESIDENTS",
    "SITE_POINT",
    "SUPPLIER_NIK",
    "TransitionLog",
    "complete",
    "hidden_sites",
    "make_site",
    "world",
]
