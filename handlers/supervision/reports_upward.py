"""专题书面报告 (reports upward): the supervising body asks (/askreport), each institution's
office sends today's summary report in two taps (📤 报送 → ✅ 确认报送) or uploads its own file
(📎 → a .docx or .pdf), the supervisor opens it, accepts it or returns it with a typed comment
(the office sees the comment and sends again; every version and comment is kept), and /reports
shows who sent and who is late. The reminders are the sweeper's (jobs/supervision.py)."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from callbacks import (
    REPORT_ACCEPT,
    REPORT_ASK_HELD,
    REPORT_RETURN,
    REPORT_SEND,
    REPORT_SEND_CANCEL,
    REPORT_SUBMIT,
    REPORT_UPLOAD,
    REPORT_VIEW,
    UPWARD_PAGE,
)
from documents import summary_report
from handlers import confirmations, conversations, menu
from handlers.access import (
    database,
    keep_to_edit,
    kept_to_edit,
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
from handlers.held_commands import HeldCommand, Planned
from handlers.pages import send_items
from handlers.reports import ledger
from handlers.uploads import download
from jobs import institutions, notices, supervision
from storage import dates, names, summary, upward_reports
from storage.db import reader
from storage.people import COMMISSION, OFFICE, SUPERVISOR
from storage.upward_reports import ReportError
from texts import say
from texts.fit import shorten


def _button(lang: str, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(say(lang, key), callback_data=data)


async def _request_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/askreport 期限 标题: every institution's office is asked at once, so it is held for
    确认发出 (handlers/held_commands.py) under how many institutions and people will hear of it."""
    if len(words) < 2:
        await reply(update, context, "upward.usage")
        return None
    today = ledger.today(context)
    due = dates.parse_deadline(words[0], today)
    if due is None or due < today:
        await reply(update, context, "order.bad_deadline", typed=quoted(words[0]))
        return None
    try:
        title = upward_reports.check(database(context), " ".join(words[1:]), due)
    except ReportError as error:
        await _refuse_request(update, context, error, " ".join(" ".join(words[1:]).split()), due)
        return None

    async def send() -> None:
        await _ask_for_report(update, context, title, due)

    views = supervision.institution_views(context.application)
    unreached = [institutions.unit(v).name for v in views if not supervision.report_audience(v)]
    names_shown = shorten("、".join(unreached), 1500)  # the count says how many, the names fit
    return Planned(
        "upward.ask_preview",
        send,
        {
            "title": title,
            "due": due.isoformat(),
            "count": len(views),
            "people": sum(len(supervision.report_audience(v)) for v in views),
        },
        warning=("upward.ask_preview_unreached", {"count": len(unreached), "names": names_shown})
        if unreached
        else None,
    )


async def _refuse_request(update, context, error: ReportError, title: str, due) -> None:
    await reply(
        update,
        context,
        f"upward.error.{error.reason}",
        title=title,
        due=due.isoformat(),
        limit=upward_reports.MAX_TITLE,
    )


async def _ask_for_report(update: Update, context: ContextTypes.DEFAULT_TYPE, title: str, due) -> None:
    try:
        request = upward_reports.ask(database(context), title, due, person_of(update, context).id)
    except ReportError as error:  # the same request went out between the preview's check and now
        await _refuse_request(update, context, error, title, due)
        return
    told, unreached = supervision.tell_report_asked(context.application, request)
    await reply(
        update,
        context,
        "upward.asked",
        count=len(supervision.institution_views(context.application)),
        people=told,
        due=due.isoformat(),
        title=request.title,
    )
    if unreached:  # the press is answered (by the line above): this one is sent only
        names_shown = shorten("、".join(unreached), 3000)  # the count says how many, the names fit
        text = say(language(update, context), "upward.unreached", count=len(unreached), names=names_shown)
        await send_lines(context, update.effective_chat.id, [text])


ASK_REPORT = HeldCommand(
    "askreport", REPORT_ASK_HELD, _request_plan, (SUPERVISOR,), "upward.btn.ask", "upward.not_asked"
)


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
    token = confirmations.ask(context, f"report:{request.id}")
    confirm = InlineKeyboardMarkup(
        [
            [
                _button(lang, "upward.btn.send", REPORT_SEND.data(request.id, token)),
                _button(lang, "upward.btn.upload", REPORT_UPLOAD.data(request.id)),
            ],
            [_button(lang, "btn.cancel", REPORT_SEND_CANCEL.data(request.id, token))],
        ]
    )
    await reply(
        update,
        context,
        "upward.preview",
        body=institutions.institution_of(body).name,
        title=request.title,
        institution=unit.name,
        start=start.isoformat(),
        reply_markup=confirm,
    )


@requires(OFFICE)
async def send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The second tap: today's summary report, built off the loop, goes up."""
    request_id, token = REPORT_SEND.parse(update.callback_query.data)
    body, request = _body_and_request(context, request_id)
    unit = institutions.institution_of(context.application)
    if request is None or unit is None or unit.is_body:
        await refuse(update, context, "upward.error.not_found")
        return
    if not confirmations.take(context, f"report:{request_id}", token):  # cancelled, or sent already
        sent = upward_reports.history(services(body).db, request.id, unit.id)
        if sent:  # a double tap's second, most often: say which version went up, and that no other did
            await refuse(update, context, "upward.error.sent_already", title=request.title, version=len(sent))
        else:
            await confirmations.refuse_stale(update, context)
        return
    await update.callback_query.answer()
    config, db, today = settings(context), database(context), ledger.today(context)

    def build() -> bytes:
        with reader(db) as reading:
            start = summary.campaign_start(reading, config.timezone, today)
            return summary_report.for_period(
                reading,
                start,
                today,
                config.timezone,
                unit.name,
                today,
                config.evaluation_min_ballots,
                config.evaluation_rule,
            )

    content = await asyncio.to_thread(build)
    name = f"{unit.name}-{request.title}-{today.isoformat()}.docx"
    if await _goes_up(update, context, body, request, unit, content, name, upward_reports.GENERATED):
        await update.callback_query.edit_message_text(
            say(language(update, context), "upward.sent", title=request.title)
        )


@requires(OFFICE)
async def keep_unsent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    request_id, token = REPORT_SEND_CANCEL.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"report:{request_id}", token, "upward.not_sent")


async def _goes_up(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    body,
    request,
    unit,
    content: bytes,
    name: str,
    source: str,
    seen: int | None = None,
) -> bool:
    """Keep the report as the institution's next version and tell whoever asked for it (with
    the comment it was last returned with); False (and the office told why) when refused."""
    try:
        version = upward_reports.submit(
            services(body).db, request.id, unit.id, content, name, source, seen=seen
        )
    except ReportError as error:
        sent = len(upward_reports.history(services(body).db, request.id, unit.id))
        await context.bot.send_message(
            update.effective_chat.id,
            say(language(update, context), f"upward.error.{error.reason}", title=request.title, version=sent),
        )
        return False
    earlier = upward_reports.history(services(body).db, request.id, unit.id)[:-1]
    last_word = earlier[-1].comment if earlier and earlier[-1].comment else None
    asker = notices.person(body, request.requested_by) or notices.with_role(body, SUPERVISOR)
    notices.notify(
        body,
        asker,
        "upward.arrived_again" if last_word else "upward.arrived",
        buttons=[
            [
                ("upward.btn.view", REPORT_VIEW.data(request.id, unit.id)),
                ("upward.btn.accept", REPORT_ACCEPT.data(request.id, unit.id)),
                ("upward.btn.return", REPORT_RETURN.data(request.id, unit.id)),
            ]
        ],
        institution=unit.name,
        title=request.title,
        due=request.due_on.isoformat(),
        version=version,
        comment=last_word or "",
    )
    return True


# ---- an office uploads its own file (📎) ----------------------------------------------------

UPLOADING, RETURN_COMMENT, RETURN_DATE = conversations.states("upward_report")


def _the_request(context: ContextTypes.DEFAULT_TYPE, request_id: int):
    """(body view, request, this institution) when this office may send for the request."""
    body, request = _body_and_request(context, request_id)
    unit = institutions.institution_of(context.application)
    if request is None or unit is None or unit.is_body:
        return None
    return body, request, unit


@requires(OFFICE)
async def ask_for_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [request_id] = REPORT_UPLOAD.parse(update.callback_query.data)
    found = _the_request(context, request_id)
    if found is None:
        await refuse(update, context, "upward.error.not_found")
        return ConversationHandler.END
    body, request, unit = found
    if upward_reports.status_of(services(body).db, request.id, unit.id) == upward_reports.ACCEPTED:
        await refuse(update, context, "upward.error.accepted", title=request.title)
        return ConversationHandler.END
    context.user_data["upward_upload"] = request.id
    await reply(
        update,
        context,
        "upward.ask_file",
        title=request.title,
        limit=upward_reports.MAX_UPLOAD_BYTES // 2**20,
    )
    return UPLOADING


@requires(OFFICE)
async def receive_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The file: refused with the reason (its type, its size, not what its name says), the office
    still asked for a file; taken, it goes up as the institution's next version."""
    found = _the_request(context, context.user_data.get("upward_upload", 0))
    if found is None:
        context.user_data.pop("upward_upload", None)
        await reply(update, context, "upward.error.not_found")
        return ConversationHandler.END
    body, request, unit = found
    document = update.message.document
    limit = upward_reports.MAX_UPLOAD_BYTES // 2**20
    reason = upward_reports.upload_error(document.file_name, document.file_size)
    content = b""
    if reason is None:
        content = await download(context, document.file_id)
        reason = upward_reports.content_error(document.file_name, content)
    if reason is not None:
        await reply(
            update,
            context,
            f"upward.error.{reason}",
            limit=limit,
            size=f"{(document.file_size or len(content)) / 2**20:.1f}",
        )
        return UPLOADING
    context.user_data.pop("upward_upload", None)
    if await _goes_up(
        update, context, body, request, unit, content, document.file_name, upward_reports.UPLOADED
    ):
        await reply(update, context, "upward.uploaded", title=request.title, name=document.file_name)
    return ConversationHandler.END


@requires(OFFICE)
async def not_a_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(
        update, context, "upward.error.upload_type", limit=upward_reports.MAX_UPLOAD_BYTES // 2**20, size=""
    )
    return UPLOADING


def _forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.user_data.pop("upward_upload", None)
    context.user_data.pop("upward_return", None)
    kept_to_edit(update, context, "upward_return")


@requires(OFFICE, SUPERVISOR)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _forget(update, context)
    await reply(update, context, "upward.cancelled")
    return ConversationHandler.END


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
    versions = upward_reports.history(database(context), request_id, institution_id)
    if len(versions) > 1:  # what was sent before, and what the body said of each
        lang = language(update, context)
        await send_lines(
            context,
            update.effective_chat.id,
            [say(lang, "upward.history")]
            + [
                say(
                    lang,
                    f"upward.history.{v.decision or 'waiting'}",
                    version=v.version,
                    name=v.file_name,
                    how=say(lang, f"upward.source.{v.source}"),
                    on=v.submitted_at[:10],
                    comment=v.comment or "—",
                )
                for v in versions
            ],
        )


async def _decide(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    request_id: int,
    institution_id: int,
    accepted: bool,
    comment: str | None = None,
    redo_by: date | None = None,
) -> str | None:
    """Accept or return (due again by `redo_by`); the sentence for the supervisor, or None when
    it was decided already."""
    request = upward_reports.get(database(context), request_id)
    unit_view = supervision.view_of(context.application, institution_id)
    if (
        request is None
        or unit_view is None
        or not upward_reports.decide(
            database(context),
            request_id,
            institution_id,
            accepted,
            person_of(update, context).id,
            comment,
            redo_by,
        )
    ):
        return None
    if accepted:
        notices.notify(unit_view, notices.office(unit_view), "upward.told_accepted", title=request.title)
    else:
        notices.notify(
            unit_view,
            notices.office(unit_view),
            "upward.told_returned",
            buttons=[[("upward.btn.submit", REPORT_SUBMIT.data(request.id))]],
            title=request.title,
            due=(redo_by or request.due_on).isoformat(),
            comment=comment or "—",
        )
    return say(
        language(update, context),
        "upward.accepted" if accepted else "upward.returned",
        institution=institutions.institution_of(unit_view).name,
        title=request.title,
        due=(redo_by or request.due_on).isoformat(),
    )


@requires(SUPERVISOR)
async def accept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    request_id, institution_id = REPORT_ACCEPT.parse(update.callback_query.data)
    said = await _decide(update, context, request_id, institution_id, True)
    if said is None:
        await refuse(update, context, "upward.decided_already")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        said, parse_mode="HTML", reply_markup=_view_only(update, context, request_id, institution_id)
    )


def _view_only(
    update: Update, context: ContextTypes.DEFAULT_TYPE, request_id: int, institution_id: int
) -> InlineKeyboardMarkup:
    """A decided arrival keeps 📄 查看 (and loses 通过 and 退回): the report, and what was said
    of each version, stay one tap away from the card where the supervisor decided."""
    label = say(language(update, context), "upward.btn.view")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=REPORT_VIEW.data(request_id, institution_id))]]
    )


@requires(SUPERVISOR)
async def ask_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """↩️ 退回重报: the supervisor types why; the office sees it with the return."""
    request_id, institution_id = REPORT_RETURN.parse(update.callback_query.data)
    request = upward_reports.get(database(context), request_id)
    unit_view = supervision.view_of(context.application, institution_id)
    status = upward_reports.status_of(database(context), request_id, institution_id)
    waiting = status == upward_reports.SUBMITTED
    if request is None or unit_view is None or not waiting:
        await refuse(update, context, "upward.decided_already")
        return ConversationHandler.END
    context.user_data["upward_return"] = [request_id, institution_id]  # its message: keep_to_edit
    keep_to_edit(update, context, "upward_return", update.callback_query.message)
    await reply(
        update,
        context,
        "upward.ask_comment",
        title=request.title,
        limit=upward_reports.MAX_COMMENT,
        institution=institutions.institution_of(unit_view).name,
    )
    return RETURN_COMMENT


@requires(SUPERVISOR)
async def receive_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    request_id, institution_id = (context.user_data.get("upward_return") or [0, 0])[:2]
    comment = update.message.text.strip()
    if not names.normalise(comment):  # invisible or blank only: the words are still wanted
        await reply(update, context, "upward.error.no_comment")
        return RETURN_COMMENT
    if len(comment) > upward_reports.MAX_COMMENT:  # refused whole, never cut: they shorten it
        await reply(
            update,
            context,
            "upward.error.comment_too_long",
            limit=upward_reports.MAX_COMMENT,
            length=len(comment),
        )
        return RETURN_COMMENT
    request = upward_reports.get(database(context), request_id)
    if request is None:
        await reply(update, context, "upward.decided_already")
        return ConversationHandler.END
    context.user_data["upward_return"] = [request_id, institution_id, comment]
    await reply(update, context, "upward.ask_redo_by", **_redo_examples(context, request))
    return RETURN_DATE


def _redo_examples(context: ContextTypes.DEFAULT_TYPE, request: upward_reports.Request) -> dict[str, str]:
    """The request's first date, and a day a week on (or that date, when later) to type as an example."""
    example = max(request.due_on, ledger.today(context) + timedelta(days=7))
    return {"due": request.due_on.isoformat(), "example": example.isoformat()}


@requires(SUPERVISOR)
async def receive_redo_by(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The day the returned report is due again: the office is told this day, not the request's
    first (which may be past, or not the day the supervisor's comment names)."""
    request_id, institution_id, comment = (context.user_data.get("upward_return") or [0, 0, ""])[:3]
    request = upward_reports.get(database(context), request_id)
    today = ledger.today(context)
    typed = update.message.text.strip()
    redo_by = dates.parse_deadline(typed, today)
    if request is not None and (redo_by is None or redo_by < today):
        examples = _redo_examples(context, request)
        await reply(update, context, "upward.error.redo_by", typed=quoted(typed), **examples)
        return RETURN_DATE
    context.user_data.pop("upward_return", None)
    arrival = kept_to_edit(update, context, "upward_return")
    said = await _decide(update, context, request_id, institution_id, False, comment, redo_by)
    if said is None:
        await reply(update, context, "upward.decided_already")
        return ConversationHandler.END
    if arrival:  # the arrival loses its decision's buttons: it has been decided
        try:
            await context.bot.edit_message_text(
                said,
                chat_id=arrival[0],
                message_id=arrival[1],
                parse_mode="HTML",
                reply_markup=_view_only(update, context, request_id, institution_id),
            )
        except TelegramError:
            pass  # too old to edit, or deleted: the reply below says the same
    await context.bot.send_message(update.effective_chat.id, said, parse_mode="HTML")
    return ConversationHandler.END


SHOWN = 10  # requests on a page of /reports, the newest first


@requires(SUPERVISOR, COMMISSION, OFFICE)
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    unit = institutions.institution_of(context.application)
    if unit is not None and not unit.is_body:  # an institution's office: what is asked of it
        await _asked_of_us(update, context, unit)
        return
    lang, today, db = language(update, context), ledger.today(context), database(context)
    requests = upward_reports.newest_first(db)
    if not requests:
        await reply(update, context, "upward.none")
        return
    units = {
        institutions.institution_of(v).id: institutions.institution_of(v).name
        for v in supervision.institution_views(context.application)
    }

    async def send_request(request: upward_reports.Request) -> None:
        states = upward_reports.statuses(db, request.id)
        late = upward_reports.late(db, request, list(units), today)
        counts = {
            s: sum(1 for i in units if states.get(i) == s)
            for s in (upward_reports.ACCEPTED, upward_reports.SUBMITTED, upward_reports.RETURNED)
        }
        missing = [i for i in units if i not in states]
        line = say(
            lang,
            "upward.status",
            title=request.title,
            due=request.due_on.isoformat(),
            missing=len(missing),
            late="、".join(units[i] for i in late) or "—",
            # whom to chase, and whose report waits for her, before the date as after it
            waiting=_named(units, [i for i in units if states.get(i) == upward_reports.SUBMITTED]),
            not_sent=_named(units, missing),
            **counts,
        )
        await send_lines(context, update.effective_chat.id, [line])

    await send_items(update, context, requests, lambda r: r.id, send_request, UPWARD_PAGE, SHOWN)


def _named(units: dict[int, str], ids: list[int]) -> str:
    return "、".join(sorted(units[i] for i in ids)) or "—"


async def _asked_of_us(update: Update, context: ContextTypes.DEFAULT_TYPE, unit) -> None:
    """/reports to an institution's office: each report the body asked of it, newest first, where
    it stands, and 📤 to send it (the notice that carried the button may have scrolled away, or
    never come to an office that joined later)."""
    body = supervision.body_view(context.application)
    body_db = services(body).db if body is not None else None
    requests = upward_reports.newest_first(body_db) if body_db is not None else []
    if body_db is None or not requests:
        await reply(update, context, "upward.none")
        return
    lang = language(update, context)

    async def send_request(request: upward_reports.Request) -> None:
        state = upward_reports.status_of(body_db, request.id, unit.id) or "missing"
        buttons = (
            None
            if state == upward_reports.ACCEPTED
            else InlineKeyboardMarkup([[_button(lang, "upward.btn.submit", REPORT_SUBMIT.data(request.id))]])
        )
        text = say(
            lang,
            "upward.asked_of_us",
            title=request.title,
            due=upward_reports.due_on(body_db, request, unit.id).isoformat(),
            state=say(lang, f"upward.state.{state}"),
        )
        await context.bot.send_quietly(update.effective_chat.id, text, buttons)

    await send_items(update, context, requests, lambda r: r.id, send_request, UPWARD_PAGE, SHOWN)


def handlers() -> list[BaseHandler]:
    return [
        *ASK_REPORT.handlers(),
        *menu.triggers("reports", status),
        CallbackQueryHandler(status, pattern=UPWARD_PAGE),
        CallbackQueryHandler(preview, pattern=REPORT_SUBMIT),
        CallbackQueryHandler(send, pattern=REPORT_SEND),
        CallbackQueryHandler(keep_unsent, pattern=REPORT_SEND_CANCEL),
        CallbackQueryHandler(view, pattern=REPORT_VIEW),
        CallbackQueryHandler(accept, pattern=REPORT_ACCEPT),
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(ask_for_file, pattern=REPORT_UPLOAD),
                CallbackQueryHandler(ask_comment, pattern=REPORT_RETURN),
            ],
            states={
                **conversations.on_timeout("upward_report"),
                UPLOADING: [
                    MessageHandler(filters.Document.ALL, receive_file),
                    MessageHandler((menu.TYPED | filters.ATTACHMENT) & ~filters.Document.ALL, not_a_file),
                ],
                RETURN_COMMENT: [MessageHandler(menu.TYPED, receive_comment)],
                RETURN_DATE: [MessageHandler(menu.TYPED, receive_redo_by)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap(_forget)],
            name="upward_report",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
    ]
