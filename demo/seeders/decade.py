"""Decade-scale demo data: N closed budget years of Jambi-sized records, written in bulk.

`seed_demo --years N` calls :func:`seed_years`. Each year gets about 6,000 Musrenbang entries
(with citizen supports), 1,500 proposals and 600 funded sites walked to completion: RAB, one
SK Camat per kecamatan, purchase orders, deliveries, BAST, payments, work days, swadaya,
progress photo records (no image files) and the completion report, with a realistic date
for every step (the yearly cycle: Musrenbang in January–February, proposals in March,
verification in April, SK in May, materials in May–June, works on weekends, reports in
July–August), each step logged in ``TransitionLog`` and ``AuditEvent`` with that date.

The ordinary demo walks the real services; this generator cannot (6,000 proposals a year
through locks, PDFs and photo checks would take hours), so it writes rows in bulk
(``bangkit.bulk``: COPY on PostgreSQL, by a thread while the next year is made, else
``bulk_create``) and keeps the
identities the services keep:

- every site's RAB fits its ceiling; a kecamatan's designated budgets fit its envelope, and
  the year's envelopes sum to the year's total budget;
- order lines copy the RAB lines (same quantity and price), so ordered = RAB total =
  designated budget, delivered = ordered (full deliveries), paid = delivered;
- a site lies inside its kelurahan's boundary (``bangkit.geo.random_point``);
- every date follows the one before it.

Simple-history rows are not written for these years (they are history of edits, and these
records were never edited). A year that already has generated entries is skipped, so the
command can run again (or with more years) and adds only what is missing; a year that has
entries from elsewhere (an import, the ordinary demo) is refused.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from bangkit.bulk import Writes
from bangkit.errors import ActionRefused
from bangkit.models import (
    RT,
    AuditEvent,
    FiscalYear,
    Kecamatan,
    Kelurahan,
    Role,
    User,
    WorkType,
)
from bangkit.scoping import kecamatan_of
from budgets.models import BudgetEnvelope
from demo.seeders import core, evidence
from demo.seeders import procurement as procurement_seeder
from demo.seeders.proposals import (
    ENTRY_TEMPLATES,
    GANGS,
    LOCATIONS,
    NAMES,
    WORK_TYPE_WEIGHTS,
    plan_rab,
)
from procurement.models import (
    Delivery,
    DeliveryLine,
    Handover,
    Material,
    OrderCounter,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from proposals.codes import code_check, format_code
from proposals.forms import line_total
from proposals.models import (
    CitizenSupport,
    MusrenbangEntry,
    Proposal,
    RABLine,
    TransitionLog,
)
from proposals.states import State
from reporting.models import (
    CompletionReport,
    MaterialUsage,
    ProgressPhoto,
    SwadayaContribution,
    WorkDay,
)
from verification.models import (
    Amendment,
    Decree,
    DecreeCounter,
    DecreeLocation,
    PriorityWeights,
)

SOURCE_PREFIX = "BULK"
ENTRIES_PER_YEAR = 6_000
PROPOSALS_PER_YEAR = 1_500
FUNDED_PER_YEAR = 600
SITE_CEILING = 50_000_000
TZ = ZoneInfo("Asia/Jakarta")

# The Perwal in force each year (the programme's own list of rules).
REGULATIONS = [
    (2014, "Peraturan Wali Kota Jambi Nomor 45 Tahun 2014"),
    (2015, "Peraturan Wali Kota Jambi Nomor 42 Tahun 2015"),
    (2017, "Peraturan Wali Kota Jambi Nomor 21 Tahun 2017"),
    (2020, "Peraturan Wali Kota Jambi Nomor 5 Tahun 2020"),
    (2025, "Peraturan Wali Kota Jambi Nomor 18 Tahun 2025"),
]
# How the proposals that were not funded ended, with their weights.
UNFUNDED_PATHS = [
    ("rejected_kelurahan", 30),
    ("rejected_kecamatan", 15),
    ("deferred", 35),
    ("cancelled", 10),
    ("returned_rejected", 10),
]
NOTES = {
    "verify": [
        "Sudah ditinjau ke lokasi bersama Ketua RT; kondisi sesuai foto dan usulan.",
        "Lokasi dicek, lahan milik bersama warga, volume wajar.",
        "Berkas lengkap, harga satuan sesuai harga toko bangunan setempat.",
    ],
    "return": [
        "Foto lokasi 0% belum memperlihatkan titik awal dan akhir pekerjaan.",
        "Daftar hadir musyawarah RT belum ditandatangani Ketua RT.",
    ],
    "reject": [
        "Lokasi berada di atas lahan pribadi tanpa surat hibah dari pemilik.",
        "Lokasi yang sama sudah dibangun lewat program KOTAKU.",
        "Jalan tersebut jalan kota; ditangani Dinas PUPR.",
    ],
    "defer": [
        "Pagu kecamatan tahun ini sudah habis; diprioritaskan tahun anggaran berikutnya.",
        "Menunggu selesainya pemasangan pipa PDAM di lokasi yang sama.",
    ],
    "cancel": [
        "Warga sepakat membatalkan: lokasi akan dibangun pengembang perumahan.",
        "Lokasi sudah diperbaiki warga secara swadaya penuh setelah banjir.",
    ],
}
ACTIVITIES = [
    "Pembersihan lokasi dan pemasangan bekisting",
    "Pengecoran",
    "Pemasangan batu dan plesteran",
    "Perapian dan pembersihan akhir",
]


class AlreadySeeded(ActionRefused):
    """A year the generator must not touch."""


def regulation_for(year: int) -> str:
    text = REGULATIONS[0][1]
    for since, name in REGULATIONS:
        if year >= since:
            text = name
    return text


@contextmanager
def explicit_timestamps(*model_classes):
    """Let bulk_create keep the dates we give (auto_now / auto_now_add would overwrite them)."""
    saved = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


TIMESTAMPED = [
    MusrenbangEntry,
    Proposal,
    TransitionLog,
    CitizenSupport,
    AuditEvent,
    BudgetEnvelope,
    Decree,
    PurchaseOrder,
    Delivery,
    Handover,
    Payment,
    WorkDay,
    SwadayaContribution,
    ProgressPhoto,
    CompletionReport,
    Supplier,
    Amendment,
]


def at(day: date, rng: random.Random, start: int = 8, end: int = 16) -> datetime:
    """A moment in office hours of that day, in Jambi's time zone."""
    return datetime.combine(day, time(rng.randint(start, end - 1), rng.randint(0, 59)), TZ)


def weekday_after(day: date, rng: random.Random, low: int, high: int) -> date:
    """A working day (Monday–Friday) ``low``–``high`` days after ``day``."""
    result = day + timedelta(days=rng.randint(low, high))
    while result.weekday() >= 5:
        result += timedelta(days=1)
    return result


def weekend_after(day: date) -> date:
    result = day + timedelta(days=1)
    while result.weekday() < 5:
        result += timedelta(days=1)
    return result


def split_by_weight(total: int, weights: list[float]) -> list[int]:
    """``total`` in whole parts proportional to ``weights`` (largest remainders), summing to it."""
    weight_sum = sum(weights) or 1
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _Context:
    """What every year reads: regions, RTs, accounts, shops, materials, point pools."""

    def __init__(self):
        self.work_types = {w.code: w for w in WorkType.objects.filter(code__in=WORK_TYPE_WEIGHTS)}
        self.codes = [c for c in WORK_TYPE_WEIGHTS if c in self.work_types]
        self.code_weights = [WORK_TYPE_WEIGHTS[c] for c in self.codes]
        self.kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
        self.kecamatan = {k.pk: k for k in Kecamatan.objects.all()}
        self.rts: dict[int, list[RT]] = defaultdict(list)
        for rt in RT.objects.filter(active=True).order_by("kelurahan_id", "number"):
            self.rts[rt.kelurahan_id].append(rt)
        self.rt_user, self.lurah, self.camat = {}, {}, {}
        for user in User.objects.filter(
            role__in=[Role.RT, Role.KELURAHAN, Role.KECAMATAN], is_active=True
        ).order_by("username"):
            if user.role == Role.RT:
                self.rt_user.setdefault(user.rt_id, user)
            elif user.role == Role.KELURAHAN:
                self.lurah.setdefault(user.kelurahan_id, user)
            else:
                self.camat.setdefault(user.kecamatan_id, user)
        self.bappeda = User.objects.filter(role=Role.BAPPEDA).order_by("username").first()
        self.suppliers: dict[int, list[Supplier]] = defaultdict(list)
        for supplier in Supplier.objects.select_related("kelurahan").order_by("pk"):
            self.suppliers[supplier.kelurahan.kecamatan_id].append(supplier)
        self.all_suppliers = [s for shops in self.suppliers.values() for s in shops]
        self.materials = {m.name: m for m in Material.objects.all()}
        self._pools: dict[int, list[tuple[float, float]]] = {}
        self._rab_cache: dict = {}
        # Photos written so far (earlier years too): the originals a reused photo copies.
        self.photo_pool: list[ProgressPhoto] = []
        self.used_codes = set(Proposal.objects.values_list("code", flat=True))
        # The states' labels as text, once (a lazy label formatted per step is slow).
        self.labels = {state.value: str(state.label) for state in State}

    def points(self, kelurahan: Kelurahan) -> list[tuple[float, float]]:
        """150 points inside the kelurahan's boundary, the same on every run."""
        if kelurahan.pk not in self._pools:
            rng = random.Random(f"points-{kelurahan.code}")
            count = 150 if kelurahan.boundary else 1  # (a centre, or none, is one point)
            self._pools[kelurahan.pk] = [core.point_in(kelurahan, rng) for _ in range(count)]
        return self._pools[kelurahan.pk]

    def rab(self, code: str, volume: Decimal, width: Decimal | None, ceiling: int):
        key = (code, volume, width, ceiling)
        if key not in self._rab_cache:
            self._rab_cache[key] = plan_rab(self.work_types[code], volume, width, ceiling)
        return self._rab_cache[key]

    def tracking_code(self, year: int, rng: random.Random) -> str:
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        while True:
            body = "".join(rng.choice(alphabet) for _ in range(6))
            code = format_code(year, body, code_check(year, body))
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code


def years_to_seed(years: int, last_year: int) -> tuple[list[int], list[int]]:
    """(years to write, years already written by the generator); refuses foreign years."""
    wanted = list(range(last_year - years + 1, last_year + 1))
    mine = set(
        MusrenbangEntry.objects.filter(year__in=wanted, source_id__startswith=SOURCE_PREFIX)
        .values_list("year", flat=True)
        .distinct()
    )
    foreign = sorted(
        set(
            MusrenbangEntry.objects.filter(year__in=wanted)
            .exclude(source_id__startswith=SOURCE_PREFIX)
            .values_list("year", flat=True)
            .distinct()
        )
        | set(
            Proposal.objects.filter(fiscal_year__year__in=wanted)
            .exclude(entry__source_id__startswith=SOURCE_PREFIX)
            .values_list("fiscal_year__year", flat=True)
            .distinct()
        )
    )
    if foreign:
        raise AlreadySeeded(
            "Tahun "
            + ", ".join(str(y) for y in foreign)
            + " sudah berisi data lain (impor atau demo biasa); data sepuluh tahun tidak "
            "ditulis di atasnya. Pilih --years yang lebih kecil atau basis data kosong."
        )
    return [y for y in wanted if y not in mine], sorted(mine)


def seed_years(years: int, *, scale: float = 1.0, last_year: int | None = None, log=None) -> dict:
    """Write ``years`` closed budget years ending with ``last_year`` (default: the year before
    the demo year), each in one transaction. Returns the counts written per year.

    On PostgreSQL, unless the caller holds a transaction (a test), a year's rows are made
    here and written by a thread while the next year is made: the two cores each do half of
    the work (127–133 s instead of 176–182 s for ten years on session 11's machine, the
    same rows).
    """
    last_year = last_year or core.demo_year() - 1
    todo, done = years_to_seed(years, last_year)
    result = {"written": {}, "skipped": done}
    if not todo:
        return result
    if not Supplier.objects.exists():
        procurement_seeder.seed_suppliers()
    evidence.twin_shops()
    ctx = _Context()

    def written(year: int, counts: dict) -> None:
        result["written"][year] = counts
        if log:
            log(f"{year}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inline: each year in one transaction, or all in the caller's (a test's).
        for year in todo:
            with transaction.atomic(), explicit_timestamps(*TIMESTAMPED):
                _no_waiting_commit()
                written(year, _YearWriter(ctx, year, scale).run())
        return result
    # Each year made here and written by a thread of its own while the next one is made.
    writing = None
    try:
        for year in todo:
            with explicit_timestamps(*TIMESTAMPED):
                maker = _YearWriter(ctx, year, scale, later=True)
                counts = maker.run()
            if writing:
                written(*writing.wait())
            writing = _YearInThread(year, maker.writes, counts)
        written(*writing.wait())
    finally:
        # On an error too, the year being written finishes before the command returns.
        if writing:
            writing.thread.join()
    return result


def _no_waiting_commit() -> None:
    if connection.vendor == "postgresql":
        # Demo rows: a crash loses only the last year, which a rerun writes again.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class _YearInThread:
    """One year's kept writes, run by a thread on a connection of its own in one transaction:
    the server copies the rows and checks their foreign keys at commit (a fifth of the
    generator's time) while the next year is made. ``wait()`` gives (year, counts) once
    committed, or raises what failed (the year is then not written at all)."""

    def __init__(self, year: int, writes: Writes, counts: dict):
        self.year, self.counts, self.error = year, counts, None
        self.thread = threading.Thread(target=self._write, args=(writes,), name=f"year-{year}")
        self.thread.start()

    def _write(self, writes: Writes) -> None:
        try:
            with transaction.atomic():
                _no_waiting_commit()
                writes.run()
        except BaseException as exc:  # noqa: BLE001 (raised again by wait())
            self.error = exc
        finally:
            connection.close()

    def wait(self) -> tuple[int, dict]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.year, self.counts


class _YearWriter:
    def __init__(self, ctx: _Context, year: int, scale: float, *, later: bool = False):
        self.ctx, self.year, self.scale = ctx, year, scale
        # The year's rows, written as they are made or (later) kept for _YearInThread.
        self.writes = Writes(later=later)
        self.rng = random.Random(f"decade-{year}")
        self.audit: list[AuditEvent] = []
        self.counts: dict[str, int] = {}

    # --- helpers -------------------------------------------------------------------------
    def n(self, full: int) -> int:
        return max(1, round(full * self.scale))

    def day(self, month: int, first: int, month2: int, last: int) -> date:
        start, end = date(self.year, month, first), date(self.year, month2, last)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def log_audit(self, when, actor, action, obj, summary, data=None):
        """The audit row the service would write for ``obj`` (bangkit.services.audit_record),
        dated ``when`` and kept for one bulk insert."""
        self.audit.append(
            AuditEvent(
                created_at=when,
                actor=actor,
                action=action,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
                summary=summary,
                data=data or {},
                kecamatan_id=kecamatan_of(obj),
            )
        )

    def bulk(self, model, rows, label=None):
        self.writes.insert(model, rows)
        if label:
            self.counts[label] = self.counts.get(label, 0) + len(rows)
        return rows

    def bulk_photos(self, rows: list[ProgressPhoto]) -> None:
        self.bulk(ProgressPhoto, rows, "photos")

    # --- the year --------------------------------------------------------------------------
    def run(self) -> dict:
        self.fiscal_year = self.make_fiscal_year()
        entries = self.make_entries()
        self.make_supports(entries)
        funded, proposals = self.make_proposals(entries)
        self.make_execution(funded)
        self.make_envelopes(funded)
        self.bulk(AuditEvent, self.audit, "audit")
        return self.counts

    def make_fiscal_year(self) -> FiscalYear:
        fiscal_year, _ = FiscalYear.objects.get_or_create(
            year=self.year,
            defaults={
                "status": FiscalYear.Status.CLOSED,
                "regulation": regulation_for(self.year),
                "ceiling_amount": SITE_CEILING,
                "daily_wage": 80_000 + 5_000 * max(0, self.year - 2014),
                "support_residency": evidence.support_rule(self.year),
            },
        )
        core.seed_fiscal_year(self.year)
        PriorityWeights.objects.get_or_create(fiscal_year=fiscal_year)
        fiscal_year.refresh_from_db()
        return fiscal_year

    def make_entries(self) -> list[MusrenbangEntry]:
        ctx, rng = self.ctx, self.rng
        places = [
            k
            for k in ctx.kelurahan
            if k.valid_from_year <= self.year
            and (k.valid_until_year is None or k.valid_until_year >= self.year)
            and ctx.rts.get(k.pk)
        ]
        shares = split_by_weight(self.n(ENTRIES_PER_YEAR), [len(ctx.rts[k.pk]) for k in places])
        entries = []
        for kel, count in zip(places, shares, strict=True):
            pool = ctx.points(kel)
            for _ in range(count):
                rt = rng.choice(ctx.rts[kel.pk])
                code = rng.choices(ctx.codes, ctx.code_weights)[0]
                work_type = ctx.work_types[code]
                titles, problems, (low, high), unit_cost = ENTRY_TEMPLATES[code]
                volume = Decimal(rng.randint(low, high))
                words = {"g": rng.choice(GANGS), "rt": f"{rt.number:02d}", "n": rng.choice(NAMES)}
                lat, lon = rng.choice(pool)
                imported = at(self.day(1, 10, 2, 20), rng)
                entries.append(
                    MusrenbangEntry(
                        year=self.year,
                        source_id=f"{SOURCE_PREFIX}-{self.year}-{len(entries) + 1:05d}",
                        kelurahan=kel,
                        rt=rt,
                        title=rng.choice(titles).format(**words),
                        problem=rng.choice(problems).format(v=volume, **words),
                        work_type=work_type,
                        work_type_text=work_type.name,
                        location_text=rng.choice(LOCATIONS).format(**words),
                        volume=volume,
                        unit=work_type.unit,
                        estimated_cost=int(volume * unit_cost) // 50_000 * 50_000,
                        priority=rng.randint(1, 5),
                        proposer=rng.choice([f"Ketua RT {words['rt']}", "Karang Taruna", "PKK"]),
                        latitude=core.coord(lat),
                        longitude=core.coord(lon),
                        imported_at=imported,
                        updated_at=imported,
                    )
                )
        self.bulk(MusrenbangEntry, entries, "entries")
        for entry in entries:
            entry.support_count = 0
        return entries

    def make_supports(self, entries: list[MusrenbangEntry]) -> None:
        rows = evidence.SupportWriter(self.ctx, self.year, self.rng, self.n).write(entries)
        self.bulk(CitizenSupport, rows, "supports")

    def make_proposals(self, entries):
        ctx, rng, year = self.ctx, self.rng, self.year
        chosen = rng.sample(entries, k=min(len(entries), self.n(PROPOSALS_PER_YEAR)))
        # The better-supported entries are funded more often (the priority score counts them).
        ranked = sorted(chosen, key=lambda e: -(e.support_count + rng.random() * 3))
        funded_ids = {e.pk for e in ranked[: self.n(FUNDED_PER_YEAR)]}
        proposals, rab_lines, logs, plans = [], [], [], []
        for entry in chosen:
            rt_user = ctx.rt_user.get(entry.rt_id)
            lurah = ctx.lurah.get(entry.kelurahan_id)
            camat = ctx.camat.get(entry.kelurahan.kecamatan_id)
            if rt_user is None or lurah is None or camat is None:
                continue
            code = entry.work_type.code
            width = (
                Decimal(rng.choice(["1.00", "1.20", "1.50"])) if entry.work_type.has_width else None
            )
            ceiling = rng.choice([15, 20, 25, 30, 40]) * 1_000_000
            volume, lines = ctx.rab(code, entry.volume, width, ceiling)
            total = sum(line_total(line.quantity, line.unit_price) for line in lines)
            households = min(entry.rt.households or 40, rng.randint(15, 60))
            created = at(self.day(2, 20, 3, 10), rng)
            is_funded = entry.pk in funded_ids
            steps = self.verification_steps(created, is_funded)
            proposal = Proposal(
                state=State.COMPLETED if is_funded else steps[-1][3],
                code=ctx.tracking_code(year, rng),
                fiscal_year=self.fiscal_year,
                entry=entry,
                rt=entry.rt,
                kelurahan=entry.kelurahan,
                title=entry.title,
                work_type=entry.work_type,
                location_description=entry.location_text,
                latitude=entry.latitude,
                longitude=entry.longitude,
                planned_volume=volume,
                planned_width=width,
                households_benefiting=households,
                people_benefiting=households * rng.randint(3, 5),
                contribution_labour_people=rng.randint(15, 45),
                contribution_cash=rng.choice([0, 500_000, 1_000_000, 1_500_000, 2_500_000]),
                contribution_materials="Pasir urug dan konsumsi gotong-royong",
                contribution_materials_value=rng.randrange(1_000_000, 4_000_000, 250_000),
                designated_budget=total if is_funded else None,
                ordered_amount=total if is_funded else 0,
                delivered_amount=total if is_funded else 0,
                paid_amount=total if is_funded else 0,
                created_by=rt_user,
                created_at=created,
            )
            proposal.rab_inputs = lines
            proposal.actors = {Role.RT: rt_user, Role.KELURAHAN: lurah, Role.KECAMATAN: camat}
            proposals.append(proposal)
            plans.append((proposal, steps))
        # A kecamatan's SK is dated after the last of its sites was verified.
        decree_dates: dict[int, date] = {}
        for proposal, steps in plans:
            if proposal.designated_budget is not None:
                kec = proposal.kelurahan.kecamatan_id
                last = steps[-1][1].date()
                decree_dates[kec] = max(decree_dates.get(kec, last), last)
        for kec in decree_dates:
            decree_dates[kec] = weekday_after(decree_dates[kec], rng, 3, 12)
        self.decree_dates = decree_dates
        for proposal, steps in plans:
            proposal.updated_at = steps[-1][1]
        self.bulk(Proposal, proposals, "proposals")
        for proposal, steps in plans:
            for position, line in enumerate(proposal.rab_inputs, start=1):
                rab_lines.append(
                    RABLine(
                        proposal=proposal,
                        material=line.material,
                        unit=line.unit,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        line_total=line_total(line.quantity, line.unit_price),
                        position=position,
                    )
                )
            proposal.rab_rows = rab_lines[-len(proposal.rab_inputs) :]
            for action, when, from_state, to_state, role, note in steps:
                logs.append(
                    self.transition(proposal, action, when, from_state, to_state, role, note)
                )
        self.bulk(RABLine, rab_lines, "rab_lines")
        self.pending_logs = logs
        funded = [p for p in proposals if p.designated_budget is not None]
        return funded, proposals

    def verification_steps(self, created: datetime, funded: bool) -> list[tuple]:
        """(action, when, from, to, role, note) from creation to the end of verification."""
        rng = self.rng
        steps = []
        when = created
        state = State.MUSRENBANG

        def step(action, to, role, low, high, note_kind=None):
            nonlocal when, state
            if steps:
                when = at(weekday_after(when.date(), rng, low, high), rng)
            note = rng.choice(NOTES[note_kind]) if note_kind else ""
            steps.append((action, when, state, to, role, note))
            state = to

        step("create", State.DRAFT, Role.RT, 0, 0)
        path = "funded" if funded else rng.choices(*zip(*UNFUNDED_PATHS, strict=True))[0]
        if path == "cancelled":
            step("cancel", State.CANCELLED, Role.RT, 2, 20, "cancel")
            return steps
        step("submit", State.SUBMITTED, Role.RT, 1, 14)
        if path == "returned_rejected" or (funded and rng.random() < 0.15):
            step("return_for_revision", State.DRAFT, Role.KELURAHAN, 2, 10, "return")
            step("submit", State.SUBMITTED, Role.RT, 2, 10)
        if path in ("rejected_kelurahan", "returned_rejected"):
            step("reject", State.REJECTED, Role.KELURAHAN, 2, 15, "reject")
            return steps
        step("verify_kelurahan", State.KELURAHAN_VERIFIED, Role.KELURAHAN, 2, 18, "verify")
        if path == "rejected_kecamatan":
            step("reject", State.REJECTED, Role.KECAMATAN, 3, 20, "reject")
            return steps
        step("verify_kecamatan", State.KECAMATAN_VERIFIED, Role.KECAMATAN, 3, 20, "verify")
        if path == "deferred":
            step("defer", State.DEFERRED, Role.KECAMATAN, 10, 40, "defer")
        return steps

    def transition(self, proposal, action, when, from_state, to_state, role, note):
        actor = proposal.actors[role]
        self.log_audit(
            when,
            actor,
            f"proposal_{action}",
            proposal,
            f"{proposal.code}: {self.ctx.labels[from_state]} → {self.ctx.labels[to_state]}",
            {"note": note, "checklist": {}},
        )
        return TransitionLog(
            proposal=proposal,
            transition=action,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            created_at=when,
            note=note,
        )

    # --- execution of the funded sites ------------------------------------------------------
    def make_execution(self, funded: list[Proposal]) -> None:
        ctx, rng, year = self.ctx, self.rng, self.year
        logs = self.pending_logs
        by_kecamatan: dict[int, list[Proposal]] = defaultdict(list)
        for proposal in funded:
            by_kecamatan[proposal.kelurahan.kecamatan_id].append(proposal)
        decrees, locations, counters = [], [], []
        for kec_id, sites in sorted(by_kecamatan.items()):
            kec = ctx.kecamatan[kec_id]
            camat = ctx.camat[kec_id]
            signed = self.decree_dates[kec_id]
            issued = at(signed, rng)
            decree = Decree(
                kecamatan=kec,
                fiscal_year=self.fiscal_year,
                state=Decree.State.ISSUED,
                number=f"1/SK/BB/KEC.{kec.abbreviation or kec.slug[:3].upper()}/{year}",
                sequence=1,
                title=f"Penetapan Lokasi Kegiatan Bangkit Berdaya Kecamatan {kec.name} "
                f"Tahun Anggaran {year}",
                menimbang="bahwa lokasi kegiatan Bangkit Berdaya perlu ditetapkan",
                mengingat=regulation_for(year),
                clauses=[],
                tembusan="Wali Kota Jambi\nKepala Bappeda Kota Jambi",
                decree_date=signed,
                signatory_name=camat.get_full_name(),
                signatory_rank="Camat",
                signatory_nip=camat.nip,
                created_by=camat,
                created_at=issued - timedelta(days=rng.randint(1, 5)),
                issued_by=camat,
                issued_at=issued,
            )
            decree.sites = sites
            decrees.append(decree)
            counters.append(DecreeCounter(kecamatan=kec, year=year, last_number=1))
        self.bulk(Decree, decrees, "decrees")
        self.bulk(DecreeCounter, counters)
        for decree in decrees:
            self.log_audit(
                decree.created_at,
                decree.created_by,
                "decree_create_draft",
                decree,
                decree.title,
            )
            self.log_audit(
                decree.issued_at,
                decree.issued_by,
                "decree_issue",
                decree,
                decree.number,
                {"locations": len(decree.sites)},
            )
            for position, proposal in enumerate(decree.sites, start=1):
                location = DecreeLocation(
                    decree=decree,
                    proposal=proposal,
                    budget=proposal.designated_budget,
                    position=position,
                )
                location.freeze()  # the site as issued, copied as the service copies it
                locations.append(location)
                proposal.decree_issued = decree.issued_at
                proposal.site_decree = decree
                logs.append(
                    self.transition(
                        proposal,
                        "designate",
                        decree.issued_at,
                        State.KECAMATAN_VERIFIED,
                        State.DESIGNATED,
                        Role.KECAMATAN,
                        decree.number,
                    )
                )
        self.bulk(DecreeLocation, locations)

        # Orders: one shop, or two sharing the RAB lines; numbered per kelurahan and year.
        odd = self.oddities = evidence.Oddities(ctx, year, funded, self.n)
        orders, sequence = [], defaultdict(int)
        for proposal in funded:
            shops = ctx.suppliers.get(proposal.kelurahan.kecamatan_id) or ctx.all_suppliers
            count = 2 if len(proposal.rab_rows) > 3 and rng.random() < 0.3 else 1
            picked = odd.shop_for(proposal) or rng.sample(shops, k=min(count, len(shops)))
            groups = [proposal.rab_rows[i :: len(picked)] for i in range(len(picked))]
            lurah = proposal.actors[Role.KELURAHAN]
            ordered = at(weekday_after(proposal.decree_issued.date(), rng, 3, 20), rng)
            ordered = odd.order_time(proposal) or ordered
            proposal.orders = []
            for shop, lines in zip(picked, groups, strict=True):
                sequence[proposal.kelurahan_id] += 1
                seq = sequence[proposal.kelurahan_id]
                order = PurchaseOrder(
                    proposal=proposal,
                    supplier=shop,
                    state=PurchaseOrder.State.ISSUED,
                    number=f"{seq:03d}/SP-BB/{proposal.kelurahan.code}/{year}",
                    sequence=seq,
                    number_kelurahan=proposal.kelurahan,
                    number_year=year,
                    delivery_address=proposal.location_description,
                    total=sum(line.line_total for line in lines),
                    created_by=lurah,
                    created_at=ordered - timedelta(hours=rng.randint(1, 30)),
                    issued_by=lurah,
                    issued_at=ordered,
                    confirmed_at=ordered + timedelta(hours=rng.randint(2, 48)),
                )
                order.rab_rows = lines
                orders.append(order)
                proposal.orders.append(order)
            logs.append(
                self.transition(
                    proposal,
                    "order_materials",
                    ordered,
                    State.DESIGNATED,
                    State.PROCUREMENT,
                    Role.KELURAHAN,
                    f"Surat pesanan {proposal.orders[0].number}",
                )
            )
        self.bulk(PurchaseOrder, orders, "orders")
        self.make_amendments(funded)
        self.bulk(
            OrderCounter,
            [
                OrderCounter(kelurahan_id=kel, year=year, last_number=last)
                for kel, last in sequence.items()
            ],
        )
        order_lines = []
        for order in orders:
            order.lines_made = []
            for position, rab in enumerate(order.rab_rows, start=1):
                material = ctx.materials.get(rab.material)
                line = PurchaseOrderLine(
                    order=order,
                    material=material,
                    description=rab.material,
                    unit=rab.unit,
                    quantity=rab.quantity,
                    unit_price=rab.unit_price,
                    line_total=rab.line_total,
                    rab_line=rab,
                    position=position,
                    reference_price=odd.reference_price(order.proposal, rab),
                )
                order_lines.append(line)
                order.lines_made.append(line)
            self.log_audit(
                order.created_at,
                order.created_by,
                "order_create",
                order,
                order.number,
                {"supplier": order.supplier_id, "total": order.total},
            )
            self.log_audit(
                order.issued_at,
                order.issued_by,
                "order_issue",
                order,
                order.number,
                {"total": order.total},
            )
        self.bulk(PurchaseOrderLine, order_lines, "order_lines")

        deliveries, payments = [], []
        for order in orders:
            proposal = order.proposal
            arrived = weekday_after(order.issued_at.date(), rng, 2, 12)
            order.arrived = arrived
            recorded = at(arrived, rng, 10, 17)
            deliveries.append(
                Delivery(
                    order=order,
                    delivered_on=arrived,
                    received_by_name=proposal.rt.head_name or "Ketua RT",
                    recorded_by=proposal.actors[Role.KELURAHAN],
                    recorded_at=recorded,
                    supplier_confirmed_at=recorded + timedelta(hours=rng.randint(1, 24)),
                )
            )
        # The BAST once everything arrived; the shops are paid after it.
        for proposal in funded:
            last_arrival = max(order.arrived for order in proposal.orders)
            proposal.handed = weekday_after(last_arrival, rng, 0, 3)
        for order in orders:
            proposal = order.proposal
            paid_on = weekday_after(proposal.handed, rng, 5, 30)
            paid_on = odd.paid_on(order) or paid_on
            payments.append(
                Payment(
                    order=order,
                    invoice_number=f"INV/{year}/{order.sequence:03d}-{proposal.kelurahan.code}",
                    amount=order.total,
                    paid_on=paid_on,
                    reference=f"SP2D {rng.randint(1000, 9999)}/{year}",
                    recorded_by=proposal.actors[Role.KELURAHAN],
                    recorded_at=at(paid_on, rng),
                )
            )
        self.bulk(Delivery, deliveries, "deliveries")
        self.bulk(Payment, payments, "payments")
        delivery_lines = []
        for delivery in deliveries:
            for line in delivery.order.lines_made:
                delivery_lines.append(
                    DeliveryLine(delivery=delivery, order_line=line, quantity=line.quantity)
                )
            self.log_audit(
                delivery.recorded_at,
                delivery.recorded_by,
                "delivery_record",
                delivery,
                delivery.order.number,
            )
        for payment in payments:
            self.log_audit(
                payment.recorded_at,
                payment.recorded_by,
                "payment_record",
                payment,
                f"{payment.order.number}: Rp {payment.amount}",
                {"amount": payment.amount},
            )
        self.bulk(DeliveryLine, delivery_lines, "delivery_lines")
        self.make_sites(funded, logs)

    def make_amendments(self, funded: list[Proposal]) -> None:
        """A site's location changed by the camat after its materials were ordered."""
        rows = []
        for proposal in funded:
            if proposal.pk not in self.oddities.amended:
                continue
            camat = proposal.actors[Role.KECAMATAN]
            when = proposal.orders[0].issued_at + timedelta(days=self.rng.randint(2, 10))
            new = f"{proposal.location_description} (digeser ke gang sebelah)"[:300]
            rows.append(
                Amendment(
                    proposal=proposal,
                    decree=proposal.site_decree,
                    field=Amendment.Field.LOCATION,
                    old_value=proposal.location_description[:300],
                    new_value=new,
                    reason=self.oddities.amendment_text(),
                    actor=camat,
                    created_at=when,
                )
            )
        self.bulk(Amendment, rows, "amendments")
        for row in rows:
            self.log_audit(
                row.created_at,
                row.actor,
                "site_amend",
                row.proposal,
                f"{row.proposal.code}: Lokasi {row.old_value} → {row.new_value}",
                {"field": row.field, "old": row.old_value, "new": row.new_value},
            )

    def make_sites(self, funded: list[Proposal], logs: list[TransitionLog]) -> None:
        ctx, rng, year = self.ctx, self.rng, self.year
        handovers, work_days, contributions, shots, reports = [], [], [], [], []
        for proposal in funded:
            lurah, rt_user = proposal.actors[Role.KELURAHAN], proposal.actors[Role.RT]
            handed = proposal.handed
            handed_at = at(handed, rng)
            shops = ", ".join(sorted({o.supplier.name for o in proposal.orders}))
            handovers.append(
                Handover(
                    proposal=proposal,
                    state=Handover.State.COMPLETE,
                    number=f"{proposal.code}/BAST-BB/{year}",
                    handover_date=handed,
                    place=f"Kantor Lurah {proposal.kelurahan.name}",
                    first_party_name=lurah.get_full_name(),
                    first_party_position=lurah.position or "Lurah",
                    second_party_name=proposal.rt.head_name or rt_user.get_full_name(),
                    second_party_position=f"Ketua RT {proposal.rt.number:02d}",
                    items=[
                        {
                            "description": rab.material,
                            "unit": rab.unit,
                            "quantity": f"{Decimal(rab.quantity).normalize():f}",
                            "condition": "Baik",
                            "supplier": shops,
                        }
                        for rab in proposal.rab_rows
                    ],
                    recorded_by=lurah,
                    recorded_at=handed_at,
                    rt_confirmed_by=rt_user,
                    rt_confirmed_at=handed_at + timedelta(hours=rng.randint(1, 6)),
                )
            )
            received = handed_at + timedelta(hours=rng.randint(6, 8))
            logs.append(
                self.transition(
                    proposal,
                    "receive_materials",
                    received,
                    State.PROCUREMENT,
                    State.MATERIALS_RECEIVED,
                    Role.KELURAHAN,
                    "BAST ditandatangani",
                )
            )
            # Works on weekends: 3–7 days of gotong-royong, a week or two after the BAST.
            work_day = weekend_after(handed + timedelta(days=rng.randint(0, 10)))
            logs.append(
                self.transition(
                    proposal,
                    "start_work",
                    at(work_day, rng, 7, 8),
                    State.MATERIALS_RECEIVED,
                    State.IN_PROGRESS,
                    Role.RT,
                    "",
                )
            )
            days = []
            for number in range(rng.randint(3, 7)):
                days.append(work_day)
                men, women = rng.randint(8, 30), rng.randint(0, 12)
                hours = Decimal(rng.choice(["6", "7", "8"]))
                men, women, hours = self.oddities.crew(proposal) or (men, women, hours)
                work_days.append(
                    WorkDay(
                        proposal=proposal,
                        date=work_day,
                        men=men,
                        women=women,
                        hours=hours,
                        activity=ACTIVITIES[min(number, len(ACTIVITIES) - 1)],
                        recorded_by=rt_user,
                        recorded_at=at(work_day, rng, 17, 21),
                    )
                )
                work_day = weekend_after(work_day)
            first, last = days[0], days[-1]
            kinds = [("food", "Konsumsi gotong-royong", rng.randrange(300_000, 1_500_000, 50_000))]
            if proposal.contribution_cash:
                kinds.append(("cash", "Iuran warga", proposal.contribution_cash))
            kinds.append(
                (
                    "materials",
                    "Pasir urug dan kayu bekisting",
                    proposal.contribution_materials_value,
                )
            )
            for kind, description, value in kinds:
                contributions.append(
                    SwadayaContribution(
                        proposal=proposal,
                        kind=kind,
                        description=description,
                        value=value,
                        contributor=f"Warga RT {proposal.rt.number:02d}",
                        date=rng.choice(days),
                        recorded_by=rt_user,
                        recorded_at=at(last, rng, 17, 21),
                    )
                )
            shots.append((proposal, rt_user, [first, days[len(days) // 2], last]))
            # The report, returned once in ten for a better 100% photo, then accepted.
            submitted = at(weekday_after(last, rng, 2, 12), rng)
            steps = []
            if rng.random() < 0.1:
                returned = at(weekday_after(submitted.date(), rng, 2, 8), rng)
                steps += [
                    ("submit_report", submitted, State.IN_PROGRESS, State.REPORTED, Role.RT, ""),
                    (
                        "return_report",
                        returned,
                        State.REPORTED,
                        State.IN_PROGRESS,
                        Role.KELURAHAN,
                        "Foto 100% belum memperlihatkan ujung",
                    ),
                ]
                submitted = at(weekday_after(returned.date(), rng, 2, 8), rng)
            accepted = at(weekday_after(submitted.date(), rng, 2, 15), rng)
            steps += [
                ("submit_report", submitted, State.IN_PROGRESS, State.REPORTED, Role.RT, ""),
                (
                    "accept_report",
                    accepted,
                    State.REPORTED,
                    State.COMPLETED,
                    Role.KELURAHAN,
                    "Laporan penyelesaian diterima",
                ),
            ]
            logs += [self.transition(proposal, *step) for step in steps]
            proposal.updated_at = accepted
            reports.append(
                CompletionReport(
                    proposal=proposal,
                    realised_volume=proposal.planned_volume,
                    updated_by=rt_user,
                    updated_at=submitted,
                    submitted_by=rt_user,
                    submitted_at=submitted,
                    accepted_by=lurah,
                    accepted_at=accepted,
                )
            )
        self.bulk(Handover, handovers, "handovers")
        self.bulk(WorkDay, work_days, "work_days")
        self.bulk(SwadayaContribution, contributions, "contributions")
        photos = evidence.PhotoWriter(ctx, year, self.n, self.bulk_photos).write(
            shots,
            {p.pk: self.decree_dates[p.kelurahan.kecamatan_id] for p in funded},
        )
        self.bulk(CompletionReport, reports, "reports")
        usages = []
        for report in reports:
            for position, rab in enumerate(report.proposal.rab_rows, start=1):
                leftover = Decimal("0")
                usages.append(
                    MaterialUsage(
                        report=report,
                        description=rab.material,
                        unit=rab.unit,
                        delivered=rab.quantity,
                        used=rab.quantity - leftover,
                        leftover=leftover,
                        position=position,
                    )
                )
        self.bulk(MaterialUsage, usages)
        for rows, action, summary in (
            (work_days, "work_day_add", lambda row: f"{row.proposal.code}: {row.date}"),
            (photos, "photo_add", lambda row: f"{row.proposal.code}: {row.stage}%"),
            (contributions, "contribution_add", lambda row: f"{row.proposal.code}: {row.kind}"),
            (handovers, "handover_record", lambda row: f"BAST {row.number}"),
        ):
            for row in rows:
                when = getattr(row, "recorded_at", None) or row.uploaded_at
                actor = getattr(row, "recorded_by", None) or row.uploaded_by
                self.log_audit(when, actor, action, row, summary(row))
        self.writes.update(Proposal, funded, "updated_at")
        self.bulk(TransitionLog, logs, "transitions")

    def make_envelopes(self, funded: list[Proposal]) -> None:
        """Each kecamatan's envelope: its designated budgets plus a small unspent margin,
        rounded up to a million; the year's total is their sum."""
        rng = self.rng
        committed: dict[int, int] = defaultdict(int)
        for proposal in funded:
            committed[proposal.kelurahan.kecamatan_id] += proposal.designated_budget
        envelopes = []
        for kec_id in sorted(self.ctx.kecamatan):
            used = committed.get(kec_id, 0)
            amount = -(-int(used * (1 + rng.uniform(0.01, 0.08))) // 1_000_000) * 1_000_000
            envelopes.append(
                BudgetEnvelope(
                    fiscal_year=self.fiscal_year,
                    kecamatan_id=kec_id,
                    amount=amount,
                    note="Dibagi menurut jumlah penduduk, luas wilayah dan jumlah RT",
                    updated_at=at(date(self.year, 1, 20), rng),
                )
            )
        self.bulk(BudgetEnvelope, envelopes, "envelopes")
        self.fiscal_year.total_budget = sum(e.amount for e in envelopes)
        self.fiscal_year.save(update_fields=["total_budget"])
