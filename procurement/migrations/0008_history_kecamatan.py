"""Each history row of a record with an area keeps its kecamatan (a camat's trail is one
index range per table; the rows written before are filled in from their records' parents),
and the rare deletions are indexed by time (the trail's "deletions only"):
bangkit.history.history_area_operations."""

from django.db import migrations

from bangkit.history import history_area_operations


class Migration(migrations.Migration):
    dependencies = [('bangkit', '0014_audit_event_kecamatan'), ('procurement', '0007_list_order_indexes')]

    operations = history_area_operations("procurement", ['supplier', 'purchaseorder', 'purchaseorderline', 'delivery', 'deliveryline', 'payment'])
