"""Running requests at the same instant on real threads, each with its own connection."""

import threading

from django.db import connection
from rest_framework.test import APIClient


def connections_to_spare() -> int:
    """How many more connections the server takes now: the suites of other databases may
    share it, and max_connections is often 100 — one per thread would go over."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        return cursor.fetchone()[0] - 10  # room for superuser slots and whoever connects meanwhile


def race(workers, *, connections: int | None = None):
    """Run the callables at once: every thread starts and waits at the gate, then as many
    as the server has connections for (or `connections`) talk to the database at the same
    instant, the others as soon as one of them is done. (results, errors) in call order."""
    seats = threading.BoundedSemaphore(connections or max(8, min(len(workers), connections_to_spare())))
    go = threading.Event()
    results, errors = [None] * len(workers), []

    def run(index, work):
        go.wait()
        with seats:
            try:
                results[index] = work()
            except Exception as exc:  # noqa: BLE001 — collected and asserted on below
                errors.append(exc)
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors


def logged_in(member) -> APIClient:
    client = APIClient()
    client.force_login(member)
    return client
