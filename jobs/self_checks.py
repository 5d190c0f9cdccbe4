"""Self-check reports for the sweeper: on each reminder slot (working days), the authors of a
report that is overdue, or that was returned and not yet redone, are reminded once that day."""

from __future__ import annotations

import collections
from collections.abc import Callable
from datetime import datetime

from telegram.ext import Application

import services
from callbacks import SELFCHECK_WRITE
from jobs import bad_rows, notices
from storage import people, self_checks
from storage.dates import is_working_day
from storage.people import HEAD, Person


def remind(app: Application, slot: datetime) -> int:
    db = services.of(app).db
    day = slot.date()
    if not is_working_day(day):
        return 0
    due = [r for r in self_checks.to_write(db) if not (r.status == self_checks.REQUESTED and r.due_on >= day)]
    if not due:  # the roster (10,000 people at full size) is read only when someone is reminded
        return 0
    authors = _authors(people.everyone(db))
    queued = 0
    for report in due:
        key = "selfcheck.reminder_returned" if report.status == self_checks.RETURNED else "selfcheck.reminder"
        with bad_rows.skipped_if_bad(app, "self_checks", report.id):
            queued += notices.notify(
                app,
                authors(report),
                key,
                buttons=[[("selfcheck.btn.write", SELFCHECK_WRITE.data(report.id))]],
                dedup=f"selfcheck:{report.id}:{day.isoformat()}",
                id=report.id,
                subject=report.subject,
                due=report.due_on.isoformat(),
            )
    return queued


def _authors(everyone: list[Person]) -> Callable[[self_checks.SelfCheck], list[Person]]:
    """self_checks.is_author, looked up: the person asked, or their department's heads (the
    roster walked once, not once per report)."""
    by_id = {p.id: p for p in everyone}
    heads: dict[int | None, list[Person]] = collections.defaultdict(list)
    for person in everyone:
        if HEAD in person.roles:
            heads[person.department_id].append(person)

    def of(report: self_checks.SelfCheck) -> list[Person]:
        if report.person_id is not None:
            return [by_id[report.person_id]] if report.person_id in by_id else []
        return list(heads[report.department_id])

    return of
