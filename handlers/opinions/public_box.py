"""The office's side of the public box (群众意见箱): /poster makes the lobby posters (A4 and A3
PDFs with the QR code of the box's link) and shows the one-tap pause; the same button comes
with the notice that the hourly ceiling was reached (jobs/notices.py). Under the same reply the
office publishes the public ledger to guests (after a confirmation that says what anyone with
the link will see) or withdraws it in one tap.

The guests' side is the opinion flow itself (handlers/opinions/submit.py, entered through the
poster's link) and the receipt flow (handlers/opinions/receipt.py).
"""

from __future__ import annotations

import asyncio
import io

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from callbacks import PUBLIC_BOX, PUBLIC_LEDGER
from documents import poster
from documents.invitation_sheet import deep_link
from handlers.access import database, keep_to_edit, kept_to_edit, language, person_of, requires, settings
from storage import problems, public_box
from storage.clock import clock
from storage.people import OFFICE
from texts import say


def poster_text(lang: str, institution: str) -> poster.PosterText:
    return poster.PosterText(
        title=say(lang, "poster.title"),
        institution=institution or say(lang, "public.our_institution"),
        lines=(say(lang, "poster.line1"), say(lang, "poster.line2"), say(lang, "poster.line3")),
        scan=say(lang, "poster.scan"),
    )


def pause_markup(lang: str, box: public_box.PublicBox) -> InlineKeyboardMarkup:
    action = "resume" if box.paused else "pause"
    ledger = "off" if box.ledger_published else "ask"
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(say(lang, f"public.btn.{action}"), callback_data=PUBLIC_BOX.data(action))],
            [
                InlineKeyboardButton(
                    say(lang, f"public.ledger.btn.{ledger}"), callback_data=PUBLIC_LEDGER.data(ledger)
                )
            ],
        ]
    )


def _status(lang: str, box: public_box.PublicBox, link: str) -> str:
    state = say(lang, "public.state.paused" if box.paused else "public.state.open")
    ledger = say(lang, "public.ledger.state.on" if box.ledger_published else "public.ledger.state.off")
    return say(lang, "public.poster", state=state, link=link) + "\n\n" + ledger


@requires(OFFICE)
async def send_poster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang = database(context), language(update, context)
    today = clock.now().astimezone(settings(context).timezone).date()
    box = public_box.ensure(db, today, person_of(update, context).id)
    link = deep_link(context.bot.username, box.code)
    # The poster is in the institution's language (it hangs in the hall), not the office's.
    wall = settings(context).default_language
    files = await asyncio.to_thread(poster.posters, link, poster_text(wall, settings(context).institution))
    for paper, content in files.items():
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(io.BytesIO(content), filename=say(lang, "public.poster_file", paper=paper)),
        )
    await context.bot.send_message(
        update.effective_chat.id,
        _status(lang, box, link),
        parse_mode="HTML",
        reply_markup=pause_markup(lang, box),
    )


@requires(OFFICE)
async def pause_or_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (action,) = PUBLIC_BOX.parse(update.callback_query.data)
    db, lang = database(context), language(update, context)
    box = public_box.set_paused(db, action == "pause", person_of(update, context).id)
    if box is None:
        await update.callback_query.answer(say(lang, "stale_button"), show_alert=True)
        return
    await update.callback_query.answer(
        say(lang, "public.paused_now" if box.paused else "public.resumed_now"), show_alert=True
    )
    link = deep_link(context.bot.username, box.code)
    await update.callback_query.edit_message_text(
        _status(lang, box, link), parse_mode="HTML", reply_markup=pause_markup(lang, box)
    )


@requires(OFFICE)
async def publish_ledger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ask: what anyone with the link would see, and how much, before anything changes; yes:
    published (a second tap changes nothing); no: nothing changes; off: withdrawn at once (it
    only takes away)."""
    (action,) = PUBLIC_LEDGER.parse(update.callback_query.data)
    db, lang, query = database(context), language(update, context), update.callback_query
    box = public_box.get(db)
    if box is None:
        await query.answer(say(lang, "stale_button"), show_alert=True)
        return
    if action == "ask":
        await query.answer()
        keep_to_edit(update, context, "ledger_status", query.message)  # the /poster reply: its state follows
        shown = problems.count(db, problems.PUBLIC)  # confidential problems never are
        choices = [(say(lang, "public.ledger.btn.yes"), "yes"), (say(lang, "btn.cancel"), "no")]
        await context.bot.send_message(
            update.effective_chat.id,
            say(lang, "public.ledger.confirm", count=shown),
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=PUBLIC_LEDGER.data(a)) for label, a in choices]]
            ),
        )
        return
    if action == "no":
        await query.answer()
        await query.edit_message_text(say(lang, "public.ledger.kept_private"))
        return
    before = box.ledger_published
    box = public_box.publish_ledger(db, action == "yes", person_of(update, context).id) or box
    if before == box.ledger_published:  # a second tap, or an old button: nothing happened
        await query.answer(say(lang, "public.ledger.unchanged"), show_alert=True)
        return
    key = "public.ledger.published" if box.ledger_published else "public.ledger.withdrawn"
    await query.answer(say(lang, key), show_alert=True)
    if action == "yes":
        await query.edit_message_text(say(lang, key))
        # the /poster reply above still said 未向群众公开 and offered to publish: it says what is
        # now true and offers to withdraw
        status = kept_to_edit(update, context, "ledger_status")
        if status:
            link = deep_link(context.bot.username, box.code)
            try:
                await context.bot.edit_message_text(
                    _status(lang, box, link),
                    chat_id=status[0],
                    message_id=status[1],
                    parse_mode="HTML",
                    reply_markup=pause_markup(lang, box),
                )
            except TelegramError:
                pass  # deleted, or too old to edit: /poster shows it again
    else:  # the /poster reply itself: its state and buttons follow
        link = deep_link(context.bot.username, box.code)
        await query.edit_message_text(
            _status(lang, box, link), parse_mode="HTML", reply_markup=pause_markup(lang, box)
        )


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("poster", send_poster),
        CallbackQueryHandler(pause_or_resume, pattern=PUBLIC_BOX),
        CallbackQueryHandler(publish_ledger, pattern=PUBLIC_LEDGER),
    ]
