"""Questionnaires and ratings left halfway, put back when they close.

A questionnaire or a rating takes over one message of the person's chat (the invitation, a
reminder, /evaluate's list) and 提交 or /cancel puts it back as it was. One walked away from
stayed on its question (a rating's with the grades so far) after the close: for good, it said
that she had not submitted, which narrows whom the close's lone answers can be, and what she
was choosing (tests/test_forensic_questionnaires.py). Each sweep puts back the screens of what
is still in memory for a questionnaire or a sheet no longer open, and drops it, as /cancel does.
Which message is whose screen is known only in memory: after a restart they stay.
"""

from __future__ import annotations

import contextlib
import logging

from telegram.error import TelegramError
from telegram.ext import Application

import services
from jobs import forgetting
from storage import evaluations, surveys
from storage.clock import clock

log = logging.getLogger(__name__)


async def put_back_closed(app: Application) -> None:
    db, now = services.of(app).db, clock.now()
    answering = services.of(app).survey_answering
    for user_id, state in list(answering.items()):
        survey = surveys.get(db, state.survey_id)
        if survey is None or not survey.is_open(now):
            del answering[user_id]
            if state.unread:  # what she typed that no question took, and the bot's answers
                await forgetting.forget_now(app, user_id, state.unread)
            await _put_back(app, user_id, state.screen, state.before)
    ratings = services.of(app).evaluation_ratings
    for user_id, rating in list(ratings.items()):
        sheet = evaluations.get(db, rating.sheet_id)
        if sheet is None or not sheet.is_open(now):
            del ratings[user_id]
            await _put_back(app, user_id, rating.screen, rating.before)


async def _put_back(app: Application, chat_id: int, screen: int | None, before) -> None:
    """The message as it was; a screen of its own (a rating begun by typing) deleted."""
    if screen is None:
        return
    if before is None:
        await forgetting.forget_now(app, chat_id, [screen])
        return
    text, markup = before
    with contextlib.suppress(TelegramError):  # deleted by the person, or as it was already
        await app.bot.edit_message_text(
            text, chat_id=chat_id, message_id=screen, parse_mode="HTML", reply_markup=markup
        )
    log.debug("a screen left halfway put back at the close")
