"""Reading many rows cheaply: tuples from a values_list queryset, with psycopg's compiled
loaders instead of Django's Python ones where that matters."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection


def fetch_rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset. On PostgreSQL they are read with psycopg's own
    (compiled) loaders: Django's loader for timestamps with a time zone is written in Python
    and costs more than the rest of a row. Timestamps come back in UTC, as Django's do."""
    if connection.vendor != "postgresql":
        return list(queryset)
    from psycopg.types.datetime import TimestamptzLoader

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list: no rows, and no query to send
        return []
    with connection.cursor() as cursor:
        # The loader goes on psycopg's cursor; the query still goes through Django's wrapper,
        # so it is counted and logged like any other.
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers ("{1,2,3}"), to send many ids as one parameter:
    written at C speed, where psycopg would dump a list element by element."""
    return "{" + ",".join(map(str, map(int, values))) + "}"
