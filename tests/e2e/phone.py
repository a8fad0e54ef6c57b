"""What the Ketua RT's phone meets, shared by the browser tests and bench/bench_rt_flow.py: the
RT of Simpang IV Sipin with the year's catalogue, a RAB template and Musrenbang entries, and
12 MP photos as a phone camera writes them."""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from PIL import Image

from bangkit.models import RT, Kelurahan, Role, WorkType
from demo.seeders.reporting import draw_site, exif_for
from procurement import services as procurement_services
from procurement.importing import reference_price_import
from procurement.models import Material
from proposals.models import MusrenbangEntry
from tests import factories

TEMPLATE = [
    ("Semen Portland 50 kg", Decimal("98"), True),
    ("Pasir cor", Decimal("8.1"), True),
    ("Batu split 2/3", Decimal("11.4"), True),
    ("Papan cor 2x20x400 cm", Decimal("25"), False),
]


@dataclass
class RTWorld:
    kelurahan: Kelurahan
    rt: RT
    work_type: WorkType
    entries: list[MusrenbangEntry] = field(default_factory=list)


def rt_world(entries: list[tuple[str, str, str]]) -> RTWorld:
    """The year 2026 with its reference prices and a rabat-beton template, RT 07 of Simpang IV
    Sipin (80 households) and one Musrenbang entry per (source id, title, place), 120 m each."""
    year = factories.FiscalYearFactory(year=2026)
    work_type = factories.WorkTypeFactory()
    kecamatan = factories.KecamatanFactory(code="15.71.02", name="Telanaipura", slug="telanaipura")
    kelurahan = factories.KelurahanFactory(
        kecamatan=kecamatan, name="Simpang IV Sipin", slug="simpang-iv-sipin"
    )
    rt = factories.RTFactory(kelurahan=kelurahan, number=7, households=80)
    report = reference_price_import(
        file_or_rows=Path(settings.BASE_DIR) / "fixtures" / "reference_prices_2026.csv", year=2026
    )
    assert not report.rejected
    procurement_services.rab_template_create(
        fiscal_year=year,
        work_type=work_type,
        name="Rabat beton tebal 10 cm, campuran 1:2:3",
        base_volume=Decimal("100"),
        base_width=Decimal("1.5"),
        lines=[
            procurement_services.TemplateLineInput(Material.objects.get(name=name), qty, scales)
            for name, qty, scales in TEMPLATE
        ],
        actor=factories.make_user(Role.BAPPEDA, username="bappeda"),
    )
    world = RTWorld(kelurahan=kelurahan, rt=rt, work_type=work_type)
    for source_id, title, place in entries:
        world.entries.append(
            MusrenbangEntry.objects.create(
                year=2026,
                source_id=source_id,
                kelurahan=kelurahan,
                rt=rt,
                title=title,
                work_type=work_type,
                location_text=place,
                volume=Decimal("120"),
                unit="m",
            )
        )
    return world


def phone_photo(seed: str = "rumah-a", *, taken_at=None, gps=None, size=(4000, 3000)) -> bytes:
    """A 12 MP JPEG as a phone writes it, ~3 MB: a drawn site with sensor grain (a clean drawing
    compresses ten times better than a photo), with EXIF time and GPS when given."""
    grain = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(draw_site(seed, 0, size=size), grain, 0.2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif_for(taken_at, gps))
    return buffer.getvalue()
