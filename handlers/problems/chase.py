"""催办: the office reminds whoever an overdue problem waits on, from the problem's card (🔎 查看
under an escalation, #N in the ledger, /history N). 📣 催办 first says how late it is and whom
it will remind (the department's heads and the leader, or the leader alone while it waits for
下单), and reminds them on ✅ 确认催办: at most once a day, however often pressed; the trail
records it. The problem's own leader (分管领导) chases its department the same way, from the
same card and from 我的问题: the heads are reminded, in the leader's name. The reminders the
sweeper sends on its own are jobs/reminders.py's."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import PROBLEM_CHASE, PROBLEM_CHASE_GO, PROBLEM_CHASE_NO
from handlers import confirmations
from handlers.access import database, language, person_of, refuse, reply, requires
from handlers.reports import ledger
from jobs import notices
from storage import outbox, problems
from storage.people import LEADER, OFFICE
from texts import say


def _late(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int):
    """The problem if this person may chase it today: the office (problems.may_chase), or its
    own leader while the department works on it (problems.leader_may_chase); else None."""
    problem = problems.get(database(context), problem_id)
    if problem is None:
        return None
    today = ledger.today(context)
    if OFFICE in person_of(update, context).roles:
        return problem if problems.may_chase(problem, today) else None
    return problem if problems.leader_may_chase(problem, person_of(update, context).id, today) else None


def _by_leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The leader's name when the leader chases (the notice says who asks); None for the office."""
    person = person_of(update, context)
    return None if OFFICE in person.roles else person.name


def _chased_today(context: ContextTypes.DEFAULT_TYPE, problem_id: int, told: list) -> bool:
    """Everyone this 催办 would remind was reminded of the problem today (by the office or its
    leader): 确认 would remind nobody (notices.problem_chased's once a day)."""
    day = ledger.today(context).isoformat()
    reminded = {row.person_id for row in outbox.queued_under(database(context), f"chase:{problem_id}:{day}:")}
    return all(p.id in reminded for p in told)


async def _not_late(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int) -> None:
    await refuse(update, context, "chase.not_late", id=problem_id)


@requires(OFFICE, LEADER)
async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [problem_id] = PROBLEM_CHASE.parse(update.callback_query.data)
    problem = _late(update, context, problem_id)
    if problem is None:  # done, or dispatched with a new deadline, since the card was shown
        await _not_late(update, context, problem_id)
        return
    told = notices.chase_audience(context, problem, by_leader=_by_leader(update, context) is not None)
    if not told:  # a leader's 催办 of a department with no joined head: nobody to remind
        await refuse(update, context, "chase.no_head", id=problem.id, department=problem.department or "—")
        return
    if _chased_today(context, problem.id, told):  # said before the question, not after 确认
        await refuse(update, context, "chase.already_today", id=problem.id)
        return
    lang = language(update, context)
    await reply(
        update,
        context,
        "chase.preview",
        id=problem.id,
        title=problem.title,
        days=(ledger.today(context) - problem.deadline).days,
        deadline=problem.deadline.isoformat(),
        names="、".join(p.name for p in told),
        count=len(told),
        reply_markup=confirmations.buttons(
            lang,
            PROBLEM_CHASE_GO,
            PROBLEM_CHASE_NO,
            problem.id,
            token=confirmations.ask(context, f"chase:{problem.id}"),
            confirm_key="chase.btn.confirm",
        ),
    )


@requires(OFFICE, LEADER)
async def chase(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = PROBLEM_CHASE_GO.parse(update.callback_query.data)
    if not confirmations.take(context, f"chase:{problem_id}", token):  # 取消 pressed, or done already
        await confirmations.refuse_stale(update, context)
        return
    problem = _late(update, context, problem_id)
    if problem is None:
        await _not_late(update, context, problem_id)
        return
    today = ledger.today(context)
    days = (today - problem.deadline).days
    told = notices.problem_chased(context, problem, days, today.isoformat(), _by_leader(update, context))
    if told:
        problems.record_chase(database(context), problem.id, person_of(update, context).id, told)
    key = "chase.done" if told else "chase.already_today"
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), key, id=problem.id, count=told)
    )


@requires(OFFICE, LEADER)
async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = PROBLEM_CHASE_NO.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"chase:{problem_id}", token, "chase.kept")


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(ask, pattern=PROBLEM_CHASE),
        CallbackQueryHandler(chase, pattern=PROBLEM_CHASE_GO),
        CallbackQueryHandler(keep, pattern=PROBLEM_CHASE_NO),
    ]
