"""How an import cuts its rows into batches (importers/pipeline.py): the first batch is
smaller, so that the writer starts sooner; both ways of reading cut them alike."""

from peaceops.incidents.importers.pipeline import checked_batches, chunks, first_batch_size


def test_first_batch_is_a_tenth_of_the_others_and_at_least_1000_rows():
    assert [first_batch_size(n) for n in (500, 1_000, 10_000, 50_000)] == [500, 1_000, 1_000, 5_000]


def test_chunks_cut_the_first_one_to_its_own_size():
    assert [len(c) for c in chunks(range(2_500), 1_000, first=100)] == [100, 1_000, 1_000, 400]
    assert [len(c) for c in chunks(range(2_500), 1_000)] == [1_000, 1_000, 500]
    assert [len(c) for c in chunks(range(50), 1_000, first=100)] == [50]
    assert list(chunks([], 1_000, first=100)) == []


def test_serial_and_parallel_reading_give_the_same_batches():
    def sizes(parallel: bool) -> list[int]:
        return [len(b) for b in checked_batches(range(25_000), 10_000, list, parallel=parallel)]

    assert sizes(False) == sizes(True) == [1_000, 10_000, 10_000, 4_000]
