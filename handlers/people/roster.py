"""The office keeps the roster from chat: /roster takes a CSV or an Excel file, shows what would
change and why, and applies it on confirmation (a second one, in red, when the import would lock
people out). /invite is handlers/people/invite.py.

The import conversation is persistent: an office member who sent /roster before a restart can
send the file after it.
"""

from __future__ import annotations

import html
import logging
import secrets
from dataclasses import astuple

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

from callbacks import ROSTER_ANSWER, ROSTER_APPLY, ROSTER_CANCEL, ROSTER_RISKY
from handlers import conversations, menu, typed_choice
from handlers.access import (
    database,
    language,
    person_of,
    refuse,
    reply,
    requires,
    role_names,
    send_lines,
)
from handlers.uploads import download
from jobs import institutions
from storage import roster
from storage.csv_files import FileRejected
from storage.people import OFFICE
from storage.roster import Question, RiskyImport, RosterChanges, RosterError
from texts import CATALOGS, DEFAULT, say
from texts.fit import TEXT_LIMIT, shorten

log = logging.getLogger(__name__)

WAITING_FILE, CONFIRMING, CONFIRMING_RISK = conversations.states("roster_import")
MAX_ROSTER_BYTES = 2 * 1024 * 1024
NAMES_SHOWN = 20  # office members named in a risk warning
# People listed by name under each kind of change in the chat preview (a hospital's whole
# roster); past it the rest are counted. The preview is split into messages, never cut.
PREVIEW_NAMES = 400
DEPARTMENTS_A_LINE = 10
QUESTIONS_A_MESSAGE = 10  # each with two buttons: 20 buttons a message, far under Telegram's 100
# Past this many questions the file is not the roster with a few names or departments written
# anew; ten messages of questions is as many as an office answers one by one.
MAX_QUESTIONS = 100
# The file types a table is accepted in, wherever one is (roster, findings, calendar); .xls is
# taken to tell the office how to save it again (storage/csv_files.py).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


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
    name, _, other = detail.rpartition(":")  # a duplicate: the key and the line it is on first
    reason = say(lang, reason_key, detail=detail, name=name, other=other)
    return say(lang, f"{family}.error", where=where, reason=reason)


def _edit_line(lang: str, edit) -> str:
    before, after = edit.before, edit.after
    if edit.field == "roles":
        before, after = role_names(lang, before.split()), role_names(lang, after.split())
    return say(lang, f"roster.edit.{edit.field}", name=edit.person, before=before, after=after)


def _listed(lang: str, lines: list[str]) -> list[str]:
    shown = lines[:PREVIEW_NAMES]
    more = len(lines) - len(shown)
    return [f"　{line}" for line in shown] + ([say(lang, "roster.more", count=more)] if more else [])


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


def preview_lines(lang: str, rows: int, changes: RosterChanges) -> list[str]:
    """What changes and why, person by person, as lines to send in as many messages as they
    need (handlers.access.send_lines): a hospital's roster does not fit in one."""
    lines = risk_text(lang, changes).split("\n") + [""] if changes.risks else []
    lines.append(say(lang, "roster.preview_title", rows=rows))
    lines.append(say(lang, "roster.count.added", count=len(changes.added)))
    lines += _listed(
        lang,
        [
            say(lang, "roster.added_in", name=name, department=department)
            for name, department in zip(changes.added, changes.added_departments, strict=True)
        ],
    )
    lines.append(say(lang, "roster.count.updated", count=len(changes.updated)))
    lines += _listed(lang, [_edit_line(lang, e) for e in changes.edits])
    lines.append(say(lang, "roster.count.deactivated", count=len(changes.deactivated)))
    lines += _listed(lang, [say(lang, "roster.edit.gone", name=n) for n in changes.deactivated])
    lines.append(say(lang, "roster.count.unchanged", count=changes.unchanged))
    return lines + _departments_lines(lang, changes)


def _departments_lines(lang: str, changes: RosterChanges) -> list[str]:
    """The departments the import creates, and the names the office changed that it still uses."""
    lines = [say(lang, "roster.former_name", old=old, new=new) for old, new in changes.former_names.items()]
    if changes.new_departments:
        counted = [
            say(lang, "roster.department_count", department=d, count=n)
            for d, n in changes.new_departments.items()
        ]
        parts = [
            "、".join(counted[i : i + DEPARTMENTS_A_LINE]) for i in range(0, len(counted), DEPARTMENTS_A_LINE)
        ]
        lines.append(say(lang, "roster.new_departments", departments=parts[0]))
        lines += [f"　{part}" for part in parts[1:]]
    return [""] + lines if lines else []


# ---- the questions only the office can answer (is it the same department, the same person?) ----


def _question_line(lang: str, number: int, question: Question, answer: str | None) -> str:
    if question.kind == "department":
        asked = say(lang, "roster.ask.department", number=number, new=question.new, old=question.old)
    else:
        asked = say(
            lang,
            "roster.ask.person",
            number=number,
            name=question.name,
            department=question.department,
            old=question.old,
            old_department=question.old_department,
        )
    outcome = say(
        lang,
        f"roster.answer.{answer or 'open'}.{question.kind}",
        new=question.new,
        old=question.old,
        name=question.name,
    )
    return asked + "\n" + outcome


def _question_message(
    lang: str, questions: list[Question], answers: list, first: int, token: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The questions from `first` on (QUESTIONS_A_MESSAGE of them), each with 是 / 不是 buttons;
    the chosen one ticked, so that the office sees what it answered and can change it."""
    chunk = range(first, min(first + QUESTIONS_A_MESSAGE, len(questions)))
    text = "\n\n".join(_question_line(lang, i + 1, questions[i], answers[i]) for i in chunk)
    rows = []
    for i in chunk:
        row = []
        for answer in ("same", "apart"):
            label = say(lang, f"roster.btn.{answer}", number=i + 1)
            row.append(
                InlineKeyboardButton(
                    ("👉 " if answers[i] == answer else "") + label,
                    callback_data=ROSTER_ANSWER.data(i, answer, token),
                )
            )
        rows.append(row)
    return shorten(text, TEXT_LIMIT), InlineKeyboardMarkup(rows)


def _stored_questions(questions: list[Question]) -> list[list]:
    """The questions as kept between steps (the persistence writes JSON)."""
    return [list(astuple(q)) for q in questions]


async def _send_questions(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    questions: list[Question],
    answers: list,
    only: set[int],
) -> None:
    """The question messages holding any of `only` (every one, the first time)."""
    lang, token = language(update, context), context.user_data["roster_token"]
    for first in range(0, len(questions), QUESTIONS_A_MESSAGE):
        if only & set(range(first, first + QUESTIONS_A_MESSAGE)):
            text, markup = _question_message(lang, questions, answers, first, token)
            await context.bot.send_message(
                update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup
            )


def _confirm_buttons(lang: str, token: str) -> InlineKeyboardMarkup:
    """确认 carries the preview's token: the 确认 of an earlier file's preview imports nothing."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=ROSTER_APPLY.data(token)),
                InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=ROSTER_CANCEL.data()),
            ]
        ]
    )


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
    questions = changes.questions
    if len(questions) > MAX_QUESTIONS:  # not a few typos fixed: a different file, or one re-keyed
        await reply(update, context, "roster.too_many_questions", count=len(questions), limit=MAX_QUESTIONS)
        return WAITING_FILE
    # Only the file's id is kept between steps: the file is read again on confirmation. The
    # questions are kept to tell whether the roster changed in between; the answers by number.
    context.user_data["roster_file"] = document.file_id
    context.user_data["roster_questions"] = _stored_questions(questions)
    context.user_data["roster_answers"] = [None] * len(questions)
    context.user_data["roster_token"] = secrets.token_hex(3)
    lines = preview_lines(lang, len(rows), changes)
    if not questions:
        await send_lines(
            context,
            update.effective_chat.id,
            [*lines, "", say(lang, "roster.confirm")],
            _confirm_buttons(lang, context.user_data["roster_token"]),
        )
        return CONFIRMING
    await send_lines(context, update.effective_chat.id, lines)
    await _ask(
        update, context, lang, questions, context.user_data["roster_answers"], set(range(len(questions)))
    )
    return CONFIRMING


async def _ask(update, context, lang: str, questions, answers, which: set[int]) -> None:
    """The questions still to answer, then 确认 under a line of how many there are."""
    await _send_questions(update, context, questions, answers, which)
    await context.bot.send_message(
        update.effective_chat.id,
        say(lang, "roster.confirm_after_questions", count=len(questions)),
        parse_mode="HTML",
        reply_markup=_confirm_buttons(lang, context.user_data["roster_token"]),
    )


@requires(OFFICE)
async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """是 / 不是 to one question: kept, and its message redrawn with the answer ticked."""
    query = update.callback_query
    index, answer, token = ROSTER_ANSWER.parse(query.data)
    stored, answers = context.user_data.get("roster_questions"), context.user_data.get("roster_answers")
    fresh = token == context.user_data.get("roster_token")
    if not fresh or stored is None or answers is None or index >= len(stored):
        await refuse(update, context, "stale_button")
        return CONFIRMING
    answers[index] = answer
    context.user_data["roster_answers"] = answers  # written back: the persistence sees the change
    await query.answer()
    questions = _questions_of(stored)
    first = index - index % QUESTIONS_A_MESSAGE
    text, markup = _question_message(language(update, context), questions, answers, first, token)
    await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    return CONFIRMING


def _questions_of(stored: list[list]) -> list[Question]:
    return [Question(*fields) for fields in stored]


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
async def apply_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The first confirmation; a risky import asks again before anything is written."""
    query = update.callback_query
    risks_confirmed = ROSTER_RISKY(query.data)
    [token] = (ROSTER_RISKY if risks_confirmed else ROSTER_APPLY).parse(query.data)
    if token != context.user_data.get("roster_token"):  # an earlier preview's 确认
        await refuse(update, context, "stale_button")
        return None  # the conversation stays where it is
    await query.answer()
    person = person_of(update, context)
    lang = language(update, context, person)
    rows = await _rows_again(context)
    asked = context.user_data.get("roster_questions") or []
    answers = context.user_data.get("roster_answers") or []
    if rows is not None:
        questions = roster.preview(database(context), rows, person.id).questions
        if _stored_questions(questions) != asked:  # another import in between: ask afresh
            rows = None
    if rows is None:
        _forget(context)
        await query.edit_message_text(say(lang, "roster.changed_meanwhile"))
        return ConversationHandler.END
    open_ones = [i for i, answer in enumerate(answers) if answer is None]
    if open_ones:
        numbers = "、".join(str(i + 1) for i in open_ones[:NAMES_SHOWN])
        await context.bot.send_message(
            update.effective_chat.id,
            say(
                lang,
                "roster.unanswered",
                count=len(open_ones),
                numbers=numbers + ("…" if len(open_ones) > NAMES_SHOWN else ""),
            ),
            parse_mode="HTML",
        )
        await _ask(update, context, lang, questions, answers, set(open_ones))
        return CONFIRMING
    same = {i: answer == "same" for i, answer in enumerate(answers)}
    try:
        changes = roster.apply(
            database(context),
            rows,
            person.id,
            risks_confirmed=risks_confirmed,
            answers=roster.answered(questions, same),
        )
    except RiskyImport as risky:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "roster.btn.risky", count=len(risky.changes.deactivated)),
                        callback_data=ROSTER_RISKY.data(token),
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
    _forget(context)
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


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    for key in ("roster_file", "roster_questions", "roster_answers", "roster_token"):
        context.user_data.pop(key, None)


@requires(OFFICE)
async def cancel_import(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _forget(context)
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
                CallbackQueryHandler(answer_question, pattern=ROSTER_ANSWER),
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
