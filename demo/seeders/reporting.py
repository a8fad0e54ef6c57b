"""Demo data for execution and reporting: sites built by gotong-royong, with work days,
contributions, drawn progress photos carrying EXIF time and GPS, and reports in every stage.

Runs after the procurement demo. Sites whose materials were fully delivered get their BAST
(through the procurement services) so that three sites are in execution: one completed (report
accepted, countersigned: its LPJ and savings figure), one reported (waiting for the
kelurahan), one in progress (for the Ketua RT's phone flow). One photo of the in-progress site
is an exact copy of a photo of the completed site, and its 0% photo was taken ~1.5 km from the
site: both are flagged. The same data on every run; a site with records is never touched again.
"""

from __future__ import annotations

import io
import math
import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from bangkit import geo
from bangkit.errors import ActionRefused, NotInScope
from bangkit.images import ClientImage
from bangkit.models import ChecklistItem, FiscalYear, Role, User
from demo.seeders.core import demo_year, site_point
from demo.seeders.procurement import pay_due
from proposals.models import Proposal, State
from reporting import selectors, services
from reporting.models import ContractorCostParameters, ProgressPhoto, SwadayaContribution

SITES_WANTED = 3
ROLES = ["completed", "in_progress", "reported"]
PHOTO_SIZE = (1200, 900)
Kind = SwadayaContribution.Kind


# --- Drawn photos -----------------------------------------------------------------------------


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 3)
    return (degrees, minutes, seconds)


def exif_for(taken_at: datetime | None = None, gps: tuple | None = None, orientation=None):
    """An EXIF block as a phone writes it: DateTimeOriginal in the Exif IFD, GPS in its IFD."""
    exif = Image.Exif()
    exif[0x010F] = "Bangkit Demo"  # Make
    if orientation:
        exif[0x0112] = orientation
    if taken_at is not None:
        local = timezone.localtime(taken_at) if timezone.is_aware(taken_at) else taken_at
        exif.get_ifd(0x8769)[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")
    if gps is not None:
        lat, lon = (float(v) for v in gps)
        ifd = exif.get_ifd(0x8825)
        ifd[1] = "S" if lat < 0 else "N"
        ifd[2] = _dms(lat)
        ifd[3] = "W" if lon < 0 else "E"
        ifd[4] = _dms(lon)
    return exif


def draw_site(seed: str, stage: int, *, size=PHOTO_SIZE, shift: int = 0) -> Image.Image:
    """A footpath between houses at a stage of the work: the houses and sky (the background)
    come from ``seed``; the path goes from earth (0%) through formwork (50%) to concrete."""
    wanted = tuple(size)
    # Drawn at 1200 px wide (the houses are sized for that), then scaled to the size asked.
    width, height = 1200, max(1, round(1200 * wanted[1] / wanted[0]))
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.42)
    for y in range(horizon):  # sky
        shade = int(170 + 60 * y / horizon)
        draw.line([(0, y), (width, y)], fill=(110 + y * 60 // horizon, 160 + y // 10, shade))
    draw.rectangle([0, horizon, width, height], fill=(92, 128, 64))  # grass
    # Houses along the path, with zinc or tile roofs.
    x = -shift - rng.randint(0, 80)
    while x < width:
        w = rng.randint(150, 260)
        top = horizon - rng.randint(60, 170)
        wall = rng.choice([(222, 206, 170), (200, 220, 210), (235, 190, 160), (190, 200, 230)])
        roof = rng.choice([(140, 60, 40), (120, 120, 125), (90, 90, 100), (160, 80, 50)])
        draw.rectangle([x, top, x + w, horizon + 40], fill=wall, outline=(80, 70, 60))
        draw.polygon(
            [(x - 12, top), (x + w // 2, top - rng.randint(40, 80)), (x + w + 12, top)], fill=roof
        )
        for wx in range(x + 20, x + w - 30, 55):
            draw.rectangle([wx, top + 30, wx + 28, top + 62], fill=(60, 80, 100))
        draw.rectangle(
            [x + w // 2 - 18, horizon - 20, x + w // 2 + 18, horizon + 40], fill=(110, 70, 40)
        )
        x += w + rng.randint(30, 90)
    for _ in range(rng.randint(2, 4)):  # trees
        tx = rng.randint(0, width) - shift
        ty = horizon - rng.randint(80, 160)
        r = rng.randint(45, 80)
        draw.rectangle([tx - 6, ty, tx + 6, horizon + 30], fill=(90, 60, 30))
        draw.ellipse([tx - r, ty - r, tx + r, ty + r // 2], fill=(40, 110 + rng.randint(0, 40), 50))
    # The path, in perspective, from the bottom to a vanishing point.
    vx = width // 2 + rng.randint(-60, 60) - shift // 2
    near_l, near_r = int(width * 0.18), int(width * 0.82)
    far_l, far_r = vx - 40, vx + 40
    top_y = horizon + 45
    earth = (150, 110, 70)
    concrete = (178, 178, 172)
    draw.polygon([(near_l, height), (near_r, height), (far_r, top_y), (far_l, top_y)], fill=earth)
    done = {0: 0.0, 100: 1.0}.get(stage, stage / 100)
    if done > 0:
        split = int(height - (height - top_y) * done)

        def edge(y, near, far):
            return near + (far - near) * (height - y) / (height - top_y)

        poly = [
            (near_l, height),
            (near_r, height),
            (edge(split, near_r, far_r), split),
            (edge(split, near_l, far_l), split),
        ]
        draw.polygon(poly, fill=concrete)
        step = 70
        for y in range(height, split, -step):  # expansion joints
            draw.line(
                [(edge(y, near_l, far_l), y), (edge(y, near_r, far_r), y)],
                fill=(140, 140, 135),
                width=3,
            )
        if done < 1:  # formwork boards along the edge of the wet concrete
            draw.line([poly[3], poly[2]], fill=(120, 80, 40), width=8)
    if done < 1:  # puddles on the earth still to be cast
        for _ in range(4):
            py = rng.randint(
                top_y + 20, int(height - (height - top_y) * done) - 10 if done else height - 20
            )
            px = vx + rng.randint(-60, 60)
            draw.ellipse([px - 30, py - 8, px + 30, py + 8], fill=(120, 95, 70))
    if image.size != wanted:
        image = image.resize(wanted, Image.Resampling.LANCZOS)
    return image


def site_photo(
    seed: str,
    stage: int,
    *,
    taken_at: datetime | None = None,
    gps: tuple | None = None,
    size=PHOTO_SIZE,
    shift: int = 0,
    quality: int = 80,
    orientation=None,
) -> bytes:
    """A drawn site photo as JPEG bytes, with EXIF time and GPS like a phone's."""
    buffer = io.BytesIO()
    image = draw_site(seed, stage, size=size, shift=shift)
    image.save(buffer, "JPEG", quality=quality, exif=exif_for(taken_at, gps, orientation))
    return buffer.getvalue()


def offset(lat, lon, north_m: float, east_m: float) -> tuple[Decimal, Decimal]:
    """A point ``north_m`` and ``east_m`` metres from (lat, lon)."""
    dlat = north_m / 111_320
    dlon = east_m / (111_320 * math.cos(math.radians(float(lat))))
    return (
        Decimal(f"{float(lat) + dlat:.6f}"),
        Decimal(f"{float(lon) + dlon:.6f}"),
    )


# --- Getting sites into execution ---------------------------------------------------------------


def _user(role: str, **area) -> User | None:
    return User.objects.filter(role=role, is_active=True, **area).order_by("pk").first()


def _complete_deliveries(proposal, lurah) -> None:
    """Deliver and pay whatever the site's issued orders still miss (procurement services)."""
    from procurement import selectors as procurement_selectors
    from procurement import services as procurement_services

    for order in proposal.purchase_orders.filter(state="issued").order_by("sequence"):
        quantities = {
            line.pk: (line.shortfall, Decimal("0"))
            for line in procurement_selectors.order_lines_with_progress(order)
            if line.shortfall > 0
        }
        if quantities:
            buffer = io.BytesIO()
            draw_site(f"kirim-{order.pk}", 0, size=(480, 360)).save(buffer, "JPEG", quality=70)
            procurement_services.delivery_record(
                order=order,
                actor=lurah,
                delivered_on=timezone.localdate(),
                received_by_name=proposal.rt.head_name or "Ketua RT",
                quantities=quantities,
                photo=SimpleUploadedFile("kirim.jpg", buffer.getvalue()),
                note="Sisa material diantar ke lokasi.",
            )
        pay_due(
            order,
            lurah,
            invoice_number=f"INV-LPJ/{order.pk:04d}",
            reference=f"SP2D {order.pk:04d}/BB/{order.number_year}",
        )


def _hand_over(proposal) -> bool:
    """The BAST of a site whose orders are all issued: recorded by the lurah, confirmed by the
    Ketua RT (procurement services), which moves it to 'materials received'."""
    from procurement import services as procurement_services

    lurah = _user(Role.KELURAHAN, kelurahan=proposal.kelurahan)
    rt_user = _user(Role.RT, rt=proposal.rt)
    if lurah is None or rt_user is None:
        return False
    if proposal.purchase_orders.filter(state="draft").exists():
        return False
    if not proposal.purchase_orders.filter(state="issued").exists():
        return False
    try:
        _complete_deliveries(proposal, lurah)
        handover = procurement_services.handover_record(
            proposal=proposal,
            actor=lurah,
            handover_date=timezone.localdate(),
            place=f"Lokasi kegiatan, {proposal.location_description}"[:200],
            first_party_name=lurah.get_full_name() or lurah.username,
            first_party_position=lurah.position or f"Lurah {proposal.kelurahan.name}",
            second_party_name=proposal.rt.head_name or rt_user.get_full_name(),
            second_party_position=(
                f"Ketua RT {proposal.rt.number:02d} Kelurahan {proposal.kelurahan.name}"
            ),
            condition_note="Semua material dalam keadaan baik dan lengkap.",
        )
        procurement_services.handover_confirm_by_rt(handover=handover, actor=rt_user)
    except (ActionRefused, NotInScope):
        return False
    return True


def _sites(year: int) -> tuple[list[Proposal], int]:
    execution = list(
        Proposal.objects.filter(fiscal_year__year=year, state__in=selectors.EXECUTION_STATES)
        .select_related("rt", "kelurahan__kecamatan", "fiscal_year", "work_type")
        .order_by("kelurahan__code", "code")
    )
    handed = 0
    if len(execution) < SITES_WANTED:
        # Fully delivered sites first (the procurement demo left them waiting for a BAST), then
        # those with orders issued; the first in a fixed order, so every run picks the same.
        waiting = list(
            Proposal.objects.filter(fiscal_year__year=year, state=State.PROCUREMENT)
            .select_related("rt", "kelurahan__kecamatan", "fiscal_year")
            .order_by("kelurahan__code", "code")
        )
        from procurement.models import Delivery
        from procurement.selectors import proposal_fully_delivered

        def order_of(proposal):
            # Fully delivered first, then orders not yet delivered at all; sites part-way
            # through delivery stay for the procurement screens.
            if proposal_fully_delivered(proposal):
                return 0
            return 2 if Delivery.objects.filter(order__proposal=proposal).exists() else 1

        waiting.sort(key=order_of)
        for proposal in waiting[: SITES_WANTED - len(execution)]:
            handed += _hand_over(proposal)
        execution = list(
            Proposal.objects.filter(fiscal_year__year=year, state__in=selectors.EXECUTION_STATES)
            .select_related("rt", "kelurahan__kecamatan", "fiscal_year", "work_type")
            .order_by("kelurahan__code", "code")
        )
    return execution, handed


def _site_point(proposal) -> tuple[Decimal, Decimal]:
    """The site's point; the demo's designated sites carry none, so one is pinned here (from
    the Musrenbang entry when it has one), as the kelurahan would when surveying the site."""
    if proposal.latitude is not None and proposal.longitude is not None:
        return proposal.latitude, proposal.longitude
    entry = proposal.entry
    given = (entry.latitude, entry.longitude) if entry else (None, None)
    # (its own draws: the site's other choices stay as they were)
    lat, lon = site_point(proposal.kelurahan, random.Random(f"point-{proposal.code}"), *given)
    Proposal.objects.filter(pk=proposal.pk).update(latitude=lat, longitude=lon)
    proposal.latitude, proposal.longitude = lat, lon
    return lat, lon


def _outside_kelurahan(proposal, lat, lon) -> tuple[Decimal, Decimal]:
    """A point 1.5 km or more north-east of the site, taken further until it leaves the site's
    kelurahan: the demo's photo taken elsewhere, which the audit's red flags must find."""
    boundary = proposal.kelurahan.boundary
    point = offset(lat, lon, 1100, 1050)
    for step in range(2, 12):
        if not boundary or not geo.contains(boundary, *point):
            break
        point = offset(lat, lon, 1100 * step, 1050 * step)
    return point


# --- Filling a site -------------------------------------------------------------------------------

ACTIVITIES = [
    "Membersihkan jalur, meratakan dan memadatkan tanah",
    "Memasang bekisting dan besi, mengaduk dan mengecor {a} m pertama",
    "Mengecor lanjutan {a} m, merapikan permukaan",
    "Mengecor sisa jalur, membuat sambungan dan merapikan bahu jalan",
    "Membongkar bekisting, membersihkan lokasi, menanam rumput di bahu jalan",
]

# Sites measured in units (MCK, wells, culverts) are built, not cast metre by metre.
BUILDING_ACTIVITIES = [
    "Membersihkan lokasi, menggali dan memasang pondasi",
    "Memasang dinding dan rangka, mengecor lantai",
    "Memasang atap, pipa dan perlengkapan",
    "Plester, pengecatan dan membersihkan lokasi",
]


def _work_dates(first_allowed, count: int, rng) -> list:
    """Weekends of the last weeks (the programme works on weekends), oldest first."""
    today = timezone.localdate()
    days = []
    day = today - timedelta(days=1)
    while len(days) < count and day > (first_allowed or today - timedelta(days=365)):
        if day.weekday() >= 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _at(day, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _photo(proposal, actor, stage, data: bytes, name: str) -> services.PhotoResult:
    return services.photo_add(
        proposal=proposal,
        actor=actor,
        stage=stage,
        upload=SimpleUploadedFile(name, data, content_type="image/jpeg"),
        caption={0: "Sebelum dikerjakan", 50: "Setengah jalan", 100: "Selesai"}.get(stage, ""),
        client=ClientImage(token=f"demo-{proposal.code}-{stage}-{name}"[:40]),
    )


def _fill(proposal, role: str, *, reuse: bytes | None, far: bool) -> dict:
    """Work days, contributions and photos of one site, up to the stage its role needs."""
    rng = random.Random(f"lpj-{proposal.code}")
    rt_user = _user(Role.RT, rt=proposal.rt)
    lurah = _user(Role.KELURAHAN, kelurahan=proposal.kelurahan)
    camat = _user(Role.KECAMATAN, kecamatan=proposal.kelurahan.kecamatan)
    if rt_user is None or lurah is None:
        return {"dilewati": 1}
    lat, lon = _site_point(proposal)
    first = selectors.designation(proposal).first_date
    day_count = {"completed": 4, "reported": 3, "in_progress": 2}[role]
    dates = _work_dates(first, day_count, rng)
    if not dates:
        return {"dilewati": 1}
    seed = f"rumah-{proposal.code}"
    made = {"hari": 0, "swadaya": 0, "foto": 0}

    def near():
        return offset(lat, lon, rng.uniform(-15, 15), rng.uniform(-15, 15))

    # 0% before the first work day starts, from the mouth of the alley.
    zero_gps = _outside_kelurahan(proposal, lat, lon) if far else near()
    zero = site_photo(seed, 0, taken_at=_at(dates[0], 7, 10), gps=zero_gps, shift=rng.randint(0, 6))
    _photo(proposal, rt_user, 0, zero, "IMG_0001.jpg")
    made["foto"] += 1
    volume = Decimal(proposal.planned_volume)
    steps = ACTIVITIES if proposal.work_type.unit == "m" else BUILDING_ACTIVITIES
    for i, day in enumerate(dates):
        men, women = rng.randint(9, 18), rng.randint(3, 9)
        hours = Decimal(rng.choice(["8", "7", "7.5", "6"]))
        share = int(volume / len(dates)) or 1
        services.work_day_add(
            proposal=proposal,
            actor=rt_user,
            date=day,
            men=men,
            women=women,
            hours=hours,
            activity=steps[min(i, len(steps) - 1)].format(a=share),
        )
        made["hari"] += 1
    gifts = [
        (
            Kind.FOOD,
            "Nasi bungkus dan air minum untuk peserta",
            Decimal("60"),
            "bungkus",
            900_000,
            "Ibu-ibu PKK RT",
        ),
        (Kind.CASH, "Iuran warga untuk kawat dan paku", None, "", 750_000, "Warga RT"),
        (
            Kind.EQUIPMENT,
            "Molen (pengaduk beton) dipinjamkan 2 hari",
            Decimal("2"),
            "hari",
            400_000,
            "Bapak " + (proposal.rt.head_name or "Ketua RT").split()[0],
        ),
        (
            Kind.MATERIALS,
            "Semen tambahan 5 sak",
            Decimal("5"),
            "sak",
            375_000,
            "CSR toko bangunan setempat",
        ),
    ]
    for kind, text, qty, unit, value, giver in gifts[: 2 + (role != "in_progress") * 2]:
        services.contribution_add(
            proposal=proposal,
            actor=rt_user,
            kind=kind,
            description=text,
            quantity=qty,
            unit=unit,
            value=value,
            contributor=giver,
            date=dates[min(1, len(dates) - 1)],
        )
        made["swadaya"] += 1
    # 50% in the middle of the work; the in-progress site reuses another site's photo.
    half = reuse or site_photo(
        seed, 50, taken_at=_at(dates[len(dates) // 2], 15, 40), gps=near(), shift=rng.randint(0, 6)
    )
    _photo(proposal, rt_user, 50, half, "IMG_0050.jpg")
    made["foto"] += 1
    made["_half"] = half
    if role == "in_progress":
        return made
    full = site_photo(
        seed, 100, taken_at=_at(dates[-1], 16, 30), gps=near(), shift=rng.randint(0, 6)
    )
    _photo(proposal, rt_user, 100, full, "IMG_0100.jpg")
    made["foto"] += 1
    usage = {}
    for line in selectors.delivered_materials(proposal):
        leftover = (
            (line.delivered * Decimal("0.05")).quantize(Decimal("1"))
            if line.delivered >= 20
            else Decimal("0")
        )
        usage[(line.description, line.unit)] = services.UsageInput(
            used=line.delivered - leftover,
            leftover=leftover,
            note="Sisa disimpan di rumah Ketua RT untuk perawatan" if leftover else "",
        )
    realised = (volume * Decimal(rng.choice(["0.97", "0.98", "1"]))).quantize(Decimal("1"))
    services.report_save(
        proposal=proposal,
        actor=rt_user,
        realised_volume=max(Decimal("1"), realised),
        problems=(
            "Hujan pada hari kedua menunda pengecoran setengah hari; air tergenang dipompa "
            "dengan pompa pinjaman warga. Dua meter terakhir terhalang tiang listrik, "
            "sehingga volume sedikit di bawah rencana."
        ),
        usage=usage,
    )
    services.report_submit(proposal=proposal, actor=rt_user)
    if role == "completed":
        checklist = {
            str(pk): True
            for pk in proposal.fiscal_year.checklist_items.filter(
                stage=ChecklistItem.Stage.REPORT
            ).values_list("pk", flat=True)
        }
        services.report_accept(
            proposal=proposal,
            actor=lurah,
            checklist=checklist,
            note="Diperiksa di lokasi: jalan rabat rapi, sisa material disimpan Ketua RT.",
        )
        if camat is not None:
            services.report_countersign(
                proposal=proposal, actor=camat, note="Mengetahui. Terima kasih warga RT."
            )
    return made


def seed() -> str:
    year = demo_year()
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None:
        return f"dilewati: tahun anggaran {year} belum ada"
    ContractorCostParameters.objects.get_or_create(
        fiscal_year=fiscal_year,
        defaults={
            "source_note": (
                "Biaya umum dan keuntungan 15% (Permen PUPR 1/2022); PPN 11% (UU 7/2021)."
            )
        },
    )
    sites, handed = _sites(year)
    counts = {"hari": 0, "swadaya": 0, "foto": 0, "dilewati": 0}
    fresh = [
        p
        for p in sites
        if p.state in selectors.RECORDING_STATES
        and not p.work_days.exists()
        and not p.progress_photos.exists()
        and not p.contributions.exists()
    ]
    # Roles follow the sites' fixed order; a site already filled keeps its role.
    done = len(sites) - len(fresh)
    reuse = None
    for index, proposal in enumerate(fresh):
        role_index = done + index
        if role_index >= len(ROLES):
            break
        role = ROLES[role_index]
        try:
            made = _fill(
                proposal,
                role,
                reuse=reuse if role == "in_progress" else None,
                far=role == "in_progress",
            )
        except (ActionRefused, NotInScope):
            counts["dilewati"] += 1
            continue
        if role == "completed":
            reuse = made.get("_half")
        for key in ("hari", "swadaya", "foto", "dilewati"):
            counts[key] += made.get(key, 0)
    states = {}
    for proposal in Proposal.objects.filter(
        fiscal_year__year=year, state__in=selectors.EXECUTION_STATES
    ):
        label = proposal.get_state_display()
        states[label] = states.get(label, 0) + 1
    warned = sum(
        1
        for photo in ProgressPhoto.objects.filter(proposal__fiscal_year__year=year)
        if photo.warnings
    )
    summary = ", ".join(f"{label} {n}" for label, n in sorted(states.items())) or "tidak ada"
    return (
        f"{handed} BAST baru; lokasi pelaksanaan: {summary}; "
        f"{counts['hari']} hari kerja, {counts['swadaya']} swadaya, {counts['foto']} foto baru; "
        f"{warned} foto bertanda peringatan"
        + (f"; {counts['dilewati']} dilewati" if counts["dilewati"] else "")
    )
