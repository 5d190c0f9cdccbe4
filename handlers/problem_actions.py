"""What every problem flow shares: the problem a button names, checked for the action the
person wants to take, and refusals in the person's own words."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

import callbacks
from handlers.access import database, language, person_of
from storage import problems
from storage.problems import Problem, ProblemError
from texts import say


def problem_error_text(lang: str, error: ProblemError) -> str:
    detail = error.detail
    if error.reason == "missing_fields":
        detail = "、".join(say(lang, f"problem.field.{f}") for f in detail.split(","))
    elif error.reason == "wrong_state":
        detail = say(lang, f"problem.status.{detail}")
    return say(lang, f"problem.error.{error.reason}", detail=detail)


async def tell_error(update: Update, context: ContextTypes.DEFAULT_TYPE, error: ProblemError) -> None:
    text = problem_error_text(language(update, context), error)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML")


def id_in_button(update: Update) -> int:
    """The id the pressed button carries (its first field), read by the button registry; the
    handler's pattern (the button itself) has already checked it."""
    _, values = callbacks.parse(update.callback_query.data)
    return values[0]


def problem_in_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> Problem:
    """The problem the button names, if this person may do `action` on it now; else
    ProblemError saying why not."""
    problem = problems.get(database(context), id_in_button(update))
    if problem is None:
        raise ProblemError("not_found")
    problems.check(problem, action, person_of(update, context))
    return problem
