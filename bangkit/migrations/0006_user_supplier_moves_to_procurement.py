# A toko account's shop is kept by procurement's SupplierAccount: the core forgets it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('bangkit', '0005_budgetenvelope_moves_to_budgets'),
        # The shop links are copied to procurement's SupplierAccount before the field goes.
        ('procurement', '0002_supplier_accounts'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='user',
            name='user_role_matches_area',
        ),
        migrations.RemoveField(
            model_name='user',
            name='supplier',
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kecamatan__isnull', True), ('kelurahan__isnull', True), ('role', 'rt'), ('rt__isnull', False)), models.Q(('kecamatan__isnull', True), ('kelurahan__isnull', False), ('role', 'kelurahan'), ('rt__isnull', True)), models.Q(('kecamatan__isnull', False), ('kelurahan__isnull', True), ('role', 'kecamatan'), ('rt__isnull', True)), models.Q(('kecamatan__isnull', True), ('kelurahan__isnull', True), ('role__in', ['bappeda', 'inspektorat', 'admin', 'toko']), ('rt__isnull', True)), _connector='OR'), name='user_role_matches_area'),
        ),
    ]
