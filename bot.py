"""整改通 entry point.

    python bot.py                          run the bot (the local sandbox when no token is set)
    python bot.py roster import FILE.csv   bring the roster in line with a CSV file
    python bot.py invite [--department D] [--person NAME] [--out DIR]
                                           new invitations (QR PNGs and printable sheets)
    python bot.py revoke NAME              withdraw a person's unused invitation
    python bot.py problems import FILE.csv list a meeting's findings (all or nothing)
    python bot.py calendar import FILE.csv phases and meetings (all or nothing)
    python bot.py export LEDGER.xlsx [--department D] [--leader L] [--status S] [--since DATE]
    python bot.py report [--from DATE] [--to DATE] [--out FILE.docx]
                                           the summary report for the superior body
    python bot.py backup [--out DIR]       an online copy of the database, now
    python bot.py restore FILE             put a backup back (stop the bot first)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import logging
import signal
import sys
from pathlib import Path

import sqlite_utils
from telegram import BotCommand, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

import config
import handlers
import jobs
from bot_api import AiohttpRequest
from documents import charts
from handlers.persistence import SQLitePersistence
from storage import invitations, people, problems, roster
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
                      rate_limiter: AIORateLimiter | None = None) -> Application:
    """The bot. `rate_limiter` keeps to Telegram's limits (30 messages a second overall by
    default); benchmarks pass a scaled one."""
    app = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .persistence(SQLitePersistence(db))
        .rate_limiter(rate_limiter or pacer())
        .concurrent_updates(False)
        .build()
    )
    app.bot_data["db"] = db
    app.bot_data["settings"] = settings
    app.bot_data["keys"] = load_keys(settings.secret_key, settings.database_path)
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


# ---- admin subcommands -----------------------------------------------------------------


def _roster_import(settings: config.Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_path)
    try:
        rows = roster.parse(Path(args.file).read_bytes())
    except roster.RosterError as error:
        from handlers.roster import file_error_text  # the same wording the office sees in chat

        print(file_error_text(settings.default_language, error), file=sys.stderr)
        return 1
    changes = roster.apply(db, rows, None)
    print(f"roster: {len(changes.added)} added, {len(changes.updated)} updated, "
          f"{len(changes.deactivated)} deactivated, {changes.unchanged} unchanged")
    return 0


async def _bot_username(settings: config.Settings) -> str:
    if settings.bot_username:
        return settings.bot_username
    if settings.sandboxed:
        from sandbox.server import BOT_USERNAME

        return BOT_USERNAME
    from telegram import Bot

    async with Bot(settings.bot_token, base_url=settings.api_url) as bot:
        return bot.username


def _invite(settings: config.Settings, args: argparse.Namespace) -> int:
    from documents import invitation_sheet

    db = open_database(settings.database_path)
    if args.department and args.department not in people.departments(db):
        print(f"no department {args.department!r}; known: {', '.join(people.departments(db))}",
              file=sys.stderr)
        return 1
    waiting = invitations.unbound(db, args.department)
    if args.person:
        waiting = [p for p in waiting if p.name == args.person]
    if not waiting:
        print("nobody is waiting for an invitation")
        return 0
    issued = invitations.issue(db, [p.id for p in waiting], settings.invitation_ttl_days)
    username = asyncio.run(_bot_username(settings))
    sheets = invitation_sheet.write_all(issued, username, settings.timezone, Path(args.out))
    for invitation in issued:
        print(f"{invitation.person.department}\t{invitation.person.name}\t"
              f"{invitation_sheet.deep_link(username, invitation.code)}")
    print(f"{len(issued)} invitations, valid {settings.invitation_ttl_days} days; "
          f"sheets: {', '.join(str(s) for s in sheets)}")
    return 0


def _import_file(settings: config.Settings, path: str, family: str, parse, apply) -> list | None:
    """Parse a CSV of the given family and apply it all or nothing; None (and the reason on
    stderr, in the office's wording) when the file is refused."""
    from handlers.roster import file_error_text
    from storage.csv_files import FileRejected

    db = open_database(settings.database_path)
    try:
        parsed = parse(db, Path(path).read_bytes())
    except FileRejected as error:
        print(file_error_text(settings.default_language, error, family), file=sys.stderr)
        return None
    return apply(db, parsed, None)


def _problems_import(settings: config.Settings, args: argparse.Namespace) -> int:
    ids = _import_file(settings, args.file, "findings", lambda db, raw: problems.parse_findings(raw),
                       problems.import_findings)
    if ids is None:
        return 1
    print(f"problems: {len(ids)} listed (#{ids[0]} to #{ids[-1]}); leaders can claim them with /claim")
    return 0


def _calendar_import(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import calendar

    ids = _import_file(settings, args.file, "calendar",
                       lambda db, raw: calendar.parse_csv(db, raw, settings.timezone), calendar.import_events)
    if ids is None:
        return 1
    print(f"calendar: {len(ids)} entries added; attendees are reminded before meetings")
    return 0


def _export(settings: config.Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from documents import ledger_workbook
    from storage.clock import clock

    db = open_database(settings.database_path)
    where, params = ledger_workbook.filters_to_sql(
        department=args.department, leader=args.leader, status=args.status,
        since=date.fromisoformat(args.since) if args.since else None)
    count = ledger_workbook.write(db, args.file, clock.now().astimezone(settings.timezone).date(),
                                  settings.timezone, where=where, params=params,
                                  amber=settings.ledger_amber_days, stale=settings.ledger_stale_days)
    print(f"ledger: {count} problems written to {args.file}")
    return 0


def _report(settings: config.Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from documents import summary_report
    from storage import summary
    from storage.clock import clock

    db = open_database(settings.database_path)
    today = clock.now().astimezone(settings.timezone).date()
    try:
        start = (date.fromisoformat(args.start) if args.start
                 else summary.campaign_start(db, settings.timezone, today))
        end = date.fromisoformat(args.end) if args.end else today
    except ValueError as error:
        print(f"report: {error}; write dates as 2026-11-30", file=sys.stderr)
        return 1
    if start > end:
        print(f"report: the period starts ({start}) after it ends ({end})", file=sys.stderr)
        return 1
    out = Path(args.out or f"整改落实情况综合报告-{start.isoformat()}-{end.isoformat()}.docx")
    out.write_bytes(summary_report.for_period(db, start, end, settings.timezone, settings.institution, today,
                                              settings.evaluation_min_ballots, settings.evaluation_rule))
    print(f"report: {start} to {end} written to {out}")
    return 0


def _backup(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import backups
    from storage.clock import clock

    open_database(settings.database_path).close()  # migrated, so a backup is always current
    folder = (Path(args.out) if args.out
              else backups.folder_for(settings.database_path, settings.backup_dir))
    path = backups.take(settings.database_path, folder, clock.now().astimezone(settings.timezone),
                        settings.backup_keep)
    print(f"backup: {path}")
    return 0


def _restore(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import backups
    from storage.clock import clock

    try:
        kept = backups.restore(Path(args.file), settings.database_path,
                               clock.now().astimezone(settings.timezone))
    except backups.BackupError as error:
        print(f"restore: {error}; nothing was changed", file=sys.stderr)
        return 1
    print(f"restore: {args.file} is now {settings.database_path}"
          + (f"; the old one is {kept}" if kept else ""))
    return 0


def _revoke(settings: config.Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_path)
    matches = [p for p in people.everyone(db) if p.name == args.name]
    if not matches:
        print(f"nobody called {args.name!r} on the roster", file=sys.stderr)
        return 1
    count = sum(invitations.revoke(db, p.id) for p in matches)
    print(f"{count} invitation(s) revoked")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="整改通 rectification bot")
    commands = parser.add_subparsers(dest="command")
    roster_cmd = commands.add_parser("roster", help="roster administration")
    roster_sub = roster_cmd.add_subparsers(dest="action", required=True)
    roster_sub.add_parser("import", help="import a CSV roster").add_argument("file")
    invite = commands.add_parser("invite", help="make invitations for people not yet joined")
    invite.add_argument("--department")
    invite.add_argument("--person", help="only this person (by name)")
    invite.add_argument("--out", default="invitations")
    commands.add_parser("revoke", help="withdraw a person's unused invitation").add_argument("name")
    problems_cmd = commands.add_parser("problems", help="the problem list")
    problems_sub = problems_cmd.add_subparsers(dest="action", required=True)
    problems_sub.add_parser("import", help="list a meeting's findings from CSV").add_argument("file")
    export = commands.add_parser("export", help="the ledger (整改台账) as an Excel file")
    export.add_argument("file")
    export.add_argument("--department")
    export.add_argument("--leader")
    export.add_argument("--status", choices=problems.STATES)
    export.add_argument("--since", help="listed on or after this date (YYYY-MM-DD)")
    report = commands.add_parser("report", help="the summary report for the superior body (.docx)")
    report.add_argument("--from", dest="start", help="first day (YYYY-MM-DD); default: the campaign's start")
    report.add_argument("--to", dest="end", help="last day (YYYY-MM-DD); default: today")
    report.add_argument("--out", help="the .docx to write")
    backup = commands.add_parser("backup", help="an online copy of the database, now")
    backup.add_argument("--out", help="folder (default: BACKUP_DIR or backups/ beside the database)")
    restore = commands.add_parser("restore",
                                  help="put a backup in place of the database (stop the bot first)")
    restore.add_argument("file")
    calendar_cmd = commands.add_parser("calendar", help="the campaign calendar")
    calendar_sub = calendar_cmd.add_subparsers(dest="action", required=True)
    calendar_sub.add_parser("import", help="phases and meetings from CSV").add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
    action = {"roster": _roster_import, "invite": _invite, "revoke": _revoke,
              "problems": _problems_import, "calendar": _calendar_import, "export": _export,
              "report": _report, "backup": _backup, "restore": _restore}[args.command]
    return action(settings, args)


if __name__ == "__main__":
    sys.exit(main())
