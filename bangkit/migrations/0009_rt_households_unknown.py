"""RT.households may be unknown (NULL) instead of 0.

0 was the default: every RT the Musrenbang import created ("RT 850" in a kelurahan of 32 RTs)
got 0 households and so the lowest ceiling tier. No RT has no households, so an existing 0
means "never entered" and becomes NULL; such an RT takes no tier-based ceiling until its
households are entered.
"""

from django.db import migrations, models


def zero_to_unknown(apps, schema_editor):
    apps.get_model("bangkit", "RT").objects.filter(households=0).update(households=None)


def unknown_to_zero(apps, schema_editor):
    apps.get_model("bangkit", "RT").objects.filter(households__isnull=True).update(households=0)


class Migration(migrations.Migration):
    dependencies = [
        ("bangkit", "0008_fiscalyear_support_residency"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rt",
            name="households",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "Kosong bila belum diketahui: pagu per jumlah KK baru berlaku setelah diisi."
                ),
                null=True,
                verbose_name="jumlah KK",
            ),
        ),
        migrations.RunPython(zero_to_unknown, unknown_to_zero),
    ]
