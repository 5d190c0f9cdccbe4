"""/invite: the office makes invitation codes for who on the roster has not joined yet (all, or
one department's), after a confirmation that says how many, and gets the printable sheets, one
per department."""

from __future__ import annotations

import io

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import INVITE_CANCEL, INVITE_GO
from documents import invitation_sheet
from handlers import confirmations, menu
from handlers.access import database, language, person_of, quoted, refuse, reply, requires, settings
from storage import invitations, people
from storage.people import OFFICE
from texts import say


def _department_named(context: ContextTypes.DEFAULT_TYPE) -> tuple[str | None, bool]:
    """The department given after /invite, and whether it exists."""
    typed = " ".join(context.args or []).strip() or None
    if typed is None:
        return None, True
    found = people.department_named(database(context), typed)
    return found or typed, found is not None


@requires(OFFICE)
async def offer_invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department, known = _department_named(context)
    lang = language(update, context)
    db = database(context)
    if not known:
        await reply(
            update,
            context,
            "invite.no_department",
            department=quoted(department),
            departments="、".join(people.departments(db)),
        )
        return
    waiting = invitations.unbound(db, department)
    if not waiting:
        await reply(update, context, "invite.none")
        return
    scope = say(lang, "invite.scope", department=department) if department else ""
    target = str(waiting[0].department_id) if department else "all"
    token = confirmations.ask(context, "invite")  # a second 确认 would withdraw the codes just printed
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=INVITE_GO.data(target, token)),
                InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=INVITE_CANCEL.data(token)),
            ]
        ]
    )
    await reply(update, context, "invite.confirm", count=len(waiting), scope=scope, reply_markup=buttons)


def _department_from_button(context: ContextTypes.DEFAULT_TYPE, data: str) -> tuple[bool, str | None]:
    target, _ = INVITE_GO.parse(data)
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
    if not confirmations.take(context, "invite", INVITE_GO.parse(query.data)[1]):  # cancelled or done
        await confirmations.refuse_stale(update, context)
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
    await query.edit_message_text(
        say(lang, "invite.done", count=len(issued), days=config.invitation_ttl_days)
    )
    sheets = invitation_sheet.sheets_by_department(issued, context.bot.username, config.timezone)
    for name, sheet in sheets.items():
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(io.BytesIO(sheet.encode()), filename=invitation_sheet.sheet_file_name(name)),
            caption=say(lang, "invite.caption", department=name),
        )


@requires(OFFICE)
async def cancel_invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [token] = INVITE_CANCEL.parse(update.callback_query.data)
    await confirmations.cancel(update, context, "invite", token, "invite.cancelled")


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("invite", offer_invitations),
        CallbackQueryHandler(make_invitations, pattern=INVITE_GO),
        CallbackQueryHandler(cancel_invitations, pattern=INVITE_CANCEL),
    ]
