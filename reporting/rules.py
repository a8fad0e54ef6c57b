"""Who may act on a site's execution and its report: predicates shared by the services, the
execution screens and the admin.

The Ketua RT keeps the records of the work (the kelurahan may do it on their behalf) and writes
the completion report; the kelurahan reviews it; the Camat countersigns the accepted report.
"""

from bangkit import rules as core_rules
from bangkit.models import Role
from proposals import rules as proposal_rules
from proposals.states import State

# States in which the Ketua RT (or the kelurahan) may still add or remove records.
RECORDING_STATES = [State.MATERIALS_RECEIVED, State.IN_PROGRESS]


def is_recorder_of(user, proposal) -> bool:
    """The Ketua RT of the site, or its kelurahan recording on the RT's behalf."""
    return proposal_rules.is_rt_or_kelurahan_of(proposal, user)


def may_record_work(user, proposal) -> bool:
    """Add or remove work days, swadaya contributions and progress photos: a recorder, from the
    BAST until the report is submitted."""
    return is_recorder_of(user, proposal) and proposal.state in RECORDING_STATES


def may_write_report(user, proposal) -> bool:
    """Write and submit the completion report: the Ketua RT, while the work is in progress."""
    return proposal_rules.is_rt_of(proposal, user) and proposal.state == State.IN_PROGRESS


def may_review_report(user, proposal) -> bool:
    """Accept or return a submitted report: the kelurahan of the site."""
    return proposal_rules.is_kelurahan_of(proposal, user) and proposal.state == State.REPORTED


def may_countersign_report(user, proposal, report) -> bool:
    """Countersign (mengetahui) an accepted report: the Camat of the site, once."""
    return (
        proposal_rules.is_kecamatan_of(proposal, user)
        and proposal.state == State.COMPLETED
        and report is not None
        and report.countersigned_at is None
    )


def _checks_the_work(user) -> bool:
    """The offices that check the work (everyone signed in but the Ketua RT who records it)."""
    return core_rules.is_signed_in(user) and user.role != Role.RT


def sees_red_flags(user) -> bool:
    """Photo warnings are for the offices that check the work, not for the uploader."""
    return _checks_the_work(user)


def sees_photo_originals(user) -> bool:
    """The file as uploaded (with its EXIF and GPS) is evidence for the offices."""
    return _checks_the_work(user)


def sees_savings(user) -> bool:
    """The savings against contracting out are the offices' report, not the RT's page."""
    return _checks_the_work(user)


def may_set_contractor_costs(user) -> bool:
    """The contractor cost parameters behind the savings estimate are city-wide data."""
    return core_rules.keeps_city_data(user)
