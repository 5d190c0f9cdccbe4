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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import menu
from handlers.access import MEMBERS, answering, database, language, person_of, refuse, requires, settings
from handlers.uploads import clean_photo
from jobs import forgetting
from storage import opinions
from storage.clock import clock
from storage.flood_guard import FloodGuard
from storage.opinions import Draft
from texts import every_language, say

CHOOSING_MODE, CHOOSING_CATEGORY, CHOOSING_DEPARTMENT, WRITING, ADDING_PHOTOS, REVIEWING = range(6)
DEPARTMENTS_PER_ROW = 2


def drafts(context: ContextTypes.DEFAULT_TYPE) -> dict[int, Draft]:
    return context.application.bot_data.setdefault("drafts", {})


def opinion_guard(context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    return context.application.bot_data.setdefault(
        "opinion_guard", FloodGuard(settings(context).opinion_daily_limit))


def today(context: ContextTypes.DEFAULT_TYPE):
    return clock.now().astimezone(settings(context).timezone).date()


def _draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return drafts(context).get(update.effective_user.id)


def with_draft(step):
    """A step of the flow that needs the draft; without one (the bot restarted, and drafts are
    never saved) the person is told it is gone."""
    @functools.wraps(step)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = _draft(update, context)
        if draft is None:
            return await draft_lost(update, context)
        return await step(update, context, draft)

    return guarded


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, buttons=None,
               edit: bool = False, **values):
    """Send (or edit into) a message from the catalog; returns the message sent."""
    text = say(language(update, context), key, **values)
    markup = InlineKeyboardMarkup(buttons) if buttons else None
    if edit and update.callback_query:
        await answering(update, update.callback_query.edit_message_text(
            text, parse_mode="HTML", reply_markup=markup))
        return update.callback_query.message
    sent = context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup)
    if update.callback_query:
        return (await asyncio.gather(update.callback_query.answer(), sent))[1]
    return await sent


async def _forget_typed(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The person's own message, once read into an anonymous draft, leaves the chat."""
    if draft.anonymous and update.message:
        await forgetting.forget_now(context.application, update.effective_chat.id,
                                    [update.message.message_id])


def _button(lang: str, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(say(lang, key), callback_data=data)


@requires(*MEMBERS)
async def start_opinion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    drafts(context)[update.effective_user.id] = Draft()
    lang = language(update, context)
    await _say(update, context, "opinion.mode", buttons=[
        [_button(lang, "opinion.btn.anonymous", "op:mode:anon")],
        [_button(lang, "opinion.btn.named", "op:mode:named")],
        [_button(lang, "btn.cancel", "op:cancel")],
    ])
    return CHOOSING_MODE


@requires(*MEMBERS)
@with_draft
async def choose_mode(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    draft.anonymous = update.callback_query.data == "op:mode:anon"
    if draft.anonymous and not opinion_guard(context).allows(update.effective_user.id, today(context)):
        drafts(context).pop(update.effective_user.id, None)
        await _say(update, context, "opinion.daily_limit", edit=True,
                   limit=settings(context).opinion_daily_limit)
        return ConversationHandler.END
    lang = language(update, context)
    names = opinions.categories(database(context))
    buttons = [[InlineKeyboardButton(name, callback_data=f"op:cat:{i}")] for i, name in enumerate(names)]
    await _say(update, context, "opinion.category", buttons=buttons, edit=True,
               mode=say(lang, "opinion.anonymous" if draft.anonymous else "opinion.named"))
    return CHOOSING_CATEGORY


@requires(*MEMBERS)
@with_draft
async def choose_category(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    names = opinions.categories(database(context))
    index = update.callback_query.data.removeprefix("op:cat:")
    if not index.isdigit() or int(index) >= len(names):
        await refuse(update, context, "stale_button")
        return CHOOSING_CATEGORY
    draft.category = names[int(index)]
    lang = language(update, context)
    departments = list(database(context).query("select id, name from departments order by name"))
    buttons = [InlineKeyboardButton(d["name"], callback_data=f"op:dept:{d['id']}") for d in departments]
    rows = [buttons[i:i + DEPARTMENTS_PER_ROW] for i in range(0, len(buttons), DEPARTMENTS_PER_ROW)]
    rows.append([_button(lang, "opinion.btn.no_department", "op:dept:0")])
    await _say(update, context, "opinion.department", buttons=rows, edit=True,
               category=draft.category)
    return CHOOSING_DEPARTMENT


@requires(*MEMBERS)
@with_draft
async def choose_department(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    chosen = update.callback_query.data.removeprefix("op:dept:")
    known = {d for d in (r["id"] for r in database(context).query("select id from departments"))}
    if not chosen.isdigit() or (int(chosen) and int(chosen) not in known):
        await refuse(update, context, "stale_button")
        return CHOOSING_DEPARTMENT
    draft.department_id = int(chosen) or None
    await _say(update, context, "opinion.write", edit=True, limit=settings(context).opinion_max_chars)
    return WRITING


@requires(*MEMBERS)
@with_draft
async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    text = update.message.text.strip()
    limit = settings(context).opinion_max_chars
    if not text:
        await _say(update, context, "opinion.write", limit=limit)
        return WRITING
    if len(text) > limit:
        # Never cut silently: say how long it is and keep asking.
        await _say(update, context, "opinion.too_long", count=len(text), limit=limit)
        return WRITING
    draft.text = text
    await _forget_typed(update, context, draft)
    if draft.reviewed:
        return await show_preview(update, context)
    return await ask_for_photos(update, context)


async def ask_for_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _draft(update, context)
    lang = language(update, context)
    await _say(update, context, "opinion.photos", buttons=[
        [_button(lang, "opinion.btn.photos_done", "op:photos_done")]],
        count=len(draft.photos), limit=opinions.MAX_PHOTOS)
    return ADDING_PHOTOS


@requires(*MEMBERS)
async def text_before_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _say(update, context, "opinion.text_first", limit=settings(context).opinion_max_chars)
    return WRITING


@requires(*MEMBERS)
@with_draft
async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    if len(draft.photos) >= opinions.MAX_PHOTOS:
        return await show_preview(update, context)
    photo = await clean_photo(context, update.message)
    if photo is None:
        await _say(update, context, "opinion.bad_photo")
        return ADDING_PHOTOS
    draft.photos.append(photo)
    await _forget_typed(update, context, draft)
    if len(draft.photos) >= opinions.MAX_PHOTOS:
        return await show_preview(update, context)
    return await ask_for_photos(update, context)


@requires(*MEMBERS)
@with_draft
async def refuse_document(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    key = "opinion.no_documents_anonymous" if draft.anonymous else "opinion.no_documents"
    await _say(update, context, key)
    return ADDING_PHOTOS


@requires(*MEMBERS)
@with_draft
async def photos_done(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    return await show_preview(update, context)


async def show_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _draft(update, context)
    lang = language(update, context)
    draft.reviewed = True
    department = _department_name(context, draft.department_id) or say(lang, "opinion.no_department")
    preview = await _say(update, context, "opinion.preview", buttons=[
        [_button(lang, "opinion.btn.submit", "op:submit")],
        [_button(lang, "opinion.btn.edit", "op:edit"), _button(lang, "btn.cancel", "op:cancel")],
    ], mode=say(lang, "opinion.anonymous" if draft.anonymous else "opinion.named"),
        category=draft.category, department=department, text=draft.text,
        photos=len(draft.photos))
    if preview is not None:
        draft.shown_in.append(preview.message_id)
    return REVIEWING


def _department_name(context: ContextTypes.DEFAULT_TYPE, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    row = database(context).execute("select name from departments where id = ?",
                                    [department_id]).fetchone()
    return row[0] if row else None


@requires(*MEMBERS)
@with_draft
async def edit_text(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    await _say(update, context, "opinion.write", limit=settings(context).opinion_max_chars)
    return WRITING


def _forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return drafts(context).pop(update.effective_user.id, None)


async def _forget_previews(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft | None) -> None:
    """The previews show the text: an anonymous draft's leave the chat with the draft."""
    if draft is not None and draft.anonymous and draft.shown_in:
        await forgetting.forget_now(context.application, update.effective_chat.id, draft.shown_in)


@requires(*MEMBERS)
@with_draft
async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    user_id, day = update.effective_user.id, today(context)
    guard = opinion_guard(context)
    if draft.anonymous and not guard.allows(user_id, day):
        _forget(update, context)
        await _say(update, context, "opinion.daily_limit", limit=settings(context).opinion_daily_limit)
        return ConversationHandler.END
    person = person_of(update, context)
    from handlers.receipts import keys, remember_holder  # one flow hands over to the other

    opinion_id, receipt = opinions.submit(database(context), draft, person.id, keys(context), day)
    _forget(update, context)
    lang = language(update, context)
    if receipt is None:
        await _say(update, context, "opinion.submitted_named", edit=True, id=opinion_id)
        return ConversationHandler.END
    guard.count(user_id, day)
    remember_holder(context, user_id, opinion_id)
    await _forget_previews(update, context, draft)
    shown = await _say(update, context, "opinion.submitted_anonymous", id=opinion_id,
                       k=settings(context).anonymity_set,
                       receipt=opinions.format_receipt(receipt), buttons=[
                           [_button(lang, "receipt.btn.notify", f"rc:notify:{opinion_id}")],
                           [_button(lang, "receipt.btn.saved", "rc:saved")]])
    forgetting.forget_later(context.application, update.effective_chat.id, [shown.message_id])
    return ConversationHandler.END


@requires(*MEMBERS)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _forget(update, context)
    if draft is not None and update.callback_query and update.callback_query.message:
        # the cancel button sits under the latest preview, which becomes the "cancelled" note
        draft.shown_in = [m for m in draft.shown_in if m != update.callback_query.message.message_id]
    await _forget_previews(update, context, draft)
    await _say(update, context, "opinion.cancelled", edit=bool(update.callback_query))
    return ConversationHandler.END


@requires(*MEMBERS)
async def draft_lost(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A button of a draft that no longer exists: the bot restarted, and drafts are never
    written to disk, so it is gone."""
    _forget(update, context)
    await _say(update, context, "opinion.draft_lost")
    return ConversationHandler.END


def _not_a_menu_button():
    labels = [label for _, button, _ in menu.ENTRIES if button for label in every_language(button)]
    return ~filters.Text(labels)


def submission_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & _not_a_menu_button()
    return ConversationHandler(
        entry_points=menu.triggers("opinion", start_opinion),
        states={
            CHOOSING_MODE: [CallbackQueryHandler(choose_mode, pattern=r"^op:mode:(anon|named)$")],
            CHOOSING_CATEGORY: [CallbackQueryHandler(choose_category, pattern=r"^op:cat:")],
            CHOOSING_DEPARTMENT: [CallbackQueryHandler(choose_department, pattern=r"^op:dept:")],
            WRITING: [MessageHandler(text, receive_text),
                      MessageHandler(filters.PHOTO | filters.Document.ALL, text_before_photos)],
            ADDING_PHOTOS: [MessageHandler(filters.PHOTO, receive_photo),
                            MessageHandler(filters.Document.ALL, refuse_document),
                            CallbackQueryHandler(photos_done, pattern=r"^op:photos_done$"),
                            MessageHandler(text, photos_done)],
            REVIEWING: [CallbackQueryHandler(submit, pattern=r"^op:submit$"),
                        CallbackQueryHandler(edit_text, pattern=r"^op:edit$")],
        },
        fallbacks=[CommandHandler("cancel", cancel),
                   CallbackQueryHandler(cancel, pattern=r"^op:cancel$")],
        name="opinion",
        persistent=False,  # the promise: not even the step someone is at goes to disk
        allow_reentry=True,
    )


def handlers() -> list[BaseHandler]:
    return [
        submission_conversation(),
        # Buttons of a draft from before a restart land here.
        CallbackQueryHandler(draft_lost, pattern=r"^op:"),
    ]

