"""Opening the database: SQLite in WAL mode with a busy timeout, foreign keys, secure_delete,
and the schema brought up to date by the migrations in storage/migrations.py."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import sqlite_utils

from storage.migrations import migrations  # noqa: F401  (where they have always been imported from)

log = logging.getLogger(__name__)

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


_checkpointing: dict[Path, threading.Lock] = {}
_checkpointing_guard = threading.Lock()


def checkpointing(path: Path) -> threading.Lock:
    """The lock this process holds while it checkpoints the database at `path`. SQLite turns a
    second checkpoint away at once (SQLITE_BUSY, no busy handler), so the anonymous pool's cut
    of the WAL after a batch failed whenever the checkpointer's round was running, and the
    batch's commit stayed in the WAL until the sweeper's next try; with the lock it waits for
    the round instead."""
    with _checkpointing_guard:
        return _checkpointing.setdefault(path.resolve(), threading.Lock())


CHECKPOINT_SECONDS = 0.25  # how often the checkpointer folds what was committed into the file


class Checkpointer:
    """SQLite's checkpoints in a thread of their own, not inside the bot's commits.

    By default the commit that takes the WAL past 1,000 pages also copies them into the
    database file and waits for the file's fsync, on the event loop: at full size the 09:00
    pass writes hundreds of MB of WAL, so every few slices one commit held the loop for the
    copy and the disk. Here the bot's connection stops checkpointing (`wal_autocheckpoint =
    0`) and a thread runs a PASSIVE checkpoint every CHECKPOINT_SECONDS on a connection of its
    own: SQLite does the copy and the fsync with the interpreter's lock released, and a passive
    checkpoint never blocks the bot's writers (nor waits for them). Nothing changes in what is
    kept: what a checkpoint copies is committed already, and the anonymous pool still cuts the
    WAL itself after each batch (storage/anonymous_pool.py). A long reader holds checkpoints
    back exactly as before. An in-memory database has no WAL: nothing is started."""

    def __init__(self, db: sqlite_utils.Database, seconds: float = CHECKPOINT_SECONDS) -> None:
        self.db, self.seconds = db, seconds
        self.path = file_of(db)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # the file's (`checkpointing`), once started
        self.rounds = 0  # checkpoints that found a WAL

    def start(self) -> Checkpointer:
        if self.path is None or self._thread is not None:
            return self
        self._lock = checkpointing(self.path)
        self.db.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="checkpointer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (after its checkpoint in progress) and give the bot's connection its
        automatic checkpoints back (the last connection's close folds the WAL in anyway)."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join()
        self._thread = None
        with contextlib.suppress(sqlite3.Error):
            self.db.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=10)
        try:
            while not self._stopping.wait(self.seconds):
                try:
                    with self._lock:
                        _, logged, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:  # busy or locked now: the next round tries again
                    log.warning("checkpoint failed: %s", type(error).__name__)
                    continue
                self.rounds += bool(logged)
        finally:
            conn.close()


AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
