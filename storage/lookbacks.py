"""Look-backs (回头看): some time after closure, the department confirms the fix still holds
and staff vote 满意 / 基本满意 / 不满意 (不了解 is not counted). With enough votes and a third
or more 不满意, the problem reopens and goes back to its leader.

A ballot is stored without its voter, under a random key; the list of who voted is a separate
table with the day only, so the two cannot be joined by order or time. Both reach the disk
through the mixing pool (storage/anonymous_pool.py): ballots only together with the voter rows
of at least k voters, shuffled apart; what is left when voting closes, without its voters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import sqlite_utils

from storage import anonymous_pool, audit, problems
from storage.problems import CLOSED, ProblemError

CHOICES = ("satisfied", "basic", "unsatisfied", "unknown")
COUNTED = ("satisfied", "basic", "unsatisfied")
HELD, REOPENED, TOO_FEW = "held", "reopened", "too_few"


@dataclass(frozen=True)
class Lookback:
    id: int
    problem_id: int
    round: str
    opens_on: date
    closes_on: date
    confirmed: bool
    result: str | None

    @property
    def last_voting_day(self) -> date:
        """Voting closes as closes_on begins (that day's first sweep counts the votes): the last
        day anyone can vote, the day every message names, is the day before."""
        return self.closes_on - timedelta(days=1)


def _lookback(row: dict) -> Lookback:
    return Lookback(
        row["id"],
        row["problem_id"],
        row["round"],
        date.fromisoformat(row["opens_on"]),
        date.fromisoformat(row["closes_on"]),
        row["confirmed_by"] is not None,
        row["result"],
    )


def get(db: sqlite_utils.Database, lookback_id: int) -> Lookback | None:
    rows = list(db.query("select * from lookbacks where id = ?", [lookback_id]))
    return _lookback(rows[0]) if rows else None


def _existing(db: sqlite_utils.Database, lookback_id: int) -> Lookback:
    """A look-back the caller names by id, which must be there (a round is never deleted)."""
    lookback = get(db, lookback_id)
    if lookback is None:
        raise LookupError(f"no look-back {lookback_id}")
    return lookback


def open_for(db: sqlite_utils.Database, problem_id: int) -> Lookback | None:
    rows = list(
        db.query(
            "select * from lookbacks where problem_id = ? and result is null order by id desc limit 1",
            [problem_id],
        )
    )
    return _lookback(rows[0]) if rows else None


def of_problem(db: sqlite_utils.Database, problem_id: int) -> list[Lookback]:
    """Every look-back of a problem, oldest first: part of the life a receipt holder follows."""
    return [
        _lookback(r)
        for r in db.query("select * from lookbacks where problem_id = ? order by id", [problem_id])
    ]


def start(
    db: sqlite_utils.Database,
    problem_id: int,
    round_name: str,
    today: date,
    open_days: int,
    actor_id: int | None = None,
) -> Lookback | None:
    """Open a look-back for a closed problem; None if this round exists already."""
    with db.atomic():
        problem = problems.get(db, problem_id)
        if problem is None:
            raise ProblemError("not_found")
        if problem.status != CLOSED:
            raise ProblemError("wrong_state", problem.status)
        cursor = db.execute(
            "insert or ignore into lookbacks (problem_id, round, opens_on, closes_on) values (?, ?, ?, ?)",
            [problem_id, round_name, today.isoformat(), (today + timedelta(days=open_days)).isoformat()],
        )
        if cursor.rowcount == 0 or cursor.lastrowid is None:  # this round was already started
            return None
        audit.record(db, "problem.lookback_start", f"problem:{problem_id}", actor_id, text=round_name)
        return _existing(db, cursor.lastrowid)


def due_rounds(
    db: sqlite_utils.Database,
    today: date,
    after_days: tuple[int, ...],
    zone,
    bad_row: problems.BadRow | None = None,
) -> list[tuple[int, str]]:
    """(problem, round) pairs whose look-back is due and not yet started (every closed problem:
    no cap); a closed problem's row that cannot be read goes to `bad_row`."""
    return list(each_due_round(db, today, after_days, zone, bad_row))


def each_due_round(
    db: sqlite_utils.Database,
    today: date,
    after_days: tuple[int, ...],
    zone,
    bad_row: problems.BadRow | None = None,
) -> Iterator[tuple[int, str]]:
    """The same, one at a time: the closed problems are read in short chunked queries, so the
    caller may commit and pause between two (at full size there are tens of thousands)."""
    for problem in problems.each(db, problems.CLOSED_FILTER, bad_row=bad_row):
        if problem.closed_at is None:
            continue
        closed_on = problem.closed_at.astimezone(zone).date()
        for days in after_days:
            round_name = f"{days}d"
            if (
                closed_on + timedelta(days=days) <= today
                and not db.execute(
                    "select 1 from lookbacks where problem_id = ? and round = ?", [problem.id, round_name]
                ).fetchone()
            ):
                yield problem.id, round_name


def vote(db: sqlite_utils.Database, lookback_id: int, voter: str, choice: str, today: date) -> bool:
    """One ballot per voter; False if this voter has voted already (written or waiting in the
    pool) or voting is over. The ballot waits in the mixing pool for its batch."""
    if choice not in CHOICES:
        raise ValueError(choice)
    lookback = get(db, lookback_id)
    if lookback is None or lookback.result is not None or has_voted(db, lookback_id, voter):
        return False
    anonymous_pool.pool_for(db).add_vote(lookback_id, voter, choice, today.isoformat())
    return True


def has_voted(db: sqlite_utils.Database, lookback_id: int, voter: str) -> bool:
    return anonymous_pool.pool_for(db).has_voted(lookback_id, voter) or bool(
        db.execute(
            "select 1 from lookback_voters where lookback_id = ? and voter = ?", [lookback_id, voter]
        ).fetchone()
    )


def asks_holder(db: sqlite_utils.Database, lookback_id: int, opinion_id: str) -> bool:
    """The look-back is of a problem this opinion is behind: its receipt holder may vote."""
    return bool(
        db.execute(
            "select 1 from lookbacks l join problem_opinions po on po.problem_id = l.problem_id "
            "where l.id = ? and po.opinion_id = ?",
            [lookback_id, opinion_id],
        ).fetchone()
    )


def staff_voter(person_id: int) -> str:
    return f"person:{person_id}"


def holder_voter(opinion_id: str) -> str:
    return f"receipt:{opinion_id}"


def confirm(
    db: sqlite_utils.Database, lookback_id: int, head_id: int, note: str, evidence: bytes | None = None
) -> None:
    """The department's word that the fix holds, with its evidence (a note, a clean photo)."""
    with db.atomic():
        db.execute(
            "update lookbacks set confirmed_by = ?, confirmation = ?, evidence = ? "
            "where id = ? and result is null",
            [head_id, note, evidence, lookback_id],
        )
        lookback = _existing(db, lookback_id)
        audit.record(db, "problem.lookback_confirm", f"problem:{lookback.problem_id}", head_id, text=note)


def tally(db: sqlite_utils.Database, lookback_id: int) -> dict[str, int]:
    counts = dict.fromkeys(CHOICES, 0)
    for choice, n in db.execute(
        "select choice, count(*) from lookback_ballots where lookback_id = ? group by choice", [lookback_id]
    ):
        counts[choice] = n
    return counts


def finish(db: sqlite_utils.Database, lookback_id: int, min_votes: int, reopen_share: Fraction) -> str:
    """Close the voting and decide: reopen, held, or too few votes to say (then no counts are
    published, so that a handful of voters cannot be singled out). Ballots still waiting for a
    batch are written first, without their voters."""
    anonymous_pool.pool_for(db).write_lookback(lookback_id, with_voters=False)
    with db.atomic():
        lookback = _existing(db, lookback_id)
        counts = tally(db, lookback_id)
        counted = sum(counts[c] for c in COUNTED)
        if counted < min_votes:
            result, published = TOO_FEW, {}
        elif counts["unsatisfied"] >= reopen_share * counted:
            result, published = REOPENED, counts
        else:
            result, published = HELD, counts
        db.execute("update lookbacks set result = ? where id = ?", [result, lookback_id])
        audit.record(
            db, "problem.lookback_result", f"problem:{lookback.problem_id}", None, text=result, **published
        )
        if result == REOPENED:
            problems.act(db, lookback.problem_id, "reopen", None)
    return result


def latest_result(db: sqlite_utils.Database, problem_id: int) -> tuple[int, str] | None:
    """(look-back, result) of the problem's last finished look-back, if any."""
    row = db.execute(
        "select id, result from lookbacks where problem_id = ? and result is not null "
        "order by id desc limit 1",
        [problem_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def opened_on(db: sqlite_utils.Database, day: date) -> list[Lookback]:
    """The look-backs opened on this day and still open: those the day's sweep asks for votes."""
    return [
        _lookback(r)
        for r in db.query(
            "select * from lookbacks where opens_on = ? and result is null order by id", [day.isoformat()]
        )
    ]


def voting_on(db: sqlite_utils.Database, today: date) -> list[Lookback]:
    """The look-backs open for voting on this day after the day they opened."""
    return [
        _lookback(r)
        for r in db.query(
            "select * from lookbacks where result is null and opens_on < ? and closes_on > ? order by id",
            [today.isoformat(), today.isoformat()],
        )
    ]


def written_voters(db: sqlite_utils.Database, lookback_id: int) -> set[str]:
    """The voters list as written (never the pool's: see jobs/lookbacks.reminding)."""
    rows = db.execute("select voter from lookback_voters where lookback_id = ?", [lookback_id])
    return {voter for (voter,) in rows}


def expired(db: sqlite_utils.Database, today: date) -> list[Lookback]:
    return [
        _lookback(r)
        for r in db.query(
            "select * from lookbacks where result is null and closes_on <= ?", [today.isoformat()]
        )
    ]


# ---- the electorate: who is asked, chosen when the look-back opens --------------------------

EVERYONE = ("everyone", "")


def affected_departments(db: sqlite_utils.Database, problem_id: int) -> list[int]:
    """The department that fixed the problem and the departments its opinions are about."""
    rows = db.execute(
        "select department_id from problems where id = ? and department_id is not null union "
        "select o.department_id from problem_opinions po join opinions o on o.id = po.opinion_id "
        "where po.problem_id = ? and o.department_id is not null",
        [problem_id, problem_id],
    )
    return sorted(r[0] for r in rows)


def widen(
    db: sqlite_utils.Database, lookback_id: int, entries: list[tuple[str, str]], actor_id: int | None = None
) -> None:
    with db.atomic():
        for kind, value in entries:
            db.execute(
                "insert or ignore into lookback_electorate values (?, ?, ?)", [lookback_id, kind, str(value)]
            )
        if actor_id is not None:
            lookback = _existing(db, lookback_id)
            audit.record(
                db,
                "problem.lookback_widen",
                f"problem:{lookback.problem_id}",
                actor_id,
                text=",".join(f"{k}:{v}" for k, v in entries),
            )


def electorate(db: sqlite_utils.Database, lookback_id: int) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in db.execute(
            "select kind, value from lookback_electorate where lookback_id = ? order by kind, value",
            [lookback_id],
        )
    ]


def asks(db: sqlite_utils.Database, lookback_id: int, person) -> bool:
    """Whether this person is among those the look-back asks (their vote is counted). A
    look-back opened before electorates existed asks the problem's department, as it did."""
    entries = electorate(db, lookback_id)
    if not entries:
        lookback = get(db, lookback_id)
        problem = problems.get(db, lookback.problem_id) if lookback else None
        return problem is not None and person.department_id == problem.department_id
    return any(
        kind == "everyone"
        or (kind == "department" and value == str(person.department_id))
        or (kind == "role" and value in person.roles)
        for kind, value in entries
    )


def latest_results(
    db: sqlite_utils.Database, problem_ids: list[int]
) -> dict[int, tuple[str, dict[str, int]]]:
    """Each of these problems' latest decided look-back: its result and its ballots counted by
    choice, in one query (the ledger reads them a chunk of problems at a time; the ballots are
    counted from the index by look-back, m060)."""
    if not problem_ids:
        return {}
    listed = ",".join("?" * len(problem_ids))
    found: dict[int, tuple[str, dict[str, int]]] = {}
    rows = db.execute(
        "select l.problem_id, l.result, b.choice, count(b.choice) from lookbacks l "
        "left join lookback_ballots b on b.lookback_id = l.id "
        f"where l.id in (select max(id) from lookbacks where problem_id in ({listed}) and result is not null "
        "group by problem_id) group by l.id, b.choice",
        list(problem_ids),
    )
    for problem_id, result, choice, n in rows:
        counts = found.setdefault(problem_id, (result, dict.fromkeys(CHOICES, 0)))[1]
        if choice is not None:
            counts[choice] = n
    return found
