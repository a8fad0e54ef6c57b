"""What every rule gets: the years to look at and the thresholds of each year (one query)."""

from __future__ import annotations

from decimal import Decimal

from audit.flags.registry import THRESHOLDS
from audit.models import FlagThreshold


class Context:
    """Thresholds of every year in memory; ``value(key, year)`` falls back to the default."""

    def __init__(self, years: list[int] | None = None):
        self.years = years
        self._rows: dict[tuple[str, int, int | None], Decimal] = {}
        for row in FlagThreshold.objects.values_list("key", "year", "work_type_id", "value"):
            key, year, work_type_id, value = row
            self._rows[(key, year, work_type_id)] = value

    def value(self, key: str, year: int | None, work_type_id: int | None = None) -> Decimal:
        if work_type_id is not None and (key, year, work_type_id) in self._rows:
            return self._rows[(key, year, work_type_id)]
        if (key, year, None) in self._rows:
            return self._rows[(key, year, None)]
        return THRESHOLDS[key].default

    def has_row(self, key: str, year: int | None) -> bool:
        return (key, year, None) in self._rows

    def in_years(self, queryset, path: str):
        """The queryset narrowed to the years asked for (all when none were)."""
        if self.years:
            return queryset.filter(**{f"{path}__in": self.years})
        return queryset
