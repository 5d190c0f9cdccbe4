"""The office keeps the roster from chat: /roster takes a CSV, shows what would change and
applies it on confirmation; /invite makes invitations and sends the printable sheets.

The import conversation is persistent: an office member who sent /roster before a restart can
send the file after it.
"""

from __future__ import annotations

import io
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from documents import invitation_sheet
from handlers import conversations, menu
from handlers.access import database, language, person_of, quoted, refuse, reply, requires, settings
from handlers.uploads import download
from storage import invitations, people, roster
from storage.csv_files import FileRejected
from storage.people import OFFICE
from storage.roster import RosterChanges, RosterError
from texts import CATALOGS, DEFAULT, say

log = logging.getLogger(__name__)

WAITING_FILE, CONFIRMING = conversations.states("roster_import")
MAX_ROSTER_BYTES = 2 * 1024 * 1024
NAMES_SHOWN = 20


@requires(OFFICE)
async def ask_for_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "roster.ask_file")
    return WAITING_FILE


def file_error_text(lang: str, error: FileRejected, family: str = "roster") -> str:
    """Why a CSV file was refused, with its line; `family` picks the wording (roster, findings)."""
    where = say(lang, "roster.where", line=error.line) if error.line else ""
    reason_key = f"{family}.error.{error.reason}"
    if reason_key not in CATALOGS[DEFAULT]:
        reason_key = f"roster.error.{error.reason}"  # encoding, header, empty, csv: shared
    return say(lang, f"{family}.error", where=where, reason=say(lang, reason_key, detail=error.detail))


def _names(lang: str, names: list[str]) -> str:
    if not names:
        return "0"
    shown = "、".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
    return f"{len(names)}\n" + say(lang, "roster.names", names=shown)


def _preview_text(lang: str, rows: int, changes: RosterChanges) -> str:
    return say(lang, "roster.preview", rows=rows, added=_names(lang, changes.added),
               updated=_names(lang, changes.updated),
               deactivated=_names(lang, changes.deactivated), unchanged=changes.unchanged)


@requires(OFFICE)
async def receive_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    document = update.message.document
    lang = language(update, context)
    if not (document.file_name or "").lower().endswith(".csv"):
        await reply(update, context, "roster.not_csv")
        return WAITING_FILE
    if (document.file_size or 0) > MAX_ROSTER_BYTES:
        await reply(update, context, "roster.too_big", size=document.file_size // 1024,
                    limit=MAX_ROSTER_BYTES // 1024)
        return WAITING_FILE
    try:
        rows = roster.parse(await download(context, document.file_id))
    except RosterError as error:
        await context.bot.send_message(update.effective_chat.id, file_error_text(lang, error),
                                       parse_mode="HTML")
        return WAITING_FILE
    changes = roster.preview(database(context), rows)
    if changes.empty:
        await reply(update, context, "roster.no_changes")
        return ConversationHandler.END
    # Only the file's id is kept between steps: the file is read again on confirmation.
    context.user_data["roster_file"] = document.file_id
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(say(lang, "btn.confirm"), callback_data="roster:apply"),
        InlineKeyboardButton(say(lang, "btn.cancel"), callback_data="roster:cancel"),
    ]])
    await context.bot.send_message(update.effective_chat.id, _preview_text(lang, len(rows), changes),
                                   parse_mode="HTML", reply_markup=buttons)
    return CONFIRMING


@requires(OFFICE)
async def not_a_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "roster.not_csv")
    return WAITING_FILE


@requires(OFFICE)
async def apply_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    file_id = context.user_data.pop("roster_file", None)
    person = person_of(update, context)
    lang = language(update, context, person)
    try:
        rows = roster.parse(await download(context, file_id)) if file_id else None
    except RosterError:
        rows = None
    if rows is None:
        await query.edit_message_text(say(lang, "roster.changed_meanwhile"))
        return ConversationHandler.END
    changes = roster.apply(database(context), rows, person.id)
    log.info("roster imported: +%d ~%d -%d", len(changes.added), len(changes.updated),
             len(changes.deactivated))
    await query.edit_message_text(say(lang, "roster.applied", added=len(changes.added),
                                      updated=len(changes.updated),
                                      deactivated=len(changes.deactivated)))
    return ConversationHandler.END


@requires(OFFICE)
async def cancel_import(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("roster_file", None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(
            say(language(update, context), "roster.cancelled"))
    else:
        await reply(update, context, "roster.cancelled")
    return ConversationHandler.END


def import_conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=menu.triggers("roster", ask_for_file),
        states={
            **conversations.on_timeout("roster_import"),
            WAITING_FILE: [
                MessageHandler(filters.Document.ALL, receive_file),
                MessageHandler(~filters.COMMAND, not_a_file),
            ],
            CONFIRMING: [
                CallbackQueryHandler(apply_file, pattern=r"^roster:apply$"),
                CallbackQueryHandler(cancel_import, pattern=r"^roster:cancel$"),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_import)],
        name="roster_import",
        conversation_timeout=conversations.TIMEOUT,
        persistent=True,
        allow_reentry=True,
    )


# ---- invitations ------------------------------------------------------------------------


def _department_named(context: ContextTypes.DEFAULT_TYPE) -> tuple[str | None, bool]:
    """The department given after /invite, and whether it exists."""
    name = " ".join(context.args or []).strip() or None
    return name, name is None or name in people.departments(database(context))


@requires(OFFICE)
async def offer_invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department, known = _department_named(context)
    lang = language(update, context)
    db = database(context)
    if not known:
        await reply(update, context, "invite.no_department", department=quoted(department),
                    departments="、".join(people.departments(db)))
        return
    waiting = invitations.unbound(db, department)
    if not waiting:
        await reply(update, context, "invite.none")
        return
    scope = say(lang, "invite.scope", department=department) if department else ""
    target = str(waiting[0].department_id) if department else "all"
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=f"invite:go:{target}"),
        InlineKeyboardButton(say(lang, "btn.cancel"), callback_data="invite:cancel"),
    ]])
    await reply(update, context, "invite.confirm", count=len(waiting), scope=scope,
                reply_markup=buttons)


def _department_from_button(context: ContextTypes.DEFAULT_TYPE, data: str) -> tuple[bool, str | None]:
    target = data.removeprefix("invite:go:")
    if target == "all":
        return True, None
    if not target.isdigit():
        return False, None
    name = people.department_name(database(context), int(target))
    return (True, name) if name else (False, None)


@requires(OFFICE)
async def make_invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    valid, department = _department_from_button(context, query.data)
    if not valid:
        await refuse(update, context, "stale_button")
        return
    await query.answer()
    person = person_of(update, context)
    lang = language(update, context, person)
    config, db = settings(context), database(context)
    waiting = [p.id for p in invitations.unbound(db, department)]
    issued = invitations.issue(db, waiting, config.invitation_ttl_days, person.id)
    if not issued:
        await query.edit_message_text(say(lang, "invite.none"))
        return
    await query.edit_message_text(say(lang, "invite.done", count=len(issued),
                                      days=config.invitation_ttl_days))
    sheets = invitation_sheet.sheets_by_department(issued, context.bot.username, config.timezone)
    for name, sheet in sheets.items():
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(io.BytesIO(sheet.encode()), filename=invitation_sheet.sheet_file_name(name)),
            caption=say(lang, "invite.caption", department=name),
        )


@requires(OFFICE)
async def cancel_invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "invite.cancelled"))


def handlers() -> list[BaseHandler]:
    return [
        import_conversation(),
        *menu.triggers("invite", offer_invitations),
        CallbackQueryHandler(make_invitations, pattern=r"^invite:go:"),
        CallbackQueryHandler(cancel_invitations, pattern=r"^invite:cancel$"),
    ]
