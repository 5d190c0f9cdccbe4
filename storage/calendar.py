"""The campaign calendar: phases and meetings, who attends (roles and/or departments; nobody
named means everyone), and the reminders before a meeting (1 day and 1 hour by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from storage import audit, csv_files, people, phrasings
from storage.clock import clock, iso, parse_iso
from storage.csv_files import FileRejected
from storage.departments import current_names  # a name renamed since the form offered it
from storage.people import Person

SEPARATORS = re.compile(r"[,，;；、/|\s]+")

MAX_TEXT = 200  # a title or a place; the chat refuses longer (handlers/campaign), a file import too


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    roles: tuple[str, ...]
    departments: tuple[str, ...]
    cancelled: bool


def _event(row: dict) -> Event:
    return Event(
        row["id"],
        row["kind"],
        row["title"],
        parse_iso(row["starts_at"]),
        parse_iso(row["ends_at"]) if row["ends_at"] else None,
        row["place"],
        tuple(filter(None, row["roles"].split())),
        tuple(filter(None, row["departments"].split("|"))),
        bool(row["cancelled"]),
    )


def get(db: sqlite_utils.Database, event_id: int) -> Event | None:
    rows = list(db.query("select * from events where id = ?", [event_id]))
    return _event(rows[0]) if rows else None


def audience(cell: str, known_departments: list[str]) -> tuple[list[str], list[str]]:
    """'班子成员、门诊部' -> (roles, departments); raises ValueError naming an unknown word."""
    roles, departments = [], []
    for word in filter(None, SEPARATORS.split(cell.strip())):
        role = people.role_for_word(word)
        if role:
            roles.append(role)
        elif word in known_departments:
            departments.append(word)
        elif word not in ("全体", "所有人", "everyone", "all"):
            raise ValueError(word)
    return roles, departments


def add(
    db: sqlite_utils.Database,
    kind: str,
    title: str,
    starts_at: datetime,
    actor_id: int | None,
    *,
    ends_at: datetime | None = None,
    place: str = "",
    roles: tuple[str, ...] | list[str] = (),
    departments: tuple[str, ...] | list[str] = (),
) -> int:
    with db.atomic():
        event_id = (
            db.table("events")
            .insert(
                {
                    "kind": kind,
                    "title": title.strip()[:MAX_TEXT],
                    "starts_at": iso(starts_at),
                    "ends_at": iso(ends_at) if ends_at else None,
                    "place": place.strip()[:MAX_TEXT],
                    "roles": " ".join(roles),
                    "departments": "|".join(current_names(db, departments)),
                }
            )
            .last_pk
        )
        audit.record(db, f"calendar.add_{kind}", f"event:{event_id}", actor_id, text=title)
    assert event_id is not None
    return int(event_id)


def move(
    db: sqlite_utils.Database, event_id: int, starts_at: datetime, place: str | None, actor_id: int
) -> Event:
    with db.atomic():
        changes = {"starts_at": iso(starts_at)} | ({"place": place.strip()[:MAX_TEXT]} if place else {})
        db.table("events").update(event_id, changes)
        audit.record(db, "calendar.move", f"event:{event_id}", actor_id, to=iso(starts_at))
    return _existing(db, event_id)


def _existing(db: sqlite_utils.Database, event_id: int) -> Event:
    found = get(db, event_id)
    assert found is not None
    return found


def cancel(db: sqlite_utils.Database, event_id: int, actor_id: int) -> Event:
    with db.atomic():
        db.table("events").update(event_id, {"cancelled": 1})
        audit.record(db, "calendar.cancel", f"event:{event_id}", actor_id)
    return _existing(db, event_id)


def upcoming(db: sqlite_utils.Database, now: datetime) -> list[Event]:
    """Every meeting still to come and phase not yet over. No cap: /meetings keeps a person's
    own from these, so a cap before that choice hid a department's meetings behind twenty of
    others' (and the office's list is sent in as many messages as it takes)."""
    rows = db.query(
        "select * from events where cancelled = 0 and (starts_at >= ? or "
        "(ends_at is not null and ends_at >= ?)) order by starts_at",
        [iso(now), iso(now)],
    )
    return [_event(r) for r in rows]


def attendees(db: sqlite_utils.Database, event: Event) -> list[Person]:
    return [
        p
        for p in people.everyone(db)
        if (not event.roles and not event.departments)
        or p.has_any(event.roles)
        or p.department in event.departments
    ]


def reminders_due(
    db: sqlite_utils.Database, since: datetime, now: datetime, offsets: tuple[timedelta, ...]
) -> list[tuple[Event, timedelta]]:
    """(meeting, how long before) for each reminder moment in (since, now]."""
    horizon = now + max(offsets)
    rows = db.query(
        "select * from events where kind = 'meeting' and cancelled = 0 and starts_at > ? and starts_at <= ?",
        [iso(since), iso(horizon)],
    )
    due = []
    for event in map(_event, rows):
        for offset in offsets:
            if since < event.starts_at - offset <= now:
                due.append((event, offset))
    return due


# ---- from CSV ----------------------------------------------------------------------------

WORDS = {
    "title": {"title", "名称", "会议", "事项", "名稱"},
    "kind": {"kind", "类型", "類型"},
    "starts": {"starts", "start", "开始", "时间", "开始时间", "時間"},
    "ends": {"ends", "end", "结束", "结束时间"},
    "place": {"place", "地点", "地點"},
    "audience": {"audience", "参加", "参加人员", "参会人员", "參加"},
}
PHASE_WORDS = {"phase", "阶段", "階段"}


def moment(text: str, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    """'2026-12-31 14:30' as a moment in the zone, or as people type it (12月10日 下午2点半,
    storage.phrasings). A bare date is its first moment, or with `end` its last one: a phase
    'to 2026-12-31' runs through that whole day."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("/", "-")).replace(tzinfo=zone)
    except ValueError:
        return phrasings.parse_moment(text, clock.now().astimezone(zone))
    if end and ":" not in text:
        return parsed + timedelta(days=1) - timedelta(seconds=1)
    return parsed


def _moment(text: str, zone: ZoneInfo, line: int, end: bool = False) -> datetime:
    """An Excel date cell arrives as 2026-12-10 14:30; a typed one may read 12月10日 下午2点半."""
    found = moment(text, zone, end=end)
    if found is None:
        raise FileRejected("time", line=line, detail=text)
    return found


def parse_csv(db: sqlite_utils.Database, raw: bytes, zone: ZoneInfo) -> list[dict]:
    known = people.departments(db)
    events = []
    for line, cells in csv_files.rows(raw, WORDS, ("title", "starts")):
        if not cells["title"]:
            raise FileRejected("no_title", line=line)
        for text in (cells["title"], cells.get("place", "")):
            if len(text) > MAX_TEXT:  # refused, never cut: the office shortens the cell
                raise FileRejected("long_text", line=line, detail=text[:20])
        try:
            roles, departments = audience(cells.get("audience", ""), known)
        except ValueError as unknown:
            raise FileRejected("audience", line=line, detail=str(unknown)) from None
        events.append(
            {
                "kind": "phase" if cells.get("kind", "") in PHASE_WORDS else "meeting",
                "title": cells["title"],
                "starts_at": _moment(cells["starts"], zone, line),
                "ends_at": _moment(cells["ends"], zone, line, end=True) if cells.get("ends") else None,
                "place": cells.get("place", ""),
                "roles": roles,
                "departments": departments,
            }
        )
    if not events:
        raise FileRejected("empty")
    return events


def import_events(db: sqlite_utils.Database, events: list[dict], actor_id: int | None) -> list[int]:
    with db.atomic():
        return [
            add(
                db,
                e["kind"],
                e["title"],
                e["starts_at"],
                actor_id,
                ends_at=e["ends_at"],
                place=e["place"],
                roles=e["roles"],
                departments=e["departments"],
            )
            for e in events
        ]
