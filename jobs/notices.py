"""Who is told what, in one place. Every entry point (chat handlers, the command line, the
sweeper's jobs, the demo seeder) calls the events below when something happens to a problem
or a meeting, so no path forgets to tell people:

    listed        every leader, with 接单               (chat, /findings, `problems import`)
    claimed       the office; every other leader's 接单 notice is edited to say who took it
    assigned      the leader the office chose; every leader's 接单 notice says to whom (chat)
    dispatched    the department's heads, 报告进展       (chat)
    progress      the problem's leader                 (chat)
    closure asked the office                           (chat)
    closed        the department's heads and the leader (chat)
    look-back     the holders of its receipts who opted in, through the sealed link (jobs)
    broadcast     the office, how many copies arrived, once none is waiting (chat)
    returned      the department's heads and the leader (chat)
    explained     the office                           (chat)
    meeting set   its attendees                        (chat /meeting, `calendar import`)
    moved, cancelled: its attendees                    (chat)
    public box full  the office, once an hour at most  (chat: a guest's opinion reaches the
                     institution's hourly ceiling)

Each notice is rendered in the recipient's language and queued in the outbox, which the
delivery job sends; `notify()` takes the moment it is due and a grouping (several notices for
one person due together go out as one message).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

import sqlite_utils

import services
from callbacks import CLAIM, DISPATCH, EXTENSION_DECIDE, LEDGER_DETAIL, PROGRESS_REPORT, PUBLIC_BOX
from storage import calendar, outbox, people, problems
from storage.clock import clock
from storage.people import HEAD, LEADER, OFFICE, Person
from storage.problems import Problem
from texts import say
from texts.fit import CAPTION_LIMIT, TEXT_LIMIT, shorten, units


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
    settings = services.of(app).settings
    return Reach(services.of(app).db, settings.default_language, settings.timezone)


def notify(
    target,
    recipients: Iterable[Person],
    key: str,
    *,
    buttons: list[list[tuple[str, str]]] | None = None,
    dedup: str | None = None,
    due_at: datetime | None = None,
    grouping: str | None = None,
    **values,
) -> int:
    """Queue one notice per recipient; `buttons` labels are catalog keys. Returns how many
    were queued (a deduplicated one counts once, ever)."""
    where = reach(target)
    queued = 0
    for person in {p.id: p for p in recipients}.values():
        lang = person.language or where.default_language
        rendered = [[(say(lang, label), data) for label, data in row] for row in buttons or []]
        queued += outbox.queue(
            where.db,
            person.id,
            fitted(lang, key, **values),
            buttons=rendered or None,
            dedup_key=f"{dedup}:{person.id}" if dedup else None,
            due_at=due_at,
            grouping=grouping,
        )
    return queued


def fitted(lang: str, key: str, limit: int = TEXT_LIMIT, /, **values) -> str:
    """The notice rendered within Telegram's limit (UTF-16 units, counted on the HTML, which is
    never shorter than what Telegram counts): when people's long texts (a title, measures, a
    note) do not fit together, the longest is shortened, then the next, until it fits. The
    whole text stays on the problem's card (/history)."""
    values = dict(values)
    text = say(lang, key, **values)
    while units(text) > limit:
        longest = max(
            (k for k, v in values.items() if isinstance(v, str) and len(v) > 1),
            key=lambda k: units(values[k]),
            default=None,
        )
        if longest is None:
            return shorten(text, limit)  # nothing left to shorten: a template bug, never a refusal
        values[longest] = shorten(values[longest], max(1, units(values[longest]) - (units(text) - limit) - 1))
        text = say(lang, key, **values)
    return text


def report_arrival(target, prefix: str, office_id: int, key: str, dedup: str, **values) -> None:
    """Once none of the messages queued under `prefix` is still waiting, `office_id` is told
    how many arrived ({count}) and failed ({failed}): what happened, not what was hoped. Kept
    in the database, so a restart before then loses nothing (jobs/delivery.py settles it)."""
    outbox.await_report(reach(target).db, prefix, office_id, key, dedup, **values)


def holders_told(target, opinion_ids: Iterable[str], key: str, dedup: str, **values) -> int:
    """The holders of these receipts who asked to be told: each through their sealed link,
    never through a row that names a person; in the default language (the link holds a chat,
    not a person and their language). Queued, so a restart before delivery loses nothing."""
    where = reach(target)
    return sum(
        outbox.queue_sealed(
            where.db,
            opinion_id,
            say(where.default_language, key, opinion=opinion_id, **values),
            f"{dedup}:{opinion_id}",
        )
        for opinion_id in opinion_ids
    )


# ---- who: the audiences ------------------------------------------------------------------


def with_role(target, role: str, department_id: int | None = None) -> list[Person]:
    return [
        p
        for p in people.holding(reach(target).db, (role,))
        if department_id is None or p.department_id == department_id
    ]


def reachable(found: Iterable[Person]) -> list[Person]:
    """Those a notice can reach, once each: joined, not blocking the bot, still on the roster
    (delivery gives up on the others, so a count of who was told leaves them out)."""
    return [p for p in {p.id: p for p in found}.values() if p.chat_id and p.reachable and p.active]


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


def closed_audience(target, problem) -> list[Person]:
    """Who is told that a problem was closed (销号): its department's heads, its leader, and
    the authors of the signed opinions behind it."""
    found = heads_of(target, problem.department_id) + person(target, problem.leader_id)
    found += [signer for signer, _ in signers(target, problem.id)]
    return list({p.id: p for p in found}.values())


def signers(target, problem_id: int) -> list[tuple[Person, str]]:
    """(author, opinion) of the signed opinions behind the problem, those a notice reaches:
    whoever put their name to an opinion hears what became of it (listed, dispatched, closed),
    as they hear the office's replies. An anonymous opinion's holder follows it by receipt."""
    db = reach(target).db
    found = [
        (people.by_id(db, author_id), opinion)
        for opinion, author_id in problems.signed_opinions(db, problem_id)
    ]
    return [(signer, opinion) for signer, opinion in found if signer is not None and reachable([signer])]


def opinion_listed(target, problem_id: int, due_at: datetime | None = None) -> int:
    """A signed opinion became a problem: its author is told its number and where to follow it."""
    problem = problems.get(reach(target).db, problem_id)
    if problem is None:
        return 0
    return sum(
        notify(
            target,
            [signer],
            "notice.signer_listed",
            dedup=f"signer-listed:{problem.id}:{opinion}",
            due_at=due_at,
            opinion=opinion,
            id=problem.id,
            title=problem.title,
        )
        for signer, opinion in signers(target, problem.id)
    )


def progress_reported(target, problem, text: str, photos: list[bytes], reporter: str) -> int:
    """The leader hears of a progress report with its evidence: the first photo carries the
    notice as its caption, the others follow numbered. It names who reported, and 🔎 查看 opens
    the card (how late it is, 📣 催办): the notice was the text alone, and a leader of a late
    problem had to find it again to act."""
    leader = person(target, problem.leader_id)
    opened = [[("notice.btn.open", LEDGER_DETAIL.data(problem.id))]]
    if not photos:
        return notify(
            target,
            leader,
            "notice.progress",
            buttons=opened,
            id=problem.id,
            title=problem.title,
            percent=problem.progress,
            who=reporter,
            text=shorten(text, 1500),
        )
    where = reach(target)
    queued = 0
    for recipient in leader:
        lang = recipient.language or where.default_language
        caption = fitted(
            lang,
            "notice.progress",
            CAPTION_LIMIT,
            id=problem.id,
            title=problem.title,
            percent=problem.progress,
            who=reporter,
            text=shorten(text, 700),
        )
        for index, jpeg in enumerate(photos):
            if index:
                caption = say(
                    lang, "notice.progress_photo", id=problem.id, number=index + 1, count=len(photos)
                )
            last = index == len(photos) - 1  # the button under the last: a phone shows the newest
            buttons = [[(say(lang, "notice.btn.open"), LEDGER_DETAIL.data(problem.id))]] if last else None
            queued += outbox.queue(where.db, recipient.id, caption, photo=jpeg, buttons=buttons)
    return queued


def order_closure_asked(
    body,
    supervisors: list[Person],
    institution: str,
    order,
    report_text: str,
    photos: list[bytes],
    buttons,
    *,
    percent: int,
    asked=None,
) -> int:
    """A 督办 problem's closure goes to the supervisor with what the office itself sees before
    销号: how far it got, the latest report whole and its evidence photos, and (`asked`, a
    storage.problems.ClosureAsked) who asked to close it and why short of 100%; the photos
    first so the question with its buttons comes last."""
    where = reach(body)
    queued = 0
    for recipient in supervisors:
        lang = recipient.language or where.default_language
        for index, jpeg in enumerate(photos):
            caption = fitted(
                lang,
                "order.evidence_photo",
                CAPTION_LIMIT,
                institution=institution,
                title=order.title,
                number=index + 1,
                count=len(photos),
            )
            queued += outbox.queue(where.db, recipient.id, caption, photo=jpeg)
    reason = asked.reason if asked is not None else ""
    return queued + notify(
        body,
        supervisors,
        "order.confirm_asked_reason" if reason else "order.confirm_asked",
        buttons=buttons,
        institution=institution,
        title=order.title,
        deadline=order.deadline.isoformat(),
        percent=percent,
        progress=report_text,
        author=asked.author if asked is not None else "",
        reason=reason,
    )


def everyone(target) -> list[Person]:
    """Every active person on the roster: who a public act (a published reason) reaches."""
    return people.everyone(reach(target).db)


def extension_deciders(target, problem, role: str) -> list[Person]:
    """Who decides a request for more time: the office for the leader, the leader for a head."""
    return office(target) if role == "office" else person(target, problem.leader_id)


def extension_asked(target, problem, extension, asker: Person) -> int:
    """申请延期: whoever decides is asked, with the reason and both dates."""
    deciders = [p for p in extension_deciders(target, problem, extension.decider_role) if p.id != asker.id]
    return notify(
        target,
        deciders,
        "notice.extension_asked",
        buttons=[
            [
                ("extension.btn.approve", EXTENSION_DECIDE.data("ok", extension.id)),
                ("extension.btn.refuse", EXTENSION_DECIDE.data("no", extension.id)),
            ]
        ],
        dedup=f"extension-asked:{extension.id}",
        id=problem.id,
        title=problem.title,
        who=asker.name,
        reason=extension.reason,
        old=extension.old_deadline.isoformat() if extension.old_deadline else "—",
        new=extension.new_deadline.isoformat(),
    )


def extension_decided(target, problem, extension, decider: Person) -> int:
    """The asker hears the decision; an approved one also reaches the department's heads and the
    leader, whose reminders now count to the new deadline. Not the one who decided: the leader
    who tapped 批准延期 read the same approval twice."""
    told = person(target, extension.requester_id)
    if extension.decision == "approved":
        told += heads_of(target, problem.department_id) + person(target, problem.leader_id)
    told = [p for p in {p.id: p for p in told}.values() if p.id != decider.id]
    return notify(
        target,
        told,
        f"notice.extension_{extension.decision}",
        dedup=f"extension-decided:{extension.id}",
        id=problem.id,
        title=problem.title,
        new=extension.new_deadline.isoformat(),
        old=extension.old_deadline.isoformat() if extension.old_deadline else "—",
    )


# ---- what: the events of the problem list ------------------------------------------------


def problem_listed(target, problem_id: int, due_at: datetime | None = None) -> int:
    """A new problem waits for a leader: every leader is told, with a button to claim it."""
    problem = problems.get(reach(target).db, problem_id)
    if problem is None:
        return 0
    return notify(
        target,
        leaders(target),
        "notice.listed",
        buttons=[[("claim.btn", CLAIM.data(problem.id))]],
        dedup=f"listed:{problem.id}",
        due_at=due_at,
        id=problem.id,
        title=problem.title,
    ) + opinion_listed(target, problem_id, due_at)


LISTED_ONE_BY_ONE = 3  # more problems listed at once (a findings file) are told as one notice


def problems_listed(target, ids: list[int]) -> int:
    """Problems listed together (a meeting's findings): a few are told one by one, each with its
    接单 button; more are one notice to each leader, who finds them under 🙋 待接单, rather
    than one message a second each for minutes."""
    if len(ids) <= LISTED_ONE_BY_ONE:
        return sum(problem_listed(target, problem_id) for problem_id in ids)
    return notify(
        target,
        leaders(target),
        "notice.listed_many",
        dedup=f"listed-many:{ids[0]}-{ids[-1]}",
        count=len(ids),
        first=ids[0],
        last=ids[-1],
    )


def listed_notices_settled(target, problem: Problem, key: str, keep: int | None = None) -> int:
    """The 新问题待接单 notices every leader got (problem_listed) are edited to say who has the
    problem now (`key`: claim.taken, claim.assigned_to), without 接单: else each leader would
    learn it only by pressing. `keep`: the leader whose own card the claim already changed.
    Queued as edits in the outbox (sent message ids are kept there, a restart loses nothing),
    so the claimer's answer waits for none of them. Returns how many were queued."""
    where = reach(target)
    queued = 0
    for row in outbox.queued_under(where.db, f"listed:{problem.id}:"):
        if row.person_id == keep:
            continue
        found = people.by_id(where.db, row.person_id)
        lang = (found.language if found else None) or where.default_language
        text = fitted(lang, key, id=problem.id, title=problem.title, leader=problem.leader or "")
        queued += outbox.queue_edit(where.db, row.id, text, f"listed-settled:{problem.id}:{row.person_id}")
    return queued


def problem_claimed(target, problem: Problem, due_at: datetime | None = None) -> int:
    listed_notices_settled(target, problem, "claim.taken", keep=problem.leader_id)
    return notify(
        target,
        office(target),
        "notice.claimed",
        due_at=due_at,
        id=problem.id,
        title=problem.title,
        leader=problem.leader,
    )


def problem_assigned(target, problem: Problem, due_at: datetime | None = None) -> int:
    listed_notices_settled(target, problem, "claim.assigned_to")
    return notify(
        target,
        person(target, problem.leader_id),
        "notice.assigned",
        buttons=[[("dispatch.btn", DISPATCH.data(problem.id))]],
        due_at=due_at,
        id=problem.id,
        title=problem.title,
    )


def problem_dispatched(target, problem: Problem, due_at: datetime | None = None) -> int:
    heads = heads_of(target, problem.department_id)
    deadline = problem.deadline.isoformat() if problem.deadline else "—"
    told = notify(
        target,
        heads,
        "notice.dispatched",
        buttons=[[("progress.btn.report", PROGRESS_REPORT.data(problem.id))]],
        due_at=due_at,
        id=problem.id,
        title=problem.title,
        measures=problem.measures,
        deadline=deadline,
        leader=problem.leader,
    )
    return told + notify(  # a signer who heads the department has the notice above
        target,
        [s for s, _ in signers(target, problem.id) if s.id not in {h.id for h in heads}],
        "notice.signer_dispatched",
        due_at=due_at,
        id=problem.id,
        title=problem.title,
        measures=problem.measures,
        department=problem.department or "—",
        deadline=deadline,
        leader=problem.leader,
    )


def problem_explained(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(
        target,
        office(target),
        "notice.explained",
        due_at=due_at,
        id=problem.id,
        title=problem.title,
        reason=problem.explanation,
    )


def problem_closed(target, problem: Problem, due_at: datetime | None = None) -> int:
    return notify(
        target,
        closed_audience(target, problem),
        "notice.closed",
        due_at=due_at,
        id=problem.id,
        title=problem.title,
    )


def chase_audience(target, problem: Problem, by_leader: bool = False) -> list[Person]:
    """Whom a 催办 reminds: the department's heads and the leader while the work is the
    department's; the leader alone while it waits for 下单. The leader's own 催办 reminds the
    heads alone (the leader is the one asking)."""
    heads = heads_of(target, problem.department_id) if problem.status in problems.WORKING else []
    if by_leader:
        return [p for p in heads if p.id != problem.leader_id]
    return list({p.id: p for p in heads + person(target, problem.leader_id)}.values())


def problem_chased(target, problem: Problem, days: int, day: str, by_leader: str | None = None) -> int:
    """A 催办, at most once a day per problem and person; each gets the button to act: the head
    报告进展, the leader 下单 while it waits for one. `by_leader` names the leader who chased
    (the office otherwise), for the notice to say who asks."""
    audience = chase_audience(target, problem, by_leader=by_leader is not None)
    heads = [p for p in audience if p.id != problem.leader_id]
    leader = [p for p in audience if p.id == problem.leader_id]
    values: dict = {"id": problem.id, "title": problem.title, "days": days, "deadline": problem.deadline}
    if by_leader is not None:
        values["leader"] = by_leader
    key = "notice.chased" if by_leader is None else "notice.chased.leader"
    told = notify(
        target,
        heads,
        key,
        buttons=[[("progress.btn.report", PROGRESS_REPORT.data(problem.id))]],
        dedup=f"chase:{problem.id}:{day}",
        **values,
    )
    waits_for_dispatch = problem.status in (problems.CLAIMED, problems.REOPENED)
    return told + notify(
        target,
        leader,
        key,
        buttons=[[("dispatch.btn", DISPATCH.data(problem.id))]] if waits_for_dispatch else None,
        dedup=f"chase:{problem.id}:{day}",
        **values,
    )


def problem_returned(target, problem: Problem, comment: str, due_at: datetime | None = None) -> int:
    """A closure sent back: the department's heads get the button to report again; the leader is
    told without it, since only a head may report (nobody is offered a button they cannot use)."""
    heads = heads_of(target, problem.department_id)
    told = notify(
        target,
        heads,
        "notice.returned",
        buttons=[[("progress.btn.report", PROGRESS_REPORT.data(problem.id))]],
        due_at=due_at,
        id=problem.id,
        title=problem.title,
        comment=comment,
    )
    leader = [p for p in person(target, problem.leader_id) if p.id not in {h.id for h in heads}]
    return told + notify(
        target, leader, "notice.returned", due_at=due_at, id=problem.id, title=problem.title, comment=comment
    )


# ---- the campaign calendar ---------------------------------------------------------------


def _when(target, moment: datetime) -> str:
    zone = reach(target).zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def meeting_set(target, event: calendar.Event) -> int:
    """A new meeting: its attendees are told at once (phases tell nobody)."""
    if event.kind != "meeting":
        return 0
    return notify(
        target,
        calendar.attendees(reach(target).db, event),
        "meeting.announced",
        dedup=f"meeting-set:{event.id}",
        title=event.title,
        when=_when(target, event.starts_at),
        place=event.place or "—",
    )


def meeting_moved(target, event: calendar.Event) -> int:
    return notify(
        target,
        calendar.attendees(reach(target).db, event),
        "meeting.moved",
        title=event.title,
        when=_when(target, event.starts_at),
        place=event.place or "—",
    )


def meeting_cancelled(target, event: calendar.Event) -> int:
    return notify(
        target,
        calendar.attendees(reach(target).db, event),
        "meeting.cancelled",
        title=event.title,
        when=_when(target, event.starts_at),
    )


def phase_announced(target, event, starts: str, ends: str) -> int:
    """A new phase of the campaign is told to everyone on the roster."""
    return notify(
        target,
        everyone(target),
        "phase.announced",
        dedup=f"phase:{event.id}",
        title=event.title,
        starts=starts,
        ends=ends,
    )


def public_box_full(target, limit: int) -> int:
    """The public box took its hourly ceiling of guest opinions: the office hears it once for
    that hour (further guests are asked to come back later), with the way to pause the box."""
    # Due from the start of the hour, not the moment the last guest submitted: the row keeps no
    # arrival time of anyone's opinion (delivery sends it at once all the same).
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    return notify(
        target,
        office(target),
        "public.ceiling_reached",
        limit=limit,
        buttons=[[("public.btn.pause", PUBLIC_BOX.data("pause"))]],
        dedup=f"public_full:{hour:%Y-%m-%dT%H}",
        due_at=hour,
    )
