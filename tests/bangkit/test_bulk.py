"""bangkit.bulk.insert writes what bulk_create writes (COPY on PostgreSQL)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from bangkit import bulk
from bangkit.models import AuditEvent, Kelurahan, SlumArea
from demo.seeders import decade

pytestmark = pytest.mark.django_db


def _audit_rows(kecamatan_id):
    aware = datetime(2021, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    return [
        AuditEvent(
            created_at=aware,
            action="proposal_submit",
            object_id="12",
            summary="tab\there, line\nend, back\\slash, cr\r, \\N not null",
            data={"nested": {"list": [1, "two\t2", None]}, "quote": 'a "b"', "uni": "Rp 1.000 ✓"},
            kecamatan_id=kecamatan_id,
        ),
        AuditEvent(created_at=aware, action="x", summary="", data={}, kecamatan_id=None),
        # A naive time is made aware by the field (in the site's zone), as bulk_create does.
        AuditEvent(created_at=datetime(2021, 3, 4, 5, 6, 7), action="naive", data=[]),
    ]


def _slum_rows(kelurahan):
    return [
        SlumArea(kelurahan=kelurahan, hectares=Decimal("12.346"), decree_number="166/2016",
                 decree_year=2016, valid_from_year=None, valid_until_year=2020),
        SlumArea(kelurahan=kelurahan, hectares=Decimal(3), decree_number="a\\b",
                 decree_year=2017, valid_from_year=2018),
    ]  # fmt: skip


def _stored(model, ids):
    return [
        {k: v for k, v in row.items() if k != "id"}
        for row in model.objects.filter(pk__in=ids).order_by("pk").values()
    ]


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_rows_as_bulk_create_writes_them(regions):
    kelurahan = Kelurahan.objects.order_by("pk").first()
    for model, make in (
        (AuditEvent, lambda: _audit_rows(kelurahan.kecamatan_id)),
        (SlumArea, lambda: _slum_rows(kelurahan)),
    ):
        # The decade generator keeps the times it gives (auto_now_add off meanwhile).
        with decade.explicit_timestamps(model):
            copied = bulk.insert(model, make())
            created = model.objects.bulk_create(make())
        assert all(row.pk for row in copied)
        assert not any(row._state.adding for row in copied)
        assert _stored(model, [r.pk for r in copied]) == _stored(model, [r.pk for r in created])
    assert AuditEvent.objects.filter(created_at__year=2021).count() == 6
    assert {e.summary[:8] for e in AuditEvent.objects.filter(action="proposal_submit")} == {
        "tab\there"
    }
    assert AuditEvent.objects.filter(action="naive").count() == 2
    assert sorted(SlumArea.objects.values_list("hectares", flat=True)) == [
        3,
        3,
        *[Decimal("12.35")] * 2,
    ]


def test_ids_come_from_the_sequence(regions):
    kelurahan = Kelurahan.objects.order_by("pk").first()
    rows = bulk.insert(SlumArea, _slum_rows(kelurahan) + _slum_rows(kelurahan), batch_size=3)
    ids = [row.pk for row in rows]
    assert len(set(ids)) == 4 and SlumArea.objects.filter(pk__in=ids).count() == 4
    # The next ordinary insert takes the next free id.
    later = SlumArea.objects.create(
        kelurahan=kelurahan, hectares=1, decree_number="x", decree_year=2020
    )
    assert later.pk > max(ids)


def test_a_time_the_field_sets_itself(regions):
    before = timezone.now()
    (row,) = bulk.insert(AuditEvent, [AuditEvent(action="x", created_at=datetime(2021, 1, 1))])
    assert AuditEvent.objects.get(pk=row.pk).created_at >= before


def test_nothing_to_write():
    assert bulk.insert(SlumArea, []) == []


def test_sqlite_takes_bulk_create(regions, monkeypatch):
    calls = []
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr(
        SlumArea.objects, "bulk_create", lambda rows, batch_size: calls.append(len(rows))
    )
    bulk.insert(SlumArea, _slum_rows(Kelurahan.objects.first()))
    assert calls == [2]


def test_update_stores_one_field_of_each_row(regions):
    kelurahan = Kelurahan.objects.order_by("pk").first()
    rows = bulk.insert(SlumArea, _slum_rows(kelurahan) + _slum_rows(kelurahan))
    untouched = rows.pop()
    for position, row in enumerate(rows, start=1):
        row.hectares = Decimal(position) + Decimal("0.25")
        row.decree_number = "not stored"
    bulk.update(SlumArea, rows, "hectares")
    stored = dict(SlumArea.objects.values_list("pk", "hectares"))
    assert [stored[row.pk] for row in rows] == [Decimal("1.25"), Decimal("2.25"), Decimal("3.25")]
    assert stored[untouched.pk] == untouched.hectares
    assert not SlumArea.objects.filter(decree_number="not stored").exists()


def test_update_elsewhere_is_bulk_update(regions, monkeypatch):
    calls = []
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr(
        SlumArea.objects,
        "bulk_update",
        lambda rows, fields, batch_size: calls.append((len(rows), fields)),
    )
    rows = _slum_rows(Kelurahan.objects.first())
    bulk.update(SlumArea, rows, "hectares")
    bulk.update(SlumArea, [], "hectares")
    assert calls == [(2, ["hectares"])]
