"""整改通's admin commands: what the office runs on the server without a chat.

    python bot.py roster import FILE [--yes]
                                           bring the roster in line with a CSV or .xlsx file;
                                           --yes when it deactivates many people or the office
    python bot.py departments [rename OLD NEW | merge FROM INTO | remove NAME] [--yes]
                                           list departments, or correct one created by mistake:
                                           without --yes it only shows what would change
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
    python bot.py poster [--out DIR] [--pause | --resume]
                                           the public box's lobby posters (A4 and A3 PDF) and
                                           its link; --pause / --resume close or open the box
    python bot.py slips SHEET N [--out FILE.pdf]
                                           N one-time rating slips (评议票) for rating sheet SHEET,
                                           as an A4 PDF to print and cut
    python bot.py hotspots group FILE      one group number per line of FILE (one opinion a line;
                                           a line with tabs: only its last column, the text)
    python bot.py migrate [--dry-run]      upgrade the database now (after a backup), or list
                                           what an upgrade would run
    python bot.py holidays [import FILE [--year Y] [--yes]]
                                           the years whose holidays are known; read the State
                                           Council's holiday notice for a year chinese-calendar
                                           does not know yet (without --yes it only shows it)
    python bot.py doctor                   file modes, key placement, free disk, integrity, WAL,
                                           last backup; exits 1 when something needs attention

`bot.py` parses the command line with `parser()` and hands a subcommand to `run()`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import config
from storage import departments, institutions, invitations, people, problems, roster
from storage.db import open_database


def _roster_import(settings: config.Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_path)
    try:
        rows = roster.parse(Path(args.file).read_bytes())
    except roster.RosterError as error:
        from handlers.people.roster import file_error_text  # the same wording the office sees in chat

        print(file_error_text(settings.default_language, error), file=sys.stderr)
        return 1
    if not args.yes and not any(r.institution for r in rows) and _may_lock_out_by_name(db, rows):
        return 2
    try:
        if getattr(args, "institution", None):  # one institution's roster, into its database
            rows = roster.of_one_institution(rows, args.institution)
            by_unit = {args.institution: roster.apply(db, rows, None, risks_confirmed=args.yes)}
        else:
            by_unit = institutions.import_roster(
                db, settings.database_path, rows, settings.institution, risks_confirmed=args.yes
            )
    except roster.RosterError as error:  # a roster of several institutions that does not add up
        from handlers.people.roster import file_error_text

        print(file_error_text(settings.default_language, error), file=sys.stderr)
        return 1
    except roster.RiskyImport as risky:
        from handlers.people.roster import risk_text

        print(risk_text(settings.default_language, risky.changes, html_tags=False), file=sys.stderr)
        print("nothing was changed; run again with --yes if the file is right", file=sys.stderr)
        return 2
    for unit, changes in by_unit.items():
        where = f" ({unit})" if len(by_unit) > 1 else ""
        print(
            f"roster{where}: {len(changes.added)} added, {len(changes.updated)} updated, "
            f"{len(changes.deactivated)} deactivated, {changes.unchanged} unchanged"
        )
        if changes.new_departments:
            print(f"roster{where}: new departments: " + ", ".join(changes.new_departments))
        for old, now in changes.former_names.items():  # renamed or merged by the office
            print(f"roster{where}: {old!r} is now {now!r}; imported as {now!r}")
        for new, old in changes.look_alikes:  # a department spelled two ways splits its people
            print(f"roster{where}: check: {new!r} looks like {old!r}; if they are one, write it one way")
    return 0


def _may_lock_out_by_name(db, rows: list) -> bool:
    """Newcomers who may be someone the import would deactivate (王小明 corrected to 王晓明):
    imported as they are, the joined person would lose their account. Printed, and True:
    the office answers in chat (/roster), or runs again with --yes to take them as different."""
    found = roster.preview(db, rows).similar_people
    for row, person in found:
        print(
            f"roster: {row.name!r} ({row.department}) would be added and {person['name']!r} "
            f"({person['department']}) deactivated: one person?",
            file=sys.stderr,
        )
    if found:
        print(
            "nothing was changed; import it in chat (/roster) to answer, or run again with --yes",
            file=sys.stderr,
        )
    return bool(found)


def _departments(settings: config.Settings, args: argparse.Namespace) -> int:
    """The office's /departments on the command line (storage/departments.py)."""
    db = open_database(settings.database_path)
    if not args.action:
        listed = people.department_list(db)
        counts = departments.people_counts(db)
        for department_id, name in listed:
            alike = [other for _, other in listed if other != name and departments.looks_alike(name, other)]
            note = f"\tlooks like {', '.join(alike)}" if alike else ""
            print(f"{name}\t{counts.get(department_id, 0)} people{note}")
        return 0
    wanted = 2 if args.action in ("rename", "merge") else 1
    if len(args.names) != wanted:
        print(f"departments {args.action}: {wanted} names, please", file=sys.stderr)
        return 1
    found = {}
    for typed in args.names[: 1 if args.action == "rename" else wanted]:  # a new name is not looked up
        name = people.department_named(db, typed)
        if name is None:
            print(f"no department {typed!r}; known: {', '.join(people.departments(db))}", file=sys.stderr)
            return 1
        found[typed] = people.department_id(db, name)
    first = found[args.names[0]]
    try:
        if args.action == "rename":
            new = departments.check_new_name(db, first, args.names[1])
            what = f"rename {people.department_name(db, first)!r} to {new!r}"
        elif args.action == "merge":
            into = found[args.names[1]]
            if into == first:
                print("departments merge: that is one department", file=sys.stderr)
                return 1
            what = f"merge {people.department_name(db, first)!r} into {people.department_name(db, into)!r}"
        else:
            what = f"remove {people.department_name(db, first)!r}"
        usage = departments.usage(db, first)
        counted = ", ".join(f"{field.replace('_', ' ')}: {count}" for field, count in usage.nonzero().items())
        print(f"{what}; what names it: {counted or 'nothing'}")
        if args.action == "remove" and not usage.empty:
            print("a department that something names cannot be removed; merge it instead", file=sys.stderr)
            return 1
        if not args.yes:
            print("nothing was changed; run again with --yes to do it (a merge cannot simply be undone)")
            return 2
        if args.action == "rename":
            departments.rename(db, first, args.names[1], None)
        elif args.action == "merge":
            departments.merge(db, first, found[args.names[1]], None)
        else:
            departments.remove(db, first, None)
    except departments.DepartmentError as error:
        taken = f" ({error.name!r} exists: merge into it instead)" if error.reason == "taken" else ""
        print(f"departments {args.action}: {error.reason}{taken}", file=sys.stderr)
        return 1
    print(f"done: {what}")
    return 0


class NoBotUsername(Exception):
    """The links need the bot's @name, and Telegram could not be asked for it."""


async def _bot_username(settings: config.Settings) -> str:
    if settings.bot_username:
        return settings.bot_username
    if settings.sandboxed:
        from sandbox.server import BOT_USERNAME

        return BOT_USERNAME
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    try:
        async with Bot(settings.bot_token, base_url=settings.api_url) as bot:
            return bot.username
    except (NetworkError, InvalidToken) as error:  # a server that cannot reach Telegram yet
        raise NoBotUsername(
            f"cannot ask Telegram for the bot's name for the links ({error}): set BOT_USERNAME in .env "
            f"(the name @BotFather gave, without @), or HTTPS_PROXY=http://host:port where Telegram "
            f"is reachable only through a proxy; nothing was changed"
        ) from None


def _invite(settings: config.Settings, args: argparse.Namespace) -> int:
    from documents import invitation_sheet

    db = open_database(settings.database_path)
    if args.department and args.department not in people.departments(db):
        print(
            f"no department {args.department!r}; known: {', '.join(people.departments(db))}", file=sys.stderr
        )
        return 1
    waiting = invitations.unbound(db, args.department)
    if args.person:
        waiting = [p for p in waiting if p.name == args.person]
    if not waiting:
        print("nobody is waiting for an invitation")
        return 0
    # the links' name first: issuing voids the person's old code, a sheet maybe handed out
    username = asyncio.run(_bot_username(settings))
    issued = invitations.issue(db, [p.id for p in waiting], settings.invitation_ttl_days)
    sheets = invitation_sheet.write_all(issued, username, settings.timezone, Path(args.out))
    for invitation in issued:
        number = f" ({invitation.staff_number})" if invitation.staff_number else ""  # two of one name
        print(
            f"{invitation.person.department}\t{invitation.person.name}{number}\t"
            f"{invitation_sheet.deep_link(username, invitation.code)}"
        )
    print(
        f"{len(issued)} invitations, valid {settings.invitation_ttl_days} days; "
        f"sheets: {', '.join(str(s) for s in sheets)}"
    )
    return 0


def _import_file(settings: config.Settings, path: str, family: str, parse, apply, db) -> list | None:
    """Parse a CSV of the given family and apply it all or nothing; None (and the reason on
    stderr, in the office's wording) when the file is refused."""
    from handlers.people.roster import file_error_text
    from storage.csv_files import FileRejected

    try:
        parsed = parse(db, Path(path).read_bytes())
    except FileRejected as error:
        print(file_error_text(settings.default_language, error, family), file=sys.stderr)
        return None
    return apply(db, parsed, None)


def _problems_import(settings: config.Settings, args: argparse.Namespace) -> int:
    from jobs import notices

    db = open_database(settings.database_path)
    ids = _import_file(
        settings,
        args.file,
        "findings",
        lambda db, raw: problems.parse_findings(raw),
        problems.import_findings,
        db,
    )
    if ids is None:
        return 1
    where = notices.Reach(db, settings.default_language, settings.timezone)
    told = notices.problems_listed(where, ids)
    which = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]} to #{ids[-1]}"
    print(
        f"problems: {len(ids)} listed ({which}); {len(notices.leaders(where))} leaders "
        f"told ({told} notices queued; the running bot sends them), they claim with /claim"
    )
    return 0


def _calendar_import(settings: config.Settings, args: argparse.Namespace) -> int:
    from jobs import notices
    from storage import calendar

    db = open_database(settings.database_path)
    ids = _import_file(
        settings,
        args.file,
        "calendar",
        lambda db, raw: calendar.parse_csv(db, raw, settings.timezone),
        calendar.import_events,
        db,
    )
    if ids is None:
        return 1
    where = notices.Reach(db, settings.default_language, settings.timezone)
    told = sum(notices.meeting_set(where, calendar.get(db, event_id)) for event_id in ids)
    print(
        f"calendar: {len(ids)} entries added; {told} notices to attendees queued (the running bot sends "
        f"them), and attendees are reminded before meetings"
    )
    return 0


def _export(settings: config.Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from documents import ledger_workbook
    from storage.clock import clock

    db = open_database(settings.database_path)
    which = problems.Filter(
        department=args.department,
        leader=args.leader,
        statuses=(args.status,) if args.status else (),
        since=date.fromisoformat(args.since) if args.since else None,
    )
    count = ledger_workbook.write(
        db,
        args.file,
        clock.now().astimezone(settings.timezone).date(),
        settings.timezone,
        which=which,
        amber=settings.ledger_amber_days,
        stale=settings.ledger_stale_days,
        unclaimed=settings.unclaimed_working_days,
        institution=settings.institution,
    )
    print(f"ledger: {count} problems written to {args.file}")
    return 0


def _problem_state(typed: str) -> str:
    """A problem's state as the office reads it in the ledger (已销号, 整改中, in any language the
    bot speaks) or by its name in the code: the manual's `--status …` names no values, so she
    types the word she sees."""
    import texts
    from storage import names

    wanted = names.normalise(typed).lower()
    for state in problems.STATES:
        shown = texts.every_language(f"problem.status.{state}")
        if wanted in {state, *(names.normalise(label).lower() for label in shown)}:
            return state
    labels = "、".join(texts.say(texts.DEFAULT, f"problem.status.{state}") for state in problems.STATES)
    raise argparse.ArgumentTypeError(f"不认识的状态“{typed}”，可以写：{labels}")


def _report(settings: config.Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from documents import summary_report
    from storage import summary
    from storage.clock import clock

    db = open_database(settings.database_path)
    today = clock.now().astimezone(settings.timezone).date()
    try:
        start = (
            date.fromisoformat(args.start)
            if args.start
            else summary.campaign_start(db, settings.timezone, today)
        )
        end = date.fromisoformat(args.end) if args.end else today
    except ValueError as error:
        print(f"report: {error}; write dates as 2026-11-30", file=sys.stderr)
        return 1
    if start > end:
        print(f"report: the period starts ({start}) after it ends ({end})", file=sys.stderr)
        return 1
    out = Path(args.out or f"整改落实情况综合报告-{start.isoformat()}-{end.isoformat()}.docx")
    out.write_bytes(
        summary_report.for_period(
            db,
            start,
            end,
            settings.timezone,
            settings.institution,
            today,
            settings.evaluation_min_ballots,
            settings.evaluation_rule,
        )
    )
    print(f"report: {start} to {end} written to {out}")
    return 0


def _backup(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import backups
    from storage.clock import clock

    open_database(settings.database_path).close()  # migrated, so a backup is always current
    folder = Path(args.out) if args.out else backups.folder_for(settings.database_path, settings.backup_dir)
    path = backups.take(
        settings.database_path, folder, clock.now().astimezone(settings.timezone), settings.backup_keep
    )
    print(f"backup: {path}")
    return 0


def _restore(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import backups
    from storage.clock import clock

    try:
        kept = backups.restore(
            Path(args.file), settings.database_path, clock.now().astimezone(settings.timezone)
        )
    except backups.BackupError as error:
        print(f"restore: {error}; nothing was changed", file=sys.stderr)
        return 1
    print(
        f"restore: {args.file} is now {settings.database_path}" + (f"; the old one is {kept}" if kept else "")
    )
    return 0


def _units(settings: config.Settings, args: argparse.Namespace) -> list[tuple[str | None, config.Settings]]:
    """What doctor and migrate pass over: the main database, then every other institution of
    the directory with its own settings (file, backup folder), each named; only the one given
    with --institution. The directory is read without upgrading anything. Raises sqlite3.Error
    when the main database cannot be read."""
    from jobs.institutions import unit_settings

    if getattr(args, "institution", None):
        return [(args.institution, settings)]
    listed = institutions.on_disk(settings.database_path)
    main = next((i for i in listed if i.is_main), None)
    return [
        (main.name if main else (settings.institution if listed else None), settings),
        *((unit.name, unit_settings(settings, unit)) for unit in listed if not unit.is_main),
    ]


def _others(
    settings: config.Settings, args: argparse.Namespace, say_where
) -> tuple[list[tuple[str | None, config.Settings]], int]:
    """The institutions after the main one, and 1 when the directory could not be read (said)."""
    import sqlite3

    try:
        return _units(settings, args)[1:], 0
    except sqlite3.Error as error:
        say_where(f"the list of institutions in {settings.database_path} cannot be read: {error}")
        return [], 1


def _heading(name: str | None, settings: config.Settings) -> str:
    return f"== {name} ({settings.database_path})" if name else ""


def _migrate_dry_run(settings: config.Settings, name: str | None) -> int:
    import sqlite3

    from storage import upgrades

    where = f"{name}: " if name else ""
    try:
        steps = upgrades.planned(settings.database_path)
    except sqlite3.Error as error:
        print(f"{where}{settings.database_path} cannot be read: {error}", file=sys.stderr)
        return 1
    if steps is None:
        print(
            f"{where}no database at {settings.database_path} yet: the first start creates it "
            f"with all {len(upgrades.all_steps())} migrations"
        )
        return 0
    if not steps:
        print(f"{where}{settings.database_path} is up to date: no migration would run")
        return 0
    print(f"{where}{len(steps)} migration(s) would run on {settings.database_path}, after a backup:")
    for step in steps:
        print(f"  {step.name}" + (f"  {step.summary}" if step.summary else ""))
    return 0


def _migrate_one(settings: config.Settings, name: str | None) -> int:
    import sqlite3

    from storage import backups, upgrades

    where = f"{name}: " if name else ""
    try:
        steps = upgrades.planned(settings.database_path)
        open_database(settings.database_path, settings.backup_dir).close()
    except upgrades.UpgradeFailed as error:
        print(f"{where}{error}", file=sys.stderr)
        return 3
    except sqlite3.Error as error:  # not a database at all, or unreadable: the others still go on
        print(f"{where}{settings.database_path} cannot be opened: {error}", file=sys.stderr)
        return 3
    if steps:
        newest = backups.existing(backups.folder_for(settings.database_path, settings.backup_dir))[-1]
        print(f"{where}ran {', '.join(step.name for step in steps)}; the backup taken before: {newest}")
    print(f"{where}{settings.database_path} is up to date")
    return 0


def _migrate(settings: config.Settings, args: argparse.Namespace) -> int:
    """The main database first (it holds the directory), then every institution's, each said by
    name; one that fails is reported and the others still run (exit 3 when any failed)."""
    import sqlite3

    try:
        units = _units(settings, args)
    except sqlite3.Error:
        units = [(None, settings)]  # the main database's own step says what is wrong with it
    first_name, first = units[0]
    if args.dry_run:
        worst = _migrate_dry_run(first, first_name)
        others, failed = _others(first, args, lambda text: print(text, file=sys.stderr))
        for name, unit in others:
            worst = max(worst, _migrate_dry_run(unit, name))
        return max(worst, failed)
    worst = _migrate_one(first, first_name)
    others, failed = _others(first, args, lambda text: print(text, file=sys.stderr))
    for name, unit in others:
        worst = max(worst, _migrate_one(unit, name))
    return worst or (3 if failed else 0)


def _doctor(settings: config.Settings, args: argparse.Namespace) -> int:
    """Every institution's files in turn, each under its name; one unreadable or broken
    institution is reported and the others are still examined."""
    from storage import backups, disk
    from storage.clock import clock

    def examine(name: str | None, unit: config.Settings) -> bool:
        if name and len(units) > 1:
            print(_heading(name, unit))
        findings = disk.doctor(
            unit.database_path,
            backups.folder_for(unit.database_path, unit.backup_dir),
            unit.secret_key_file,
            unit.secret_key is not None,
            clock.now(),
        )
        for finding in findings:
            print(f"{'ok' if finding.ok else 'ATTENTION':9} {finding.name}: {finding.detail}")
        return all(f.ok for f in findings)

    import sqlite3

    try:
        units = _units(settings, args)
    except sqlite3.Error as error:
        units = [(None, settings)]
        examine(None, settings)
        print(f"{'ATTENTION':9} institutions: the list of institutions cannot be read: {error}")
        return 1
    holidays_known = _holidays_known(settings)  # the country's, before any institution's heading
    healthy = [examine(name, unit) for name, unit in units]
    if len(units) > 1:
        bad = [name for (name, _), ok in zip(units, healthy, strict=True) if not ok]
        bad += [] if holidays_known else ["holidays"]
        verdict = f"needing attention: {'、'.join(str(b) for b in bad)}" if bad else "all ok"
        print(f"{len(units)} institutions examined; {verdict}")
    return 0 if all(healthy) and holidays_known else 1


def _holidays_known(settings: config.Settings) -> bool:
    from storage import dates
    from storage.clock import clock

    today = clock.now().astimezone(settings.timezone).date()
    missing = dates.years_to_import(today)
    if missing:
        detail = (
            f"{'、'.join(map(str, missing))} not known (Monday to Friday count as working days): "
            "python bot.py holidays import FILE, FILE the State Council's notice"
        )
    else:
        detail = "this year's known" + (" and next year's" if len(dates.years_wanted(today)) > 1 else "")
    print(f"{'ok' if not missing else 'ATTENTION':9} holidays: {detail}")
    return not missing


def _revoke(settings: config.Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_path)
    matches = [p for p in people.everyone(db) if p.name == args.name]
    if not matches:
        print(f"nobody called {args.name!r} on the roster", file=sys.stderr)
        return 1
    count = sum(invitations.revoke(db, p.id) for p in matches)
    print(f"{count} invitation(s) revoked")
    return 0


def _hotspots_group(settings: config.Settings, args: argparse.Namespace) -> int:
    """Group the opinions of a UTF-8 file, one per line, the way the bot groups the box's:
    prints one group number per input line, so any labelled file can be checked."""
    from hotspots import engine

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"hotspots: cannot read {args.file} as UTF-8 text: {error}", file=sys.stderr)
        return 1
    # a line with tabs is a labelled file's (group<TAB>category<TAB>department<TAB>text): only
    # its last column, the text, is grouped; the group label must not be
    for group in engine.group_texts(line.rsplit("\t", 1)[-1] for line in text.splitlines()):
        print(group)
    return 0


def _poster(settings: config.Settings, args: argparse.Namespace) -> int:
    from documents import poster
    from documents.invitation_sheet import deep_link
    from handlers.opinions.public_box import poster_text
    from storage import public_box
    from storage.clock import clock

    username = asyncio.run(_bot_username(settings))  # first: unreachable, nothing is changed
    db = open_database(settings.database_path)
    box = public_box.ensure(db, clock.now().astimezone(settings.timezone).date())
    if args.pause or args.resume:
        box = public_box.set_paused(db, bool(args.pause), None) or box
    link = deep_link(username, box.code)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = poster_text(settings.default_language, settings.institution)
    written = []
    for paper, content in poster.posters(link, text).items():
        path = out / f"poster-{paper}.pdf"
        path.write_bytes(content)
        written.append(str(path))
    print(f"public box: {'paused' if box.paused else 'open'}; link {link}")
    print(f"posters: {', '.join(written)}")
    return 0


def _slips(settings: config.Settings, args: argparse.Namespace) -> int:
    """As /slips in chat: the codes are on the PDF only (the database keeps keyed hashes)."""
    from documents import slip_sheet
    from documents.invitation_sheet import deep_link
    from storage import evaluations
    from storage.keys import load_keys

    db = open_database(settings.database_path)
    keys = load_keys(settings.secret_key, settings.database_path, settings.secret_key_file)
    out = Path(args.out or f"slips-{args.sheet}-{args.count}.pdf")
    username = asyncio.run(_bot_username(settings))  # before issuing: a slip not printed is lost
    try:
        codes = evaluations.issue_slips(db, args.sheet, args.count, keys)
    except evaluations.EvaluationError as error:
        reasons = {
            "closed": f"rating sheet #{args.sheet} is not open (see /sheets)",
            "slip_count": f"between 1 and {evaluations.MAX_SLIPS} slips at a time",
        }
        print(f"slips: {reasons.get(error.reason, error.reason)}", file=sys.stderr)
        return 1
    sheet = evaluations.get(db, args.sheet)
    links = [deep_link(username, evaluations.SLIP_PREFIX + code) for code in codes]
    text = slip_sheet.slip_text(settings.default_language, sheet.title, settings.institution)
    out.write_bytes(slip_sheet.slips_pdf(links, text))
    pages = -(-len(codes) // slip_sheet.PER_PAGE)
    print(f"slips: {len(codes)} for #{args.sheet} {sheet.title}, {pages} A4 page(s): {out}")
    print("the codes are on this PDF only: print it and keep it safe; a lost slip cannot be issued again")
    return 0


def _holidays(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import dates, holiday_notice
    from storage.clock import clock

    path = holiday_notice.path_for(settings.database_path)
    if args.action == "import":
        return _holidays_import(path, args)
    today = clock.now().astimezone(settings.timezone).date()
    for year in range(today.year - 1, today.year + 2):
        if year in dates.imported_years():
            print(f"{year}: from the imported notice ({path})")
        elif dates.known_year(year):
            print(f"{year}: known to chinese-calendar")
        else:
            print(f"{year}: NOT KNOWN: Monday to Friday count as working days; import the notice")
    return 1 if dates.years_to_import(today) else 0


def _holidays_import(path: Path, args: argparse.Namespace) -> int:
    from storage import dates, holiday_notice

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        festivals = holiday_notice.read_notice(text, args.year)
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {args.file}: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # NoticeUnreadable, or a date such as 2月30日
        print(
            f"{args.file} is not a holiday notice this can read ({error}); nothing was changed",
            file=sys.stderr,
        )
        return 1
    days = holiday_notice.as_days(festivals)
    years = sorted({day.year for day in days})
    print(f"{args.file}: {len(festivals)} holidays of {'、'.join(map(str, years))}")
    for festival in festivals:
        print("  " + holiday_notice.describe(festival))
    disagree = [
        day for day, working in sorted(days.items()) if dates.calendar_says(day) not in (None, working)
    ]
    if disagree:
        print("  differs from chinese-calendar on " + "、".join(d.isoformat() for d in disagree))
    if not args.yes:
        print("nothing was changed; check the days against the notice and run again with --yes to keep them")
        return 0
    holiday_notice.write_file(path, festivals, Path(args.file).name)
    dates.follow_holiday_file(path)
    off = sum(1 for working in days.values() if not working)
    print(
        f"kept {off} days off and {len(days) - off} make-up working days in {path}; "
        "a running bot reads them within a minute"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="整改通 rectification bot")
    parser.add_argument(
        "--institution",
        help="督导: the command acts on this institution's database (default: the main database's)",
    )
    commands = parser.add_subparsers(dest="command")
    roster_cmd = commands.add_parser("roster", help="roster administration")
    roster_sub = roster_cmd.add_subparsers(dest="action", required=True)
    roster_import = roster_sub.add_parser("import", help="import a roster (.csv or .xlsx)")
    roster_import.add_argument("file")
    roster_import.add_argument(
        "--yes",
        action="store_true",
        help="apply even if it deactivates more than a fifth of the active people or an office member",
    )
    departments_cmd = commands.add_parser("departments", help="list departments; rename, merge or remove one")
    departments_cmd.add_argument("action", nargs="?", choices=("rename", "merge", "remove"))
    departments_cmd.add_argument("names", nargs="*", help="rename OLD NEW, merge FROM INTO, remove NAME")
    departments_cmd.add_argument("--yes", action="store_true", help="do it (without: show what would change)")
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
    export.add_argument(
        "--status",
        type=_problem_state,
        metavar="STATUS",
        help="as the ledger shows it (已销号, 整改中 …) or its name (closed, in_progress …)",
    )
    export.add_argument("--since", help="listed on or after this date (YYYY-MM-DD)")
    report = commands.add_parser("report", help="the summary report for the superior body (.docx)")
    report.add_argument("--from", dest="start", help="first day (YYYY-MM-DD); default: the campaign's start")
    report.add_argument("--to", dest="end", help="last day (YYYY-MM-DD); default: today")
    report.add_argument("--out", help="the .docx to write")
    backup = commands.add_parser("backup", help="an online copy of the database, now")
    backup.add_argument("--out", help="folder (default: BACKUP_DIR or backups/ beside the database)")
    restore = commands.add_parser(
        "restore", help="put a backup in place of the database (stop the bot first)"
    )
    restore.add_argument("file")
    migrate = commands.add_parser("migrate", help="upgrade the database now, after a backup")
    migrate.add_argument("--dry-run", action="store_true", help="only list the migrations that would run")
    commands.add_parser("doctor", help="check files, key, disk, integrity, WAL and backups")
    calendar_cmd = commands.add_parser("calendar", help="the campaign calendar")
    calendar_sub = calendar_cmd.add_subparsers(dest="action", required=True)
    calendar_sub.add_parser("import", help="phases and meetings from CSV").add_argument("file")
    poster_cmd = commands.add_parser("poster", help="the public box's lobby posters (A4, A3 PDF)")
    poster_cmd.add_argument("--out", default="posters", help="folder for poster-A4.pdf and poster-A3.pdf")
    pause = poster_cmd.add_mutually_exclusive_group()
    pause.add_argument("--pause", action="store_true", help="close the public box to guests")
    pause.add_argument("--resume", action="store_true", help="open it again")
    slips_cmd = commands.add_parser("slips", help="one-time rating slips (评议票) as an A4 PDF to cut")
    slips_cmd.add_argument("sheet", type=int, help="the rating sheet's number (/sheets)")
    slips_cmd.add_argument("count", type=int, help="how many slips")
    slips_cmd.add_argument("--out", help="the PDF to write (default: slips-SHEET-N.pdf)")
    hotspots_cmd = commands.add_parser("hotspots", help="opinion hotspots (groups of similar opinions)")
    hotspots_sub = hotspots_cmd.add_subparsers(dest="action", required=True)
    hotspots_sub.add_parser(
        "group", help="one group number per line of a UTF-8 file of opinions"
    ).add_argument("file")
    holidays_cmd = commands.add_parser(
        "holidays", help="public holidays for the years chinese-calendar lacks"
    )
    holidays_sub = holidays_cmd.add_subparsers(dest="action")
    holidays_import = holidays_sub.add_parser("import", help="read the State Council's holiday notice")
    holidays_import.add_argument("file", help="the notice as UTF-8 text (copied from gov.cn)")
    holidays_import.add_argument("--year", type=int, help="the notice's year, when its text does not say")
    holidays_import.add_argument("--yes", action="store_true", help="keep the days (without: show them)")
    return parser


ACTIONS = {
    "roster": _roster_import,
    "departments": _departments,
    "invite": _invite,
    "revoke": _revoke,
    "problems": _problems_import,
    "calendar": _calendar_import,
    "export": _export,
    "report": _report,
    "backup": _backup,
    "restore": _restore,
    "hotspots": _hotspots_group,
    "migrate": _migrate,
    "doctor": _doctor,
    "poster": _poster,
    "slips": _slips,
    "holidays": _holidays,
}


def _institution_settings(settings: config.Settings, name: str) -> config.Settings | None:
    from jobs.institutions import unit_settings

    main = open_database(settings.database_path)
    try:
        found = institutions.named(main, name)
        known = [i.name for i in institutions.listed(main)]
    finally:
        main.close()
    if found is None:
        print(
            f"no institution {name!r}; known: {', '.join(known) or 'none (one institution)'}", file=sys.stderr
        )
        return None
    return unit_settings(settings, found)


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    from storage import dates, holiday_notice

    if settings is not None:  # `hotspots group` runs with none
        # the country's holidays, kept beside the main database: a report counts working days too
        dates.follow_holiday_file(holiday_notice.path_for(settings.database_path))
    if getattr(args, "institution", None):
        settings = _institution_settings(settings, args.institution)
        if settings is None:
            return 1
    try:
        return ACTIONS[args.command](settings, args)
    except NoBotUsername as error:
        print(error, file=sys.stderr)
        return 4
