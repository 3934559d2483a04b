"""Health probes for /healthz: each runs in its own thread with a deadline, so a database or
broker that hangs (a stopped process, a cut network) makes the answer "timed out" within the
deadline instead of tying up the request until the front end kills it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection


def probe(checks: dict[str, Callable[[], None]], *, within: float) -> dict[str, str]:
    """Run every check at once; each is "ok", "unavailable" (it raised) or "timed out"."""
    results: dict[str, str] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure of a probe is the answer, not an error
            results[name] = "unavailable"
        finally:
            connection.close()  # this thread's own connection, if it made one

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in checks.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + within
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: results.get(name, "timed out") for name in checks}


def database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
