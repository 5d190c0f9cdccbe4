"""Self-check reports (自查报告) in chat.

Office: `/selfcheck 门诊部 2026-12-15 [reviewer]` or `/selfcheck 张伟 2026-12-15` asks for one;
`/selfchecks` lists them. Author (the person, or a head of the department): `/mychecks` or the
button in the request; three guided parts or a Word/PDF document instead; submit. Reviewer:
view, approve, or return with a comment; problems the report names go onto the list in one tap.
"""

from __future__ import annotations

import re

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
    SELFCHECK_APPROVE,
    SELFCHECK_CANCEL,
    SELFCHECK_HELD,
    SELFCHECK_KEEP,
    SELFCHECK_LIST,
    SELFCHECK_RETURN,
    SELFCHECK_SUBMIT,
    SELFCHECK_VIEW,
    SELFCHECK_WRITE,
    SELFCHECKS_PAGE,
)
from handlers import conversations, menu, typed_choice
from handlers.access import (
    MEMBERS,
    database,
    language,
    person_of,
    pieces,
    quoted,
    refuse,
    reply,
    requires,
    send_lines,
    settings,
    too_long,
)
from handlers.held_commands import HeldCommand, Planned
from handlers.pages import next_row, slice_asked
from handlers.problems import listing as problem_list
from handlers.problems.actions import id_in_button
from handlers.reports import ledger
from handlers.uploads import download
from jobs import notices
from storage import people, self_checks
from storage.dates import parse_deadline
from storage.people import HEAD, OFFICE
from storage.self_checks import SelfCheck, SelfCheckError
from texts import Raw, say

METHOD, FINDINGS, MEASURES, CONFIRM, RETURN_COMMENT = conversations.states("self_checks")
TEXT = menu.TYPED
DOCUMENT_TYPES = (".doc", ".docx", ".pdf", ".wps")
MAX_PART = 4000
COMMENT_LIMIT = 2000  # a returned self-check's comment


# ---- the office asks -------------------------------------------------------------------------


async def _one_liner_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/selfcheck 门诊部 2026-12-15 [审定人]: the people it names are asked at once, so it is held
    for ✅ 确认 (handlers/held_commands.py) under the preview the guided form shows."""
    typed = " ".join(words)
    # 门诊部 ｜ 12月15日 下午 ｜ 张伟 with bars (full-width as an input method types them), or
    # 门诊部 2026-12-15 张伟 with spaces as before
    words = [w.strip() for w in re.split(r"[|｜]", typed)] if re.search(r"[|｜]", typed) else typed.split()
    if len(words) < 2 or not words[0] or not words[1]:
        await reply(update, context, "selfcheck.usage")
        return None
    due = parse_deadline(words[1], ledger.today(context))
    if due is None:
        await reply(
            update,
            context,
            "selfcheck.bad_due",
            text=quoted(words[1]),
            usage=Raw(say(language(update, context), "selfcheck.usage")),
        )
        return None
    return await request_plan(update, context, words[0], due, words[2] if len(words) > 2 else None)


async def request_plan(
    update: Update, context: ContextTypes.DEFAULT_TYPE, subject: str, due, reviewer_name: str | None
) -> Planned | None:
    """Asking a department or a person for a report by `due`, from the one-liner and the guided
    form (handlers/campaign/selfcheck_form.py) alike: what is wrong is said now (a name not on
    the roster, a date passed, the same request sent already) and None returned; else the
    preview (who, by when, the reviewer it resolves to, how many will be told) and the act."""
    db = database(context)
    everyone = people.everyone(db)
    person = next((p for p in everyone if p.name == subject), None)
    department_id = (
        None if person else (people.department_id(db, subject) if subject in people.departments(db) else None)
    )
    reviewer = next((p for p in everyone if reviewer_name and p.name == reviewer_name), None)
    if person is None and department_id is None or (reviewer_name and reviewer is None):
        unknown = reviewer_name if person or department_id else subject
        await reply(update, context, "selfcheck.unknown", word=quoted(unknown))
        return None
    if due < ledger.today(context):
        await reply(update, context, "selfcheck.error.past")
        return None
    if earlier := self_checks.twin(db, due, department_id, person.id if person else None):
        await _refuse_twin(update, context, earlier, due)
        return None
    office_reviews = settings(context).self_check_reviewer == "office"
    reviewer_id = (
        reviewer.id if reviewer else self_checks.default_reviewer(db, department_id, person, office_reviews)
    )
    heads = [p for p in everyone if p.department_id == department_id and HEAD in p.roles]
    told = [person] if person else heads

    async def ask() -> None:
        await _request(update, context, due, department_id, person, reviewer_id)

    lang = language(update, context)
    shown = people.by_id(db, reviewer_id).name if reviewer_id else "—"
    values = {
        "subject": subject,
        "due": due.isoformat(),
        "reviewer": shown if reviewer else say(lang, "selfcheck_form.reviewer_by_rule", name=shown),
        "count": len(told),
        "nobody": Raw(say(lang, "selfcheck.nobody_to_tell", subject=subject) if not told else ""),
    }
    return Planned("selfcheck_form.preview", ask, values)


async def _refuse_twin(update: Update, context: ContextTypes.DEFAULT_TYPE, earlier: SelfCheck, due) -> None:
    await reply(
        update,
        context,
        "selfcheck.error.twin",
        id=earlier.id,
        subject=earlier.subject,
        due=due.isoformat(),
        status=say(language(update, context), f"selfcheck.status.{earlier.status}"),
    )


async def _request(
    update: Update, context: ContextTypes.DEFAULT_TYPE, due, department_id, person, reviewer_id
) -> None:
    db = database(context)
    try:
        report_id = self_checks.request(
            db,
            due,
            person_of(update, context),
            department_id=department_id,
            person=person,
            reviewer_id=reviewer_id,
        )
    except SelfCheckError as error:  # the plan checked; a rule of storage's own refuses still
        if earlier := self_checks.twin(db, due, department_id, person.id if person else None):
            await _refuse_twin(update, context, earlier, due)
        else:
            await reply(update, context, f"selfcheck.error.{error.reason}")
        return
    report = self_checks.get(db, report_id)
    count = notices.notify(
        context,
        authors(context, report),
        "selfcheck.asked",
        buttons=[[("selfcheck.btn.write", SELFCHECK_WRITE.data(report.id))]],
        dedup=f"selfcheck:{report.id}:ask",
        id=report.id,
        subject=report.subject,
        due=report.due_on.isoformat(),
    )
    reviewer_name = people.by_id(db, reviewer_id).name if reviewer_id else "—"
    await reply(
        update,
        context,
        "selfcheck.requested",
        id=report.id,
        subject=report.subject,
        due=report.due_on.isoformat(),
        count=count,
        reviewer=reviewer_name,
    )


ASK = HeldCommand(
    "selfcheck", SELFCHECK_HELD, _one_liner_plan, (OFFICE,), "selfcheck.btn.ask", "selfcheck.not_asked"
)


def authors(context, report: SelfCheck) -> list:
    return [p for p in people.everyone(database(context)) if self_checks.is_author(report, p)]


SELFCHECKS_SHOWN = 20  # self-checks on a page of /selfchecks (each a line; a button when submitted)


@requires(OFFICE)
async def list_reports(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = self_checks.listing(database(context))
    if not found:
        await reply(update, context, "selfcheck.none")
        return
    part = slice_asked(update, found, lambda r: r.id, SELFCHECKS_PAGE, SELFCHECKS_SHOWN)
    if part is None:
        await reply(update, context, "list.page_empty")
        return
    lang = language(update, context)
    lines = [say(lang, "selfcheck.title")] + [_line(lang, r) for r in part.items]
    if part.paged:
        lines.append(say(lang, "list.page", page=part.page, total=part.total))
    buttons = [
        [
            InlineKeyboardButton(
                say(lang, "selfcheck.btn.view", id=r.id), callback_data=SELFCHECK_VIEW.data(r.id)
            )
        ]
        for r in part.items
        if r.status == self_checks.SUBMITTED
    ]
    if row := next_row(lang, part):
        buttons.append(row)
    if update.callback_query:
        await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        "\n".join(lines),  # 20 short lines (a name or a department each): far under 4096
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


def _line(lang: str, report: SelfCheck) -> str:
    return say(
        lang,
        "selfcheck.line",
        id=report.id,
        subject=report.subject,
        due=report.due_on.isoformat(),
        status=say(lang, f"selfcheck.status.{report.status}"),
    )


# ---- the author writes -----------------------------------------------------------------------


@requires(*MEMBERS)
async def my_reports(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person, lang = person_of(update, context), language(update, context)
    mine = [r for r in self_checks.to_write(database(context)) if self_checks.is_author(r, person)]
    if not mine:
        await reply(update, context, "selfcheck.nothing_to_write")
        return
    buttons = [
        [
            InlineKeyboardButton(
                say(lang, "selfcheck.btn.write_one", id=r.id, subject=r.subject),
                callback_data=SELFCHECK_WRITE.data(r.id),
            )
        ]
        for r in mine
    ]
    await context.bot.send_message(
        update.effective_chat.id,
        "\n".join(_line(lang, r) for r in mine),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(buttons),
    )


@requires(*MEMBERS)
async def start_writing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    report = self_checks.get(database(context), id_in_button(update))
    if report is None or not self_checks.is_author(report, person_of(update, context)):
        await refuse(update, context, "selfcheck.error.not_yours")
        return ConversationHandler.END
    if report.status not in self_checks.TO_WRITE:
        await refuse(update, context, "selfcheck.error.wrong_state")
        return ConversationHandler.END
    context.user_data["self_check"] = {"id": report.id}
    key = "selfcheck.ask_method_again" if report.status == self_checks.RETURNED else "selfcheck.ask_method"
    await reply(
        update,
        context,
        key,
        id=report.id,
        subject=report.subject,
        comment=report.comment or "",
        reply_markup=_keep_markup(update, context, report, "method"),
    )
    return METHOD


def _keep_markup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report: SelfCheck | None, part: str
) -> InlineKeyboardMarkup | None:
    """A report redone after a return: its last version's text of this part can be kept with a
    tap (only what the reviewer asked about need be written again)."""
    if report is None or report.status != self_checks.RETURNED or not getattr(report, part):
        return None
    label = say(language(update, context), "selfcheck.btn.keep")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=SELFCHECK_KEEP.data(part))]])


async def _part(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    here: int,
    next_part: str,
    state: int,
    text: str | None = None,
) -> int:
    draft = context.user_data.get("self_check")
    if draft is None:
        await reply(update, context, "selfcheck.lost")
        return ConversationHandler.END
    text = update.message.text.strip() if text is None else text
    if await too_long(update, context, text, MAX_PART):
        return here
    draft[name] = text
    report = self_checks.get(database(context), draft["id"])
    await reply(
        update,
        context,
        f"selfcheck.ask_{next_part}",
        reply_markup=_keep_markup(update, context, report, next_part),
    )
    return state


@requires(*MEMBERS)
async def receive_method(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _part(update, context, "method", METHOD, "findings", FINDINGS)


@requires(*MEMBERS)
async def receive_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _part(update, context, "findings", FINDINGS, "measures", MEASURES)


@requires(*MEMBERS)
async def receive_measures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _measures(update, context, update.message.text.strip())


async def _measures(update: Update, context: ContextTypes.DEFAULT_TYPE, measures: str) -> int:
    draft = context.user_data.get("self_check")
    if draft is None:
        await reply(update, context, "selfcheck.lost")
        return ConversationHandler.END
    if await too_long(update, context, measures, MAX_PART):
        return MEASURES
    draft["measures"] = measures
    return await _preview(update, context, draft)


def _kept(part: str, here: int):
    """↩️ 沿用上次写的 at the step of `part`: the returned version's text, as if typed again."""

    async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = context.user_data.get("self_check")
        report = self_checks.get(database(context), draft["id"]) if draft else None
        (pressed,) = SELFCHECK_KEEP.parse(update.callback_query.data)
        if report is None or pressed != part or not getattr(report, part):
            await refuse(update, context, "stale_button")
            return here
        try:
            await update.callback_query.edit_message_reply_markup(None)
        except TelegramError:
            pass  # a double tap: the first took the button away
        text = getattr(report, part)
        if part == "measures":
            return await _measures(update, context, text)
        following = {"method": ("findings", FINDINGS), "findings": ("measures", MEASURES)}[part]
        return await _part(update, context, part, here, *following, text=text)

    keep.__qualname__ = keep.__name__ = f"keep_{part}"  # named before it is declared to the guard
    return requires(*MEMBERS)(keep)


@requires(*MEMBERS)
async def receive_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.get("self_check")
    document = update.message.document
    if draft is None:
        await reply(update, context, "selfcheck.lost")
        return ConversationHandler.END
    if not (document.file_name or "").lower().endswith(DOCUMENT_TYPES):
        await reply(update, context, "selfcheck.not_a_document")
        return METHOD
    draft.update(file_id=document.file_id, file_name=document.file_name)
    return await _preview(update, context, draft)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict) -> int:
    lang = language(update, context)
    if draft.get("file_id"):
        lines = [say(lang, "selfcheck.preview_document", name=draft["file_name"])]
    else:
        lines = [
            say(lang, "selfcheck.preview_head"),
            *_part_lines(lang, draft["method"], draft["findings"], draft["measures"]),
        ]
    buttons = [
        [
            InlineKeyboardButton(say(lang, "selfcheck.btn.submit"), callback_data=SELFCHECK_SUBMIT.data()),
            InlineKeyboardButton(say(lang, "selfcheck.btn.cancel"), callback_data=SELFCHECK_CANCEL.data()),
        ]
    ]
    await send_lines(context, update.effective_chat.id, lines, InlineKeyboardMarkup(buttons))
    return CONFIRM


def _part_lines(lang: str, method: str, findings: str, measures: str) -> list[str]:
    """The three parts under their headings, each whole: three long parts (or emoji, which
    count twice) go out as several messages rather than one that Telegram refuses."""
    lines: list[str] = []
    for part, text in (("method", method), ("findings", findings), ("measures", measures)):
        lines += [say(lang, f"selfcheck.part.{part}"), *pieces(text)]
    return lines


@requires(*MEMBERS)
async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("self_check", None)
    if draft is None:
        await reply(update, context, "selfcheck.lost")
        return ConversationHandler.END
    content = await download(context, draft["file_id"]) if draft.get("file_id") else None
    try:
        report = self_checks.submit(
            database(context),
            draft["id"],
            person_of(update, context),
            method=draft.get("method", ""),
            findings=draft.get("findings", ""),
            measures=draft.get("measures", ""),
            document=content,
            document_name=draft.get("file_name"),
        )
    except SelfCheckError as error:
        await reply(update, context, f"selfcheck.error.{error.reason}")
        return ConversationHandler.END
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context, "selfcheck.submitted", id=report.id)  # answers the press too
    notices.notify(
        context,
        notices.person(context, report.reviewer_id) or notices.office(context),
        # redone after a return: the reviewer reads it as the answer to their own words
        "selfcheck.to_review_again" if report.comment else "selfcheck.to_review",
        buttons=[[("selfcheck.btn.view_short", SELFCHECK_VIEW.data(report.id))]],
        id=report.id,
        subject=report.subject,
        author=person_of(update, context).name,
        comment=report.comment or "",
    )
    return ConversationHandler.END


@requires(*MEMBERS)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("self_check", None)
    context.user_data.pop("returning_report", None)
    if update.callback_query:
        await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


# ---- the reviewer --------------------------------------------------------------------------


def _reviewable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> SelfCheck | None:
    report = self_checks.get(database(context), id_in_button(update))
    if report is None or not self_checks.may_review(report, person_of(update, context)):
        return None
    return report


@requires(*MEMBERS)
async def view(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    report = _reviewable(update, context)
    if report is None:
        await refuse(update, context, "selfcheck.error.not_yours")
        return
    lang, chat = language(update, context), update.effective_chat.id
    await update.callback_query.answer()
    attached = self_checks.document(database(context), report.id)
    if attached:
        await context.bot.send_document(chat, attached[0], filename=attached[1])
    lines = [
        say(
            lang,
            "selfcheck.card_head",
            id=report.id,
            subject=report.subject,
            status=say(lang, f"selfcheck.status.{report.status}"),
        ),
        *_part_lines(lang, report.method or "—", report.findings or "—", report.measures or "—"),
    ]
    buttons = []
    if report.status == self_checks.SUBMITTED:
        buttons.append(
            [
                InlineKeyboardButton(
                    say(lang, "selfcheck.btn.approve"), callback_data=SELFCHECK_APPROVE.data(report.id)
                ),
                InlineKeyboardButton(
                    say(lang, "selfcheck.btn.return"), callback_data=SELFCHECK_RETURN.data(report.id)
                ),
            ]
        )
    if self_checks.named_problems(report):
        buttons.append(
            [
                InlineKeyboardButton(
                    say(lang, "selfcheck.btn.list"), callback_data=SELFCHECK_LIST.data(report.id)
                )
            ]
        )
    await send_lines(context, chat, lines, InlineKeyboardMarkup(buttons) if buttons else None)


@requires(*MEMBERS)
async def approve(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        report = self_checks.review(database(context), id_in_button(update), person_of(update, context), True)
    except SelfCheckError as error:
        await refuse(update, context, f"selfcheck.error.{error.reason}")
        return
    await reply(update, context, "selfcheck.approved", id=report.id)
    notices.notify(
        context,
        notices.person(context, report.author_id),
        "selfcheck.approved_notice",
        id=report.id,
        subject=report.subject,
    )


@requires(*MEMBERS)
async def ask_return_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    report = _reviewable(update, context)
    if report is None or report.status != self_checks.SUBMITTED:
        await refuse(update, context, "selfcheck.error.wrong_state")
        return ConversationHandler.END
    context.user_data["returning_report"] = report.id
    await reply(update, context, "selfcheck.ask_comment", id=report.id)
    return RETURN_COMMENT


@requires(*MEMBERS)
async def receive_return_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    comment = update.message.text.strip()
    if await too_long(update, context, comment, COMMENT_LIMIT):
        return RETURN_COMMENT
    try:
        report = self_checks.review(
            database(context),
            context.user_data.pop("returning_report", 0),
            person_of(update, context),
            False,
            comment,
        )
    except SelfCheckError as error:
        await reply(update, context, f"selfcheck.error.{error.reason}")
        return ConversationHandler.END
    await reply(update, context, "selfcheck.returned", id=report.id)
    notices.notify(
        context,
        notices.person(context, report.author_id),
        "selfcheck.returned_notice",
        buttons=[[("selfcheck.btn.write", SELFCHECK_WRITE.data(report.id))]],
        id=report.id,
        subject=report.subject,
        comment=comment,
    )
    return ConversationHandler.END


@requires(*MEMBERS)
async def list_named_problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        ids = self_checks.list_problems(database(context), id_in_button(update), person_of(update, context))
    except SelfCheckError as error:
        await refuse(update, context, f"selfcheck.error.{error.reason}")
        return
    for problem_id in ids:
        problem_list.announce(context, problem_id)
    await reply(update, context, "selfcheck.listed", count=len(ids), first=ids[0], last=ids[-1])


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[
                CallbackQueryHandler(start_writing, pattern=SELFCHECK_WRITE),
                CallbackQueryHandler(ask_return_comment, pattern=SELFCHECK_RETURN),
            ],
            states={
                **conversations.on_timeout("self_checks"),
                METHOD: [
                    CallbackQueryHandler(_kept("method", METHOD), pattern=SELFCHECK_KEEP),
                    MessageHandler(TEXT, receive_method),
                    MessageHandler(filters.Document.ALL, receive_document),
                ],
                FINDINGS: [
                    CallbackQueryHandler(_kept("findings", FINDINGS), pattern=SELFCHECK_KEEP),
                    MessageHandler(TEXT, receive_findings),
                ],
                MEASURES: [
                    CallbackQueryHandler(_kept("measures", MEASURES), pattern=SELFCHECK_KEEP),
                    MessageHandler(TEXT, receive_measures),
                ],
                CONFIRM: [
                    CallbackQueryHandler(submit, pattern=SELFCHECK_SUBMIT),
                    CallbackQueryHandler(cancel, pattern=SELFCHECK_CANCEL),
                ],
                RETURN_COMMENT: [MessageHandler(TEXT, receive_return_comment)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="self_checks",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        # a bare /selfcheck is the guided form's (registered before this module)
        CommandHandler("selfcheck", ASK.preview()),
        *ASK.handlers(with_command=False),
        *menu.triggers("selfchecks", list_reports),
        CallbackQueryHandler(list_reports, pattern=SELFCHECKS_PAGE),
        *menu.triggers("mychecks", my_reports),
        CallbackQueryHandler(view, pattern=SELFCHECK_VIEW),
        CallbackQueryHandler(approve, pattern=SELFCHECK_APPROVE),
        CallbackQueryHandler(list_named_problems, pattern=SELFCHECK_LIST),
    ]
