"""Look-backs on the sweeper's day: open the rounds that are due (30 and 90 days after closure
by default) and ask the department and its staff; close the rounds whose voting is over."""

from __future__ import annotations

import logging
from datetime import date

from telegram.ext import Application

from callbacks import DISPATCH, LOOKBACK_CONFIRM, LOOKBACK_VOTE
from jobs import bad_rows, notices
from storage import lookbacks, problems

log = logging.getLogger(__name__)

VOTE_BUTTONS = [[("lookback.btn.satisfied", "satisfied"), ("lookback.btn.basic", "basic")],
                [("lookback.btn.unsatisfied", "unsatisfied"), ("lookback.btn.unknown", "unknown")]]


def ask(app: Application, lookback: lookbacks.Lookback) -> None:
    problem = problems.get(app.bot_data["db"], lookback.problem_id)
    if problem is None:  # a look-back's problem is never deleted
        raise LookupError(f"problem {lookback.problem_id}")
    notices.notify(app, notices.heads_of(app, problem.department_id), "lookback.confirm_ask",
                   buttons=[[("lookback.btn.confirm", LOOKBACK_CONFIRM.data(lookback.id))]],
                   dedup=f"lookback-confirm:{lookback.id}", id=problem.id, title=problem.title)
    buttons = [[(label, LOOKBACK_VOTE.data(lookback.id, choice)) for label, choice in row]
               for row in VOTE_BUTTONS]
    notices.notify(app, notices.department(app, problem.department_id), "lookback.vote_ask",
                   buttons=buttons, dedup=f"lookback-vote:{lookback.id}", id=problem.id,
                   title=problem.title, measures=problem.measures or "—")


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
