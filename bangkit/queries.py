"""Figures of related rows as part of the same query: one helper for every list that totals."""

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def total_of(rows, aggregate, *, per: str, output_field, outer: str = "pk", empty=0):
    """For each row of the outer query, `aggregate` over the `rows` whose `per` is that row.

    A correlated subquery rather than a join, so that several totals over different tables do
    not multiply each other; `empty` (0) where there are no rows.
    """
    return Coalesce(
        Subquery(
            rows.filter(**{per: OuterRef(outer)})
            .order_by()
            .values(per)
            .annotate(total=aggregate)
            .values("total"),
            output_field=output_field,
        ),
        Value(empty),
        output_field=output_field,
    )


def sum_of(rows, expression, *, per: str, output_field, outer: str = "pk", empty=0):
    """The sum of `expression` over the related `rows` of each outer row (see total_of)."""
    return total_of(
        rows, Sum(expression), per=per, output_field=output_field, outer=outer, empty=empty
    )


def count_of(rows, *, per: str, outer: str = "pk", distinct: str | None = None):
    """How many of the related `rows` each outer row has, or how many different values of
    `distinct` among them (see total_of)."""
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    return total_of(rows, counted, per=per, output_field=IntegerField(), outer=outer)


def counts_by(rows, field: str) -> dict:
    """How many of ``rows`` have each value of ``field`` ({value: count}; a value no row has is
    absent), in one grouped query."""
    return dict(rows.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def counts_at_once(querysets: dict) -> dict[str, int]:
    """How many rows each queryset has, in one query (`SELECT (SELECT COUNT(*) …), …`), for
    figures shown on every page, such as the menu's counts. The querysets may be of different
    models, but must use the same database."""
    if not querysets:
        return {}
    parts, params, database = [], [], None
    for i, rows in enumerate(querysets.values()):
        database = database or rows.db
        sql, row_params = rows.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{i})")
        params.extend(row_params)
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: int(n) for name, n in zip(querysets, row, strict=True)}


# The big parts of a region row (its GeoJSON polygon and box): a list needs a region's name.
REGION_HEAVY_FIELDS = ("boundary", "bbox")


def boundaries_on(model, paths) -> list[str]:
    """The heavy fields of every region (kecamatan, kelurahan) reached by the
    ``select_related`` ``paths`` of ``model``, named for ``defer()``.

    Without it a list of 600 sites reads and parses 1,200 GeoJSON polygons it never shows.
    """
    from bangkit.models import RegionBoundary

    found = set()
    for path in paths:
        current, prefix = model, []
        for part in path.split("__"):
            try:
                current = current._meta.get_field(part).related_model
            except FieldDoesNotExist:
                break
            if current is None:
                break
            prefix.append(part)
            if issubclass(current, RegionBoundary):
                found.update("__".join([*prefix, name]) for name in REGION_HEAVY_FIELDS)
    return sorted(found)


def without_boundaries(queryset, *paths):
    """``queryset`` with the regions on ``paths`` read without their boundaries."""
    return queryset.defer(*boundaries_on(queryset.model, paths))
