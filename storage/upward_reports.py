"""专题书面报告: reports upward. The supervising body asks every institution for a written report
by a date; an institution's office submits one (today's summary report, or a document of its
own), the body accepts it or returns it to be done again, and sees who is late. Kept in the
body's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlite_utils

from storage import audit
from storage.clock import clock, iso

SUBMITTED, ACCEPTED, RETURNED = "submitted", "accepted", "returned"
MAX_TITLE = 100


@dataclass(frozen=True)
class Request:
    id: int
    title: str
    due_on: date
    requested_by: int | None


class ReportError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _request(row: dict) -> Request:
    return Request(row["id"], row["title"], date.fromisoformat(row["due_on"]), row["requested_by"])


def ask(db: sqlite_utils.Database, title: str, due_on: date, by: int | None) -> Request:
    title = " ".join(title.split())
    if not title:
        raise ReportError("no_title")
    if len(title) > MAX_TITLE:  # refused, never cut
        raise ReportError("too_long")
    with db.atomic():
        request_id = db.execute(
            "insert into report_requests (title, due_on, requested_by, requested_at) values (?, ?, ?, ?)",
            [title, due_on.isoformat(), by, iso(clock.now())]).lastrowid
        audit.record(db, "report.ask", f"report:{request_id}", by)
    assert request_id is not None
    found = get(db, request_id)
    assert found is not None
    return found


def get(db: sqlite_utils.Database, request_id: int) -> Request | None:
    rows = list(db.query("select * from report_requests where id = ?", [request_id]))
    return _request(rows[0]) if rows else None


def recent(db: sqlite_utils.Database, limit: int = 10) -> list[Request]:
    """The latest requests, newest first (a page: /reports shows these)."""
    return [_request(r) for r in db.query("select * from report_requests order by id desc limit ?", [limit])]


def status_of(db: sqlite_utils.Database, request_id: int, institution_id: int) -> str | None:
    row = db.execute("select status from report_submissions where request_id = ? and institution_id = ?",
                     [request_id, institution_id]).fetchone()
    return row[0] if row else None


def statuses(db: sqlite_utils.Database, request_id: int) -> dict[int, str]:
    return dict(db.execute("select institution_id, status from report_submissions where request_id = ?",
                           [request_id]).fetchall())


def submit(db: sqlite_utils.Database, request_id: int, institution_id: int, document: bytes,
           file_name: str) -> None:
    """An institution's report, new or in place of one returned; an accepted one stays."""
    with db.atomic():
        if get(db, request_id) is None:
            raise ReportError("not_found")
        if status_of(db, request_id, institution_id) == ACCEPTED:
            raise ReportError("accepted")
        db.execute("insert or replace into report_submissions (request_id, institution_id, status, document, "
                   "file_name, submitted_at) values (?, ?, ?, ?, ?, ?)",
                   [request_id, institution_id, SUBMITTED, document, file_name, iso(clock.now())])
        audit.record(db, "report.submit", f"report:{request_id}", None, institution=institution_id)


def document(db: sqlite_utils.Database, request_id: int, institution_id: int) -> tuple[bytes, str] | None:
    row = db.execute("select document, file_name from report_submissions where request_id = ? and "
                     "institution_id = ?", [request_id, institution_id]).fetchone()
    return (row[0], row[1]) if row else None


def decide(db: sqlite_utils.Database, request_id: int, institution_id: int, accepted: bool,
           by: int | None) -> bool:
    """Accept or return a submitted report; False when it was not waiting for a decision."""
    with db.atomic():
        changed = db.execute(
            "update report_submissions set status = ?, decided_at = ? where request_id = ? and "
            "institution_id = ? and status = ?",
            [ACCEPTED if accepted else RETURNED, iso(clock.now()), request_id, institution_id,
             SUBMITTED]).rowcount
        if changed:
            audit.record(db, "report.accept" if accepted else "report.return", f"report:{request_id}", by,
                         institution=institution_id)
    return bool(changed)


def late(db: sqlite_utils.Database, request: Request, institution_ids: list[int], today: date) -> list[int]:
    """The institutions past the date with no report waiting or accepted (a returned one is due
    again)."""
    if today <= request.due_on:
        return []
    done = {i for i, s in statuses(db, request.id).items() if s in (SUBMITTED, ACCEPTED)}
    return [i for i in institution_ids if i not in done]


def open_requests(db: sqlite_utils.Database, today: date, within_days: int = 30) -> list[Request]:
    """Requests due from a month ago on: what the sweeper still reminds about."""
    since = date.fromordinal(today.toordinal() - within_days).isoformat()
    query = "select * from report_requests where due_on >= ? order by id"
    return [_request(r) for r in db.query(query, [since])]
