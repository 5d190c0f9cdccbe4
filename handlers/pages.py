"""A page of a short list a person acts on (orders, rating sheets, questionnaires, report
requests, self-checks, the departments of a picker), read whole, since such lists stay in the
tens or hundreds: a message per item (or a button each, slice_asked), then,
when the list is longer than a page, 第 k 页，共 N 项 and 下一页 ▶. The button carries the page
and the id of the last item shown (keyset, as storage.problems.After for problems), so an item
added or dropped above does not shift the next page by one; a page asked for after its anchor
left the list says so rather than showing nothing.

A picker (the leaders to assign, the subjects to flag) is one message whose buttons are
redrawn in place: picker_page and turn_row give a page of PICKER_SIZE buttons with ◀ 上一页 and
下一页 ▶. The page number is enough there: each turn redraws from the list as it is now, and an
item added above moves one to the next page, where it is still found."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from callbacks import Button
from handlers.access import language, reply
from texts import say

Item = TypeVar("Item")
PICKER_SIZE = 40  # buttons of a picker on a page: Telegram refuses a message with more than 100


def asked(update: Update, next_page: Button) -> tuple[int, int | None]:
    """(page, id of the last item the previous page showed); (1, None) for the command."""
    query = update.callback_query
    if query is None or not next_page(query.data):
        return 1, None
    *_, page, after = next_page.parse(query.data)  # after what the button names (a look-back)
    return page, after


@dataclass(frozen=True)
class Slice:
    """The page of a list asked for: its number, its items, the total, the next page's data."""

    page: int
    items: list
    total: int
    following: str | None  # the 下一页 button's data; None on the last page

    @property
    def paged(self) -> bool:
        return self.following is not None or self.page > 1


def slice_asked(
    update: Update,
    items: Sequence[Item],
    ident: Callable[[Item], int],
    next_page: Button,
    size: int,
    *leading: object,
):
    """The page of `items` the command (the first) or the 下一页 button asks for; None when the
    button's anchor has left the list, or nothing follows it (the list changed). `leading`: the
    fields the button carries before the page (the look-back whose menu it pages)."""
    page, after = asked(update, next_page)
    start = 0
    if after is not None:
        at = next((n for n, item in enumerate(items) if ident(item) == after), None)
        if at is None or at + 1 >= len(items):
            return None
        start = at + 1
    shown = list(items[start : start + size])
    following = next_page.data(*leading, page + 1, ident(shown[-1])) if start + size < len(items) else None
    return Slice(page, shown, len(items), following)


def next_row(lang: str, part: Slice) -> list[InlineKeyboardButton]:
    """下一页 ▶ as a row of buttons, or no row on the last page."""
    if part.following is None:
        return []
    return [InlineKeyboardButton(say(lang, "inbox.btn.next"), callback_data=part.following)]


async def send_items(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    items: Sequence[Item],
    ident: Callable[[Item], int],
    send_one: Callable[[Item], Awaitable[None]],
    next_page: Button,
    size: int,
) -> int:
    """The page of `items` asked for, `send_one` each, and the footer (第 k 页，共 N 项, 下一页 ▶)
    when there is more than one page. Returns how many were shown: 0 when `items` is empty (the
    caller says there are none), -1 when a later page found its place gone (said here)."""
    if not items:
        return 0
    part = slice_asked(update, items, ident, next_page, size)
    if part is None:
        await reply(update, context, "list.page_empty")
        return -1
    if update.callback_query:
        await update.callback_query.answer()
    for item in part.items:
        await send_one(item)
    if part.paged:
        await send_footer(update, context, part.page, part.total, part.following)
    return len(part.items)


async def send_footer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    page: int,
    total: int,
    following: str | None,
    overdue: int = 0,
) -> None:
    """第 k 页，共 N 项 under a page of a list (and how many of them are overdue, for a list of
    problems), with 下一页 ▶ when `following` (its data) is given."""
    lang = language(update, context)
    button = InlineKeyboardButton(say(lang, "inbox.btn.next"), callback_data=following) if following else None
    text = say(lang, "list.page", page=page, total=total)
    if overdue:
        text += say(lang, "list.page.overdue", count=overdue)
    await context.bot.send_message(
        update.effective_chat.id,
        text,
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[button]]) if button else None,
    )


def picker_page(items: Sequence[Item], page: int, size: int = PICKER_SIZE) -> tuple[list[Item], int]:
    """The items on `page` (1-based; one past the last shows the last) and the page shown."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 1), pages)
    return list(items[(page - 1) * size : page * size]), page


def turn_row(
    lang: str, count: int, page: int, turn: Button, *leading: object, size: int = PICKER_SIZE
) -> list[InlineKeyboardButton]:
    """◀ 上一页 and 下一页 ▶ under a page of a picker of `count` items; no row when one page holds
    them all. `leading`: the fields the button carries before the page (the problem, the sheet)."""
    pages = max(1, -(-count // size))
    row = []
    if page > 1:
        row.append(
            InlineKeyboardButton(say(lang, "inbox.btn.previous"), callback_data=turn.data(*leading, page - 1))
        )
    if page < pages:
        row.append(
            InlineKeyboardButton(say(lang, "inbox.btn.next"), callback_data=turn.data(*leading, page + 1))
        )
    return row


def people_picker(
    lang: str, found: Sequence, page: int, pick: Callable[[object], str], turn: Button, *leading: object
) -> InlineKeyboardMarkup:
    """A page of people as buttons, 名字（科室）, `pick(person)` the data each carries, with
    ◀ 上一页 / 下一页 ▶ (`turn`, carrying `leading` before the page) past a page."""
    shown, page = picker_page(found, page)
    rows = [[InlineKeyboardButton(f"{p.name}（{p.department}）"[:60], callback_data=pick(p))] for p in shown]
    if row := turn_row(lang, len(found), page, turn, *leading):
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def picker_note(lang: str, count: int, size: int = PICKER_SIZE) -> str:
    """共 N 项，每页 40 项 under a picker's question when it has more than a page, else ''."""
    return "\n" + say(lang, "picker.paged", total=count, size=size) if count > size else ""
