"""Exports. /export: the ledger as an Excel file (整改台账) — the office gets everything, a
leader their own problems; `/export 门诊部` filters by department. /report: the summary report
for the superior body as a Word document, for the office. Both are built off the event loop, in
a worker thread reading through a read-only connection of its own (never the bot's connection,
whose write transactions are on the loop)."""

from __future__ import annotations

import asyncio
import io
from datetime import date

from telegram import InputFile, Update
from telegram.ext import BaseHandler, ContextTypes

from documents import ledger_workbook, summary_report
from handlers import menu
from handlers.access import database, language, person_of, quoted, reply, requires, settings
from handlers.reports import ledger
from storage import people, problems, summary
from storage.db import reader as db_reader
from storage.people import LEADER, OFFICE
from texts import say


@requires(OFFICE, LEADER)
async def export_ledger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    typed = " ".join(context.args or []).strip() or None
    department = people.department_named(database(context), typed) if typed else None
    if typed and department is None:
        await reply(
            update,
            context,
            "invite.no_department",
            department=quoted(typed),
            departments="、".join(people.departments(database(context))),
        )
        return
    leader_id = None if OFFICE in person.roles else person.id
    which = problems.Filter(department=department, leader_id=leader_id)
    config = settings(context)
    today = ledger.today(context)

    def build() -> tuple[bytes, int]:
        with db_reader(database(context)) as reading:
            return ledger_workbook.to_bytes(
                reading,
                today,
                config.timezone,
                which=which,
                amber=config.ledger_amber_days,
                stale=config.ledger_stale_days,
                unclaimed=config.unclaimed_working_days,
                institution=config.institution,
            )

    content, count = await asyncio.to_thread(build)
    name = f"整改台账-{ledger.today(context).isoformat()}.xlsx"
    await context.bot.send_document(update.effective_chat.id, InputFile(io.BytesIO(content), filename=name))
    await reply(
        update, context, "export.done", scope=_scope(update, context, leader_id, department), count=count
    )


def _scope(update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int | None, department) -> str:
    """What the count counts: a leader read 共 5 项 beside a ledger of 12 and could not tell that
    the file held their own problems only."""
    key = "export.scope." + ("mine" if leader_id else "all" if department is None else "department")
    if leader_id and department is not None:
        key = "export.scope.mine_department"
    return say(language(update, context), key, department=department or "")


def _period(typed: list[str], db, zone, today: date) -> tuple[date, date] | None:
    """No dates: the whole campaign so far; one: from then to today; two: that period."""
    try:
        days = [date.fromisoformat(word) for word in typed]
    except ValueError:
        return None
    if len(days) > 2:
        return None
    start = days[0] if days else summary.campaign_start(db, zone, today)
    end = days[1] if len(days) == 2 else today
    return (start, end) if start <= end else None


@requires(OFFICE)
async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    config, db, today = settings(context), database(context), ledger.today(context)
    period = _period(context.args or [], db, config.timezone, today)
    if period is None:
        await reply(update, context, "report.bad_period", text=quoted(" ".join(context.args or [])))
        await reply(update, context, "report.usage")
        return
    start, end = period
    await reply(update, context, "report.working")

    def build() -> bytes:
        with db_reader(db) as reading:
            return summary_report.for_period(
                reading,
                start,
                end,
                config.timezone,
                config.institution,
                today,
                config.evaluation_min_ballots,
                config.evaluation_rule,
            )

    content = await asyncio.to_thread(build)
    name = f"整改落实情况综合报告-{start.isoformat()}-{end.isoformat()}.docx"
    await context.bot.send_document(update.effective_chat.id, InputFile(io.BytesIO(content), filename=name))
    await reply(update, context, "report.done", start=start.isoformat(), end=end.isoformat())


def handlers() -> list[BaseHandler]:
    return [*menu.triggers("export", export_ledger), *menu.triggers("report", send_report)]
