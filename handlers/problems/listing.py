"""The office keeps the problem list: lists problems (by hand, from an opinion in one tap, or a
meeting's findings from CSV) and assigns a leader. Closing (销号) or returning what departments
report done is handlers/problems/closures.py."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
    ASSIGN,
    ASSIGN_LEADERS_PAGE,
    ASSIGN_PAGE,
    ASSIGN_PICK,
    FINDINGS_LIST,
    INBOX_PROBLEM,
    LISTING_CANCEL,
    LISTING_CONFIRM,
    LISTING_DEPARTMENT,
    LISTING_HORIZON,
    LISTING_KEEP_TITLE,
    LISTING_KIND,
    PROBLEM_HORIZON,
    PROBLEM_KIND,
    Button,
    read_id,
)
from handlers import conversations, menu, typed_choice
from handlers.access import (
    database,
    keep_to_edit,
    kept_to_edit,
    language,
    person_of,
    refuse,
    reply,
    requires,
    send_lines,
    too_long,
)
from handlers.pages import people_picker, picker_note
from handlers.people.roster import file_error_text, is_table_file
from handlers.problems.actions import id_in_button, offer_picks, tell_error
from handlers.uploads import download
from jobs import notices
from storage import evaluations, opinions, people, problems
from storage.csv_files import FileRejected
from storage.people import LEADER, OFFICE
from storage.problems import ProblemError
from texts import Raw, every_language, say
from texts.fit import shorten

(
    TITLE,
    DESCRIPTION,
    KIND,
    HORIZON,
    FINDINGS_FILE,
    FINDINGS_CONFIRM,
    LIST_TITLE,
    LIST_KIND,
    LIST_HORIZON,
    LIST_DEPARTMENT,
    LIST_CONFIRM,
) = conversations.states("office_problems")
TEXT = menu.TYPED


def announce(context: ContextTypes.DEFAULT_TYPE, problem_id: int) -> None:
    notices.problem_listed(context, problem_id)


# ---- a new problem by hand ---------------------------------------------------------------


@requires(OFFICE)
async def start_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["new_problem"] = {}
    await reply(update, context, "newproblem.title")
    return TITLE


@requires(OFFICE)
async def receive_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    title = update.message.text.strip()
    if await too_long(update, context, title, NEW_TITLE_LIMIT):
        return TITLE
    context.user_data["new_problem"]["title"] = title
    await reply(update, context, "newproblem.description")
    return DESCRIPTION


def _choice(lang: str, button: Button, values: tuple[str, ...], key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(say(lang, f"{key}.{value}"), callback_data=button.data(value))]
            for value in values
        ]
    )


@requires(OFFICE)
async def receive_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    context.user_data["new_problem"]["description"] = "" if text in ("-", "—", "无") else text[:2000]
    lang = language(update, context)
    await reply(
        update,
        context,
        "newproblem.kind",
        reply_markup=_choice(lang, PROBLEM_KIND, problems.KINDS, "problem.kind"),
    )
    return KIND


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, reply_markup=None) -> None:
    """The next step in place of the pressed buttons, or below what was typed."""
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text, reply_markup=reply_markup)
    else:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=reply_markup)


def _offered(key: str, values: tuple[str, ...]):
    """{label: value} of a step's buttons in every language, for typing instead of tapping."""

    def options(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
        return {label: v for v in values for label in every_language(f"{key}.{v}")}

    return options


@requires(OFFICE)
async def receive_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _kind_chosen(update, context, PROBLEM_KIND.parse(update.callback_query.data)[0])


async def _kind_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str) -> int:
    if kind not in problems.KINDS or "new_problem" not in context.user_data:
        await refuse(update, context, "stale_button")
        return KIND
    context.user_data["new_problem"]["kind"] = kind
    lang = language(update, context)
    await _show(
        update,
        context,
        say(lang, "newproblem.horizon"),
        _choice(lang, PROBLEM_HORIZON, problems.HORIZONS, "problem.horizon"),
    )
    return HORIZON


@requires(OFFICE)
async def receive_horizon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _horizon_chosen(update, context, PROBLEM_HORIZON.parse(update.callback_query.data)[0])


async def _horizon_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, horizon: str) -> int:
    draft = context.user_data.pop("new_problem", None)
    if horizon not in problems.HORIZONS or not draft:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    problem_id = problems.create(
        database(context),
        draft["title"],
        person_of(update, context).id,
        description=draft.get("description", ""),
        kind=draft.get("kind", "deadline"),
        horizon=horizon,
        source="meeting",
    )
    await _show(
        update,
        context,
        say(language(update, context), "newproblem.done", id=problem_id, title=draft["title"]),
    )
    announce(context, problem_id)
    return ConversationHandler.END


# ---- from an opinion: a short title (prefilled), kind, horizon, department, preview -----------


def _listing(context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    return context.user_data.get("listing")


@requires(OFFICE)
async def start_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """列为问题 asks before it lists: nothing is created, and no leader told, until confirmed."""
    [opinion_id] = INBOX_PROBLEM.parse(update.callback_query.data)
    db = database(context)
    opinion = opinions.get(db, opinion_id)
    existing = problems.problem_of_opinion(db, opinion_id) if opinion else None
    if opinion is None or existing or opinion.status in (opinions.CLOSED, opinions.DUPLICATE):
        error = (
            ProblemError("already_listed", str(existing))
            if existing
            else ProblemError("opinion_finished" if opinion else "not_found")
        )
        await tell_error(update, context, error)
        return ConversationHandler.END
    suggestion = problems.suggested_title(opinion.text)
    context.user_data["listing"] = {"opinion": opinion.id, "title": suggestion}
    keep_to_edit(update, context, "listing_card", update.callback_query.message)  # its buttons follow
    lang = language(update, context)
    await reply(
        update,
        context,
        "listing.title",
        id=opinion.id,
        title=suggestion,
        limit=TITLE_LIMIT,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "listing.btn.keep_title"), callback_data=LISTING_KEEP_TITLE.data()
                    )
                ]
            ]
        ),
    )
    return LIST_TITLE


TITLE_LIMIT = 40
NEW_TITLE_LIMIT = 200  # a problem's title typed by the office (/newproblem)


async def _ask_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = language(update, context)
    await reply(
        update,
        context,
        "listing.kind",
        title=_listing(context)["title"],
        reply_markup=_choice(lang, LISTING_KIND, problems.KINDS, "problem.kind"),
    )
    return LIST_KIND


@requires(OFFICE)
async def keep_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if _listing(context) is None:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    await update.callback_query.edit_message_reply_markup(None)
    return await _ask_kind(update, context)


@requires(OFFICE)
async def receive_listing_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    title = " ".join(update.message.text.split())
    if _listing(context) is None:
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    if not title or len(title) > TITLE_LIMIT:
        await reply(update, context, "listing.bad_title", count=len(title), limit=TITLE_LIMIT)
        return LIST_TITLE
    _listing(context)["title"] = title
    return await _ask_kind(update, context)


@requires(OFFICE)
async def receive_listing_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [kind] = LISTING_KIND.parse(update.callback_query.data)
    if kind not in problems.KINDS or _listing(context) is None:
        await refuse(update, context, "stale_button")
        return LIST_KIND
    _listing(context)["kind"] = kind
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "newproblem.horizon"),
        reply_markup=_choice(lang, LISTING_HORIZON, problems.HORIZONS, "problem.horizon"),
    )
    return LIST_HORIZON


@requires(OFFICE)
async def receive_listing_horizon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [horizon] = LISTING_HORIZON.parse(update.callback_query.data)
    if horizon not in problems.HORIZONS or _listing(context) is None:
        await refuse(update, context, "stale_button")
        return LIST_HORIZON
    _listing(context)["horizon"] = horizon
    lang = language(update, context)
    rows = [
        [InlineKeyboardButton(name, callback_data=LISTING_DEPARTMENT.data(department_id))]
        for department_id, name in people.departments_by_id(database(context))
    ]
    rows.append(
        [
            InlineKeyboardButton(
                say(lang, "listing.btn.no_department"), callback_data=LISTING_DEPARTMENT.data(0)
            )
        ]
    )
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "listing.department"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return LIST_DEPARTMENT


@requires(OFFICE)
async def receive_listing_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _listing(context)
    chosen = id_in_button(update)
    names = dict(people.departments_by_id(database(context)))
    if draft is None or (chosen and chosen not in names):
        await refuse(update, context, "stale_button")
        return LIST_DEPARTMENT
    draft["department_id"] = chosen or None
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(
            lang,
            "listing.preview",
            id=draft["opinion"],
            title=draft["title"],
            kind=say(lang, f"problem.kind.{draft['kind']}"),
            horizon=say(lang, f"problem.horizon.{draft['horizon']}"),
            department=names.get(chosen) or say(lang, "listing.no_department"),
            leaders=len(notices.leaders(context)),
        )
        + _signer_told(context, lang, draft["opinion"]),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=LISTING_CONFIRM.data()),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=LISTING_CANCEL.data()),
                ]
            ]
        ),
    )
    return LIST_CONFIRM


def _signer_told(context: ContextTypes.DEFAULT_TYPE, lang: str, opinion_id: str) -> str:
    """Who else hears of the listing, before 确认: the author of a signed opinion."""
    opinion = opinions.get(database(context), opinion_id)
    author = people.by_id(database(context), opinion.author_id) if opinion and not opinion.anonymous else None
    if author is None or not notices.reachable([author]):
        return ""
    return "\n" + say(lang, "listing.preview_signer", name=author.name, department=author.department)


@requires(OFFICE)
async def confirm_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("listing", None)
    if draft is None:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    try:
        problem_id = problems.from_opinion(
            database(context),
            draft["opinion"],
            person_of(update, context).id,
            title=draft["title"],
            kind=draft["kind"],
            horizon=draft["horizon"],
            department_id=draft.get("department_id"),
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    card = kept_to_edit(update, context, "listing_card")
    if card is not None:  # (forgotten by a restart: the card keeps its buttons, which refuse)
        await _refresh_card(context, *card, draft["opinion"], language(update, context))
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "newproblem.from_opinion", id=problem_id, opinion=draft["opinion"])
    )
    announce(context, problem_id)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("listing", None)
    kept_to_edit(update, context, "listing_card")
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "listing.cancelled"))
    return ConversationHandler.END


async def _refresh_card(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, opinion_id: str, lang: str
) -> None:
    """The card's buttons follow the opinion's new state, so a done step cannot be pressed again."""
    from handlers.opinions.inbox import actions  # the inbox draws an opinion's buttons; listing changes them

    db = database(context)
    opinion = opinions.get(db, opinion_id)
    if opinion is None:
        return
    try:
        await context.bot.edit_message_reply_markup(
            chat_id, message_id, reply_markup=actions(lang, opinion, db)
        )
    except TelegramError:
        pass  # the card is too old to edit, or already shows these buttons


# ---- assign a leader directly ------------------------------------------------------------


@requires(OFFICE)
async def offer_assignment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/assign N offers the leaders, /assign N 姓名 that leader alone (one tap, as typed);
    /assign alone first offers the problems waiting for one."""
    raw = (context.args or [""])[0].lstrip("#＃")
    if not raw:
        await _offer_problems(update, context)
        return
    problem_id = read_id(raw)
    named = " ".join((context.args or [])[1:]).strip() or None
    await _offer_leaders(
        update,
        context,
        problems.get(database(context), problem_id) if problem_id is not None else None,
        named,
    )


ASSIGN_SHOWN = 20  # a page of problems to pick from; 下一页 ▶ for the rest (or /assign N)


async def _offer_problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await offer_picks(
        update, context, problems.UNCLAIMED, ASSIGN_SHOWN, ASSIGN_PICK, ASSIGN_PAGE, "assign", "assign.none"
    )


@requires(OFFICE)
async def next_problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _offer_problems(update, context)


@requires(OFFICE)
async def pick_problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [problem_id] = ASSIGN_PICK.parse(update.callback_query.data)
    await _offer_leaders(update, context, problems.get(database(context), problem_id))


async def _offer_leaders(
    update: Update, context: ContextTypes.DEFAULT_TYPE, problem, named: str | None = None
) -> None:
    if problem is None or problem.status != problems.LISTED:
        await reply(update, context, "assign.usage")
        return
    lang = language(update, context)
    leaders = leaders_for(database(context), problem.id)
    chosen = [p for p in leaders if p.name == named]
    if chosen:  # the leader typed: theirs the one button, the press is the confirmation
        await reply(
            update,
            context,
            "assign.choose_named",
            id=problem.id,
            title=problem.title,
            leader=named,
            reply_markup=leader_picker(lang, problem.id, chosen, 1),
        )
        return
    unknown = say(lang, "assign.not_a_leader", name=named) + "\n" if named else ""
    await reply(
        update,
        context,
        "assign.choose",
        id=problem.id,
        title=problem.title,
        more=Raw(picker_note(lang, len(leaders))),
        unknown=unknown,
        reply_markup=leader_picker(lang, problem.id, leaders, 1),
    )


def leaders_for(db, problem_id: int) -> list:
    """The leaders who may hold the problem: every leader but the one a confidential problem
    from an evaluation is about (storage.evaluations.barred_from)."""
    barred = evaluations.barred_from(db, problem_id)
    return [p for p in people.holding(db, (LEADER,)) if p.id not in barred]


def leader_picker(lang: str, problem_id: int, leaders: list, page: int) -> InlineKeyboardMarkup:
    """A page of the leaders as buttons (a hospital with 150 班子成员 and 分管领导 across its
    branches is more than one message holds), with ◀ 上一页 / 下一页 ▶."""
    return people_picker(
        lang, leaders, page, lambda p: ASSIGN.data(problem_id, p.id), ASSIGN_LEADERS_PAGE, problem_id
    )


@requires(OFFICE)
async def turn_leaders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ 上一页 / 下一页 ▶ under the leaders: the buttons redrawn in place, the question kept."""
    problem_id, page = ASSIGN_LEADERS_PAGE.parse(update.callback_query.data)
    problem = problems.get(database(context), problem_id)
    if problem is None or problem.status != problems.LISTED:
        await refuse(update, context, "stale_button")
        return
    leaders = leaders_for(database(context), problem_id)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(
        leader_picker(language(update, context), problem_id, leaders, page)
    )


@requires(OFFICE)
async def assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, leader_id = ASSIGN.parse(update.callback_query.data)
    if leader_id in evaluations.barred_from(database(context), problem_id):
        await refuse(update, context, "evaluation.judged_cannot_hold")  # a forged or old button
        return
    try:
        problem = problems.act(
            database(context), problem_id, "assign", person_of(update, context), leader_id=leader_id
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "assign.done", id=problem.id, leader=problem.leader)
    )
    notices.problem_assigned(context, problem)


# ---- a meeting's findings from CSV --------------------------------------------------------------


@requires(OFFICE)
async def ask_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "findings.ask")
    return FINDINGS_FILE


@requires(OFFICE)
async def receive_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    document = update.message.document
    if not is_table_file(document.file_name):
        await reply(update, context, "roster.not_csv")
        return FINDINGS_FILE
    try:
        findings = problems.parse_findings(await download(context, document.file_id))
    except FileRejected as error:
        await context.bot.send_message(
            update.effective_chat.id,
            file_error_text(language(update, context), error, "findings"),
            parse_mode="HTML",
        )
        return FINDINGS_FILE
    # held until 确认: many problems listed and every leader told of each, which cannot be undone
    context.user_data["findings"] = [
        {**f, "deadline": f["deadline"] and f["deadline"].isoformat()} for f in findings
    ]
    await _preview_findings(update, context, findings)
    return FINDINGS_CONFIRM


async def _preview_findings(update: Update, context: ContextTypes.DEFAULT_TYPE, findings: list[dict]) -> None:
    """Every finding a line (as many messages as it takes), the ones already listed marked, and
    how many leaders will be told; the last message carries the buttons."""
    lang = language(update, context)
    namesakes = problems.open_namesakes(database(context), [f["title"] for f in findings])
    lines = [say(lang, "findings.preview", count=len(findings))]
    for number, finding in enumerate(findings, 1):
        twin = namesakes.get(" ".join(finding["title"].split()))
        lines.append(
            say(
                lang,
                "findings.preview_twin" if twin else "findings.preview_line",
                number=number,
                title=shorten(finding["title"], 300),
                deadline=finding["deadline"].isoformat() if finding["deadline"] else "—",
                id=twin or "",
            )
        )
    leaders = len(notices.reachable(notices.leaders(context)))
    fresh = sum(1 for f in findings if " ".join(f["title"].split()) not in namesakes)
    rows = [[(say(lang, "findings.btn.list"), FINDINGS_LIST.data("all"))]]
    if namesakes:
        lines.append(say(lang, "findings.preview_twins", twins=len(findings) - fresh, fresh=fresh))
        rows = [[(say(lang, "findings.btn.fresh", count=fresh), FINDINGS_LIST.data("new"))]] if fresh else []
        rows.append([(say(lang, "findings.btn.all", count=len(findings)), FINDINGS_LIST.data("all"))])
    rows.append([(say(lang, "btn.cancel"), FINDINGS_LIST.data("no"))])
    # as jobs/notices.problems_listed will tell them: the button offered first lists `fresh`
    summed = fresh > notices.LISTED_ONE_BY_ONE
    lines.append(
        say(lang, "findings.preview_end_summed" if summed else "findings.preview_end", leaders=leaders)
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows]
    )
    await send_lines(context, update.effective_chat.id, lines, reply_markup=markup)


@requires(OFFICE)
async def confirm_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [choice] = FINDINGS_LIST.parse(update.callback_query.data)
    kept = context.user_data.pop("findings", None)
    if kept is None:  # pressed twice, or a preview from before a restart
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except TelegramError:  # a message too old to edit: the answer below says what was done
        pass
    if choice == "no":
        await reply(update, context, "findings.not_listed")
        return ConversationHandler.END
    findings = [{**f, "deadline": f["deadline"] and date.fromisoformat(f["deadline"])} for f in kept]
    if choice == "new":  # the namesakes as they are now, not as they were at the preview
        namesakes = problems.open_namesakes(database(context), [f["title"] for f in findings])
        findings = [f for f in findings if " ".join(f["title"].split()) not in namesakes]
    if not findings:
        await reply(update, context, "findings.nothing_new")
        return ConversationHandler.END
    ids = problems.import_findings(database(context), findings, person_of(update, context).id)
    if len(ids) == 1:
        await reply(update, context, "findings.done_one", id=ids[0])
    else:
        await reply(update, context, "findings.done", count=len(ids), first=ids[0], last=ids[-1])
    notices.problems_listed(context, ids)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    for key in ("new_problem", "listing"):
        context.user_data.pop(key, None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[
                *menu.triggers("newproblem", start_new),
                CallbackQueryHandler(start_listing, pattern=INBOX_PROBLEM),
                CommandHandler("findings", ask_findings),
            ],
            states={
                **conversations.on_timeout("office_problems"),
                TITLE: [MessageHandler(TEXT, receive_title)],
                DESCRIPTION: [MessageHandler(TEXT, receive_description)],
                KIND: [
                    CallbackQueryHandler(receive_kind, pattern=PROBLEM_KIND),
                    typed_choice.handler(
                        _offered("problem.kind", problems.KINDS), _kind_chosen, roles=frozenset({OFFICE})
                    ),
                ],
                HORIZON: [
                    CallbackQueryHandler(receive_horizon, pattern=PROBLEM_HORIZON),
                    typed_choice.handler(
                        _offered("problem.horizon", problems.HORIZONS),
                        _horizon_chosen,
                        roles=frozenset({OFFICE}),
                    ),
                ],
                FINDINGS_FILE: [MessageHandler(filters.Document.ALL, receive_findings)],
                FINDINGS_CONFIRM: [CallbackQueryHandler(confirm_findings, pattern=FINDINGS_LIST)],
                LIST_TITLE: [
                    MessageHandler(TEXT, receive_listing_title),
                    CallbackQueryHandler(keep_title, pattern=LISTING_KEEP_TITLE),
                ],
                LIST_KIND: [CallbackQueryHandler(receive_listing_kind, pattern=LISTING_KIND)],
                LIST_HORIZON: [CallbackQueryHandler(receive_listing_horizon, pattern=LISTING_HORIZON)],
                LIST_DEPARTMENT: [
                    CallbackQueryHandler(receive_listing_department, pattern=LISTING_DEPARTMENT)
                ],
                LIST_CONFIRM: [
                    CallbackQueryHandler(confirm_listing, pattern=LISTING_CONFIRM),
                    CallbackQueryHandler(cancel_listing, pattern=LISTING_CANCEL),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="office_problems",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("assign", offer_assignment),
        CallbackQueryHandler(assign, pattern=ASSIGN),
        CallbackQueryHandler(pick_problem, pattern=ASSIGN_PICK),
        CallbackQueryHandler(next_problems, pattern=ASSIGN_PAGE),
        CallbackQueryHandler(turn_leaders, pattern=ASSIGN_LEADERS_PAGE),
    ]
