"""Self-check reports for the sweeper: on each reminder slot (working days), the authors of a
report that is overdue, or that was returned and not yet redone, are reminded once that day."""

from __future__ import annotations

from datetime import datetime

from telegram.ext import Application

import services
from callbacks import SELFCHECK_WRITE
from jobs import bad_rows, notices
from storage import people, self_checks
from storage.dates import is_working_day


def remind(app: Application, slot: datetime) -> int:
    db = services.of(app).db
    day = slot.date()
    if not is_working_day(day):
        return 0
    everyone = people.everyone(db)
    queued = 0
    for report in self_checks.to_write(db):
        if report.status == self_checks.REQUESTED and report.due_on >= day:
            continue
        key = "selfcheck.reminder_returned" if report.status == self_checks.RETURNED else "selfcheck.reminder"
        with bad_rows.skipped_if_bad(app, "self_checks", report.id):
            queued += notices.notify(app, [p for p in everyone if self_checks.is_author(report, p)], key,
                                     buttons=[[("selfcheck.btn.write", SELFCHECK_WRITE.data(report.id))]],
                                     dedup=f"selfcheck:{report.id}:{day.isoformat()}", id=report.id,
                                     subject=report.subject, due=report.due_on.isoformat())
    return queued
