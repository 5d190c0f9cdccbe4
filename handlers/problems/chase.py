"""催办: the office reminds whoever an overdue problem waits on, from the problem's card (🔎 查看
under an escalation, #N in the ledger, /history N). 📣 催办 first says how late it is and whom
it will remind (the department's heads and the leader, or the leader alone while it waits for
下单), and reminds them on ✅ 确认催办: at most once a day, however often pressed; the trail
records it. The reminders the sweeper sends on its own are jobs/reminders.py's."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import PROBLEM_CHASE, PROBLEM_CHASE_GO, PROBLEM_CHASE_NO
from handlers import confirmations
from handlers.access import database, language, person_of, refuse, reply, requires
from handlers.reports import ledger
from jobs import notices
from storage import problems
from storage.people import OFFICE
from texts import say


def _late(context: ContextTypes.DEFAULT_TYPE, problem_id: int):
    """The problem if the office may chase it today (problems.may_chase), else None."""
    problem = problems.get(database(context), problem_id)
    return problem if problem is not None and problems.may_chase(problem, ledger.today(context)) else None


async def _not_late(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int) -> None:
    await refuse(update, context, "chase.not_late", id=problem_id)


@requires(OFFICE)
async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [problem_id] = PROBLEM_CHASE.parse(update.callback_query.data)
    problem = _late(context, problem_id)
    if problem is None:  # done, or dispatched with a new deadline, since the card was shown
        await _not_late(update, context, problem_id)
        return
    told = notices.chase_audience(context, problem)
    lang = language(update, context)
    await reply(
        update,
        context,
        "chase.preview",
        id=problem.id,
        title=problem.title,
        days=(ledger.today(context) - problem.deadline).days,
        deadline=problem.deadline.isoformat(),
        names="、".join(p.name for p in told) or "—",
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


@requires(OFFICE)
async def chase(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = PROBLEM_CHASE_GO.parse(update.callback_query.data)
    if not confirmations.take(context, f"chase:{problem_id}", token):  # 取消 pressed, or done already
        await confirmations.refuse_stale(update, context)
        return
    problem = _late(context, problem_id)
    if problem is None:
        await _not_late(update, context, problem_id)
        return
    today = ledger.today(context)
    told = notices.problem_chased(context, problem, (today - problem.deadline).days, today.isoformat())
    if told:
        problems.record_chase(database(context), problem.id, person_of(update, context).id, told)
    key = "chase.done" if told else "chase.already_today"
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), key, id=problem.id, count=told)
    )


@requires(OFFICE)
async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = PROBLEM_CHASE_NO.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"chase:{problem_id}", token, "chase.kept")


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(ask, pattern=PROBLEM_CHASE),
        CallbackQueryHandler(chase, pattern=PROBLEM_CHASE_GO),
        CallbackQueryHandler(keep, pattern=PROBLEM_CHASE_NO),
    ]
