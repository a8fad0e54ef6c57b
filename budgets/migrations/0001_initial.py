# The budget envelope, moved from the core app with its table: no data moves.

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep permissions and admin history: the content type follows the model."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='budgets', model='budgetenvelope').exists():
        ContentType.objects.filter(app_label='bangkit', model='budgetenvelope').update(
            app_label='budgets'
        )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='bangkit', model='budgetenvelope').exists():
        ContentType.objects.filter(app_label='budgets', model='budgetenvelope').update(
            app_label='bangkit'
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('bangkit', '0005_budgetenvelope_moves_to_budgets'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BudgetEnvelope',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.BigIntegerField(verbose_name='pagu anggaran (Rp)')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='keterangan')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('fiscal_year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='envelopes', to='bangkit.fiscalyear', verbose_name='tahun anggaran')),
                        ('kecamatan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='envelopes', to='bangkit.kecamatan', verbose_name='kecamatan')),
                        ('kelurahan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='envelopes', to='bangkit.kelurahan', verbose_name='kelurahan')),
                    ],
                    options={
                        'verbose_name': 'pagu anggaran',
                        'verbose_name_plural': 'pagu anggaran',
                        'db_table': 'bangkit_budgetenvelope',
                        'ordering': ['fiscal_year', 'kecamatan__code', 'kelurahan__code'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kelurahan__isnull', True)), fields=('fiscal_year', 'kecamatan'), name='envelope_one_per_kecamatan'), models.UniqueConstraint(condition=models.Q(('kelurahan__isnull', False)), fields=('fiscal_year', 'kelurahan'), name='envelope_one_per_kelurahan'), models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='envelope_amount_not_negative')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
