"""The table of the shared cache (bangkit.cache.DatabaseCache), so `migrate` is enough.

The same table `manage.py createcachetable` would make; an existing one is left alone.
"""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "bangkit_cache"


def create_cache_table(apps, schema_editor):
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("bangkit", "0006_user_supplier_moves_to_procurement"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
