"""Submitting an opinion (/opinion): anonymous by default or named, a category, the department
it concerns, the text, up to three photos, a preview, then submit.

The promise of the box shapes this module: the draft is kept in process memory only (never in
user_data, which is persisted, and the conversation itself is not persistent), it is dropped on
submit or cancel, photos are re-encoded before anyone sees them, and nothing is logged that
names the person or carries the text. In anonymous mode the chat forgets too (jobs/forgetting.py):
the person's typed text and photos are deleted once read into the draft, the previews once it
is submitted or dropped, the receipt once the person says it is saved (or after 24 hours).
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

import callbacks
from callbacks import (
    OPINION_CANCEL,
    OPINION_CATEGORY,
    OPINION_DEPARTMENT,
    OPINION_DEPARTMENT_PAGE,
    OPINION_EDIT,
    OPINION_MODE,
    OPINION_PHOTOS_DONE,
    OPINION_SUBMIT,
    RECEIPT_NOTIFY,
    RECEIPT_SAVED,
    draft_stem,
)
from handlers import conversations, menu, typed_choice
from handlers.access import (
    GUEST,
    MEMBERS,
    answering,
    current_person,
    database,
    framed,
    language,
    person_of,
    refuse,
    requires,
    services,
    settings,
)
from handlers.uploads import MEGAPIXELS, clean_photo
from jobs import forgetting, notices
from storage import departments, opinions, people, public_box
from storage.clock import clock
from storage.flood_guard import FloodGuard
from storage.opinions import Draft
from texts import fit, say

(CHOOSING_MODE, CHOOSING_CATEGORY, CHOOSING_DEPARTMENT, WRITING, ADDING_PHOTOS, REVIEWING) = (
    conversations.states("opinion")
)
DEPARTMENTS_PER_ROW = 2
DEPARTMENTS_SHOWN = 40  # department buttons on a page of the department step (Telegram takes 100)


def drafts(context: ContextTypes.DEFAULT_TYPE) -> dict[int, Draft]:
    return services(context).drafts


def opinion_guard(context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    shared = services(context).shared
    if shared.opinion_guard is None:
        shared.opinion_guard = FloodGuard(settings(context).opinion_daily_limit)
    return shared.opinion_guard


BOX_USERS = frozenset({*MEMBERS, GUEST})  # who may take each step of the box: staff, and guests


def guest_guard(context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    """The public box's daily limit per guest: the same keyed hash of the Telegram id, rotating
    daily, as staff's, with its own (smaller) limit."""
    held = services(context)
    if held.public_guard is None:
        held.public_guard = FloodGuard(settings(context).public_daily_limit)
    return held.public_guard


def public_ceiling(context: ContextTypes.DEFAULT_TYPE) -> public_box.HourlyCeiling:
    held = services(context)
    if held.public_ceiling is None:
        held.public_ceiling = public_box.HourlyCeiling(settings(context).public_hourly_limit)
    return held.public_ceiling


def this_hour(context: ContextTypes.DEFAULT_TYPE) -> tuple:
    now = clock.now().astimezone(settings(context).timezone)
    return now.date(), now.hour


def today(context: ContextTypes.DEFAULT_TYPE):
    return clock.now().astimezone(settings(context).timezone).date()


def _draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return drafts(context).get(update.effective_user.id)


ENDED_MEMORY = 10_000  # tokens of drafts ended since the bot started, newest kept


def _ended(context: ContextTypes.DEFAULT_TYPE) -> OrderedDict[str, str]:
    """How each draft ended since start (token -> submitted / cancelled), in memory only: the
    tokens are random and name nobody. After a restart it is empty, which is how a button of
    a draft the restart lost is told apart from one of a draft that was simply finished."""
    return services(context).ended_drafts


def _end(context: ContextTypes.DEFAULT_TYPE, draft: Draft, outcome: str) -> None:
    ended = _ended(context)
    ended[draft.token] = outcome
    while len(ended) > ENDED_MEMORY:
        ended.popitem(last=False)


def _token(update: Update) -> str | None:
    data = update.callback_query.data if update.callback_query else ""
    parts = data.split(":")
    return parts[-1] if len(parts) >= 3 else None


def with_draft(step):
    """A step of the flow that needs the draft. A button of another draft, or of this one's
    finished steps, is answered by `stale_press`; without any draft (the bot restarted, and
    drafts are never saved) the person is told it is gone."""

    @functools.wraps(step)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = _draft(update, context)
        if draft is None or (update.callback_query and _token(update) != draft.token):
            return await stale_press(update, context)
        return await step(update, context, draft)

    return guarded


async def _say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, buttons=None, edit: bool = False, **values
) -> int:
    """Say the next step, and return the id of the message it is in. A new message takes the
    buttons off the step before it, so a finished step cannot be pressed again."""
    return await _step(update, context, say(language(update, context), key, **values), buttons, edit)


async def _step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, buttons=None, edit: bool = False
) -> int:
    """(The bot's messages here are sent and edited without reading Telegram's answer back into
    a Message: only their ids are kept. typed_choice.OfferingBot.send_quietly, edit_in_place.)"""
    draft = _draft(update, context)
    markup = _keyboard(buttons, draft.token if draft else None) if buttons else None
    if edit and update.callback_query:
        shown = update.callback_query.message  # (the flow's buttons are never on inline messages)
        await answering(update, context.bot.edit_in_place(shown.chat.id, shown.message_id, text, markup))
        if draft:
            draft.prompt = shown.message_id if markup else None
        return shown.message_id
    if draft and markup:  # this step's buttons replace the last step's (gone before it comes)
        await _clear_prompt(context, update.effective_chat.id, draft)
    # The press is answered beside the reply, not after it: on a real network each is a round
    # trip, and the person waits for both.
    answering_press = [update.callback_query.answer()] if update.callback_query else []
    sent, *_ = await asyncio.gather(
        context.bot.send_quietly(update.effective_chat.id, text, markup), *answering_press
    )
    if draft and markup:
        draft.prompt = sent
    if draft:
        noted_answer(draft, sent)
    return sent


def noted_answer(draft: Draft, message_id: int) -> None:
    """Whatever the bot says inside an anonymous draft (a step, a hint under words typed where
    a button was expected, 内容有 … 字, a photo prompt after each photo) leaves the chat with the
    draft: kept, it pointed at messages no longer there and carried the date the box was used."""
    if draft.anonymous and message_id not in draft.shown_in:
        draft.shown_in.append(message_id)


async def _hinted(update: Update, context: ContextTypes.DEFAULT_TYPE, message_id: int) -> None:
    draft = _draft(update, context)
    if draft is not None:
        noted_answer(draft, message_id)


async def _forget_typed(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The person's own message, once read into an anonymous draft, leaves the chat."""
    if draft.anonymous and update.message:
        if update.message.message_id in draft.typed:
            draft.typed.remove(update.message.message_id)
        await forgetting.forget_now(
            context.application, update.effective_chat.id, [update.message.message_id]
        )


async def note_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before any other handler: a message the person sends in their private chat while a draft
    is open is noted in the draft, so that it leaves the chat with the draft even if no step
    reads it (an opinion typed at the category step, answered with a hint, stays in Telegram,
    and whoever holds the bot's token copies it by its id from the person's chat). A step that
    reads it into the draft deletes it at once (`_forget_typed`)."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
        return
    draft = drafts(context).get(update.effective_user.id)
    if draft is not None:
        draft.typed.append(message.message_id)


class Choice(NamedTuple):
    """A button of this flow until `_step` builds it, with the draft's token added to its data:
    python-telegram-bot's button takes about 25 µs to build, and one built here was built again
    there (bench/README.md, CPU per update)."""

    text: str
    data: str


def _keyboard(rows: list[list], token: str | None) -> InlineKeyboardMarkup:
    """The keyboard of Choices (and buttons built elsewhere, as the receipt's), each button's
    data ending in the draft's token when there is a draft."""

    def built(cell: Choice | InlineKeyboardButton) -> InlineKeyboardButton:
        if isinstance(cell, InlineKeyboardButton):
            if token is None:
                return cell
            text, data = cell.text, cell.callback_data
        else:
            text, data = cell
        return InlineKeyboardButton(text, callback_data=f"{data}:{token}" if token else data)

    return InlineKeyboardMarkup([[built(cell) for cell in row] for row in rows])


def _button(lang: str, key: str, data: str) -> Choice:
    return Choice(say(lang, key), data)


async def _clear_prompt(context: ContextTypes.DEFAULT_TYPE, chat_id: int, draft: Draft) -> None:
    if draft.prompt is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, draft.prompt, reply_markup=None)
    except TelegramError:
        pass  # already without buttons, or too old to edit: nothing left to press either way
    draft.prompt = None


@requires(*MEMBERS, GUEST)
async def start_opinion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    left = await _drop_older(update, context)
    if current_person(update, context) is None:
        return await _start_as_guest(update, context)
    draft = drafts(context)[update.effective_user.id] = Draft()
    draft.typed += left  # the older draft's words, there to copy, leave with this one
    _opened_by(update, draft)
    lang = language(update, context)
    draft.shown_in.append(  # the steps are edited into it; it goes with the previews
        await _say(
            update,
            context,
            "opinion.mode",
            buttons=[
                [_button(lang, "opinion.btn.anonymous", draft_stem(OPINION_MODE, "anon"))],
                [_button(lang, "opinion.btn.named", draft_stem(OPINION_MODE, "named"))],
                [_button(lang, "btn.cancel", draft_stem(OPINION_CANCEL))],
            ],
        )
    )
    return CHOOSING_MODE


def _opened_by(update: Update, draft: Draft) -> None:
    """The /opinion (or 提意见, or the poster's /start) that opened the draft leaves the chat with
    it, as the bot's steps do: kept, its date (forwardMessage carries it) says who used the box
    on the day an opinion carries."""
    if update.message:
        draft.typed.append(update.message.message_id)


async def _drop_older(update: Update, context: ContextTypes.DEFAULT_TYPE) -> list[int]:
    older = _forget(update, context)
    if not older:
        return []
    _end(context, older, "cancelled")
    await _clear_prompt(context, update.effective_chat.id, older)
    opener = (update.message.message_id,) if update.message else ()  # it opens the new one
    return await _dropped(update, context, older, keep=opener)


@requires(*MEMBERS, GUEST)
async def start_from_poster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The lobby poster's link (`?start=box_…`): a guest starts an opinion at once; someone on
    the roster gets the staff box, as with /opinion."""
    box = public_box.get(database(context))
    if box is None or (context.args or [""])[0] != box.code:
        await _say(update, context, "public.unknown_link")
        return ConversationHandler.END
    return await start_opinion(update, context)


async def _start_as_guest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A guest's opinion: always anonymous, the public's categories, marked 群众."""
    box = public_box.get(database(context))
    refusal = _guest_refusal(update, context, box)
    if refusal:
        await _refuse_guest(update, context, refusal)
        return ConversationHandler.END
    draft = drafts(context)[update.effective_user.id] = Draft(anonymous=True, public=True)
    _opened_by(update, draft)
    buttons = [
        [Choice(name, draft_stem(OPINION_CATEGORY, i))]
        for i, name in enumerate(settings(context).public_categories)
    ]
    welcome = await _say(
        update,
        context,
        "public.welcome",
        buttons=buttons,
        institution=settings(context).institution or say(language(update, context), "public.our_institution"),
    )
    draft.shown_in.append(welcome)
    return CHOOSING_CATEGORY


async def _refused_in_a_pop_up(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, key: str
) -> int:
    """A press the box refuses (the daily limit, or the public box paused or full): said in a
    pop-up, and the draft leaves the chat. Edited into the step and kept, 已达 5 条上限 (dated by
    forwardMessage) said she had sent five anonymous opinions that day, and every anonymous
    opinion carries its day: on a day of five, all five were hers."""
    _end(context, draft, "cancelled")
    _forget(update, context)
    limit = settings(context).public_daily_limit if draft.public else settings(context).opinion_daily_limit
    query = update.callback_query
    await query.answer(say(language(update, context), key, limit=limit), show_alert=True)
    # typed rather than tapped, the pop-up is a message: it leaves as a typed ballot's answer does
    answers = list(getattr(query, "answers", []))
    forgetting.forget_later(
        context.application, update.effective_chat.id, answers, typed_choice.TYPED_ANSWER_KEPT
    )
    await forgetting.forget_draft(context.application, update.effective_chat.id, draft)
    return ConversationHandler.END


async def _refuse_guest(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """A guest who cannot start now (paused, her daily limit, the hour full) is told, and the
    /start and the answer leave her chat (the answer after 5 minutes, to be read): kept,
    今天已提交 3 条意见 said to anyone copying the chat of a guest who joined later that she had
    sent three that day, and guests' opinions carry their day."""
    told = await _say(update, context, key, limit=settings(context).public_daily_limit)
    chat_id = update.effective_chat.id
    if update.message:
        await forgetting.forget_now(context.application, chat_id, [update.message.message_id])
    forgetting.forget_later(context.application, chat_id, [told], typed_choice.TYPED_ANSWER_KEPT)


def _guest_refusal(update: Update, context: ContextTypes.DEFAULT_TYPE, box) -> str | None:
    """Why a guest cannot submit now (a catalog key), or None."""
    if box is None or box.paused:
        return "public.paused"
    if not guest_guard(context).allows(update.effective_user.id, today(context)):
        return "public.daily_limit"
    if not public_ceiling(context).allows(this_hour(context)):
        return "public.busy"
    return None


def _categories(context: ContextTypes.DEFAULT_TYPE, draft: Draft | None) -> list[str]:
    if draft is not None and draft.public:
        return list(settings(context).public_categories)
    return opinions.categories(database(context))


@requires(*MEMBERS, GUEST)
@with_draft
async def choose_mode(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    draft.anonymous = OPINION_MODE.parse(update.callback_query.data)[0] == "anon"
    if draft.anonymous and not opinion_guard(context).allows(update.effective_user.id, today(context)):
        return await _refused_in_a_pop_up(update, context, draft, "opinion.daily_limit")
    lang = language(update, context)
    names = opinions.categories(database(context))
    buttons = [[Choice(name, draft_stem(OPINION_CATEGORY, i))] for i, name in enumerate(names)]
    await _say(
        update,
        context,
        "opinion.category",
        buttons=buttons,
        edit=True,
        mode=say(lang, "opinion.anonymous" if draft.anonymous else "opinion.named"),
    )
    return CHOOSING_CATEGORY


@requires(*MEMBERS, GUEST)
@with_draft
async def choose_category(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    return await _category_chosen(
        update, context, draft, str(OPINION_CATEGORY.parse(update.callback_query.data)[0])
    )


async def _category_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, index: str
) -> int:
    names = _categories(context, draft)
    if not index.isdigit() or int(index) >= len(names):
        await refuse(update, context, "stale_button")
        return CHOOSING_CATEGORY
    draft.category = names[int(index)]
    return await _offer_departments(update, context, draft, 1)


async def _offer_departments(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, page: int
) -> int:
    """The departments as buttons, DEPARTMENTS_SHOWN a page (下一页 ▶ edits the step to the next):
    a large hospital's 130 would pass Telegram's 100 buttons a message, and the step would not
    come at all. A department's name may be typed on any page."""
    lang = language(update, context)
    found = people.department_list(database(context))
    pages = max(1, -(-len(found) // DEPARTMENTS_SHOWN))
    page = min(page, pages)
    shown = found[(page - 1) * DEPARTMENTS_SHOWN : page * DEPARTMENTS_SHOWN]
    buttons = [Choice(name, draft_stem(OPINION_DEPARTMENT, department_id)) for department_id, name in shown]
    rows = [buttons[i : i + DEPARTMENTS_PER_ROW] for i in range(0, len(buttons), DEPARTMENTS_PER_ROW)]
    rows.append([_button(lang, "opinion.btn.no_department", draft_stem(OPINION_DEPARTMENT, 0))])
    if page < pages:
        rows.append([_button(lang, "inbox.btn.next", draft_stem(OPINION_DEPARTMENT_PAGE, page + 1))])
    key = "opinion.department_page" if pages > 1 else "opinion.department"
    await _say(
        update, context, key, buttons=rows, edit=True, category=draft.category, page=page, total=len(found)
    )
    return CHOOSING_DEPARTMENT


@requires(*MEMBERS, GUEST)
@with_draft
async def more_departments(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    return await _offer_departments(
        update, context, draft, OPINION_DEPARTMENT_PAGE.parse(update.callback_query.data)[0]
    )


@requires(*MEMBERS, GUEST)
@with_draft
async def choose_department(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    return await _department_chosen(
        update, context, draft, str(OPINION_DEPARTMENT.parse(update.callback_query.data)[0])
    )


async def _department_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, chosen: str
) -> int:
    # a picker shown before the office merged a department away offers its old id: the
    # department it became is meant (storage/departments.py)
    now = departments.current_id(database(context), int(chosen)) if chosen.isdigit() else None
    if not chosen.isdigit() or (int(chosen) and now is None):
        await refuse(update, context, "stale_button")
        return CHOOSING_DEPARTMENT
    draft.department_id = now
    if draft.text:  # written already, at the category or department step (_words_typed_early)
        if draft.reviewed or len(draft.photos) >= opinions.MAX_PHOTOS:
            return await show_preview(update, context)
        return await ask_for_photos(update, context, edit=True)  # the question asked, answered
    await _say(update, context, "opinion.write", edit=True, limit=settings(context).opinion_max_chars)
    return WRITING


# A guest's words typed where a category or a department was asked, from this many characters
# on, are the opinion itself: someone who scans the lobby poster writes what happened first,
# and the hint left it in the chat, to be typed again after two taps. Shorter ones (挂号处,
# 不知道) are a guess at a button, and get the hint; so do a receipt code or a link pasted there.
EARLY_WORDS = 10


def _words_typed_early(state: str, key: str):
    async def kept(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> str | None:
        draft, text = _draft(update, context), typed.strip()
        if draft is None or not draft.public or len(text) < EARLY_WORDS or not opinions.has_words(text):
            return None
        if opinions.looks_like_receipt(text) or "t.me/" in text or "://" in text:
            return None
        written = f"{draft.text}\n{text}" if draft.text else text  # a second message adds to the first
        limit = settings(context).opinion_max_chars
        if len(written) > limit:  # never cut: said, and nothing of it kept
            await _say(update, context, "opinion.too_long", count=len(written), limit=limit)
            return state
        draft.text = written
        await _forget_typed(update, context, draft)  # read into the draft: it leaves the chat
        await _say(update, context, key, count=len(written))
        return state

    return kept


@requires(*MEMBERS, GUEST)
@with_draft
async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    text = update.message.text.strip()
    limit = settings(context).opinion_max_chars
    if not text:
        await _say(update, context, "opinion.write", limit=limit)
        return WRITING
    if not opinions.has_words(text):
        # 😡 alone tells the office nothing to act on or answer: ask for words, keep the draft.
        await _say(update, context, "opinion.words_needed", limit=limit)
        return WRITING
    if len(text) > limit:
        # Never cut silently: say how long it is and keep asking.
        await _say(update, context, "opinion.too_long", count=len(text), limit=limit)
        return WRITING
    draft.text = text
    await _forget_typed(update, context, draft)
    if draft.reviewed or len(draft.photos) >= opinions.MAX_PHOTOS:
        return await show_preview(update, context)
    return await ask_for_photos(update, context)


async def ask_for_photos(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: bool = False) -> int:
    draft = _draft(update, context)
    lang = language(update, context)
    await _say(
        update,
        context,
        "opinion.photos",
        buttons=[[_button(lang, "opinion.btn.photos_done", draft_stem(OPINION_PHOTOS_DONE))]],
        edit=edit,
        count=len(draft.photos),
        limit=opinions.MAX_PHOTOS,
    )
    return ADDING_PHOTOS


@requires(*MEMBERS, GUEST)
async def text_before_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _say(update, context, "opinion.text_first", limit=settings(context).opinion_max_chars)
    return WRITING


@requires(*MEMBERS, GUEST)
@with_draft
async def photo_while_writing(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    """A photo where the text is asked for: on a phone people send the photo with their words
    under it, so a caption is the text; a photo alone is kept while they write (before, both
    were refused, to be sent again)."""
    caption = (update.message.caption or "").strip()
    words = opinions.has_words(caption)
    if not await _take_photo(update, context, draft, replacing=words):
        return WRITING
    if not words:
        key = "opinion.words_needed" if caption else "opinion.photo_kept"
        await _say(update, context, key, count=len(draft.photos), limit=settings(context).opinion_max_chars)
        return WRITING
    if draft.reviewed:
        return await show_preview(update, context)
    return await ask_for_photos(update, context)


@requires(*MEMBERS, GUEST)
@with_draft
async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    if len(draft.photos) >= opinions.MAX_PHOTOS:
        return await show_preview(update, context)
    if not await _take_photo(update, context, draft, replacing=False):
        return ADDING_PHOTOS
    if len(draft.photos) >= opinions.MAX_PHOTOS:
        return await show_preview(update, context)
    await _drop_prompt(update, context, draft)
    return await ask_for_photos(update, context)


async def _drop_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The photo step's prompt goes when the next one comes below the photo: stripped of its
    button it stayed, and with an anonymous photo gone from the chat a patient read 已添加 0 张 …
    不需要图片就点下方按钮 right over 已添加 1 张, pointing at a button that was no longer there."""
    if draft.prompt is not None:
        old, draft.prompt = draft.prompt, None
        await forgetting.forget_now(context.application, update.effective_chat.id, [old])


async def _take_photo(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, replacing: bool
) -> bool:
    """The photo into the draft with the words under it (a caption), which become the text
    (`replacing`) or are added to it, as text typed at the photo step is. Neither is taken
    when the words would pass the limit or the photo cannot be read: the person is told
    which, and nothing is cut. True if taken."""
    caption = (update.message.caption or "").strip()
    limit = settings(context).opinion_max_chars
    text = _with_caption(draft.text, caption, replacing)
    if text is not None and len(text) > limit:
        key = "opinion.too_long" if replacing else "opinion.caption_too_long"
        await _say(update, context, key, count=len(text), limit=limit)
        return False
    if len(draft.photos) >= opinions.MAX_PHOTOS:
        await _say(update, context, "opinion.photos_full", limit=opinions.MAX_PHOTOS)
        return False
    photo = await clean_photo(context, update.message)
    if isinstance(photo, str):
        await _say(update, context, photo, limit=MEGAPIXELS)
        return False
    draft.photos.append(photo)
    draft.text = text
    await _forget_typed(update, context, draft)
    return True


def _with_caption(text: str | None, caption: str, replacing: bool) -> str | None:
    if replacing or not text:
        return caption if opinions.has_words(caption) else text
    return f"{text}\n{caption}" if caption else text


@requires(*MEMBERS, GUEST)
@with_draft
async def refuse_document(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    key = "opinion.no_documents_anonymous" if draft.anonymous else "opinion.no_documents"
    await _say(update, context, key)
    return ADDING_PHOTOS


@requires(*MEMBERS, GUEST)
@with_draft
async def photos_done(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    return await show_preview(update, context)


# Typed at the photo step, these mean "no photos" and go to the preview; any other words are
# more to say. (A length rule took every text of 8 characters or fewer for 没有, and dropped
# 晚上更严重。: eight Chinese characters are a sentence.) Compared as typed_choice compares a
# button's label, so full-width, traditional and a full stop do not matter.
NO_PHOTOS = (
    "没有", "没", "无", "没有照片", "没有图片", "没照片", "没图片", "不用", "不用了", "不需要", "不要",
    "不要了", "不发了", "不加了", "不发照片", "跳过", "好了", "好的", "好", "行", "可以了", "就这样",
    "算了", "完成", "完成了", "发完了", "no", "none", "skip", "done", "ok", "nothing",
)  # fmt: skip


def _one_of(words: tuple[str, ...], text: str) -> bool:
    """`text` is one of these short answers, as a typed button label is read (but not a word
    inside one: 有照片 is not 没有照片)."""
    return typed_choice.match(text, {word: word for word in words}, within=False) is not None


@requires(*MEMBERS, GUEST)
@with_draft
async def text_at_photos(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    """Text typed where photos are asked for: more to say, added to the opinion's text (people
    remember more after sending), unless it is an answer meaning no photos. Then the
    preview, which shows the whole text. Never dropped: over the limit, it says so and waits."""
    more = update.message.text.strip()
    if more and not _one_of(NO_PHOTOS, more):
        limit = settings(context).opinion_max_chars
        added = f"{draft.text}\n{more}"
        if len(added) > limit:
            await _say(update, context, "opinion.too_long_added", count=len(added), limit=limit)
            return ADDING_PHOTOS
        draft.text = added
        await _forget_typed(update, context, draft)
    return await show_preview(update, context)


# Typed at the preview, these answer its buttons without naming one (好的: submit? edit?), and
# are pointed at them; any other words are more to say. (A length rule pointed 天天如此 at the
# buttons and left it out, where the staff guide says words typed at the preview are added.)
ACKNOWLEDGEMENTS = (
    "好", "好的", "好了", "行", "可以", "可以了", "对", "是", "是的", "嗯", "嗯嗯", "没问题", "没错",
    "ok", "okay", "yes", "fine",
)  # fmt: skip


@requires(*MEMBERS, GUEST)
@with_draft
async def text_at_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    """Words typed at the preview that are not one of its buttons: more to say, added to the
    text as at the photo step, and the preview comes again (before, they were answered 请点上方
    按钮 and left out, the preview's buttons scrolled away). A word like 好的 points at them."""
    more = update.message.text.strip()
    if not more or _one_of(ACKNOWLEDGEMENTS, more):
        await _say(update, context, typed_choice.HINT)
        return REVIEWING
    limit = settings(context).opinion_max_chars
    added = f"{draft.text}\n{more}"
    if len(added) > limit:
        await _say(update, context, "opinion.too_long_added", count=len(added), limit=limit)
        return REVIEWING
    draft.text = added
    await _forget_typed(update, context, draft)
    return await show_preview(update, context)


@requires(*MEMBERS, GUEST)
@with_draft
async def photo_at_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    """A photo sent at the preview (one more, its words under it) joins the draft, and the
    preview comes again; before, 我没有看懂。请使用下方菜单 pointed at the menu, which drops it."""
    if await _take_photo(update, context, draft, replacing=False):
        return await show_preview(update, context)
    return REVIEWING


async def show_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _draft(update, context)
    lang = language(update, context)
    draft.reviewed = True
    department = _department_name(context, draft.department_id) or say(lang, "opinion.no_department")
    # The whole text, as it will be submitted: a text longer than one message (emoji count
    # twice) comes in several, the buttons under the last; every part leaves the chat with an
    # anonymous draft.
    *before, last = fit.split_lines(
        framed(
            lang,
            "opinion.preview",
            draft.text,
            category=draft.category,
            department=department,
            mode=say(
                lang,
                "public.mode"
                if draft.public
                else "opinion.anonymous"
                if draft.anonymous
                else "opinion.named",
            ),
            photos=len(draft.photos),
        )
    )
    for text in before:
        part = await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML")
        draft.shown_in.append(part.message_id)
    preview = await _step(
        update,
        context,
        last,
        edit=not before and _pressed_on_prompt(update, draft),
        buttons=[
            [_button(lang, "opinion.btn.submit", draft_stem(OPINION_SUBMIT))],
            [
                _button(lang, "opinion.btn.edit", draft_stem(OPINION_EDIT)),
                _button(lang, "btn.cancel", draft_stem(OPINION_CANCEL)),
            ],
        ],
    )
    if preview is not None:
        draft.shown_in.append(preview)
    return REVIEWING


def _pressed_on_prompt(update: Update, draft: Draft) -> bool:
    """The press came from the step's own message, the newest the flow shows: the preview
    takes its place (one edit, rather than taking its buttons off and sending a new one)."""
    query = update.callback_query
    return bool(query and query.message and draft.prompt == query.message.message_id)


def _department_name(context: ContextTypes.DEFAULT_TYPE, department_id: int | None) -> str | None:
    return people.department_name(database(context), department_id)


@requires(*MEMBERS, GUEST)
@with_draft
async def edit_text(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    await _clear_prompt(context, update.effective_chat.id, draft)  # the preview is out of date
    await _say(update, context, "opinion.write", limit=settings(context).opinion_max_chars)
    return WRITING


def _forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return drafts(context).pop(update.effective_user.id, None)


async def _left_by_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A menu tap in the middle ends the draft: its buttons, pressed later, say so (they are
    not a draft lost to a restart)."""
    draft = _forget(update, context)
    if draft is not None:
        _end(context, draft, "left")
        await _dropped(update, context, draft)


@requires(*MEMBERS, GUEST)
async def receipt_instead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """/receipt in the middle of an opinion. Told to scan the poster again to follow a receipt
    (a restart, a day's silence), a guest scanned it, which opens the box, and sent /receipt:
    both flows waited for words, and this one, first, took the code at its category step. With
    nothing written yet, the box gives way and the receipt flow takes the command; a draft with
    words or photos stays, and the person is told to submit or /cancel it first."""
    draft = _draft(update, context)
    if draft is not None and (draft.text or draft.photos):
        await _say(update, context, "opinion.receipt_mid_draft")
        return None  # the draft stays at its step
    if draft is not None:
        _forget(update, context)
        _end(context, draft, "left")
        await _clear_prompt(context, update.effective_chat.id, draft)
        forgetting.draft_left(context.application, update.effective_chat.id, draft)
    for handler in context.application.handlers.get(0, []):
        if isinstance(handler, ConversationHandler) and handler.name == "receipt":
            checked = handler.check_update(update)
            if checked is not None and checked is not False:
                await handler.handle_update(update, context.application, checked, context)
    return ConversationHandler.END


async def _dropped(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, keep: tuple[int, ...] = ()
) -> list[int]:
    """An anonymous draft left unsubmitted without a 取消 (a menu tap, a new /opinion): its
    preview stays for the person to copy their words from, and leaves the chat within a day
    (with the next draft, if one ends sooner). Told once, since they did not ask for it."""
    written = draft.anonymous and bool(draft.text or draft.photos)
    left = forgetting.draft_left(context.application, update.effective_chat.id, draft, keep)
    if written:
        await context.bot.send_quietly(
            update.effective_chat.id, say(language(update, context), "opinion.dropped_anonymous")
        )
    return left


@requires(*MEMBERS, GUEST)
@with_draft
async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    user_id, day = update.effective_user.id, today(context)
    guard = guest_guard(context) if draft.public else opinion_guard(context)
    refusal = (
        _guest_refusal(update, context, public_box.get(database(context)))
        if draft.public
        else "opinion.daily_limit"
        if draft.anonymous and not guard.allows(user_id, day)
        else None
    )
    if refusal:
        return await _refused_in_a_pop_up(update, context, draft, refusal)
    author_id = None if draft.public else person_of(update, context).id
    from handlers.opinions.receipt import guest_ledger_buttons, keys, remember_holder  # one flow hands over

    opinion_id, receipt = opinions.submit(database(context), draft, author_id, keys(context), day)
    if draft.public and public_ceiling(context).count(this_hour(context)):
        notices.public_box_full(context, settings(context).public_hourly_limit)
    _end(context, draft, "submitted")
    _forget(update, context)
    lang = language(update, context)
    if receipt is None:
        await _say(update, context, "opinion.submitted_named", edit=True, id=opinion_id)
        return ConversationHandler.END
    guard.count(user_id, day)
    remember_holder(context, user_id, opinion_id)
    await forgetting.forget_draft(context.application, update.effective_chat.id, draft)
    shown = await _say(
        update,
        context,
        "opinion.submitted_public" if draft.public else "opinion.submitted_anonymous",
        id=opinion_id,
        k=settings(context).anonymity_set,
        receipt=opinions.format_receipt(receipt),
        buttons=[
            [_button(lang, "receipt.btn.notify", RECEIPT_NOTIFY.data(opinion_id))],
            *guest_ledger_buttons(update, context, lang),
            [_button(lang, "receipt.btn.saved", RECEIPT_SAVED.data())],
        ],
    )
    forgetting.forget_later(context.application, update.effective_chat.id, [shown])
    return ConversationHandler.END


@requires(*MEMBERS, GUEST)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _draft(update, context)
    if update.callback_query and (draft is None or _token(update) != draft.token):
        return await stale_press(update, context)
    key = "opinion.cancelled"
    if draft:
        _end(context, draft, "cancelled")
        if not update.callback_query:
            await _clear_prompt(context, update.effective_chat.id, draft)
        _forget(update, context)
        if draft.anonymous and (draft.text or draft.photos):
            key = "opinion.cancelled_anonymous"  # said once, where the words went
        # the reply is edited into the message pressed: everything else the draft showed goes
        pressed = update.callback_query.message if update.callback_query else None
        keep = (pressed.message_id,) if pressed else ()
        await forgetting.forget_draft(context.application, update.effective_chat.id, draft, keep)
    await _say(update, context, key, edit=bool(update.callback_query))
    return ConversationHandler.END


@requires(*MEMBERS, GUEST)
async def stale_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A button of a draft that is not the one being written. If that draft ended since the
    bot started, say how (a double tap on 提交 is told it went in) and take its buttons away;
    only a draft nobody remembers was lost to a restart."""
    outcome = _ended(context).get(_token(update) or "")
    if outcome is None:
        draft = _draft(update, context)
        if draft is None:
            return await draft_lost(update, context)
        # a step of this very draft, answered already (a double tap): it was taken, nothing to redo
        key = "opinion.step_taken" if _token(update) == draft.token else "stale_button"
        await refuse(update, context, key)
        return None
    await update.callback_query.answer(say(language(update, context), f"opinion.ended.{outcome}"))
    message = update.callback_query.message
    if outcome == "submitted" or not (message and message.reply_markup):
        return None  # the receipt's card is that message now; its buttons are the receipt's
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except TelegramError:
        pass  # the first tap already took them away
    return None


@requires(*MEMBERS, GUEST)
async def draft_lost(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A button of a draft that no longer exists: the bot restarted, and drafts are never
    written to disk, so it is gone."""
    _forget(update, context)
    await _say(update, context, "opinion.draft_lost")
    return ConversationHandler.END


# Typing instead of tapping at the category and department steps (handlers/typed_choice.py).


def _categories_offered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return {name: str(i) for i, name in enumerate(_categories(context, _draft(update, context)))}


def _departments_offered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    offered = {name: str(department_id) for department_id, name in people.department_list(database(context))}
    offered[say(language(update, context), "opinion.btn.no_department")] = "0"
    return offered


def _typed(step):
    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, value: str) -> int:
        draft = _draft(update, context)
        if draft is None:
            return await draft_lost(update, context)
        return await step(update, context, draft, value)

    return chosen


def submission_conversation() -> ConversationHandler:
    text = menu.TYPED
    return typed_choice.conversation(
        entry_points=[
            *menu.triggers("opinion", start_opinion),
            CommandHandler("start", start_from_poster, filters.Regex(f"^/start {public_box.PREFIX}")),
        ],
        states={
            **conversations.on_timeout("opinion"),
            CHOOSING_MODE: [CallbackQueryHandler(choose_mode, pattern=OPINION_MODE)],
            CHOOSING_CATEGORY: [
                CallbackQueryHandler(choose_category, pattern=OPINION_CATEGORY),
                # a guest from the poster types too: the step's own answer is theirs as well
                typed_choice.handler(
                    _categories_offered,
                    _typed(_category_chosen),
                    roles=BOX_USERS,
                    on_hint=_hinted,
                    unmatched=_words_typed_early(CHOOSING_CATEGORY, "opinion.text_kept.category"),
                ),
            ],
            CHOOSING_DEPARTMENT: [
                CallbackQueryHandler(choose_department, pattern=OPINION_DEPARTMENT),
                CallbackQueryHandler(more_departments, pattern=OPINION_DEPARTMENT_PAGE),
                typed_choice.handler(
                    _departments_offered,
                    _typed(_department_chosen),
                    "choice.department",
                    roles=BOX_USERS,
                    on_hint=_hinted,
                    unmatched=_words_typed_early(CHOOSING_DEPARTMENT, "opinion.text_kept.department"),
                ),
            ],
            WRITING: [
                MessageHandler(text, receive_text),
                MessageHandler(filters.PHOTO, photo_while_writing),
                MessageHandler(filters.Document.ALL, text_before_photos),
            ],
            ADDING_PHOTOS: [
                MessageHandler(filters.PHOTO, receive_photo),
                MessageHandler(filters.Document.ALL, refuse_document),
                CallbackQueryHandler(photos_done, pattern=OPINION_PHOTOS_DONE),
                MessageHandler(text, text_at_photos),
            ],
            REVIEWING: [
                CallbackQueryHandler(submit, pattern=OPINION_SUBMIT),
                CallbackQueryHandler(edit_text, pattern=OPINION_EDIT),
                MessageHandler(text, text_at_preview),
                MessageHandler(filters.PHOTO, photo_at_preview),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("receipt", receipt_instead),
            menu.leave_on_menu_tap(_left_by_menu),
            CallbackQueryHandler(cancel, pattern=OPINION_CANCEL),
        ],
        name="opinion",
        conversation_timeout=conversations.TIMEOUT,
        on_hint=_hinted,
        persistent=False,  # the promise: not even the step someone is at goes to disk
        allow_reentry=True,
    )


def before_everything() -> list[BaseHandler]:
    """For a group that runs before every other (even the rate limit, which may stop a flood of
    typed words before any step reads them)."""
    return [TypeHandler(Update, note_typed)]


def handlers() -> list[BaseHandler]:
    return [
        submission_conversation(),
        # Buttons of a finished draft, or of one from before a restart, land here.
        CallbackQueryHandler(stale_press, pattern=callbacks.family("op")),
    ]
