"""What an auditor judges in the decade data: progress photos with their own file and
perceptual hashes, EXIF time and GPS, and citizen supports with the NIK's region code, plus the
few deliberate anomalies the red flags (audit/flags/) must find among them.

Each photo gets random 256-bit and 64-bit hashes (two unrelated pictures are ~32 of 64 bits
apart, never within reporting's near-duplicate distance), a GPS point a few metres from the
site inside its kelurahan and a time on a work day (after the SK). The warnings stored with
it come from reporting's own check (``reporting.photos.photo_flags``). A year then gets, at
full scale, a handful of each of:

- an earlier photo used again on another site: the same file (same hashes and EXIF, so its
  GPS and time are the original's), or a re-sent copy (a few bits apart, EXIF stripped);
- a photo whose GPS lies in a neighbouring kelurahan, or far from the site inside its own;
- a 0% photo taken when the proposal was made, before the SK.

Supports carry a synthetic valid NIK (region, birth date, serial) kept as the real keyed hash
(``bangkit.nik.nik_hash``): under the kecamatan rule every NIK is of the entry's kecamatan
(the service refuses others); in the years under the city rule a few supporters come from
another kecamatan, and a few entries are carried mostly by outsiders. A few entries a year get
a burst: twenty-odd supports typed in within minutes.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bangkit import geo
from bangkit.models import FiscalYear
from bangkit.nik import KOTA_JAMBI_KECAMATAN, nik_hash, nik_prefix
from demo.seeders import core
from demo.seeders.reporting import offset
from procurement.models import Supplier
from proposals.models import CitizenSupport, MusrenbangEntry
from reporting.models import ProgressPhoto
from reporting.photos import PhotoFacts, SiteFacts, photo_flags

TZ = ZoneInfo("Asia/Jakarta")
STAGES = (0, 50, 100)

# Deliberate anomalies per year at full scale (600 sites, 1,800 photos, 6,000 entries).
REUSED_SAME_FILE = 3
REUSED_RESENT = 2
OUTSIDE_KELURAHAN = 3
FAR_FROM_SITE = 4
BEFORE_DECREE = 4
SUPPORT_BURSTS = 3
CARRIED_BY_OUTSIDERS = 3
# Photos forwarded through a chat app lose their EXIF: no time, no GPS.
NO_EXIF_SHARE = 0.04
# The share of supporters from another kecamatan in a year under the city rule.
OUTSIDER_SHARE = 0.04
# How far a phone's GPS strays from the site's point (metres): well inside reporting's 60 m
# "same spot" and 300 m "far from site".
GPS_SPREAD_M = 20
# Years under Perwal 5/2020, when any Kota Jambi NIK could support (the city rule).
CITY_RULE_YEARS = range(2020, 2025)


def hex_bits(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def flip_bits(value: str, rng: random.Random, count: int) -> str:
    """The 64-bit hex hash with ``count`` random bits flipped (a re-encoded copy)."""
    number = int(value, 16)
    for bit in rng.sample(range(64), count):
        number ^= 1 << bit
    return f"{number:016x}"


def support_rule(year: int) -> str:
    if year in CITY_RULE_YEARS:
        return FiscalYear.SupportResidency.CITY
    return FiscalYear.SupportResidency.KECAMATAN


def _facts(photo: ProgressPhoto, pk: int) -> PhotoFacts:
    return PhotoFacts(
        pk=pk,
        proposal_id=photo.proposal_id,
        proposal_code=photo.proposal.code,
        stage=photo.stage,
        sha256=photo.sha256,
        phash=photo.phash,
        background_hash=photo.background_hash,
        taken_at=photo.taken_at,
        latitude=photo.latitude,
        longitude=photo.longitude,
        metadata_source=photo.metadata_source,
        uploaded_at=photo.uploaded_at,
    )


class PhotoWriter:
    """The year's progress photos of the funded sites, written in two bulk inserts: the
    photos, then the reused ones (so that each names its original's id, as the check does)."""

    def __init__(self, ctx, year: int, n, bulk):
        self.ctx, self.year, self.n, self.bulk = ctx, year, n, bulk
        self.rng = random.Random(f"decade-photos-{year}")

    def clock(self, day: date, start: int, end: int) -> datetime:
        rng = self.rng
        return datetime.combine(day, time(rng.randint(start, end - 1), rng.randint(0, 59)), TZ)

    def near(self, proposal) -> tuple[Decimal, Decimal]:
        """A phone's GPS a few metres from the site, still inside its kelurahan."""
        rng = self.rng
        lat, lon = offset(
            proposal.latitude,
            proposal.longitude,
            rng.uniform(-GPS_SPREAD_M, GPS_SPREAD_M),
            rng.uniform(-GPS_SPREAD_M, GPS_SPREAD_M),
        )
        if core.inside(proposal.kelurahan, lat, lon):
            return lat, lon
        return proposal.latitude, proposal.longitude

    def photo(self, proposal, uploader, stage: int, day: date, background: str) -> ProgressPhoto:
        rng = self.rng
        taken = self.clock(day, 8, 16)
        exif = rng.random() >= NO_EXIF_SHARE
        lat, lon = self.near(proposal) if exif else (None, None)
        width, height = rng.choice([(4000, 3000), (3264, 2448), (4160, 3120), (1600, 1200)])
        return ProgressPhoto(
            proposal=proposal,
            stage=stage,
            caption=f"Foto {stage}% - {proposal.location_description[:60]}",
            original_content_type="image/jpeg",
            original_size=rng.randint(900_000, 4_500_000) * width // 4000,
            width=width,
            height=height,
            sha256=hex_bits(rng, 256),
            phash=hex_bits(rng, 64),
            background_hash=flip_bits(background, rng, rng.randint(0, 8)),
            taken_at=taken if exif else None,
            latitude=lat,
            longitude=lon,
            metadata_source=(
                ProgressPhoto.MetadataSource.FILE if exif else ProgressPhoto.MetadataSource.NONE
            ),
            uploaded_by=uploader,
            uploaded_at=taken + timedelta(minutes=rng.randint(5, 300)),
        )

    def write(self, sites: list[tuple], decree_dates: dict[int, date]) -> list[ProgressPhoto]:
        """``sites``: (proposal, uploader, [day of the 0%, 50%, 100% photo])."""
        rng = self.rng
        by_site: dict[int, list[ProgressPhoto]] = {}
        for proposal, uploader, days in sites:
            background = hex_bits(rng, 64)
            by_site[proposal.pk] = [
                self.photo(proposal, uploader, stage, day, background)
                for stage, day in zip(STAGES, days, strict=True)
            ]
        proposals = [proposal for proposal, _, _ in sites]
        picked = iter(rng.sample(proposals, k=len(proposals)))
        taken_out = self.misplace(picked, by_site)
        self.predate(picked, by_site)
        copies = self.reuse(picked, by_site, taken_out)
        site_facts = {
            p.pk: SiteFacts(p.code, p.latitude, p.longitude, decree_dates[p.pk]) for p in proposals
        }
        copied = {id(copy) for copy, _ in copies}
        plain = [p for photos in by_site.values() for p in photos if id(p) not in copied]
        for photos in by_site.values():
            own = [_facts(photo, i) for i, photo in enumerate(photos)]
            for facts, photo in zip(own, photos, strict=True):
                if id(photo) not in copied:
                    photo.flags = photo_flags(facts, site=site_facts[photo.proposal_id], others=own)
        self.bulk(plain)
        for copy, original in copies:
            own = [_facts(p, i) for i, p in enumerate(by_site[copy.proposal_id]) if p is not copy]
            facts = _facts(copy, original.pk + 10**9)  # uploaded after its original
            copy.flags = photo_flags(
                facts,
                site=site_facts[copy.proposal_id],
                others=[*own, _facts(original, original.pk)],
            )
        self.bulk([copy for copy, _ in copies])
        photos = [photo for photos in by_site.values() for photo in photos]
        self.ctx.photo_pool.extend(plain)
        return photos

    def misplace(self, picked, by_site) -> set[int]:
        """GPS in a neighbouring kelurahan, or far from the site inside its own."""
        rng, done = self.rng, set()
        for want, far_only in ((OUTSIDE_KELURAHAN, False), (FAR_FROM_SITE, True)):
            for _ in range(self.n(want)):
                for proposal in picked:
                    point = self.far_point(proposal, far_only)
                    if point:
                        photo = rng.choice(by_site[proposal.pk])
                        self.give_exif(photo)
                        photo.latitude, photo.longitude = point
                        done.add(proposal.pk)
                        break
        return done

    def far_point(self, proposal, own_kelurahan: bool) -> tuple[Decimal, Decimal] | None:
        """The nearest point of another kelurahan of the kecamatan, or a point of the site's
        own kelurahan 400 m–3 km away; None when there is none."""
        ctx = self.ctx
        site = (proposal.latitude, proposal.longitude)
        if own_kelurahan:
            pool = [
                p for p in ctx.points(proposal.kelurahan) if 400 < geo.distance_m(*site, *p) < 3000
            ]
            return tuple(Decimal(f"{v:.6f}") for v in self.rng.choice(pool)) if pool else None
        others = [
            point
            for kel in ctx.kelurahan
            if kel.kecamatan_id == proposal.kelurahan.kecamatan_id
            and kel.pk != proposal.kelurahan_id
            for point in ctx.points(kel)
            if point[0] is not None
        ]
        if not others:
            return None
        nearest = min(others, key=lambda p: geo.distance_m(*site, *p))
        return tuple(Decimal(f"{v:.6f}") for v in nearest)

    def give_exif(self, photo: ProgressPhoto) -> None:
        if photo.taken_at is None:
            photo.taken_at = photo.uploaded_at - timedelta(minutes=self.rng.randint(5, 300))
            photo.metadata_source = ProgressPhoto.MetadataSource.FILE
        if photo.latitude is None:
            photo.latitude, photo.longitude = photo.proposal.latitude, photo.proposal.longitude

    def predate(self, picked, by_site) -> None:
        """A 0% photo taken when the proposal was made (an old picture), before the SK."""
        for _ in range(self.n(BEFORE_DECREE)):
            proposal = next(picked, None)
            if proposal is None:
                return
            photo = by_site[proposal.pk][0]
            self.give_exif(photo)
            day = proposal.created_at.date() - timedelta(days=self.rng.randint(0, 40))
            photo.taken_at = self.clock(day, 9, 17)

    def reuse(self, picked, by_site, skip: set[int]) -> list[tuple[ProgressPhoto, ProgressPhoto]]:
        """Copies of earlier photos (another site, this year or an earlier one), as
        (copy, original) pairs."""
        rng, copies = self.rng, []
        this_year = [p for photos in by_site.values() for p in photos]
        copy_sites, original_sites = set(), set()
        for count, same_file in ((REUSED_SAME_FILE, True), (REUSED_RESENT, False)):
            for _ in range(self.n(count)):
                unused = skip | original_sites
                proposal = next((p for p in picked if p.pk not in unused), None)
                if proposal is None:
                    break
                copy_sites.add(proposal.pk)
                earlier = self.ctx.photo_pool if rng.random() < 0.5 else None
                others = [p for p in this_year if p.proposal_id not in copy_sites]
                original = rng.choice(earlier or others)
                original_sites.add(original.proposal_id)
                stage = rng.choice(STAGES)
                photos = by_site[proposal.pk]
                copy = photos[STAGES.index(stage)]
                copy.background_hash = original.background_hash
                if same_file:
                    for field in (
                        "sha256",
                        "phash",
                        "taken_at",
                        "latitude",
                        "longitude",
                        "metadata_source",
                        "width",
                        "height",
                        "original_size",
                    ):
                        setattr(copy, field, getattr(original, field))
                else:
                    copy.sha256 = hex_bits(rng, 256)
                    copy.phash = flip_bits(original.phash, rng, rng.randint(1, 4))
                    copy.taken_at = copy.latitude = copy.longitude = None
                    copy.metadata_source = ProgressPhoto.MetadataSource.NONE
                    copy.width, copy.height = 1280, 960
                    copy.original_size = rng.randint(120_000, 300_000)
                copies.append((copy, original))
        return copies


def random_nik(region: str, year: int, rng: random.Random) -> str:
    """A valid synthetic NIK issued in ``region`` ("157101") of an adult in ``year``."""
    born = date(year - rng.randint(17, 75), rng.randint(1, 12), rng.randint(1, 28))
    day = born.day + (40 if rng.random() < 0.5 else 0)
    return f"{region}{day:02d}{born:%m%y}{rng.randint(1, 9999):04d}"


class SupportWriter:
    """The year's citizen supports of the Musrenbang entries."""

    def __init__(self, ctx, year: int, rng: random.Random, n):
        self.ctx, self.year, self.rng, self.n = ctx, year, rng, n
        self.own = random.Random(f"decade-supports-{year}")
        self.regions = sorted(nik_prefix(k.code) for k in ctx.kecamatan.values() if k.code)
        self.regions = self.regions or [f"1571{code}" for code in KOTA_JAMBI_KECAMATAN]
        self.city_rule = support_rule(year) == FiscalYear.SupportResidency.CITY

    def home(self, entry: MusrenbangEntry) -> str:
        return nik_prefix(entry.kelurahan.kecamatan.code)

    def elsewhere(self, entry: MusrenbangEntry) -> str:
        home = self.home(entry)
        return self.own.choice([r for r in self.regions if r != home] or [home])

    def moment(self, entry: MusrenbangEntry) -> datetime:
        day = entry.imported_at.date() + timedelta(days=self.own.randint(1, 40))
        return datetime.combine(day, time(self.own.randint(6, 21), self.own.randint(0, 59)), TZ)

    def write(self, entries: list[MusrenbangEntry]) -> list[CitizenSupport]:
        own, rows = self.own, []
        plan = {}
        for entry in entries:
            entry.support_count = self.rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 4, 6])
            plan[entry.pk] = ("ordinary", entry.support_count)
        picked = iter(own.sample(entries, k=len(entries)))
        for _ in range(self.n(SUPPORT_BURSTS)):
            entry = next(picked)
            plan[entry.pk] = ("burst", own.randint(20, 32))
        if self.city_rule:
            for _ in range(self.n(CARRIED_BY_OUTSIDERS)):
                entry = next(picked)
                plan[entry.pk] = ("outsiders", own.randint(12, 24))
        for entry in entries:
            kind, count = plan[entry.pk]
            entry.support_count = count
            start = self.moment(entry)
            outsider_share = {"outsiders": own.uniform(0.6, 0.9), "burst": 0.0}.get(
                kind, OUTSIDER_SHARE if self.city_rule else 0.0
            )
            seen = set()
            for _ in range(count):
                if kind == "burst":
                    when = start + timedelta(seconds=own.randint(0, 8 * 60))
                else:
                    when = self.moment(entry)
                outsider = own.random() < outsider_share
                region = self.elsewhere(entry) if outsider else self.home(entry)
                nik = random_nik(region, self.year, own)
                digest = nik_hash(nik)
                if digest in seen:
                    continue
                seen.add(digest)
                rows.append(
                    CitizenSupport(
                        entry=entry,
                        nik_hash=digest,
                        nik_last4=nik[-4:],
                        nik_region=region,
                        created_at=when,
                    )
                )
        return rows


# Deliberate departures from the procedure per year at full scale, for the other rules.
PAID_BEFORE_BAST = 3
PAID_BEFORE_DELIVERY = 2
OVERPRICED_LINES = 3
FEW_HANDS = 2
AMENDED_AFTER_ORDER = 1
# In about one year of two, one kecamatan buys mostly from one shop.
DOMINATED_CHANCE = 0.5
# One kelurahan a year orders every site from one shop within days (a split purchase).
SPLIT_KELURAHAN = 1
SPLIT_MIN_SITES = 5
LOCATION_SHIFTS = [
    "Lokasi digeser ke gang sebelah: lahan semula ternyata milik pribadi.",
    "Titik awal pekerjaan dipindah 40 m karena pipa PDAM baru dipasang.",
]


def _weekday(day: date, days: int) -> date:
    day += timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class Oddities:
    """Which funded sites of the year depart from the procedure, and how (drawn once, from
    their own random sequence, so the ordinary records stay as they are)."""

    def __init__(self, ctx, year: int, funded: list, n):
        rng = self.rng = random.Random(f"decade-oddities-{year}")
        self.shops: dict[int, list] = {}
        self.order_day: dict[int, date] = {}
        by_kelurahan: dict[int, list] = {}
        for proposal in funded:
            by_kelurahan.setdefault(proposal.kelurahan_id, []).append(proposal)
        busiest = sorted(by_kelurahan.values(), key=lambda sites: (-len(sites), sites[0].pk))
        for sites in busiest[: n(SPLIT_KELURAHAN)]:
            shops = ctx.suppliers.get(sites[0].kelurahan.kecamatan_id)
            if len(sites) < SPLIT_MIN_SITES or not shops:
                continue
            shop = rng.choice(shops)
            start = _weekday(sites[0].decree_issued.date(), 3)
            for proposal in sites:
                self.shops[proposal.pk] = [shop]
                self.order_day[proposal.pk] = _weekday(start, rng.randint(0, 4))
        self.dominant: dict[int, object] = {}
        if rng.random() < DOMINATED_CHANCE:
            kecamatan_id = rng.choice(sorted({p.kelurahan.kecamatan_id for p in funded}))
            if ctx.suppliers.get(kecamatan_id):
                self.dominant[kecamatan_id] = rng.choice(ctx.suppliers[kecamatan_id])
        others = [p for p in funded if p.pk not in self.shops]
        picked = iter(rng.sample(others, k=len(others)))

        def take(count, keep=lambda p: True) -> set[int]:
            found = (next((p for p in picked if keep(p)), None) for _ in range(count))
            return {p.pk for p in found if p is not None}

        self.paid_before_bast = take(n(PAID_BEFORE_BAST))
        self.paid_before_delivery = take(n(PAID_BEFORE_DELIVERY))
        self.overpriced = take(n(OVERPRICED_LINES))
        self.few_hands = take(n(FEW_HANDS), lambda p: p.designated_budget >= 20_000_000)
        self.amended = take(n(AMENDED_AFTER_ORDER))
        self._priced: set[int] = set()

    def shop_for(self, proposal) -> list | None:
        """The one shop the site must buy from, or None for the ordinary choice."""
        if proposal.pk in self.shops:
            return self.shops[proposal.pk]
        shop = self.dominant.get(proposal.kelurahan.kecamatan_id)
        if shop is not None and self.rng.random() < 0.8:
            return [shop]
        return None

    def order_time(self, proposal) -> datetime | None:
        day = self.order_day.get(proposal.pk)
        if day is None:
            return None
        return datetime.combine(day, time(self.rng.randint(8, 15), self.rng.randint(0, 59)), TZ)

    def reference_price(self, proposal, rab) -> int:
        """The year's reference price of the line: the RAB's own price (the RAB is priced
        from the reference list), except one line of an overpriced site, 15–40% above it."""
        price = int(rab.unit_price)
        if proposal.pk in self.overpriced and proposal.pk not in self._priced:
            self._priced.add(proposal.pk)
            return max(1, price * 100 // self.rng.randint(115, 140))
        return price

    def paid_on(self, order) -> date | None:
        """A payment day before the BAST, or before the order's own delivery."""
        proposal = order.proposal
        if proposal.pk in self.paid_before_delivery:
            return order.issued_at.date()
        if proposal.pk in self.paid_before_bast and order.arrived < proposal.handed:
            return order.arrived
        if proposal.pk in self.paid_before_bast:
            proposal.handed = _weekday(proposal.handed, 3)
            return order.arrived
        return None

    def crew(self, proposal) -> tuple[int, int, Decimal] | None:
        """A site recorded as built by a handful of people in short days."""
        if proposal.pk not in self.few_hands:
            return None
        return self.rng.randint(2, 4), 0, Decimal(self.rng.choice("45"))

    def amendment_text(self) -> str:
        return self.rng.choice(LOCATION_SHIFTS)


# Two shops, one owner: the second quotes with the first one's phone and bank account.
TWIN_SUFFIX = "Cabang"


def twin_shops() -> int:
    """Give a few shops a "branch" in the next kelurahan sharing their phone and account (the
    shops_sharing_identity flag); once, a rerun adds none. Returns the shops added."""
    if Supplier.objects.filter(name__endswith=f" {TWIN_SUFFIX}").exists():
        return 0
    added = 0
    shops = list(Supplier.objects.select_related("kelurahan").order_by("pk"))
    for shop in shops[:: max(1, len(shops) // 2)][:2]:
        neighbour = (
            shop.kelurahan.kecamatan.kelurahan_set.exclude(pk=shop.kelurahan_id)
            .order_by("code")
            .first()
        ) or shop.kelurahan
        Supplier.objects.create(
            name=f"{shop.name} {TWIN_SUFFIX}",
            owner_name=shop.owner_name,
            address=f"Jl. Kapten Pattimura No. {shop.pk % 90 + 10}",
            kelurahan=neighbour,
            phone=shop.phone,
            bank_name=shop.bank_name,
            bank_account_number=shop.bank_account_number,
            bank_account_holder=shop.bank_account_holder,
        )
        added += 1
    return added
