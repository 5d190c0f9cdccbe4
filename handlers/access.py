"""Who is talking, in which language, and whether their roles allow what they asked.

Every handler callback is wrapped by `requires(...)`, which declares the roles that may use
it; the declarations are collected in DECLARED so the access matrix can be generated from them.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Awaitable, Callable

import sqlite_utils
from telegram import Update
from telegram.ext import ContextTypes

import services as held
from config import Settings
from handlers.context import RectifyContext, in_view
from services import Services
from storage import people, public_box
from storage.people import Person
from texts import Raw, fit, language_for, say

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]
DECLARED: dict[str, frozenset[str]] = {}
ANYONE: frozenset[str] = frozenset()  # strangers included, e.g. /start with an invitation
MEMBERS = frozenset(people.ROLES)
# Not a role on the roster: someone who is not on it, let in (once the institution has opened
# its public box, the lobby poster) to submit an opinion and follow its receipt, and nothing else.
GUEST = "guest"
# Not a role either: someone not on the roster who is rating with a one-time slip (评议票); the
# guarded callback itself checks the slip it holds in memory, and refuses anyone else.
SLIP_HOLDER = "slip_holder"
# Likewise someone not on the roster answering a questionnaire through its public link.
RESPONDENT = "respondent"
# Not a role either: a guest, once the office has published the public ledger to guests
# (storage/public_box.py); read-only, the public problems' public columns only.
READER = "ledger_reader"


def services(context: ContextTypes.DEFAULT_TYPE | object) -> Services:
    """What the bot holds for the institution this update is handled in (services.py), typed;
    given an institution's view (督导, jobs/institutions.py) rather than a context, that
    institution's."""
    return held.of(getattr(context, "application", context))


def database(context: ContextTypes.DEFAULT_TYPE) -> sqlite_utils.Database:
    return services(context).db


def settings(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    return services(context).settings


def current_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    if isinstance(context, RectifyContext):  # looked up once per update
        return context.person(update)
    user = update.effective_user
    found = people.by_telegram_user(database(context), user.id) if user else None
    return in_view(getattr(context, "application", context), found)


def language(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person | None = None) -> str:
    person = person or current_person(update, context)
    if person and person.language:
        return person.language
    user = update.effective_user
    return language_for(user.language_code if user else None, settings(context).default_language)


QUOTE_LIMIT = 60


def quoted(typed: str) -> str:
    """What the person typed, short enough to quote back in a reply ("I cannot read …")."""
    typed = " ".join(typed.split())
    return typed if len(typed) <= QUOTE_LIMIT else typed[:QUOTE_LIMIT] + "…"


def role_names(lang: str, roles) -> str:
    return "、".join(say(lang, f"role.{r}") for r in people.ROLES if r in roles)


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    key: str,
    *,
    person: Person | None = None,
    reply_markup=None,
    **values,
) -> int:
    """Answer in the chat the update came from, in the person's language; the answer's id.
    (Telegram's answer, the sent message, is not read back: typed_choice.OfferingBot.send_quietly.)"""
    text = say(language(update, context, person), key, **values)
    sent = context.bot.send_quietly(update.effective_chat.id, text, reply_markup)
    if update.callback_query:
        sent_id, _ = await asyncio.gather(sent, update.callback_query.answer())
        return sent_id
    return await sent


async def answering(update: Update, reply_call: Awaitable) -> None:
    """Send the reply and, for a button press, answer the press (which stops its spinner) at
    the same time: two round trips side by side rather than one after the other, which is
    most of the time an update takes."""
    if update.callback_query:
        await asyncio.gather(update.callback_query.answer(), reply_call)
    else:
        await reply_call


def within_step(callback: Callback) -> Callback:
    """A callback that only runs inside a conversation, which the person entered through a
    guarded entry point (a timeout, a menu tap that leaves the step, a button's label typed
    instead of tapped): it needs no role of its own, and the access matrix knows it."""
    callback.within_step = True  # type: ignore[attr-defined]
    return callback


def requires(*roles: str) -> Callable[[Callback], Callback]:
    """Let the callback run only for people holding one of `roles` (ANYONE when empty)."""
    allowed = frozenset(roles)

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE):
            if not allowed:
                return await callback(update, context)
            person = current_person(update, context)
            if person is None:
                if GUEST in allowed and public_box.get(database(context)) is not None:
                    return await callback(update, context)
                if READER in allowed and public_box.ledger_published(database(context)):
                    return await callback(update, context)
                if SLIP_HOLDER in allowed or RESPONDENT in allowed:
                    return await callback(update, context)
                await refuse_stranger(update, context)
                return None
            if not person.has_any(allowed):
                lang = language(update, context, person)
                await refuse(update, context, "access.forbidden", roles=role_names(lang, allowed))
                return None
            return await callback(update, context)

        DECLARED[f"{callback.__module__}.{callback.__qualname__}"] = allowed
        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorate


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values) -> None:
    text = say(language(update, context), key, **values)
    if update.callback_query:
        shown = html.unescape(text)  # a pop-up is plain text: A&amp;B would show so
        if fit.units(shown) <= fit.POPUP_LIMIT:
            await update.callback_query.answer(shown, show_alert=True)
            return
        # Telegram refuses a longer pop-up, and the button would spin with nothing said (a
        # stranger told in English how to come back, public.scan_again): said in the chat. A
        # refusal under a rating or a questionnaire must stay short: in her chat it would say
        # she had rated (tests/test_rating_review.py)
        await update.callback_query.answer()
    if update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML")


async def too_long(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, limit: int) -> bool:
    """True, having said so, when typed text is over its limit: it is never cut silently, the
    person shortens it and sends it again (the step stays where it is)."""
    if len(text) <= limit:
        return False
    await reply(update, context, "text.too_long", count=len(text), limit=limit)
    return True


async def refuse_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone not on the roster: a guest from the lobby poster is told what they can do here
    (once the institution has a public box); anyone else how to join. A guest in the middle of
    an opinion hears that it waits for them, not to start one with /opinion."""
    key = stranger_key(context)
    user = update.effective_user
    if key.startswith("public.guest_only") and user is not None and user.id in services(context).drafts:
        key = "public.guest_drafting"
    await refuse(update, context, key)


def stranger_key(context: ContextTypes.DEFAULT_TYPE) -> str:
    """What someone not on the roster is told: once the institution has a public box they may
    be a guest from the lobby poster (who may also read the ledger, once it is published to
    guests); otherwise how to join."""
    box = public_box.get(database(context))
    if box is None:
        return "public.scan_again" if _a_box_elsewhere(context) else "access.not_registered"
    return "public.guest_only.ledger" if box.ledger_published else "public.guest_only"


def _a_box_elsewhere(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """督导: another institution has a lobby poster, so a stranger here may be its guest whom
    the bot no longer remembers (a day's silence, a restart): they scan its poster again."""
    from jobs import institutions  # the directory of institutions; imported where it is needed

    root = institutions.root(context.application)
    if institutions.units_of(root) is None:
        return False
    return any(public_box.get(held.of(view).db) is not None for view in institutions.each(root))


def person_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person:
    """The person a `requires`-guarded callback is running for."""
    person = current_person(update, context)
    assert person is not None, "person_of() outside a guarded callback"
    return person


def keep_to_edit(update: Update, context: ContextTypes.DEFAULT_TYPE, purpose: str, message) -> None:
    """The message a later answer of this person edits (the /poster reply once the ledger is
    published, a supervisor's question once answered), kept in memory only: in the persisted
    user data its id would reach the disk, and a chat's message ids, read at two moments, count
    the messages between them, those of the anonymous flows included. A restart forgets it,
    and the message then stays as it was (the answer says what happened anyway)."""
    if message is None or update.effective_user is None:
        return
    services(context).messages_to_edit[(update.effective_user.id, purpose)] = (
        message.chat_id,
        message.message_id,
    )


def kept_to_edit(update: Update, context: ContextTypes.DEFAULT_TYPE, purpose: str) -> tuple[int, int] | None:
    """The (chat, message) `keep_to_edit` kept for this purpose, once: it is let go."""
    if update.effective_user is None:
        return None
    return services(context).messages_to_edit.pop((update.effective_user.id, purpose), None)


TELEGRAM_TEXT_LIMIT = fit.TEXT_LIMIT
PIECE_LIMIT = 3000  # a piece of user text leaves room for a template around it in one message


async def send_lines(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, lines: list[str], reply_markup=None
) -> list[int]:
    """Send HTML lines as few messages as Telegram's length limit allows (counted in UTF-16
    units), never cutting a line that fits (each line must be complete HTML on its own; put
    long user text through `pieces`). Returns the sent messages' ids: Telegram's answers are
    not parsed into Messages nobody reads (typed_choice.OfferingBot.send_quietly)."""
    messages = fit.split_lines(lines)
    sent = []
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        markup = reply_markup if last else None
        sent.append(await context.bot.send_quietly(chat_id, text, markup))
    return sent


def pieces(text: str, limit: int = PIECE_LIMIT) -> list[Raw]:
    """User text, HTML-escaped, in pieces of at most `limit` units each (measured escaped,
    which is never shorter than what Telegram counts), broken after a line where one ends
    near enough: so that no text a person wrote is ever cut to fit a message."""
    found: list[Raw] = []
    piece: list[str] = []
    used = 0
    for char in text:
        escaped = html.escape(char, quote=False)
        width = fit.units(escaped)
        if used + width > limit:
            cut = "".join(piece)
            newline = cut.rfind("\n")
            if newline > len(cut) // 2:  # rather at the end of a line than mid-sentence
                found.append(Raw(cut[:newline]))
                piece = [cut[newline + 1 :]]
                used = fit.units(piece[0])
            else:
                found.append(Raw(cut))
                piece, used = [], 0
        piece.append(escaped)
        used += width
    found.append(Raw("".join(piece)))
    return found


def framed(lang: str, key: str, value: str, **values) -> list[str]:
    """A template whose one long value is user text: the first piece inside the template, the
    rest as lines of their own after it."""
    first, *rest = pieces(value)
    return [say(lang, key, text=first, **values), *rest]
