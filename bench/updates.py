"""Update handling: N members of staff each submit an anonymous opinion end to end (7 updates
each: /opinion, anonymous, category, department, the text, preview, submit) through the real
bot and the fake Bot API, all at once. The floor, in the same run: a minimal python-telegram-bot
echo bot against the same fake server, answering the same number of updates from as many
people. Both run without the rate limiter, which only measures Telegram's limits (see
fanout.py). Prints updates per second for both and the ratio per update (target <= 1.3).

The bot runs twice, taking its updates by long polling and by webhook (WEBHOOK_URL; the fake
Bot API then POSTs each update to it, one at a time, as Telegram does).

Two more floors show where the difference lies: the echo bot answering button presses as our
flows do (the same API calls), on python-telegram-bot's default transport (httpx) and on the
bot's own (bot_api.AiohttpRequest).

    python bench/updates.py [--people 500]
"""

from __future__ import annotations

import argparse
import asyncio

from harness import TOKEN, Person, machine, sandbox, settings_for, temporary_database, timed
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import bot  # noqa: E402  (harness put the project on the path)
from bot_api import AiohttpRequest
from sandbox.client import SandboxClient
from sandbox.webhook import free_port
from storage import invitations, roster
from storage.db import open_database

STEPS = 7


class Unlimited(AIORateLimiter):
    """No waiting at all: the benchmark measures the bot, not Telegram's limits."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        return await callback(*args, **kwargs)


async def _opinion(person: Person, n: int) -> None:
    await person.send("/opinion")
    await person.press("匿名提交")
    await person.press("形式主义")
    await person.press("门诊部")
    await person.send(f"第{n}号意见：挂号窗口太少，周末排队要一个小时")
    await person.press("完成，预览")
    await person.press("提交")


def _webhook(port: int) -> dict[str, str]:
    return {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_PORT": str(port)}


async def ours(people: int, webhook: bool = False) -> tuple[float, int]:
    """The bot taking updates by long polling, or by webhook (the fake API posts each update)."""
    db_path = temporary_database()
    async with sandbox() as server:
        db = open_database(db_path)
        csv = "姓名,科室,角色\n" + "".join(f"职工{n},门诊部,职工\n" for n in range(people))
        roster.apply(db, roster.parse(csv.encode()), None)
        codes = [i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)]
        mode = _webhook(free_port()) if webhook else {}
        app = bot.build_application(settings_for(server, db_path, OPINION_DAILY_LIMIT="10", **mode), db,
                                    rate_limiter=Unlimited())
        await bot.start_polling(app, poll_timeout=1)
        client = SandboxClient(server.url)
        staff = []
        for n in range(len(codes)):
            await client.user(10_000 + n, f"u{n}")
            staff.append(Person(client, 10_000 + n))
        await asyncio.gather(*(p.send(f"/start {code}") for p, code in zip(staff, codes, strict=True)))
        elapsed = await timed(asyncio.gather(*(_opinion(p, n) for n, p in enumerate(staff))))
        stored = db.execute("select count(*) from opinions").fetchone()[0]
        await client.close()
        await bot.stop_polling(app)
        db.close()
    assert stored == people, f"{stored} opinions stored for {people} people"
    return elapsed, people * STEPS


NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("继续", callback_data="next")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text, reply_markup=NEXT)


async def echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    pressed = context.user_data["pressed"] = context.user_data.get("pressed", 0) + 1
    await update.callback_query.edit_message_text(f"已收到 {pressed}", reply_markup=NEXT)


async def floor(people: int, buttons: bool, our_transport: bool = False) -> tuple[float, int]:
    """The echo bot. With `buttons` it also answers button presses as our flows do (answer the
    press, edit the message), and people press where our flow presses: the same API calls.
    With `our_transport` it sends through the bot's aiohttp transport instead of httpx."""
    async with sandbox() as server:
        builder = ApplicationBuilder().token(TOKEN).base_url(f"{server.url}/bot").rate_limiter(Unlimited())
        if our_transport:
            builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connections=1))
        app = builder.build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        app.add_handler(CallbackQueryHandler(echo_button))
        await app.initialize()
        await app.updater.start_polling(timeout=1)
        await app.start()
        client = SandboxClient(server.url)
        staff = []
        for n in range(people):
            await client.user(10_000 + n, f"u{n}")
            staff.append(Person(client, 10_000 + n))

        async def talk(person: Person) -> None:
            for step in ("send", "press", "press", "press", "send", "press", "press"):
                if step == "send" or not buttons:
                    await person.send(f"消息 {len(person.messages)}")
                else:
                    await person.press("继续")

        elapsed = await timed(asyncio.gather(*(talk(p) for p in staff)))
        await client.close()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    return elapsed, people * STEPS


async def main(people: int) -> None:
    floor_time, floor_updates = await floor(people, buttons=False)
    buttons_time, buttons_updates = await floor(people, buttons=True)
    same_time, same_updates = await floor(people, buttons=True, our_transport=True)
    our_time, our_updates = await ours(people)
    hook_time, hook_updates = await ours(people, webhook=True)
    floor_rate, buttons_rate, same_rate, our_rate = (
        floor_updates / floor_time, buttons_updates / buttons_time, same_updates / same_time, our_updates / our_time)
    print(f"machine: {machine()}; {people} people at once, {STEPS} updates each")
    print(f"floor, echo bot (1 API call per update): {floor_rate:.0f} updates/s")
    print(f"floor, echo bot answering buttons like our flows (same API calls): {buttons_rate:.0f} updates/s")
    print(f"floor, the same on the bot's transport (aiohttp): {same_rate:.0f} updates/s")
    print(f"整改通, anonymous opinions end to end: {our_rate:.0f} updates/s")
    print(f"整改通, the same by webhook: {hook_updates / hook_time:.0f} updates/s "
          f"(time per update, webhook / polling: {our_rate / (hook_updates / hook_time):.2f})")
    print(f"time per update, ours / echo floor: {floor_rate / our_rate:.2f} (target <= 1.3)")
    print(f"time per update, ours / same-calls floor: {buttons_rate / our_rate:.2f}")
    print(f"time per update, ours / same calls on the same transport: {same_rate / our_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    asyncio.run(main(parser.parse_args().people))
