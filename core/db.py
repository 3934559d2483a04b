"""Database helpers every app may use."""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet


def lock_timeout(seconds: float) -> None:
    """Inside a transaction on PostgreSQL: give up on a lock after this long (an error a task
    retries), instead of waiting behind another writer for as long as it holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")


class CompiledQuery:
    """A values() query compiled to SQL once per database, then run for one key at a time.

    For the query every request makes (who the viewer is): building and compiling its joins
    and subqueries costs the ORM about fifteen times what running it costs the database. Only
    the key changes between runs; the rows come back through the fields' own converters, as the
    ORM would return them."""

    # A key no row has: it marks where the key goes among the compiled parameters.
    _MARK = -7_340_017

    def __init__(self, make_queryset: Callable[[object], QuerySet]):
        self._make_queryset = make_queryset
        self._compiled: dict[str, tuple] = {}

    def first(self, key, using: str = DEFAULT_DB_ALIAS) -> dict | None:
        sql, params, slots, names, compiler, converters = self._compiled.get(using) or self._compile(using)
        params = [key if index in slots else value for index, value in enumerate(params)]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return dict(zip(names, row, strict=True))

    def _compile(self, using: str) -> tuple:
        query = self._make_queryset(self._MARK).query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = {index for index, value in enumerate(params) if value == self._MARK}
        if not slots:
            raise ValueError("the queryset must filter on the key it is given")
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = compiler.get_converters(
            [column for column, _, _ in compiler.select[: compiler.col_count]]
        )
        self._compiled[using] = compiled = (sql, tuple(params), slots, names, compiler, converters)
        return compiled
