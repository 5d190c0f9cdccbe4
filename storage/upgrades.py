"""Safe upgrades: the migrations a new release brings run only after a backup, and a migration
that fails leaves the database as it was.

A migration is not always one transaction (Python's executescript commits before it runs), so
the database is not trusted to roll itself back. Before the first pending migration runs:
1. a backup is taken the ordinary way (storage/backups.py) into the backup folder: the copy to
   go back to if the new release must be rolled back later;
2. an exact snapshot is copied beside the database (`rectify.db.upgrading`), for the seconds
   the migrations run. Should one fail, the snapshot is copied back into the database, so
   nothing of a half-run migration remains; should the machine stop meanwhile, the next start
   finds the snapshot and copies it back before anything else. It is deleted when done.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from storage import backups

log = logging.getLogger(__name__)
SNAPSHOT_SUFFIX = ".upgrading"


class UpgradeFailed(Exception):
    """A migration failed; the message says what, that nothing changed, and how to go back."""


@dataclass(frozen=True)
class Step:
    name: str
    summary: str  # the migration's docstring, first line


@dataclass(frozen=True)
class Upgrade:
    ran: list[str]
    backup: Path | None  # None when nothing ran or the database was new


def _steps(pending) -> list[Step]:
    return [Step(m.name, (m.fn.__doc__ or "").strip().splitlines()[0] if m.fn.__doc__ else "")
            for m in pending]


def planned(database_path: Path) -> list[Step] | None:
    """The migrations a start would run, read without changing anything; None when there is
    no database yet (a first start runs them all)."""
    from storage.db import migrations

    if not database_path.exists():
        return None
    connection = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)
    try:
        return _steps(migrations.pending(sqlite_utils.Database(connection)))
    finally:
        connection.close()


def all_steps() -> list[Step]:
    from storage.db import migrations

    return _steps(migrations._migrations)


def snapshot_of(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + SNAPSHOT_SUFFIX)


def _copy(source: sqlite3.Connection, destination: sqlite3.Connection) -> None:
    """Every page of one database into another (SQLite's backup API: the destination becomes
    an exact copy, whatever it held, through its own journal)."""
    source.backup(destination, pages=4096)


def _put_back(db: sqlite_utils.Database, snapshot: Path) -> None:
    saved = sqlite3.connect(snapshot)
    try:
        _copy(saved, db.conn)
    finally:
        saved.close()


def recover(db: sqlite_utils.Database, database_path: Path) -> bool:
    """Put back the snapshot an upgrade left (the machine stopped while it ran); True if so."""
    snapshot = snapshot_of(database_path)
    if not snapshot.exists():
        return False
    _put_back(db, snapshot)
    snapshot.unlink()
    log.warning("an upgrade did not finish last time: the database was put back as it was before it")
    return True


def _is_new(db: sqlite_utils.Database, migrations) -> bool:
    return not migrations.applied(db) and not db.table_names()


def bring_up_to_date(db: sqlite_utils.Database, database_path: Path, backup_folder: Path,
                     moment: datetime) -> Upgrade:
    """Run the pending migrations safely (see the module's docstring)."""
    from storage.db import migrations

    recover(db, database_path)
    pending = migrations.pending(db)
    if not pending:
        return Upgrade([], None)
    names = [m.name for m in pending]
    if _is_new(db, migrations):
        migrations.apply(db)
        return Upgrade(names, None)
    backup = backups.take(database_path, backup_folder, moment, keep=0)  # keep=0: prune nothing
    log.info("backup before upgrading (%s): %s", ", ".join(names), backup)
    snapshot = snapshot_of(database_path)
    saved = sqlite3.connect(snapshot)
    try:
        _copy(db.conn, saved)
    finally:
        saved.close()
    try:
        migrations.apply(db)
    except Exception as error:
        if db.conn.in_transaction:
            db.conn.rollback()
        failed = migrations.pending(db)[0].name  # the one that raised was not recorded
        _put_back(db, snapshot)
        snapshot.unlink()
        raise UpgradeFailed(_failure(failed, error, database_path, backup)) from error
    snapshot.unlink()
    log.info("database upgraded: %s", ", ".join(names))
    return Upgrade(names, backup)


def _failure(name: str, error: Exception, database_path: Path, backup: Path) -> str:
    return (f"upgrade failed in migration {name}: {type(error).__name__}: {error}. "
            f"Nothing was changed: {database_path} is as it was before the upgrade. "
            f"To roll back, run the release you had before on it (the database is still in its "
            f"form); {backup} is a backup taken just before. To upgrade, fix the cause and "
            f"start this release again; `python bot.py migrate --dry-run` lists what would run.")
