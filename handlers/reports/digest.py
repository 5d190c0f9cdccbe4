"""/digest for leaders and the office: the digest right now (what is late, what changed since
the last one, the chart), and its schedule: daily or weekly, at which time. The schedule is
one tap away (⚙️ under the digest, or /digest 设置), not a message after every digest: that
message took the bottom of a phone's screen, where the digest's last lines belong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import DIGEST_FREQUENCY, DIGEST_FULL, DIGEST_SETTINGS
from handlers import menu
from handlers.access import database, language, person_of, quoted, refuse, reply, requires, settings
from jobs import digests as digest_job
from storage import digests, phrasings
from storage.clock import clock
from storage.people import LEADER, OFFICE
from texts import say


def _schedule_markup(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(say(lang, f"digest.btn.{f}"), callback_data=DIGEST_FREQUENCY.data(f))
                for f in digests.FREQUENCIES
            ]
        ]
    )


def _setting_text(lang: str, chosen: digests.DigestSetting) -> str:
    return (
        say(
            lang,
            "digest.setting",
            frequency=say(lang, f"digest.frequency.{chosen.frequency}"),
            at=chosen.at.strftime("%H:%M"),
        )
        + "\n"
        + say(lang, "digest.time_hint")
    )


SETTINGS_WORDS = {"设置", "設置", "设定", "設定", "settings", "setting", "⚙️", "⚙"}  # /digest 设置


@requires(LEADER, OFFICE)
async def show_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    typed = " ".join(context.args or []).strip()
    if typed.lower() in SETTINGS_WORDS:
        await show_settings(update, context)
        return
    if typed:
        await _set_time(update, context, typed)
        return
    person = person_of(update, context)
    lang = language(update, context, person)
    config = settings(context)
    chosen = digests.setting(database(context), person.id)
    now = clock.now()
    since = chosen.last_digest_at or now - timedelta(days=1)
    digest = await digest_job.build_apart(
        context.application, person, since, now.astimezone(config.timezone).date()
    )
    title = "digest.title.office" if OFFICE in person.roles else "digest.title.now"
    since_text = since.astimezone(config.timezone).strftime("%m-%d %H:%M")
    text, cut = digest_job.render_screen(lang, person, digest, title, since_text)
    if not any(digest.by_light.values()) and digest.is_empty():
        text, cut = say(lang, "digest.none"), False
    chat = update.effective_chat.id
    full = [InlineKeyboardButton(say(lang, "digest.btn.full"), callback_data=digest_job.full_button(since))]
    gear = [InlineKeyboardButton(say(lang, "digest.btn.settings"), callback_data=DIGEST_SETTINGS.data())]
    chart = await digest_job.draw_chart_apart(lang, person, digest)
    # ⚙️ goes under the last message, where the thumb is; 完整简报 stays under the text it completes
    rows = ([full] if cut else []) + ([] if chart else [gear])
    await context.bot.send_message(
        chat, text, parse_mode="HTML", reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )
    if chart:
        await context.bot.send_photo(
            chat,
            chart,
            caption=digest_job.chart_caption(lang, person, digest),
            reply_markup=InlineKeyboardMarkup([gear]),
        )


@requires(LEADER, OFFICE)
async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The digest's schedule now, with 每日 / 每周 / 暂停 and how to change the time."""
    if update.callback_query:
        await update.callback_query.answer()
    person = person_of(update, context)
    lang = language(update, context, person)
    chosen = digests.setting(database(context), person.id)
    await context.bot.send_message(
        update.effective_chat.id,
        _setting_text(lang, chosen),
        parse_mode="HTML",
        reply_markup=_schedule_markup(lang),
    )


async def _set_time(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> None:
    at = phrasings.parse_time(typed)  # 07:45, 7点半, 早上8点, full-width digits: as everywhere
    if at is None:
        await reply(update, context, "digest.bad_time", text=quoted(typed))
        return
    person = person_of(update, context)
    chosen = digests.choose(database(context), person.id, at=at)
    await _saved(update, context, chosen)


@requires(LEADER, OFFICE)
async def choose_frequency(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    frequency = DIGEST_FREQUENCY.parse(update.callback_query.data)[0]
    if frequency not in digests.FREQUENCIES:
        await refuse(update, context, "stale_button")
        return
    chosen = digests.choose(database(context), person_of(update, context).id, frequency=frequency)
    await _saved(update, context, chosen)


async def _saved(update: Update, context: ContextTypes.DEFAULT_TYPE, chosen: digests.DigestSetting) -> None:
    lang = language(update, context)
    await reply(
        update,
        context,
        "digest.saved",
        frequency=say(lang, f"digest.frequency.{chosen.frequency}"),
        at=chosen.at.strftime("%H:%M"),
    )


@requires(LEADER, OFFICE)
async def show_full(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every line of the digest the button came with (changes since that digest's start)."""
    [stamp] = DIGEST_FULL.parse(update.callback_query.data)
    await update.callback_query.answer()
    person = person_of(update, context)
    lang = language(update, context, person)
    config = settings(context)
    since = datetime.fromtimestamp(stamp, UTC)
    today = clock.now().astimezone(config.timezone).date()
    digest = await digest_job.build_apart(context.application, person, since, today)
    title = "digest.title.office" if OFFICE in person.roles else "digest.title.now"
    for text in digest_job.render_full(
        lang, person, digest, title, since.astimezone(config.timezone).strftime("%m-%d %H:%M")
    ):
        await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML")


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("digest", show_digest),
        CallbackQueryHandler(choose_frequency, pattern=DIGEST_FREQUENCY),
        CallbackQueryHandler(show_settings, pattern=DIGEST_SETTINGS),
        CallbackQueryHandler(show_full, pattern=DIGEST_FULL),
    ]
