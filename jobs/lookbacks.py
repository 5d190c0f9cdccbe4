"""Look-backs on the sweeper's day: open the rounds that are due (30 and 90 days after closure
by default) and ask the department and its staff; close the rounds whose voting is over."""

from __future__ import annotations

import logging
from datetime import date

from telegram.ext import Application

from callbacks import DISPATCH, LOOKBACK_CONFIRM, LOOKBACK_VOTE, LOOKBACK_WIDEN, LOOKBACK_WIDEN_MENU
from jobs import bad_rows, notices
from storage import lookbacks, people, problems

log = logging.getLogger(__name__)

VOTE_BUTTONS = [[("lookback.btn.satisfied", "satisfied"), ("lookback.btn.basic", "basic")],
                [("lookback.btn.unsatisfied", "unsatisfied"), ("lookback.btn.unknown", "unknown")]]


def voters(app: Application, lookback: lookbacks.Lookback, *, adding: tuple[str, str] | None = None) -> list:
    """Everyone the look-back asks: its electorate, read person by person (with `adding`, as it
    would be once widened by that entry: the preview the office confirms)."""
    found: dict[int, object] = {}
    entries = lookbacks.electorate(app.bot_data["db"], lookback.id) + ([adding] if adding else [])
    for kind, value in entries:
        found.update((p.id, p) for p in group(app, kind, value))
    return list(found.values())


def group(app: Application, kind: str, value: str) -> list:
    """The people one electorate entry names: a department, a role, or everyone."""
    db = app.bot_data["db"]
    if kind == "everyone":
        return people.everyone(db)
    if kind == "role":
        return people.holding(db, (value,))
    return notices.department(app, int(value))


def ask(app: Application, lookback: lookbacks.Lookback) -> None:
    """Ask the department to confirm, and the electorate to vote. The electorate is chosen
    here, when the look-back opens: the departments the problem is about and the one that fixed
    it (the holders of its receipts vote under /receipt); the office may widen it. When those
    asked cannot reach the minimum, the office is told at once, with one tap to widen."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    problem = problems.get(db, lookback.problem_id)
    if problem is None:  # a look-back's problem is never deleted
        raise LookupError(f"problem {lookback.problem_id}")
    if not lookbacks.electorate(db, lookback.id):
        lookbacks.widen(db, lookback.id, [("department", str(d)) for d in lookbacks.affected_departments(
            db, problem.id)] or [lookbacks.EVERYONE])
    notices.notify(app, notices.heads_of(app, problem.department_id), "lookback.confirm_ask",
                   buttons=[[("lookback.btn.confirm", LOOKBACK_CONFIRM.data(lookback.id))]],
                   dedup=f"lookback-confirm:{lookback.id}", id=problem.id, title=problem.title)
    asked = voters(app, lookback)
    buttons = [[(label, LOOKBACK_VOTE.data(lookback.id, choice)) for label, choice in row]
               for row in VOTE_BUTTONS]
    notices.notify(app, asked, "lookback.vote_ask",
                   buttons=buttons, dedup=f"lookback-vote:{lookback.id}", id=problem.id,
                   title=problem.title, measures=problem.measures or "—")
    reach = len(asked) + len(problems.opinions_of(db, problem.id))
    widened = lookbacks.EVERYONE in lookbacks.electorate(db, lookback.id)
    if reach < settings.lookback_min_votes and not widened:
        notices.notify(app, notices.office(app), "lookback.too_few_asked",
                       buttons=[[("lookback.btn.widen", LOOKBACK_WIDEN.data(lookback.id))],
                                [("lookback.btn.widen_some", LOOKBACK_WIDEN_MENU.data(lookback.id))]],
                       dedup=f"lookback-too-few:{lookback.id}:{len(asked)}", id=problem.id,
                       title=problem.title, asked=reach, k=settings.lookback_min_votes)
    notices.holders_told(app, problems.opinions_of(db, problem.id), "lookback.holder_news",
                         f"lookback-holder:{lookback.id}", id=problem.id, title=problem.title)


def conclude(app: Application, lookback: lookbacks.Lookback) -> str:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    result = lookbacks.finish(db, lookback.id, settings.lookback_min_votes, settings.lookback_reopen_share)
    if result == lookbacks.REOPENED:
        problem = problems.get(db, lookback.problem_id)
        if problem is None:  # a look-back's problem is never deleted
            raise LookupError(f"problem {lookback.problem_id}")
        counts = lookbacks.tally(db, lookback.id)
        notices.notify(app, notices.person(app, problem.leader_id), "lookback.reopened",
                       buttons=[[("dispatch.btn", DISPATCH.data(problem.id))]], id=problem.id,
                       title=problem.title, unsatisfied=counts["unsatisfied"],
                       counted=sum(counts[c] for c in lookbacks.COUNTED))
        log.info("look-back %s reopened problem %s", lookback.id, problem.id)
    return result


def run(app: Application, today: date) -> None:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    for problem_id, round_name in lookbacks.due_rounds(db, today, settings.lookback_days, settings.timezone,
                                                       bad_row=bad_rows.reporter(app)):
        with bad_rows.skipped_if_bad(app, "problems", problem_id):
            started = lookbacks.start(db, problem_id, round_name, today, settings.lookback_open_days)
            if started:
                ask(app, started)
    for lookback in lookbacks.expired(db, today):
        with bad_rows.skipped_if_bad(app, "lookbacks", lookback.id):
            conclude(app, lookback)
