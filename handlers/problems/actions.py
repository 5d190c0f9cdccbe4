"""What every problem flow shares: the problem a button names, checked for the action the
person wants to take, and refusals in the person's own words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

import callbacks
from callbacks import Button
from handlers import pages
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


CARDS = 10  # problem cards on a page; 下一页 ▶ brings the next ones, so every problem can be acted on


async def send_cards(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    which: problems.Filter,
    markup: Callable[[str, Problem], InlineKeyboardMarkup | None],
    next_page: Button,
) -> int:
    """A page of the problems' ledger cards with `markup`'s buttons: see send_page."""
    from handlers.reports import ledger  # ledger renders the card; it imports nothing from here

    async def card(lang: str, problem: Problem) -> None:
        lines = ledger.card_lines(context, lang, problem)
        await send_lines(context, update.effective_chat.id, lines, markup(lang, problem))

    return await send_page(update, context, which, card, next_page)


async def send_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    which: problems.Filter,
    send_card: Callable[[str, Problem], Awaitable[None]],
    next_page: Button,
) -> int:
    """A page of the list in deadline order (the first, or the one `next_page`'s button asks
    for), a card each, then, when the list is longer than a page, the page's number, the total
    and 下一页 ▶. Returns how many problems the page showed: 0 and the caller says there are
    none; -1 when a later page found none left (said here: the list changed since)."""
    db, lang = database(context), language(update, context)
    page, after = _page_asked(update, next_page)
    shown = problems.page(db, which, CARDS, after)
    if not shown.problems:
        if page > 1:
            await reply(update, context, "list.page_empty")
            return -1
        return 0
    if update.callback_query:
        await update.callback_query.answer()
    for problem in shown.problems:
        await send_card(lang, problem)
    if shown.after is not None or page > 1:
        from handlers.reports import ledger  # as send_cards

        following = next_page.data(page + 1, shown.after.token()) if shown.after is not None else None
        # the red ones lead the first page, and on a phone the line under it is what shows: a
        # head with 25 tasks read 第 1 页，共 26 项 and had to scroll through cards to count the late
        late = problems.count_overdue(db, which, ledger.today(context))
        await pages.send_footer(update, context, page, problems.count(db, which), following, late)
    return len(shown.problems)


def _page_asked(update: Update, next_page: Button) -> tuple[int, problems.After | None]:
    """(page, where the last page ended) from the 下一页 button; the first page otherwise."""
    query = update.callback_query
    if query is None or not next_page(query.data):
        return 1, None
    page, token = next_page.parse(query.data)
    after = problems.After.parse(token)
    return (page, after) if after is not None else (1, None)


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
    which: problems.Filter,
    shown: int,
    button: callbacks.Button,
    next_page: Button,
    key: str,
    none_key: str,
    **words: object,
) -> None:
    """A page of the problems `which` covers, in deadline order, to pick from, one button each;
    when there are more, the text says the page and the total (`{key}.pick_more`) and 下一页 ▶
    (`next_page`, keyset as send_page's) brings the next: every problem reachable by button, not
    only by a typed number. `{key}.pick` when all fit; `none_key` when there is nothing."""
    db = database(context)
    page, after = _page_asked(update, next_page)
    found = problems.page(db, which, shown, after)
    if not found.problems:
        await reply(update, context, "list.page_empty" if page > 1 else none_key)
        return
    lang = language(update, context)
    rows = [
        [InlineKeyboardButton(shorten(f"#{p.id} {p.title}", 60), callback_data=button.data(p.id))]
        for p in found.problems
    ]
    if found.after is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    say(lang, "inbox.btn.next"), callback_data=next_page.data(page + 1, found.after.token())
                )
            ]
        )
    paged = found.after is not None or page > 1
    total = problems.count(db, which) if paged else len(found.problems)
    await reply(
        update,
        context,
        f"{key}.{'pick_more' if paged else 'pick'}",
        page=page,
        total=total,
        reply_markup=InlineKeyboardMarkup(rows),
        **words,
    )
