"""/export: the ledger as an Excel file (整改台账) — the office gets everything, a leader their
own problems; `/export 门诊部` filters by department. Built off the event loop."""

from __future__ import annotations

import asyncio
import io

from telegram import InputFile, Update
from telegram.ext import BaseHandler, ContextTypes

from documents import ledger_workbook
from handlers import ledger, menu
from handlers.access import database, person_of, reply, requires, settings
from storage import people
from storage.people import LEADER, OFFICE


@requires(OFFICE, LEADER)
async def export_ledger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    department = " ".join(context.args or []).strip() or None
    if department and department not in people.departments(database(context)):
        await reply(update, context, "invite.no_department", department=department,
                    departments="、".join(people.departments(database(context))))
        return
    leader_id = None if OFFICE in person.roles else person.id
    where, params = ledger_workbook.filters_to_sql(department=department, leader_id=leader_id)
    config = settings(context)
    content, count = await asyncio.to_thread(
        ledger_workbook.to_bytes, database(context), ledger.today(context), config.timezone,
        where=where, params=params, amber=config.ledger_amber_days, stale=config.ledger_stale_days)
    name = f"整改台账-{ledger.today(context).isoformat()}.xlsx"
    await context.bot.send_document(update.effective_chat.id, InputFile(io.BytesIO(content), filename=name))
    await reply(update, context, "export.done", count=count)


def handlers() -> list[BaseHandler]:
    return menu.triggers("export", export_ledger)
