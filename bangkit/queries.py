"""Figures of related rows as part of the same query: one helper for every list that totals."""

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


def count_of(rows, *, per: str, outer: str = "pk"):
    """How many of the related `rows` each outer row has (see total_of)."""
    return total_of(rows, Count("pk"), per=per, output_field=IntegerField(), outer=outer)
