"""Backups of the one SQLite file: online (SQLite's backup API, so the bot keeps running and
the copy is one consistent moment), kept for a number of days, and restored by the command
line with the bot stopped.

A backup holds what the database holds, less the opt-in links of anonymous holders: the WAL
is folded in first, the copy is written afresh by VACUUM INTO (every page rebuilt in key order,
so no page of a backup keeps the order in which its rows were written, and no free page keeps
an old row), and the opt-in links are then deleted from the copy.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

PREFIX = "rectify-"
SUFFIX = ".db"
KEEP_BEFORE_RESTORE = 3  # copies of the database a restore replaced, newest first


class BackupError(Exception):
    pass


def folder_for(database_path: Path, configured: Path | None) -> Path:
    return configured or database_path.parent / "backups"


def take(database_path: Path, folder: Path, moment: datetime, keep: int) -> Path:
    """Copy the database as it is now into `folder`, then drop all but the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{moment.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
    _copy_without_links(database_path, target)
    prune(folder, keep)
    return target


def _copy_without_links(database_path: Path, target: Path) -> None:
    """The database as it is now, rebuilt in key order and without the opt-in links, at
    `target`: how every copy is made, a backup or the database a restore replaces."""
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database_path, timeout=30)
    try:
        source.execute("pragma wal_checkpoint(truncate)")
        source.execute("vacuum into ?", [str(partial)])
    finally:
        source.close()
    _without_links(partial)
    partial.replace(target)  # a crash mid-copy leaves a .partial, never a truncated copy


def _without_links(copy: Path) -> None:
    """A backup keeps no opt-in link: the link is for notices, and a notice needs the running
    bot, not a copy kept for days."""
    connection = sqlite3.connect(copy)
    try:
        # The journal in memory: on disk, the deletion's journal held every page it changed as it
        # was (the links), beside the copy, and a crash left it there (a copy that fails midway is
        # thrown away, so there is nothing to roll back to).
        connection.execute("pragma journal_mode = memory")
        connection.execute("pragma secure_delete = on")
        has_links = connection.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'opinion_subscriptions'"
        ).fetchone()
        if has_links:  # a database from before the opt-in link has none to remove
            connection.execute("delete from opinion_subscriptions")
            connection.commit()
        connection.execute("vacuum")
    finally:
        connection.close()


def existing(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}")) if folder.exists() else []


def prune(folder: Path, keep: int) -> list[Path]:
    dropped = existing(folder)[:-keep] if keep > 0 else []
    for path in dropped:
        path.unlink()
    for partial in [*folder.glob(f"{PREFIX}*.partial"), *folder.glob(f"{PREFIX}*.partial-journal")]:
        partial.unlink()  # (a journal: what an older version's crash left beside its copy)
    return dropped


def check(path: Path) -> None:
    """A readable SQLite file of this bot that passes SQLite's own integrity check."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("pragma integrity_check").fetchone()[0]
            tables = {r[0] for r in connection.execute("select name from sqlite_master where type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} fails the integrity check: {verdict}")
    if not {"people", "problems", "opinions"} <= tables:
        raise BackupError(f"{path} is not a 整改通 database")


def before_restore_copies(database_path: Path) -> list[Path]:
    """The databases restores replaced, kept beside it, oldest first."""
    return sorted(database_path.parent.glob(f"{database_path.name}.before-restore-*"))


def restore(backup: Path, database_path: Path, moment: datetime) -> Path | None:
    """Put the backup in place of the database (the bot must be stopped). The database it
    replaces is kept beside it (the newest KEEP_BEFORE_RESTORE such copies are kept); returns
    where, or None when there was none."""
    check(backup)
    kept = None
    if database_path.exists():
        stamp = moment.strftime("%Y%m%d-%H%M%S")
        kept = database_path.with_name(f"{database_path.name}.before-restore-{stamp}")
        # made as a backup is: a copy as the file was kept the opt-in links (which the restored
        # database no longer has, so no holder could delete them) and the order rows were written
        _copy_without_links(database_path, kept)
        for old in before_restore_copies(database_path)[:-KEEP_BEFORE_RESTORE]:
            old.unlink()
    for leftover in (
        database_path.with_name(database_path.name + "-wal"),
        database_path.with_name(database_path.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    database_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(backup, database_path)
    return kept
