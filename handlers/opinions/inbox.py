"""The office's inbox (/inbox): opinions released in the last batches, each with its actions:
reply, mark as duplicate, send to a leader, close with an answer, publish the answer. What the
leader then does with it is handlers/opinions/forwarded.py.

Anonymous opinions show nothing about who wrote them; everything the bot shows or passes on is
its own copy (never a Telegram forward, which would carry the origin).
"""

from __future__ import annotations

import io
import logging
import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

import callbacks
from callbacks import (
    FORWARDED_BACK,
    FORWARDED_CLAIM,
    FORWARDED_REPLY,
    HOTSPOT_CHOOSE_MOVE,
    INBOX_ACTIONS,
    INBOX_CLOSE,
    INBOX_DUPLICATE,
    INBOX_DUPLICATE_OF,
    INBOX_LEADER,
    INBOX_LEADERS_PAGE,
    INBOX_PAGE,
    INBOX_PUBLISH,
    INBOX_PUBLISH_CANCEL,
    INBOX_PUBLISH_CONFIRM,
    INBOX_PUBLISH_EDIT,
    INBOX_REPLY,
    INBOX_TO_LEADER,
)
from handlers import confirmations, conversations, menu, typed_choice
from handlers.access import (
    database,
    framed,
    language,
    person_of,
    refuse,
    reply,
    requires,
    send_lines,
    services,
    settings,
)
from handlers.opinions import hotspots as hotspot_cards
from handlers.opinions.receipt import keys, status_text, thread_lines
from handlers.pages import people_picker, picker_note
from jobs import delivery, forgetting, notices
from jobs.delivery import holder_notice_markup
from storage import hotspots, opinions, people, problems
from storage.clock import clock
from storage.opinions import Opinion, OpinionError
from storage.people import LEADER, OFFICE, Person
from texts import Raw, fit, say

log = logging.getLogger(__name__)

PAGE_SIZE = 5
TYPING_REPLY, TYPING_ORIGINAL, TYPING_ANSWER, TYPING_PUBLIC = conversations.states("inbox_action")


def _today(context: ContextTypes.DEFAULT_TYPE):
    return clock.now().astimezone(settings(context).timezone).date()


def office_card_lines(lang: str, opinion: Opinion, db) -> list[str]:
    if opinion.public:
        author = say(lang, "inbox.public")
    elif opinion.anonymous:
        author = say(lang, "inbox.anonymous")
    else:
        author_person = people.by_id(db, opinion.author_id)
        author = say(lang, "inbox.named", name=author_person.name, department=author_person.department)
    about = opinion.department or say(lang, "opinion.no_department")
    status = status_text(lang, db, opinion)
    if opinion.unread:
        status = say(lang, "inbox.unread", status=status)
    lines = [
        say(
            lang,
            "inbox.header",
            id=opinion.id,
            category=opinion.category,
            about=about,
            date=opinion.submitted_on,
            status=status,
            author=author,
        )
    ]
    lines += framed(lang, "inbox.text", opinion.text)
    lines += thread_lines(lang, opinions.thread(db, opinion.id, office_view=True))
    if opinion.photo_count:
        lines.append(say(lang, "inbox.photos", count=opinion.photo_count))
    return lines


def actions(lang: str, opinion: Opinion, db) -> InlineKeyboardMarkup | None:
    """Exactly the actions that make sense in the opinion's state: a duplicate takes none, a
    closed one can only be published (once), one on the problem list can still be answered."""

    def button(key, action):
        return InlineKeyboardButton(say(lang, key), callback_data=INBOX_ACTIONS[action].data(opinion.id))

    if opinion.status == opinions.DUPLICATE:  # its holder may still write; the office answers
        return InlineKeyboardMarkup([[button("inbox.btn.reply", "reply")]])
    if opinion.status == opinions.CLOSED:
        return None if opinion.published else InlineKeyboardMarkup([[button("inbox.btn.publish", "pub")]])
    answer = [button("inbox.btn.reply", "reply"), button("inbox.btn.close", "close")]
    if problems.problem_of_opinion(db, opinion.id):
        return InlineKeyboardMarkup([answer])
    listing = [button("inbox.btn.problem", "prob")]
    if _alone_in_a_group(db, opinion.id):  # what the grouping missed, the office can still put
        listing.append(
            InlineKeyboardButton(
                say(lang, "inbox.btn.into_group"), callback_data=HOTSPOT_CHOOSE_MOVE.data(opinion.id)
            )
        )
    return InlineKeyboardMarkup(
        [
            answer,
            [button("inbox.btn.leader", "lead"), button("inbox.btn.duplicate", "dup")],
            listing,
        ]
    )


def _alone_in_a_group(db, opinion_id: str) -> bool:
    """Alone in its group, and another group to put it in (a lone opinion's card in a quiet
    inbox offers nothing it could not do)."""
    group_id = hotspots.group_of(db, opinion_id)
    found = hotspots.get(db, group_id) if group_id else None
    others = [g for g, _, _ in hotspots.largest_open(db, 2) if g != group_id]
    return found is not None and found.size == 1 and bool(others)


async def send_photos(context: ContextTypes.DEFAULT_TYPE, chat_id: int, opinion: Opinion) -> None:
    """The clean re-encoded copies, uploaded once and then sent by Telegram's file id."""
    db = database(context)
    for position, jpeg, file_id in opinions.photos(db, opinion.id):
        caption = f"#{opinion.id} ({position + 1}/{opinion.photo_count})"
        if file_id:
            await context.bot.send_photo(chat_id, file_id, caption=caption)
            continue
        sent = await context.bot.send_photo(
            chat_id, InputFile(io.BytesIO(jpeg), filename=f"{opinion.id}-{position + 1}.jpg"), caption=caption
        )
        opinions.remember_photo_file(db, opinion.id, position, sent.photo[-1].file_id)


@requires(OFFICE)
async def show_inbox(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page of the opinions pending when the office sent /inbox. The round's ids are kept
    (in user_data, under a token the page buttons carry), so 第 n/N 页 and 共 T 条 stay what they
    were and ◀ 上一页 shows the same cards again; what arrived meanwhile is counted on the page
    and shown by the next /inbox, not slipped in between (the first walk saw 第1页/共3页, then
    第2页/共4页)."""
    db = database(context)
    if update.callback_query:
        page, token = INBOX_PAGE.parse(update.callback_query.data)  # ib:page:<n>:<round>
        view = context.user_data.get("inbox_view")
        if not view or view["token"] != token:  # a page of an earlier round
            await refuse(update, context, "inbox.round_gone")
            return
        ids = view["ids"].split(",")
    else:
        page, ids = 1, opinions.pending_ids(db)
        if not ids:
            await reply(update, context, "inbox.empty")
            return
        token = secrets.token_hex(3)
        context.user_data["inbox_view"] = {"token": token, "ids": ",".join(ids)}
    pages = (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages)
    if update.callback_query:
        await update.callback_query.answer()
    await _show_page(update, context, ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page == 1)
    arrived = len(set(opinions.pending_ids(db)) - set(ids)) if update.callback_query else 0
    lang = language(update, context)
    lines = [say(lang, "inbox.page", page=page, pages=pages, total=len(ids))]
    if arrived:
        lines.append(say(lang, "inbox.arrived", count=arrived))
    await send_lines(context, update.effective_chat.id, lines, _paging(lang, page, pages, token))


async def _show_page(update: Update, context: ContextTypes.DEFAULT_TYPE, ids: list[str], first: bool) -> None:
    """The page's opinions as they are now (one answered or listed meanwhile says so on its card)."""
    db, lang, chat_id = database(context), language(update, context), update.effective_chat.id
    for opinion in opinions.several(db, ids):
        await send_lines(context, chat_id, office_card_lines(lang, opinion, db), actions(lang, opinion, db))
        await send_photos(context, chat_id, opinion)
        opinions.mark_read(db, opinion.id)
    if first:  # then the groups of similar opinions, each as one card
        await hotspot_cards.send_cards(update, context)


def _paging(lang: str, page: int, pages: int, token: str) -> InlineKeyboardMarkup | None:
    row = []
    if page > 1:
        row.append(
            InlineKeyboardButton(
                say(lang, "inbox.btn.previous"), callback_data=INBOX_PAGE.data(page - 1, token)
            )
        )
    if page < pages:
        row.append(
            InlineKeyboardButton(say(lang, "inbox.btn.next"), callback_data=INBOX_PAGE.data(page + 1, token))
        )
    return InlineKeyboardMarkup([row]) if row else None


def _opinion_in_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, while_listed: bool = True, duplicate: bool = False
) -> Opinion | None:
    """The open opinion a button names, or None when the action no longer fits its state (an
    old card's button): closed and duplicate ones take no action, and one on the problem list
    is only answered (`while_listed`), not forwarded or marked as a duplicate."""
    opinion_id = callbacks.parse(update.callback_query.data)[1][0]
    db = database(context)
    opinion = opinions.get(db, opinion_id)
    if opinion is not None and duplicate and opinion.status == opinions.DUPLICATE:
        return opinion
    if opinion is None or opinion.status in (opinions.CLOSED, opinions.DUPLICATE):
        return None
    if not while_listed and problems.problem_of_opinion(db, opinion.id):
        return None
    return opinion


async def _ask(
    update, context, state: int, key: str, while_listed: bool = True, duplicate: bool = False
) -> int:
    opinion = _opinion_in_button(update, context, while_listed, duplicate)
    if opinion is None:
        await refuse(update, context, "inbox.gone")
        return ConversationHandler.END
    context.user_data["inbox_opinion"] = opinion.id
    await reply(update, context, key, id=opinion.id, limit=settings(context).opinion_max_chars)
    return state


@requires(OFFICE)
async def ask_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _ask(update, context, TYPING_REPLY, "inbox.ask_reply", duplicate=True)


DUPLICATE_CHOICES = 8
CHOICE_TEXT = 24  # of an opinion's text on a button


@requires(OFFICE)
async def ask_original(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The original is picked from the opinions grouped with it as alike, then the latest (an id
    can still be typed)."""
    opinion = _opinion_in_button(update, context, while_listed=False)
    if opinion is None:
        await refuse(update, context, "inbox.gone")
        return ConversationHandler.END
    context.user_data["inbox_opinion"] = opinion.id
    rows = [
        [
            InlineKeyboardButton(
                f"#{o.id} {fit.shorten(' '.join(o.text.split()), CHOICE_TEXT)}",
                callback_data=INBOX_DUPLICATE_OF.data(opinion.id, o.id),
            )
        ]
        for o in opinions.recent(database(context), opinion.id, DUPLICATE_CHOICES)
    ]
    await reply(
        update,
        context,
        "inbox.ask_original",
        id=opinion.id,
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )
    return TYPING_ORIGINAL


@requires(OFFICE)
async def pick_original(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    opinion_id, original = INBOX_DUPLICATE_OF.parse(update.callback_query.data)
    try:
        opinions.mark_duplicate(database(context), opinion_id, original, person_of(update, context).id)
    except OpinionError:
        await refuse(update, context, "inbox.gone")
        return _done(context)
    await update.callback_query.answer()
    lang = language(update, context)
    await update.callback_query.edit_message_text(
        say(lang, "inbox.duplicated", id=opinion_id, original=original), parse_mode="HTML"
    )
    return _done(context)


@requires(OFFICE)
async def ask_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _ask(update, context, TYPING_ANSWER, "inbox.ask_answer")


def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    text = update.message.text.strip()
    return text if 0 < len(text) <= settings(context).opinion_max_chars else None


async def tell_submitter(
    context: ContextTypes.DEFAULT_TYPE, opinion: Opinion, sealed: str | None, text: str
) -> None:
    """A named author is told directly; an anonymous one only if they asked to be, through the
    sealed link; otherwise they check with their receipt."""
    chat_id, lang = None, None
    db = database(context)
    if not opinion.anonymous:
        author = people.by_id(db, opinion.author_id)
        chat_id = author.chat_id if author and author.reachable else None
        lang = author.language if author else None
    elif sealed:
        unsealed = keys(context).unseal(sealed)
        chat_id = int(unsealed) if unsealed else None
    if chat_id is None:
        return
    lang = lang or settings(context).default_language
    if not opinion.anonymous:
        try:
            await send_lines(context, chat_id, framed(lang, "receipt.news", text, id=opinion.id))
        except TelegramError:
            log.warning("could not tell a submitter about a reply")
        return
    try:  # through the sealed link: it leaves the chat as the link leaves the file
        told = await send_lines(
            context, chat_id, framed(lang, "receipt.news", text, id=opinion.id), holder_notice_markup(lang)
        )
    except TelegramError:
        log.warning("could not tell a submitter about a reply")
        return
    services(context).cards[(chat_id, told[-1])] = told  # 🧹 takes every part
    forgetting.forget_later(context.application, chat_id, told)


@requires(OFFICE)
async def receive_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = typed_text(update, context)
    opinion_id = context.user_data.get("inbox_opinion")
    if text is None:
        await reply(update, context, "inbox.bad_text", limit=settings(context).opinion_max_chars)
        return TYPING_REPLY
    try:
        opinion = opinions.reply(
            database(context), opinion_id, person_of(update, context).id, text, _today(context)
        )
    except OpinionError:
        await reply(update, context, "inbox.gone")
        return _done(context)
    await tell_submitter(context, opinion, opinions.subscription(database(context), opinion.id), text)
    await reply(update, context, "inbox.replied", id=opinion.id)
    return _done(context)


@requires(OFFICE)
async def receive_original(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    original = update.message.text.strip().lstrip("#").upper()
    opinion_id = context.user_data.get("inbox_opinion")
    try:
        opinions.mark_duplicate(database(context), opinion_id, original, person_of(update, context).id)
    except OpinionError as error:
        if error.reason == "no_original":
            await reply(update, context, "inbox.no_original", id=original)
            return TYPING_ORIGINAL
        await reply(update, context, "inbox.gone")
        return _done(context)
    await reply(update, context, "inbox.duplicated", id=opinion_id, original=original)
    return _done(context)


@requires(OFFICE)
async def receive_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = typed_text(update, context)
    opinion_id = context.user_data.get("inbox_opinion")
    if text is None:
        await reply(update, context, "inbox.bad_text", limit=settings(context).opinion_max_chars)
        return TYPING_ANSWER
    db = database(context)
    sealed = opinions.subscription(db, opinion_id)  # read before closing deletes it
    try:
        opinion = opinions.close(db, opinion_id, person_of(update, context).id, text, _today(context))
    except OpinionError:
        await reply(update, context, "inbox.gone")
        return _done(context)
    await tell_submitter(context, opinion, sealed, text)
    lang = language(update, context)
    await reply(
        update,
        context,
        "inbox.closed",
        id=opinion.id,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "inbox.btn.publish"), callback_data=INBOX_PUBLISH.data(opinion.id)
                    )
                ]
            ]
        ),
    )
    return _done(context)


def _done(context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("inbox_opinion", None)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "cancelled")
    return _done(context)


@requires(OFFICE)
async def choose_leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion = _opinion_in_button(update, context, while_listed=False)
    if opinion is None:
        await refuse(update, context, "inbox.gone")
        return
    leaders = _reachable_leaders(context)
    if not leaders:
        await refuse(update, context, "inbox.no_leaders")
        return
    lang = language(update, context)
    await reply(
        update,
        context,
        "inbox.choose_leader",
        id=opinion.id,
        more=Raw(picker_note(lang, len(leaders))),
        reply_markup=_leader_picker(lang, opinion.id, leaders, 1),
    )


def _reachable_leaders(context: ContextTypes.DEFAULT_TYPE) -> list[Person]:
    return [p for p in people.holding(database(context), (LEADER,)) if p.chat_id]


def _leader_picker(lang: str, opinion_id: str, leaders: list[Person], page: int) -> InlineKeyboardMarkup:
    """A page of the leaders as buttons, with ◀ 上一页 / 下一页 ▶ past 40 (Telegram takes 100)."""
    return people_picker(
        lang, leaders, page, lambda p: INBOX_TO_LEADER.data(opinion_id, p.id), INBOX_LEADERS_PAGE, opinion_id
    )


@requires(OFFICE)
async def turn_leaders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ 上一页 / 下一页 ▶ under the leaders: the buttons redrawn in place, the question kept."""
    opinion = _opinion_in_button(update, context, while_listed=False)
    if opinion is None:
        await refuse(update, context, "inbox.gone")
        return
    _, page = INBOX_LEADERS_PAGE.parse(update.callback_query.data)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(
        _leader_picker(language(update, context), opinion.id, _reachable_leaders(context), page)
    )


@requires(OFFICE)
async def send_to_leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, leader_id = INBOX_TO_LEADER.parse(update.callback_query.data)
    db = database(context)
    leader = people.by_id(db, leader_id)
    opinion = _opinion_in_button(update, context, while_listed=False)
    if opinion is None or leader is None or LEADER not in leader.roles or not leader.active:
        await refuse(update, context, "inbox.gone")
        return
    opinion = opinions.send_to_leader(db, opinion.id, leader.id, person_of(update, context).id)
    await _deliver_to_leader(context, leader, opinion)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "inbox.sent_to_leader", id=opinion.id, name=leader.name)
    )


async def _deliver_to_leader(context: ContextTypes.DEFAULT_TYPE, leader: Person, opinion: Opinion) -> None:
    lang = leader.language or settings(context).default_language
    lines = [say(lang, "inbox.for_leader")] + office_card_lines(lang, opinion, database(context))

    def button(key, action):
        return InlineKeyboardButton(say(lang, key), callback_data=action.data(opinion.id))

    try:
        await send_lines(
            context,
            leader.chat_id,
            lines,
            InlineKeyboardMarkup(
                [
                    [
                        button("forwarded.btn.reply", FORWARDED_REPLY),
                        button("forwarded.btn.claim", FORWARDED_CLAIM),
                    ],
                    [button("forwarded.btn.back", FORWARDED_BACK)],
                ]
            ),
        )
        await send_photos(context, leader.chat_id, opinion)
    except Forbidden:
        people.set_reachable(database(context), leader.id, False)


# ---- publishing an answer: a preview of what everyone gets, the words editable, then confirm --

PUBLIC_PART = 1800  # the opinion and the answer each, so the public message is always one message


def public_message(lang: str, opinion: Opinion, public_text: str | None) -> str:
    """The message everyone receives: the one the preview shows is built here too."""
    return say(
        lang,
        "inbox.public_answer",
        category=opinion.category,
        text=fit.shorten(public_text or opinion.text, PUBLIC_PART),
        answer=fit.shorten(opinion.answer or "", PUBLIC_PART),
    )


def _audience(context: ContextTypes.DEFAULT_TYPE) -> list[Person]:
    return [p for p in people.everyone(database(context)) if p.chat_id and p.reachable]


def _publishable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Opinion | None:
    opinion = opinions.get(database(context), callbacks.parse(update.callback_query.data)[1][0])
    if opinion is None or opinion.status != opinions.CLOSED or opinion.published:
        return None
    return opinion


def _public_texts(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return context.user_data.setdefault("public_texts", {})


async def _show_publish_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    lang = language(update, context)
    count = len(_audience(context))
    text = _public_texts(context).get(opinion.id)
    token = confirmations.ask(context, f"publish:{opinion.id}")  # 取消 or a newer preview spends it

    def button(key, action, *values):
        return InlineKeyboardButton(
            say(lang, key, count=count), callback_data=action.data(opinion.id, *values)
        )

    found = delivery.estimate(settings(context), database(context), count, context.bot.rate_limiter)
    await send_lines(
        context,
        update.effective_chat.id,
        [
            say(lang, "inbox.publish_preview", id=opinion.id, count=count)
            + "\n"
            + delivery.estimate_line(lang, found),
            public_message(lang, opinion, text),
            say(lang, "inbox.publish_redacted" if text else "inbox.publish_verbatim"),
        ],
        InlineKeyboardMarkup(
            [
                [button("inbox.btn.publish_confirm", INBOX_PUBLISH_CONFIRM, token)],
                [
                    button("inbox.btn.publish_edit", INBOX_PUBLISH_EDIT),
                    button("btn.cancel", INBOX_PUBLISH_CANCEL, token),
                ],
            ]
        ),
    )


@requires(OFFICE)
async def publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """📢 shows first exactly what everyone will receive and to how many; nothing is sent yet."""
    opinion = _publishable(update, context)
    if opinion is None:
        await refuse(update, context, "inbox.not_publishable")
        return
    await update.callback_query.answer()
    await _show_publish_preview(update, context, opinion)


@requires(OFFICE)
async def ask_public_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    opinion = _publishable(update, context)
    if opinion is None:
        await refuse(update, context, "inbox.not_publishable")
        return ConversationHandler.END
    context.user_data["inbox_opinion"] = opinion.id
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context, "inbox.ask_public_text", id=opinion.id, limit=PUBLIC_PART)
    return TYPING_PUBLIC


@requires(OFFICE)
async def receive_public_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    opinion = opinions.get(database(context), context.user_data.get("inbox_opinion", ""))
    if not text or fit.units(text) > PUBLIC_PART:
        await reply(update, context, "inbox.bad_text", limit=PUBLIC_PART)
        return TYPING_PUBLIC
    if opinion is None or opinion.status != opinions.CLOSED or opinion.published:
        await reply(update, context, "inbox.not_publishable")
        return _done(context)
    _public_texts(context)[opinion.id] = text
    await _show_publish_preview(update, context, opinion)
    return _done(context)


@requires(OFFICE)
async def confirm_publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db = database(context)
    opinion_id, token = INBOX_PUBLISH_CONFIRM.parse(update.callback_query.data)
    if not confirmations.take(context, f"publish:{opinion_id}", token):
        opinion = opinions.get(db, opinion_id)
        if opinion is not None and opinion.published:  # the double tap's second
            await refuse(update, context, "inbox.not_publishable")
        else:
            await confirmations.refuse_stale(update, context)
        return
    public_text = _public_texts(context).get(opinion_id)
    try:
        opinion = opinions.publish(db, opinion_id, person_of(update, context).id, public_text)
    except OpinionError:
        await refuse(update, context, "inbox.not_publishable")
        return
    _public_texts(context).pop(opinion_id, None)
    audience = _audience(context)
    queued = notices.notify(
        context,
        audience,
        "inbox.public_answer",
        dedup=f"published:{opinion.id}",
        category=opinion.category,
        text=fit.shorten(public_text or opinion.text, PUBLIC_PART),
        answer=fit.shorten(opinion.answer or "", PUBLIC_PART),
    )
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "inbox.publishing", id=opinion.id, count=queued), parse_mode="HTML"
    )
    notices.report_arrival(
        context,
        f"published:{opinion.id}:",
        person_of(update, context).id,
        "inbox.published",
        f"published-report:{opinion.id}",
        id=opinion.id,
        total=queued,
    )


@requires(OFFICE)
async def cancel_publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion_id, token = INBOX_PUBLISH_CANCEL.parse(update.callback_query.data)
    _public_texts(context).pop(opinion_id, None)
    await confirmations.cancel(update, context, f"publish:{opinion_id}", token, "inbox.publish_cancelled")


@requires(OFFICE)
async def categories(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db = database(context)
    if context.args:
        names = [n.strip() for n in " ".join(context.args).replace("，", "、").replace(",", "、").split("、")]
        names = list(dict.fromkeys(n for n in names if n))
        if not names or any(len(n) > 20 for n in names):
            await reply(update, context, "categories.bad")
            return
        opinions.set_categories(db, names, person_of(update, context).id)
    await reply(update, context, "categories.list", names="、".join(opinions.categories(db)))


def handlers() -> list[BaseHandler]:
    text = menu.TYPED
    return [
        typed_choice.conversation(
            entry_points=[
                CallbackQueryHandler(ask_reply, pattern=INBOX_REPLY),
                CallbackQueryHandler(ask_original, pattern=INBOX_DUPLICATE),
                CallbackQueryHandler(ask_answer, pattern=INBOX_CLOSE),
                CallbackQueryHandler(ask_public_text, pattern=INBOX_PUBLISH_EDIT),
            ],
            states={
                **conversations.on_timeout("inbox_action"),
                TYPING_REPLY: [MessageHandler(text, receive_reply)],
                TYPING_ORIGINAL: [
                    MessageHandler(text, receive_original),
                    CallbackQueryHandler(pick_original, pattern=INBOX_DUPLICATE_OF),
                ],
                TYPING_ANSWER: [MessageHandler(text, receive_answer)],
                TYPING_PUBLIC: [MessageHandler(text, receive_public_text)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="inbox_action",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("inbox", show_inbox),
        CallbackQueryHandler(show_inbox, pattern=INBOX_PAGE),
        CallbackQueryHandler(choose_leader, pattern=INBOX_LEADER),
        CallbackQueryHandler(send_to_leader, pattern=INBOX_TO_LEADER),
        CallbackQueryHandler(turn_leaders, pattern=INBOX_LEADERS_PAGE),
        CallbackQueryHandler(publish, pattern=INBOX_PUBLISH),
        CallbackQueryHandler(confirm_publish, pattern=INBOX_PUBLISH_CONFIRM),
        CallbackQueryHandler(pick_original, pattern=INBOX_DUPLICATE_OF),
        CallbackQueryHandler(cancel_publish, pattern=INBOX_PUBLISH_CANCEL),
        CommandHandler("categories", categories),
    ]
