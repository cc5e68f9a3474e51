"""Reading and checking rows on a second core while the first writes to the database.

`checked_batches` yields lists of checked rows. With `parallel`, a forked child process reads
the records and validates them, handing finished batches to the parent through a bounded
queue (two batches in flight, so memory stays flat). The child touches no database: it
validates against the shipped country boundaries only. It leaves with `os._exit` (as every
forked multiprocessing child does), so it never closes the parent's database connection, and
a watchdog thread ends it at once if the parent dies, wherever it is blocked.
"""

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

_POLL_SECONDS = 1.0
_IN_FLIGHT = 2


def chunks(items: Iterable[Any], size: int, *, first: int | None = None) -> Iterator[list[Any]]:
    """Lists of `size` items (the first of `first` items, when given)."""
    iterator = iter(items)
    if first is not None and (chunk := list(islice(iterator, first))):
        yield chunk
    while chunk := list(islice(iterator, size)):
        yield chunk


def first_batch_size(size: int) -> int:
    """The first batch is a tenth of the others (at least 1,000 rows): the writer can do
    nothing until it comes, and reading and checking 10,000 GED rows takes about a second."""
    return min(size, max(1_000, size // 10))


def _put(channel: Any, message: tuple[str, Any], parent: int) -> bool:
    while True:
        try:
            channel.put(message, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            if os.getppid() != parent:
                return False  # the parent is gone: nobody will read


def _exit_with(parent: int) -> None:
    """End this process at once when the parent is gone. A killed parent leaves the child
    blocked where nothing returns: a put into a full queue, or flushing the queue's pipe at
    exit. Blocked there, it would keep the parent's database connection (inherited by the
    fork) open, and with it on PostgreSQL the killed batch's transaction and its locks."""
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(0)


def _child(
    channel: Any, records: Iterable[Any], size: int, check: Callable[[list[Any]], Any], parent: int
) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    try:
        for chunk in chunks(records, size, first=first_batch_size(size)):
            if not _put(channel, ("batch", check(chunk)), parent):
                return
        _put(channel, ("done", None), parent)
    except BaseException as exc:  # report anything to the parent, which re-raises
        _put(channel, ("error", f"{type(exc).__name__}: {exc}"), parent)


class ChildFailed(RuntimeError):
    pass


def checked_batches(
    records: Iterable[Any], size: int, check: Callable[[list[Any]], Any], *, parallel: bool
) -> Iterator[Any]:
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks(records, size, first=first_batch_size(size)):
            yield check(chunk)
        return
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=_IN_FLIGHT)
    child = context.Process(
        target=_child, args=(channel, records, size, check, os.getpid()), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    message = f"the reading process ended (exit code {child.exitcode})"
                    raise ChildFailed(message) from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise ChildFailed(payload)
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        channel.close()
