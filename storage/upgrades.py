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

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from storage import backups

log = logging.getLogger(__name__)
SNAPSHOT_SUFFIX = ".upgrading"


class UpgradeFailed(Exception):
    """A migration failed; the message says what, that nothing changed, and how to go back."""

    def __init__(self, message: str, pending: list[str], backup: Path | None) -> None:
        super().__init__(message)
        self.pending, self.backup = pending, backup


@dataclass(frozen=True)
class Step:
    name: str
    summary: str  # the migration's docstring, first line


@dataclass(frozen=True)
class Upgrade:
    ran: list[str]
    backup: Path | None  # None when nothing ran or the database was new


def _steps(pending) -> list[Step]:
    return [
        Step(m.name, (m.fn.__doc__ or "").strip().splitlines()[0] if m.fn.__doc__ else "") for m in pending
    ]


def planned(database_path: Path) -> list[Step] | None:
    """The migrations a start would run, read without changing anything; None when there is
    no database yet (a first start runs them all)."""
    from storage.migrations import migrations

    if not database_path.exists():
        return None
    connection = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)
    try:
        return _steps(migrations.pending(sqlite_utils.Database(connection)))
    finally:
        connection.close()


def all_steps() -> list[Step]:
    from storage.migrations import migrations

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


def bring_up_to_date(
    db: sqlite_utils.Database, database_path: Path, backup_folder: Path, moment: datetime
) -> Upgrade:
    """Run the pending migrations safely (see the module's docstring)."""
    from storage.migrations import migrations

    recover(db, database_path)
    pending = migrations.pending(db)
    if not pending:
        failure_note(database_path).unlink(missing_ok=True)
        return Upgrade([], None)
    names = [m.name for m in pending]
    if _is_new(db, migrations):
        migrations.apply(db)
        return Upgrade(names, None)
    snapshot = snapshot_of(database_path)
    try:
        backup = _reusable_backup(database_path, names) or backups.take(
            database_path, backup_folder, _unused_second(backup_folder, moment), keep=0
        )  # 0: prune none
        log.info("backup before upgrading (%s): %s", ", ".join(names), backup)
        _take_snapshot(db, snapshot)
    except (OSError, sqlite3.Error) as error:  # no backup, no upgrade
        snapshot.unlink(missing_ok=True)
        raise UpgradeFailed(
            f"upgrade not started: the copies before it failed ({type(error).__name__}: {error}). "
            f"Nothing was changed: {database_path} is as it was. Make room in (or permission for) "
            f"{backup_folder} and the database's folder, or set BACKUP_DIR, and start again.",
            names,
            None,
        ) from error
    try:
        migrations.apply(db)
    except Exception as error:
        if db.conn.in_transaction:
            db.conn.rollback()
        failed = migrations.pending(db)[0].name  # the one that raised was not recorded
        _put_back(db, snapshot)
        snapshot.unlink()
        raise UpgradeFailed(_failure(failed, error, database_path, backup), names, backup) from error
    snapshot.unlink()
    failure_note(database_path).unlink(missing_ok=True)
    log.info("database upgraded: %s", ", ".join(names))
    return Upgrade(names, backup)


def _take_snapshot(db: sqlite_utils.Database, snapshot: Path) -> None:
    saved = sqlite3.connect(snapshot)
    try:
        _copy(db.conn, saved)
    finally:
        saved.close()


def _unused_second(folder: Path, moment: datetime) -> datetime:
    """A backup is named by its second: never overwrite one taken in the same second."""
    while (folder / f"{backups.PREFIX}{moment.strftime('%Y%m%d-%H%M%S')}{backups.SUFFIX}").exists():
        moment += timedelta(seconds=1)
    return moment


def failure_note(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".upgrade-failed")


def _fingerprint(database_path: Path) -> list[str]:
    """Changes whenever anything writes to the database (the file, or its WAL meanwhile). The
    content, not the size and time: a write within the file system's clock tick (a few
    milliseconds) left both as they were. Read only after a failed upgrade, so rarely."""
    found = []
    for path in (database_path, Path(f"{database_path}-wal")):
        if not path.exists() or path.stat().st_size == 0:  # an empty WAL holds no write either
            found.append("")
            continue
        with path.open("rb") as content:
            found.append(hashlib.file_digest(content, "sha256").hexdigest())
    return found


def remember_failure(database_path: Path, failed: UpgradeFailed) -> None:
    """Called with the database closed. A supervisor restarts a bot whose upgrade failed, again
    and again; each start would back up the same, unchanged database once more. The note lets
    the next start reuse the backup while nothing has written to the database since."""
    if failed.backup is None:
        return
    failure_note(database_path).write_text(
        json.dumps(
            {"pending": failed.pending, "backup": str(failed.backup), "database": _fingerprint(database_path)}
        )
    )


def _reusable_backup(database_path: Path, names: list[str]) -> Path | None:
    note = failure_note(database_path)
    try:
        said = json.loads(note.read_text())
    except (OSError, ValueError):
        return None
    backup = Path(said.get("backup", ""))
    unchanged = said.get("database") == _fingerprint(database_path)
    if said.get("pending") == names and unchanged and backup.is_file():
        log.info("the last upgrade failed on this same database: its backup %s is used again", backup)
        return backup
    note.unlink()
    return None


def _failure(name: str, error: Exception, database_path: Path, backup: Path) -> str:
    return (
        f"upgrade failed in migration {name}: {type(error).__name__}: {error}. "
        f"Nothing was changed: {database_path} is as it was before the upgrade. "
        f"To roll back, run the release you had before on it (the database is still in its "
        f"form); {backup} is a backup taken just before. To upgrade, fix the cause and "
        f"start this release again; `python bot.py migrate --dry-run` lists what would run."
    )
