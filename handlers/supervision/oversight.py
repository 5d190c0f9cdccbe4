"""督导: what the supervising body's people do in the chat.

/rollup (督导组, 委领导): every institution side by side, ranked, with the workbook and each
institution's ledger a tap away. /order (督导组): a 督办 order to an institution, or on one of
its problems. /orders: the open orders, each with the button that escalates it a step. And the
supervisor's word on a closure the institution's office asked for (the office's side is in
handlers/problems/listing.py, which hands a 督办 problem's closure here)."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import (
    APPRAISAL_FLAG_HELD,
    APPRAISAL_HELD,
    ORDER_CONFIRM,
    ORDER_ESCALATE,
    ORDER_HELD,
    ORDER_SEND_BACK,
    ORDERS_PAGE,
    SUPERVISION_LEDGER,
    SUPERVISION_REPORT,
    SUPERVISION_WORKBOOK,
    read_id,
)
from documents import ledger_workbook, rollup_report, rollup_workbook
from handlers import conversations, menu
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
from jobs import evaluations as evaluation_job
from jobs import institutions, notices, supervision
from storage import appraisals, dates, evaluations, names, orders, people, problems, upward_reports
from storage.db import reader
from storage.orders import OrderError
from storage.people import COMMISSION, OFFICE, SUPERVISOR
from storage.problems import Problem, ProblemError
from texts import say
from texts.fit import TEXT_LIMIT, shorten

BODY = (SUPERVISOR, COMMISSION)
LEDGER_BUTTONS = 60  # institutions' ledger buttons on one message under the roll-up; more: another


def _app(context: ContextTypes.DEFAULT_TYPE):
    return context.application


def _names(context: ContextTypes.DEFAULT_TYPE) -> str:
    views = supervision.institution_views(_app(context))
    return "、".join(institutions.institution_of(v).name for v in views) or "—"


@requires(*BODY)
async def show_rollup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language(update, context)
    today = ledger.today(context)
    ranked, by_name = await supervision.collect(_app(context), today)
    await send_lines(context, update.effective_chat.id, supervision.lines(lang, ranked, by_name, today))
    chart = await asyncio.to_thread(supervision.draw_chart, lang, ranked)
    if chart:
        caption = supervision.chart_caption(lang, ranked)
        await context.bot.send_photo(update.effective_chat.id, chart, caption=caption)
    views = supervision.institution_views(_app(context))
    if not views:
        return
    buttons = [
        [
            InlineKeyboardButton(say(lang, key), callback_data=button.data())
            for key, button in (
                ("rollup.btn.workbook", SUPERVISION_WORKBOOK),
                ("rollup.btn.report", SUPERVISION_REPORT),
            )
        ]
    ]
    units = [institutions.institution_of(v) for v in views]
    shown = [
        InlineKeyboardButton(
            say(lang, "rollup.btn.ledger", name=unit.name[:20]),
            callback_data=SUPERVISION_LEDGER.data(unit.id),
        )
        for unit in units
    ]
    # every institution a button: a city's hundred and more go on as further messages of at
    # most LEDGER_BUTTONS each (Telegram takes 100 buttons a message)
    for start in range(0, len(shown), LEDGER_BUTTONS):
        part = shown[start : start + LEDGER_BUTTONS]
        buttons += [part[i : i + 2] for i in range(0, len(part), 2)]
        await context.bot.send_message(
            update.effective_chat.id, say(lang, "rollup.ledgers"), reply_markup=InlineKeyboardMarkup(buttons)
        )
        buttons = []


async def _tell(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values) -> None:
    """A line after a document, for a press answered already (when the work began)."""
    await context.bot.send_message(update.effective_chat.id, say(language(update, context), key, **values))


@requires(*BODY)
async def send_workbook(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    today = ledger.today(context)
    ranked, by_name = await supervision.collect(_app(context), today)
    if not ranked:  # an old button: the institutions left since (a file of headers says nothing)
        await _tell(update, context, "rollup.none")
        return
    content = await asyncio.to_thread(rollup_workbook.to_bytes, ranked, by_name, today)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(io.BytesIO(content), filename=f"各单位整改落实汇总-{today.isoformat()}.xlsx"),
    )
    await _tell(update, context, "rollup.workbook_done", count=len(ranked))


@requires(*BODY)
async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The whole system's report as a Word document, set as the summary report is."""
    await update.callback_query.answer()
    today = ledger.today(context)
    ranked, by_name = await supervision.collect(_app(context), today)
    if not ranked:  # an old button: the institutions left since
        await _tell(update, context, "rollup.none")
        return
    body = institutions.institution_of(context.application)
    name = body.name if body else settings(context).institution
    content = await asyncio.to_thread(rollup_report.build, name, ranked, by_name, today)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(io.BytesIO(content), filename=f"各单位整改落实情况汇总报告-{today.isoformat()}.docx"),
    )
    await _tell(update, context, "rollup.report_done", count=len(ranked))


@requires(*BODY)
async def send_ledger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An institution's ledger as its office exports it: every problem, confidential ones too;
    the ledger has no column that could name an opinion's author."""
    [institution_id] = SUPERVISION_LEDGER.parse(update.callback_query.data)
    view = supervision.view_of(_app(context), institution_id)
    unit = institutions.institution_of(view) if view is not None else None
    if unit is None or unit.is_body:
        await refuse(update, context, "rollup.gone")
        return
    await update.callback_query.answer()
    config, today = services(view).settings, ledger.today(context)

    def build() -> tuple[bytes, int]:
        with reader(services(view).db) as reading:
            return ledger_workbook.to_bytes(
                reading,
                today,
                config.timezone,
                amber=config.ledger_amber_days,
                stale=config.ledger_stale_days,
                unclaimed=config.unclaimed_working_days,
                institution=unit.name,
            )

    content, count = await asyncio.to_thread(build)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(io.BytesIO(content), filename=f"{unit.name}-整改台账-{today.isoformat()}.xlsx"),
    )
    await _tell(update, context, "rollup.ledger_done", name=unit.name, count=count)


# ---- 督办 ------------------------------------------------------------------------------------


async def _order_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/order 单位 [#问题编号] 期限 内容: reaches an institution's office and leaders, so it is
    held for 确认下达 (handlers/held_commands.py) under a preview of what goes out to how many."""
    if len(words) < 3:
        await reply(update, context, "order.usage", institutions=_names(context))
        return None
    view = institutions.view_named(_app(context), words[0])
    unit = institutions.institution_of(view) if view is not None else None
    if unit is None or unit.is_body:
        fitting = [] if unit else institutions.named_like(_app(context), words[0])
        if len(fitting) > 1:  # 卫生院 is several: which one is meant
            listed = "、".join(found.name for found in fitting)
            await reply(
                update, context, "order.which_institution", name=quoted(words[0]), institutions=listed
            )
            return None
        await reply(
            update, context, "order.unknown_institution", name=quoted(words[0]), institutions=_names(context)
        )
        return None
    problem_id = read_id(words[1]) if words[1][:1] in "#＃" else None
    if problem_id is not None:
        words = [words[0], *words[2:]]
    today = ledger.today(context)
    deadline = dates.parse_deadline(words[1], today) if len(words) >= 3 else None
    if deadline is None or deadline < today:
        await reply(update, context, "order.bad_deadline", typed=quoted(words[1] if len(words) > 1 else ""))
        return None
    try:
        title = orders.check(database(context), services(view).db, unit.id, " ".join(words[2:]), problem_id)
    except OrderError as error:
        await _refuse_order(update, context, error, unit, " ".join(words[2:]), problem_id)
        return None

    async def issue() -> None:
        await _issue_order(update, context, view, unit, title, deadline, problem_id)

    problem = problems.get(services(view).db, problem_id) if problem_id else None
    moved_from = orders.brought_forward(problem, deadline) if problem else None
    audience = supervision.order_audience(view, problem)
    return Planned(
        _order_preview_key(problem, moved_from),
        issue,
        {
            "institution": unit.name,
            "title": title,
            "problem": problem_id or "",
            "problem_title": shorten(problem.title, 200) if problem else "",
            "deadline": deadline.isoformat(),
            "old": moved_from.isoformat() if moved_from else "",
            "count": len(audience),
        },
        warning=None if audience else ("order.preview_nobody", {}),
    )


def _order_preview_key(problem: Problem | None, moved_from) -> str:
    """A problem dispatched to a department: its heads are told too, and a deadline later than
    the order's is brought forward, which the preview says before 确认下达."""
    if problem is None:
        return "order.preview"
    if moved_from is not None:
        return "order.preview_problem_moved"
    return "order.preview_problem_department" if problem.department_id else "order.preview_problem"


async def _issue_order(update, context, view, unit, title: str, deadline, problem_id) -> None:
    before = problems.get(services(view).db, problem_id) if problem_id else None
    moved_from = orders.brought_forward(before, deadline) if before else None
    try:
        order = orders.issue(
            database(context),
            services(view).db,
            unit.id,
            title,
            deadline,
            person_of(update, context).id,
            problem_id=problem_id,
        )
    except OrderError as error:  # the same order went out between the preview's check and now
        await _refuse_order(update, context, error, unit, title, problem_id)
        return
    told = supervision.tell_step(_app(context), order, moved_from)
    if problem_id is None:  # a new problem waits for a leader, as any listed one does
        notices.problem_listed(view, order.problem_id)
    await reply(
        update,
        context,
        "order.issued_department" if before is not None and before.department_id else "order.issued",
        institution=unit.name,
        title=order.title,
        deadline=order.deadline.isoformat(),
        count=told,
    )


async def _refuse_order(update, context, error: OrderError, unit, title: str, problem_id) -> None:
    twin = orders.open_twin(database(context), unit.id, title, problem_id)
    await reply(
        update,
        context,
        f"order.error.{error.reason}",
        limit=orders.MAX_TITLE,
        institution=unit.name,
        order=twin.id if twin else "",
        deadline=twin.deadline.isoformat() if twin else "",
        step=say(language(update, context), f"order.step.{twin.step}") if twin else "",
    )


ORDER = HeldCommand("order", ORDER_HELD, _order_plan, (SUPERVISOR,), "order.btn.issue", "order.not_issued")


ORDERS_SHOWN = 10  # orders on a page of /orders (the oldest deadlines first)


@requires(*BODY)
async def list_orders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language(update, context)
    found = orders.open_orders(database(context))
    if not found:
        await reply(update, context, "order.list.none")
        return
    # 委领导 read the list; only the 督导组 escalates and decides: nobody is offered a button
    # they cannot use
    acts = person_of(update, context).has_any({SUPERVISOR})
    today = ledger.today(context)
    if update.callback_query is None:
        await send_lines(context, update.effective_chat.id, [say(lang, "order.list.title", count=len(found))])

    async def send_order(order: orders.Order) -> None:
        view = supervision.view_of(_app(context), order.institution_id)
        unit = institutions.institution_of(view) if view is not None else None
        waiting = say(lang, "order.list.waiting") if order.status == orders.CONFIRMING else ""
        late = (today - order.deadline).days  # calendar days, as 告诫 and 约谈 count them
        text = say(
            lang,
            "order.list.line",
            order=order.id,
            institution=unit.name if unit else "—",
            title=order.title,
            deadline=order.deadline.isoformat(),
            step=say(lang, f"order.step.{order.step}"),
            waiting=(say(lang, "order.list.late", days=late) if late > 0 else "") + waiting,
        )
        await context.bot.send_message(
            update.effective_chat.id,
            shorten(text, TEXT_LIMIT),
            reply_markup=_order_buttons(lang, order) if acts else None,
        )

    await send_items(update, context, found, lambda o: o.id, send_order, ORDERS_PAGE, ORDERS_SHOWN)


def _order_buttons(lang: str, order: orders.Order) -> InlineKeyboardMarkup | None:
    def button(key: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(say(lang, key), callback_data=data)

    row = []
    if order.status == orders.CONFIRMING:
        row = [
            button("order.btn.confirm", ORDER_CONFIRM.data(order.id)),
            button("order.btn.send_back", ORDER_SEND_BACK.data(order.id)),
        ]
    else:  # ⬆️ to the next step, if there is one
        row = [
            button(label, data) for buttons in supervision.escalate_button(order) for label, data in buttons
        ]
    return InlineKeyboardMarkup([row]) if row else None


@requires(SUPERVISOR)
async def escalate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    order_id, step = ORDER_ESCALATE.parse(update.callback_query.data)
    try:
        order = orders.escalate(database(context), order_id, person_of(update, context).id, to=step)
    except OrderError as error:
        now = orders.get(database(context), order_id)
        lang = language(update, context)
        at = say(lang, f"order.step.{now.step}") if now is not None else "—"
        await refuse(update, context, f"order.error.{error.reason}", order=order_id, step=at)
        return
    told = supervision.tell_step(_app(context), order)
    view = supervision.view_of(_app(context), order.institution_id)
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(
            lang,
            "order.escalated",
            order=order.id,
            step=say(lang, f"order.step.{order.step}"),
            count=told,
            institution=institutions.institution_of(view).name if view is not None else "—",
        )
    )


# ---- closing a 督办 problem: the office asks, the supervisor decides ---------------------------


async def ask_supervisor(update: Update, context: ContextTypes.DEFAULT_TYPE, problem: Problem) -> None:
    """The institution's office would close a 督办 problem: its supervisor is asked instead
    (in the body's outbox), with the latest report and the two buttons."""
    body = supervision.body_view(_app(context))
    unit = institutions.institution_of(context.application)
    order = orders.of_problem(services(body).db, unit.id, problem.id) if body and unit else None
    if order is None:  # an order the directory lost: the office cannot close it, nobody can
        await refuse(update, context, "problem.error.supervisor_confirms")
        return
    if not orders.ask_confirmation(services(body).db, order.id):
        await refuse(update, context, "order.already_asked")
        return
    report = problems.latest_report(database(context), problem.id)
    photos = [jpeg for _, jpeg, _ in problems.report_photos(database(context), report.id)] if report else []
    notices.order_closure_asked(
        body,
        notices.person(body, order.issued_by) or notices.with_role(body, SUPERVISOR),
        unit.name,
        order,
        report.text if report else "—",
        photos,
        [
            [
                ("order.btn.confirm", ORDER_CONFIRM.data(order.id)),
                ("order.btn.send_back", ORDER_SEND_BACK.data(order.id)),
            ]
        ],
        percent=problem.progress,
        asked=problems.closure_asked(database(context), problem.id),
    )
    await reply(update, context, "order.asked", id=problem.id)  # answers the press too


def _waiting(context: ContextTypes.DEFAULT_TYPE, order_id: int):
    """(order, its institution's view) while the order waits for the supervisor's word, else None."""
    order = orders.get(database(context), order_id)
    view = supervision.view_of(_app(context), order.institution_id) if order else None
    if order is None or view is None or order.status != orders.CONFIRMING:
        return None
    return order, view


async def _decide(
    update: Update, context: ContextTypes.DEFAULT_TYPE, order_id: int, comment: str | None = None
) -> str | None:
    """Confirmed (no comment) or sent back with the supervisor's words: the institution's
    problem first, the order following what really happened to it. What to show the supervisor,
    or None when it was decided already (a double tap, an old button)."""
    found = _waiting(context, order_id)
    if found is None:
        return None
    order, view = found
    unit_db, confirmed = services(view).db, comment is None
    # the words stay in the institution's history in its own language
    said = None if confirmed else say(settings(view).default_language, "order.back_said", comment=comment)
    try:
        if confirmed:
            problem = problems.act(unit_db, order.problem_id, "close", None)
        else:
            problem = problems.act(unit_db, order.problem_id, "return", None, comment=said)
    except ProblemError:
        return None
    orders.decide(database(context), order.id, person_of(update, context).id, confirmed)
    if confirmed:
        notices.problem_closed(view, problem)
        notices.notify(view, notices.office(view), "order.closed_notice", id=problem.id, title=order.title)
    else:
        notices.problem_returned(view, problem, said)
    return say(
        language(update, context),
        "order.confirmed" if confirmed else "order.sent_back",
        institution=institutions.institution_of(view).name,
        title=order.title,
    )


@requires(SUPERVISOR)
async def confirm_closure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [order_id] = ORDER_CONFIRM.parse(update.callback_query.data)
    said = await _decide(update, context, order_id)
    if said is None:
        await refuse(update, context, "order.decided_already")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(said)


(RETURN_COMMENT,) = conversations.states("order_send_back")


@requires(SUPERVISOR)
async def send_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """↩️ 退回整改: the supervisor says why, in words the institution reads with the return."""
    [order_id] = ORDER_SEND_BACK.parse(update.callback_query.data)
    found = _waiting(context, order_id)
    if found is None:
        await refuse(update, context, "order.decided_already")
        return ConversationHandler.END
    order, view = found
    context.user_data["order_return"] = [order_id]  # the question's message: in memory (keep_to_edit)
    keep_to_edit(update, context, "order_return", update.callback_query.message)
    await reply(
        update,
        context,
        "order.ask_back_comment",
        institution=institutions.institution_of(view).name,
        title=order.title,
        limit=orders.MAX_COMMENT,
    )
    return RETURN_COMMENT


@requires(SUPERVISOR)
async def receive_back_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    order_id = (context.user_data.get("order_return") or [0])[0]
    comment = update.message.text.strip()
    if not names.normalise(comment):  # invisible or blank only: the words are still wanted
        await reply(update, context, "order.error.no_comment")
        return RETURN_COMMENT
    if len(comment) > orders.MAX_COMMENT:  # refused whole, never cut: they shorten it
        await reply(
            update, context, "order.error.comment_too_long", limit=orders.MAX_COMMENT, length=len(comment)
        )
        return RETURN_COMMENT
    context.user_data.pop("order_return", None)
    question = kept_to_edit(update, context, "order_return")
    said = await _decide(update, context, order_id, comment)
    if said is None:
        await reply(update, context, "order.decided_already")
        return ConversationHandler.END
    if question:  # the question loses its buttons: it has been answered
        try:
            await context.bot.edit_message_text(said, chat_id=question[0], message_id=question[1])
        except TelegramError:
            pass  # too old to edit, or deleted: the reply below says it anyway
    await reply(update, context, "order.sent_back_with", comment=comment)
    return ConversationHandler.END


def _forget_return(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.user_data.pop("order_return", None)
    kept_to_edit(update, context, "order_return")


@requires(SUPERVISOR)
async def keep_waiting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: nothing is sent back; the question and its buttons stay."""
    _forget_return(update, context)
    await reply(update, context, "order.back_cancelled")
    return ConversationHandler.END


# ---- 述职评议 across institutions --------------------------------------------------------------

APPRAISAL_ORDER_DAYS = 30  # a flagged leadership team's 限期整改: a month, as the order's deadline


async def _appraisal_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/appraisal 截止 标题: a sheet of the body's, one subject per institution, every rater
    asked at once: held for 确认发起 under its subjects, raters and closing day."""
    views = supervision.institution_views(_app(context))
    if len(words) < 2 or not views:
        await reply(update, context, "appraisal.usage")
        return None
    today = ledger.today(context)
    closes_on = dates.parse_deadline(words[0], today)
    if closes_on is None or closes_on <= today:
        await reply(update, context, "order.bad_deadline", typed=quoted(words[0]))
        return None
    title = " ".join(words[1:])
    if len(title) > upward_reports.MAX_TITLE:  # a sheet's title, as short as a report's
        await reply(update, context, "upward.error.too_long", limit=upward_reports.MAX_TITLE)
        return None
    twin = appraisals.open_twin(database(context), title)
    if twin is not None:
        closes = twin.closes_at.astimezone(settings(context).timezone).date().isoformat()
        await reply(update, context, "appraisal.twin", id=twin.id, title=twin.title, closes=closes)
        return None
    units = [(institutions.institution_of(v).id, institutions.institution_of(v).name) for v in views]

    async def open_sheet() -> None:
        await _open_appraisal(update, context, title, closes_on, units)

    raters, k = (
        len(people.holding(database(context), tuple(appraisals.PANEL))),
        settings(context).evaluation_min_ballots,
    )
    return Planned(
        "appraisal.preview",
        open_sheet,
        {
            "title": title,
            "count": len(units),
            "subjects": shorten("、".join(name for _, name in units), 1500),
            "raters": raters,
            "closes": closes_on.isoformat(),
        },
        warning=("appraisal.preview_too_few", {"raters": raters, "k": k}) if raters < k else None,
    )


async def _open_appraisal(update, context, title: str, closes_on, units) -> None:
    zone = settings(context).timezone
    closes_at = datetime.combine(closes_on, time(23, 59, 59), tzinfo=zone)
    try:
        sheet_id = appraisals.create(
            database(context), title, units, closes_at, person_of(update, context).id
        )
    except appraisals.AppraisalTwin as twin:  # opened between the preview's check and now
        closes = twin.sheet.closes_at.astimezone(zone).date().isoformat()
        await reply(
            update, context, "appraisal.twin", id=twin.sheet.id, title=twin.sheet.title, closes=closes
        )
        return
    raters = len(people.holding(database(context), tuple(appraisals.PANEL)))
    await reply(
        update,
        context,
        "appraisal.created",
        title=title,
        count=len(units),
        raters=raters,
        closes=closes_on.isoformat(),
    )
    k = settings(context).evaluation_min_ballots
    if raters < k:  # the press is answered (by the line above): what follows is sent only
        await _tell(update, context, "appraisal.too_few", raters=raters, k=k)
    # invited delegates (人大代表, institutions' 服务对象代表) rate with the body's one-time slips,
    # which its office makes: told here, with the command that makes them
    await _tell(update, context, "appraisal.delegates_hint", id=sheet_id, k=k)
    notices.notify(
        context.application,
        notices.office(context.application),
        "appraisal.invite_delegates",
        title=title,
        id=sheet_id,
        k=k,
        limit=evaluations.MAX_SLIPS,
    )


APPRAISAL = HeldCommand(
    "appraisal", APPRAISAL_HELD, _appraisal_plan, (SUPERVISOR,), "appraisal.btn.open", "appraisal.not_opened"
)


async def flag_institution(update: Update, context: ContextTypes.DEFAULT_TYPE, sheet, result) -> bool:
    """A flagged subject of an appraisal is offered as a 督办 order to its institution (once),
    under the preview /order shows; False for an ordinary sheet, which flags as before
    (handlers/campaign/evaluation.py)."""
    found = appraisals.institution_of(database(context), sheet.id, result.subject.position)
    if found is None:
        return False
    await FLAG.offer(update, context, [str(sheet.id), str(result.subject.position)])
    return True


async def _flag_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """The order a 述职评议 team graded 一般 or 差 becomes: it reaches another institution's office
    and leaders, so it is held for 确认下达 as /order is (it used to go out on the tap of a button
    that read 列入问题清单). Planned again on 确认: a second order for the team is refused."""
    sheet_id = read_id(words[0]) if words else None
    position = read_id(words[1]) if len(words) > 1 else None
    sheet = evaluations.get(database(context), sheet_id) if sheet_id is not None else None
    results = evaluation_job.results(context.application, sheet) if sheet is not None else []
    result = next((r for r in results if r.subject.position == position and r.flagged), None)
    found = appraisals.institution_of(database(context), sheet.id, position) if result and sheet else None
    view = supervision.view_of(_app(context), found[0]) if found else None
    if sheet is None or result is None or found is None:
        await refuse(update, context, "stale_button")
        return None
    if found[1] is not None or view is None:
        await refuse(update, context, "appraisal.already")
        return None
    deadline = ledger.today(context) + timedelta(days=APPRAISAL_ORDER_DAYS)
    title = f"述职评议“{sheet.title}”：{result.subject.name}总体评价“{result.overall}”，约谈、限期整改"
    unit = institutions.unit(view)

    async def issue() -> None:
        await _issue_flag_order(
            update, context, (sheet, position, result.subject.name), view, title, deadline
        )

    audience = supervision.order_audience(view)
    values = {
        "institution": unit.name,
        "title": title,
        "deadline": deadline.isoformat(),
        "count": len(audience),
    }
    return Planned("order.preview", issue, values, warning=None if audience else ("order.preview_nobody", {}))


async def _issue_flag_order(update, context, flagged: tuple, view, title: str, deadline) -> None:
    sheet, position, subject = flagged
    unit = institutions.unit(view)
    try:
        order = orders.issue(  # confidential, as the results it comes from: not on the public ledger
            database(context),
            services(view).db,
            unit.id,
            title,
            deadline,
            person_of(update, context).id,
            public=False,
        )
    except OrderError:  # the same words are an open order already (a sheet of the same title)
        await refuse(update, context, "appraisal.already")
        return
    appraisals.flagged_into(database(context), sheet.id, position, order.id)
    supervision.tell_step(_app(context), order)
    notices.problem_listed(view, order.problem_id)
    await reply(
        update,
        context,
        "appraisal.flagged",
        subject=subject,
        institution=unit.name,
        deadline=deadline.isoformat(),
    )


FLAG = HeldCommand(
    "appraisal_flag",
    APPRAISAL_FLAG_HELD,
    _flag_plan,
    (OFFICE,),
    "order.btn.issue",
    "order.not_issued",
)


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("rollup", show_rollup),
        *menu.triggers("orders", list_orders),
        CallbackQueryHandler(list_orders, pattern=ORDERS_PAGE),
        *ORDER.handlers(),
        *APPRAISAL.handlers(),
        *FLAG.handlers(with_command=False),
        CallbackQueryHandler(send_workbook, pattern=SUPERVISION_WORKBOOK),
        CallbackQueryHandler(send_report, pattern=SUPERVISION_REPORT),
        CallbackQueryHandler(send_ledger, pattern=SUPERVISION_LEDGER),
        CallbackQueryHandler(escalate, pattern=ORDER_ESCALATE),
        CallbackQueryHandler(confirm_closure, pattern=ORDER_CONFIRM),
        ConversationHandler(
            entry_points=[CallbackQueryHandler(send_back, pattern=ORDER_SEND_BACK)],
            states={
                **conversations.on_timeout("order_send_back"),
                RETURN_COMMENT: [MessageHandler(menu.TYPED, receive_back_comment)],
            },
            fallbacks=[CommandHandler("cancel", keep_waiting), menu.leave_on_menu_tap(_forget_return)],
            name="order_send_back",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
    ]
