"""What a new SQLite database file and every connection to it are set up with
(settings.DATABASES; ADR 0007 and 0018)."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = [
    pytest.mark.django_db,  # pytest-django blocks every connection without it, ours too
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite only: these are SQLite's own settings"
    ),
]


@pytest.fixture
def new_file_database(tmp_path):
    """A connection as the platform opens it, to a database file that does not exist yet."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "new.sqlite3")})
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _pragma(wrapper, name: str):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_a_new_database_has_pages_of_16_kib_and_a_write_ahead_log(new_file_database):
    with new_file_database.cursor() as cursor:
        cursor.execute("CREATE TABLE example (id integer PRIMARY KEY)")
    assert _pragma(new_file_database, "page_size") == 16384
    assert _pragma(new_file_database, "journal_mode") == "wal"


def test_connections_read_through_a_memory_map_and_sync_at_the_normal_level(new_file_database):
    assert _pragma(new_file_database, "mmap_size") == settings.SQLITE_MMAP_BYTES == 2_147_418_112
    assert _pragma(new_file_database, "synchronous") == 1  # NORMAL
    assert _pragma(new_file_database, "foreign_keys") == 1
