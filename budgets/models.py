"""Budget envelopes: the programme money of a year per kecamatan, and kelurahan shares of it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangkit.history import history_records
from bangkit.models import FiscalYear, Kecamatan, Kelurahan
from bangkit.money import rupiah
from bangkit.scoping import ScopedQuerySet


class BudgetEnvelope(models.Model):
    """The programme money of a year for a kecamatan, or sub-allocated to one of its kelurahan.

    Committed, ordered and spent are never stored here: they are summed from the records
    (designated proposals, purchase orders, payments) by ``budgets.figures``.
    """

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="envelopes",
        verbose_name=_("tahun anggaran"),
    )
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="envelopes", verbose_name=_("kecamatan")
    )
    # Empty for the kecamatan's envelope; set for a kelurahan's share (the kelurahan is the KPA).
    kelurahan = models.ForeignKey(
        Kelurahan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="envelopes",
        verbose_name=_("kelurahan"),
    )
    amount = models.BigIntegerField(_("pagu anggaran (Rp)"))
    note = models.CharField(_("keterangan"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager(
        rt="kecamatan__kelurahan_set__rts",
        kelurahan="kecamatan__kelurahan_set",
        kecamatan="kecamatan",
    )
    # Its own table (budgets_historicalbudgetenvelope): the history follows the app.
    history = history_records()

    class Meta:
        # The table keeps the name it had when the model lived in the core.
        db_table = "bangkit_budgetenvelope"
        ordering = ["fiscal_year", "kecamatan__code", "kelurahan__code"]
        verbose_name = _("pagu anggaran")
        verbose_name_plural = _("pagu anggaran")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "kecamatan"],
                condition=Q(kelurahan__isnull=True),
                name="envelope_one_per_kecamatan",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "kelurahan"],
                condition=Q(kelurahan__isnull=False),
                name="envelope_one_per_kelurahan",
            ),
            models.CheckConstraint(name="envelope_amount_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self):
        area = self.kelurahan or self.kecamatan
        return f"{self.fiscal_year} {area}: {rupiah(self.amount)}"

    def clean(self):
        super().clean()
        if (
            self.kelurahan_id
            and self.kecamatan_id
            and self.kelurahan.kecamatan_id != self.kecamatan_id
        ):
            raise ValidationError({"kelurahan": _("Kelurahan tidak berada di kecamatan ini.")})
