"""The thresholds in the admin: Bappeda (or an administrator) sets them, the Inspektorat only
reads them; a change is audited and the rule reads the new value."""

from decimal import Decimal

import pytest

from audit.flags.context import Context
from audit.models import FlagThreshold
from bangkit.models import AuditEvent, Role
from tests import factories

pytestmark = pytest.mark.django_db

ADD = "/admin/audit/flagthreshold/add/"
LIST = "/admin/audit/flagthreshold/"


def form(**fields):
    return {"year": 2026, "key": "shop.max_share_percent", "value": "40", "note": ""} | fields


def test_bappeda_sets_a_threshold_and_the_rules_read_it(client):
    client.force_login(factories.make_user(Role.BAPPEDA))
    assert Context().value("shop.max_share_percent", 2026) == Decimal(50)
    response = client.post(ADD, form())
    assert response.status_code == 302
    assert Context().value("shop.max_share_percent", 2026) == Decimal(40)
    assert Context().value("shop.max_share_percent", 2025) == Decimal(50)  # the default
    assert AuditEvent.objects.filter(action="flag_threshold_admin_add").exists()


def test_a_threshold_per_work_type_only_where_the_rule_has_one(client):
    client.force_login(factories.make_user(Role.BAPPEDA))
    work_type = factories.WorkTypeFactory()
    page = client.post(ADD, form(work_type=work_type.pk)).content.decode()
    assert "berlaku untuk semua jenis kegiatan" in page
    page = client.post(ADD, form(value="-1")).content.decode()
    assert "tidak boleh negatif" in page
    assert not FlagThreshold.objects.exists()
    response = client.post(
        ADD, form(key="work.min_person_days_per_unit", value="0.3", work_type=work_type.pk)
    )
    assert response.status_code == 302
    ctx = Context()
    assert ctx.value("work.min_person_days_per_unit", 2026, work_type.pk) == Decimal("0.3")
    assert ctx.value("work.min_person_days_per_unit", 2026, None) == Decimal("0.10")


def test_the_inspektorat_reads_the_thresholds_and_changes_nothing(client):
    FlagThreshold.objects.create(year=2026, key="shop.max_hhi", value=Decimal(4000))
    client.force_login(factories.make_user(Role.INSPEKTORAT))
    assert client.get(LIST).status_code == 200
    assert client.post(ADD, form()).status_code == 403
    assert FlagThreshold.objects.count() == 1
