"""专题书面报告: reports upward. The supervising body asks every institution for a written report
by a date; an institution's office submits one (today's summary report, or a document of its
own, uploaded), the body accepts it or returns it with a comment to be done again, and sees
who is late. Every version sent and every comment is kept. Kept in the body's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlite_utils

from storage import audit
from storage.clock import clock, iso

SUBMITTED, ACCEPTED, RETURNED = "submitted", "accepted", "returned"
GENERATED, UPLOADED = "generated", "uploaded"  # a version's source: the bot's summary report, or a file
MAX_TITLE = 100
MAX_COMMENT = 1000  # a returning comment, in characters; refused above, never cut
# An uploaded report: Word (.docx) or PDF, told apart by their first bytes as well as their name;
# a bot may fetch files up to 20 MB from Telegram (getFile), so nothing larger can arrive.
UPLOAD_TYPES = {".docx": b"PK\x03\x04", ".pdf": b"%PDF-"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


@dataclass(frozen=True)
class Version:
    """One report an institution sent for a request, and what the body said of it."""

    version: int
    source: str  # GENERATED or UPLOADED
    file_name: str
    submitted_at: str
    decision: str | None  # ACCEPTED, RETURNED, or None while waiting
    comment: str | None  # the body's words when it returned it


def _request(row: dict) -> Request:
    return Request(row["id"], row["title"], date.fromisoformat(row["due_on"]), row["requested_by"])


def check(db: sqlite_utils.Database, title: str, due_on: date) -> str:
    """The request's title as it would be asked, or the ReportError `ask` would raise: the
    preview before 确认发出 refuses what 确认 would."""
    title = " ".join(title.split())
    if not title:
        raise ReportError("no_title")
    if len(title) > MAX_TITLE:  # refused, never cut
        raise ReportError("too_long")
    if db.execute(
        "select 1 from report_requests where title = ? and due_on = ?", [title, due_on.isoformat()]
    ).fetchone():
        raise ReportError("twin")  # the same request sent twice: every office would be told twice
    return title


def ask(db: sqlite_utils.Database, title: str, due_on: date, by: int | None) -> Request:
    title = check(db, title, due_on)
    with db.atomic():
        request_id = db.execute(
            "insert into report_requests (title, due_on, requested_by, requested_at) values (?, ?, ?, ?)",
            [title, due_on.isoformat(), by, iso(clock.now())],
        ).lastrowid
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


def newest_first(db: sqlite_utils.Database) -> list[Request]:
    """Every request, the newest first (/reports pages through them)."""
    return [_request(r) for r in db.query("select * from report_requests order by id desc")]


def status_of(db: sqlite_utils.Database, request_id: int, institution_id: int) -> str | None:
    row = db.execute(
        "select status from report_submissions where request_id = ? and institution_id = ?",
        [request_id, institution_id],
    ).fetchone()
    return row[0] if row else None


def statuses(db: sqlite_utils.Database, request_id: int) -> dict[int, str]:
    return dict(
        db.execute(
            "select institution_id, status from report_submissions where request_id = ?", [request_id]
        ).fetchall()
    )


def upload_error(file_name: str | None, size: int | None) -> str | None:
    """Why a file offered as a report cannot be taken, before fetching it (its name or size), or
    None: the catalog's `upward.error.<reason>`."""
    if not (file_name or "").lower().endswith(tuple(UPLOAD_TYPES)):
        return "upload_type"
    if size is not None and size > MAX_UPLOAD_BYTES:
        return "upload_size"
    return None


def content_error(file_name: str, content: bytes) -> str | None:
    """Why a fetched file is not the report it says it is (a .docx that is not a Word file)."""
    suffix = next(s for s in UPLOAD_TYPES if file_name.lower().endswith(s))
    if not content.startswith(UPLOAD_TYPES[suffix]):
        return "upload_content"
    if len(content) > MAX_UPLOAD_BYTES:
        return "upload_size"
    return None


def submit(
    db: sqlite_utils.Database,
    request_id: int,
    institution_id: int,
    document: bytes,
    file_name: str,
    source: str = GENERATED,
    seen: int | None = None,
) -> int:
    """An institution's report, new or in place of one returned (an accepted one stays; one
    waiting for review is replaced by the newer, both kept). Returns its version number.
    `seen`: how many versions there were when the office was shown what it would send; one
    sent since (a double tap, an old preview) refuses this one (sent_already)."""
    assert source in (GENERATED, UPLOADED)
    with db.atomic():
        if get(db, request_id) is None:
            raise ReportError("not_found")
        if status_of(db, request_id, institution_id) == ACCEPTED:
            raise ReportError("accepted")
        if seen is not None and len(history(db, request_id, institution_id)) != seen:
            raise ReportError("sent_already")
        now = iso(clock.now())
        version = (
            1
            + db.execute(
                "select coalesce(max(version), 0) from report_versions where request_id = ? "
                "and institution_id = ?",
                [request_id, institution_id],
            ).fetchone()[0]
        )
        db.execute(
            "insert into report_versions (request_id, institution_id, version, source, document, "
            "file_name, submitted_at) values (?, ?, ?, ?, ?, ?, ?)",
            [request_id, institution_id, version, source, document, file_name, now],
        )
        db.execute(
            "insert or replace into report_submissions (request_id, institution_id, status, "
            "submitted_at) values (?, ?, ?, ?)",
            [request_id, institution_id, SUBMITTED, now],
        )
        audit.record(
            db,
            "report.submit",
            f"report:{request_id}",
            None,
            institution=institution_id,
            version=version,
            source=source,
        )
    return version


def document(
    db: sqlite_utils.Database, request_id: int, institution_id: int, version: int | None = None
) -> tuple[bytes, str] | None:
    """A version's file (the latest by default)."""
    row = db.execute(
        "select document, file_name from report_versions where request_id = ? and "
        "institution_id = ? and (? is null or version = ?) order by version desc limit 1",
        [request_id, institution_id, version, version],
    ).fetchone()
    return (row[0], row[1]) if row else None


def history(db: sqlite_utils.Database, request_id: int, institution_id: int) -> list[Version]:
    """Every version an institution sent for a request, the first first, with the body's word."""
    rows = db.execute(
        "select version, source, file_name, submitted_at, decision, comment "
        "from report_versions where request_id = ? and institution_id = ? order by version",
        [request_id, institution_id],
    ).fetchall()
    return [Version(*row) for row in rows]


def decide(
    db: sqlite_utils.Database,
    request_id: int,
    institution_id: int,
    accepted: bool,
    by: int | None,
    comment: str | None = None,
    redo_by: date | None = None,
) -> bool:
    """Accept or return the submitted report (its latest version), with the body's comment and
    the day it is due again (`redo_by`) when returned; False when it was not waiting for a
    decision (a double tap, an old button)."""
    comment = comment.strip() if comment else None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ReportError("comment_too_long")
    decision, now = (ACCEPTED if accepted else RETURNED), iso(clock.now())
    again = redo_by.isoformat() if redo_by is not None and not accepted else None
    with db.atomic():
        changed = db.execute(
            "update report_submissions set status = ?, decided_at = ?, redo_by = ? where "
            "request_id = ? and institution_id = ? and status = ?",
            [decision, now, again, request_id, institution_id, SUBMITTED],
        ).rowcount
        if changed:
            db.execute(
                "update report_versions set decision = ?, comment = ?, decided_at = ?, decided_by = ? "
                "where request_id = ? and institution_id = ? and version = (select max(version) from "
                "report_versions where request_id = ? and institution_id = ?)",
                [decision, comment, now, by, request_id, institution_id, request_id, institution_id],
            )
            audit.record(
                db,
                "report.accept" if accepted else "report.return",
                f"report:{request_id}",
                by,
                institution=institution_id,
            )
    return bool(changed)


def due_on(db: sqlite_utils.Database, request: Request, institution_id: int) -> date:
    """The day an institution's report is due: the day the supervisor gave when returning it,
    else the request's."""
    row = db.execute(
        "select redo_by from report_submissions where request_id = ? and institution_id = ? and status = ?",
        [request.id, institution_id, RETURNED],
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else request.due_on


def late(db: sqlite_utils.Database, request: Request, institution_ids: list[int], today: date) -> list[int]:
    """The institutions past their date with no report waiting or accepted (a returned one is
    due again, by the day given with the return)."""
    done = {i for i, s in statuses(db, request.id).items() if s in (SUBMITTED, ACCEPTED)}
    return [i for i in institution_ids if i not in done and today > due_on(db, request, i)]


def open_requests(db: sqlite_utils.Database, today: date, within_days: int = 30) -> list[Request]:
    """Requests due from a month ago on, or returned to be redone by a day since: what the
    sweeper still reminds about."""
    since = date.fromordinal(today.toordinal() - within_days).isoformat()
    query = (
        "select * from report_requests where due_on >= ? or id in (select request_id from "
        "report_submissions where status = ? and redo_by >= ?) order by id"
    )
    return [_request(r) for r in db.query(query, [since, RETURNED, since])]
