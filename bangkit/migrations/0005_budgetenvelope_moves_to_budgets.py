# The budget envelope moved to the budgets app; its table (bangkit_budgetenvelope) stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bangkit', '0004_user_supplier'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='BudgetEnvelope')],
            database_operations=[],
        ),
    ]
