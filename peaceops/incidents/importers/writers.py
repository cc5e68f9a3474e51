"""Writing an import's batches on two database connections at once (PostgreSQL, ADR 0023).

A batch is one transaction. While PostgreSQL works through one batch's statements, the
process that sent them only waits; with a second connection it sends the next batch
meanwhile, so the client's work and the server's overlap. Batches were independent
transactions already: a killed import leaves whole batches behind (now possibly not the
first ones in file order), and running it again completes it. Results come back in the
order the batches were given, so counts and progress read as before.
"""

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import connection

T = TypeVar("T")

# Connections that write an import's batches at once on PostgreSQL (1: in the calling thread).
WRITE_CONNECTIONS = 2


def _on_own_connection(task: Callable[[], T]) -> T:
    try:
        return task()
    finally:
        connection.close()  # this thread's: Django gives each thread a connection of its own


class BatchWriters(Generic[T]):
    """Runs the tasks given to `submit`: in the calling thread, one after the other
    (`connections` = 1), or on that many threads at once, each on a connection of its own."""

    def __init__(self, connections: int) -> None:
        self._limit = connections
        self._pool = (
            ThreadPoolExecutor(max_workers=connections, thread_name_prefix="import-writer")
            if connections > 1
            else None
        )
        self._pending: deque[Future[T]] = deque()

    def submit(self, task: Callable[[], T]) -> list[T]:
        """Start `task`; return the results of the earlier tasks that have ended, oldest first
        (a task's exception is raised here). With every connection busy, waits for the oldest."""
        if self._pool is None:
            return [task()]
        done = []
        if len(self._pending) >= self._limit:
            done.append(self._pending.popleft().result())
        while self._pending and self._pending[0].done():
            done.append(self._pending.popleft().result())
        self._pending.append(self._pool.submit(_on_own_connection, task))
        return done

    def finish(self) -> list[T]:
        """Wait for every task started; their results, oldest first."""
        done = []
        while self._pending:
            done.append(self._pending.popleft().result())
        return done

    def close(self) -> None:
        """Let the tasks that are running end (whatever they raise) and stop the threads.
        After a failure: the run is marked failed only once no batch of it is still being
        written."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


class ProblemBudget:
    """How many more row problems a run may keep (engine.MAX_PROBLEMS in all), shared by
    the batches being written at once."""

    def __init__(self, total: int) -> None:
        self._left = total
        self._lock = threading.Lock()

    def take(self, wanted: int) -> int:
        """Up to `wanted` of what is left, taken."""
        with self._lock:
            granted = max(0, min(wanted, self._left))
            self._left -= granted
            return granted

    def give_back(self, count: int) -> None:
        """What a batch took and did not keep (its transaction was rolled back)."""
        with self._lock:
            self._left += count
