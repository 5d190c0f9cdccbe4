"""Who is told what, in one place. Every entry point (chat handlers, the command line, the
sweeper's jobs, the demo seeder) calls the events below when something happens to a problem
or a meeting, so no path forgets to tell people:

    listed        every leader, with 接单               (chat, /findings, `problems import`)
    claimed       the office                           (chat)
    assigned      the leader the office chose          (chat)
    dispatched    the department's heads, 报告进展       (chat)
    progress      the problem's leader                 (chat)
    closure asked the office                           (chat)
    closed        the department's heads and the leader (chat)
    returned      the department's heads and the leader (chat)
    explained     the office                           (chat)
    meeting set   its attendees                        (chat /meeting, `calendar import`)
    moved, cancelled: its attendees                    (chat)

Each notice is rendered in the recipient's language and queued in the outbox, which the
delivery job sends; `notify()` takes the moment it is due and a grouping (several notices for
one person due together go out as one message).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

import sqlite_utils

from storage import calendar, outbox, people, problems
from storage.people import HEAD, LEADER, OFFICE, Person
from storage.problems import Problem
from texts import say


@dataclass(frozen=True)
class Reach:
    """What telling people needs: the database and the language of those who chose none. The
    command line and the demo seeder make one; handlers and jobs pass their context or app."""
    db: sqlite_utils.Database
    default_language: str
    zone: tzinfo | None = None  # the time zone meeting times are shown in


def reach(target) -> Reach:
    """Handlers pass their context, jobs their application, the command line a Reach."""
    if isinstance(target, Reach):
        return target
    app = getattr(target, "application", target)
    settings = app.bot_data["settings"]
    return Reach(app.bot_data["db"], settings.default_language, settings.timezone)


def notify(target, recipients: Iterable[Person], key: str, *,
           buttons: list[list[tuple[str, str]]] | None = None, dedup: str | None = None,
           due_at: datetime | None = None, grouping: str | None = None, **values) -> int:
    """Queue one notice per recipient; `buttons` labels are catalog keys. Returns how many
    were queued (a deduplicated one counts once, ever)."""
    where = reach(target)
    queued = 0
    for person in {p.id: p for p in recipients}.values():
        lang = person.language or where.default_language
        rendered = [[(say(lang, label), data) for label, data in row] for row in buttons or []]
        queued += outbox.queue(where.db, person.id, say(lang, key, **values), buttons=rendered or None,
                               dedup_key=f"{dedup}:{person.id}" if dedup else None, due_at=due_at,
                               grouping=grouping)
    return queued


# ---- who: the audiences ------------------------------------------------------------------

def with_role(target, role: str, department_id: int | None = None) -> list[Person]:
    return [p for p in people.holding(reach(target).db, (role,))
            if department_id is None or p.department_id == department_id]


def office(target) -> list[Person]:
    return with_role(target, OFFICE)


def leaders(target) -> list[Person]:
    return with_role(target, LEADER)


def heads_of(target, department_id: int | None) -> list[Person]:
    return with_role(target, HEAD, department_id) if department_id else []


def department(target, department_id: int | None) -> list[Person]:
    """Everyone in the department: the staff whose view a look-back asks for."""
    if department_id is None:
        return []
    return people.in_department(reach(target).db, department_id)


def person(target, person_id: int | None) -> list[Person]:
    found = people.by_id(reach(target).db, person_id) if person_id else None
    return [found] if found else []


# ---- what: the events of the problem list ------------------------------------------------

def problem_listed(target, problem_id: int, due_at: datetime | None = None) -> int:
    """A new problem waits for a leader: every leader is told, with a button to claim it."""
    problem = problems.get(reach(target).db, problem_id)
    if problem is None:
        return 0
    return notify(target, leaders(target), "notice.listed", buttons=[[("claim.btn", f"claim:{problem.id}")]],
                  dedup=f"listed:{problem.id}", due_at=due_at, id=problem.id,
                  title=problem.title)


def problem_claimed(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(target, office(target), "notice.claimed", due_at=due_at, id=problem.id,
                  title=problem.title, leader=problem.leader)


def problem_assigned(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(target, person(target, problem.leader_id), "notice.assigned",
                  buttons=[[("dispatch.btn", f"pd:{problem.id}")]], due_at=due_at, id=problem.id,
                  title=problem.title)


def problem_dispatched(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(target, heads_of(target, problem.department_id), "notice.dispatched",
                  buttons=[[("progress.btn.report", f"pr:{problem.id}")]], due_at=due_at, id=problem.id,
                  title=problem.title, measures=problem.measures,
                  deadline=problem.deadline.isoformat() if problem.deadline else "—",
                  leader=problem.leader)


def problem_explained(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(target, office(target), "notice.explained", due_at=due_at, id=problem.id,
                  title=problem.title, reason=problem.explanation)


def problem_closed(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(target, heads_of(target, problem.department_id) + person(target, problem.leader_id),
                  "notice.closed", due_at=due_at, id=problem.id, title=problem.title)


def problem_returned(target, problem: Problem, comment: str, due_at: datetime | None = None) -> int:
    return notify(target, heads_of(target, problem.department_id) + person(target, problem.leader_id),
                  "notice.returned", buttons=[[("progress.btn.report", f"pr:{problem.id}")]],
                  due_at=due_at, id=problem.id, title=problem.title, comment=comment)


# ---- the campaign calendar ---------------------------------------------------------------

def _when(target, moment: datetime) -> str:
    zone = reach(target).zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def meeting_set(target, event: calendar.Event) -> int:
    """A new meeting: its attendees are told at once (phases tell nobody)."""
    if event.kind != "meeting":
        return 0
    return notify(target, calendar.attendees(reach(target).db, event), "meeting.announced",
                  dedup=f"meeting-set:{event.id}", title=event.title, when=_when(target, event.starts_at),
                  place=event.place or "—")


def meeting_moved(target, event: calendar.Event) -> int:
    return notify(target, calendar.attendees(reach(target).db, event), "meeting.moved", title=event.title,
                  when=_when(target, event.starts_at), place=event.place or "—")


def meeting_cancelled(target, event: calendar.Event) -> int:
    return notify(target, calendar.attendees(reach(target).db, event), "meeting.cancelled",
                  title=event.title, when=_when(target, event.starts_at))
