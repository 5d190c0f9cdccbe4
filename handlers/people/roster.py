"""The office keeps the roster from chat: /roster takes a CSV or an Excel file, shows what would
change and why, and applies it on confirmation (a second one, in red, when the import would lock
people out). /invite is handlers/people/invite.py.

The import conversation is persistent: an office member who sent /roster before a restart can
send the file after it.
"""

from __future__ import annotations

import html
import logging

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

from callbacks import ROSTER_APPLY, ROSTER_CANCEL, ROSTER_RISKY
from handlers import conversations, menu, typed_choice
from handlers.access import (
    database,
    language,
    person_of,
    reply,
    requires,
    role_names,
)
from handlers.uploads import download
from jobs import institutions
from storage import roster
from storage.csv_files import FileRejected
from storage.people import OFFICE
from storage.roster import RiskyImport, RosterChanges, RosterError
from texts import CATALOGS, DEFAULT, Raw, say
from texts.fit import TEXT_LIMIT, shorten

log = logging.getLogger(__name__)

WAITING_FILE, CONFIRMING, CONFIRMING_RISK = conversations.states("roster_import")
MAX_ROSTER_BYTES = 2 * 1024 * 1024
NAMES_SHOWN = 20
# The file types a table is accepted in, wherever one is (roster, findings, calendar).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")


def is_table_file(file_name: str | None) -> bool:
    return (file_name or "").lower().endswith(TABLE_SUFFIXES)


@requires(OFFICE)
async def ask_for_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "roster.ask_file")
    return WAITING_FILE


def file_error_text(lang: str, error: FileRejected, family: str = "roster") -> str:
    """Why a file was refused, with its line; `family` picks the wording (roster, findings,
    calendar). Missing columns are named in the reader's language."""
    where = say(lang, "roster.where", line=error.line) if error.line else ""
    reason_key = f"{family}.error.{error.reason}"
    if reason_key not in CATALOGS[DEFAULT]:
        reason_key = f"roster.error.{error.reason}"  # encoding, empty, csv, xlsx: shared
    detail = error.detail
    if error.reason == "header":
        detail = "、".join(say(lang, f"{family}.column.{c}") for c in detail.split(",") if c)
    return say(lang, f"{family}.error", where=where, reason=say(lang, reason_key, detail=detail))


def _edit_line(lang: str, edit) -> str:
    before, after = edit.before, edit.after
    if edit.field == "roles":
        before, after = role_names(lang, before.split()), role_names(lang, after.split())
    return say(lang, f"roster.edit.{edit.field}", name=edit.person, before=before, after=after)


def _lines(lines: list[str]) -> str:
    shown = lines[:NAMES_SHOWN]
    more = len(lines) - len(shown)
    return "".join(f"\n　{line}" for line in shown) + (f"\n　…（+{more}）" if more else "")


def risk_text(lang: str, changes: RosterChanges, html_tags: bool = True) -> str:
    """Why an import is risky, for the chat (HTML) or the command line (plain)."""
    lines = [say(lang, "roster.risk.title")]
    for risk in changes.risks:
        lines.append(
            say(
                lang,
                f"roster.risk.{risk}",
                count=len(changes.deactivated),
                active=changes.active_before,
                names="、".join(changes.deactivated_office[:NAMES_SHOWN]),
            )
        )
    text = "\n".join(lines)
    return text if html_tags else html.unescape(text.replace("<b>", "").replace("</b>", ""))


def _preview_text(lang: str, rows: int, changes: RosterChanges) -> str:
    """What changes and why, person by person (the first NAMES_SHOWN of each kind)."""
    added = _lines(
        [
            say(lang, "roster.added_in", name=name, department=department)
            for name, department in zip(changes.added, changes.added_departments, strict=True)
        ]
    )
    updated = _lines([_edit_line(lang, e) for e in changes.edits])
    deactivated = _lines([say(lang, "roster.edit.gone", name=n) for n in changes.deactivated])
    text = say(
        lang,
        "roster.preview",
        rows=rows,
        added=Raw(f"{len(changes.added)}{added}"),
        updated=Raw(f"{len(changes.updated)}{updated}"),
        deactivated=Raw(f"{len(changes.deactivated)}{deactivated}"),
        unchanged=changes.unchanged,
        departments=Raw(
            "\n\n" + _departments_text(lang, changes)
            if changes.new_departments or changes.former_names
            else ""
        ),
    )
    if changes.risks:
        text = risk_text(lang, changes) + "\n\n" + text
    return shorten(text, TEXT_LIMIT)


def _departments_text(lang: str, changes: RosterChanges) -> str:
    """The departments the import creates, and a question for each that looks like another."""
    lines = [
        say(lang, "roster.former_name", old=old, new=new)
        for old, new in list(changes.former_names.items())[:NAMES_SHOWN]
    ]
    if changes.new_departments:
        shown = list(changes.new_departments.items())[:NAMES_SHOWN]
        more = len(changes.new_departments) - len(shown)
        listed = "、".join(say(lang, "roster.department_count", department=d, count=n) for d, n in shown)
        lines.append(
            say(lang, "roster.new_departments", departments=Raw(listed + (f"…（+{more}）" if more else "")))
        )
    lines += [
        say(lang, "roster.look_alike", new=new, old=old) for new, old in changes.look_alikes[:NAMES_SHOWN]
    ]
    if changes.look_alikes:
        lines.append(say(lang, "roster.look_alike_later"))
    return "\n".join(lines)


@requires(OFFICE)
async def receive_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    document = update.message.document
    lang = language(update, context)
    if not is_table_file(document.file_name):
        await reply(update, context, "roster.not_csv")
        return WAITING_FILE
    if (document.file_size or 0) > MAX_ROSTER_BYTES:
        await reply(
            update, context, "roster.too_big", size=document.file_size // 1024, limit=MAX_ROSTER_BYTES // 1024
        )
        return WAITING_FILE
    try:
        rows = _own_rows(context, await download(context, document.file_id))
    except RosterError as error:
        await context.bot.send_message(
            update.effective_chat.id, file_error_text(lang, error), parse_mode="HTML"
        )
        return WAITING_FILE
    changes = roster.preview(database(context), rows, person_of(update, context).id)
    if changes.empty:
        await reply(update, context, "roster.no_changes")
        return ConversationHandler.END
    # Only the file's id is kept between steps: the file is read again on confirmation.
    context.user_data["roster_file"] = document.file_id
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=ROSTER_APPLY.data()),
                InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=ROSTER_CANCEL.data()),
            ]
        ]
    )
    await context.bot.send_message(
        update.effective_chat.id,
        _preview_text(lang, len(rows), changes),
        parse_mode="HTML",
        reply_markup=buttons,
    )
    return CONFIRMING


@requires(OFFICE)
async def not_a_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "roster.not_csv")
    return WAITING_FILE


def _own_rows(context: ContextTypes.DEFAULT_TYPE, content: bytes) -> list:
    """The file's rows, of this office's institution only; in a supervised deployment an
    institution's office gives nobody the body's roles (督导组 sees every institution)."""
    unit = institutions.institution_of(context.application)  # None in a deployment of one
    rows = roster.of_one_institution(roster.parse(content), unit.name if unit else None)
    return roster.without_body_roles(rows) if unit is not None and not unit.is_body else rows


async def _rows_again(context: ContextTypes.DEFAULT_TYPE) -> list | None:
    file_id = context.user_data.get("roster_file")
    try:
        return _own_rows(context, await download(context, file_id)) if file_id else None
    except RosterError:
        return None


@requires(OFFICE)
async def apply_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The first confirmation; a risky import asks again before anything is written."""
    query = update.callback_query
    await query.answer()
    person = person_of(update, context)
    lang = language(update, context, person)
    risks_confirmed = ROSTER_RISKY(query.data)
    rows = await _rows_again(context)
    if rows is None:
        context.user_data.pop("roster_file", None)
        await query.edit_message_text(say(lang, "roster.changed_meanwhile"))
        return ConversationHandler.END
    try:
        changes = roster.apply(database(context), rows, person.id, risks_confirmed=risks_confirmed)
    except RiskyImport as risky:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "roster.btn.risky", count=len(risky.changes.deactivated)),
                        callback_data=ROSTER_RISKY.data(),
                    )
                ],
                [InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=ROSTER_CANCEL.data())],
            ]
        )
        await query.edit_message_text(
            shorten(risk_text(lang, risky.changes) + "\n\n" + say(lang, "roster.risk.again"), TEXT_LIMIT),
            parse_mode="HTML",
            reply_markup=buttons,
        )
        return CONFIRMING_RISK
    context.user_data.pop("roster_file", None)
    log.info(
        "roster imported: +%d ~%d -%d%s",
        len(changes.added),
        len(changes.updated),
        len(changes.deactivated),
        " (risks confirmed)" if risks_confirmed else "",
    )
    await query.edit_message_text(
        say(
            lang,
            "roster.applied",
            added=len(changes.added),
            updated=len(changes.updated),
            deactivated=len(changes.deactivated),
        )
    )
    return ConversationHandler.END


@requires(OFFICE)
async def cancel_import(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("roster_file", None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(say(language(update, context), "roster.cancelled"))
    else:
        await reply(update, context, "roster.cancelled")
    return ConversationHandler.END


def import_conversation() -> ConversationHandler:
    return typed_choice.conversation(
        entry_points=menu.triggers("roster", ask_for_file),
        states={
            **conversations.on_timeout("roster_import"),
            WAITING_FILE: [
                MessageHandler(filters.Document.ALL, receive_file),
                MessageHandler(~filters.COMMAND & ~filters.Text(menu.labels()), not_a_file),
            ],
            CONFIRMING: [
                CallbackQueryHandler(apply_file, pattern=ROSTER_APPLY),
                CallbackQueryHandler(cancel_import, pattern=ROSTER_CANCEL),
            ],
            CONFIRMING_RISK: [
                CallbackQueryHandler(apply_file, pattern=ROSTER_RISKY),
                CallbackQueryHandler(cancel_import, pattern=ROSTER_CANCEL),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_import), menu.leave_on_menu_tap()],
        name="roster_import",
        conversation_timeout=conversations.TIMEOUT,
        persistent=True,
        allow_reentry=True,
    )


def handlers() -> list[BaseHandler]:
    return [import_conversation()]
