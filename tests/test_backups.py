"""Backups: taken online while another connection keeps writing, each one a consistent moment;
the newest N kept; a restore puts one back whole and keeps the database it replaced."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import bot
from jobs import backups as nightly_backup
from storage import backups, outbox
from storage.db import open_database

MOMENT = datetime(2026, 12, 1, 3, 0)


def _writer(db_path: Path, stop: threading.Event, written: list[int]) -> None:
    """Adds an outbox row and its twin audit row in one transaction, as fast as it can: a
    consistent copy has exactly as many of one as of the other."""
    db = open_database(db_path)
    department = db["departments"].insert({"name": "院办"}).last_pk
    person = (
        db["people"]
        .insert(
            {
                "roster_key": "w",
                "name": "写入者",
                "department_id": department,
                "roles": "staff",
                "reachable": 1,
                "active": 1,
            }
        )
        .last_pk
    )
    while not stop.is_set():
        with db.atomic():
            outbox.queue(db, person, f"row {len(written)}")
            db["audit"].insert({"at": "2026-12-01T03:00:00+00:00", "action": "test.twin", "subject": "x"})
        written.append(1)
    db.close()


def _counts(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        return (
            connection.execute("select count(*) from outbox").fetchone()[0],
            connection.execute("select count(*) from audit where action = 'test.twin'").fetchone()[0],
        )
    finally:
        connection.close()


def test_a_backup_taken_during_writes_restores_consistent(tmp_path):
    db_path = tmp_path / "rectify.db"
    open_database(db_path).close()
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(db_path, stop, written))
    writer.start()
    try:
        while len(written) < 200:
            pass
        taken = [
            backups.take(db_path, tmp_path / "backups", MOMENT + timedelta(seconds=n), keep=14)
            for n in range(3)
        ]
    finally:
        stop.set()
        writer.join()
    counts = [_counts(path) for path in taken]
    assert all(rows == twins and rows >= 200 for rows, twins in counts)
    assert counts[0][0] <= counts[1][0] <= counts[2][0] < len(written) + 1
    for path in taken:
        backups.check(path)

    kept = backups.restore(taken[1], db_path, MOMENT + timedelta(hours=1))
    assert _counts(db_path) == counts[1]
    assert _counts(kept)[0] == len(written)  # the replaced database, whole, beside it
    open_database(db_path).close()  # the restored file opens and migrates like any other


def test_only_the_newest_are_kept(tmp_path):
    db_path = tmp_path / "rectify.db"
    open_database(db_path).close()
    for n in range(16):
        backups.take(db_path, tmp_path / "backups", MOMENT + timedelta(days=n), keep=14)
    names = [p.name for p in backups.existing(tmp_path / "backups")]
    assert len(names) == 14 and names[0] == "rectify-20261203-030000.db"


def test_the_command_line_backs_up_and_refuses_a_broken_restore(tmp_path, monkeypatch, capsys):
    db_path = tmp_path / "rectify.db"
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "copies"))
    assert bot.main(["backup"]) == 0
    [copy] = backups.existing(tmp_path / "copies")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    before = db_path.read_bytes()
    assert bot.main(["restore", str(broken)]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert db_path.read_bytes() == before
    assert bot.main(["restore", str(copy)]) == 0


async def test_the_nightly_job_backs_up_while_the_bot_runs(running_bot, db_path):
    assert running_bot.app.job_queue.get_jobs_by_name("backup")
    await nightly_backup.back_up(running_bot.app)
    [copy] = backups.existing(db_path.parent / "backups")
    backups.check(copy)
