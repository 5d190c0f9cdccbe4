"""Digests for the sweeper: at each leader's and office member's chosen time, their digest
(text, then the chart) is queued in the outbox, unless nothing is new since the last one.

The pass's digests are read, written out and drawn in the chart process (documents/charts.py),
each on a read-only connection of its own, so the event loop keeps answering people meanwhile
and the bot's interpreter is not held; only the outbox rows are written on the loop. The
office's digest is the same for every office member with the same period: it is built once
per pass (at full size it reads every problem: seconds each time).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

import services
from callbacks import DIGEST_FULL, DIGEST_SETTINGS
from documents import charts
from jobs import bad_rows
from jobs.notices import fitted
from storage import db as database
from storage import digests, outbox, people
from storage import problems as problem_rules
from storage.digests import LIST_LIMIT, Digest, Thresholds
from storage.people import LEADER, OFFICE, Person
from texts import say
from texts.fit import CAPTION_LIMIT, shorten, units, whole_names

log = logging.getLogger(__name__)

OPINION_CHARS = 120
HOTSPOT_CHARS = 80  # a hotspot is named by its representative's start, as on the office's card
MESSAGE_LIMIT = 4000  # Telegram's is 4096; the rest is room for the cut-off line


def thresholds(app: Application) -> Thresholds:
    settings = services.of(app).settings
    return Thresholds(
        settings.ledger_amber_days,
        settings.ledger_stale_days,
        settings.anonymity_set,
        settings.unclaimed_working_days,
    )


def build(app: Application, person: Person, since: datetime, today, db=None) -> Digest:
    """The person's digest, read from `db` (by default the bot's own connection)."""
    db, settings = db or services.of(app).db, services.of(app).settings
    if OFFICE in person.roles:
        return digests.for_office(db, since, today, settings.timezone, thresholds(app))
    return digests.for_leader(db, person, since, today, settings.timezone, thresholds(app))


async def build_apart(app: Application, person: Person, since: datetime, today) -> Digest:
    """`build` in a worker thread, on a read-only connection of its own: the office's digest
    reads every problem, which would hold the event loop for a second at full size."""

    def read() -> Digest:
        with database.reader(services.of(app).db) as reading:
            return build(app, person, since, today, reading)

    return await asyncio.to_thread(read)


# ---- the text ------------------------------------------------------------------------------

SCREEN_LINES = 3  # lines per section on the first screen; the rest is one tap away
TITLE_UNITS = 40  # a title in a digest line, in UTF-16 units


def _listed(
    lang: str,
    heading: str,
    items: list,
    line,
    total: int | None = None,
    limit: int | None = LIST_LIMIT,
    **values,
) -> list[str]:
    """A section: its heading, one line per item (drawing only the lines shown), and how many
    more there are (`total` when the items are only the first few). Returned as one block, so
    that a heading never travels without its lines."""
    total = len(items) if total is None else total
    if not total:
        return []
    shown = items if limit is None else items[:limit]
    lines = [line(lang, item) for item in shown]
    if total > len(shown):
        lines.append(say(lang, "digest.more", count=total - len(shown)))
    block = [say(lang, heading, **values), *lines]
    return _Shortened(block) if len(shown) < len(items) else block


class _Shortened(list):
    """A section's block with lines left off for the screen: without `limit` it would be
    longer. The first screen knows it leaves something off without writing out every line."""


def _section(
    lang: str, heading: str, lines: list[str], limit: int | None = LIST_LIMIT, **values
) -> list[str]:
    return _listed(lang, heading, lines, lambda _, text: text, limit=limit, **values)


def _step(lang: str, change) -> str:
    label = say(lang, f"history.problem.{change.action}")
    return f"{label} {change.detail['percent']}%" if "percent" in change.detail else label


def paths(changes: list) -> list[list]:
    """The changes grouped by problem, each group oldest first, the groups newest first: one
    line per problem however often it moved."""
    by_problem: dict[int, list] = {}
    for change in changes:
        by_problem.setdefault(change.problem_id, []).append(change)
    return sorted(by_problem.values(), key=lambda steps: (steps[-1].at, steps[-1].problem_id), reverse=True)


def _path_line(lang: str, steps: list) -> str:
    labels: list[str] = []
    for change in steps:
        label = _step(lang, change)
        if labels and labels[-1].split(" ")[0] == label.split(" ")[0]:
            labels[-1] = label  # 报告进展 30% → 报告进展 70% says no more than 报告进展 70%
        else:
            labels.append(label)
    return say(
        lang,
        "digest.change",
        id=steps[0].problem_id,
        title=shorten(steps[0].title, TITLE_UNITS),
        action=" → ".join(labels),
    )


def _change_line(lang: str, change) -> str:
    if change.action == "lookback_result":
        result = change.detail.get("text", "too_few")
        return say(
            lang,
            f"digest.lookback.{result}",
            id=change.problem_id,
            title=shorten(change.title, TITLE_UNITS),
            **{k: change.detail.get(k, 0) for k in ("satisfied", "basic", "unsatisfied")},
        )
    return _path_line(lang, [change])


def _problem_line(lang: str, problem) -> str:
    title = shorten(problem.title, TITLE_UNITS)
    if problem.status == problem_rules.LISTED:
        # amber or red because no leader has claimed it (problems.still_before, red_before)
        listed = problem.created_at.date().isoformat()
        return say(lang, "digest.problem.unclaimed", id=problem.id, title=title, listed=listed)
    if problem.status in (problem_rules.CLAIMED, problem_rules.REOPENED):
        # amber because it waits on its leader's 下单 (problems.still_before), not a department
        return say(
            lang,
            "digest.problem.to_dispatch",
            id=problem.id,
            title=title,
            status=say(lang, f"problem.status.{problem.status}"),
        )
    if problem.deadline:
        return say(
            lang,
            _closing("digest.problem", problem),
            id=problem.id,
            title=title,
            department=problem.department or "—",
            deadline=problem.deadline.isoformat(),
        )
    return say(
        lang, "digest.problem.no_deadline", id=problem.id, title=title, department=problem.department or "—"
    )


def _amber_line(lang: str, problem, digest: digests.Digest) -> str:
    """An amber line says why when it is not its deadline: 期限 2026-12-25，18 天无进展."""
    days = digest.stalled_days(problem)
    if days is None:
        return _problem_line(lang, problem)
    return say(
        lang,
        "digest.problem.stalled",
        id=problem.id,
        title=shorten(problem.title, TITLE_UNITS),
        department=problem.department or "—",
        deadline=problem.deadline.isoformat() if problem.deadline else "—",
        days=days,
    )


def _closing(key: str, problem) -> str:
    """The line's key, told apart when the department has asked for 销号: the problem waits on
    the office's check, not on the department's work, and a leader read 后勤保障科，逾期 4 天 and
    chased a department that had finished."""
    return f"{key}.closing" if problem.status == problem_rules.CLOSURE_REQUESTED else key


def _late_line(lang: str, problem, today) -> str:
    """An overdue problem says how late it is: a leader reading 期限 2026-11-27 had to count."""
    return say(
        lang,
        _closing("digest.problem.late", problem),
        id=problem.id,
        title=shorten(problem.title, TITLE_UNITS),
        department=department_shown(lang, problem.department or digests.NO_DEPARTMENT),
        days=(today - problem.deadline).days,
        deadline=problem.deadline.isoformat(),
    )


DEPARTMENTS_A_LINE = 8  # a leader's overdue counts by department: a line each 8, the screen one


def _late_departments(lang: str, late: list, full: bool) -> list[str]:
    """A leader's overdue problems counted by department, most first, when they lie in more than
    one: the screen's first lines were one department's, and a 分管领导 over six read nothing
    of the other five (the office's digest has its own section by department). The screen shows
    the first line of them ("…" when more follow); the full digest every one, 8 a line, so that
    no line outgrows a message however many departments a leader has."""
    counts = Counter(department_shown(lang, p.department or digests.NO_DEPARTMENT) for p in late)
    if len(counts) < 2:
        return []
    # most first; among equals, the one with the longest overdue first (the list's order)
    ranked = [
        say(lang, "digest.late_department", department=d, count=n)
        for d, n in sorted(counts.items(), key=lambda item: -item[1])
    ]
    lines = [
        " · ".join(ranked[i : i + DEPARTMENTS_A_LINE]) for i in range(0, len(ranked), DEPARTMENTS_A_LINE)
    ]
    return lines if full else [lines[0] + (" · …" if len(lines) > 1 else "")]


def _opinion_line(lang: str, note) -> str:
    return say(
        lang,
        "digest.opinion",
        category=note.category,
        department=note.department or "—",
        text=shorten(note.text, OPINION_CHARS),
    )


OVERDUE_NUMBERS = 10  # a department's overdue numbers on the screen; the full digest: all
NUMBERS_A_LINE = 100  # the full digest's numbers a line (a line is never split between messages)


def _overdue_lines(lang: str, department: str, items: list, full: bool) -> list[str]:
    """A department's overdue problems by number: the first few and "…" on the screen; every one
    in the full digest, going on as further lines so that no line outgrows a message."""
    numbers = [f"#{p.id}" for p in items]
    shown = numbers if full else numbers[:OVERDUE_NUMBERS]
    chunks = [shown[i : i + NUMBERS_A_LINE] for i in range(0, len(shown), NUMBERS_A_LINE)] or [[]]
    first = say(
        lang,
        "digest.overdue_department",
        department=department_shown(lang, department),
        count=len(items),
        items="、".join(chunks[0]) + ("…" if len(shown) < len(numbers) else ""),
    )
    return [first] + ["　" + "、".join(chunk) for chunk in chunks[1:]]


def _office_blocks(lang: str, digest: Digest, limit: int | None) -> list[list[str]]:
    figures = digest.office
    assert figures is not None  # called for the office's digest only
    blocks: list[list[str]] = []
    counts = []
    if digest.opinions.count:
        by_category = "、".join(f"{k} {v}" for k, v in digest.opinions.by_category.items())
        counts.append(
            say(
                lang,
                "digest.section.office_opinions.public"
                if digest.opinions.public
                else "digest.section.office_opinions",
                count=digest.opinions.count,
                by_category=by_category,
                public=digest.opinions.public,
            )
        )
    if figures.opinions_by_status:
        counts.append(
            say(
                lang,
                "digest.opinion_status",
                by_status="、".join(
                    f"{say(lang, f'opinion.status.{k}')} {v}" for k, v in figures.opinions_by_status.items()
                ),
            )
        )
    blocks.append(counts)
    blocks.append(
        _section(
            lang,
            "digest.section.overdue",
            [
                line
                for department, items in figures.overdue_by_department.items()
                for line in _overdue_lines(lang, department, items, full=limit is None)
            ],
            limit,
        )
    )
    unreachable = "、".join(f"{p.name}（{p.department}）" for p in figures.unreachable)
    reach = [say(lang, "digest.unreachable", people=unreachable)] if unreachable else []
    blocks.append(_section(lang, "digest.section.unreachable", reach, limit))
    if figures.not_joined:
        blocks.append([say(lang, "digest.not_joined", count=figures.not_joined)])
    blocks.append(
        _section(
            lang,
            "digest.section.self_checks",
            [
                say(
                    lang,
                    "digest.self_check",
                    id=r.id,
                    subject=r.subject,
                    due=r.due_on.isoformat(),
                    status=say(lang, f"selfcheck.status.{r.status}"),
                )
                for r in figures.overdue_self_checks
            ],
            limit,
        )
    )
    blocks.append(
        _section(
            lang,
            "digest.section.evaluations",
            [
                say(lang, "digest.evaluation", title=title, voted=voted, eligible=eligible)
                for title, voted, eligible in figures.evaluation_turnout
            ],
            limit,
        )
    )
    return blocks


def blocks(
    lang: str,
    person: Person,
    digest: Digest,
    title_key: str,
    since_text: str | None,
    limit: int | None = SCREEN_LINES,
) -> list[list[str]]:
    """The digest as blocks: the head, then one block per section (a heading with its lines).
    With `limit`, each section shows that many lines: one phone screen; None shows them all."""
    head = [say(lang, title_key, name=person.name, today=digest.today.isoformat())]
    if since_text:
        head.append(say(lang, "digest.since", since=since_text))
    # red is overdue, or listed and claimed by nobody for too long (problems.red_before): named apart
    late, unclaimed = _red_parts(digest)
    head.append(lights_line(lang, digest))
    found = [head]
    red = _listed(
        lang, "digest.section.red", late, lambda lang, p: _late_line(lang, p, digest.today), limit=limit
    )
    if red and digest.office is None:
        red[1:1] = _late_departments(lang, late, full=limit is None)
    found.append(red)
    found.append(_listed(lang, "digest.section.unclaimed", unclaimed, _problem_line, limit=limit))
    amber = digest.by_light[problem_rules.AMBER]
    found.append(
        _listed(
            lang, "digest.section.amber", amber, lambda lang, p: _amber_line(lang, p, digest), limit=limit
        )
    )
    others = paths([c for c in digest.changes if c.action != "lookback_result"])
    found.append(_listed(lang, "digest.section.changes", others, _path_line, limit=limit))
    # what 🟡 lists already is not listed again: the first screen has room for 25 lines
    flagged = {p.id for p in digest.by_light[problem_rules.AMBER]}
    due = [p for p in digest.due_soon if p.id not in flagged]
    found.append(_listed(lang, "digest.section.due", due, _problem_line, limit=limit))
    if digest.office is None:
        new = digest.opinions
        heading = "digest.section.opinions.public" if new.public else "digest.section.opinions"
        found.append(
            _listed(
                lang,
                heading,
                new.shown,
                _opinion_line,
                total=new.count,
                limit=limit,
                count=new.count,
                anonymous=new.anonymous,
                public=new.public,
            )
        )
    found.append(
        _section(
            lang, "digest.section.lookbacks", [_change_line(lang, c) for c in digest.lookback_results], limit
        )
    )
    if digest.office is not None:
        found += _office_blocks(lang, digest, limit)
    found.append(hotspot_lines(lang, digest.hotspots, limit))
    return [block for block in found if block]


def hotspot_lines(lang: str, found: list, limit: int | None = None) -> list[str]:
    """The largest groups of similar opinions (for a leader, none under k: storage leaves them
    out)."""
    return _section(
        lang,
        "hotspot.section",
        [
            say(
                lang,
                "hotspot.line",
                count=h.size,
                text=shorten(h.representative, HOTSPOT_CHARS),
                first=h.first_day,
                last=h.last_day,
            )
            for h in found
        ],
        limit,
    )


def render(lang: str, person: Person, digest: Digest, title_key: str, since_text: str | None) -> str:
    """The first screen of the digest (a few lines per section, within one message)."""
    return render_screen(lang, person, digest, title_key, since_text)[0]


def render_screen(
    lang: str, person: Person, digest: Digest, title_key: str, since_text: str | None
) -> tuple[str, bool]:
    """The first screen, and whether anything was left off it (then the full digest is one tap
    away)."""
    shown = blocks(lang, person, digest, title_key, since_text)
    messages = fit_blocks(shown, lang)
    # Whether the full digest says more, from the sections cut short: writing it all out to
    # compare took 0.8 s for the office's digest at full size (80,000 lines), for one bit.
    if len(messages) == 1 and not any(isinstance(block, _Shortened) for block in shown):
        return messages[0], False
    # MESSAGE_LIMIT leaves room under Telegram's 4096 for this one line
    return messages[0] + "\n\n" + say(lang, "digest.rest"), True


def full_button(since: datetime) -> str:
    return DIGEST_FULL.data(int(since.timestamp()))


def render_full(
    lang: str, person: Person, digest: Digest, title_key: str, since_text: str | None
) -> list[str]:
    """Every line, in as many messages as it takes, never parting a heading from its lines."""
    return fit_blocks(blocks(lang, person, digest, title_key, since_text, limit=None), lang)


def fit_blocks(digest_blocks: list[list[str]], lang: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined into messages under Telegram's limit: a block that does not fit starts the
    next message; a block longer than a message is split between lines, its heading repeated."""
    messages: list[list[list[str]]] = [[]]
    for block in digest_blocks:
        for part in _parts(block, limit):
            text = "\n\n".join(["\n".join(b) for b in messages[-1]] + ["\n".join(part)])
            if messages[-1] and units(text) > limit:
                messages.append([])
            messages[-1].append(part)
    return ["\n\n".join("\n".join(b) for b in message) for message in messages if message]


def _parts(block: list[str], limit: int) -> list[list[str]]:
    if units("\n".join(block)) <= limit:
        return [block]
    heading, parts, current = block[0], [], [block[0]]
    for line in block[1:]:
        if len(current) > 1 and units("\n".join([*current, line])) > limit:
            parts.append(current)
            current = [heading]
        current.append(line)
    parts.append(current)
    return parts


# ---- the chart -----------------------------------------------------------------------------


def department_shown(lang: str, name: str) -> str:
    """A department as the digest shows it: problems not yet dispatched are 未定科室 (a bar or a
    line labelled — said nothing to a leader)."""
    return say(lang, "digest.no_department") if name == digests.NO_DEPARTMENT else name


def chart_title(lang: str, person: Person) -> str:
    return say(lang, "digest.chart.title" if OFFICE in person.roles else "digest.chart.mine")


def chart_caption(lang: str, person: Person, digest: Digest) -> str:
    """The chart's caption: its title and the counts by colour. After a tap on 📊 简报 a phone
    shows the newest messages, the chart and what follows it, while the digest's first lines (the
    counts, what is late) had scrolled away above: the counts now stand under the bars too. A
    chart of more departments than a photo shows (charts.fold) says which ones its last bar
    sums, as many names as the caption holds, and where each department is."""
    head = (
        say(lang, "digest.chart.caption", title=chart_title(lang, person)) + "\n" + lights_line(lang, digest)
    )
    folded = _folded(lang, digest)
    if not folded.left_out:
        return head
    note = folded_note(lang, "digest.chart.folded", CAPTION_LIMIT - units(head) - 1, folded)
    return head + "\n" + note


def folded_note(lang: str, key: str, limit: int, folded: charts.Folded) -> str:
    """What a folded chart leaves out: how many, their problems by light, and as many of their
    names as the caption holds, each whole (the export and the workbook have them all)."""
    values = {
        "shown": len(folded.rows),
        "count": len(folded.left_out),
        "lights": left_out_lights(lang, folded),
    }
    room = limit - units(say(lang, key, names="", **values))
    return fitted(lang, key, limit, names=whole_names(folded.left_out, room), **values)


def left_out_lights(lang: str, folded: charts.Folded) -> str:
    """The left-out departments' problems by light, in the chart's own words (逾期 3 · 临期 1)."""
    return " · ".join(
        f"{say(lang, f'digest.light.{name}')} {folded.rest[name]}"
        for name in charts.LIGHT_COLOURS
        if folded.rest.get(name)
    )


def lights_line(lang: str, digest: Digest) -> str:
    """The counts by colour; the red of problems nobody claimed named apart from the overdue."""
    lights = {name: len(found) for name, found in digest.by_light.items()}
    late, unclaimed = _red_parts(digest)
    if unclaimed:
        return say(lang, "digest.lights.unclaimed", late=len(late), unclaimed=len(unclaimed), **lights)
    return say(lang, "digest.lights", **lights)


def _red_parts(digest: Digest) -> tuple[list, list]:
    """Red for a deadline passed, and red for nobody claiming it (problems.red_before)."""
    red = digest.by_light[problem_rules.RED]
    late = [p for p in red if p.deadline and p.deadline < digest.today]
    return late, [p for p in red if p not in late]


def _folded(lang: str, digest: Digest) -> charts.Folded:
    """The chart's bars: a department each, at most charts.PHOTO_ROWS (the caption names the rest)."""
    rows = [
        charts.DepartmentLights(department_shown(lang, name), dict(counts))
        for name, counts in digest.departments.items()
    ]
    return charts.fold(rows)


def chart_input(lang: str, person: Person, digest: Digest) -> tuple | None:
    """What the chart is drawn from (status by department), or None when there is nothing."""
    if not digest.departments:
        return None
    labels = light_labels(lang, bool(_red_parts(digest)[1]))
    return _folded(lang, digest).rows, chart_title(lang, person), labels


def light_labels(lang: str, unclaimed_red: bool) -> dict[str, str]:
    """A chart's legend. Red is past the deadline or listed and claimed by nobody for long
    (problems.red_before): when some red bar is the second kind, its label says so, since 逾期
    alone would name more problems late than are."""
    labels = {name: say(lang, f"digest.light.{name}") for name in charts.LIGHT_COLOURS}
    if unclaimed_red:
        labels[problem_rules.RED] = say(lang, "digest.light.red_unclaimed")
    return labels


def draw_chart(lang: str, person: Person, digest: Digest) -> bytes | None:
    """Status by department, drawn here; None when there is nothing to draw."""
    found = chart_input(lang, person, digest)
    if found is None:
        return None
    rows, title, labels = found
    return charts.status_by_department(rows, title, labels, phone=True)


async def draw_chart_apart(lang: str, person: Person, digest: Digest) -> bytes | None:
    """The same, drawn in the chart process (documents/charts.py: off the bot's interpreter)."""
    found = chart_input(lang, person, digest)
    return await charts.apart(charts.status_by_department, *found, True) if found else None


# ---- the schedule --------------------------------------------------------------------------


def recipients(app: Application) -> Iterable[Person]:
    return [p for p in people.holding(services.of(app).db, (LEADER, OFFICE)) if p.chat_id and p.reachable]


async def queue_due(app: Application, after: datetime, until: datetime) -> int:
    """Queue the digest of everyone whose digest time falls in (after, until]."""
    db = services.of(app).db
    if not digests.any_due_between(db, after, until, services.of(app).settings.timezone):
        return 0
    queued = 0
    due = []
    for person in recipients(app):
        chosen = digests.setting(db, person.id)
        slot = digests.slot_between(chosen, after, until, services.of(app).settings.timezone)
        if slot is None or (chosen.last_digest_at and slot <= chosen.last_digest_at):
            continue  # that slot's digest went out already (the sweep restarted from further back)
        due.append((person, chosen, slot))
    if not due:
        return 0
    with database.reader(db) as reading:
        pass_ = _Pass(app, reading)
        for person, chosen, slot in due:
            try:  # no savepoint here: other updates write between the awaits
                queued += await _queue_one(app, pass_, person, chosen, slot)
            except Exception as error:  # noqa: BLE001 - one person's digest must not stop the others'
                bad_rows.report(app, "people", person.id, error)  # their digest
    return queued


@dataclass(frozen=True)
class Prepared:
    """A digest ready to queue: whether it is empty, its first screen, and what its chart is
    drawn from."""

    empty: bool
    text: str = ""
    cut: bool = False
    chart: tuple | None = None
    caption: str = ""


@dataclass(frozen=True)
class _Reading:
    """What the chart process needs to read digests (it has no application): the database
    file, the time zone, the thresholds, and which pass asks (the office's digest is built
    once per pass)."""

    path: str
    zone: ZoneInfo
    thresholds: Thresholds
    pass_id: str


_office_built: dict[str, dict[tuple, Digest]] = {}  # in the chart process: the pass's office digests


def prepare_apart(
    reading: _Reading, person: Person, since: datetime, today, lang: str, title: str, since_text: str
) -> Prepared:
    """Runs in the chart process (documents/charts.py): read and write out one person's
    digest on a read-only connection of its own. In a worker thread of the bot's process the
    office's digest (100,000 problems read and written out at full size, seconds of Python)
    held the interpreter's lock against the event loop through the 08:30 pass."""
    if reading.pass_id not in _office_built:  # a new pass: what the last one built is out of date
        _office_built.clear()
        _office_built[reading.pass_id] = {}
    with database.reader_of(Path(reading.path)) as db:
        return _prepared(
            db,
            reading.zone,
            reading.thresholds,
            _office_built[reading.pass_id],
            person,
            since,
            today,
            lang,
            title,
            since_text,
        )


def _prepared(
    db,
    zone: ZoneInfo,
    limits: Thresholds,
    office: dict,
    person: Person,
    since,
    today,
    lang,
    title,
    since_text,
) -> Prepared:
    if OFFICE in person.roles:  # the same for every office member with the same period
        if (since, today) not in office:
            office[(since, today)] = digests.for_office(db, since, today, zone, limits)
        digest = office[(since, today)]
    else:
        digest = digests.for_leader(db, person, since, today, zone, limits)
    if digest.is_empty():
        return Prepared(empty=True)
    text, cut = render_screen(lang, person, digest, title, since_text)
    return Prepared(False, text, cut, chart_input(lang, person, digest), chart_caption(lang, person, digest))


class _Pass:
    """One pass's reading: in the chart process (a file's database), or in a worker thread on
    a connection of its own (an in-memory database); the office's digests by period, each
    built once however many office members receive it; and the charts by what they show, each
    drawn once (the office's once per language)."""

    def __init__(self, app: Application, reading) -> None:
        self.app, self.reading = app, reading
        self.office: dict[tuple, Digest] = {}
        self.charts: dict[tuple, bytes] = {}
        path = database.file_of(services.of(app).db)
        zone = services.of(app).settings.timezone
        self.apart = _Reading(str(path), zone, thresholds(app), uuid.uuid4().hex) if path else None

    async def prepare(
        self, person: Person, since: datetime, today, lang: str, title: str, since_text: str
    ) -> Prepared:
        """Read and write out one person's digest, off the event loop and off its interpreter."""
        asked = (person, since, today, lang, title, since_text)
        if self.apart is not None:
            return await charts.apart(prepare_apart, self.apart, *asked)
        zone = services.of(self.app).settings.timezone
        return await asyncio.to_thread(
            _prepared, self.reading, zone, thresholds(self.app), self.office, *asked
        )

    async def chart(self, found: tuple | None) -> bytes | None:
        """Drawn in the chart process, once per pass for the same rows, title and labels."""
        if found is None:
            return None
        rows, title, labels = found
        key = (
            title,
            tuple(labels.items()),
            tuple((row.department, tuple(sorted(row.counts.items()))) for row in rows),
        )
        if key not in self.charts:
            self.charts[key] = await charts.apart(charts.status_by_department, rows, title, labels, True)
        return self.charts[key]


async def _queue_one(app: Application, pass_: _Pass, person: Person, chosen, slot: datetime) -> int:
    db, settings = services.of(app).db, services.of(app).settings
    since = digests.default_since(chosen, slot)
    lang = person.language or settings.default_language
    title = "digest.title.office" if OFFICE in person.roles else f"digest.title.{chosen.frequency}"
    since_text = since.astimezone(settings.timezone).strftime("%m-%d %H:%M")
    today = slot.astimezone(settings.timezone).date()
    prepared = await pass_.prepare(person, since, today, lang, title, since_text)
    if prepared.empty:
        digests.record_digest(db, person.id, slot)
        return 0
    key = f"digest:{person.id}:{slot.date().isoformat()}"
    due = outbox.after_quiet_hours(slot, settings.timezone, settings.quiet_hours)
    # ⚙️ as under /digest's: how to make them weekly, later or stop them, where they arrive
    settings_row = [(say(lang, "digest.btn.settings"), DIGEST_SETTINGS.data())]
    buttons = (
        [[(say(lang, "digest.btn.full"), full_button(since))], settings_row]
        if prepared.cut
        else [settings_row]
    )
    queued = int(outbox.queue(db, person.id, prepared.text, dedup_key=key, due_at=due, buttons=buttons))
    chart = await pass_.chart(prepared.chart)
    if chart:
        caption = prepared.caption
        queued += outbox.queue(db, person.id, caption, dedup_key=f"{key}:chart", due_at=due, photo=chart)
    digests.record_digest(db, person.id, slot)
    return queued
