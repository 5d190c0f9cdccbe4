"""Telling people that something reached them: each notice is rendered in the recipient's
language and queued in the outbox, which the delivery job sends."""

from __future__ import annotations

from collections.abc import Iterable

from telegram.ext import ContextTypes

from storage import outbox, people
from storage.people import HEAD, LEADER, OFFICE, Person
from texts import say
from texts.fit import shorten


def _app(context_or_app):
    """Handlers pass their context, jobs their application."""
    return getattr(context_or_app, "application", context_or_app)


def notify(context: ContextTypes.DEFAULT_TYPE, recipients: Iterable[Person], key: str, *,
           buttons: list[list[tuple[str, str]]] | None = None, dedup: str | None = None,
           **values) -> int:
    """Queue one notice per recipient; `buttons` labels are catalog keys. Returns how many."""
    db, settings = _app(context).bot_data["db"], _app(context).bot_data["settings"]
    queued = 0
    for person in {p.id: p for p in recipients}.values():
        lang = person.language or settings.default_language
        rendered = [[(say(lang, label), data) for label, data in row] for row in buttons or []]
        queued += outbox.queue(db, person.id, say(lang, key, **values), buttons=rendered or None,
                               dedup_key=f"{dedup}:{person.id}" if dedup else None)
    return queued


def with_role(context: ContextTypes.DEFAULT_TYPE, role: str, department_id: int | None = None,
              ) -> list[Person]:
    return [p for p in people.holding(_app(context).bot_data["db"], (role,))
            if department_id is None or p.department_id == department_id]


def office(context: ContextTypes.DEFAULT_TYPE) -> list[Person]:
    return with_role(context, OFFICE)


def leaders(context: ContextTypes.DEFAULT_TYPE) -> list[Person]:
    return with_role(context, LEADER)


def heads_of(context: ContextTypes.DEFAULT_TYPE, department_id: int | None) -> list[Person]:
    return with_role(context, HEAD, department_id) if department_id else []


def department(context: ContextTypes.DEFAULT_TYPE, department_id: int | None) -> list[Person]:
    """Everyone in the department: the staff whose view a look-back asks for."""
    if department_id is None:
        return []
    return people.in_department(_app(context).bot_data["db"], department_id)


def person(context: ContextTypes.DEFAULT_TYPE, person_id: int | None) -> list[Person]:
    found = people.by_id(_app(context).bot_data["db"], person_id) if person_id else None
    return [found] if found else []


def closed_audience(context: ContextTypes.DEFAULT_TYPE, problem) -> list[Person]:
    """Who is told that a problem was closed (销号): its department's heads and its leader."""
    found = heads_of(context, problem.department_id) + person(context, problem.leader_id)
    return list({p.id: p for p in found}.values())


def progress_reported(context: ContextTypes.DEFAULT_TYPE, problem, text: str, photos: list[bytes]) -> int:
    """The leader hears of a progress report with its evidence: the first photo carries the
    notice as its caption, the others follow numbered."""
    leader = person(context, problem.leader_id)
    if not photos:
        return notify(context, leader, "notice.progress", id=problem.id, title=problem.title,
                      percent=problem.progress, text=shorten(text, 1500))
    db, settings = _app(context).bot_data["db"], _app(context).bot_data["settings"]
    queued = 0
    for recipient in leader:
        lang = recipient.language or settings.default_language
        caption = say(lang, "notice.progress", id=problem.id, title=problem.title, percent=problem.progress,
                      text=shorten(text, 700))
        for index, jpeg in enumerate(photos):
            if index:
                caption = say(lang, "notice.progress_photo", id=problem.id, number=index + 1,
                              count=len(photos))
            queued += outbox.queue(db, recipient.id, caption, photo=jpeg)
    return queued


def everyone(context: ContextTypes.DEFAULT_TYPE) -> list[Person]:
    """Every active person on the roster: who a public act (a published reason) reaches."""
    return people.everyone(_app(context).bot_data["db"])


def extension_deciders(context: ContextTypes.DEFAULT_TYPE, problem, role: str) -> list[Person]:
    """Who decides a request for more time: the office for the leader, the leader for a head."""
    return office(context) if role == "office" else person(context, problem.leader_id)


def extension_asked(context: ContextTypes.DEFAULT_TYPE, problem, extension, asker: Person) -> int:
    """申请延期: whoever decides is asked, with the reason and both dates."""
    deciders = [p for p in extension_deciders(context, problem, extension.decider_role) if p.id != asker.id]
    return notify(context, deciders, "notice.extension_asked",
                  buttons=[[("extension.btn.approve", f"ped:ok:{extension.id}"),
                            ("extension.btn.refuse", f"ped:no:{extension.id}")]],
                  dedup=f"extension-asked:{extension.id}", id=problem.id, title=problem.title,
                  who=asker.name, reason=extension.reason,
                  old=extension.old_deadline.isoformat() if extension.old_deadline else "—",
                  new=extension.new_deadline.isoformat())


def extension_decided(context: ContextTypes.DEFAULT_TYPE, problem, extension) -> int:
    """The asker hears the decision; an approved one also reaches the department's heads and the
    leader, whose reminders now count to the new deadline."""
    told = person(context, extension.requester_id)
    if extension.decision == "approved":
        told += heads_of(context, problem.department_id) + person(context, problem.leader_id)
    return notify(context, told, f"notice.extension_{extension.decision}",
                  dedup=f"extension-decided:{extension.id}", id=problem.id, title=problem.title,
                  new=extension.new_deadline.isoformat(),
                  old=extension.old_deadline.isoformat() if extension.old_deadline else "—")


def returned(context: ContextTypes.DEFAULT_TYPE, problem, comment: str) -> int:
    """A closure sent back: the department's heads get the button to report again; the leader is
    told without it, since only a head may report (nobody is offered a button they cannot use)."""
    heads = heads_of(context, problem.department_id)
    values = {"id": problem.id, "title": problem.title, "comment": comment}
    told = notify(context, heads, "notice.returned", buttons=[[("progress.btn.report", f"pr:{problem.id}")]],
                  **values)
    leader = [p for p in person(context, problem.leader_id) if p.id not in {h.id for h in heads}]
    return told + notify(context, leader, "notice.returned", **values)


def phase_announced(context: ContextTypes.DEFAULT_TYPE, event, starts: str, ends: str) -> int:
    """A new phase of the campaign is told to everyone on the roster."""
    return notify(context, everyone(context), "phase.announced", dedup=f"phase:{event.id}",
                  title=event.title, starts=starts, ends=ends)
