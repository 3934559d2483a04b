"""Running one call from several threads at once, as concurrent requests would."""

import threading

from django.db import connection


def at_once(call, *, times: int = 4) -> tuple[list, list[Exception]]:
    """Start `call` in `times` threads released together; returns (results, errors)."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # collected for the caller to assert
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
