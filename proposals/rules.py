"""Who may move a proposal, and when: every guard of the state machine in one place.

The state machine's ``permission=`` predicates take ``(proposal, user)``, the order django-fsm
calls them with; the other ``may_*`` predicates take ``(user, object)``, as in every app.
"""

from bangkit import rules as core_rules
from bangkit.models import Role
from bangkit.money import rupiah
from proposals.states import EDITABLE_STATES

REQUIRED_REASON = {"return_for_revision", "reject", "defer", "cancel"}


def _in_area(user, proposal) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.RT:
        return proposal.rt_id == user.rt_id
    if user.role == Role.KELURAHAN:
        return proposal.kelurahan_id == user.kelurahan_id
    if user.role == Role.KECAMATAN:
        return proposal.kelurahan.kecamatan_id == user.kecamatan_id
    return False


def is_rt_of(proposal, user) -> bool:
    return user.role == Role.RT and _in_area(user, proposal)


def is_kelurahan_of(proposal, user) -> bool:
    return user.role == Role.KELURAHAN and _in_area(user, proposal)


def is_kecamatan_of(proposal, user) -> bool:
    return user.role == Role.KECAMATAN and _in_area(user, proposal)


def is_rt_or_kelurahan_of(proposal, user) -> bool:
    return is_rt_of(proposal, user) or is_kelurahan_of(proposal, user)


def can_submit(proposal, user) -> bool:
    return is_rt_of(proposal, user)


def is_current_verifier(proposal, user) -> bool:
    """Submitted proposals are the kelurahan's to decide; verified ones the kecamatan's."""
    from proposals.models import State

    if proposal.state == State.SUBMITTED:
        return is_kelurahan_of(proposal, user)
    if proposal.state == State.KELURAHAN_VERIFIED:
        return is_kecamatan_of(proposal, user)
    return False


# Who owns each stage, and so may cancel it.
STAGE_OWNER = {
    "musrenbang": Role.RT,
    "draft": Role.RT,
    "submitted": Role.KELURAHAN,
    "kelurahan_verified": Role.KECAMATAN,
    "kecamatan_verified": Role.KECAMATAN,
    "deferred": Role.KECAMATAN,
    "designated": Role.KECAMATAN,
    "procurement": Role.KELURAHAN,
    "materials_received": Role.KELURAHAN,
    "in_progress": Role.KELURAHAN,
    "reported": Role.KELURAHAN,
}


def is_stage_owner(proposal, user) -> bool:
    owner = STAGE_OWNER.get(proposal.state)
    return owner is not None and user.role == owner and _in_area(user, proposal)


def may_start_proposals(user) -> bool:
    """Only a Ketua RT turns the RT's Musrenbang entries into proposals."""
    return core_rules.is_signed_in(user) and user.role == Role.RT


def may_start_proposal_from(user, entry) -> bool:
    """A proposal starts from an entry of the Ketua RT's own RT."""
    return may_start_proposals(user) and entry.rt_id is not None and entry.rt_id == user.rt_id


def may_edit_proposal(user, proposal) -> bool:
    """Change the fields, RAB and attachments: the Ketua RT, before submission (or returned)."""
    return is_rt_of(proposal, user) and proposal.state in EDITABLE_STATES


def may_keep_musrenbang(user) -> bool:
    """The Musrenbang entries are imported and corrected by Bappeda (city-wide data)."""
    return core_rules.keeps_city_data(user)


def missing_documents(proposal) -> list[str]:
    """The year's required documents this proposal does not yet carry, as labels."""
    have: dict[str, int] = {}
    for kind in proposal.attachments.values_list("kind", flat=True):
        have[kind] = have.get(kind, 0) + 1
    return [
        f"{doc.label} (minimal {doc.min_count}, ada {have.get(doc.kind, 0)})"
        for doc in proposal.fiscal_year.required_documents.all()
        if have.get(doc.kind, 0) < doc.min_count
    ]


def submission_checks(proposal) -> list[tuple[str, str]]:
    """Everything that stops a submission as (part, message): the part names what to fix
    (documents, rab, ceiling, households, year, work_type), the message says it in words the
    Ketua RT can act on."""
    checks = [("documents", f"Dokumen belum lengkap: {m}") for m in missing_documents(proposal)]
    total = proposal.rab_total
    if total <= 0:
        checks.append(("rab", "RAB belum diisi."))
    ceiling = proposal.ceiling
    if ceiling is None and proposal.rt.households is None:
        checks.append(
            (
                "households",
                f"Jumlah KK {proposal.rt.label} belum diisi, jadi pagu per jumlah KK belum dapat "
                "ditentukan: minta kelurahan atau Bappeda mengisinya di data RT.",
            )
        )
    elif ceiling is None:
        checks.append(("ceiling", "Pagu untuk RT ini belum diatur pada tahun anggaran ini."))
    elif total > ceiling:
        checks.append(("rab", f"Total RAB {rupiah(total)} melebihi pagu {rupiah(ceiling)}."))
    if proposal.fiscal_year.status != "open":
        checks.append(
            ("year", f"Pengajuan usulan tahun {proposal.fiscal_year.year} tidak sedang dibuka.")
        )
    if not proposal.fiscal_year.work_types.filter(pk=proposal.work_type_id).exists():
        unfunded = f"Jenis kegiatan {proposal.work_type} tidak didanai tahun ini."
        checks.append(("work_type", unfunded))
    return checks


def submission_problems(proposal) -> list[str]:
    """Everything that stops a submission, in words the Ketua RT can act on."""
    return [message for _, message in submission_checks(proposal)]


def is_complete_for_submission(proposal) -> bool:
    return not submission_problems(proposal)


def fits_ceiling(proposal) -> bool:
    ceiling = proposal.ceiling
    return ceiling is not None and 0 < proposal.rab_total <= ceiling


# --- residents' usulan, the RT's list and meeting, carry-over -------------------------------


def may_moderate_usulan(user, usulan) -> bool:
    """A resident's usulan is decided by the lurah or staff of its kelurahan."""
    return (
        core_rules.is_signed_in(user)
        and user.role == Role.KELURAHAN
        and usulan.kelurahan_id == user.kelurahan_id
    )


def may_keep_rt_list(user, rt) -> bool:
    """The RT's Musrenbang list (its order, its meeting) is the Ketua RT's."""
    return core_rules.is_signed_in(user) and user.role == Role.RT and user.rt_id == rt.pk


def may_carry_over(user) -> bool:
    """Carrying unfunded entries into the next year is Bappeda's (city-wide data)."""
    return core_rules.keeps_city_data(user)
