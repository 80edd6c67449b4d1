"""SQLite reads its pages through memory-mapped I/O (``PRAGMA mmap_size``).

SQLite's own page cache is about 2 MB per connection, so a search that reads thousands of
listing rows (the facet counts of a common word: 15,000 rows spread over a 110 MB table at 100,000
listings) asks the operating system for most pages with one read() each. Mapped, SQLite reads
the pages the operating system already caches in place: about a fifth less CPU for such a search
page. ``SQLITE_MMAP_SIZE`` is how much of the file may be mapped (1 GiB by default; 0 turns it
off); it is address space, not memory. The trade-off SQLite documents: an I/O error on a mapped
page ends the process (SIGBUS) instead of failing the statement.
"""

import sqlalchemy as sa


def install(engine: sa.Engine, size: int) -> bool:
    """Map up to ``size`` bytes of ``engine``'s SQLite database file in each connection."""
    if engine.dialect.name != "sqlite" or size <= 0:
        return False
    if engine.url.database in (None, "", ":memory:"):
        return False

    @sa.event.listens_for(engine, "connect")
    def _map(dbapi_connection, _record) -> None:
        # Step the statement to its end and close the cursor here: under the gevent server the
        # statement runs in a pool thread, and a cursor left open could be reset later from the
        # loop's thread while another statement runs on this connection, stalling the loop on
        # SQLite's connection mutex (seen in tests/test_sqlite_threads.py).
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA mmap_size = {int(size)}")
            cursor.fetchall()
        finally:
            cursor.close()

    return True
