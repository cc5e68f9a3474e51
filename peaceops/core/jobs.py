"""Background work: each app registers its jobs here; `peaceops worker` runs them.

A job is a function that does one unit of queued work (claims one import, delivers one
notification, runs the scheduled rule evaluation when it is due) and returns a short line
describing what it did, or None when it found nothing to do. Jobs claim their work in the
database with a conditional update, so several workers on the same PostgreSQL never do the
same unit twice, and a worker killed at any point leaves the work to be claimed again.

Apps register in their AppConfig.ready(); core never imports the apps (it sits below them).
"""

from collections.abc import Callable
from dataclasses import dataclass

JobFunction = Callable[[], str | None]


@dataclass(frozen=True)
class Job:
    name: str
    run_once: JobFunction


_JOBS: dict[str, Job] = {}


def register_job(name: str, run_once: JobFunction) -> None:
    """Register (or replace, for reloads) the job called `name`."""
    _JOBS[name] = Job(name=name, run_once=run_once)


def registered_jobs() -> list[Job]:
    return list(_JOBS.values())
