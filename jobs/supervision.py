"""督导 at run time: the roll-up read from every institution's database, the body's digest of
it, and the 督办 orders' escalation by the calendar (五书制). Used by handlers/supervision/oversight.py
(on request) and the sweeper (on schedule, in the body's pass)."""

from __future__ import annotations

import asyncio
import html
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

from telegram.ext import Application

import services
from callbacks import LEDGER_DETAIL, ORDER_ESCALATE, REPORT_SUBMIT, SUPERVISION_WORKBOOK
from documents import charts
from jobs import digests, institutions, notices
from storage import dates, orders, outbox, people, problems, rollup, upward_reports
from storage.db import reader
from storage.orders import Order, OrderFigures
from storage.rollup import Figures
from texts import Raw, say
from texts.fit import CAPTION_LIMIT, units

ROLLUP_ROLES = people.BODY_ROLES  # who the roll-up digest goes to, in the body
READERS = 4  # institutions read at once for the roll-up


def order_of_problem(view, problem_id: int) -> Order | None:
    """The open 督办 order an institution's problem answers to (its deadline is the bureau's)."""
    body = body_view(application_of(view))
    unit = institutions.institution_of(view)
    if body is None or unit is None or unit.is_body:
        return None
    order = orders.of_problem(services.of(body).db, unit.id, problem_id)
    return order if order is not None and order.status != orders.CONFIRMED else None


def body_view(app):
    """The supervising body's view, or None (a deployment without one)."""
    units = institutions.units_of(app)
    if units is None:
        return None
    for view in institutions.each(app):
        unit = institutions.institution_of(view)
        if unit is not None and unit.is_body:
            return view
    return None


def institution_views(app) -> list:
    """The views of the institutions under supervision (the body itself is not one of them)."""
    found = []
    for view in institutions.each(app):
        unit = institutions.institution_of(view)
        if unit is not None and not unit.is_body:
            found.append(view)
    return found


def view_of(app, institution_id: int):
    units = institutions.units_of(app)
    return units.views.get(institution_id) if units else None


def _figures_of(view, today: date) -> Figures:
    """An institution's figures: from its cache while its database is unchanged, else read
    through a read-only connection of their own (storage.rollup.Cache)."""
    held = services.of(view)
    name = institutions.unit(view).name  # the main database's settings may not name it
    if held.rollup_cache is None:
        held.rollup_cache = rollup.Cache()
    settings = held.settings
    return held.rollup_cache.figures(
        held.db,
        name,
        today,
        settings.anonymity_set,
        settings.ledger_amber_days,
        settings.ledger_stale_days,
        settings.unclaimed_working_days,
    )


async def collect(app, today: date) -> tuple[list[Figures], dict[str, OrderFigures]]:
    """Every institution's figures, ranked, and the body's orders by institution name. Read in a
    worker thread through read-only connections: the bot keeps answering meanwhile; an
    institution whose database is unchanged since the last roll-up is not read again."""
    views = institution_views(app)
    body = body_view(app)

    def read() -> tuple[list[Figures], dict[str, OrderFigures]]:
        # side by side: SQLite lets go of the interpreter while it reads, and each institution
        # is a file of its own, read through a connection of its own
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            found = list(pool.map(lambda view: _figures_of(view, today), views))
        by_name: dict[str, OrderFigures] = {}
        if body is not None:
            with reader(services.of(body).db) as reading:
                by_id = orders.figures_by_institution(reading, today)
            for view in views:
                unit = institutions.unit(view)
                by_name[unit.name] = by_id.get(unit.id, OrderFigures(by_step={}))
        return rollup.ranked(found), by_name

    return await asyncio.to_thread(read)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def lines(lang: str, ranked: list[Figures], by_name: dict[str, OrderFigures], today: date) -> list[str]:
    """The roll-up in chat: one block per institution, best first. Each line is whole HTML."""
    found = [say(lang, "rollup.title", today=today.isoformat(), count=len(ranked))]
    if not ranked:
        return [*found, say(lang, "rollup.none")]
    for rank, f in enumerate(ranked, start=1):
        found.append(
            say(
                lang,
                "rollup.line",
                rank=rank,
                name=f.institution,
                total=f.total,
                closed=f.closed,
                rate=_percent(f.closure_rate),
                red=f.by_light.get(problems.RED, 0),
                amber=f.by_light.get(problems.AMBER, 0),
                green=f.by_light.get(problems.GREEN, 0),
                overdue=f.overdue,
                extensions=f.extensions,
            )
        )
        unclaimed = f.by_light.get(problems.RED, 0) - f.overdue
        if unclaimed > 0:  # red past no deadline: listed, and no leader has claimed it for long
            found.append(say(lang, "rollup.unclaimed", count=unclaimed))
        if f.overdue:
            found.append(
                say(lang, "rollup.longest", days=f.longest_overdue_days, title=f.longest_overdue_title)
            )
        turnout = "、".join(f"{voted}/{eligible}" for _, voted, eligible in f.turnout) or "—"
        found.append(
            say(
                lang,
                "rollup.more",
                satisfaction=_percent(f.satisfaction),
                turnout=turnout,
                approved=f.self_checks.get("approved", 0),
                checks=sum(f.self_checks.values()),
                late=f.self_checks_late,
            )
        )
        order_figures = by_name.get(f.institution)
        if order_figures and (order_figures.open or order_figures.confirming):
            steps = "、".join(
                f"{say(lang, f'order.step.{s}')} {n}"
                for s, n in sorted((order_figures.by_step or {}).items())
            )
            found.append(
                say(
                    lang,
                    "rollup.orders",
                    open=order_figures.open + order_figures.confirming,
                    overdue=order_figures.overdue,
                    steps=Raw(steps),
                )
            )
        if f.opinions:
            found.append(
                say(lang, "rollup.opinions", counts="、".join(f"{c} {n}" for c, n in f.opinions.items()))
            )
        if f.opinions_public:
            found.append(
                say(
                    lang,
                    "rollup.opinions.public",
                    k=f.k,
                    counts="、".join(f"{c} {n}" for c, n in f.opinions_public.items()),
                )
            )
    return found


# ---- on schedule: the body's digest and the orders' escalation -----------------------------


def escalate_due(app, today: date) -> int:
    """Raise every order the calendar has overtaken to its step, and tell the institution."""
    body = body_view(app)
    if body is None or body is not app:  # in the body's own pass only
        return 0
    db = services.of(body).db
    told = 0
    for order, step in orders.escalations_due(db, today):
        order = orders.escalate(db, order.id, None, to=step)
        told += tell_step(body, order)
    return told


def remind_reports(app, today: date) -> int:
    """专题书面报告 not yet sent: the institution's office is reminded the day before the date,
    and every day after it until it is sent (a returned one is due again)."""
    body = body_view(app)
    if body is None or body is not app:
        return 0
    db, told = services.of(body).db, 0
    for request in upward_reports.open_requests(db, today):
        done = {
            i
            for i, s in upward_reports.statuses(db, request.id).items()
            if s in (upward_reports.SUBMITTED, upward_reports.ACCEPTED)
        }
        for view in institution_views(body):
            unit = institutions.unit(view)
            due = upward_reports.due_on(db, request, unit.id)  # a returned one: the day given with it
            if unit.id in done or today < due - timedelta(days=1) or today == due:
                continue
            told += notices.notify(
                view,
                notices.office(view),
                "upward.overdue" if today > due else "upward.reminder",
                dedup=f"upward:{request.id}:{today}",
                buttons=[[("upward.btn.submit", REPORT_SUBMIT.data(request.id))]],
                title=request.title,
                due=due.isoformat(),
            )
    return told


def order_audience(unit, problem=None) -> list:
    """Who in an institution hears of a 督办 order and each of its steps: its office and its
    leaders, and the heads of the department the problem is dispatched to (they do the work the
    bureau's dates are about), who can be reached, once each, as the preview before 确认下达
    counts them."""
    heads = notices.heads_of(unit, problem.department_id) if problem is not None else []
    return notices.reachable(notices.office(unit) + notices.leaders(unit) + heads)


def report_audience(unit) -> list:
    """Who in an institution is asked for a report the body requires (/askreport): its office."""
    return notices.reachable(notices.office(unit))


def tell_report_asked(app, request) -> tuple[int, list[str]]:
    """Each institution's office is asked for the report: (people told, the names of the
    institutions with nobody in their office to tell)."""
    told, unreached = 0, []
    for view in institution_views(app):
        queued = notices.notify(
            view,
            report_audience(view),
            "upward.notice",
            dedup=f"upward:{request.id}",
            buttons=[[("upward.btn.submit", REPORT_SUBMIT.data(request.id))]],
            title=request.title,
            due=request.due_on.isoformat(),
        )
        told += queued
        if not report_audience(view):
            unreached.append(institutions.unit(view).name)
    return told, unreached


def tell_step(body, order: Order, moved_from: date | None = None) -> int:
    """A step of 五书制 reaches the institution's office, leaders and the problem's department
    (in the institution's own outbox); 约谈 reaches the supervisor too, who is to hold the talk.
    moved_from: the problem's own deadline, which the order brought forward to its date."""
    unit = view_of(body, order.institution_id)
    if unit is None:
        return 0
    problem = problems.get(services.of(unit).db, order.problem_id) if order.problem_id else None
    values: dict[str, Any] = {
        "title": order.title,
        "deadline": order.deadline.isoformat(),
        "id": order.problem_id or 0,
    }
    key = f"order.notice.{order.step}"
    if order.step == orders.NOTICE and problem is not None and problem.leader_id:
        # the problem has its leader: nobody is to 接单 it; its own date, when later, moved
        key = "order.notice.moved" if moved_from else "order.notice.claimed"
        values |= {"problem_title": problem.title, "old": moved_from.isoformat() if moved_from else ""}
    audience = order_audience(unit, problem)
    # each step opens its problem: the office and the leaders looked #N up in /ledger
    buttons = [[("order.btn.open", LEDGER_DETAIL.data(problem.id))]] if problem is not None else None
    told = notices.notify(
        unit, audience, key, buttons=buttons, dedup=f"order:{order.id}:{order.step}", **values
    )
    if order.step == orders.TALK:
        told += notices.notify(
            body,
            notices.person(body, order.issued_by),
            "order.talk_due",
            dedup=f"order-talk:{order.id}",
            institution=institutions.unit(unit).name,
            **values,
        )
    return told


async def queue_digest(app, slot: datetime) -> int:
    """The body's roll-up digest, once a day at the reminder time, to its supervisors and
    commission leaders (nothing when no institution has anything listed yet)."""
    body = body_view(app)
    if body is None or body is not app:
        return 0
    recipients = [p for p in people.holding(services.of(body).db, ROLLUP_ROLES) if p.chat_id and p.reachable]
    if not recipients:
        return 0
    today = slot.astimezone(services.of(body).settings.timezone).date()
    if not dates.is_working_day(today):
        return 0
    ranked, by_name = await collect(body, today)
    if not any(f.total for f in ranked):
        return 0
    queued = notices.notify(
        body,
        recipients,
        "rollup.digest",
        dedup=f"rollup:{today.isoformat()}",
        buttons=[[("rollup.btn.workbook", SUPERVISION_WORKBOOK.data())]],
        today=today.isoformat(),
        count=len(ranked),
        text=Raw(ranking(ranked, by_name)),
    )
    if not queued:
        return 0
    default = services.of(body).settings.default_language
    drawn: dict[str, bytes | None] = {}
    for person in recipients:  # the chart after the ranking, as a message of its own
        lang = person.language or default
        if lang not in drawn:  # once per language, in the chart process (off the bot's interpreter)
            drawn[lang] = await draw_chart_apart(lang, ranked)
        if drawn[lang]:
            dedup = f"rollup-chart:{today.isoformat()}:{person.id}"
            queued += outbox.queue(
                services.of(body).db,
                person.id,
                chart_caption(lang, ranked),
                photo=drawn[lang],
                dedup_key=dedup,
            )
    return queued


def draw_chart(lang: str, ranked: list[Figures]) -> bytes | None:
    """Every institution's problems by traffic light, in the ranking's order; None when no
    institution has any."""
    found = _chart_input(lang, ranked)
    return charts.status_by_department(*found) if found else None


async def draw_chart_apart(lang: str, ranked: list[Figures]) -> bytes | None:
    """The same, drawn in the chart process (documents/charts.py)."""
    found = _chart_input(lang, ranked)
    return await charts.apart(charts.status_by_department, *found) if found else None


def _chart_input(lang: str, ranked: list[Figures]) -> tuple | None:
    if not any(f.total for f in ranked):
        return None
    unclaimed = any(f.by_light.get(problems.RED, 0) > f.overdue for f in ranked)
    labels = digests.light_labels(lang, unclaimed)
    return _folded(lang, ranked).rows, say(lang, "rollup.chart.title"), labels


def _folded(lang: str, ranked: list[Figures]) -> charts.Folded:
    """A bar per institution, in the ranking's order, at most charts.PHOTO_ROWS: past that, those
    with the most red and amber (the caption names the rest)."""
    rows = [charts.DepartmentLights(f.institution, dict(f.by_light)) for f in ranked]
    return charts.fold(rows)


def chart_caption(lang: str, ranked: list[Figures]) -> str:
    """The chart's title, and, when its last bar sums institutions, which (as many names as a
    caption holds) and that the workbook has each of them."""
    head = say(lang, "rollup.chart.title")
    folded = _folded(lang, ranked)
    if not folded.left_out:
        return head
    note = digests.folded_note(lang, "rollup.chart.folded", CAPTION_LIMIT - units(head) - 1, folded)
    return head + "\n" + note


DIGEST_LIMIT = 40  # institutions named in the digest's ranking; the workbook has them all


def ranking(ranked: list[Figures], by_name: dict[str, OrderFigures]) -> str:
    """The digest's ranking, one short line per institution, in no language's words but
    numbers and marks (each recipient's template frames it): rank, name, closure rate, ⏰
    overdue, ⚑ open orders. (Not 🔴: red counts the long unclaimed too, as /rollup and the chart
    do, and the same mark with two numbers the same morning reads as a mistake.)"""
    found = []
    for rank, f in enumerate(ranked[:DIGEST_LIMIT], start=1):
        order_figures = by_name.get(f.institution)
        pending = (order_figures.open + order_figures.confirming) if order_figures else 0
        found.append(
            f"{rank}. {html.escape(f.institution)} · {_percent(f.closure_rate)} · ⏰{f.overdue}"
            + (f" · ⚑{pending}" if pending else "")
        )
    if len(ranked) > DIGEST_LIMIT:
        found.append(f"… +{len(ranked) - DIGEST_LIMIT}")
    return "\n".join(found)


def escalate_button(order: Order) -> list[list[tuple[str, str]]]:
    """⬆️ to the next step, named on the button (its data carries it: a second tap does nothing)."""
    if order.step >= orders.TALK:
        return []
    return [[(f"order.btn.escalate.{order.step + 1}", ORDER_ESCALATE.data(order.id, order.step + 1))]]


def application_of(target) -> Application:
    return institutions.root(getattr(target, "application", target))
