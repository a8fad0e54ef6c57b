"""Reading the dashboard's filters as a request would give them."""

from django.test import RequestFactory

from dashboards.filters import read_filters


def filters_for(user, **params):
    """The filters for the query `params`; without a year, the test city's two years."""
    if not {"tahun", "dari", "sampai"} & set(params):
        params = {"dari": 2025, "sampai": 2026, **params}
    request = RequestFactory().get("/dasbor/", {k: str(v) for k, v in params.items()})
    request.user = user
    return read_filters(request, user)


def rows_of(table, *columns):
    """The table's rows as tuples of the named columns' values."""
    index = [table.headers.index(c) for c in columns]
    return [tuple(row[i].value for i in index) for row in table.rows]
