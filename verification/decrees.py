"""SK Camat services: draft, edit, issue (number, budget, designation, PDF), amend; site changes."""

import hashlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from bangkit import storage
from bangkit.budget import COMMITTED_STATES, commitment_problems, lock_envelopes
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import FiscalYear, Kecamatan, Role
from bangkit.services import audit_record
from proposals.forms import MAX_RUPIAH, parse_decimal, parse_rupiah
from proposals.models import Proposal, RABLine, State
from proposals.services import apply_transition_locked, lock_proposal
from verification.models import Amendment, Decree, DecreeCounter, DecreeLocation, DecreeTemplate
from verification.pdf import fill_placeholders, format_number, lines, render_decree_pdf, rupiah

# Decrees that hold their proposals: a proposal sits in at most one of them (besides the one
# an amending draft replaces).
LIVE_STATES = [Decree.State.DRAFT, Decree.State.ISSUED]
# A designated site may still change (with an Amendment) until its report is submitted.
AMENDABLE_SITE_STATES = [
    State.DESIGNATED,
    State.PROCUREMENT,
    State.MATERIALS_RECEIVED,
    State.IN_PROGRESS,
]
DRAFT_FIELDS = [
    "title",
    "menimbang",
    "mengingat",
    "clauses",
    "tembusan",
    "place",
    "decree_date",
    "signatory_name",
    "signatory_rank",
    "signatory_nip",
    "paper",
]

DEFAULT_MENIMBANG = "\n".join(
    [
        (
            "bahwa dalam rangka mempercepat pembangunan sarana dan prasarana lingkungan "
            "permukiman di tingkat Rukun Tetangga melalui pemberdayaan masyarakat dan semangat "
            "gotong-royong, Pemerintah Kota Jambi melaksanakan Program Bangun Kelurahan Secara "
            "Intensif dan Terpadu yang Berazaskan Swadaya Masyarakat (Bangkit Berdaya);"
        ),
        (
            "bahwa usulan kegiatan Rukun Tetangga di wilayah Kecamatan {kecamatan} telah "
            "diverifikasi oleh Lurah dan Camat, dinyatakan memenuhi persyaratan, dan tidak "
            "melebihi pagu anggaran Program Bangkit Berdaya Tahun Anggaran {year};"
        ),
        (
            "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu"
            " menetapkan Keputusan Camat {kecamatan} tentang Penetapan Lokasi Kegiatan Bangkit "
            "Berdaya Tahun {year};"
        ),
    ]
)

DEFAULT_MENGINGAT = "\n".join(
    [
        (
            "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah (Lembaran Negara "
            "Republik Indonesia Tahun 2014 Nomor 244, Tambahan Lembaran Negara Republik Indonesia"
            " Nomor 5587) sebagaimana telah beberapa kali diubah, terakhir dengan Undang-Undang "
            "Nomor 6 Tahun 2023 tentang Penetapan Peraturan Pemerintah Pengganti Undang-Undang "
            "Nomor 2 Tahun 2022 tentang Cipta Kerja menjadi Undang-Undang;"
        ),
        "Peraturan Pemerintah Nomor 17 Tahun 2018 tentang Kecamatan;",
        "Peraturan Pemerintah Nomor 12 Tahun 2019 tentang Pengelolaan Keuangan Daerah;",
        (
            "Peraturan Wali Kota Jambi Nomor 45 Tahun 2014 tentang Pedoman Pelaksanaan Program "
            "Bangun Kelurahan Secara Intensif dan Terpadu yang Berazaskan Swadaya Masyarakat "
            "(Bangkit Berdaya) sebagaimana telah diubah dengan Peraturan Wali Kota Jambi Nomor 18"
            " Tahun 2015, Peraturan Wali Kota Jambi Nomor 22 Tahun 2015, Peraturan Wali Kota "
            "Jambi Nomor 42 Tahun 2015, Peraturan Wali Kota Jambi Nomor 21 Tahun 2017, dan "
            "terakhir dengan Peraturan Wali Kota Jambi Nomor 5 Tahun 2020 tentang Perubahan "
            "Kelima atas Peraturan Wali Kota Jambi Nomor 45 Tahun 2014;"
        ),
        (
            "Peraturan Daerah Kota Jambi tentang Anggaran Pendapatan dan Belanja Daerah Kota "
            "Jambi Tahun Anggaran {year};"
        ),
        (
            "Peraturan Wali Kota Jambi tentang Penjabaran Anggaran Pendapatan dan Belanja Daerah "
            "Kota Jambi Tahun Anggaran {year};"
        ),
    ]
)

DEFAULT_CLAUSES = "\n".join(
    [
        (
            "Menetapkan lokasi kegiatan Program Bangkit Berdaya di Kecamatan {kecamatan} Tahun "
            "Anggaran {year} sebanyak {count} lokasi dengan nilai seluruhnya {total}, sebagaimana"
            " tercantum dalam Lampiran yang merupakan bagian tidak terpisahkan dari Keputusan "
            "ini."
        ),
        (
            "Bantuan sebagaimana dimaksud dalam Diktum KESATU diberikan dalam bentuk bahan "
            "bangunan, bukan uang, dan pekerjaan dilaksanakan secara gotong-royong oleh "
            "masyarakat Rukun Tetangga penerima dengan swadaya masyarakat."
        ),
        (
            "Lurah selaku Kuasa Pengguna Anggaran melaksanakan pengadaan dan serah terima bahan "
            "bangunan, mengawasi pelaksanaan pekerjaan, dan menyampaikan laporan "
            "pertanggungjawaban kepada Camat {kecamatan}."
        ),
        (
            "Perubahan lokasi, volume atau nilai kegiatan setelah Keputusan ini ditetapkan "
            "dicatat beserta alasannya dan diumumkan kepada masyarakat."
        ),
        (
            "Segala biaya yang timbul akibat ditetapkannya Keputusan ini dibebankan pada Anggaran"
            " Pendapatan dan Belanja Daerah Kota Jambi Tahun Anggaran {year}."
        ),
        "Keputusan ini mulai berlaku pada tanggal ditetapkan.",
    ]
)

DEFAULT_TEMBUSAN = "\n".join(
    [
        "Yth. Wali Kota Jambi (sebagai laporan);",
        "Yth. Sekretaris Daerah Kota Jambi;",
        "Yth. Kepala Badan Perencanaan Pembangunan Daerah Kota Jambi;",
        "Yth. Inspektur Kota Jambi;",
        "Yth. Kepala Badan Pengelolaan Keuangan dan Aset Daerah Kota Jambi;",
        "Yth. Lurah se-Kecamatan {kecamatan};",
        "Arsip.",
    ]
)


# --- who may act ---------------------------------------------------------------------------


def _require_camat(actor, kecamatan_id: int) -> None:
    """Only the Camat of the kecamatan drafts and issues its decrees.

    A Camat of another kecamatan must not learn that the decree exists (NotInScope → 404);
    a city-wide or lower-level user who can see it is told plainly that it is not theirs.
    """
    if actor.role == Role.KECAMATAN:
        if actor.kecamatan_id != kecamatan_id:
            raise NotInScope
        return
    if actor.is_city_wide or _sees_kecamatan(actor, kecamatan_id):
        raise ActionRefused("Hanya Camat kecamatan ini yang dapat menyusun dan menetapkan SK.")
    raise NotInScope


def _sees_kecamatan(actor, kecamatan_id: int) -> bool:
    return Kecamatan.objects.visible_to(actor).filter(pk=kecamatan_id).exists()


# --- the template of a year ---------------------------------------------------------------


def decree_template_for(fiscal_year: FiscalYear) -> DecreeTemplate:
    """The year's wording; a default one is created the first time a year needs it."""
    template = DecreeTemplate.objects.filter(fiscal_year=fiscal_year).first()
    if template is not None:
        return template
    try:
        with transaction.atomic():
            return DecreeTemplate.objects.create(
                fiscal_year=fiscal_year,
                menimbang=DEFAULT_MENIMBANG,
                mengingat=_default_mengingat(fiscal_year),
                clauses=DEFAULT_CLAUSES,
                tembusan=DEFAULT_TEMBUSAN,
            )
    except IntegrityError:
        return DecreeTemplate.objects.get(fiscal_year=fiscal_year)


def _default_mengingat(fiscal_year: FiscalYear) -> str:
    regulation = (fiscal_year.regulation or "").strip()
    if not regulation or "45 Tahun 2014" in regulation:
        return DEFAULT_MENGINGAT
    # The year's own rule (e.g. a later Perwal) goes before the APBD, after the programme's.
    items = DEFAULT_MENGINGAT.splitlines()
    items.insert(4, regulation.rstrip(";") + ";")
    return "\n".join(items)


# --- choosing locations -------------------------------------------------------------------


def _rab_totals(proposal_ids) -> dict[int, int]:
    rows = (
        RABLine.objects.filter(proposal_id__in=list(proposal_ids))
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("line_total"))
    )
    totals = {pk: 0 for pk in proposal_ids}
    totals.update({row["proposal_id"]: row["total"] or 0 for row in rows})
    return totals


def _label(p: Proposal) -> str:
    return f"{p.code} ({p.rt.label} {p.kelurahan.name})"


def _selection(
    *, kecamatan_id: int, fiscal_year: FiscalYear, proposals, decree: Decree | None
) -> list[Proposal]:
    """The proposals a draft may list, or ActionRefused naming each one that may not be."""
    ids = []
    for item in proposals:
        pk = item.pk if isinstance(item, Proposal) else int(item)
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ActionRefused("Pilih paling sedikit satu lokasi untuk SK ini.")
    found = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=ids).select_related(
            "rt", "kelurahan", "work_type", "fiscal_year"
        )
    }
    carried = _carried_ids(decree)
    others = DecreeLocation.objects.filter(proposal_id__in=ids, decree__state__in=LIVE_STATES)
    if decree is not None:
        others = others.exclude(decree_id__in=[decree.pk, decree.amends_id])
    elsewhere = dict(others.values_list("proposal_id", "decree__number"))
    problems = []
    for pk in ids:
        p = found.get(pk)
        if p is None or p.kelurahan.kecamatan_id != kecamatan_id:
            problems.append(f"Usulan #{pk} tidak ditemukan di kecamatan ini.")
            continue
        if p.fiscal_year_id != fiscal_year.pk:
            problems.append(f"{_label(p)} adalah usulan tahun {p.fiscal_year.year}.")
        elif pk in carried:
            if p.state not in COMMITTED_STATES:
                problems.append(f"{_label(p)} sudah {p.get_state_display().lower()}.")
        elif p.state != State.KECAMATAN_VERIFIED:
            problems.append(
                f"{_label(p)} berada pada tahap '{p.get_state_display()}', "
                "bukan 'Diverifikasi kecamatan'."
            )
        elif pk in elsewhere:
            where = elsewhere[pk] or "draf SK lain"
            problems.append(f"{_label(p)} sudah tercantum dalam {where}.")
    if problems:
        raise ActionRefused("Sebagian lokasi tidak dapat dimasukkan ke SK.", problems=problems)
    return [found[pk] for pk in ids]


def _carried_ids(decree: Decree | None) -> set[int]:
    """Proposals of the decree an amending draft replaces: already designated, kept as they are."""
    if decree is None or not decree.amends_id:
        return set()
    return set(
        DecreeLocation.objects.filter(decree_id=decree.amends_id).values_list(
            "proposal_id", flat=True
        )
    )


def _set_locations(decree: Decree, proposals: list[Proposal]) -> None:
    carried = _carried_ids(decree)
    totals = _rab_totals([p.pk for p in proposals])
    ordered = sorted(proposals, key=lambda p: (p.kelurahan.code, p.rt.number, p.code))
    decree.locations.all().delete()
    DecreeLocation.objects.bulk_create(
        DecreeLocation(
            decree=decree,
            proposal=p,
            position=i,
            budget=(p.designated_budget or 0) if p.pk in carried else totals[p.pk],
        )
        for i, p in enumerate(ordered, start=1)
    )


# --- drafts -------------------------------------------------------------------------------


def _signatory(actor) -> dict:
    return {
        "signatory_name": (actor.get_full_name() or actor.username)[:100],
        "signatory_nip": actor.nip or "",
    }


@transaction.atomic
def decree_create_draft(
    *, actor, kecamatan: Kecamatan, fiscal_year: FiscalYear, proposals, signatory_rank: str = ""
) -> Decree:
    """The Camat starts an SK from verified proposals, worded from the year's template."""
    _require_camat(actor, kecamatan.pk)
    chosen = _selection(
        kecamatan_id=kecamatan.pk, fiscal_year=fiscal_year, proposals=proposals, decree=None
    )
    template = decree_template_for(fiscal_year)
    values = {"year": fiscal_year.year, "kecamatan": kecamatan.name}
    decree = Decree(
        kecamatan=kecamatan,
        fiscal_year=fiscal_year,
        title=fill_placeholders(template.title, values)[:250],
        menimbang=fill_placeholders(template.menimbang, values),
        mengingat=fill_placeholders(template.mengingat, values),
        # {count} and {total} stay: they are filled from the annex when the SK is printed.
        clauses=[fill_placeholders(c, values) for c in lines(template.clauses)],
        tembusan=fill_placeholders(template.tembusan, values),
        place=template.place,
        signatory_rank=signatory_rank,
        created_by=actor,
        **_signatory(actor),
    )
    decree.save()
    _set_locations(decree, chosen)
    audit_record(
        actor=actor,
        action="decree_create_draft",
        obj=decree,
        summary=f"Draf SK {kecamatan} {fiscal_year.year}: {len(chosen)} lokasi",
        data={"proposals": [p.code for p in chosen]},
    )
    return decree


def _lock_decree(decree: Decree) -> Decree:
    locked = (
        Decree.objects.select_for_update(of=("self",))
        .select_related("kecamatan", "fiscal_year")
        .filter(pk=decree.pk)
        .first()
    )
    if locked is None:
        raise NotInScope
    return locked


def _require_draft(decree: Decree) -> None:
    if decree.state != Decree.State.DRAFT:
        done = f"SK ini sudah {decree.get_state_display().lower()} dengan nomor {decree.number}"
        if decree.issued_by_id and decree.issued_at:
            who = decree.issued_by.get_full_name() or decree.issued_by.username
            when = timezone.localtime(decree.issued_at).strftime("%d-%m-%Y %H:%M")
            done += f" oleh {who} pada {when}"
        raise ActionRefused(done + "; SK itu tidak dapat diubah lagi.")


@transaction.atomic
def decree_update_draft(*, actor, decree: Decree, proposals=None, **fields) -> Decree:
    """Edit a draft's wording, date, signatory, paper and (when given) its locations."""
    decree = _lock_decree(decree)
    _require_camat(actor, decree.kecamatan_id)
    _require_draft(decree)
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ActionRefused(f"Kolom tidak dikenal: {', '.join(sorted(unknown))}.")
    changed = {}
    for name, value in fields.items():
        if name == "clauses" and isinstance(value, str):
            value = lines(value)
        if getattr(decree, name) != value:
            setattr(decree, name, value)
            changed[name] = str(value)[:200]
    try:
        decree.full_clean(exclude=["state", "pdf", "number", "created_by", "issued_by", "amends"])
    except ValidationError as exc:
        raise ActionRefused("Draf SK belum benar.", problems=exc.messages) from exc
    decree.save()
    if proposals is not None:
        chosen = _selection(
            kecamatan_id=decree.kecamatan_id,
            fiscal_year=decree.fiscal_year,
            proposals=proposals,
            decree=decree,
        )
        _set_locations(decree, chosen)
        changed["proposals"] = [p.code for p in chosen]
    if changed:
        audit_record(actor=actor, action="decree_update_draft", obj=decree, data=changed)
    return decree


@transaction.atomic
def decree_delete_draft(*, actor, decree: Decree) -> None:
    """Throw a draft away; its proposals become free for another draft."""
    decree = _lock_decree(decree)
    _require_camat(actor, decree.kecamatan_id)
    _require_draft(decree)
    audit_record(
        actor=actor,
        action="decree_delete_draft",
        obj=decree,
        summary=str(decree),
        data={"proposals": list(decree.locations.values_list("proposal__code", flat=True))},
    )
    decree.locations.all().delete()
    decree.delete()


# --- issuing ------------------------------------------------------------------------------


def _next_sequence(kecamatan: Kecamatan, year: int) -> int:
    """The next decree number of the kecamatan and year: locked, so no twins and no gaps.

    The counter row is created in its own savepoint, so two first decrees of a year racing
    to create it both end up locking the one row.
    """
    if not DecreeCounter.objects.filter(kecamatan=kecamatan, year=year).exists():
        try:
            with transaction.atomic():
                DecreeCounter.objects.create(kecamatan=kecamatan, year=year)
        except IntegrityError:
            pass
    counter = DecreeCounter.objects.select_for_update().get(kecamatan=kecamatan, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def decree_issue(
    *, actor, decree: Decree, decree_date: date | None = None, site_url: str | None = None
) -> Decree:
    """Issue a draft: check every location and the envelope under lock, number it, designate
    the proposals, freeze their budgets, store the PDF with its hash. All or nothing."""
    # The PDF written for it is deleted again if this transaction, or one around it, fails.
    with storage.atomic():
        return _issue_locked(actor=actor, decree=decree, decree_date=decree_date, site_url=site_url)


def _issue_locked(*, actor, decree, decree_date, site_url) -> Decree:
    decree = _lock_decree(decree)
    _require_camat(actor, decree.kecamatan_id)
    _require_draft(decree)
    kecamatan, fiscal_year = decree.kecamatan, decree.fiscal_year
    old = None
    if decree.amends_id:
        old = Decree.objects.select_for_update(of=("self",)).get(pk=decree.amends_id)
        if old.state != Decree.State.ISSUED:
            raise ActionRefused(
                f"SK {old.number} yang hendak diubah sudah tidak berlaku "
                f"({old.get_state_display().lower()})."
            )
    # Envelopes before proposals, always: every service that commits money queues here.
    lock_envelopes(fiscal_year=fiscal_year, kecamatan=kecamatan)
    locations = list(decree.locations.order_by("proposal_id"))
    if not locations:
        raise ActionRefused("SK belum memuat satu lokasi pun.")
    locked = {
        loc.proposal_id: lock_proposal(Proposal(pk=loc.proposal_id), actor) for loc in locations
    }
    totals = _rab_totals(locked)
    carried = _carried_ids(decree)
    problems = []
    additions: dict[int, int] = defaultdict(int)
    for pk, p in locked.items():
        if pk in carried:
            if p.state not in COMMITTED_STATES:
                problems.append(f"{_label(p)} sudah {p.get_state_display().lower()}.")
            continue
        if p.state != State.KECAMATAN_VERIFIED:
            problems.append(
                f"{_label(p)} tidak lagi berstatus 'Diverifikasi kecamatan' "
                f"(sekarang: {p.get_state_display()})."
            )
            continue
        if p.fiscal_year_id != fiscal_year.pk or p.kelurahan.kecamatan_id != kecamatan.pk:
            problems.append(f"{_label(p)} bukan usulan Kecamatan {kecamatan} {fiscal_year}.")
            continue
        ceiling = p.ceiling
        if totals[pk] <= 0:
            problems.append(f"{_label(p)}: RAB kosong.")
        elif ceiling is None:
            problems.append(f"{_label(p)}: pagu lokasi untuk RT ini belum diatur.")
        elif totals[pk] > ceiling:
            problems.append(
                f"{_label(p)}: total RAB {rupiah(totals[pk])} melebihi pagu lokasi "
                f"{rupiah(ceiling)}."
            )
        additions[p.kelurahan_id] += totals[pk]
    if old is not None:
        for p in Proposal.objects.filter(decree_locations__decree=old).exclude(pk__in=locked):
            if p.state != State.CANCELLED:
                problems.append(
                    f"{p.code} tercantum dalam SK {old.number} dan masih berjalan "
                    f"({p.get_state_display()}); batalkan usulan itu dahulu bila memang "
                    "dikeluarkan dari SK."
                )
    problems += commitment_problems(
        fiscal_year=fiscal_year, kecamatan=kecamatan, additions=dict(additions)
    )
    if problems:
        raise ActionRefused("SK belum dapat ditetapkan.", problems=problems)

    year = fiscal_year.year
    sequence = _next_sequence(kecamatan, year)
    template = decree_template_for(fiscal_year)
    decree.sequence = sequence
    decree.number = format_number(
        template.number_format, seq=sequence, abbr=kecamatan.abbreviation, year=year
    )
    decree.decree_date = decree_date or decree.decree_date or timezone.localdate()
    for loc in locations:
        p = locked[loc.proposal_id]
        if loc.proposal_id in carried:
            loc.budget = p.designated_budget or 0
        else:
            p.designated_budget = totals[p.pk]
            loc.budget = totals[p.pk]
            apply_transition_locked(p, actor=actor, action="designate", note=decree.number)
        loc.proposal = p
        loc.save(update_fields=["budget"])
    if old is not None:
        old.revoke()
        old.save()
        audit_record(
            actor=actor,
            action="decree_revoke",
            obj=old,
            summary=f"{old.number} diubah dengan {decree.number}",
        )
    decree.issue()
    decree.issued_by = actor
    decree.issued_at = timezone.now()
    locations.sort(key=lambda loc: (loc.position, loc.pk))
    pdf = render_decree_pdf(decree, locations=locations, site_url=site_url)
    decree.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    storage.save_file(decree.pdf, "sk.pdf", ContentFile(pdf), label=f"PDF SK {decree.number}")
    decree.save()
    total = sum(loc.budget for loc in locations)
    audit_record(
        actor=actor,
        action="decree_issue",
        obj=decree,
        summary=f"{decree.number}: {len(locations)} lokasi, {rupiah(total)}",
        data={
            "number": decree.number,
            "sha256": decree.pdf_sha256,
            "locations": {locked[loc.proposal_id].code: loc.budget for loc in locations},
            "amends": old.number if old else None,
        },
    )
    return decree


# --- amending -----------------------------------------------------------------------------


@transaction.atomic
def decree_amend(*, actor, decree: Decree, reason: str) -> Decree:
    """A new draft that, once issued, replaces an issued decree (which is then revoked)."""
    decree = _lock_decree(decree)
    _require_camat(actor, decree.kecamatan_id)
    reason = (reason or "").strip()
    if decree.state != Decree.State.ISSUED:
        raise ActionRefused("Hanya SK yang sedang berlaku yang dapat diubah.")
    if len(reason) < 10:
        raise ActionRefused("Tuliskan alasan perubahan yang jelas (paling sedikit 10 huruf).")
    pending = decree.amended_by.filter(state=Decree.State.DRAFT).first()
    if pending is not None:
        raise ActionRefused("Sudah ada draf perubahan untuk SK ini; lanjutkan draf itu.")
    kec = decree.kecamatan.name
    original = f"Keputusan Camat {kec} Nomor {decree.number} tentang {decree.title}"
    reason_text = reason[0].lower() + reason[1:]
    reason_text = reason_text if reason_text.startswith("bahwa") else "bahwa " + reason_text
    clauses = list(decree.clauses)
    body, last = (clauses[1:-1], clauses[-1:]) if len(clauses) > 1 else ([], clauses)
    amendment = Decree(
        kecamatan=decree.kecamatan,
        fiscal_year=decree.fiscal_year,
        amends=decree,
        title=f"Perubahan atas Keputusan Camat {kec} Nomor {decree.number}"[:250],
        menimbang="\n".join(
            [
                "bahwa lokasi kegiatan Program Bangkit Berdaya Kecamatan "
                f"{kec} Tahun Anggaran {decree.fiscal_year.year} telah ditetapkan dengan "
                f"{original};",
                reason_text.rstrip(";.") + ", sehingga Keputusan tersebut perlu diubah;",
                "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf "
                f"b, perlu menetapkan Keputusan Camat {kec} tentang Perubahan atas {original};",
            ]
        ),
        mengingat=decree.mengingat,
        clauses=[
            f"Mengubah {original}, sehingga lokasi kegiatan Program Bangkit Berdaya "
            "Kecamatan {kecamatan} Tahun Anggaran {year} menjadi sebanyak {count} lokasi "
            "dengan nilai seluruhnya {total}, sebagaimana tercantum dalam Lampiran yang "
            "merupakan bagian tidak terpisahkan dari Keputusan ini.",
            *body,
            f"Dengan ditetapkannya Keputusan ini, {original} dicabut dan dinyatakan tidak berlaku.",
            *last,
        ],
        tembusan=decree.tembusan,
        place=decree.place,
        paper=decree.paper,
        signatory_rank=decree.signatory_rank,
        created_by=actor,
        **_signatory(actor),
    )
    amendment.save()
    keep = list(
        Proposal.objects.filter(decree_locations__decree=decree)
        .exclude(state=State.CANCELLED)
        .select_related("rt", "kelurahan")
    )
    _set_locations(amendment, keep)
    audit_record(
        actor=actor,
        action="decree_amend",
        obj=amendment,
        summary=f"Draf perubahan atas {decree.number}",
        data={"amends": decree.number, "reason": reason},
    )
    return amendment


# --- changes to a designated site -----------------------------------------------------------


# Proposal.planned_volume holds 10 digits with 2 decimals.
MAX_VOLUME = Decimal("99999999.99")


def _parse_amendment_value(field: str, value) -> tuple:
    """The new value, read strictly: junk is refused with a message, never guessed at."""
    text = str(value if value is not None else "").strip()
    if field == Amendment.Field.LOCATION:
        if not text or len(text) > 300:
            raise ActionRefused("Uraian lokasi baru harus diisi (paling banyak 300 huruf).")
        return text, text
    if field == Amendment.Field.VOLUME:
        # Indonesian writing: "1.250,5" is one thousand two hundred and fifty and a half.
        try:
            number = parse_decimal(text)
        except ValidationError:
            number = None
        if number is None or number <= 0 or number.as_tuple().exponent < -2:
            raise ActionRefused("Volume baru harus angka lebih dari nol (paling banyak 2 desimal).")
        if number > MAX_VOLUME:
            raise ActionRefused("Volume baru terlalu besar. Periksa angkanya.")
        return number, f"{number.normalize():f}"
    if field == Amendment.Field.BUDGET:
        # Whole rupiah as people write them ("45.000.000", "Rp 45.000.000,-"); "-5", "1e9"
        # or "12,34,56" are refused rather than read as their digits.
        try:
            amount = parse_rupiah(text)
        except ValidationError:
            amount = None
        if amount is None or amount <= 0:
            raise ActionRefused(
                "Anggaran baru harus bilangan rupiah lebih dari nol, misalnya 45.000.000."
            )
        if amount > MAX_RUPIAH:
            raise ActionRefused("Anggaran baru terlalu besar. Periksa angkanya.")
        return amount, str(amount)
    raise ActionRefused("Yang dapat diubah hanya lokasi, volume atau anggaran.")


@transaction.atomic
def site_amend(*, actor, proposal: Proposal, field: str, new_value, reason: str) -> Amendment:
    """Change a designated site's location text, volume or budget, with a public reason."""
    fresh = (
        Proposal.objects.select_related("kelurahan__kecamatan", "fiscal_year")
        .filter(pk=proposal.pk)
        .first()
    )
    if fresh is None:
        raise NotInScope
    _require_camat(actor, fresh.kelurahan.kecamatan_id)
    value, value_text = _parse_amendment_value(field, new_value)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ActionRefused("Tuliskan alasan perubahan yang jelas (paling sedikit 10 huruf).")
    if field == Amendment.Field.BUDGET:
        # Envelopes first, as in decree_issue: the same order everywhere, no deadlock.
        lock_envelopes(fiscal_year=fresh.fiscal_year, kecamatan=fresh.kelurahan.kecamatan)
    p = lock_proposal(fresh, actor)
    if p.state not in AMENDABLE_SITE_STATES:
        raise ActionRefused(
            f"Usulan pada tahap '{p.get_state_display()}' tidak dapat diubah melalui "
            "perubahan lokasi."
        )
    if field == Amendment.Field.LOCATION:
        old_text = p.location_description
        p.location_description = value
    elif field == Amendment.Field.VOLUME:
        old_text = f"{p.planned_volume.normalize():f}"
        p.planned_volume = value
    else:
        old_budget = p.designated_budget or 0
        old_text = str(old_budget)
        ceiling = p.ceiling
        if ceiling is not None and value > ceiling:
            raise ActionRefused(
                f"Anggaran baru {rupiah(value)} melebihi pagu lokasi {rupiah(ceiling)}."
            )
        if value > old_budget:
            problems = commitment_problems(
                fiscal_year=p.fiscal_year,
                kecamatan=p.kelurahan.kecamatan,
                additions={p.kelurahan_id: value - old_budget},
            )
            if problems:
                raise ActionRefused("Tambahan anggaran melebihi pagu.", problems=problems)
        p.designated_budget = value
    if old_text == value_text:
        raise ActionRefused("Nilai baru sama dengan nilai sekarang.")
    p.save()
    decree = (
        Decree.objects.filter(locations__proposal=p, state=Decree.State.ISSUED)
        .order_by("-issued_at")
        .first()
    )
    amendment = Amendment.objects.create(
        proposal=p,
        decree=decree,
        field=field,
        old_value=old_text[:300],
        new_value=value_text[:300],
        reason=reason,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="site_amend",
        obj=p,
        summary=f"{p.code}: {amendment.get_field_display()} {old_text} → {value_text}",
        data={
            "field": field,
            "old": old_text,
            "new": value_text,
            "reason": reason,
            "amendment": amendment.pk,
            "decree": decree.number if decree else None,
        },
    )
    return amendment
