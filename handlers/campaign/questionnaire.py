"""Questionnaires (问卷调查) in chat.

Office: `/survey 标题 | 截止时间 | 对象` with one question a line below it (单选 / 多选 / 评分 /
文字; see storage/surveys.py) shows what will be sent to how many, and sends it on 确认;
`/surveys` shows each one's respondents and, once closed, its results: the counts, a chart per
question, an Excel file, all withheld under k respondents.
Respondents: one question at a time (a tap, several taps and 完成, a 1-5 tap, or typed text),
skipping what they like, then 提交. Answers in progress live only in memory; a typed answer
leaves the chat once read (like an anonymous opinion's text).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import re
import unicodedata
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from callbacks import (
    RECEIPT_SAVED,
    SURVEY_NEXT,
    SURVEY_OFFER,
    SURVEY_PICK,
    SURVEY_RESULTS,
    SURVEY_SEND,
    SURVEY_START,
    SURVEYS_PAGE,
)
from documents import poster, survey_results
from documents.invitation_sheet import deep_link
from handlers import conversations, menu, typed_choice
from handlers.access import (
    ANYONE,
    MEMBERS,
    RESPONDENT,
    current_person,
    database,
    framed,
    language,
    person_of,
    refuse,
    refuse_stranger,
    reply,
    requires,
    send_lines,
    services,
    settings,
)
from handlers.campaign.evaluation import SheetInputError, closing_time, raters_named
from handlers.pages import send_items
from handlers.reports import ledger
from handlers.uploads import download
from jobs import forgetting, institutions
from jobs import questionnaires as survey_job
from storage import opinions, surveys
from storage.clock import clock
from storage.people import OFFICE
from storage.surveys import MULTIPLE, SCALE, TEXT, Survey, SurveyError
from texts import say

(ANSWERING,) = conversations.states("survey")
LIST_LIMIT = 10  # questionnaires on a page of /surveys, the newest first
PUBLIC_WORDS = {"群众", "群眾", "公众", "公眾", "患者", "public"}


# ---- the office: creating one ------------------------------------------------------------------


def _parse(context: ContextTypes.DEFAULT_TYPE, text: str):
    first, *lines = text.splitlines()
    parts = [p.strip() for p in re.split(r"[|｜]", first.partition(" ")[2])]
    if len(parts) < 2 or not parts[0]:
        raise SurveyError("usage", limit=surveys.MAX_QUESTIONS)
    questions = surveys.parse_questions(lines)
    closes = closing_time(parts[1], settings(context).timezone, clock.now())
    words = re.split(r"[、,，;；\s]+", parts[2] if len(parts) > 2 else "")
    public = any(w in PUBLIC_WORDS for w in words)
    rest = " ".join(w for w in words if w and w not in PUBLIC_WORDS)
    roles, departments = raters_named(database(context), rest)
    if public and not rest:  # the public only: nobody on the roster is asked
        roles = frozenset({surveys.NOBODY})
    return parts[0], questions, closes, roles, departments, public


async def _refuse_input(update: Update, context: ContextTypes.DEFAULT_TYPE, error: Exception) -> None:
    if isinstance(error, SurveyError):
        await reply(update, context, f"survey.{error.reason}", **error.values)
    else:
        assert isinstance(error, SheetInputError)
        await reply(update, context, error.key, **error.values)


@requires(OFFICE)
async def new_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sent to many people at once: show what and to how many, send only on 确认."""
    text = update.effective_message.text
    if not text.partition(" ")[2].strip() and "\n" not in text:  # a bare /survey: the format
        await reply(update, context, "survey.usage", limit=surveys.MAX_QUESTIONS)
        template = InputFile(
            io.BytesIO(surveys.template_workbook()),
            filename=say(language(update, context), "survey.template"),
        )
        await context.bot.send_document(update.effective_chat.id, template)
        return
    await _preview(update, context, text)


@requires(OFFICE)
async def new_survey_from_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The template filled in and sent back with the caption /survey."""
    document = update.effective_message.document
    if (document.file_size or 0) > surveys.MAX_TEMPLATE_BYTES:
        await reply(update, context, "survey.bad_file")
        return
    try:
        text = surveys.workbook_as_text(await download(context, document.file_id))
    except SurveyError as error:
        await _refuse_input(update, context, error)
        return
    await _preview(update, context, text)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    try:
        title, questions, closes, roles, departments, public = _parse(context, text)
    except (SurveyError, SheetInputError) as error:
        await _refuse_input(update, context, error)
        return
    preview = Survey(0, title, roles, departments, clock.now(), closes, False, tuple(questions))
    count = len(surveys.eligible(database(context), preview))
    context.user_data["new_survey"] = text
    lang = language(update, context)
    lines = [
        say(
            lang,
            "survey.preview",
            title=title,
            questions=len(questions),
            count=count,
            k=settings(context).anonymity_set,
            closes=closes.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M"),
        )
    ]
    if public:
        lines.append(say(lang, "survey.preview_public"))
    lines += [
        say(
            lang,
            "survey.preview_line",
            number=q.position + 1,
            kind=say(lang, f"survey.kind.{q.kind}"),
            text=q.text,
            options="/".join(q.options),
        )
        for q in questions
    ]
    await send_lines(
        context,
        update.effective_chat.id,
        lines,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(say(lang, "survey.btn.send"), callback_data=SURVEY_SEND.data("ok")),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=SURVEY_SEND.data("no")),
                ]
            ]
        ),
    )


@requires(OFFICE)
async def confirm_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = context.user_data.pop("new_survey", None)
    lang = language(update, context)
    if text is None:  # pressed twice, or an old preview
        await refuse(update, context, "stale_button")
        return
    await update.callback_query.answer()
    if SURVEY_SEND.parse(update.callback_query.data) != ("ok",):
        await update.callback_query.edit_message_text(say(lang, "cancelled"))
        return
    try:
        title, questions, closes, roles, departments, public = _parse(context, text)
        survey_id = surveys.create(
            database(context),
            title,
            questions,
            closes,
            roles=roles,
            departments=departments,
            created_by=person_of(update, context).id,
            public=public,
        )
    except (SurveyError, SheetInputError) as error:  # the closing time passed while it waited
        await _refuse_input(update, context, error)
        return
    survey = surveys.get(database(context), survey_id)
    invited = survey_job.invite(context.application, survey)
    text = say(
        lang,
        # open to 群众 alone: nobody on the roster is sent it or reminded ("已发给 0 人…过半时提醒")
        "survey.created_public" if survey.public_code and not invited else "survey.created",
        id=survey_id,
        title=title,
        count=invited,
        closes=closes.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M"),
    )
    link = deep_link(context.bot.username, survey.public_code) if survey.public_code else None
    if link:  # what a patient scans: the office prints it, or puts it on a poster of its own
        text += "\n" + say(lang, "survey.public_link", link=link)
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(io.BytesIO(poster.qr_png(link)), filename=say(lang, "survey.qr_file", id=survey_id)),
            caption=say(lang, "survey.qr_caption", id=survey_id),
        )
    await update.callback_query.edit_message_text(text, parse_mode="HTML")


# ---- answering ---------------------------------------------------------------------------------
#
# A respondent's chat must read, once they have submitted, as the chat of one who was asked and
# did not answer: anyone with the bot's token copies every message still there, and a chat that
# said 已提交问卷 named who answered (and, with fewer than k waiting at the close, whose answers
# the close writes alone; tests/test_forensic_chats.py). So the questionnaire takes over one
# message (the invitation pressed, or through the public link its own first screen), shows every
# question in it, and 提交 puts it back as it was and thanks in a pop-up; what the respondent
# typed, and the bot's answers to it, leave the chat.


@dataclass
class Answering:
    """One person's answers in progress: in memory only."""

    survey_id: int
    position: int = 0
    answers: dict[int, list[str] | str | None] = field(default_factory=dict)
    chosen: set[int] = field(default_factory=set)  # a several-choice question's taps so far
    typed: str | None = None  # a typed answer waiting for "also to the opinion box?"
    guest: str | None = None  # through the public link: the guest's keyed hash (memory only)
    # what the respondent typed that no question took (an answer typed at a choice question,
    # one over the limit) and the bot's answers to it: they would stay in the chat, where the
    # bot's token copies them; they leave with the questionnaire (submitted or cancelled)
    unread: list[int] = field(default_factory=list)
    screen: int | None = None  # the message the questions are shown in
    # that message as it was before (HTML and buttons), put back on 提交 and on /cancel
    before: tuple[str, InlineKeyboardMarkup | None] | None = None


def answering(context: ContextTypes.DEFAULT_TYPE) -> dict[int, Answering]:
    return services(context).survey_answering


async def _forget_unread(context: ContextTypes.DEFAULT_TYPE, chat_id: int, state: Answering | None) -> None:
    if state is not None and state.unread:
        unread, state.unread = state.unread, []
        await forgetting.forget_now(context.application, chat_id, unread)


def _refusal(context: ContextTypes.DEFAULT_TYPE, survey: Survey | None, person) -> str | None:
    if survey is None or not survey.is_open(clock.now()):
        return "survey.closed"
    if not survey.may_answer(person):
        return "survey.not_invited"
    if surveys.has_answered(database(context), survey.id, person.id):
        return "survey.already"
    return None


def _screen(lang: str, survey: Survey, state: Answering, k: int) -> tuple[str, InlineKeyboardMarkup]:
    """The question the respondent is at (the first under what the questionnaire is), or the
    review with 提交."""
    if state.position >= len(survey.questions):
        submit = InlineKeyboardButton(
            say(lang, "survey.btn.submit"), callback_data=SURVEY_NEXT.data(survey.id, state.position)
        )
        return say(
            lang,
            "survey.review",
            title=survey.title,
            answered=sum(v is not None for v in state.answers.values()),
            total=len(survey.questions),
        ), InlineKeyboardMarkup([[submit]])
    question = survey.questions[state.position]
    text = say(
        lang,
        "survey.question",
        title=survey.title,
        number=question.position + 1,
        total=len(survey.questions),
        text=question.text,
        hint=say(lang, f"survey.hint.{question.kind}", limit=surveys.MAX_ANSWER_CHARS),
    )
    if state.position == 0:
        welcome = say(lang, "survey.welcome", title=survey.title, count=len(survey.questions), k=k)
        text = f"{welcome}\n\n{text}"
    rows = []
    if question.kind in (surveys.SINGLE, SCALE):
        buttons = [
            InlineKeyboardButton(choice, callback_data=SURVEY_PICK.data(survey.id, question.position, i))
            for i, choice in enumerate(question.choices)
        ]
        rows = [buttons] if question.kind == SCALE else [[b] for b in buttons]
    elif question.kind == MULTIPLE:
        rows = [
            [
                InlineKeyboardButton(
                    ("✅ " if i in state.chosen else "") + choice,
                    callback_data=SURVEY_PICK.data(survey.id, question.position, i),
                )
            ]
            for i, choice in enumerate(question.choices)
        ]
    last = "survey.btn.done" if question.kind == MULTIPLE and state.chosen else "survey.btn.skip"
    rows.append(
        [InlineKeyboardButton(say(lang, last), callback_data=SURVEY_NEXT.data(survey.id, question.position))]
    )
    return text, InlineKeyboardMarkup(rows)


async def _put_on_screen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: Answering, text: str, markup
) -> None:
    """The questionnaire's one message edited; a new one in its place if it is gone (deleted
    by the person), so that no answer waits on a screen nobody sees."""
    chat_id = update.effective_chat.id
    if state.screen is not None:
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=state.screen, parse_mode="HTML", reply_markup=markup
            )
            return
        except BadRequest:
            pass
    sent = await context.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
    state.screen = sent.message_id


async def _show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    survey: Survey,
    state: Answering,
    note: str | None = None,
) -> None:
    """The next screen first, then the answer that stops the button's spinner (with a short
    note, a toast, when there is one)."""
    text, markup = _screen(language(update, context), survey, state, settings(context).anonymity_set)
    await _put_on_screen(update, context, state, text, markup)
    if update.callback_query:
        await update.callback_query.answer(note)


async def _put_back(update: Update, context: ContextTypes.DEFAULT_TYPE, state: Answering | None) -> None:
    """The message the questionnaire took over, as it was before: what everyone's chat shows."""
    if state is None or state.screen is None or state.before is None:
        return
    text, markup = state.before
    with contextlib.suppress(BadRequest):  # deleted by the person: nothing to put back
        await context.bot.edit_message_text(
            text,
            chat_id=update.effective_chat.id,
            message_id=state.screen,
            parse_mode="HTML",
            reply_markup=markup,
        )


def _as_it_was(update: Update) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The pressed message (the invitation, a reminder), to put back on 提交."""
    message = update.callback_query.message if update.callback_query else None
    if message is None or not getattr(message, "text", None):
        return None
    return message.text_html, message.reply_markup


def _invitation(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey: Survey
) -> tuple[str, InlineKeyboardMarkup]:
    """The invitation as jobs/questionnaires sends it: what a message taken over is put back
    to when how it was is not known (a restart forgot it, a 开始填写 typed rather than pressed)."""
    lang = language(update, context)
    closes = survey.closes_at.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M")
    text = say(lang, "survey.invite", title=survey.title, count=len(survey.questions), closes=closes)
    start = InlineKeyboardButton(say(lang, "survey.btn.start"), callback_data=SURVEY_START.data(survey.id))
    return text, InlineKeyboardMarkup([[start]])


async def _take_over(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey: Survey, state: Answering
) -> int:
    """The pressed message becomes the questionnaire's screen; another questionnaire's screen
    (or this one's, pressed on another message) is put back first."""
    user_id = update.effective_user.id
    earlier = answering(context).get(user_id)
    if earlier is not None and earlier.screen != update.callback_query.message.message_id:
        await _put_back(update, context, earlier)
    if earlier is not None and earlier is not state:
        await _forget_unread(context, update.effective_chat.id, earlier)
    state.screen = update.callback_query.message.message_id
    state.before = _as_it_was(update) or _invitation(update, context, survey)
    answering(context)[user_id] = state
    conversations.set_aside_kept_steps(update, context)  # her words are the questionnaire's
    await _show(update, context, survey, state)
    return ANSWERING


@requires(*MEMBERS)
async def start_answering(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """开始填写 under the invitation or a reminder. Refused (closed, answered already) in a pop-up:
    in her chat, 已经参加过 would say that she answered."""
    (survey_id,) = SURVEY_START.parse(update.callback_query.data)
    survey = surveys.get(database(context), survey_id)
    refusal = _refusal(context, survey, person_of(update, context))
    if refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    earlier = answering(context).get(update.effective_user.id)
    if earlier is not None and earlier.survey_id == survey_id and earlier.guest is None:
        return await _take_over(update, context, survey, earlier)  # where she was, answers kept
    return await _take_over(update, context, survey, Answering(survey_id))


async def _welcome(update: Update, context: ContextTypes.DEFAULT_TYPE, survey, state: Answering) -> int:
    """Through the public link: what the questionnaire is and its first question, in one
    message that the questionnaire then takes over, as a member's invitation."""
    earlier = answering(context).get(update.effective_user.id)
    if earlier is not None:
        await _put_back(update, context, earlier)
        await _forget_unread(context, update.effective_chat.id, earlier)
    text, markup = _screen(language(update, context), survey, state, settings(context).anonymity_set)
    sent = await context.bot.send_message(
        update.effective_chat.id, text, parse_mode="HTML", reply_markup=markup
    )
    state.screen, state.before = sent.message_id, (text, markup)
    answering(context)[update.effective_user.id] = state
    conversations.set_aside_kept_steps(update, context)
    return ANSWERING


def _guest_key(context: ContextTypes.DEFAULT_TYPE, survey_id: int, user_id: int) -> str:
    """Who answered through a public link, as a keyed hash under a key that lives in this
    process only: enough to refuse a second answer, nothing to write down (a restart forgets)."""
    key = services(context).survey_guest_key
    return hmac.new(key, f"{survey_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def _guests_answered(context: ContextTypes.DEFAULT_TYPE) -> set[str]:
    return services(context).survey_guests_answered


def _who_answers(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey: Survey | None
) -> tuple[str | None, str | None]:
    """(why not, the guest's keyed hash): someone on the roster it was sent to answers as
    themselves; anyone else, through a public link, as a guest, once."""
    person = current_person(update, context)
    if person is not None and survey is not None and survey.may_answer(person):
        return _refusal(context, survey, person), None
    if survey is None or survey.public_code is None:
        return "survey.not_invited", None
    guest = _guest_key(context, survey.id, update.effective_user.id)
    if not survey.is_open(clock.now()):
        return "survey.closed", guest
    return ("survey.already" if guest in _guests_answered(context) else None), guest


@requires(*MEMBERS, RESPONDENT)
async def start_public(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A questionnaire's public link (`?start=survey_…`): anyone answers, once; someone on the
    roster it was sent to answers as themselves."""
    code = (context.args or [""])[0]
    survey = surveys.by_public_code(database(context), code)
    if survey is None:  # a link cut short, or another institution's (its staff stay at home)
        elsewhere = institutions.view_with_public_survey(context.application, code)
        unit = institutions.institution_of(elsewhere) if elsewhere is not None else None
        if unit is not None:
            await reply(update, context, "survey.elsewhere", institution=unit.name)
        else:
            await reply(update, context, "survey.unknown")
        return ConversationHandler.END
    refusal, guest = _who_answers(update, context, survey)
    if refusal:
        # typed, the link has no press to answer in a pop-up: the link and 已经参加过 leave the
        # chat after a while, as a typed vote's answer does, or they would say she answered
        said = await reply(update, context, refusal)
        gone = [update.effective_message.message_id, said]
        forgetting.forget_later(
            context.application, update.effective_chat.id, gone, after=typed_choice.TYPED_ANSWER_KEPT
        )
        return ConversationHandler.END
    return await _welcome(update, context, survey, Answering(survey.id, guest=guest))


def _current(update: Update, context: ContextTypes.DEFAULT_TYPE, survey_id: int) -> tuple:
    state = answering(context).get(update.effective_user.id)
    if state is None or state.survey_id != survey_id:
        return None, None
    return state, surveys.get(database(context), survey_id)


async def _without_answers(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey_id: int
) -> tuple[Answering | None, Survey | None]:
    """A screen pressed with no answers in memory: put back by 提交 (told so in a pop-up, as
    anyone who has not answered would be told nothing in their chat), or left by a restart, which
    forgot the answers: the questionnaire starts again there, from its first question."""
    survey = surveys.get(database(context), survey_id)
    refusal, guest = _who_answers(update, context, survey)
    if refusal or survey is None:
        await refuse(update, context, "survey.no_answers" if refusal in (None, "survey.already") else refusal)
        return None, None
    state = Answering(survey.id, guest=guest, screen=update.callback_query.message.message_id)
    if guest is None:
        state.before = _invitation(update, context, survey)
    else:
        state.before = _screen(
            language(update, context), survey, Answering(survey.id), settings(context).anonymity_set
        )
    answering(context)[update.effective_user.id] = state
    conversations.set_aside_kept_steps(update, context)
    return state, survey


@requires(*MEMBERS, RESPONDENT)
async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    survey_id, position, choice = SURVEY_PICK.parse(update.callback_query.data)
    state, survey = _current(update, context, survey_id)
    if state is None:
        state, survey = await _without_answers(update, context, survey_id)
        if state is None:
            return ConversationHandler.END
        if position != 0:  # a later question's screen: begin at the first
            await _show(update, context, survey, state, say(language(update, context), "survey.restarted"))
            return ANSWERING
    if position != state.position or position >= len(survey.questions):
        await refuse(update, context, "stale_button")  # an old screen, or a double tap
        return ANSWERING
    question = survey.questions[position]
    if choice >= len(question.choices) or question.kind == TEXT:
        await refuse(update, context, "stale_button")
        return ANSWERING
    if question.kind == MULTIPLE:
        state.chosen ^= {choice}
    else:
        state.answers[position] = str(choice)
        state.position += 1
    await _show(update, context, survey, state)
    return ANSWERING


@requires(*MEMBERS, RESPONDENT)
async def next_or_submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    survey_id, position = SURVEY_NEXT.parse(update.callback_query.data)
    state, survey = _current(update, context, survey_id)
    if state is None:
        state, survey = await _without_answers(update, context, survey_id)
        if state is None:
            return ConversationHandler.END
        if position != 0 or not survey.questions:
            await _show(update, context, survey, state, say(language(update, context), "survey.restarted"))
            return ANSWERING
    if position != state.position:
        await refuse(update, context, "stale_button")
        return ANSWERING
    if position < len(survey.questions):  # 完成 (several choices) or 跳过
        question = survey.questions[position]
        state.answers[position] = (
            [str(c) for c in sorted(state.chosen)] if (question.kind == MULTIPLE and state.chosen) else None
        )
        state.chosen, state.position = set(), position + 1
        await _show(update, context, survey, state)
        return ANSWERING
    return await _submit(update, context, survey, state)


async def _submit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey: Survey, state: Answering
) -> int:
    """Thanked in a pop-up, the message taken over put back as it was, what was typed gone:
    her chat then reads as the chat of everyone who has not answered."""
    answering(context).pop(update.effective_user.id, None)
    await _forget_unread(context, update.effective_chat.id, state)
    lang = language(update, context)
    try:
        if state.guest is not None:
            surveys.submit_public(
                database(context), survey.id, state.guest, state.answers, ledger.today(context)
            )
            _guests_answered(context).add(state.guest)
        else:
            surveys.submit(
                database(context), survey.id, person_of(update, context), state.answers, ledger.today(context)
            )
    except SurveyError as error:  # closed while she answered, or answered from another screen
        await refuse(update, context, f"survey.{error.reason}")
        await _put_back(update, context, state)
        return ConversationHandler.END
    # no title: the invitation put back under the pop-up names the questionnaire (see evaluation)
    thanks = say(lang, "survey.thanks", k=settings(context).anonymity_set)
    await update.callback_query.answer(thanks, show_alert=True)
    await _put_back(update, context, state)
    return ConversationHandler.END


SEPARATORS = re.compile(r"[\s,，、;；/／|｜]+")
SCALE_TYPED = re.compile(r"([1-5])\s*(分|星|颗星)?")


def _typed_choices(question, typed: str) -> list[str] | None:
    """Choices typed where buttons were offered (the taps themselves are typed_choice's): the
    several of a multiple-choice question at once (座椅，指示牌), or a scale's number with its
    unit (5分); None when any part is not one of the choices."""
    text = unicodedata.normalize("NFKC", typed).strip()
    if question.kind == SCALE:
        found = SCALE_TYPED.fullmatch(text)
        return [str(int(found[1]) - 1)] if found and int(found[1]) <= len(question.choices) else None
    if question.kind != MULTIPLE:
        return None
    options = {choice: str(i) for i, choice in enumerate(question.choices)}
    picked = [typed_choice.match(part, options) for part in SEPARATORS.split(text) if part]
    if not picked or None in picked:
        return None
    return sorted(set(picked), key=int)


async def _answer_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: Answering | None, key: str, **values
) -> None:
    """An answer to typed words that no question took: it leaves with them."""
    said = await reply(update, context, key, **values)
    if state is not None:
        state.unread.append(said)


@requires(*MEMBERS, RESPONDENT)
async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    state = answering(context).get(update.effective_user.id)
    if state is None and current_person(update, context) is None:
        await refuse_stranger(update, context)
        return ConversationHandler.END
    survey = surveys.get(database(context), state.survey_id) if state else None
    if state is not None:
        state.unread.append(update.message.message_id)  # taken below, it leaves at once
    if state is None or survey is None or state.position >= len(survey.questions):
        await _answer_typed(update, context, state, "survey.use_buttons")
        return ANSWERING
    question = survey.questions[state.position]
    if question.kind != TEXT:
        chosen = _typed_choices(question, update.message.text)
        if chosen is None:
            await _answer_typed(update, context, state, "survey.use_buttons")
            return ANSWERING
        # the typed choices are the answer, as the taps and 完成 would have made it
        state.unread.remove(update.message.message_id)
        await forgetting.forget_now(
            context.application, update.effective_chat.id, [update.message.message_id]
        )
        state.answers[state.position] = chosen if question.kind == MULTIPLE else chosen[0]
        state.chosen, state.position = set(), state.position + 1
        await _show(update, context, survey, state)
        return ANSWERING
    text = update.message.text.strip()
    if len(text) > surveys.MAX_ANSWER_CHARS:  # never cut silently; kept to copy until she is done
        await _answer_typed(
            update, context, state, "survey.too_long", count=len(text), limit=surveys.MAX_ANSWER_CHARS
        )
        return ANSWERING
    state.unread.remove(update.message.message_id)
    await forgetting.forget_now(context.application, update.effective_chat.id, [update.message.message_id])
    if not text:
        return ANSWERING
    state.typed = text
    lang = language(update, context)
    buttons = [
        [
            InlineKeyboardButton(
                say(lang, f"survey.btn.{to}"), callback_data=SURVEY_OFFER.data(survey.id, state.position, to)
            )
        ]
        for to in ("keep", "inbox")
    ]
    offer = say(
        lang, "survey.offer" if state.guest is None else "survey.offer_public"
    )  # 活动办 is staff's word
    await _put_on_screen(update, context, state, offer, InlineKeyboardMarkup(buttons))
    return ANSWERING


@requires(*MEMBERS, RESPONDENT)
async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The respondent's choice for a typed answer: the questionnaire only, or also the opinion
    box, as an anonymous opinion with a receipt of its own (the same path as any anonymous one:
    the mixing pool, the office's batches)."""
    survey_id, position, to = SURVEY_OFFER.parse(update.callback_query.data)
    state, survey = _current(update, context, survey_id)
    if state is None:  # the words were in memory only: a restart forgot them
        state, survey = await _without_answers(update, context, survey_id)
        if state is not None:
            await _show(update, context, survey, state, say(language(update, context), "survey.restarted"))
            return ANSWERING
        return ConversationHandler.END
    if position != state.position or state.typed is None:
        await refuse(update, context, "stale_button")
        return ANSWERING
    state.answers[position], text, state.typed = state.typed, state.typed, None
    state.position += 1
    lang = language(update, context)
    await _show(update, context, survey, state, say(lang, f"survey.offer_{to}"))
    if to == "inbox":
        await _to_the_box(update, context, survey, state, text)
    return ANSWERING


async def _to_the_box(
    update: Update, context: ContextTypes.DEFAULT_TYPE, survey: Survey, state: Answering, text: str
) -> None:
    """A typed answer also sent as an anonymous opinion: its receipt comes as a message of its
    own (an opinion's, in no word a questionnaire's), which leaves on 我已保存 or within a day."""
    from handlers.opinions.receipt import keys, remember_holder  # one flow hands over to the other

    lang = language(update, context)
    # a typed answer is at most MAX_ANSWER_CHARS, within any opinion's limit
    draft = opinions.Draft(
        category=say(lang, "survey.opinion_category", title=survey.title),
        text=text,
        public=state.guest is not None,
    )  # a guest's is the public's (群众)
    opinion_id, receipt = opinions.submit(
        database(context), draft, None, keys(context), ledger.today(context)
    )
    remember_holder(context, update.effective_user.id, opinion_id)
    shown = await context.bot.send_message(
        update.effective_chat.id,
        say(
            lang,
            "opinion.submitted_public" if draft.public else "opinion.submitted_anonymous",
            id=opinion_id,
            receipt=opinions.format_receipt(receipt),
            k=settings(context).anonymity_set,
        ),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(say(lang, "receipt.btn.saved"), callback_data=RECEIPT_SAVED.data())]]
        ),
    )
    forgetting.forget_later(context.application, update.effective_chat.id, [shown.message_id])


# Anyone: the conversation it ends was guarded when it started; this is the bot's own move.
@requires(*ANYONE)
async def _left_waiting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Half an hour without an answer ends the step, so that her next words go where she sends
    them; the answers wait in memory and the screen's buttons go on where she was. Nothing is
    said: the screen shows where she is, and a 已自动结束 would stay in the chat."""


@requires(*MEMBERS, RESPONDENT)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Nothing kept; the message the questionnaire took over is put back, to start again from."""
    state = answering(context).pop(update.effective_user.id, None)
    await _forget_unread(context, update.effective_chat.id, state)
    await _put_back(update, context, state)
    said = await reply(update, context, "survey.cancelled")
    if state is not None:  # 已退出 would say, for good, that she had not answered (then)
        gone = [update.effective_message.message_id, said]
        forgetting.forget_later(
            context.application, update.effective_chat.id, gone, after=typed_choice.TYPED_ANSWER_KEPT
        )
    return ConversationHandler.END


# ---- the office: list and results --------------------------------------------------------------


@requires(OFFICE)
async def list_surveys(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang = database(context), language(update, context)
    found = surveys.newest_first(db)
    if not found:
        await reply(update, context, "survey.none")
        return

    async def send_survey(survey: surveys.Survey) -> None:
        text = say(
            lang,
            "survey.line",
            id=survey.id,
            title=survey.title,
            count=surveys.respondent_count(db, survey.id),
            eligible=len(surveys.eligible(db, survey)),
            closes=survey.closes_at.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M"),
            state=say(lang, "survey.state.closed" if survey.concluded else "survey.state.open"),
        )
        if survey.public_code and not survey.concluded:
            link = deep_link(context.bot.username, survey.public_code)
            text += "\n" + say(lang, "survey.public_link", link=link)
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "survey.btn.results"), callback_data=SURVEY_RESULTS.data(survey.id)
                    )
                ]
            ]
        )
        await context.bot.send_message(
            update.effective_chat.id,
            text,
            parse_mode="HTML",
            reply_markup=markup if survey.concluded else None,
        )

    await send_items(update, context, found, lambda s: s.id, send_survey, SURVEYS_PAGE, LIST_LIMIT)


HEADERS = (
    "counts",
    "texts",
    "respondents",
    "number",
    "question",
    "choice",
    "count",
    "share",
    "average",
    "answer",
    "text_answers",
)


@requires(OFFICE)
async def show_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Results after the close only (a count that moved while it was open would date each
    batch): the counts, a chart per question with choices, the Excel file; nothing under k."""
    (survey_id,) = SURVEY_RESULTS.parse(update.callback_query.data)
    db, lang, k = database(context), language(update, context), settings(context).anonymity_set
    survey = surveys.get(db, survey_id)
    if survey is None or not survey.concluded:
        await refuse(update, context, "stale_button")
        return
    await update.callback_query.answer()
    respondents, found = surveys.results(db, survey, k)
    chat = update.effective_chat.id
    if found is None:
        await reply(update, context, "survey.too_few", title=survey.title, count=respondents, k=k)
        return
    lines = [say(lang, "survey.results_title", title=survey.title, count=respondents)]
    for result in found:
        lines += _result_lines(lang, result, respondents)
    await send_lines(context, chat, lines)
    for result in found:
        if result.question.kind != TEXT:
            title = f"{result.question.position + 1}. {result.question.text}"  # wrapped in the chart
            png = await asyncio.to_thread(survey_results.chart, result, title)
            await context.bot.send_photo(chat, png)
    headers = {h: say(lang, f"survey.xlsx.{h}") for h in HEADERS}
    content = await asyncio.to_thread(survey_results.workbook, survey.title, respondents, found, headers)
    await context.bot.send_document(
        chat, InputFile(io.BytesIO(content), filename=say(lang, "survey.xlsx.file", id=survey.id))
    )


def _result_lines(lang: str, result: surveys.QuestionResult, respondents: int) -> list[str]:
    question = result.question
    lines = [
        say(
            lang,
            "survey.result_question",
            number=question.position + 1,
            text=question.text,
            answered=result.answered,
        )
    ]
    if question.kind == TEXT:
        for answer in result.texts:
            lines += framed(lang, "survey.result_text", answer)
        return lines
    base = respondents if question.kind == MULTIPLE else result.answered
    lines += [
        say(
            lang,
            "survey.result_choice",
            choice=choice,
            count=count,
            share=f"{count / base:.0%}" if base else "—",
        )
        for choice, count in zip(question.choices, result.counts, strict=True)
    ]
    if question.kind == SCALE and result.average is not None:
        lines.append(say(lang, "survey.result_average", average=f"{result.average:.2f}"))
    return lines


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[
                CallbackQueryHandler(start_answering, pattern=SURVEY_START),
                CommandHandler("start", start_public, filters.Regex(f"^/start {surveys.PUBLIC_PREFIX}")),
                # the screen's own buttons too: after a timeout or a menu tap the answers wait in
                # memory and the screen goes on where it was (its invitation is taken over)
                CallbackQueryHandler(pick, pattern=SURVEY_PICK),
                CallbackQueryHandler(next_or_submit, pattern=SURVEY_NEXT),
                CallbackQueryHandler(offer, pattern=SURVEY_OFFER),
            ],
            states={
                ConversationHandler.TIMEOUT: [TypeHandler(Update, _left_waiting)],
                ANSWERING: [
                    CallbackQueryHandler(pick, pattern=SURVEY_PICK),
                    CallbackQueryHandler(next_or_submit, pattern=SURVEY_NEXT),
                    CallbackQueryHandler(offer, pattern=SURVEY_OFFER),
                    MessageHandler(menu.TYPED, typed),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="survey",
            conversation_timeout=conversations.TIMEOUT,
            persistent=False,  # like an opinion draft: the answers in progress never reach the disk
            allow_reentry=True,
        ),
        *menu.triggers("survey", new_survey),
        MessageHandler(
            filters.Document.ALL & filters.CaptionRegex(r"^/survey(@\w+)?\s*$"), new_survey_from_file
        ),
        *menu.triggers("surveys", list_surveys),
        CallbackQueryHandler(list_surveys, pattern=SURVEYS_PAGE),
        CallbackQueryHandler(confirm_survey, pattern=SURVEY_SEND),
        CallbackQueryHandler(show_results, pattern=SURVEY_RESULTS),
    ]
