"""Each audit row keeps the kecamatan of its record; the rows written before are filled in."""

import django.db.models.deletion
from django.core.exceptions import FieldError
from django.db import migrations, models
from django.db.models import CharField, Subquery
from django.db.models.functions import Cast


def fill_kecamatan(apps, schema_editor):
    """Every audit row whose record (of a model with one kecamatan) still exists: the
    record's kecamatan now. A deleted record's rows stay without one (city-wide only)."""
    from django.apps import apps as live_apps

    from bangkit.scoping import area_path, path_may_repeat_rows

    AuditEvent = apps.get_model("bangkit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Kecamatan = apps.get_model("bangkit", "Kecamatan")
    kecamatan_ids = list(Kecamatan.objects.values_list("pk", flat=True))
    used = AuditEvent.objects.exclude(content_type=None).values("content_type").distinct()
    for content_type in ContentType.objects.filter(pk__in=used):
        try:
            live = live_apps.get_model(content_type.app_label, content_type.model)
            model = apps.get_model(content_type.app_label, content_type.model)
        except LookupError:
            continue
        path = area_path(live, "kecamatan")
        if path is None or path_may_repeat_rows(live, path):
            continue
        for kecamatan_id in kecamatan_ids:
            try:
                keys = (
                    model._base_manager.filter(**{path: kecamatan_id})
                    .annotate(_key=Cast("pk", CharField()))
                    .values("_key")
                )
            except FieldError:  # the path names a field this state of the model lacks
                break
            AuditEvent.objects.filter(
                content_type=content_type, kecamatan=None, object_id__in=Subquery(keys)
            ).update(kecamatan_id=kecamatan_id)


class Migration(migrations.Migration):
    dependencies = [
        ("bangkit", "0013_walikota_office_role"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="kecamatan",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="bangkit.kecamatan",
                verbose_name="kecamatan",
            ),
        ),
        migrations.RunPython(fill_kecamatan, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["kecamatan", "-created_at", "-id"], name="auditevent_kec_time"
            ),
        ),
    ]
