"""Two batches written at once, each on its own connection (importers/writers.py, ADR 0023):
results in order, failures raised and waited for; on PostgreSQL an import written that way
stores exactly what one written batch by batch stores, and a failed batch leaves whole
batches only, which a second run completes."""

import threading
import time

import pytest
from django.db import connection
from django.db.models import Count, Sum

from peaceops.incidents.importers import engine
from peaceops.incidents.importers.writers import BatchWriters, ProblemBudget
from peaceops.incidents.models import (
    Casualty,
    ImportRun,
    Incident,
    IncidentActor,
    IncidentDayCount,
    IncidentRevision,
    Source,
)
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged
from peaceops.testing.factories import MissionFactory

CAR_ROWS = 1_848
BATCH = 200


def test_tasks_run_two_at_once_and_their_results_come_back_in_order():
    writers = BatchWriters(2)
    both_running = threading.Barrier(2, timeout=10)
    threads = set()

    def task(number: int, delay: float):
        def run():
            threads.add(threading.get_ident())
            if number < 2:
                both_running.wait()  # the first two run at the same time, or this times out
            time.sleep(delay)
            return number

        return run

    results = []
    for number, delay in enumerate([0.2, 0.0, 0.1, 0.0, 0.0]):
        results += writers.submit(task(number, delay))
    results += writers.finish()
    writers.close()
    assert results == [0, 1, 2, 3, 4]
    assert len(threads) == 2
    assert threading.get_ident() not in threads


def test_one_connection_runs_each_task_at_once_in_the_calling_thread():
    writers = BatchWriters(1)
    assert writers.submit(threading.get_ident) == [threading.get_ident()]
    assert writers.finish() == []


def test_a_failed_task_is_raised_and_close_waits_for_the_one_still_running():
    writers = BatchWriters(2)
    ended = []

    def slow():
        time.sleep(0.3)
        ended.append("slow")

    def failing():
        raise RuntimeError("batch 2 failed")

    assert writers.submit(slow) == []
    assert writers.submit(failing) == []
    time.sleep(0.05)  # `failing` has ended; `slow` runs on
    with pytest.raises(RuntimeError, match="batch 2 failed"):
        writers.submit(lambda: None)  # waits for `slow`, then meets `failing`'s exception
    writers.close()
    assert ended == ["slow"]


def test_problem_budget_is_shared_and_given_back():
    budget = ProblemBudget(10)
    assert [budget.take(4), budget.take(4), budget.take(4)] == [4, 4, 2]
    budget.give_back(3)
    assert [budget.take(5), budget.take(1)] == [3, 0]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="batches are written on two connections at once on PostgreSQL only; "
    "SQLite's writers take turns",
)


@pytest.fixture
def writing_threads(monkeypatch) -> set[int]:
    """The threads that write batches during the test."""
    threads: set[int] = set()
    write_batch = engine._write_batch

    def spy(*args, **kwargs):
        threads.add(threading.get_ident())
        return write_batch(*args, **kwargs)

    monkeypatch.setattr(engine, "_write_batch", spy)
    return threads


def stored(mission) -> dict[str, object]:
    incidents = Incident.objects.filter(mission=mission)
    return {
        "incidents": incidents.count(),
        "contents": sorted(incidents.values_list("external_id", "content_hash")),
        "fatalities": incidents.aggregate(total=Sum("fatalities"))["total"],
        "casualties": Casualty.objects.filter(incident__mission=mission).count(),
        "sources": Source.objects.filter(incident__mission=mission).count(),
        "actor_links": IncidentActor.objects.filter(incident__mission=mission).count(),
        "revisions": IncidentRevision.objects.filter(incident__mission=mission).count(),
        "summary": IncidentDayCount.objects.filter(mission=mission).aggregate(
            incidents=Sum("incidents"), fatalities=Sum("fatalities")
        ),
    }


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_written_two_batches_at_once_the_import_stores_what_one_at_a_time_stores(
    writing_threads,
):
    serial_mission = MissionFactory(acronym="MINUSCA", host_countries=["CAF"])
    concurrent_mission = MissionFactory(acronym="OTHER", host_countries=["CAF"])
    import_ged(serial_mission, CAR_CSV, batch_size=BATCH)  # serial: parallel=False
    assert writing_threads == {threading.get_ident()}
    writing_threads.clear()
    run = import_ged(concurrent_mission, CAR_CSV, batch_size=BATCH, parallel=True)
    assert (run.rows_read, run.created, run.rejected) == (CAR_ROWS, CAR_ROWS, 0)
    assert len(writing_threads) == 2
    assert threading.get_ident() not in writing_threads

    serial, concurrent = stored(serial_mission), stored(concurrent_mission)
    assert concurrent == serial
    assert concurrent["incidents"] == concurrent["revisions"] == CAR_ROWS
    assert concurrent["summary"] == {
        "incidents": CAR_ROWS,
        "fatalities": concurrent["fatalities"],
    }
    stored_run = ImportRun.objects.get(pk=run.pk)
    assert (stored_run.status, stored_run.rows_read, stored_run.created) == (
        "completed",
        CAR_ROWS,
        CAR_ROWS,
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_leaves_whole_batches_and_a_second_run_completes(monkeypatch):
    mission = MissionFactory(acronym="MINUSCA", host_countries=["CAF"])
    calls = []
    write_batch = engine._write_batch

    def fail_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("the disk is full")
        return write_batch(*args, **kwargs)

    monkeypatch.setattr(engine, "_write_batch", fail_the_fourth)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_ged(mission, CAR_CSV, batch_size=BATCH, parallel=True)
    failed = ImportRun.objects.get()
    after_failure = stored(mission)
    assert failed.status == "failed"
    assert after_failure["incidents"] == failed.created  # the counters of committed batches
    assert after_failure["incidents"] % BATCH == 0  # whole batches only
    assert after_failure["incidents"] >= 3 * BATCH  # those before it were not lost
    assert after_failure["revisions"] == after_failure["summary"]["incidents"] == failed.created
    per_incident = Incident.objects.filter(mission=mission).annotate(n=Count("sources"))
    assert not per_incident.filter(n=0).exists()  # no incident without its sources

    monkeypatch.setattr(engine, "_write_batch", write_batch)
    again = import_ged(mission, CAR_CSV, batch_size=BATCH, parallel=True)
    assert (again.created, again.unchanged, again.rejected) == (
        CAR_ROWS - failed.created,
        failed.created,
        0,
    )
    assert stored(mission)["incidents"] == stored(mission)["revisions"] == CAR_ROWS


def test_inside_a_transaction_and_on_sqlite_the_calling_thread_writes(mission, writing_threads):
    # `mission` comes with the test's transaction: another connection could not see it.
    run = import_ged(mission, CAR_CSV, batch_size=BATCH, parallel=True)
    assert (run.created, run.rejected) == (CAR_ROWS, 0)
    assert writing_threads == {threading.get_ident()}
