"""The bot's files on disk: readable by its own account only, and a check of everything an
operator should know about them (`python bot.py doctor`).

The database, its WAL and the backups hold everything but the key; the key file links sealed
notification links and receipts to their opinions. Group- or world-readable, any local account
could copy them; so the bot runs with umask 077 and tightens what an older version left open.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from storage import backups
from storage.keys import default_key_file, legacy_key_file

PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
MIN_FREE_BYTES = 500 * 1024 * 1024
WAL_WARN_BYTES = 200 * 1024 * 1024
BACKUP_MAX_AGE = timedelta(hours=26)  # nightly, with an hour or two of slack


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


def database_files(database_path: Path) -> list[Path]:
    return [database_path, *(database_path.with_name(database_path.name + s) for s in ("-wal", "-shm"))]


def private(database_path: Path, backup_folder: Path, key_file: Path | None) -> None:
    """Files from now on readable by this account only, and those already there tightened."""
    os.umask(0o077)
    for path in [*database_files(database_path), key_file or default_key_file()]:
        if path.exists():
            path.chmod(PRIVATE_FILE)
    if backup_folder.exists():
        backup_folder.chmod(PRIVATE_FOLDER)
        for path in backup_folder.iterdir():
            if path.is_file():
                path.chmod(PRIVATE_FILE)
    for kept in backups.before_restore_copies(database_path):
        kept.chmod(PRIVATE_FILE)


def _open_to_others(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def check_modes(database_path: Path, backup_folder: Path, key_file: Path | None) -> Finding:
    paths = [p for p in database_files(database_path) if p.exists()]
    paths += [backup_folder, *backup_folder.iterdir()] if backup_folder.exists() else []
    paths += backups.before_restore_copies(database_path)
    paths += [key_file] if key_file and key_file.exists() else []
    loose = [f"{p} ({stat.filemode(p.stat().st_mode)})" for p in paths if _open_to_others(p)]
    if loose:
        return Finding(
            "file modes",
            False,
            "readable by others: "
            + ", ".join(loose)
            + "; the bot tightens them at start, or chmod 600 (folders 700)",
        )
    return Finding("file modes", True, f"{len(paths)} files and folders readable by this account only")


def check_key(database_path: Path, backup_folder: Path, key_file: Path | None, from_env: bool) -> Finding:
    legacy = legacy_key_file(database_path)
    if from_env:
        extra = f"; a leftover {legacy} should go" if legacy.exists() else ""
        return Finding("key placement", not legacy.exists(), "SECRET_KEY from the environment" + extra)
    key_file = (key_file or default_key_file()).resolve()
    inside = [
        folder
        for folder in (database_path.parent.resolve(), backup_folder.resolve())
        if key_file.is_relative_to(folder)
    ]
    if inside:
        return Finding(
            "key placement",
            False,
            f"{key_file} is inside {inside[0]}, with the data it "
            "protects; set SECRET_KEY_FILE outside it (the bot moves the key at start)",
        )
    if legacy.exists():
        return Finding(
            "key placement",
            False,
            f"an old key {legacy} is still beside the database; start the bot once to move it",
        )
    if not key_file.exists():
        return Finding("key placement", False, f"no key at {key_file} yet (made at first start)")
    return Finding("key placement", True, f"{key_file}, outside the data directory")


def check_free_space(database_path: Path) -> Finding:
    free = shutil.disk_usage(database_path.parent).free
    size = sum(p.stat().st_size for p in database_files(database_path) if p.exists())
    needed = max(MIN_FREE_BYTES, 2 * size)  # room for a backup and the WAL to grow
    return Finding(
        "free disk",
        free >= needed,
        f"{free / 2**30:.1f} GiB free beside the database (wants {needed / 2**30:.1f} GiB)",
    )


def check_integrity(database_path: Path) -> Finding:
    try:
        backups.check(database_path)
    except backups.BackupError as error:
        return Finding("integrity", False, str(error))
    return Finding("integrity", True, "pragma integrity_check: ok")


def check_wal(database_path: Path) -> Finding:
    wal = database_files(database_path)[1]
    size = wal.stat().st_size if wal.exists() else 0
    return Finding(
        "WAL size",
        size <= WAL_WARN_BYTES,
        f"{size / 2**20:.1f} MiB"
        + ("" if size <= WAL_WARN_BYTES else "; checkpoints are not keeping up (a long reader?)"),
    )


def check_last_backup(backup_folder: Path, now: datetime) -> Finding:
    found = backups.existing(backup_folder)
    if not found:
        return Finding("last backup", False, f"no backup in {backup_folder}")
    newest = found[-1]
    age = now - datetime.fromtimestamp(newest.stat().st_mtime, now.tzinfo)
    return Finding(
        "last backup", age <= BACKUP_MAX_AGE, f"{newest.name}, {age.total_seconds() / 3600:.1f} h old"
    )


def doctor(
    database_path: Path, backup_folder: Path, key_file: Path | None, key_from_env: bool, now: datetime
) -> list[Finding]:
    if not database_path.exists():
        return [Finding("database", False, f"{database_path} does not exist")]
    try:
        return [
            check_modes(database_path, backup_folder, key_file),
            check_key(database_path, backup_folder, key_file, key_from_env),
            check_free_space(database_path),
            check_integrity(database_path),
            check_wal(database_path),
            check_last_backup(backup_folder, now),
        ]
    except (OSError, sqlite3.Error) as error:
        return [Finding("files", False, f"cannot read: {error}")]
