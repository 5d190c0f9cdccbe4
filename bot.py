"""整改通 entry point.

python bot.py                          run the bot (the local sandbox when no token is set)
python bot.py COMMAND ...               the admin commands: see cli.py or `python bot.py --help`
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import gc
import logging
import math
import os
import signal
import sys
import time

import sqlite_utils
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    Defaults,
)
from telegram.request import BaseRequest

import cli
import config
import handlers
import jobs
import pacing
import services as held
from bot_api import AiohttpRequest, redact_logs
from documents import charts
from handlers import typed_choice
from handlers.context import CONTEXT_TYPES
from handlers.persistence import SQLitePersistence
from health import server as health_server
from health import vitals
from jobs import institutions
from services import KEY, Services, Shared
from storage import anonymous_pool, dates, holiday_notice
from storage.clock import clock
from storage.db import Checkpointer, open_database
from storage.keys import load_keys
from storage.upgrades import UpgradeFailed
from texts import say

log = logging.getLogger("rectify")
SANDBOX_TOKEN = "1000000001:sandbox-token"


class Pacer(AIORateLimiter):
    """Keeps to Telegram's limits (waiting out 429s, as AIORateLimiter does) and also tries a
    request again when it failed on the way (a 5xx, a timeout): a hiccup at Telegram should not
    cost a person their answer. A request refused for what it is (400, 403) is not retried.

    Calls bound for a chat go by a timetable of about 30 a second (pacing.py), Telegram's
    figure for bulk notifications, except an answer to the person whose update is being
    handled (a reply, an edit, a deletion in their own chat): that goes at once and is counted,
    so the outbox takes what answers leave of the 30."""

    RETRIES = 3
    REMEMBERED_ANSWERS = 10_000

    def __init__(
        self, *args, free: pacing.Timetable | None = None, paid: pacing.Timetable | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self._answered: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.free, self.paid = free, paid  # the timetables of sends to chats (pacing.py)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint.lower() == "getupdates":  # the updater has its own way of trying again
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        timetable = self.paid if data.get("allow_paid_broadcast") else self.free
        chat_id = data.get("chat_id")
        if timetable is not None and chat_id is not None:
            # An answer to someone who just wrote goes at once and the outbox gives way to it;
            # Telegram's ~30 a second is for bulk notifications (README, "Telegram's limits").
            # Each attempt takes a slot or is counted.
            answer = timetable is self.free and pacing.is_answer(chat_id)
            callback = _on_timetable(timetable, callback, at_once=answer)
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
                await asyncio.sleep(0.3 * 2**attempt)
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


def _on_timetable(timetable: pacing.Timetable, callback, at_once: bool = False):
    """Each attempt waits for its slot, or (an answer) goes at once and is only counted; either
    way it counts in the window until a second after its answer, and its round trip is kept."""

    async def paced(*args, **kwargs):
        if at_once:
            timetable.note()
        else:
            await timetable.slot()
        left = time.monotonic()
        try:
            return await callback(*args, **kwargs)
        finally:
            timetable.answered()
            timetable.took(time.monotonic() - left)

    return paced


class PerPersonOrder(BaseUpdateProcessor):
    """Different people's updates are handled at once; one person's, one at a time and in the
    order Telegram sent them. On a real network each update waits for round trips to Telegram,
    so handling them one by one for everybody would make a ward wait behind one slow reply.
    A person's conversation state, drafts and double taps stay in order as before.

    Storage functions are synchronous and commit before they return, so no transaction is ever
    open across an `await`; that is what makes running handlers side by side safe."""

    def __init__(self, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: collections.Counter[int] = collections.Counter()
        self.last_seen = -math.inf  # time.monotonic() when a person's update last came or ended

    @property
    def in_flight(self) -> int:
        """How many people's updates are being handled or waiting their turn (long passes
        pause longer while anyone is: jobs/slices.py)."""
        return len(self._waiting)

    async def do_process_update(self, update: object, coroutine) -> None:
        person = _person_key(update)
        if person is None:
            await coroutine
            return
        self._waiting[person] += 1
        self.last_seen = time.monotonic()
        turn = self._turns.setdefault(person, asyncio.Lock())
        try:
            # asyncio.Lock wakes its waiters first come, first served; what the handler sends
            # to this chat is an answer to the person (the pacer lets it go first)
            async with turn:
                with pacing.answering(update.effective_chat.id if update.effective_chat else None):
                    await coroutine
        finally:
            self.last_seen = time.monotonic()
            self._waiting[person] -= 1
            if not self._waiting[person]:
                del self._waiting[person], self._turns[person]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _person_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat else None


def pacer(
    per_second: float = pacing.FREE_PER_SECOND, paid_per_second: float = pacing.PAID_PER_SECOND
) -> Pacer:
    """Telegram allows bulk notifications about 30 messages a second, and 1,000 with paid
    broadcasts: each kept by a timetable (pacing.py), which spaces sends out and makes up for a
    late one. Answers to people who just wrote are not held to it (Pacer)."""
    return Pacer(
        overall_max_rate=0,
        max_retries=3,
        free=pacing.Timetable(per_second),
        paid=pacing.Timetable(paid_per_second),
    )


def build_application(
    settings: config.Settings,
    db: sqlite_utils.Database,
    rate_limiter: BaseRateLimiter | None = None,
    request: BaseRequest | None = None,
) -> Application:
    """The bot. `rate_limiter` keeps to Telegram's limits (30 messages a second overall by
    default); benchmarks pass a scaled one. `request` replaces the HTTP transport (the fast
    test tier answers from the fake Bot API in process)."""
    # The bot remembers the inline keyboards it shows, so a typed label works as a tap
    # (handlers/typed_choice.py); built here because ApplicationBuilder takes a bot or its parts.
    offering = typed_choice.OfferingBot(
        token=settings.bot_token,
        base_url=settings.api_url,
        base_file_url=settings.file_url,
        request=request or AiohttpRequest(),
        get_updates_request=request or AiohttpRequest(connections=1),
        rate_limiter=rate_limiter or pacer(),
        defaults=Defaults(parse_mode=ParseMode.HTML),
    )
    app = (
        ApplicationBuilder()
        .bot(offering)
        .persistence(SQLitePersistence(db))
        .concurrent_updates(PerPersonOrder())
        .application_class(vitals.CountingApplication)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    keys = load_keys(settings.secret_key, settings.database_path, settings.secret_key_file)
    # Anonymous items wait in the pool, in memory, for their shuffled batch (the promise in README).
    services = Services(db, settings, Shared(keys), anonymous_pool.attach(db, settings.anonymity_set))
    app.bot_data[KEY] = services
    # the same under their old names, for the tests, the sandbox and the benchmarks (handlers
    # and jobs read services.py's typed fields: tests/test_services.py)
    app.bot_data.update(db=db, settings=settings, keys=keys, anonymous_pool=services.anonymous_pool)
    institutions.attach(app)  # 督导: every institution's database, when there are several
    handlers.register(app)
    jobs.schedule(app)
    vitals.watch(app)
    return app


async def _publish_default_commands(app: Application) -> None:
    # What someone who has not joined sees; members get their own list when they join.
    lang = app.bot_data["settings"].default_language
    await app.bot.set_my_commands(
        [BotCommand("start", say(lang, "cmd.start")), BotCommand("help", say(lang, "cmd.help"))],
        scope=BotCommandScopeDefault(),
    )


async def start_polling(app: Application, poll_timeout: int = 10) -> None:
    """Start taking updates: by webhook when WEBHOOK_URL is set, else by long polling (which
    removes a webhook left from before). Updates waiting at Telegram are never dropped: they
    are what people sent while the bot was down."""
    settings: config.Settings = app.bot_data["settings"]
    await app.initialize()
    await _publish_default_commands(app)
    if settings.webhook_url:
        await app.updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret_token,
            drop_pending_updates=False,
            bootstrap_retries=3,
        )
    else:
        await app.updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)
    await app.start()


YOUNG_PASS = 10_000  # container objects allocated between the collector's young passes (Python: 700)


def settle_heap() -> None:
    """What the start built lives as long as the bot: collected once, then left out of the
    garbage collector's full passes, which walk every object in C and hold the event loop
    throughout (up to 194 ms at full size; 11 ms after this, bench/README.md).

    Young passes come every YOUNG_PASS allocations rather than every 700: at 700 the collector
    walked the updates in flight (their parsed objects, requests, tasks) some 240 times for 700
    updates, a tenth of the bot's CPU an update; at 10,000 it walks them 10 times, about 10 ms
    each (bench/README.md, CPU per update)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_PASS, *gc.get_threshold()[1:])


SWITCH_SECONDS = 0.0002  # the interpreter's switch interval while the bot runs (Python's: 0.005)


def shorten_thread_switches() -> None:
    """A worker thread running Python (the hot-spot index rebuilt after a restart: 47 s at
    100,000 opinions; an export) keeps the interpreter's lock for up to the switch interval
    each time the event loop gives it up for a system call, and a reply makes many. With
    Python's 5 ms, ten socket round trips took a median 20-31 ms during a rebuild instead of
    0.9; with 0.2 ms, 5.7 ms, and the rebuild took as long (bench/hotspots_rebuild.py)."""
    sys.setswitchinterval(SWITCH_SECONDS)


async def stop_polling(app: Application) -> None:
    """Stop gracefully: take no new updates and start no new job; the update being handled,
    those already taken and the message delivery has in flight are finished (a delivery pass
    ends after it: the rest of the outbox waits for the next start); conversation state is
    flushed. Jobs still running after JOBS_GRACE seconds are cancelled (an unmarked message is
    then sent again at the next start: once at most)."""
    held.of(app).shared.stopping = True
    if app.job_queue.scheduler.running:
        app.job_queue.scheduler.pause()
    if app.updater.running:
        await app.updater.stop()
    await _let_jobs_finish(app, JOBS_GRACE)
    if app.running:
        await app.stop()
    await app.shutdown()
    charts.stop_drawing()


JOBS_GRACE = 5.0  # seconds; with the rest, a stop stays within the 10 s Docker allows
STOP_LIMIT = 9.0  # seconds; past this the process ends anyway (docker stop kills at 10)


async def _let_jobs_finish(app: Application, grace: float) -> None:
    # APScheduler's asyncio executor keeps its running jobs here; PTB's JobQueue.stop waits on
    # the same set, without a limit.
    running = [f for f in app.job_queue._executor._pending_futures if not f.done()]
    if not running:
        return
    _, late = await asyncio.wait(running, timeout=grace)
    for future in late:
        future.cancel()
    if late:
        log.warning(
            "stopping: %d job(s) cancelled after %.0f s; their work resumes at the next start",
            len(late),
            grace,
        )


def _configure_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    redact_logs()  # the token never reaches a log line, a traceback's causes included
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


class CannotReachTelegram(Exception):
    """The start's first call to the Bot API failed: no route, no name (exit 4: a restart may
    find the network back), or a refused token (exit 2, as a bad setting: a restart cannot
    mend it, deploy/rectify-bot.service)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def _reach_telegram(app: Application, settings: config.Settings) -> None:
    """start_polling, with a start that cannot reach Telegram said in one line (the manual's
    first section: a server in mainland China usually needs HTTPS_PROXY) instead of a page of
    traceback from inside aiohttp."""
    try:
        await start_polling(app)
    except InvalidToken as error:
        await _close_requests(app)
        raise CannotReachTelegram(
            f"Telegram refused TELEGRAM_BOT_TOKEN ({error}): copy it again from @BotFather", 2
        ) from None
    except NetworkError as error:
        await _close_requests(app)
        raise CannotReachTelegram(
            f"cannot reach Telegram at {settings.base_url} ({error}); where it is reachable only "
            f"through a proxy, set HTTPS_PROXY=http://host:port in .env",
            4,
        ) from None


async def _close_requests(app: Application) -> None:
    """The connections a start that failed half way opened (the bot was never initialised, so
    its shutdown would skip them, and each would be reported unclosed)."""
    for request in app.bot._request:  # (python-telegram-bot's pair: updates, everything else)
        await request.shutdown()


def _know_the_holidays(settings: config.Settings) -> None:
    """The imported holiday notices, and a warning in the log while this year's or (from
    November) next year's holidays are unknown: digests and deadlines would count the Spring
    Festival as working days."""
    dates.follow_holiday_file(holiday_notice.path_for(settings.database_path))
    for year in dates.years_to_import(clock.now().astimezone(settings.timezone).date()):
        log.warning(
            "the holidays of %s are not known: import the State Council's notice "
            "(python bot.py holidays import FILE); until then Monday to Friday are working days",
            year,
        )


async def serve(settings: config.Settings) -> None:
    sandbox = None
    if settings.sandboxed:
        sandbox, settings = await _start_sandbox(settings)
    db = open_database(settings.database_path, settings.backup_dir)  # a backup before any migration
    _know_the_holidays(settings)
    app = build_application(settings, db)
    if sandbox:
        from sandbox import demo

        demo.prepare(app, sandbox)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await _reach_telegram(app, settings)
    except CannotReachTelegram:
        if sandbox:
            await sandbox.stop()
        db.close()
        raise
    settle_heap()
    shorten_thread_switches()
    checkpoints = Checkpointer(db).start()  # SQLite's checkpoints off the event loop
    # the chart process, started while nothing waits on it (not by the first 08:30 digest)
    drawing = asyncio.create_task(charts.start_drawing())
    health = await health_server.start(app)
    if sandbox:
        await demo.join(app, sandbox)
        print(f"整改通 demo: open {sandbox.url} in a browser (Ctrl+C here stops it).", flush=True)
    log.info("bot running as @%s", app.bot.username)
    await stopping.wait()
    log.info("stopping")
    if health:
        await health.cleanup()
    try:
        await asyncio.wait_for(stop_polling(app), STOP_LIMIT)
    except TimeoutError:
        log.warning(
            "stopping took over %.0f s; ending with work unfinished (it resumes at the next start)",
            STOP_LIMIT,
        )
    await asyncio.wait({drawing}, timeout=1)  # stop_polling ended the chart process, started or not
    if sandbox:
        await sandbox.stop()
    institutions.close(app)
    checkpoints.stop()
    db.close()


def _private_files(settings: config.Settings) -> None:
    """umask 077 from here on, and what an older version left readable by others tightened."""
    from storage import backups, disk

    disk.private(
        settings.database_path,
        backups.folder_for(settings.database_path, settings.backup_dir),
        settings.secret_key_file,
    )
    for unit in _other_institutions(settings):  # 督导: every institution's files are tightened too
        disk.private(
            unit.database_path,
            backups.folder_for(unit.database_path, unit.backup_dir),
            settings.secret_key_file,
        )


def _other_institutions(settings: config.Settings) -> list[config.Settings]:
    """Each institution's settings but the main database's (none in a one-institution deployment,
    or when the directory cannot be read: the doctor and the start say why)."""
    import sqlite3

    from jobs.institutions import unit_settings
    from storage.institutions import on_disk

    try:
        return [unit_settings(settings, unit) for unit in on_disk(settings.database_path) if not unit.is_main]
    except sqlite3.Error:
        return []


def main(argv: list[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    try:
        settings = config.load()
    except config.ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    if args.command != "doctor":  # the doctor reports what it finds, it changes nothing
        _private_files(settings)
    if args.command in (None, "report"):
        try:  # digests and reports draw Chinese; without a font they would draw empty boxes
            log.info("charts use the font %s", charts.require_cjk_font())
        except charts.FontMissing as error:
            print(f"font error: {error}", file=sys.stderr)
            return 2
    if args.command is None:
        try:
            asyncio.run(serve(settings))
        except UpgradeFailed as error:
            print(error, file=sys.stderr)
            return 3
        except CannotReachTelegram as error:
            print(error, file=sys.stderr)
            return error.exit_code
        return 0
    try:
        return cli.run(settings, args)
    except UpgradeFailed as error:  # any command opens the database, and so may upgrade it
        print(error, file=sys.stderr)
        return 3
    except BrokenPipeError:  # the reader left (`... | head`): what it read was right, no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
