"""django-import-export resources: the catalogue and reference prices for export from the admin.

Exports are escaped against formula injection by SafeModelResource and the formats of
bangkit.spreadsheets. Imports go through procurement.importing (the same rules as the
command), not through these.
"""

from import_export import fields

from bangkit.spreadsheets import SafeModelResource
from procurement.models import ReferencePrice


class ReferencePriceResource(SafeModelResource):
    year = fields.Field(attribute="fiscal_year__year", column_name="Tahun")
    material = fields.Field(attribute="material__name", column_name="Material")
    unit = fields.Field(attribute="material__unit", column_name="Satuan")
    category = fields.Field(attribute="material__category", column_name="Kategori")
    price = fields.Field(attribute="price", column_name="Harga (Rp)")
    source = fields.Field(attribute="source", column_name="Sumber")

    class Meta:
        model = ReferencePrice
        fields = ("year", "material", "unit", "category", "price", "source")
        export_order = fields
        import_id_fields = ()

    def get_queryset(self):
        return super().get_queryset().select_related("fiscal_year", "material")
