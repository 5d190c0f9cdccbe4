"""Digests for the sweeper: at each leader's and office member's chosen time, their digest
(text, then the chart) is queued in the outbox, unless nothing is new since the last one.

The chart is drawn in a worker thread so the event loop keeps answering people meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime

from telegram.ext import Application

from documents import charts
from jobs import bad_rows
from storage import digests, outbox, people
from storage import problems as problem_rules
from storage.digests import LIST_LIMIT, Digest, Thresholds
from storage.people import LEADER, OFFICE, Person
from texts import say

log = logging.getLogger(__name__)

OPINION_CHARS = 120
MESSAGE_LIMIT = 4000  # Telegram's is 4096; the rest is room for the cut-off line


def thresholds(app: Application) -> Thresholds:
    settings = app.bot_data["settings"]
    return Thresholds(settings.ledger_amber_days, settings.ledger_stale_days)


def build(app: Application, person: Person, since: datetime, today) -> Digest:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    if OFFICE in person.roles:
        return digests.for_office(db, since, today, settings.timezone, thresholds(app))
    return digests.for_leader(db, person, since, today, settings.timezone, thresholds(app))


# ---- the text ------------------------------------------------------------------------------

def _problem_line(lang: str, problem) -> str:
    if problem.deadline:
        return say(lang, "digest.problem", id=problem.id, title=problem.title,
                   department=problem.department or "—", deadline=problem.deadline.isoformat())
    return say(lang, "digest.problem.no_deadline", id=problem.id, title=problem.title,
               department=problem.department or "—")


def _listed(lang: str, heading: str, items: list, line, total: int | None = None, **values) -> list[str]:
    """A section of one line per item, drawing only the lines shown, and how many more there
    are (`total` when the items are only the first few)."""
    total = len(items) if total is None else total
    if not total:
        return []
    lines = [line(lang, item) for item in items[:LIST_LIMIT]]
    if total > LIST_LIMIT:
        lines.append(say(lang, "digest.more", count=total - LIST_LIMIT))
    return ["", say(lang, heading, **values), *lines]


def _section(lang: str, heading: str, lines: list[str], **values) -> list[str]:
    return _listed(lang, heading, lines, lambda _, text: text, **values)


def _change_line(lang: str, change) -> str:
    if change.action == "lookback_result":
        result = change.detail.get("text", "too_few")
        return say(lang, f"digest.lookback.{result}", id=change.problem_id, title=change.title,
                   **{k: change.detail.get(k, 0) for k in ("satisfied", "basic", "unsatisfied")})
    return say(lang, "digest.change", id=change.problem_id, title=change.title,
               action=say(lang, f"history.problem.{change.action}"))


def _opinion_line(lang: str, note) -> str:
    text = note.text if len(note.text) <= OPINION_CHARS else note.text[:OPINION_CHARS] + "…"
    return say(lang, "digest.opinion", category=note.category, department=note.department or "—", text=text)


def _office_lines(lang: str, digest: Digest) -> list[str]:
    figures = digest.office
    assert figures is not None  # called for the office's digest only
    lines = []
    if digest.opinions.count:
        by_category = "、".join(f"{k} {v}" for k, v in digest.opinions.by_category.items())
        lines += ["", say(lang, "digest.section.office_opinions", count=digest.opinions.count,
                          by_category=by_category)]
    if figures.opinions_by_status:
        lines.append(say(lang, "digest.opinion_status", by_status="、".join(
            f"{say(lang, f'opinion.status.{k}')} {v}" for k, v in figures.opinions_by_status.items())))
    lines += _section(lang, "digest.section.overdue", [
        say(lang, "digest.overdue_department", department=department, count=len(items),
            items="、".join(f"#{p.id}" for p in items[:10]) + ("…" if len(items) > 10 else ""))
        for department, items in figures.overdue_by_department.items()])
    lines += _section(lang, "digest.section.unreachable", [say(lang, "digest.unreachable", people="、".join(
        f"{p.name}（{p.department}）" for p in figures.unreachable))] if figures.unreachable else [])
    if figures.not_joined:
        lines.append(say(lang, "digest.not_joined", count=figures.not_joined))
    lines += _section(lang, "digest.section.self_checks", [
        say(lang, "digest.self_check", id=r.id, subject=r.subject, due=r.due_on.isoformat(),
            status=say(lang, f"selfcheck.status.{r.status}")) for r in figures.overdue_self_checks])
    lines += _section(lang, "digest.section.evaluations", [
        say(lang, "digest.evaluation", title=title, voted=voted, eligible=eligible)
        for title, voted, eligible in figures.evaluation_turnout])
    return lines


def render(lang: str, person: Person, digest: Digest, title_key: str, since_text: str | None) -> str:
    lights = {name: len(found) for name, found in digest.by_light.items()}
    lines = [say(lang, title_key, name=person.name, today=digest.today.isoformat())]
    if since_text:
        lines.append(say(lang, "digest.since", since=since_text))
    lines.append(say(lang, "digest.lights", **lights))
    for colour in (problem_rules.RED, problem_rules.AMBER):
        lines += _listed(lang, f"digest.section.{colour}", digest.by_light[colour], _problem_line)
    others = [c for c in digest.changes if c.action != "lookback_result"]
    lines += _listed(lang, "digest.section.changes", others, _change_line)
    lines += _listed(lang, "digest.section.due", digest.due_soon, _problem_line)
    if digest.office is None:
        new = digest.opinions
        lines += _listed(lang, "digest.section.opinions", new.shown, _opinion_line, total=new.count,
                         count=new.count, anonymous=new.anonymous)
    lines += _section(lang, "digest.section.lookbacks",
                      [_change_line(lang, c) for c in digest.lookback_results])
    if digest.office is not None:
        lines += _office_lines(lang, digest)
    return _fit("\n".join(lines), lang)


def _fit(text: str, lang: str) -> str:
    """Keep under Telegram's limit, cutting at a line break (so no tag is cut in half)."""
    if len(text) <= MESSAGE_LIMIT:
        return text
    cut = text.rfind("\n", 0, MESSAGE_LIMIT - 80)
    return text[:cut] + "\n" + say(lang, "digest.more", count="…")


# ---- the chart -----------------------------------------------------------------------------

def chart_title(lang: str, person: Person) -> str:
    return say(lang, "digest.chart.title" if OFFICE in person.roles else "digest.chart.mine")


def draw_chart(lang: str, person: Person, digest: Digest) -> bytes | None:
    """Status by department; None when there is nothing to draw."""
    if not digest.departments:
        return None
    rows = [charts.DepartmentLights(name, dict(counts)) for name, counts in digest.departments.items()]
    labels = {name: say(lang, f"digest.light.{name}") for name in charts.LIGHT_COLOURS}
    return charts.status_by_department(rows, chart_title(lang, person), labels)


# ---- the schedule --------------------------------------------------------------------------

def recipients(app: Application) -> Iterable[Person]:
    return [p for p in people.holding(app.bot_data["db"], (LEADER, OFFICE)) if p.chat_id and p.reachable]


async def queue_due(app: Application, after: datetime, until: datetime) -> int:
    """Queue the digest of everyone whose digest time falls in (after, until]."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    queued = 0
    for person in recipients(app):
        chosen = digests.setting(db, person.id)
        slot = digests.slot_between(chosen, after, until, settings.timezone)
        if slot is None:
            continue
        try:  # no savepoint here: other updates write between the awaits
            queued += await _queue_one(app, person, chosen, slot)
        except Exception as error:  # noqa: BLE001 - one person's digest must not stop the others'
            bad_rows.report(app, "people", person.id, error)  # their digest
    return queued


async def _queue_one(app: Application, person: Person, chosen, slot: datetime) -> int:
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    since = digests.default_since(chosen, slot)
    digest = build(app, person, since, slot.astimezone(settings.timezone).date())
    if digest.is_empty():
        digests.record_digest(db, person.id, slot)
        return 0
    lang = person.language or settings.default_language
    title = "digest.title.office" if OFFICE in person.roles else f"digest.title.{chosen.frequency}"
    since_text = since.astimezone(settings.timezone).strftime("%m-%d %H:%M")
    text = render(lang, person, digest, title, since_text)
    chart = await asyncio.to_thread(draw_chart, lang, person, digest)
    key = f"digest:{person.id}:{slot.date().isoformat()}"
    due = outbox.after_quiet_hours(slot, settings.timezone, settings.quiet_hours)
    queued = int(outbox.queue(db, person.id, text, dedup_key=key, due_at=due))
    if chart:
        caption = say(lang, "digest.chart.caption", title=chart_title(lang, person))
        queued += outbox.queue(db, person.id, caption, dedup_key=f"{key}:chart", due_at=due, photo=chart)
    digests.record_digest(db, person.id, slot)
    return queued
