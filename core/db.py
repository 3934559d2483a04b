"""Database helpers every app may use."""

from django.db import connection


def lock_timeout(seconds: float) -> None:
    """Inside a transaction on PostgreSQL: give up on a lock after this long (an error a task
    retries), instead of waiting behind another writer for as long as it holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
