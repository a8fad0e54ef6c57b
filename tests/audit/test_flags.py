"""Each red-flag rule: a crafted case that raises it and a clean case that does not.

Sites are walked to their state by the lifecycle factories (the real services); the crafted
part is then written on the records the rule reads (a price, a date, a GPS point)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.flags import RULES
from audit.flags.context import Context
from audit.flags.shops import normal_address, normal_phone
from audit.flags.support import support_bursts
from audit.models import FlagThreshold
from bangkit.models import FiscalYear, Kelurahan, Role
from procurement.models import (
    Handover,
    Material,
    Payment,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
)
from proposals.models import CitizenSupport, Proposal
from proposals.support import entry_support
from reporting.models import ProgressPhoto
from tests import factories
from tests.factories import lifecycle
from verification.decrees.amendments import site_amend

pytestmark = pytest.mark.django_db

# A square around the test kelurahan, about 2 km a side.
LAT, LON = Decimal("-1.610000"), Decimal("103.613000")
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[103.603, -1.62], [103.623, -1.62], [103.623, -1.60], [103.603, -1.60], [103.603, -1.62]]
    ],
}


def raised(code, **thresholds):
    """What rule ``code`` raises now, with the given thresholds set for every year in use."""
    for key, value in thresholds.items():
        key = key.replace("__", ".")
        for year in Proposal.objects.values_list("fiscal_year__year", flat=True).distinct():
            FlagThreshold.objects.update_or_create(
                year=year, key=key, work_type=None, defaults={"value": Decimal(value)}
            )
    return list(RULES[code].compute(Context()))


def site(state, **fields):
    proposal = lifecycle.ProposalFactory(state=state, **fields)
    return Proposal.objects.select_related("kelurahan__kecamatan", "fiscal_year").get(
        pk=proposal.pk
    )


def order_of(proposal) -> PurchaseOrder:
    return proposal.purchase_orders.get(state=PurchaseOrder.State.ISSUED)


def another_order(order, **fields) -> PurchaseOrder:
    """A second issued order of the same site, written as it is stored."""
    values = {
        "proposal": order.proposal,
        "supplier": order.supplier,
        "state": PurchaseOrder.State.ISSUED,
        "number": "SP-UJI-2",
        "created_by": order.created_by,
        "issued_by": order.issued_by,
    }
    return PurchaseOrder.objects.create(**(values | fields))


# --- prices -----------------------------------------------------------------------------------


def test_price_above_the_reference_by_more_than_the_margin_is_raised_per_shop():
    proposal = site("procurement")
    order = order_of(proposal)
    line = order.lines.order_by("pk").first()
    material = Material.objects.create(name="Semen uji", unit="sak", category="semen")
    ProcurementSettings.objects.create(fiscal_year=proposal.fiscal_year, price_margin_percent=10)
    # Clean: within the margin (75,000 against a reference of 70,000 is 7% above).
    PurchaseOrderLine.objects.filter(pk=line.pk).update(material=material, reference_price=70_000)
    assert raised("price_above_reference") == []
    # Crafted: 50% above the reference.
    PurchaseOrderLine.objects.filter(pk=line.pk).update(reference_price=50_000)
    [flag] = raised("price_above_reference")
    assert flag.kecamatan_id == proposal.kelurahan.kecamatan_id
    assert flag.subject.startswith(f"supplier:{order.supplier_id}:")
    figures = dict(flag.figures)
    excess = int((75_000 - 50_000) * line.quantity)
    assert figures["Kelebihan di atas harga acuan"] == f"Rp {excess:,}".replace(",", ".")
    assert figures["Batas tahun itu"] == "10%"
    assert any(url.endswith(f"/pesanan/{order.pk}/") for _, url in flag.links)


# --- shops ------------------------------------------------------------------------------------


def test_one_shop_with_most_of_a_kecamatan_spending_is_raised_with_its_hhi():
    proposal = site("procurement")
    order = order_of(proposal)
    # Clean: the default minimum spending (Rp 100 million) is not reached by one site.
    assert raised("shop_dominance") == []
    [flag] = raised("shop_dominance", shop__min_spending=0)
    figures = dict(flag.figures)
    assert figures["Indeks Herfindahl-Hirschman"] == "10.000"
    assert "100,0%" in flag.title
    # Clean: a second shop taking half (share 50%, HHI 5,000: neither above its threshold).
    other = lifecycle.SupplierFactory(kelurahan=proposal.kelurahan, address="Jl. Lain No. 9")
    another_order(order, supplier=other, total=order.total, issued_at=order.issued_at)
    assert raised("shop_dominance") == []


def test_shops_sharing_a_phone_written_differently_are_raised():
    kel = factories.KelurahanFactory()
    lifecycle.SupplierFactory(kelurahan=kel, address="Jl. Mawar No. 1", phone="0812-3456-7890")
    lifecycle.SupplierFactory(kelurahan=kel, address="Jl. Melati No. 2", phone="0813 1111 2222")
    assert raised("shops_sharing_identity") == []
    lifecycle.SupplierFactory(kelurahan=kel, address="Jl. Kenanga 3", phone="+62 812 3456 7890")
    [flag] = raised("shops_sharing_identity")
    assert flag.subject.startswith("shops:phone:")
    assert flag.kecamatan_id == kel.kecamatan_id
    assert len(flag.links) == 2


def test_identities_are_normalised_before_comparing():
    assert normal_phone("+62 812-3456 789") == normal_phone("0812 3456789") == "08123456789"
    assert normal_address("Jl. Sudirman No.5") == normal_address("JALAN  Sudirman 5")
    assert normal_phone("12") == ""


# --- orders -----------------------------------------------------------------------------------


def test_orders_split_under_the_limit_whose_sum_crosses_it_are_raised():
    proposal = site("procurement")
    order = order_of(proposal)
    limit = order.total + 1_000
    # Clean: one order under the limit.
    assert raised("orders_split", split__limit=limit) == []
    another_order(order, total=5_000, issued_at=order.issued_at + timedelta(days=2))
    flags = raised("orders_split", split__limit=limit)
    assert {f.subject.split(":")[1] for f in flags} == {"site", "shop"}
    # Clean again: the second order came after the window.
    PurchaseOrder.objects.filter(number="SP-UJI-2").update(
        issued_at=order.issued_at + timedelta(days=30)
    )
    assert raised("orders_split", split__limit=limit) == []


def test_an_amendment_after_the_first_order_is_raised():
    proposal = site("designated")
    camat = lifecycle.actor_for(Role.KECAMATAN, proposal.kelurahan.kecamatan)
    site_amend(
        actor=camat,
        proposal=proposal,
        field="location",
        new_value="Gang Kenanga ujung barat",
        reason=lifecycle.REASON,
    )
    lifecycle.advance(proposal, "procurement")
    assert raised("amendment_after_order") == []
    site_amend(
        actor=camat,
        proposal=proposal,
        field="location",
        new_value="Gang Kenanga ujung timur",
        reason=lifecycle.REASON,
    )
    [flag] = raised("amendment_after_order")
    assert flag.subject == f"proposal:{proposal.pk}"
    assert "1 perubahan" in flag.title


def test_a_delivery_dated_after_the_payment_is_raised():
    proposal = site("materials_received", paid=True)
    order = order_of(proposal)
    assert raised("delivery_after_payment") == []
    delivered = order.deliveries.get().delivered_on
    Payment.objects.filter(order=order).update(paid_on=delivered - timedelta(days=3))
    [flag] = raised("delivery_after_payment")
    assert flag.subject == f"order:{order.pk}"


def test_a_payment_before_the_bast_is_raised():
    proposal = site("materials_received", paid=True)
    assert raised("payment_before_bast") == []
    Handover.objects.filter(proposal=proposal).update(
        handover_date=timezone.localdate() + timedelta(days=5)
    )
    [flag] = raised("payment_before_bast")
    assert flag.subject == f"proposal:{proposal.pk}"


# --- places and photos ------------------------------------------------------------------------


@pytest.fixture
def reported():
    proposal = site("reported")
    proposal.kelurahan.boundary = SQUARE
    proposal.kelurahan.save(update_fields=["boundary"])
    Proposal.objects.filter(pk=proposal.pk).update(latitude=LAT, longitude=LON)
    ProgressPhoto.objects.filter(proposal=proposal).update(
        latitude=LAT + Decimal("0.0005"), longitude=LON
    )
    return Proposal.objects.select_related("kelurahan__kecamatan", "fiscal_year").get(
        pk=proposal.pk
    )


def test_a_site_point_or_photo_outside_the_kelurahan_is_raised(reported):
    assert raised("outside_kelurahan") == []
    photo = reported.progress_photos.order_by("pk").first()
    ProgressPhoto.objects.filter(pk=photo.pk).update(latitude=Decimal("-1.500000"))
    [flag] = raised("outside_kelurahan")
    assert "1 foto" in flag.title and "titik lokasi" not in flag.title
    Proposal.objects.filter(pk=reported.pk).update(longitude=Decimal("103.700000"))
    [flag] = raised("outside_kelurahan")
    assert "titik lokasi dan 1 foto" in flag.title


def test_real_boundaries_decide(regions):
    """Against the real boundary of a kelurahan from fixtures/: its own representative point
    is inside, a point in the river far east is not."""
    from bangkit import geo
    from bangkit.models import Kelurahan

    kelurahan = Kelurahan.objects.exclude(boundary__isnull=True).order_by("code").first()
    lat, lon = geo.representative_point(kelurahan.boundary)
    entry = (kelurahan.name, kelurahan.boundary, geo.bbox(kelurahan.boundary))
    from audit.flags.places import _inside

    assert _inside(entry, lat, lon)
    assert not _inside(entry, lat + 0.2, lon + 0.2)


def test_a_photo_far_from_the_site_point_is_raised(reported):
    assert raised("photo_far_from_site") == []
    photo = reported.progress_photos.order_by("pk").first()
    ProgressPhoto.objects.filter(pk=photo.pk).update(latitude=LAT + Decimal("0.0100"))
    [flag] = raised("photo_far_from_site")
    assert "1 foto lebih dari 300 m" in flag.title
    assert raised("photo_far_from_site", place__max_photo_distance_m=2000) == []


def test_a_photo_reused_on_another_site_is_raised(reported):
    assert raised("photo_reused") == []
    other = site("draft", rt=reported.rt)
    original = reported.progress_photos.order_by("pk").first()
    copy = ProgressPhoto.objects.get(pk=original.pk)
    copy.pk = None
    copy.proposal = other
    copy.flags = []
    copy.save()
    [flag] = raised("photo_reused")
    assert flag.subject == f"proposal:{other.pk}"
    assert reported.code in flag.title


def test_a_photo_taken_before_the_decree_is_raised(reported):
    assert raised("photo_before_decree") == []
    photo = reported.progress_photos.order_by("pk").first()
    ProgressPhoto.objects.filter(pk=photo.pk).update(taken_at=timezone.now() - timedelta(days=400))
    [flag] = raised("photo_before_decree")
    assert "1 foto diambil sebelum SK" in flag.title


# --- the work ---------------------------------------------------------------------------------


def test_completion_faster_than_the_floor_for_its_work_type_is_raised(reported):
    # 10 people × 8 hours = 10 person-days for 120 m: 0.083 per metre.
    assert raised("completion_too_fast", work__min_person_days_per_unit="0.05") == []
    FlagThreshold.objects.create(
        year=reported.fiscal_year.year,
        key="work.min_person_days_per_unit",
        work_type=reported.work_type,
        value=Decimal("0.50"),
    )
    [flag] = list(RULES["completion_too_fast"].compute(Context()))
    assert dict(flag.figures)["Batas tahun itu"] == "0,5"


def test_very_few_participants_for_the_size_is_raised(reported):
    # Budget Rp 10 million, below the default Rp 20 million: not judged.
    assert raised("few_participants", work__min_participants=11) == []
    [flag] = raised("few_participants", work__participants_from_budget=0)
    assert "paling banyak 10 peserta" in flag.title


def test_an_rt_funded_while_the_others_of_its_kelurahan_never_were_is_raised():
    proposal = site("designated")
    factories.RTFactory(kelurahan=proposal.kelurahan)
    factories.RTFactory(kelurahan=proposal.kelurahan)
    # Clean: funded in one year only (three by default).
    assert raised("rt_funded_repeatedly") == []
    [flag] = raised("rt_funded_repeatedly", rt__min_years=1)
    assert flag.subject == f"rt:{proposal.rt_id}"
    # Clean: when most RTs of the kelurahan were funded too.
    assert raised("rt_funded_repeatedly", rt__min_years=1, rt__min_never_share_percent=90) == []


# --- support ----------------------------------------------------------------------------------


def supports(entry, count, *, every: timedelta, start=None):
    start = start or timezone.now() - timedelta(days=2)
    rows = CitizenSupport.objects.bulk_create(
        CitizenSupport(entry=entry, nik_hash=f"{entry.pk}-{i}-{every}", nik_last4=f"{i:04d}")
        for i in range(count)
    )
    for i, row in enumerate(rows):
        CitizenSupport.objects.filter(pk=row.pk).update(created_at=start + i * every)


def test_support_in_a_burst_is_raised():
    entry = lifecycle.MusrenbangEntryFactory()
    supports(entry, 25, every=timedelta(hours=1))
    assert raised("support_burst") == []
    supports(entry, 20, every=timedelta(seconds=20), start=timezone.now() - timedelta(hours=1))
    [flag] = raised("support_burst")
    assert flag.subject == f"entry:{entry.pk}"
    assert flag.kecamatan_id == entry.kelurahan.kecamatan_id
    assert dict(flag.figures)["Dukungan dalam lonjakan"] == "20"


def test_support_bursts_works_on_any_queryset():
    entry = lifecycle.MusrenbangEntryFactory()
    supports(entry, 6, every=timedelta(minutes=1))
    qs = CitizenSupport.objects.filter(entry=entry)
    [burst] = support_bursts(qs, minutes=10, min_count=5)
    assert (burst.entry_id, burst.count, burst.total) == (entry.pk, 6, 6)
    assert support_bursts(qs, minutes=3, min_count=5) == []
    assert support_bursts(qs.none(), minutes=10, min_count=1) == []


def supported_by(entry, region, count, *, start=1):
    """``count`` residents with NIKs issued in ``region`` support ``entry`` through the real
    support service (born 12 March 1985, serial numbers from ``start``)."""
    for serial in range(start, start + count):
        assert entry_support(entry=entry, nik=f"{region}120385{serial:04d}").created


@pytest.fixture
def telanaipura_entry(regions):
    """An entry of Telanaipura (15.71.01) in a year open under the city rule, so that any
    Kota Jambi NIK may support it."""
    factories.FiscalYearFactory(year=2026)
    FiscalYear.objects.filter(year=2026).update(support_residency=FiscalYear.SupportResidency.CITY)
    rt = factories.RTFactory(kelurahan=Kelurahan.objects.get(name="Simpang IV Sipin"))
    return lifecycle.MusrenbangEntryFactory(rt=rt, year=2026, title="Rabat beton Lorong Damai")


def test_support_from_niks_of_another_kecamatan_is_raised_by_count(telanaipura_entry):
    entry = telanaipura_entry
    supported_by(entry, "157101", 12)  # its own kecamatan
    supported_by(entry, "157102", 9)  # Jambi Selatan: 9 of 21, below 10 and below 50 %
    # Clean: below the count and the share; supports without a region code count for nothing.
    CitizenSupport.objects.bulk_create(
        CitizenSupport(entry=entry, nik_hash=f"old-{i}", nik_last4="0001") for i in range(30)
    )
    assert raised("support_other_area") == []

    supported_by(entry, "157108", 1)  # Jelutung: the tenth from another kecamatan
    [flag] = raised("support_other_area")
    assert flag.subject == f"entry:{entry.pk}"
    assert (flag.year, flag.kecamatan_id) == (2026, entry.kelurahan.kecamatan_id)
    assert "10 dari 22 dukungan (45,5%)" in flag.title
    assert "luar Kecamatan Telanaipura" in flag.title
    figures = dict(flag.figures)
    assert figures["Dukungan dari NIK luar kecamatan usulan"] == "10"
    assert figures["Bagian dari dukungan berkode wilayah"] == "45,5%"
    assert figures["Di antaranya dari NIK luar Kota Jambi"] == "0"
    assert figures["Dukungan tanpa kode wilayah (tidak dinilai)"] == "30"
    assert figures["Asal NIK luar kecamatan"] == "Jambi Selatan 9, Jelutung 1"
    [(label, url)] = flag.links
    assert url.endswith(f"/proposals/musrenbangentry/{entry.pk}/change/")
    # The year's own count decides.
    FlagThreshold.objects.create(year=2026, key="support.outside_count", value=11)
    assert raised("support_other_area") == []


def test_support_from_niks_of_another_area_is_raised_by_share(telanaipura_entry):
    entry = telanaipura_entry
    supported_by(entry, "157102", 1)
    # Clean: one support of one is all from elsewhere, but too few to judge a share.
    assert raised("support_other_area") == []

    supported_by(entry, "157101", 2)
    supported_by(entry, "157102", 2, start=2)
    # A region code the service would refuse (another city), written on the row as if imported.
    support = CitizenSupport.objects.filter(entry=entry, nik_region="157102").first()
    CitizenSupport.objects.filter(pk=support.pk).update(nik_region="317101")
    [flag] = raised("support_other_area")
    figures = dict(flag.figures)
    assert figures["Bagian dari dukungan berkode wilayah"] == "60,0%"
    assert figures["Di antaranya dari NIK luar Kota Jambi"] == "1"
    assert figures["Asal NIK luar kecamatan"] == "Jambi Selatan 2, luar Kota Jambi 1"
    FlagThreshold.objects.create(year=2026, key="support.outside_share_percent", value=61)
    assert raised("support_other_area") == []


def test_every_rule_is_documented_and_has_its_defaults():
    for code, rule in RULES.items():
        assert rule.doc, code
        assert rule.label, code
        for threshold in rule.thresholds:
            assert threshold.label


def test_every_rule_is_explained_in_indonesian_for_its_page():
    from audit.flags.meanings import MEANINGS

    assert set(MEANINGS) == set(RULES)
    for code, rule in RULES.items():
        assert rule.meaning and rule.meaning != rule.doc, code
        # The docstring's English must not be what the page shows.
        assert not re.search(r"\b(the|which|whose|is|are)\b", rule.meaning), code


def test_the_docs_list_every_rule_and_threshold():
    from pathlib import Path

    from audit.flags import THRESHOLDS

    text = (Path(__file__).resolve().parents[2] / "docs" / "audit-flags.md").read_text()
    for code in RULES:
        assert f"`{code}`" in text, code
    for key in THRESHOLDS:
        assert f"`{key}`" in text, key


def usulan_sent(rt, niks, *, every: timedelta, start):
    """Residents' usulan for ``rt`` through the real service, one per NIK, dated ``every``
    apart from ``start``."""
    from proposals import resident_usulan as ru

    sent = []
    for nik in niks:
        data = ru.UsulanInput(
            kelurahan=rt.kelurahan,
            rt=rt,
            title="Rabat beton Gang Mawar",
            location_text="Gg. Mawar",
            problem="Becek setiap hujan.",
        )
        sent.append(ru.usulan_submit(data=data, nik=nik))
    for i, usulan in enumerate(sent):
        type(usulan).objects.filter(pk=usulan.pk).update(created_at=start + i * every)
    return sent


def test_residents_usulan_in_a_burst_from_one_rt_are_raised(regions, fiscal_year):
    rt = factories.RTFactory(kelurahan=Kelurahan.objects.get(name="Simpang IV Sipin"), number=7)
    niks = [f"157101120385{serial:04d}" for serial in range(1, 11)]
    start = timezone.now() - timedelta(days=3)
    # Clean: five usulan of one RT a day apart.
    usulan_sent(rt, niks[:5], every=timedelta(days=1), start=start - timedelta(days=10))
    assert raised("usulan_burst") == []
    # Raised: five more within ten minutes, each from another NIK.
    burst = usulan_sent(rt, niks[5:], every=timedelta(minutes=2), start=start)
    [flag] = raised("usulan_burst")
    assert flag.subject == f"usulan-rt:{rt.pk}:{burst[0].year}"
    assert flag.kecamatan_id == rt.kelurahan.kecamatan_id
    figures = dict(flag.figures)
    assert figures["Usulan dalam lonjakan"] == "5"
    assert figures["Seluruh usulan warga dari sumber ini tahun itu"] == "10"
    assert {label for label, _ in flag.links} == {f"Usulan warga {u.code}" for u in burst}
    # A wider count for the year clears it.
    FlagThreshold.objects.create(year=burst[0].year, key="usulan.burst_count", value=6)
    assert raised("usulan_burst") == []
