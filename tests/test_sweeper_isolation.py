"""One bad row stops nothing: each sweeper task runs in its own transaction with its own
progress, and a row a task cannot handle is logged, skipped and reported to the office once,
while every other reminder still goes out."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from test_sweeps_at_scale import DAY, app_for, seed

from jobs import sweeper
from storage import reminders
from storage.clock import clock, iso

SHANGHAI = ZoneInfo("Asia/Shanghai")


def reminded(db) -> set[int]:
    return {
        int(r[0].split(":")[1])
        for r in db.execute("select dedup_key from outbox where dedup_key like 'reminder:%'")
    }


def office_notices(db, prefix: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "select o.text from outbox o join people p on p.id = o.person_id "
            "where p.name = '王芳' and o.dedup_key like ?",
            [f"{prefix}%"],
        )
    ]


async def sweep_at(app, hour: int, minute: int, second: int = 0) -> None:
    clock.freeze(datetime.combine(DAY, time(hour, minute, second), tzinfo=SHANGHAI))
    await sweeper.sweep_app(app)


async def test_a_corrupt_problem_is_skipped_and_reported_once_and_the_rest_are_reminded(db, db_path, caplog):
    seed(db, per_state=40)
    working = {
        r[0]
        for r in db.execute(
            "select id from problems where status in ('dispatched', 'in_progress', 'returned')"
        )
    }
    poisoned = min(working)
    db.execute("update problems set deadline = '2026-13-45' where id = ?", [poisoned])
    db.conn.commit()
    app = app_for(db, db_path)
    await sweep_at(app, 8, 59)
    await sweep_at(app, 9, 0, 30)
    assert reminded(db) == working - {poisoned}
    report = office_notices(db, "bad-row:")
    assert len(report) == 1 and f"problems #{poisoned}" in report[0]
    assert "2026-13-45" not in report[0]  # the row's content is not repeated
    assert f"skipped problems row {poisoned}" in caplog.text and "2026-13-45" not in caplog.text

    clock.freeze(datetime.combine(DAY + timedelta(days=1), time(9, 0, 30), tzinfo=SHANGHAI))
    await sweeper.sweep_app(app)  # the next day: still bad, still skipped, not reported again
    assert len(office_notices(db, "bad-row:")) == 1


async def test_a_task_that_fails_rolls_back_alone_and_the_reminders_still_go_out(db, db_path, caplog):
    seed(db, per_state=40)
    working = {
        r[0]
        for r in db.execute(
            "select id from problems where status in ('dispatched', 'in_progress', 'returned')"
        )
    }
    # A meeting whose start cannot be read, inside the window of the meeting reminders: the
    # meetings task fails as a whole when it reads it.
    start = datetime.combine(DAY, time(10, 0), tzinfo=SHANGHAI)
    db.execute(
        "insert into events (kind, title, starts_at, cancelled) values ('meeting', '专题民主生活会', ?, 0)",
        [iso(start)[:13] + "xx"],
    )
    db.conn.commit()
    app = app_for(db, db_path)
    await sweep_at(app, 8, 59)
    await sweep_at(app, 9, 0, 30)
    assert reminded(db) == working  # every reminder went out
    failed = office_notices(db, "task-failed:meetings:")
    assert len(failed) == 1 and "meetings" in failed[0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sweeper task meetings failed: ValueError" in logged and "02xx" not in logged
    # the failing task kept its old mark (it will try its window again); the others moved on
    assert reminders.last_sweep(db, "reminders") == clock.now()
    assert reminders.last_sweep(db, "meetings") < clock.now()
    await sweep_at(app, 9, 1, 30)
    assert len(office_notices(db, "task-failed:meetings:")) == 1  # told once a day
