"""The sweeper's marks (storage/reminders.py) at city scale: an ordinary minute that queued
nothing keeps its marks in memory and writes the file only every MARKS_WRITTEN_EVERY; work, or
a reminder slot, is written at once; a file changed on disk is read again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from storage import reminders


def test_ordinary_minutes_are_written_every_few_minutes_and_work_at_once(db, db_path):
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    path = db_path.with_name(db_path.name + reminders.SWEEP_FILE_SUFFIX)
    reminders.record_sweep(db, start, "meetings")  # the first mark: written
    assert json.loads(path.read_text())["meetings"] == start.isoformat()
    written = path.stat().st_mtime_ns
    later = start + timedelta(minutes=1)
    reminders.record_sweep(db, later, "meetings", lasting=False)
    assert reminders.last_sweep(db, "meetings") == later  # known in memory
    assert path.stat().st_mtime_ns == written
    assert json.loads(path.read_text())["meetings"] == start.isoformat()
    reminders.record_sweep(db, later, "reminders", lasting=True)  # work: written, with the rest
    assert json.loads(path.read_text()) == {"meetings": later.isoformat(), "reminders": later.isoformat()}
    much_later = later + reminders.MARKS_WRITTEN_EVERY
    reminders.record_sweep(db, much_later - timedelta(minutes=1), "meetings", lasting=False)
    assert json.loads(path.read_text())["meetings"] == later.isoformat()
    reminders.record_sweep(db, much_later, "meetings", lasting=False)  # ten minutes since it was written
    assert json.loads(path.read_text())["meetings"] == much_later.isoformat()


def test_a_sweep_file_changed_on_disk_is_read_again(db, db_path):
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    path = db_path.with_name(db_path.name + reminders.SWEEP_FILE_SUFFIX)
    reminders.record_sweep(db, start, "meetings")
    assert reminders.last_sweep(db, "meetings") == start
    earlier = start - timedelta(days=2)  # a bot that was down: its file put back from elsewhere
    partial = path.with_name("other")
    partial.write_text(json.dumps({"meetings": earlier.isoformat()}))
    partial.replace(path)
    assert reminders.last_sweep(db, "meetings") == earlier


def test_digest_times_are_looked_up_before_the_roster(db):
    """The digests' task reads its readers only in a minute where someone's digest time falls:
    the default 08:30, or a time someone chose (not a time of someone who turned it off)."""
    from zoneinfo import ZoneInfo

    from storage import digests

    zone = ZoneInfo("Asia/Shanghai")

    def minute_to(hour: int, minute: int) -> tuple[datetime, datetime]:
        until = datetime(2026, 12, 1, hour, minute, tzinfo=zone)  # a Tuesday
        return until - timedelta(minutes=1), until

    assert digests.any_due_between(db, *minute_to(8, 30), zone)
    assert not digests.any_due_between(db, *minute_to(17, 0), zone)
    db.execute("insert into departments (name) values ('院办')")
    for n, name in ((1, "李娜"), (2, "王芳")):
        db.execute(
            "insert into people (roster_key, name, department_id, roles, active) "
            "values (?, ?, 1, 'leader', 1)",
            [f"k{n}", name],
        )
    digests.choose(db, 1, frequency=digests.WEEKLY, at=datetime(2026, 1, 1, 17, 0).time())
    digests.choose(db, 2, frequency=digests.OFF, at=datetime(2026, 1, 1, 18, 0).time())
    assert digests.any_due_between(db, *minute_to(17, 0), zone)
    assert not digests.any_due_between(db, *minute_to(18, 0), zone)
    saturday = datetime(2026, 12, 5, 8, 30, tzinfo=zone)
    assert not digests.any_due_between(db, saturday - timedelta(minutes=1), saturday, zone)
