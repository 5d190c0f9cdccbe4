"""Look-backs on the sweeper's day: open the rounds that are due (30 and 90 days after closure
by default) and ask the department and its staff; close the rounds whose voting is over.

The day's work runs in committed slices (jobs/slices.py), so people are answered meanwhile: at
full size opening a day's look-backs walks tens of thousands of closed problems and asks whole
departments (it held the event loop close to a second in one transaction). Each step is one
problem's round opened, a chunk of one look-back's askers queued, or one look-back decided;
a pass cut short does its window again, and every notice it queues is deduplicated."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

from telegram.ext import Application

import services
from callbacks import DISPATCH, LOOKBACK_CONFIRM, LOOKBACK_VOTE, LOOKBACK_WIDEN, LOOKBACK_WIDEN_MENU
from jobs import bad_rows, notices
from jobs.slices import Slices, people_around, people_waiting
from storage import lookbacks, people, problems

log = logging.getLogger(__name__)

VOTE_BUTTONS = [
    [("lookback.btn.satisfied", "satisfied"), ("lookback.btn.basic", "basic")],
    [("lookback.btn.unsatisfied", "unsatisfied"), ("lookback.btn.unknown", "unknown")],
]


def voters(
    app: Application,
    lookback: lookbacks.Lookback,
    *,
    adding: tuple[str, str] | None = None,
    known: dict[tuple[str, str], list] | None = None,
) -> list:
    """Everyone the look-back asks: its electorate, read person by person (with `adding`, as it
    would be once widened by that entry: the preview the office confirms). `known`: the groups
    read before in the same pass (the day's look-backs ask the same few departments: at full
    size 222 look-backs read a department of 1,000 people each, 17 ms apiece on the loop)."""
    found: dict[int, object] = {}
    entries = lookbacks.electorate(services.of(app).db, lookback.id) + ([adding] if adding else [])
    for kind, value in entries:
        if known is None:
            members = group(app, kind, value)
        else:
            members = known.get((kind, value)) or known.setdefault((kind, value), group(app, kind, value))
        found.update((p.id, p) for p in members)
    return list(found.values())


def group(app: Application, kind: str, value: str) -> list:
    """The people one electorate entry names: a department, a role, or everyone."""
    db = services.of(app).db
    if kind == "everyone":
        return people.everyone(db)
    if kind == "role":
        return people.holding(db, (value,))
    return notices.department(app, int(value))


ASK_CHUNK = 15  # voters queued between two chances to commit and let people in (about 5 ms)


def first_electorate(db, problem_id: int) -> list[tuple[str, str]]:
    """Who a look-back asks when it opens: the departments the problem is about and the one that
    fixed it, or everyone when it names none."""
    return [("department", str(d)) for d in lookbacks.affected_departments(db, problem_id)] or [
        lookbacks.EVERYONE
    ]


def would_ask(app: Application, problem_id: int) -> int:
    """How many a new round of the problem would ask to vote (its first electorate, and the
    holders of the receipts of the opinions behind it): the number its preview states."""
    db = services.of(app).db
    found = {p.id for kind, value in first_electorate(db, problem_id) for p in group(app, kind, value)}
    return len(found) + len(problems.opinions_of(db, problem_id))


def asked_to_vote(app: Application, lookback: lookbacks.Lookback) -> int:
    """How many a look-back asks to vote now: its electorate and the receipts' holders."""
    return len(voters(app, lookback)) + len(problems.opinions_of(services.of(app).db, lookback.problem_id))


def ask(app: Application, lookback: lookbacks.Lookback) -> None:
    """Ask the department to confirm, and the electorate to vote, at once (in the caller's
    transaction): for a look-back the office opens by hand."""
    for _ in asking(app, lookback):
        pass


def asking(
    app: Application,
    lookback: lookbacks.Lookback,
    *,
    holders: bool = True,
    known: dict[tuple[str, str], list] | None = None,
) -> Iterator[None]:
    """Ask the department to confirm, and the electorate to vote. The electorate is chosen
    here, when the look-back opens: the departments the problem is about and the one that fixed
    it (the holders of its receipts vote under /receipt); the office may widen it. When those
    asked cannot reach the minimum, the office is told at once, with one tap to widen.

    Yields after each chunk of voters (outside any transaction of its own), where the caller
    may commit and pause; every notice is deduplicated per person, so asking again after a
    pass was cut short only queues what is missing."""
    db, settings = services.of(app).db, services.of(app).settings
    problem = problems.get(db, lookback.problem_id)
    if problem is None:  # a look-back's problem is never deleted
        raise LookupError(f"problem {lookback.problem_id}")
    if not lookbacks.electorate(db, lookback.id):
        lookbacks.widen(db, lookback.id, first_electorate(db, problem.id))
    notices.notify(
        app,
        notices.heads_of(app, problem.department_id),
        "lookback.confirm_ask",
        buttons=[[("lookback.btn.confirm", LOOKBACK_CONFIRM.data(lookback.id))]],
        dedup=f"lookback-confirm:{lookback.id}",
        id=problem.id,
        title=problem.title,
    )
    asked = voters(app, lookback, known=known)
    yield  # reading a department (1,000 people at full size) is a step of its own: 17 ms
    yield from _asked_to_vote(
        app,
        lookback,
        asked,
        "lookback.vote_ask",
        f"lookback-vote:{lookback.id}",
        id=problem.id,
        title=problem.title,
        measures=problem.measures or "—",
    )
    reach = len(asked) + len(problems.opinions_of(db, problem.id))
    widened = lookbacks.EVERYONE in lookbacks.electorate(db, lookback.id)
    if reach < settings.lookback_min_votes and not widened:
        notices.notify(
            app,
            notices.office(app),
            "lookback.too_few_asked",
            buttons=[
                [("lookback.btn.widen", LOOKBACK_WIDEN.data(lookback.id))],
                [("lookback.btn.widen_some", LOOKBACK_WIDEN_MENU.data(lookback.id))],
            ],
            dedup=f"lookback-too-few:{lookback.id}:{len(asked)}",
            id=problem.id,
            title=problem.title,
            asked=reach,
            k=settings.lookback_min_votes,
        )
    if holders:  # once, when the look-back opens (a pass that resumes it does not tell again)
        notices.holders_told(
            app,
            problems.opinions_of(db, problem.id),
            "lookback.holder_news",
            f"lookback-holder:{lookback.id}",
            id=problem.id,
            title=problem.title,
        )


def reminder_moment(lookback: lookbacks.Lookback, today: date) -> str | None:
    """'half' at half time of the voting, 'last' on its last day (a round of two days or less
    gets only the last); None on any other day."""
    last = lookback.last_voting_day
    half = lookback.opens_on + (lookback.closes_on - lookback.opens_on) // 2
    if today == last and last > lookback.opens_on:
        return "last"
    if today == half and lookback.opens_on < half < last:
        return "half"
    return None


def reminding(
    app: Application, lookback: lookbacks.Lookback, moment: str, known: dict | None = None
) -> Iterator[None]:
    """Ask again those asked who are not on the written voters list. Those whose ballot waits
    in the pool are asked too, and a press tells them they have voted: leaving them out would
    write into the outbox who waits, and so whose ballot the next batch holds. A ballot lost to
    a restart (its voter not on the list) can be cast again only through this."""
    db = services.of(app).db
    problem = problems.get(db, lookback.problem_id)
    if problem is None:  # a look-back's problem is never deleted
        raise LookupError(f"problem {lookback.problem_id}")
    written = lookbacks.written_voters(db, lookback.id)
    waiting = [p for p in voters(app, lookback, known=known) if lookbacks.staff_voter(p.id) not in written]
    yield
    yield from _asked_to_vote(
        app,
        lookback,
        waiting,
        f"lookback.reminder_{moment}",
        f"lookback-remind:{lookback.id}:{moment}",
        id=problem.id,
        title=problem.title,
        last=lookback.last_voting_day.strftime("%m-%d"),
    )


def _asked_to_vote(
    app: Application, lookback: lookbacks.Lookback, asked: list, key: str, dedup: str, **values
) -> Iterator[None]:
    """The vote buttons queued to each person, a chunk at a time (deduplicated per person)."""
    buttons = [
        [(label, LOOKBACK_VOTE.data(lookback.id, choice)) for label, choice in row] for row in VOTE_BUTTONS
    ]
    for start in range(0, len(asked), ASK_CHUNK):
        notices.notify(app, asked[start : start + ASK_CHUNK], key, buttons=buttons, dedup=dedup, **values)
        yield


def conclude(app: Application, lookback: lookbacks.Lookback) -> str:
    db, settings = services.of(app).db, services.of(app).settings
    result = lookbacks.finish(db, lookback.id, settings.lookback_min_votes, settings.lookback_reopen_share)
    if result == lookbacks.REOPENED:
        problem = problems.get(db, lookback.problem_id)
        if problem is None:  # a look-back's problem is never deleted
            raise LookupError(f"problem {lookback.problem_id}")
        counts = lookbacks.tally(db, lookback.id)
        notices.notify(
            app,
            notices.person(app, problem.leader_id),
            "lookback.reopened",
            buttons=[[("dispatch.btn", DISPATCH.data(problem.id))]],
            id=problem.id,
            title=problem.title,
            unsatisfied=counts["unsatisfied"],
            counted=sum(counts[c] for c in lookbacks.COUNTED),
        )
        log.info("look-back %s reopened problem %s", lookback.id, problem.id)
    return result


def run(app: Application, today: date) -> None:
    """The day's look-backs at once, in the caller's transaction (tests and the command line)."""
    started: set[int] = set()
    for steps in _steps(app, today, started):
        for _ in steps:
            pass


async def run_in_slices(app: Application, today: date, slices: Slices | None = None) -> None:
    """The day's look-backs in committed slices, letting people in between (the sweeper)."""
    slices = slices or Slices(busy=people_waiting(app), around=people_around(app))
    started: set[int] = set()
    for steps in _steps(app, today, started):
        await slices.run(services.of(app).db, steps)


def _steps(app: Application, today: date, started: set[int]) -> tuple[Iterator[None], ...]:
    return (
        _opening(app, today, started),
        _asking(app, today, started),
        _reminding(app, today),
        _concluding(app, today),
    )


def _opening(app: Application, today: date, started: set[int]) -> Iterator[None]:
    """Open each round that is due (a round that exists already is not opened twice)."""
    db, settings = services.of(app).db, services.of(app).settings
    due = lookbacks.each_due_round(
        db, today, settings.lookback_days, settings.timezone, bad_row=bad_rows.reporter(app)
    )
    for problem_id, round_name in due:
        with bad_rows.skipped_if_bad(app, "problems", problem_id):
            opened = lookbacks.start(db, problem_id, round_name, today, settings.lookback_open_days)
            if opened:
                started.add(opened.id)
        yield


_END = object()


def _asking(app: Application, today: date, started: set[int]) -> Iterator[None]:
    """Ask for every look-back opened on the day and still open: those just opened, and after
    a pass cut short, those it opened before (what they queued then is not queued twice).
    Holders of receipts are told, directly, of those opened in this pass only."""
    known: dict[tuple[str, str], list] = {}  # the pass's groups, each read once
    for lookback in lookbacks.opened_on(services.of(app).db, today):
        yield from _guarded(app, lookback, asking(app, lookback, holders=lookback.id in started, known=known))


def _reminding(app: Application, today: date) -> Iterator[None]:
    """Remind, at half time and on the last day, in each look-back open for voting (a pass cut
    short reminds again: the notices are deduplicated)."""
    known: dict[tuple[str, str], list] = {}
    for lookback in lookbacks.voting_on(services.of(app).db, today):
        moment = reminder_moment(lookback, today)
        if moment is None:
            continue
        yield from _guarded(app, lookback, reminding(app, lookback, moment, known))


def _guarded(app: Application, lookback: lookbacks.Lookback, steps: Iterator[None]) -> Iterator[None]:
    """A look-back's steps until they are done, or skipped (and reported) as a bad row."""
    while True:
        finished = True
        with bad_rows.skipped_if_bad(app, "lookbacks", lookback.id):
            finished = next(steps, _END) is _END
        if finished:
            return
        yield


def _concluding(app: Application, today: date) -> Iterator[None]:
    for lookback in lookbacks.expired(services.of(app).db, today):
        with bad_rows.skipped_if_bad(app, "lookbacks", lookback.id):
            conclude(app, lookback)
        yield
