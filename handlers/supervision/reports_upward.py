"""专题书面报告 (reports upward): the supervising body asks (/askreport), each institution's
office sends today's summary report in two taps (📤 报送 → ✅ 确认报送), the supervisor opens it,
accepts or returns it, and /reports shows who sent and who is late. The reminders are the
sweeper's (jobs/supervision.py)."""

from __future__ import annotations

import asyncio
import io

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import REPORT_ACCEPT, REPORT_RETURN, REPORT_SEND, REPORT_SUBMIT, REPORT_VIEW
from documents import summary_report
from handlers import menu
from handlers.access import (
    database,
    language,
    person_of,
    quoted,
    refuse,
    reply,
    requires,
    send_lines,
    services,
    settings,
)
from handlers.reports import ledger
from jobs import institutions, notices, supervision
from storage import dates, summary, upward_reports
from storage.db import reader
from storage.people import COMMISSION, OFFICE, SUPERVISOR
from storage.upward_reports import ReportError
from texts import say


def _button(lang: str, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(say(lang, key), callback_data=data)


@requires(SUPERVISOR)
async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/askreport 期限 标题"""
    words = list(context.args or [])
    if len(words) < 2:
        await reply(update, context, "upward.usage")
        return
    today = ledger.today(context)
    due = dates.parse_deadline(words[0], today)
    if due is None or due < today:
        await reply(update, context, "order.bad_deadline", typed=quoted(words[0]))
        return
    try:
        request = upward_reports.ask(database(context), " ".join(words[1:]), due,
                                     person_of(update, context).id)
    except ReportError as error:
        await reply(update, context, f"upward.error.{error.reason}", title="", limit=upward_reports.MAX_TITLE)
        return
    views = supervision.institution_views(context.application)
    for view in views:
        notices.notify(view, notices.office(view), "upward.notice", dedup=f"upward:{request.id}",
                       buttons=[[("upward.btn.submit", REPORT_SUBMIT.data(request.id))]],
                       title=request.title, due=request.due_on.isoformat())
    await reply(update, context, "upward.asked", count=len(views), due=due.isoformat(), title=request.title)


def _body_and_request(context: ContextTypes.DEFAULT_TYPE, request_id: int):
    body = supervision.body_view(context.application)
    request = upward_reports.get(services(body).db, request_id) if body is not None else None
    return body, request


@requires(OFFICE)
async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The first tap: what will be sent, to whom."""
    [request_id] = REPORT_SUBMIT.parse(update.callback_query.data)
    body, request = _body_and_request(context, request_id)
    unit = institutions.institution_of(context.application)
    if request is None or unit is None or unit.is_body:
        await refuse(update, context, "upward.error.not_found")
        return
    if upward_reports.status_of(services(body).db, request.id, unit.id) == upward_reports.ACCEPTED:
        await refuse(update, context, "upward.error.accepted", title=request.title)
        return
    lang, today = language(update, context), ledger.today(context)
    start = summary.campaign_start(database(context), settings(context).timezone, today)
    confirm = InlineKeyboardMarkup([[_button(lang, "upward.btn.send", REPORT_SEND.data(request.id))]])
    # no cancel button: a preview left alone sends nothing
    await reply(update, context, "upward.preview", body=institutions.institution_of(body).name,
                title=request.title, institution=unit.name, start=start.isoformat(), reply_markup=confirm)


@requires(OFFICE)
async def send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The second tap: today's summary report, built off the loop, goes up."""
    [request_id] = REPORT_SEND.parse(update.callback_query.data)
    body, request = _body_and_request(context, request_id)
    unit = institutions.institution_of(context.application)
    if request is None or unit is None or unit.is_body:
        await refuse(update, context, "upward.error.not_found")
        return
    await update.callback_query.answer()
    config, db, today = settings(context), database(context), ledger.today(context)

    def build() -> bytes:
        with reader(db) as reading:
            start = summary.campaign_start(reading, config.timezone, today)
            return summary_report.for_period(reading, start, today, config.timezone, unit.name, today,
                                             config.evaluation_min_ballots, config.evaluation_rule)
    content = await asyncio.to_thread(build)
    name = f"{unit.name}-{request.title}-{today.isoformat()}.docx"
    try:
        upward_reports.submit(services(body).db, request.id, unit.id, content, name)
    except ReportError as error:
        await context.bot.send_message(update.effective_chat.id, say(
            language(update, context), f"upward.error.{error.reason}", title=request.title))
        return
    asker = notices.person(body, request.requested_by) or notices.with_role(body, SUPERVISOR)
    notices.notify(body, asker, "upward.arrived", buttons=[[
        ("upward.btn.view", REPORT_VIEW.data(request.id, unit.id)),
        ("upward.btn.accept", REPORT_ACCEPT.data(request.id, unit.id)),
        ("upward.btn.return", REPORT_RETURN.data(request.id, unit.id))]],
        institution=unit.name, title=request.title, due=request.due_on.isoformat())
    await update.callback_query.edit_message_text(say(language(update, context), "upward.sent",
                                                      title=request.title))


@requires(SUPERVISOR, COMMISSION)
async def view(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    request_id, institution_id = REPORT_VIEW.parse(update.callback_query.data)
    found = upward_reports.document(database(context), request_id, institution_id)
    if found is None:
        await refuse(update, context, "upward.error.not_found")
        return
    await update.callback_query.answer()
    content, name = found
    await context.bot.send_document(update.effective_chat.id, InputFile(io.BytesIO(content), filename=name))


async def _decide(update: Update, context: ContextTypes.DEFAULT_TYPE, accepted: bool) -> None:
    button = REPORT_ACCEPT if accepted else REPORT_RETURN
    request_id, institution_id = button.parse(update.callback_query.data)
    request = upward_reports.get(database(context), request_id)
    unit_view = supervision.view_of(context.application, institution_id)
    if request is None or unit_view is None or not upward_reports.decide(
            database(context), request_id, institution_id, accepted, person_of(update, context).id):
        await refuse(update, context, "upward.decided_already")
        return
    if accepted:
        notices.notify(unit_view, notices.office(unit_view), "upward.told_accepted", title=request.title)
    else:
        notices.notify(unit_view, notices.office(unit_view), "upward.told_returned",
                       buttons=[[("upward.btn.submit", REPORT_SUBMIT.data(request.id))]],
                       title=request.title, due=request.due_on.isoformat())
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(
        language(update, context), "upward.accepted" if accepted else "upward.returned",
        institution=institutions.institution_of(unit_view).name, title=request.title))


@requires(SUPERVISOR)
async def accept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _decide(update, context, True)


@requires(SUPERVISOR)
async def send_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _decide(update, context, False)


SHOWN = 10  # the latest requests /reports shows


@requires(SUPERVISOR, COMMISSION)
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang, today, db = language(update, context), ledger.today(context), database(context)
    requests = upward_reports.recent(db, SHOWN)
    if not requests:
        await reply(update, context, "upward.none")
        return
    units = {institutions.institution_of(v).id: institutions.institution_of(v).name
             for v in supervision.institution_views(context.application)}
    found = []
    for request in requests:
        states = upward_reports.statuses(db, request.id)
        late = upward_reports.late(db, request, list(units), today)
        counts = {s: sum(1 for i in units if states.get(i) == s) for s in
                  (upward_reports.ACCEPTED, upward_reports.SUBMITTED, upward_reports.RETURNED)}
        found.append(say(lang, "upward.status", title=request.title, due=request.due_on.isoformat(),
                         missing=sum(1 for i in units if i not in states), late="、".join(
                             units[i] for i in late) or "—", **counts))
    await send_lines(context, update.effective_chat.id, found)


def handlers() -> list[BaseHandler]:
    return [*menu.triggers("askreport", ask), *menu.triggers("reports", status),
            CallbackQueryHandler(preview, pattern=REPORT_SUBMIT),
            CallbackQueryHandler(send, pattern=REPORT_SEND),
            CallbackQueryHandler(view, pattern=REPORT_VIEW),
            CallbackQueryHandler(accept, pattern=REPORT_ACCEPT),
            CallbackQueryHandler(send_back, pattern=REPORT_RETURN)]
