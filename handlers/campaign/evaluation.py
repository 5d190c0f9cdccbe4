"""Democratic evaluation (民主评议) in chat.

Office: `/newsheet 标题 | 评议对象 | 截止时间 | 参评人员` opens a sheet and invites the raters;
`/sheets` shows turnout and, once a sheet has closed, its results, with buttons to publish them
and to put a flagged subject on the problem list.
Raters: one subject at a time, one tap per item (or "不了解，跳过"), a review screen, submit.
The ratings in progress live only in memory (like opinion drafts), never in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

import callbacks
from callbacks import (
    EVALUATION_FLAG,
    EVALUATION_FLAG_PAGE,
    EVALUATION_GRADE,
    EVALUATION_PUBLISH,
    EVALUATION_PUBLISH_CANCEL,
    EVALUATION_PUBLISH_CONFIRM,
    EVALUATION_REDO,
    EVALUATION_RESULTS,
    EVALUATION_REVIEW_PAGE,
    EVALUATION_SKIP,
    EVALUATION_START,
    EVALUATION_SUBMIT,
    EVALUATION_VIEW,
    EVALUATION_VIEW_PAGE,
    EVALUATION_VIEWER_TOGGLE,
    EVALUATION_VIEWERS,
    EVALUATION_VIEWERS_PAGE,
    LEDGER_DETAIL,
    SHEET_SEND,
    SHEETS_PAGE,
    VIEWER_SHEETS_PAGE,
)
from documents import slip_sheet
from documents.invitation_sheet import deep_link
from handlers import confirmations, conversations, menu
from handlers.access import (
    MEMBERS,
    SLIP_HOLDER,
    current_person,
    database,
    language,
    person_of,
    quoted,
    refuse,
    refuse_stranger,
    reply,
    requires,
    send_lines,
    services,
    settings,
)
from handlers.pages import PICKER_SIZE, picker_note, picker_page, send_items, turn_row
from handlers.problems.actions import tell_error
from handlers.problems.listing import leader_picker, leaders_for
from handlers.reports import ledger
from handlers.supervision import oversight as supervision
from handlers.typed_choice import TYPED_ANSWER_KEPT
from jobs import delivery, forgetting, institutions, notices
from jobs import evaluations as evaluation_job
from storage import appraisals, evaluations, people, phrasings, roster
from storage.clock import clock
from storage.dates import parse_deadline
from storage.evaluations import EvaluationError, Subject
from storage.people import HEAD, LEADER, OFFICE
from storage.problems import ProblemError
from texts import Raw, say
from texts.fit import TEXT_LIMIT, shorten, units

SEPARATORS = re.compile(r"[、,，;；\s]+")
ALL_LEADERS = {"班子成员", "领导班子", "班子成員", "leaders"}
ALL_HEADS = {"科室负责人", "科室負責人", "heads"}
ALL_DEPARTMENTS = {"全部科室", "各科室", "所有科室", "departments"}
EVERYONE = {"", "全体", "全體", "全部", "everyone", "all"}


# ---- creating a sheet ------------------------------------------------------------------------


class SheetInputError(Exception):
    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.key, self.values = key, values
        self.part: int | None = None  # which part of the one-liner, counted from 1


def subjects_named(db, typed: str) -> list[Subject]:
    everyone = people.everyone(db)
    departments = people.departments(db)
    found: list[Subject] = []
    for word in (w for w in SEPARATORS.split(typed) if w):
        if word in ALL_LEADERS | ALL_HEADS:
            role = LEADER if word in ALL_LEADERS else HEAD
            found += [
                Subject(0, f"{p.name}（{p.department}）", person_id=p.id) for p in everyone if role in p.roles
            ]
        elif word in ALL_DEPARTMENTS:
            found += [Subject(0, name, department_id=people.department_id(db, name)) for name in departments]
        elif word in departments:
            found.append(Subject(0, word, department_id=people.department_id(db, word)))
        else:
            person = next((p for p in everyone if p.name == word), None)
            if person is None:
                raise SheetInputError("evaluation.unknown_subject", word=quoted(word))
            found.append(Subject(0, f"{person.name}（{person.department}）", person_id=person.id))
    if not found:
        raise SheetInputError("evaluation.usage")
    unique = {(s.person_id, s.department_id): s for s in found}
    return list(unique.values())


def closing_time(typed: str, zone, now: datetime) -> datetime:
    """A day closes at 17:30 (月底前, 下周五, 7天); a day and a time as typed (2026-12-11 17:30,
    12月11日 下午5点半), through storage.phrasings."""
    local = now.astimezone(zone)
    day = parse_deadline(typed, local.date())
    closes = datetime.combine(day, time(17, 30), tzinfo=zone) if day else phrasings.parse_moment(typed, local)
    if closes is None or closes <= now:
        raise SheetInputError("evaluation.bad_close", text=quoted(typed))
    return closes


def raters_named(db, typed: str) -> tuple[frozenset[str], frozenset[str]]:
    roles, departments = set(), set()
    known = set(people.departments(db))
    for word in (w for w in SEPARATORS.split(typed) if w and w not in EVERYONE):
        role = people.role_for_word(word)
        if role:
            roles.add(role)
        elif word in known:
            departments.add(word)
        else:
            raise SheetInputError("evaluation.unknown_rater", word=quoted(word))
    return frozenset(roles), frozenset(departments)


def _parse_sheet(db, config, text: str) -> tuple[list[str], list[Subject], datetime, frozenset, frozenset]:
    parts = [p.strip() for p in re.split(r"[|｜]", text.partition(" ")[2])]
    if len(parts) < 3 or not parts[0]:
        raise SheetInputError("evaluation.usage")
    if len(parts[0]) > evaluations.MAX_TITLE:  # as the guided form: it heads every rater's screen
        error = SheetInputError("evaluation.title_length", limit=evaluations.MAX_TITLE)
        error.part = 1
        raise error
    readers = (
        (2, lambda: subjects_named(db, parts[1])),
        (3, lambda: closing_time(parts[2], config.timezone, clock.now())),
        (4, lambda: raters_named(db, parts[3] if len(parts) > 3 else "")),
    )
    read = []
    for number, reader in readers:
        try:
            read.append(reader())
        except SheetInputError as error:
            error.part = number
            raise
    subjects, closes, (roles, departments) = read
    return parts, subjects, closes, roles, departments


@requires(OFFICE)
async def new_sheet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sheet goes to many people at once, typos and all: show what will be sent and to how
    many, and send it only on confirmation."""
    db, config = database(context), settings(context)
    text = update.effective_message.text
    try:
        parts, subjects, closes, roles, departments = _parse_sheet(db, config, text)
    except SheetInputError as error:
        if error.part is None or error.key == "evaluation.usage":
            await reply(update, context, error.key, **error.values)
        else:
            await reply(
                update,
                context,
                "oneliner.part",
                number=error.part,
                why=Raw(say(language(update, context), error.key, **error.values)),
            )
        return
    preview = evaluations.Sheet(
        0,
        parts[0],
        evaluations.DEFAULT_ITEMS,
        evaluations.DEFAULT_GRADES,
        roles,
        departments,
        clock.now(),
        closes,
        False,
        False,
        tuple(subjects),
    )
    count = len(evaluations.eligible(db, preview))
    context.user_data["new_sheet"] = text
    lang = language(update, context)
    names = "、".join(s.name for s in subjects[:20]) + ("…" if len(subjects) > 20 else "")
    await reply(
        update,
        context,
        "evaluation.preview",
        title=parts[0],
        subjects=len(subjects),
        names=names,
        closes=closes.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M"),
        count=count,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "evaluation.btn.send"), callback_data=SHEET_SEND.data("ok")
                    ),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=SHEET_SEND.data("no")),
                ]
            ]
        ),
    )


async def open_sheet(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    title: str,
    subjects: list[Subject],
    closes: datetime,
    roles: frozenset[str],
    departments: frozenset[str],
) -> None:
    """The sheet opened and its raters invited, after the guided form's own preview and
    confirmation (handlers/campaign/sheet_form.py)."""
    db, config = database(context), settings(context)
    sheet_id = evaluations.create(
        db,
        title,
        subjects,
        closes,
        roles=roles,
        departments=departments,
        created_by=person_of(update, context).id,
    )
    invited = evaluation_job.invite(context.application, evaluations.get(db, sheet_id))
    await reply(
        update,
        context,
        "evaluation.created",
        id=sheet_id,
        title=title,
        subjects=len(subjects),
        count=invited,
        closes=closes.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M"),
    )


@requires(OFFICE)
async def confirm_sheet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = context.user_data.pop("new_sheet", None)
    lang = language(update, context)
    if text is None:  # pressed twice, or an old preview: nothing to send
        await refuse(update, context, "stale_button")
        return
    await update.callback_query.answer()
    if SHEET_SEND.parse(update.callback_query.data) != ("ok",):
        await update.callback_query.edit_message_text(say(lang, "cancelled"))
        return
    db, config = database(context), settings(context)
    try:
        parts, subjects, closes, roles, departments = _parse_sheet(db, config, text)
    except SheetInputError as error:  # e.g. the closing time passed while the preview waited
        await context.bot.send_message(
            update.effective_chat.id, say(lang, error.key, **error.values), parse_mode="HTML"
        )
        return
    sheet_id = evaluations.create(
        db,
        parts[0],
        subjects,
        closes,
        roles=roles,
        departments=departments,
        created_by=person_of(update, context).id,
    )
    invited = evaluation_job.invite(context.application, evaluations.get(db, sheet_id))
    await update.callback_query.edit_message_text(
        say(
            lang,
            "evaluation.created",
            id=sheet_id,
            title=parts[0],
            subjects=len(subjects),
            count=invited,
            closes=closes.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M"),
        ),
        parse_mode="HTML",
    )


# ---- rating ----------------------------------------------------------------------------------


@dataclass
class Rating:
    """One person's ratings in progress: in memory only."""

    sheet_id: int
    subjects: list[int]
    subject: int = 0  # index into subjects
    item: int = 0
    grades: dict[int, dict[int, int] | None] = field(default_factory=dict)
    slip: str | None = None  # rating with a one-time slip (评议票) rather than as a person
    # the message the rating took over (an invitation, the /evaluate list) as it was, HTML and
    # buttons: put back on 提交, so that a rater's chat reads as everyone's (see _submit)
    before: tuple[str, InlineKeyboardMarkup | None] | None = None
    screen: int | None = None  # that message's id (or the screen's own, begun by typing)
    review_page: int = 1  # the page of the review before 提交 (a long sheet's has several)


def ratings(context: ContextTypes.DEFAULT_TYPE) -> dict[int, Rating]:
    return services(context).evaluation_ratings


async def cancel_rating(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/cancel in the middle of a rating (which is no conversation: its screens are buttons):
    the choices so far are dropped and the rater told how to come back. False when nobody's
    rating was in progress."""
    rating = ratings(context).pop(update.effective_user.id, None) if update.effective_user else None
    if rating is None:
        return False
    sheet = evaluations.get(database(context), rating.sheet_id)
    await _put_back(context, update.effective_chat.id, rating)  # the invitation, to start again from
    key = "evaluation.cancelled_slip" if rating.slip else "evaluation.cancelled"
    said = await reply(update, context, key, title=sheet.title if sheet else "")
    # 已退出 would say, for good, that she had not rated (then): it leaves as a typed vote's answer
    gone = [update.effective_message.message_id, said]
    forgetting.forget_later(context.application, update.effective_chat.id, gone, after=TYPED_ANSWER_KEPT)
    return True


def _screen(lang: str, sheet: evaluations.Sheet, rating: Rating) -> tuple[str, InlineKeyboardMarkup]:
    if rating.subject >= len(rating.subjects):
        return _review(lang, sheet, rating)
    position = rating.subjects[rating.subject]
    subject = sheet.subjects[position]
    chosen = rating.grades.get(position) or {}
    text = say(
        lang,
        "evaluation.screen",
        title=sheet.title,
        number=rating.subject + 1,
        total=len(rating.subjects),
        subject=subject.name,
        item_number=rating.item + 1,
        items=len(sheet.items),
        item=sheet.items[rating.item],
        chosen="\n" + by_item(sheet, chosen) if chosen else "—",
    )
    buttons = [
        [
            InlineKeyboardButton(
                grade, callback_data=EVALUATION_GRADE.data(sheet.id, rating.subject, rating.item, g)
            )
            for g, grade in enumerate(sheet.grades)
        ],
        [
            InlineKeyboardButton(
                say(lang, "evaluation.btn.skip"), callback_data=EVALUATION_SKIP.data(sheet.id, rating.subject)
            )
        ],
    ]
    return text, InlineKeyboardMarkup(buttons)


REVIEW_PAGE_SUBJECTS = 10  # subjects on a page of the review: about two screens of a phone
SHORT_ITEM_UNITS = 6  # an item with no short name, as the review names it
ITEMS_PER_LINE = 2
ITEM_NOTE = re.compile(r"[（(：:]")  # where an item's name ends and a note on it begins
# a value in the review, cut before it is escaped, so that a page has room for one subject
# whatever it is: a whole name, 名字（科室）, is at most 2 × 50 + 2 characters (roster.MAX_NAME),
# twice as many units in emoji; a cut one would name nobody
SUBJECT_UNITS, GRADES_UNITS = 2 * (2 * roster.MAX_NAME + 2), 400


def item_names(sheet: evaluations.Sheet) -> list[str]:
    """Each item as the review names it: its short name (党建重视 for 对党建工作重视程度), or the
    name itself cut to a few characters; numbered when two would read alike."""
    names = [evaluations.SHORT_ITEMS.get(item) or _short(item) for item in sheet.items]
    if len(set(names)) < len(names):
        names = [f"{n}.{name}" for n, name in enumerate(names, 1)]
    return names


def _short(item: str) -> str:
    """服务态度 for 服务态度（含窗口、电话）: the words before a note, cut to a few characters."""
    return shorten(ITEM_NOTE.split(item, 1)[0].strip() or item, SHORT_ITEM_UNITS)


def _graded(lang: str, sheet: evaluations.Sheet, grades: dict[int, int] | None) -> Raw:
    """One subject's grades, each after its item (by_item); 5 项均为“较好” when alike, 不了解（弃权）
    when skipped. Grades without their items (较好、较好、一般) could not be checked."""
    if grades is None:
        return Raw(say(lang, "evaluation.abstained"))
    given = {sheet.grades[g] for g in grades.values()}
    if len(grades) == len(sheet.items) > 1 and len(given) == 1:
        return Raw(say(lang, "evaluation.review_alike", count=len(grades), grade=given.pop()))
    listed = "\n" + by_item(sheet, grades)
    return Raw(html.escape(shorten(listed, GRADES_UNITS), quote=False))


def by_item(sheet: evaluations.Sheet, grades: dict[int, int]) -> str:
    """Each grade after its item, two to an indented line: 党建重视 好　党建成效 较好. A phone's line
    holds two; five in a row wrapped wherever the line ended, mid-item (总\n体评价 好)."""
    names = item_names(sheet)
    pairs = [f"{names[i]} {sheet.grades[g]}" for i, g in sorted(grades.items())]
    rows = ("　".join(pairs[n : n + ITEMS_PER_LINE]) for n in range(0, len(pairs), ITEMS_PER_LINE))
    return "\n".join(f"　{row}" for row in rows)


def _review_lines(lang: str, sheet: evaluations.Sheet, rating: Rating) -> list[str]:
    """A line for every subject the rater was given, in the order rated."""
    return [
        say(
            lang,
            "evaluation.review_line",
            subject=shorten(sheet.subjects[position].name, SUBJECT_UNITS),
            grades=_graded(lang, sheet, rating.grades.get(position)),
        )
        for position in rating.subjects
    ]


def _review_head(lang: str, sheet: evaluations.Sheet) -> str:
    return say(lang, "evaluation.review", title=shorten(sheet.title, evaluations.MAX_TITLE))


def _review_pages(lang: str, sheet: evaluations.Sheet, rating: Rating) -> list[list[str]]:
    """The subjects' lines in pages of at most REVIEW_PAGE_SUBJECTS that each fit a message with
    the head, the page's number and how many follow (at their widest)."""
    lines = _review_lines(lang, sheet, rating)
    most = len(lines)
    frame = [
        _review_head(lang, sheet),
        say(lang, "evaluation.review_page", page=most, pages=most, first=most, last=most, total=most),
        say(lang, "evaluation.review_more", more=most),
    ]
    room = TEXT_LIMIT - units("\n".join(frame))
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        width = units(line) + 1
        if pages[-1] and (len(pages[-1]) >= REVIEW_PAGE_SUBJECTS or used + width > room):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += width
    return pages


def _review(lang: str, sheet: evaluations.Sheet, rating: Rating) -> tuple[str, InlineKeyboardMarkup]:
    """Every grade with its item, a page at a time when the sheet is long: which page, which
    subjects, and how many follow, so that no subject she rated is out of sight unsaid."""
    pages = _review_pages(lang, sheet, rating)
    page = min(rating.review_page, len(pages))
    shown = pages[page - 1]
    first = sum(len(p) for p in pages[: page - 1]) + 1
    last = first + len(shown) - 1
    lines = [_review_head(lang, sheet)]
    if len(pages) > 1:
        total = len(rating.subjects)
        lines.append(
            say(
                lang,
                "evaluation.review_page",
                page=page,
                pages=len(pages),
                first=first,
                last=last,
                total=total,
            )
        )
    lines += shown
    if last < len(rating.subjects):
        lines.append(say(lang, "evaluation.review_more", more=len(rating.subjects) - last))
    buttons = [
        [
            InlineKeyboardButton(
                say(lang, "evaluation.btn.submit"), callback_data=EVALUATION_SUBMIT.data(sheet.id)
            ),
            InlineKeyboardButton(
                say(lang, "evaluation.btn.redo"), callback_data=EVALUATION_REDO.data(sheet.id)
            ),
        ]
    ]
    if turn := turn_row(lang, len(pages), page, EVALUATION_REVIEW_PAGE, sheet.id, size=1):
        buttons.insert(0, turn)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _show(
    update: Update, context: ContextTypes.DEFAULT_TYPE, sheet, rating: Rating, edit: bool
) -> None:
    """The next screen first, then the answer that stops the button's spinner: by the time the
    phone stops waiting, the next question is there."""
    text, markup = _screen(language(update, context), sheet, rating)
    if edit and update.callback_query:
        await update.callback_query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    else:
        sent = await context.bot.send_message(
            update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup
        )
        rating.screen = sent.message_id
    if update.callback_query:
        await update.callback_query.answer()


async def _put_back(context: ContextTypes.DEFAULT_TYPE, chat_id: int, rating: Rating) -> None:
    """The message the rating took over, as it was; a screen of its own (开始评议 typed) deleted.
    Left as it was, a screen shows the grades so far (已评：…) and that she was rating, to
    whoever copies chats with the bot's token (tests/test_forensic_questionnaires.py)."""
    if rating.screen is None:
        return
    if rating.before is None:
        await forgetting.forget_now(context.application, chat_id, [rating.screen])
        return
    text, markup = rating.before
    with contextlib.suppress(BadRequest):  # deleted by the person: nothing to put back
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=rating.screen, parse_mode="HTML", reply_markup=markup
        )


def _invitation(
    update: Update, context: ContextTypes.DEFAULT_TYPE, sheet: evaluations.Sheet
) -> tuple[str, InlineKeyboardMarkup]:
    """The invitation as jobs/evaluations sends it: what a screen a restart left is put back to
    (which message it took over, the invitation, a reminder or /evaluate's list, was in memory)."""
    lang = language(update, context)
    closes = sheet.closes_at.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M")
    text = notices.fitted(
        lang, "evaluation.invite", title=sheet.title, count=len(sheet.subjects), closes=closes
    )
    start = InlineKeyboardButton(
        say(lang, "evaluation.btn.start"), callback_data=EVALUATION_START.data(sheet.id)
    )
    return text, InlineKeyboardMarkup([[start]])


async def _put_back_forgotten(update: Update, context: ContextTypes.DEFAULT_TYPE, sheet_id: int) -> None:
    """A screen pressed with no rating in memory for it (a restart forgot it, or another sheet's
    rating began since): back to how it came, the invitation, or a slip's welcome for a holder
    (a screen 提交 put back is pressed again: 'not modified', taken as done)."""
    sheet = evaluations.get(database(context), sheet_id)
    if sheet is None or update.callback_query.message is None:
        return
    if current_person(update, context) is None:
        fresh = Rating(sheet.id, [s.position for s in sheet.subjects])
        before = _slip_first_screen(update, context, sheet, fresh)
    else:
        before = _invitation(update, context, sheet)
    screen = update.callback_query.message.message_id
    await _put_back(context, update.effective_chat.id, Rating(sheet.id, [], before=before, screen=screen))


def _sheet_for_rater(
    update: Update, context: ContextTypes.DEFAULT_TYPE, sheet_id: int, slip: str | None = None
):
    """The sheet if this person (or this slip) may rate it now, else the catalog key saying
    why not."""
    if slip is not None:
        try:
            sheet = evaluations.slip_sheet(database(context), slip, _keys(context))
        except EvaluationError as error:
            return None, f"evaluation.{error.reason}"
        return (sheet, None) if sheet.id == sheet_id else (None, "evaluation.lost")
    sheet = evaluations.get(database(context), sheet_id)
    person = person_of(update, context)
    if sheet is None or not sheet.is_open(clock.now()):
        return None, "evaluation.closed"
    if not sheet.may_rate(person):
        return None, "evaluation.not_invited"
    if evaluations.has_rated(database(context), sheet_id, person.id):
        return None, "evaluation.already"
    return sheet, None


async def start_rating(update: Update, context: ContextTypes.DEFAULT_TYPE, sheet_id: int) -> None:
    if current_person(update, context) is None:  # a slip holder pressing an invitation's button
        await refuse_stranger(update, context)
        return
    sheet, refusal = _sheet_for_rater(update, context, sheet_id)
    if sheet is None:
        await refuse(update, context, refusal)  # under a button, a pop-up: 已经参加过 in her chat
        return  # would tell whoever copies chats with the bot's token that she has rated
    person = person_of(update, context)
    rating = Rating(sheet.id, [s.position for s in sheet.subjects_for(person)], before=_as_it_was(update))
    if rating.before is not None:
        rating.screen = update.callback_query.message.message_id
    ratings(context)[update.effective_user.id] = rating
    conversations.set_aside_kept_steps(update, context)  # a grade typed is the rating's
    await _show(update, context, sheet, rating, edit=rating.before is not None)


def _as_it_was(update: Update) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The pressed message (the invitation to rate, the /evaluate list), to put back on 提交."""
    message = update.callback_query.message if update.callback_query else None
    if message is None or not getattr(message, "text", None):
        return None
    return message.text_html, message.reply_markup


def _keys(context: ContextTypes.DEFAULT_TYPE):
    return services(context).keys


slip_code = evaluations.slip_code


async def start_slip(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> None:
    """A rating slip's link (handlers/people/start.py hands it over): whoever holds the slip rates
    every subject once, on or off the roster; the ballot counts in the slips' own group."""
    code = slip_code(payload)
    try:
        if code is None:
            raise EvaluationError("slip_unknown")
        sheet = evaluations.slip_sheet(database(context), code, _keys(context))
    except EvaluationError as error:
        institutions.rating_with_slip(context.application, update.effective_user.id, None)
        said = await reply(update, context, f"evaluation.{error.reason}")
        # typed, the link has no press to answer in a pop-up: the link and 已经用过了 leave the
        # chat after a while, as a typed vote's answer does, or they would say she rated
        gone = [update.effective_message.message_id, said]
        forgetting.forget_later(context.application, update.effective_chat.id, gone, after=TYPED_ANSWER_KEPT)
        return
    rating = Rating(sheet.id, [s.position for s in sheet.subjects], slip=code)
    rating.before = _slip_first_screen(update, context, sheet, rating)
    ratings(context)[update.effective_user.id] = rating
    conversations.set_aside_kept_steps(update, context)
    text, markup = rating.before
    sent = await context.bot.send_message(
        update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup
    )
    rating.screen = sent.message_id


def _slip_first_screen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, sheet: evaluations.Sheet, rating: Rating
) -> tuple[str, InlineKeyboardMarkup]:
    """The welcome and the first subject in one message, which the rating then takes over and
    提交 puts back: the chat of a holder who rated reads as that of one who scanned and left
    (a welcome of its own, and a screen ending on 已提交, named who rated)."""
    lang = language(update, context)
    key = "appraisal.slip_welcome" if appraisals.is_panel_sheet(sheet) else "evaluation.slip_welcome"
    welcome = say(
        lang, key, title=sheet.title, subjects=len(sheet.subjects), k=settings(context).anonymity_set
    )
    text, markup = _screen(lang, sheet, rating)
    return f"{welcome}\n\n{text}", markup


@requires(*MEMBERS, SLIP_HOLDER)
async def rate_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    button, numbers = RATING_BUTTONS.parse(update.callback_query.data)
    sheet_id = numbers[0]
    rating = ratings(context).get(update.effective_user.id)
    slip = rating.slip if rating is not None else None
    if button is not EVALUATION_START and (rating is None or rating.sheet_id != sheet_id):
        # the screen put back on 提交 pressed again, or one a restart left behind: put back, as
        # it came, and a pop-up; a message would say in her chat that she had rated (or started to)
        await _put_back_forgotten(update, context, sheet_id)
    if current_person(update, context) is None and slip is None:
        await _refuse_stranger_or_holder(update, context, button, sheet_id)
        return
    if button is EVALUATION_START:
        await start_rating(update, context, sheet_id)
        return
    if rating is None or rating.sheet_id != sheet_id:
        await refuse(update, context, "evaluation.no_rating")
        return
    sheet, refusal = _sheet_for_rater(update, context, sheet_id, slip)
    if sheet is None:  # closed while she rated: the screen put back, told in a pop-up
        ratings(context).pop(update.effective_user.id, None)
        await _put_back(context, update.effective_chat.id, rating)
        await refuse(update, context, refusal)
        return
    await RATING_STEPS[button.name](update, context, sheet, rating, list(numbers[1:]))


async def _refuse_stranger_or_holder(update, context, button, sheet_id: int) -> None:
    """Someone off the roster with no rating in memory: on a sheet that has slips, a holder
    pressing the screen that 提交 put back (or one a restart left), told so in a pop-up."""
    has_slips = evaluations.slip_turnout(database(context), sheet_id)[1] > 0
    if button is not EVALUATION_START and has_slips:
        await refuse(update, context, "evaluation.slip_no_rating")
    else:
        await refuse_stranger(update, context)


async def _grade(update, context, sheet, rating: Rating, numbers: list[int]) -> None:
    if len(numbers) != 3 or numbers[:2] != [rating.subject, rating.item] or numbers[2] >= len(sheet.grades):
        await update.callback_query.answer()  # a second tap on an old screen: nothing to do
        return
    position = rating.subjects[rating.subject]
    rating.grades.setdefault(position, {})
    rating.grades[position][rating.item] = numbers[2]
    rating.item += 1
    if rating.item >= len(sheet.items):
        rating.subject, rating.item = rating.subject + 1, 0
    await _show(update, context, sheet, rating, edit=True)


async def _skip(update, context, sheet, rating: Rating, numbers: list[int]) -> None:
    if numbers != [rating.subject]:
        await update.callback_query.answer()
        return
    rating.grades[rating.subjects[rating.subject]] = None
    rating.subject, rating.item = rating.subject + 1, 0
    await _show(update, context, sheet, rating, edit=True)


async def _redo(update, context, sheet, rating: Rating, numbers: list[int]) -> None:
    rating.subject, rating.item, rating.grades, rating.review_page = 0, 0, {}, 1
    await _show(update, context, sheet, rating, edit=True)


async def _turn_review(update, context, sheet, rating: Rating, numbers: list[int]) -> None:
    """◀ 上一页 / 下一页 ▶ of a long review: the same message, another page."""
    if rating.subject < len(rating.subjects):  # an old review's button, pressed after 重新评
        await update.callback_query.answer()
        return
    rating.review_page = numbers[0]
    await _show(update, context, sheet, rating, edit=True)


async def _submit(update, context, sheet, rating: Rating, numbers: list[int]) -> None:
    if rating.subject < len(rating.subjects):
        await update.callback_query.answer()
        return
    try:
        if rating.slip is not None:
            evaluations.submit_slip(
                database(context), rating.slip, _keys(context), rating.grades, ledger.today(context)
            )
        else:
            evaluations.submit(
                database(context), sheet.id, person_of(update, context), rating.grades, ledger.today(context)
            )
    except EvaluationError as error:  # closed, or rated from another screen: as above
        await _put_back(context, update.effective_chat.id, rating)
        await refuse(update, context, f"evaluation.{error.reason}")
        return
    finally:
        ratings(context).pop(update.effective_user.id, None)
        if rating.slip is not None:  # the slip's unit no longer takes this account's taps
            institutions.rating_with_slip(context.application, update.effective_user.id, None)
    lang, k = language(update, context), settings(context).anonymity_set
    # Thanked in a pop-up, and the message put back as it was: edited into 已提交 it told whoever
    # copies chats with the token who had rated, and so whose ballot the close writes alone when
    # fewer than k wait (tests/test_forensic_attacks.py; a slip's, tests/test_forensic_chats.py).
    # No title in it: the pop-up stands over the invitation put back, which names the sheet, and
    # a title made it long enough to be cut mid-sentence (an alert is plain text: & read &amp;).
    key = "evaluation.submitted_slip" if rating.slip is not None else "evaluation.submitted"
    await update.callback_query.answer(say(lang, key, k=k), show_alert=True)
    rating.screen = update.callback_query.message.message_id  # (the one pressed: it is the screen)
    await _put_back(context, update.effective_chat.id, rating)  # 开始评议 typed: the screen goes


RATING_STEPS = {
    EVALUATION_GRADE.name: _grade,
    EVALUATION_SKIP.name: _skip,
    EVALUATION_REDO.name: _redo,
    EVALUATION_REVIEW_PAGE.name: _turn_review,
    EVALUATION_SUBMIT.name: _submit,
}
RATING_BUTTONS = callbacks.family("ev")


@requires(*MEMBERS)
async def my_sheets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, person, now = database(context), person_of(update, context), clock.now()
    lang = language(update, context)
    # rated ones too: a list without them, in her chat, would say she has rated (a rated one's
    # button answers so in a pop-up)
    waiting = [s for s in evaluations.open_sheets(db) if s.is_open(now) and s.may_rate(person)]
    if not waiting:
        await reply(update, context, "evaluation.none")
        return
    buttons = [
        [InlineKeyboardButton(f"📝 {s.title}", callback_data=EVALUATION_START.data(s.id))] for s in waiting
    ]
    await context.bot.send_message(
        update.effective_chat.id, say(lang, "evaluation.choose"), reply_markup=InlineKeyboardMarkup(buttons)
    )


# ---- the office: turnout, results, publishing, flags ----------------------------------------


@requires(OFFICE)
async def issue_slips(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/slips 评议编号 张数: one-time rating slips for service users' representatives and
    监督员, as a PDF to print and cut (12 to an A4 page). The codes are on the paper only."""
    words = (update.effective_message.text or "").split()[1:]
    sheet_id = callbacks.read_id(words[0]) if words else None
    count = callbacks.read_id(words[1], evaluations.MAX_SLIPS) if len(words) > 1 else None
    if sheet_id is None or count is None:
        await reply(update, context, "evaluation.slips_usage", limit=evaluations.MAX_SLIPS)
        return
    try:
        codes = evaluations.issue_slips(
            database(context), sheet_id, count, _keys(context), person_of(update, context).id
        )
    except EvaluationError as error:
        await reply(update, context, f"evaluation.{error.reason}", limit=evaluations.MAX_SLIPS)
        return
    lang = language(update, context)
    sheet = evaluations.get(database(context), sheet_id)
    links = [deep_link(context.bot.username, evaluations.SLIP_PREFIX + code) for code in codes]
    # in the institution's language, as the poster: the slips go to service users, not the office
    config = settings(context)
    text = slip_sheet.slip_text(config.default_language, sheet.title, config.institution)
    content = await asyncio.to_thread(slip_sheet.slips_pdf, links, text)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(io.BytesIO(content), filename=say(lang, "evaluation.slip.file", id=sheet_id, count=count)),
    )
    delegates = appraisals.is_panel_sheet(sheet)  # the body's 述职评议: invited delegates, often far away
    await reply(
        update,
        context,
        "appraisal.slips_issued" if delegates else "evaluation.slips_issued",
        id=sheet_id,
        title=sheet.title,
        count=count,
        pages=-(-count // slip_sheet.PER_PAGE),
        min=settings(context).evaluation_min_ballots,
    )
    if delegates:  # each link to forward to one delegate, as well as its QR code on paper
        lines = [say(lang, "appraisal.slip_link", n=n, link=link) for n, link in enumerate(links, 1)]
        await send_lines(context, update.effective_chat.id, lines)


SHEETS_SHOWN = 10  # rating sheets on a page of /sheets, the newest first


@requires(OFFICE, LEADER)
async def office_sheets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang, config = database(context), language(update, context), settings(context)
    if OFFICE not in person_of(update, context).roles:
        await _viewer_sheets(update, context)
        return
    sheets = evaluations.all_sheets(db)
    if not sheets:
        await reply(update, context, "evaluation.no_sheets")
        return

    async def send_sheet(sheet: evaluations.Sheet) -> None:
        voted, eligible = evaluation_job.turnout(context.application, sheet)
        text = say(
            lang,
            "evaluation.sheet_line",
            id=sheet.id,
            title=sheet.title,
            voted=voted,
            eligible=eligible,
            closes=sheet.closes_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M"),
            state=say(lang, "evaluation.state.closed" if sheet.concluded else "evaluation.state.open"),
        )
        buttons = (
            [
                [
                    InlineKeyboardButton(
                        say(lang, "evaluation.btn.results"), callback_data=EVALUATION_RESULTS.data(sheet.id)
                    )
                ]
            ]
            if sheet.concluded
            else []
        )
        buttons.append(
            [
                InlineKeyboardButton(
                    say(lang, "evaluation.btn.viewers"), callback_data=EVALUATION_VIEWERS.data(sheet.id)
                )
            ]
        )
        await context.bot.send_message(
            update.effective_chat.id, text, parse_mode="HTML", reply_markup=InlineKeyboardMarkup(buttons)
        )

    await send_items(update, context, sheets, lambda s: s.id, send_sheet, SHEETS_PAGE, SHEETS_SHOWN)


@requires(OFFICE)
async def results_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    button, numbers = RESULT_BUTTONS.parse(update.callback_query.data)
    sheet = evaluations.get(database(context), numbers[0])
    if sheet is None or not sheet.concluded:
        await refuse(update, context, "stale_button")
        return
    await RESULT_STEPS[button.name](update, context, sheet, list(numbers[1:]))


def _results_markup(lang: str, sheet, found: list, page: int) -> InlineKeyboardMarkup | None:
    """A page of the flagged subjects not yet on the problem list, each a button (a sheet of
    every department head can flag more than a message holds), and 向全体公布结果."""
    flaggable = [r for r in found if r.flagged and not r.subject.problem_id]
    shown, page = picker_page(flaggable, page)
    # 述职评议: the tap offers a 督办 order to the team's institution, not a problem of the body's
    flag_key = "appraisal.btn.flag" if appraisals.is_panel_sheet(sheet) else "evaluation.btn.flag"
    buttons = [
        [
            InlineKeyboardButton(
                say(lang, flag_key, subject=r.subject.name[:20]),
                callback_data=EVALUATION_FLAG.data(sheet.id, r.subject.position),
            )
        ]
        for r in shown
    ]
    if turn := turn_row(lang, len(flaggable), page, EVALUATION_FLAG_PAGE, sheet.id):
        buttons.append(turn)
    if not sheet.published:
        buttons.append(
            [
                InlineKeyboardButton(
                    say(lang, "evaluation.btn.publish"), callback_data=EVALUATION_PUBLISH.data(sheet.id)
                )
            ]
        )
    return InlineKeyboardMarkup(buttons) if buttons else None


async def _results(update, context, sheet, numbers) -> None:
    lang = language(update, context)
    found = evaluation_job.results(context.application, sheet)
    await update.callback_query.answer()
    slips = evaluation_job.slip_results(context.application, sheet)
    await send_lines(
        context,
        update.effective_chat.id,
        evaluation_job.result_lines(lang, sheet, found, slips),
        _results_markup(lang, sheet, found, 1),
    )


async def _flag_page(update, context, sheet, numbers) -> None:
    """◀ 上一页 / 下一页 ▶ under the flagged subjects: the buttons redrawn in place."""
    found = evaluation_job.results(context.application, sheet)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(
        _results_markup(language(update, context), sheet, found, numbers[0])
    )


async def _publish(update, context, sheet, numbers) -> None:
    """Results are confidential until the office publishes them on purpose: first what will
    happen (to how many, the turnout, which subjects met k and which stay withheld), then 确认."""
    if sheet.published:
        await reply(update, context, "evaluation.published_already")
        return
    lang = language(update, context)
    found = evaluation_job.results(context.application, sheet)
    voted, eligible = evaluation_job.turnout(context.application, sheet)
    shown = [r.subject.name for r in found if r.overall is not None]
    count = len(people.everyone(database(context)))
    estimate = delivery.estimate(settings(context), database(context), count, context.bot.rate_limiter)
    token = confirmations.ask(context, f"results:{sheet.id}")  # 取消 spends it: an old 确认 publishes nothing
    await update.callback_query.answer()
    await reply(
        update,
        context,
        "evaluation.publish_confirm",
        title=sheet.title,
        count=count,
        voted=voted,
        eligible=eligible,
        shown="、".join(shown) or "—",
        withheld=len(found) - len(shown),
        estimate=delivery.estimate_line(lang, estimate),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "btn.confirm"),
                        callback_data=EVALUATION_PUBLISH_CONFIRM.data(sheet.id, token),
                    ),
                    InlineKeyboardButton(
                        say(lang, "btn.cancel"), callback_data=EVALUATION_PUBLISH_CANCEL.data(sheet.id, token)
                    ),
                ]
            ]
        ),
    )


async def _confirm_publish(update, context, sheet, numbers) -> None:
    if sheet.published:
        await refuse(update, context, "evaluation.published_already")
        return
    if not confirmations.take(context, f"results:{sheet.id}", numbers[0]):
        await confirmations.refuse_stale(update, context)
        return
    evaluations.publish(database(context), sheet.id, person_of(update, context).id)
    count = evaluation_job.announce_results(context.application, sheet)
    notices.report_arrival(
        context,
        f"evaluation:{sheet.id}:published:",
        person_of(update, context).id,
        "evaluation.published_report",
        f"evaluation:{sheet.id}:published-report",
        title=sheet.title,
        total=count,
    )
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "evaluation.published", count=count)
    )


async def _cancel_publish(update, context, sheet, numbers) -> None:
    confirmations.forget(context, f"results:{sheet.id}", numbers[0])
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "evaluation.publish_cancelled")
    )


async def _flag(update, context, sheet, numbers) -> None:
    found = {r.subject.position: r for r in evaluation_job.results(context.application, sheet)}
    result = found.get(numbers[0]) if numbers else None
    if result is None or not result.flagged:
        await refuse(update, context, "stale_button")
        return
    if await supervision.flag_institution(update, context, sheet, result):  # 述职评议: a 督办 order
        return
    try:
        problem_id = evaluations.flag_to_problem(
            database(context), sheet, result.subject.position, result.overall, person_of(update, context)
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    # A confidential problem: not on the public ledger, not announced to every leader (the
    # person judged may be one); the office picks who may take it, never the subject.
    leaders = leaders_for(database(context), problem_id)
    lang = language(update, context)
    await reply(
        update,
        context,
        "evaluation.flagged",
        id=problem_id,
        subject=result.subject.name,
        more=Raw(picker_note(lang, len(leaders))),
        reply_markup=leader_picker(lang, problem_id, leaders, 1) if leaders else None,
    )


RESULT_STEPS = {
    EVALUATION_RESULTS.name: _results,
    EVALUATION_PUBLISH.name: _publish,
    EVALUATION_FLAG.name: _flag,
    EVALUATION_FLAG_PAGE.name: _flag_page,
    EVALUATION_PUBLISH_CONFIRM.name: _confirm_publish,
    EVALUATION_PUBLISH_CANCEL.name: _cancel_publish,
}
RESULT_BUTTONS = callbacks.family("er")


# ---- the leaders the office names to see the results ----------------------------------------


def _viewers_screen(db, lang: str, scope: int, page: int = 1) -> tuple[str, InlineKeyboardMarkup]:
    """Every leader as a button, a page at a time, ✅ when named for this sheet (or, scope 0,
    for every sheet)."""
    named = evaluations.named_viewers(db, scope)
    standing = evaluations.named_viewers(db, evaluations.STANDING)
    leaders = people.holding(db, (LEADER,))
    shown, page = picker_page(leaders, page)
    rows = [
        [
            InlineKeyboardButton(
                f"{'✅' if p.id in named else '▫️'} {p.name}（{p.department}）"[:60],
                callback_data=EVALUATION_VIEWER_TOGGLE.data(scope, p.id),
            )
        ]
        for p in shown
    ]
    if turn := turn_row(lang, len(leaders), page, EVALUATION_VIEWERS_PAGE, scope):
        rows.append(turn)
    if scope != evaluations.STANDING:
        rows.append(
            [
                InlineKeyboardButton(
                    say(lang, "evaluation.btn.standing_viewers"),
                    callback_data=EVALUATION_VIEWERS.data(evaluations.STANDING),
                )
            ]
        )
    names = "、".join(p.name for p in leaders if p.id in named) or "—"
    always = "、".join(p.name for p in leaders if p.id in standing) or "—"
    more = Raw(picker_note(lang, len(leaders)))
    if scope == evaluations.STANDING:
        text = say(lang, "evaluation.standing_viewers", names=names, more=more)
    else:
        sheet = evaluations.get(db, scope)
        text = say(lang, "evaluation.viewers", title=sheet.title, names=names, always=always, more=more)
    return shorten(text, TEXT_LIMIT), InlineKeyboardMarkup(rows)


@requires(OFFICE)
async def show_viewers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [scope] = EVALUATION_VIEWERS.parse(update.callback_query.data)
    db = database(context)
    if scope != evaluations.STANDING and evaluations.get(db, scope) is None:
        await refuse(update, context, "stale_button")
        return
    text, markup = _viewers_screen(db, language(update, context), scope)
    await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup)


@requires(OFFICE)
async def turn_viewers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ 上一页 / 下一页 ▶ under the leaders who may see the results: redrawn in place."""
    scope, page = EVALUATION_VIEWERS_PAGE.parse(update.callback_query.data)
    db = database(context)
    if scope != evaluations.STANDING and evaluations.get(db, scope) is None:
        await refuse(update, context, "stale_button")
        return
    text, markup = _viewers_screen(db, language(update, context), scope, page)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)


@requires(OFFICE)
async def toggle_viewer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One tap names a leader (or takes them off); a leader named for a closed sheet is told
    at once that the results are there for them."""
    scope, person_id = EVALUATION_VIEWER_TOGGLE.parse(update.callback_query.data)
    db = database(context)
    chosen = people.by_id(db, person_id)
    sheet = evaluations.get(db, scope) if scope != evaluations.STANDING else None
    if chosen is None or LEADER not in chosen.roles or (scope != evaluations.STANDING and sheet is None):
        await refuse(update, context, "stale_button")
        return
    named = evaluations.toggle_viewer(db, scope, person_id, person_of(update, context).id)
    if named:
        closed = [sheet] if sheet else [s for s in evaluations.all_sheets(db) if s.concluded]
        for each in (s for s in closed if s.concluded):
            evaluation_job.tell_viewers(context.application, each, [chosen])
    # the page the tapped leader is on stays in view
    at = next((n for n, p in enumerate(people.holding(db, (LEADER,))) if p.id == person_id), 0)
    text, markup = _viewers_screen(db, language(update, context), scope, at // PICKER_SIZE + 1)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)


async def _viewer_sheets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    sheets = evaluations.viewed_by(database(context), person_of(update, context))
    if not sheets:
        await reply(update, context, "evaluation.nothing_to_view")
        return
    if update.callback_query is None:
        await reply(update, context, "evaluation.choose_results")

    async def send_sheet(sheet: evaluations.Sheet) -> None:
        button = InlineKeyboardButton(f"📊 {sheet.title}"[:60], callback_data=EVALUATION_VIEW.data(sheet.id))
        await context.bot.send_message(
            update.effective_chat.id,
            html.escape(sheet.title),
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup([[button]]),
        )

    await send_items(update, context, sheets, lambda s: s.id, send_sheet, VIEWER_SHEETS_PAGE, SHEETS_SHOWN)


@requires(LEADER, OFFICE)
async def view_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A leader the office named: the subjects that met k, never their own, and the
    confidential problems flagged from them."""
    [sheet_id] = EVALUATION_VIEW.parse(update.callback_query.data)
    db, viewer = database(context), person_of(update, context)
    sheet = evaluations.get(db, sheet_id)
    if sheet is None or not evaluations.may_view(db, sheet, viewer):
        await refuse(update, context, "evaluation.not_a_viewer")
        return
    lang = language(update, context)
    found = evaluation_job.results_for(context.application, sheet, viewer)
    lines = evaluation_job.result_lines(lang, sheet, found)
    flagged = [r.subject for r in found if r.subject.problem_id]
    lines += [say(lang, "evaluation.confidential_problem", id=s.problem_id, subject=s.name) for s in flagged]
    await update.callback_query.answer()
    await send_lines(context, update.effective_chat.id, lines, _flagged_problems(lang, sheet.id, flagged, 1))


def _flagged_problems(lang: str, sheet_id: int, flagged: list, page: int) -> InlineKeyboardMarkup | None:
    """The confidential problems flagged from a sheet, #id buttons five a row, a page at a time."""
    shown, page = picker_page(flagged, page)
    rows = [
        [
            InlineKeyboardButton(f"#{s.problem_id}", callback_data=LEDGER_DETAIL.data(s.problem_id))
            for s in shown[i : i + 5]
        ]
        for i in range(0, len(shown), 5)
    ]
    if turn := turn_row(lang, len(flagged), page, EVALUATION_VIEW_PAGE, sheet_id):
        rows.append(turn)
    return InlineKeyboardMarkup(rows) if rows else None


@requires(LEADER, OFFICE)
async def turn_flagged(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ 上一页 / 下一页 ▶ under a named leader's confidential problems: redrawn in place."""
    sheet_id, page = EVALUATION_VIEW_PAGE.parse(update.callback_query.data)
    db, viewer = database(context), person_of(update, context)
    sheet = evaluations.get(db, sheet_id)
    if sheet is None or not evaluations.may_view(db, sheet, viewer):
        await refuse(update, context, "evaluation.not_a_viewer")
        return
    found = evaluation_job.results_for(context.application, sheet, viewer)
    flagged = [r.subject for r in found if r.subject.problem_id]
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(
        _flagged_problems(language(update, context), sheet_id, flagged, page)
    )


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("newsheet", new_sheet),
        *menu.triggers("sheets", office_sheets),
        CallbackQueryHandler(office_sheets, pattern=SHEETS_PAGE),
        CallbackQueryHandler(office_sheets, pattern=VIEWER_SHEETS_PAGE),
        *menu.triggers("evaluate", my_sheets),
        *menu.triggers("slips", issue_slips),
        CallbackQueryHandler(confirm_sheet, pattern=SHEET_SEND),
        CallbackQueryHandler(rate_button, pattern=RATING_BUTTONS),
        CallbackQueryHandler(results_button, pattern=RESULT_BUTTONS),
        CallbackQueryHandler(show_viewers, pattern=EVALUATION_VIEWERS),
        CallbackQueryHandler(toggle_viewer, pattern=EVALUATION_VIEWER_TOGGLE),
        CallbackQueryHandler(turn_viewers, pattern=EVALUATION_VIEWERS_PAGE),
        CallbackQueryHandler(turn_flagged, pattern=EVALUATION_VIEW_PAGE),
        CallbackQueryHandler(view_results, pattern=EVALUATION_VIEW),
    ]
