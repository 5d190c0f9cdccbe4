"""Hotspots for the office (/hotspots, and the top of the inbox): a group of similar open
opinions as one card ("12 条意见反映了类似问题"), opened to its members; the office merges,
splits and moves, and lists a group as one problem linked to every opinion in it."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

import callbacks
from callbacks import (
    HOTSPOT_CHOOSE_MERGE,
    HOTSPOT_CHOOSE_MOVE,
    HOTSPOT_MEMBERS_PAGE,
    HOTSPOT_MERGE,
    HOTSPOT_MERGE_PAGE,
    HOTSPOT_MOVE,
    HOTSPOT_MOVE_PAGE,
    HOTSPOT_OPEN,
    HOTSPOT_PAGE,
    HOTSPOT_PROBLEM,
    HOTSPOT_PROBLEM_CANCEL,
    HOTSPOT_PROBLEM_CONFIRM,
    HOTSPOT_SPLIT,
    Button,
)
from handlers import confirmations, menu
from handlers.access import database, language, person_of, refuse, reply, requires, send_lines
from handlers.problems.listing import announce
from jobs import hotspots as hotspot_job
from storage import hotspots, opinions
from storage.db import reader as db_reader
from storage.hotspots import Hotspot, HotspotError
from storage.people import OFFICE
from texts import say
from texts.fit import shorten

# Pages, each with the next one's button: nothing the office may need is out of reach.
CARDS = 5  # hotspots on a page (the inbox shows the first page and the number of groups)
MEMBERS = 20  # a group's opinions on a page when it is opened
TARGETS = 8  # groups on a page of the merge and move pickers
SNIPPET = 80  # characters of an opinion's text on a member line or a card
BUTTON_TEXT = 24


def card_lines(lang: str, hotspot: Hotspot) -> list[str]:
    lines = [
        say(
            lang,
            "hotspot.card",
            count=hotspot.size,
            text=shorten(hotspot.representative, SNIPPET),
            categories="、".join(hotspot.categories) or "—",
            departments="、".join(hotspot.departments) or say(lang, "opinion.no_department"),
            first=hotspot.first_day,
            last=hotspot.last_day,
        )
    ]
    if hotspot.problem_id:
        lines.append(say(lang, "hotspot.listed_as", id=hotspot.problem_id))
    return lines


def _card_buttons(lang: str, group_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.open"), callback_data=HOTSPOT_OPEN.data(group_id)
                ),
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.merge"), callback_data=HOTSPOT_CHOOSE_MERGE.data(group_id)
                ),
            ],
            [
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.problem"), callback_data=HOTSPOT_PROBLEM.data(group_id)
                )
            ],
        ]
    )


async def send_cards(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int | None = None) -> int:
    """A page of the largest groups of open opinions, one card each, and where it stands among
    them: for /hotspots (`page`) the page's number and the next page's button, for the inbox's
    first page how many groups there are in all. Returns how many cards were shown."""
    db, lang = database(context), language(update, context)

    def read() -> tuple[list[Hotspot], int]:
        # the largest groups come from kept counts; describing them (categories, departments,
        # days) reads every open member of the groups shown: in a worker thread
        with db_reader(db) as reading:
            offset = ((page or 1) - 1) * CARDS
            return hotspots.top(reading, CARDS, open_only=True, offset=offset), hotspots.count_open(reading)

    shown, total = await asyncio.to_thread(read)
    for hotspot in shown:
        await send_lines(
            context, update.effective_chat.id, card_lines(lang, hotspot), _card_buttons(lang, hotspot.id)
        )
    if page is None:
        if total > len(shown):
            await reply(update, context, "hotspot.more_groups", count=len(shown), total=total)
    elif shown and (total > CARDS or page > 1):
        pages = -(-total // CARDS)
        following = (
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            say(lang, "hotspot.btn.next"), callback_data=HOTSPOT_PAGE.data(page + 1)
                        )
                    ]
                ]
            )
            if page < pages
            else None
        )
        await reply(
            update, context, "hotspot.page", page=page, pages=pages, total=total, reply_markup=following
        )
    return len(shown)


@requires(OFFICE)
async def show_hotspots(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    page = 1
    if update.callback_query:  # 下一页 (answered with the page's footer)
        [page] = HOTSPOT_PAGE.parse(update.callback_query.data)
    if not await send_cards(update, context, page):
        await reply(update, context, "hotspot.none" if page == 1 else "hotspot.page_gone")


def _group(update: Update) -> str:
    """The group (or opinion) a button names: its first field, read by the registry."""
    return str(callbacks.parse(update.callback_query.data)[1][0])


@requires(OFFICE)
async def open_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    group_id, page = _group(update), 1
    if HOTSPOT_MEMBERS_PAGE(update.callback_query.data):
        group_id, page = HOTSPOT_MEMBERS_PAGE.parse(update.callback_query.data)
    if not hotspots.exists(database(context), group_id):
        await refuse(update, context, "hotspot.gone")
        return
    await update.callback_query.answer()
    await _send_members(update, context, group_id, page)


async def _send_members(update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: str, page: int) -> None:
    """A page of the group's opinions, each with ✂️ 拆出 and ↪️ 移动, and the next page's button."""
    db, lang = database(context), language(update, context)
    member_ids = hotspots.members(db, group_id)
    first = min((page - 1) * MEMBERS, max(len(member_ids) - 1, 0))
    on_page = member_ids[first : first + MEMBERS]
    heading = (
        say(lang, "hotspot.members", count=len(member_ids))
        if len(member_ids) <= MEMBERS
        else say(
            lang, "hotspot.members_from", count=len(member_ids), first=first + 1, last=first + len(on_page)
        )
    )
    lines, rows = [heading], []
    for opinion_id in on_page:
        lines.append(_member_line(lang, opinions.get(db, opinion_id)))
        rows.append(
            [
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.split", id=opinion_id),
                    callback_data=HOTSPOT_SPLIT.data(opinion_id),
                ),
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.move", id=opinion_id),
                    callback_data=HOTSPOT_CHOOSE_MOVE.data(opinion_id),
                ),
            ]
        )
    left = len(member_ids) - first - len(on_page)
    if left > 0:
        lines.append(say(lang, "hotspot.more_members", count=left))
        rows.append(
            [
                InlineKeyboardButton(
                    say(lang, "hotspot.btn.next"),
                    callback_data=HOTSPOT_MEMBERS_PAGE.data(group_id, first // MEMBERS + 2),
                )
            ]
        )
    await send_lines(context, update.effective_chat.id, lines, InlineKeyboardMarkup(rows))


def _member_line(lang: str, opinion) -> str:
    return say(
        lang,
        "hotspot.member",
        id=opinion.id,
        category=opinion.category,
        about=opinion.department or say(lang, "opinion.no_department"),
        date=opinion.submitted_on,
        text=shorten(opinion.text, SNIPPET),
    )


def _targets(
    lang: str, db, excluded: str, pick: Button, more: Button, first: str, page: int = 1
) -> InlineKeyboardMarkup | None:
    """A page of the groups to merge into or move to (largest first, the group itself left
    out) and, when there are more, a button to the next page."""
    found = hotspots.largest_open(db, TARGETS + 1, offset=(page - 1) * TARGETS)
    rows = [
        [
            InlineKeyboardButton(
                say(lang, "hotspot.btn.target", text=shorten(text, BUTTON_TEXT), count=size),
                callback_data=pick.data(first, group_id),
            )
        ]
        for group_id, size, text in found[:TARGETS]
        if group_id != excluded
    ]
    if len(found) > TARGETS:
        pages = -(-hotspots.count_open(db, min_size=1) // TARGETS)
        label = say(lang, "hotspot.btn.more_targets", page=page + 1, pages=max(pages, page + 1))
        rows.append([InlineKeyboardButton(label, callback_data=more.data(first, page + 1))])
    return InlineKeyboardMarkup(rows) if rows else None


@requires(OFFICE)
async def choose_merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang, group_id = database(context), language(update, context), _group(update)
    if not hotspots.exists(db, group_id):
        await refuse(update, context, "hotspot.gone")
        return
    targets = _targets(lang, db, group_id, HOTSPOT_MERGE, HOTSPOT_MERGE_PAGE, group_id)
    if targets is None:
        await refuse(update, context, "hotspot.no_targets")
        return
    await reply(update, context, "hotspot.merge_into", reply_markup=targets)


@requires(OFFICE)
async def choose_move(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang, opinion_id = database(context), language(update, context), _group(update)
    current = hotspots.group_of(db, opinion_id)
    targets = _targets(lang, db, current, HOTSPOT_MOVE, HOTSPOT_MOVE_PAGE, opinion_id) if current else None
    if targets is None:
        await refuse(update, context, "hotspot.no_targets" if current else "hotspot.gone")
        return
    await reply(update, context, "hotspot.move_to", id=opinion_id, reply_markup=targets)


@requires(OFFICE)
async def more_targets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """更多组 ▶ under a picker: the same picker, its next page, in place."""
    db, lang, data = database(context), language(update, context), update.callback_query.data
    merging = HOTSPOT_MERGE_PAGE(data)
    first, page = (HOTSPOT_MERGE_PAGE if merging else HOTSPOT_MOVE_PAGE).parse(data)
    excluded = first if merging else hotspots.group_of(db, first)
    if excluded is None or not hotspots.exists(db, excluded):
        await refuse(update, context, "hotspot.gone")
        return
    pick, more = (HOTSPOT_MERGE, HOTSPOT_MERGE_PAGE) if merging else (HOTSPOT_MOVE, HOTSPOT_MOVE_PAGE)
    targets = _targets(lang, db, excluded, pick, more, first, page)
    if targets is None:
        await refuse(update, context, "hotspot.page_gone")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(targets)


async def _changed(update, context, moves, key: str, **values) -> None:
    hotspot_job.grouper(context.application).note_moves(moves)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), key, **values), parse_mode="HTML"
    )


@requires(OFFICE)
async def merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    source, into = HOTSPOT_MERGE.parse(update.callback_query.data)
    db = database(context)
    try:
        moves = hotspots.merge(db, into, source, person_of(update, context).id)
    except HotspotError:
        await refuse(update, context, "hotspot.gone")
        return
    await _changed(update, context, moves, "hotspot.merged", count=hotspots.size(db, into))


@requires(OFFICE)
async def move(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion_id, into = HOTSPOT_MOVE.parse(update.callback_query.data)
    try:
        moves = hotspots.move(database(context), opinion_id, into, person_of(update, context).id)
    except HotspotError:
        await refuse(update, context, "hotspot.gone")
        return
    await _changed(update, context, moves, "hotspot.moved", id=opinion_id)


@requires(OFFICE)
async def split(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion_id = _group(update)
    db = database(context)
    group_id = hotspots.group_of(db, opinion_id)
    if group_id is None or hotspots.size(db, group_id) < 2:
        await refuse(update, context, "hotspot.gone" if group_id is None else "hotspot.alone")
        return
    _, moves = hotspots.split(db, [opinion_id], person_of(update, context).id)
    await _changed(update, context, moves, "hotspot.split", id=opinion_id)


@requires(OFFICE)
async def confirm_problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang = database(context), language(update, context)
    hotspot = hotspots.get(db, _group(update))
    if hotspot is None:
        await refuse(update, context, "hotspot.gone")
        return
    linked, text = hotspots.unlisted(db, hotspot)  # what 确认 will do, not the group's size
    if not linked:
        await refuse(update, context, "hotspot.already_listed")
        return
    await reply(
        update,
        context,
        "hotspot.confirm_problem",
        count=len(linked),
        title=shorten(text, SNIPPET),
        reply_markup=confirmations.buttons(
            lang,
            HOTSPOT_PROBLEM_CONFIRM,
            HOTSPOT_PROBLEM_CANCEL,
            hotspot.id,
            token=confirmations.ask(context, f"hs:{hotspot.id}"),
        ),
    )


@requires(OFFICE)
async def list_problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    group_id, token = HOTSPOT_PROBLEM_CONFIRM.parse(update.callback_query.data)
    if not confirmations.take(context, f"hs:{group_id}", token):
        await _stale_confirmation(update, context, group_id)
        return
    try:
        problem_id, count = hotspots.list_as_problem(
            database(context), group_id, person_of(update, context).id
        )
    except HotspotError as error:
        await refuse(update, context, f"hotspot.{error.reason}")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "hotspot.listed", id=problem_id, count=count), parse_mode="HTML"
    )
    announce(context, problem_id)


async def _stale_confirmation(update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: str) -> None:
    """An old 确认: nothing is listed. A group listed meanwhile (the double tap's second) says
    so; otherwise the question was cancelled or asked again."""
    db = database(context)
    hotspot = hotspots.get(db, group_id)
    if hotspot is not None and not hotspots.unlisted(db, hotspot)[0]:
        await refuse(update, context, "hotspot.already_listed")
        return
    await confirmations.refuse_stale(update, context)


@requires(OFFICE)
async def keep_unlisted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    group_id, token = HOTSPOT_PROBLEM_CANCEL.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"hs:{group_id}", token, "hotspot.not_listed")


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("hotspots", show_hotspots),
        CallbackQueryHandler(show_hotspots, pattern=HOTSPOT_PAGE),
        CallbackQueryHandler(open_group, pattern=HOTSPOT_OPEN),
        CallbackQueryHandler(open_group, pattern=HOTSPOT_MEMBERS_PAGE),
        CallbackQueryHandler(more_targets, pattern=HOTSPOT_MERGE_PAGE),
        CallbackQueryHandler(more_targets, pattern=HOTSPOT_MOVE_PAGE),
        CallbackQueryHandler(choose_merge, pattern=HOTSPOT_CHOOSE_MERGE),
        CallbackQueryHandler(merge, pattern=HOTSPOT_MERGE),
        CallbackQueryHandler(choose_move, pattern=HOTSPOT_CHOOSE_MOVE),
        CallbackQueryHandler(move, pattern=HOTSPOT_MOVE),
        CallbackQueryHandler(split, pattern=HOTSPOT_SPLIT),
        CallbackQueryHandler(confirm_problem, pattern=HOTSPOT_PROBLEM),
        CallbackQueryHandler(list_problem, pattern=HOTSPOT_PROBLEM_CONFIRM),
        CallbackQueryHandler(keep_unlisted, pattern=HOTSPOT_PROBLEM_CANCEL),
    ]
