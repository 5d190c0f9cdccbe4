"""What every problem flow shares: the problem a button names, checked for the action the
person wants to take, and refusals in the person's own words."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

import callbacks
from handlers.access import database, language, person_of, reply, send_lines
from storage import problems
from storage.people import Person
from storage.problems import Problem, ProblemError
from texts import say
from texts.fit import shorten


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


CARDS = 10  # problem cards one command sends at most; the rest are counted, never dropped unsaid


async def send_cards(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    which: problems.Filter,
    markup: Callable[[str, Problem], InlineKeyboardMarkup | None],
) -> int:
    """One card per problem of the first page (deadline order), then how many are left;
    returns how many problems there are in all."""
    from handlers.reports import ledger  # ledger renders the card; it imports nothing from here

    db, lang, chat = database(context), language(update, context), update.effective_chat.id
    shown = problems.page(db, which, CARDS)
    for problem in shown.problems:
        await send_lines(context, chat, ledger.card_lines(context, lang, problem), markup(lang, problem))
    total = len(shown.problems) if shown.after is None else problems.count(db, which)
    if total > len(shown.problems):
        await context.bot.send_message(
            chat, say(lang, "list.more", count=total - len(shown.problems)), parse_mode="HTML"
        )
    return total


# The button that starts each action on a problem: its label (a catalog key) and its data.
ACTION_BUTTONS = {
    "claim": ("claim.btn", callbacks.CLAIM),
    "dispatch": ("dispatch.btn", callbacks.DISPATCH),
    "explain": ("explain.btn", callbacks.EXPLAIN),
    "report": ("progress.btn.report", callbacks.PROGRESS_REPORT),
    "request_closure": ("progress.btn.closure", callbacks.CLOSURE_REQUEST),
    "close": ("closure.btn.close", callbacks.CLOSURE_CLOSE),
    "return": ("closure.btn.return", callbacks.CLOSURE_RETURN),
}


def action_buttons(
    lang: str, problem: Problem, person: Person, among: tuple[str, ...]
) -> InlineKeyboardMarkup | None:
    """One row: a button for each of `among` that this person may do to this problem now
    (problems.allowed reads TRANSITIONS and the person's roles); None when there is none."""
    row = [
        InlineKeyboardButton(
            say(lang, ACTION_BUTTONS[action][0]), callback_data=ACTION_BUTTONS[action][1].data(problem.id)
        )
        for action in problems.allowed(problem, person)
        if action in among
    ]
    return InlineKeyboardMarkup([row]) if row else None


async def offer_picks(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    found: list[Problem],
    shown: int,
    button: callbacks.Button,
    key: str,
    none_key: str,
    **words: object,
) -> None:
    """A page of problems to pick from, one button each: `found` is read one past `shown`, so
    the text can say there are more (`{key}.pick_more`, the rest by number) or not
    (`{key}.pick`); `none_key` when there is nothing to pick."""
    if not found:
        await reply(update, context, none_key)
        return
    rows = [
        [InlineKeyboardButton(shorten(f"#{p.id} {p.title}", 60), callback_data=button.data(p.id))]
        for p in found[:shown]
    ]
    more = "pick" if len(found) <= shown else "pick_more"
    await reply(
        update, context, f"{key}.{more}", shown=shown, reply_markup=InlineKeyboardMarkup(rows), **words
    )
