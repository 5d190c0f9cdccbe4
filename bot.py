"""整改通 entry point.

    python bot.py                          run the bot (the local sandbox when no token is set)
    python bot.py COMMAND ...               the admin commands: see cli.py or `python bot.py --help`
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import signal
import sys

import sqlite_utils
from telegram import BotCommand, BotCommandScopeDefault
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter, Defaults
from telegram.request import BaseRequest

import cli
import config
import handlers
import jobs
from bot_api import AiohttpRequest
from documents import charts
from handlers.context import CONTEXT_TYPES, Services
from handlers.persistence import SQLitePersistence
from storage.db import open_database
from storage.keys import load_keys
from texts import say

log = logging.getLogger("rectify")
SANDBOX_TOKEN = "1000000001:sandbox-token"


class Pacer(AIORateLimiter):
    """Keeps to Telegram's limits (waiting out 429s, as AIORateLimiter does) and also tries a
    request again when it failed on the way (a 5xx, a timeout): a hiccup at Telegram should not
    cost a person their answer. A request refused for what it is (400, 403) is not retried."""

    RETRIES = 3
    REMEMBERED_ANSWERS = 10_000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._answered: collections.OrderedDict[str, None] = collections.OrderedDict()

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint.lower() == "getupdates":  # the updater has its own way of trying again
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        if endpoint.lower() == "answercallbackquery" and self._answered_before(data):
            return True
        for attempt in range(self.RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, Forbidden, RetryAfter):
                raise
            except NetworkError:
                if attempt == self.RETRIES:
                    raise
                await asyncio.sleep(0.3 * 2 ** attempt)
        raise AssertionError("unreachable")

    def _answered_before(self, data: dict) -> bool:
        """Telegram takes one answer per button press and answers a second with 400 (bot
        authors report QUERY_ID_INVALID); a handler that answers and then replies (which
        answers too) would turn a done action into an error message."""
        query_id = str(data.get("callback_query_id"))
        if query_id in self._answered:
            return True
        self._answered[query_id] = None
        if len(self._answered) > self.REMEMBERED_ANSWERS:
            self._answered.popitem(last=False)
        return False


def pacer(per_second: float = 30.0) -> Pacer:
    """Telegram allows about 30 messages a second overall. A bucket of one, refilled evenly,
    spaces requests out instead of letting a burst of 30 go at once (which a strict counter
    of the last second would answer with 429s); a margin of 1.5% keeps clear of the edge."""
    return Pacer(overall_max_rate=1, overall_time_period=1 / (per_second * 0.985), max_retries=3)


def build_application(settings: config.Settings, db: sqlite_utils.Database,
                      rate_limiter: BaseRateLimiter | None = None, request: BaseRequest | None = None
                      ) -> Application:
    """The bot. `rate_limiter` keeps to Telegram's limits (30 messages a second overall by
    default); benchmarks pass a scaled one. `request` replaces the HTTP transport (the fast
    test tier answers from the fake Bot API in process)."""
    app = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .request(request or AiohttpRequest())
        .get_updates_request(request or AiohttpRequest(connections=1))
        .persistence(SQLitePersistence(db))
        .rate_limiter(rate_limiter or pacer())
        .concurrent_updates(False)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    services = Services(db, settings, load_keys(settings.secret_key, settings.database_path))
    app.bot_data["services"] = services
    # the same, under the names the handlers and jobs have read them by
    app.bot_data["db"], app.bot_data["settings"], app.bot_data["keys"] = db, settings, services.keys
    handlers.register(app)
    jobs.schedule(app)
    return app


async def _publish_default_commands(app: Application) -> None:
    # What someone who has not joined sees; members get their own list when they join.
    lang = app.bot_data["settings"].default_language
    await app.bot.set_my_commands(
        [BotCommand("start", say(lang, "cmd.start")), BotCommand("help", say(lang, "cmd.help"))],
        scope=BotCommandScopeDefault(),
    )


async def start_polling(app: Application, poll_timeout: int = 10) -> None:
    await app.initialize()
    await _publish_default_commands(app)
    await app.updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)
    await app.start()


async def stop_polling(app: Application) -> None:
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def _configure_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    quiet_libraries()


def _still_running(record: logging.LogRecord) -> bool:
    """A delivery pass that outlasts its half-second interval (a broadcast to thousands takes
    minutes at Telegram's pace) is expected; APScheduler would warn of it twice a second."""
    return "maximum number of running instances reached" not in record.getMessage()


def quiet_libraries() -> None:
    """Libraries log what we must not: httpx logs every URL at INFO, and the URL carries the
    bot token; python-telegram-bot logs whole API responses (updates with message texts) at
    DEBUG. Their levels are fixed here whatever LOG_LEVEL says."""
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "aiohttp.client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_still_running)
    logging.getLogger("telegram").setLevel(logging.INFO)


async def _start_sandbox(settings: config.Settings):
    from sandbox.app import SandboxServer

    server = SandboxServer(SANDBOX_TOKEN, settings.sandbox_host, settings.sandbox_port)
    await server.start()
    return server, dataclasses.replace(settings, bot_token=SANDBOX_TOKEN, base_url=server.url)


async def serve(settings: config.Settings) -> None:
    sandbox = None
    if settings.sandboxed:
        sandbox, settings = await _start_sandbox(settings)
    db = open_database(settings.database_path)
    app = build_application(settings, db)
    if sandbox:
        from sandbox import demo

        demo.prepare(app, sandbox)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await start_polling(app)
    if sandbox:
        await demo.join(app, sandbox)
        print(f"整改通 demo: open {sandbox.url} in a browser (Ctrl+C here stops it).", flush=True)
    log.info("bot running as @%s", app.bot.username)
    await stopping.wait()
    await stop_polling(app)
    if sandbox:
        await sandbox.stop()
    db.close()


def main(argv: list[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    try:
        settings = config.load()
    except config.ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    if args.command in (None, "report"):
        try:  # digests and reports draw Chinese; without a font they would draw empty boxes
            log.info("charts use the font %s", charts.require_cjk_font())
        except charts.FontMissing as error:
            print(f"font error: {error}", file=sys.stderr)
            return 2
    if args.command is None:
        asyncio.run(serve(settings))
        return 0
    return cli.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
