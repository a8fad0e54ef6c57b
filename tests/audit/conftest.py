"""The audit workspace's world: two kecamatan, each with a proposal walked through the real
services, and the users who look at them."""

from dataclasses import dataclass

import pytest

from bangkit.models import Role
from proposals.states import State
from tests import factories


@dataclass
class AuditWorld:
    site: object  # a submitted proposal in kecamatan A
    other: object  # a submitted proposal in kecamatan B
    inspektorat: object
    admin: object
    camat: object  # camat of kecamatan A
    other_camat: object
    lurah: object
    rt: object
    bappeda: object


@pytest.fixture
def audit_world(db):
    fiscal_year = factories.FiscalYearFactory()
    site = factories.ProposalFactory(fiscal_year=fiscal_year, state=State.SUBMITTED)
    other = factories.ProposalFactory(
        fiscal_year=fiscal_year, state=State.SUBMITTED, title="Drainase gang Melati"
    )
    kecamatan = site.kelurahan.kecamatan
    return AuditWorld(
        site=site,
        other=other,
        inspektorat=factories.make_user(Role.INSPEKTORAT, username="inspektur"),
        admin=factories.make_user(Role.ADMIN, username="admin-sistem"),
        camat=factories.actor_for(Role.KECAMATAN, kecamatan),
        other_camat=factories.actor_for(Role.KECAMATAN, other.kelurahan.kecamatan),
        lurah=factories.actor_for(Role.KELURAHAN, site.kelurahan),
        rt=factories.actor_for(Role.RT, site.rt),
        bappeda=factories.make_user(Role.BAPPEDA, username="bappeda-uji"),
    )
