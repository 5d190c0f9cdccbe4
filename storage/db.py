"""Opening the database: SQLite in WAL mode with a busy timeout, foreign keys, secure_delete,
and the schema brought up to date by the migrations in storage/migrations.py."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import sqlite_utils

from storage.migrations import migrations  # noqa: F401  (where they have always been imported from)

CACHE_KIB = 32 * 1024


def open_database(path: Path | str, backup_folder: Path | None = None) -> sqlite_utils.Database:
    """The database, its schema brought up to date: pending migrations run only after a backup
    (into `backup_folder`, by default `backups/` beside the database), and a failing one
    raises upgrades.UpgradeFailed with the database left as it was (storage/upgrades.py)."""
    from storage import backups, upgrades

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA foreign_keys = ON")
    # Deleted rows (drafts, receipts links) must not linger in free pages of the file.
    db.execute("PRAGMA secure_delete = ON")
    # SQLite's default page cache is 2 MiB: at full size (a 450 MB file, and the 09:00 pass
    # adding 300,000 outbox rows to two indexes) the pages every insert and every person's
    # look-up needs were read again from the OS, on the event loop. 32 MiB at most, as used.
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.enable_wal()
    try:
        folder = backups.folder_for(path, backup_folder)
        upgrades.bring_up_to_date(db, path, folder, datetime.now().astimezone())
    except upgrades.UpgradeFailed as failed:
        db.close()
        upgrades.remember_failure(path, failed)
        raise
    return db


def file_of(db: sqlite_utils.Database) -> Path | None:
    """The file behind the connection; None for an in-memory database."""
    row = next((r for r in db.execute("pragma database_list") if r[1] == "main"), None)
    return Path(row[2]) if row and row[2] else None


@contextlib.contextmanager
def reader(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A read-only connection of its own to the same file, for long reads in a worker thread
    (exports, reports, digests): the bot's one connection stays on the event loop, where its
    write transactions are, and a thread never reads inside them. In WAL mode the reader sees
    the last commit and blocks no writer. An in-memory database has no file to open: its own
    connection is given back (and the caller's thread shares it, as before)."""
    path = file_of(db)
    if path is None:
        yield db
        return
    with reader_of(path) as reading:
        yield reading


@contextlib.contextmanager
def reader_of(path: Path) -> Iterator[sqlite_utils.Database]:
    """A read-only connection to the database file at `path` (`reader`'s, and the chart
    process's, which has no database of its own)."""
    conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, timeout=10, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA query_only = ON")
        yield sqlite_utils.Database(conn)
    finally:
        conn.close()
