"""Files on disk: the database, its WAL and the backups readable by the bot's account only; the
key kept outside the data directory (an old one moved there, never lost); old before-restore
copies pruned; and `python bot.py doctor` saying what needs attention."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

import bot
import cli
import config
from storage import backups, disk
from storage.db import open_database
from storage.keys import KeyPlacementError, load_keys


@pytest.fixture
def umask():
    """The test changes the process's umask the way the bot does at start; put it back."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _settings(tmp_path, **env) -> config.Settings:
    return config.load(
        env={
            "DATABASE_PATH": str(tmp_path / "data" / "rectify.db"),
            "SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
            **env,
        },
        dotenv=False,
    )


def test_database_wal_and_backups_are_private(tmp_path, umask):
    settings = _settings(tmp_path)
    db_path = settings.database_path
    open_database(db_path).close()
    assert _mode(db_path) & 0o044  # what an older version left (umask 022): readable by others
    bot._private_files(settings)
    db = open_database(db_path)
    db.execute("insert into departments (name) values ('门诊部')")
    db.conn.commit()
    folder = backups.folder_for(db_path, None)
    backup = backups.take(db_path, folder, datetime(2026, 11, 30, 3, 0), keep=3)
    for path in disk.database_files(db_path) + [backup]:
        assert _mode(path) == 0o600, path
    assert _mode(folder) == 0o700
    db.close()


def test_an_old_key_beside_the_database_is_moved_out_never_lost(tmp_path, umask):
    data, key_file = tmp_path / "data", tmp_path / "keys" / "secret.key"
    data.mkdir()
    (data / "secret.key").write_text("a" * 64)
    keys = load_keys(None, data / "rectify.db", key_file)
    assert keys.master == b"a" * 64 and key_file.read_text() == "a" * 64
    assert not (data / "secret.key").exists() and _mode(key_file) == 0o600
    assert load_keys(None, data / "rectify.db", key_file) == keys
    (data / "secret.key").write_text("b" * 64)  # a different old key: a person must choose
    with pytest.raises(KeyPlacementError):
        load_keys(None, data / "rectify.db", key_file)
    assert (data / "secret.key").read_text() == "b" * 64 and key_file.read_text() == "a" * 64


def test_old_before_restore_copies_are_pruned(tmp_path):
    db_path = tmp_path / "rectify.db"
    open_database(db_path).close()
    backup = backups.take(db_path, tmp_path / "backups", datetime(2026, 11, 30, 3, 0), keep=3)
    for minute in range(6):
        backups.restore(backup, db_path, datetime(2026, 11, 30, 4, minute))
    kept = backups.before_restore_copies(db_path)
    assert [p.name[-6:] for p in kept] == ["040300", "040400", "040500"]


def test_the_doctor_says_what_needs_attention(tmp_path, umask, capsys, holidays_known):
    settings = _settings(tmp_path)
    bot._private_files(settings)
    open_database(settings.database_path).close()
    load_keys(None, settings.database_path, settings.secret_key_file)
    args = cli.parser().parse_args(["backup"])
    assert cli.run(settings, args) == 0
    holidays_known(settings)
    assert cli.run(settings, cli.parser().parse_args(["doctor"])) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    for name in ("file modes", "key placement", "free disk", "integrity", "WAL size", "last backup"):
        assert f"ok        {name}" in out

    settings.database_path.chmod(0o644)
    inside = _settings(tmp_path, SECRET_KEY_FILE=str(tmp_path / "data" / "keys" / "secret.key"))
    assert cli.run(inside, cli.parser().parse_args(["doctor"])) == 1
    out = capsys.readouterr().out
    assert "ATTENTION file modes" in out and "rectify.db (-rw-r--r--)" in out
    assert "ATTENTION key placement" in out


def test_the_doctor_finds_an_old_backup(tmp_path, umask):
    settings = _settings(tmp_path)
    open_database(settings.database_path).close()
    folder = backups.folder_for(settings.database_path, None)
    backup = backups.take(settings.database_path, folder, datetime(2026, 11, 1, 3, 0), keep=3)
    old = (datetime.now(UTC) - timedelta(days=3)).timestamp()
    os.utime(backup, (old, old))
    finding = disk.check_last_backup(folder, datetime.now(UTC))
    assert not finding.ok and "72." in finding.detail
