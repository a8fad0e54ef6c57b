"""Summary rows of the closed fiscal years, so that every figure of the dashboard is a small
GROUP BY whatever the number of years (issue 12).

A closed year's records hardly change; its figures are read from one ``ProposalSummary`` row
per proposal, their sums per (year, kelurahan, work type) in ``CellSummary``, and one
``EntrySummary`` row per (year, kelurahan, work type) of Musrenbang entries, rebuilt by
``dashboards.summary.build_year`` (a background task, when the year
closes and when a record of it changes). The open years are read live. ``YearSummary`` says
which years have current rows: a year whose summary is missing or stale is read live too.

The proposal row keeps the names of the ``Proposal`` fields it copies (state, amounts,
kelurahan, work type, RT, fiscal year), so that the figures' lookups and expressions
(budgets' rule of commitment, the area paths) apply to both alike.
"""

from django.db import models

from bangkit.models import RT, FiscalYear, Kelurahan, WorkType
from bangkit.scoping import ScopedQuerySet
from proposals.models import Proposal


class SummaryQuerySet(ScopedQuerySet):
    scope_rt = "rt"
    scope_kelurahan = "kelurahan"
    scope_kecamatan = "kelurahan__kecamatan"


class KelurahanSummaryQuerySet(ScopedQuerySet):
    scope_kelurahan = "kelurahan"
    scope_kecamatan = "kelurahan__kecamatan"


class YearSummary(models.Model):
    """The summary rows of one closed year: built when, and whether a change made them stale."""

    fiscal_year = models.OneToOneField(
        FiscalYear, on_delete=models.CASCADE, related_name="+", verbose_name="tahun anggaran"
    )
    built_at = models.DateTimeField("dibangun", auto_now=True)
    stale = models.BooleanField("perlu dibangun ulang", default=False)
    # When a change last made the rows stale: a build that started before it stays stale.
    stale_since = models.DateTimeField("usang sejak", null=True, blank=True)
    proposals = models.PositiveIntegerField("usulan", default=0)
    entries = models.PositiveIntegerField("usulan Musrenbang", default=0)

    class Meta:
        verbose_name = "ringkasan dasbor tahun"
        verbose_name_plural = "ringkasan dasbor tahun"

    def __str__(self):
        return f"Ringkasan {self.fiscal_year_id}"


class ProposalSummary(models.Model):
    """One proposal of a closed year, with everything the dashboard sums or counts of it."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="+")
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.CASCADE, related_name="+")
    work_type = models.ForeignKey(WorkType, on_delete=models.CASCADE, related_name="+")
    rt = models.ForeignKey(RT, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=30)
    # The stages of the funnel it reached (dashboards.figures.FUNNEL).
    reached_diajukan = models.BooleanField(default=False)
    reached_verifikasi_kelurahan = models.BooleanField(default=False)
    reached_verifikasi_kecamatan = models.BooleanField(default=False)
    reached_ditetapkan = models.BooleanField(default=False)
    reached_selesai = models.BooleanField(default=False)
    # Money, as on the proposal; ``committed`` is budgets' rule of commitment of it.
    designated_budget = models.BigIntegerField(null=True)
    ordered_amount = models.BigIntegerField(default=0)
    delivered_amount = models.BigIntegerField(default=0)
    paid_amount = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    binding = models.BooleanField(default=False)
    # What a contractor's estimate counts as the city's materials (dashboards.figures).
    savings_materials = models.BigIntegerField(null=True)
    # People and output.
    participants = models.IntegerField(null=True)
    households_benefiting = models.PositiveIntegerField(default=0)
    people_benefiting = models.PositiveIntegerField(default=0)
    planned_volume = models.DecimalField(max_digits=10, decimal_places=2)
    realised_volume = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    work_days = models.PositiveIntegerField(default=0)
    attendance = models.PositiveIntegerField(default=0)
    women = models.PositiveIntegerField(default=0)
    person_hours = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    # The community's contributions by kind (reporting.SwadayaContribution.Kind).
    contributions = models.PositiveIntegerField(default=0)
    contrib_cash = models.BigIntegerField(default=0)
    contrib_materials = models.BigIntegerField(default=0)
    contrib_labour = models.BigIntegerField(default=0)
    contrib_food = models.BigIntegerField(default=0)
    contrib_equipment = models.BigIntegerField(default=0)
    # The first time of each logged step the time per stage measures.
    t_submit = models.DateTimeField(null=True)
    t_verify_kelurahan = models.DateTimeField(null=True)
    t_verify_kecamatan = models.DateTimeField(null=True)
    t_designate = models.DateTimeField(null=True)
    t_receive_materials = models.DateTimeField(null=True)
    t_accept_report = models.DateTimeField(null=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "ringkasan usulan"
        verbose_name_plural = "ringkasan usulan"
        indexes = [models.Index(fields=["fiscal_year", "kelurahan"], name="dash_psum_year_kel")]

    def __str__(self):
        return f"Ringkasan usulan {self.proposal_id}"


class CellSummary(models.Model):
    """The closed year's proposal rows of one kelurahan added up, for one work type or for
    all of them (``work_type`` None): every sum and count the dashboard's sections share
    (``dashboards.figures.CELL_FIGURES``), each with its own condition. A ten-year page
    then reads about 700 of these instead of grouping 15,000 proposal rows; the figures
    that do not add up across proposals (distinct RTs, medians, sites inside slum areas)
    still read the proposal rows. A sum over no proposal is None, as SQL's SUM gives it."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="+")
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.CASCADE, related_name="+")
    work_type = models.ForeignKey(WorkType, null=True, on_delete=models.CASCADE, related_name="+")
    # The Musrenbang entries (counted once, as EntrySummary counts them): a cell may have
    # entries and no proposal, its sums then None and its counts 0.
    entries = models.PositiveIntegerField(default=0)
    # Proposals, and those that reached each stage of the funnel.
    n = models.PositiveIntegerField()
    r_diajukan = models.PositiveIntegerField()
    r_verifikasi_kelurahan = models.PositiveIntegerField()
    r_verifikasi_kecamatan = models.PositiveIntegerField()
    r_ditetapkan = models.PositiveIntegerField()
    r_selesai = models.PositiveIntegerField()
    # b_: those that bind the envelope (budgets' rule of commitment).
    b_n = models.PositiveIntegerField()
    b_committed = models.BigIntegerField(null=True)
    b_ordered = models.BigIntegerField(null=True)
    b_delivered = models.BigIntegerField(null=True)
    b_paid = models.BigIntegerField(null=True)
    paid = models.BigIntegerField(null=True)
    # f_: the funded ones.
    f_n = models.PositiveIntegerField()
    f_participants = models.BigIntegerField(null=True)
    f_households = models.BigIntegerField(null=True)
    f_people = models.BigIntegerField(null=True)
    # The ids of their RTs: how many RTs (an RT lies in one kelurahan, so they add up across
    # kelurahan), and those funded in several years of a range.
    f_rt_ids = models.JSONField(default=list)
    f_planned = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    # fd_: the funded ones completed (output, planned against realised).
    fd_n = models.PositiveIntegerField()
    fd_planned = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    fd_realised = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    # w_: those with work days.
    w_n = models.PositiveIntegerField()
    w_attendance = models.BigIntegerField(null=True)
    w_women = models.BigIntegerField(null=True)
    w_hours = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    # d_: the completed ones (the savings estimate).
    d_n = models.PositiveIntegerField()
    d_materials = models.BigIntegerField(null=True)
    d_person_hours = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    d_contrib_materials = models.BigIntegerField(null=True)
    d_contrib_labour = models.BigIntegerField(null=True)
    d_contrib_equipment = models.BigIntegerField(null=True)
    # c_: those the community contributed to, by kind.
    c_n = models.PositiveIntegerField()
    c_contrib_cash = models.BigIntegerField(null=True)
    c_contrib_materials = models.BigIntegerField(null=True)
    c_contrib_labour = models.BigIntegerField(null=True)
    c_contrib_food = models.BigIntegerField(null=True)
    c_contrib_equipment = models.BigIntegerField(null=True)
    # Every proposal's person-hours and work days.
    hours = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    wd = models.BigIntegerField(null=True)

    objects = KelurahanSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "ringkasan kelurahan"
        verbose_name_plural = "ringkasan kelurahan"
        indexes = [
            models.Index(fields=["fiscal_year", "work_type", "kelurahan"], name="dash_csum_cell")
        ]

    def __str__(self):
        return f"{self.fiscal_year_id} {self.kelurahan_id} {self.work_type_id}: {self.n}"


class EntrySummary(models.Model):
    """The Musrenbang entries of a closed year counted once (a carried chain at its last
    year), per kelurahan and work type."""

    year = models.PositiveSmallIntegerField()
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.CASCADE, related_name="+")
    work_type = models.ForeignKey(WorkType, null=True, on_delete=models.CASCADE, related_name="+")
    entries = models.PositiveIntegerField(default=0)

    objects = KelurahanSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "ringkasan usulan Musrenbang"
        verbose_name_plural = "ringkasan usulan Musrenbang"
        indexes = [models.Index(fields=["year", "kelurahan"], name="dash_esum_year_kel")]

    def __str__(self):
        return f"{self.year} {self.kelurahan_id} {self.work_type_id}: {self.entries}"


class StageSummary(models.Model):
    """The time per stage of a closed year for every cell a filter can name: the whole city,
    a kecamatan or a kelurahan (None: all), each with one work type or all (None). Medians
    and percentiles do not add up across areas, so they are kept per cell."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="+")
    kecamatan = models.ForeignKey(
        "bangkit.Kecamatan", null=True, on_delete=models.CASCADE, related_name="+"
    )
    kelurahan = models.ForeignKey(Kelurahan, null=True, on_delete=models.CASCADE, related_name="+")
    work_type = models.ForeignKey(WorkType, null=True, on_delete=models.CASCADE, related_name="+")
    stage = models.PositiveSmallIntegerField()  # index in dashboards.figures.TIME_STAGES
    n = models.PositiveIntegerField()
    median = models.FloatField()
    p90 = models.FloatField()

    class Meta:
        verbose_name = "ringkasan waktu per tahap"
        verbose_name_plural = "ringkasan waktu per tahap"
        indexes = [models.Index(fields=["fiscal_year", "kelurahan", "kecamatan", "work_type"])]

    def __str__(self):
        return f"{self.fiscal_year_id} {self.stage}: {self.n}"
