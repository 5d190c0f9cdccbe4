"""整改通's admin commands: what the office runs on the server without a chat.

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

`bot.py` parses the command line with `parser()` and hands a subcommand to `run()`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import config
from storage import invitations, people, problems, roster
from storage.db import open_database


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
    which = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]} to #{ids[-1]}"
    print(f"problems: {len(ids)} listed ({which}); leaders can claim them with /claim")
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


def parser() -> argparse.ArgumentParser:
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


ACTIONS = {"roster": _roster_import, "invite": _invite, "revoke": _revoke,
           "problems": _problems_import, "calendar": _calendar_import, "export": _export,
           "report": _report, "backup": _backup, "restore": _restore}


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    return ACTIONS[args.command](settings, args)
