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
