"""The public ledger (/ledger) and a problem's history (/history <id>): what was found, who is
responsible, the deadline, progress, with 🔴🟡🟢, for every member of staff.

Guests of the public box (not on the roster) read the same pages once the office publishes the
ledger to them (handlers/opinions/public_box.py): read-only, the public problems only, and of
each only its public columns (no description, which may be an opinion's own words, and no
history, which names who acted)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from callbacks import (
    LEDGER_ATTENTION_PAGE,
    LEDGER_DETAIL,
    LEDGER_FIRST,
    LEDGER_LIGHT_PAGE,
    LEDGER_PAGE,
    MAX_PAGE,
    PROBLEM_CHASE,
    read_id,
)
from handlers import menu
from handlers.access import (
    MEMBERS,
    READER,
    current_person,
    database,
    language,
    refuse,
    reply,
    requires,
    send_lines,
    settings,
)
from storage import evaluations, extensions, ledger_pages, people, problems
from storage.clock import clock
from storage.people import OFFICE
from storage.problems import Problem
from texts import say

PAGE_SIZE = 10
LIGHTS = {
    problems.RED: "🔴",
    problems.AMBER: "🟡",
    problems.GREEN: "🟢",
    problems.DONE: "✅",
    problems.EXPLAINED: "💬",
}


def today(context: ContextTypes.DEFAULT_TYPE):
    return clock.now().astimezone(settings(context).timezone).date()


def _light(context: ContextTypes.DEFAULT_TYPE, problem: Problem) -> str:
    config = settings(context)
    return problems.light(
        problem,
        today(context),
        config.ledger_amber_days,
        config.ledger_stale_days,
        config.unclaimed_working_days,
    )


def light_of(context: ContextTypes.DEFAULT_TYPE, problem: Problem) -> str:
    return LIGHTS[_light(context, problem)]


WHY = {  # why a card is red or amber when its deadline does not say it
    problems.LISTED: "problem.why.unclaimed",
    problems.CLAIMED: "problem.why.claimed",
    problems.REOPENED: "problem.why.reopened",
}


def _why(context, lang: str, problem: Problem) -> list[str]:
    """A line saying why the card is 🔴 or 🟡 when the deadline line does not: listed and claimed
    by nobody, claimed and not dispatched, reopened, or no progress. A 🔴 card whose 完成时限 read
    — told a leader nothing of what was wrong."""
    if _light(context, problem) not in (problems.RED, problems.AMBER):
        return []
    amber_days = settings(context).ledger_amber_days
    if problem.deadline and problem.deadline <= today(context) + timedelta(days=amber_days):
        return []  # late or due soon: 完成时限 says so
    moment = problem.last_progress_at or problem.created_at
    moved = (moment.astimezone(settings(context).timezone) if moment.tzinfo else moment).date()
    key = WHY.get(problem.status, "problem.why.stalled")
    return [say(lang, key, since=moved.isoformat(), days=(today(context) - moved).days)]


def status_name(lang: str, status: str, public: bool = False) -> str:
    """Where a problem stands: the office's words (待接单, 已下单, 申请销号), or for a guest, who
    reads the ledger published to the public, words anyone knows (已下单 reads as 'ordered')."""
    return say(lang, f"problem.public_status.{status}" if public else f"problem.status.{status}")


def summary_line(context, lang: str, problem: Problem, public: bool = False) -> str:
    return say(
        lang,
        "problem.line",
        light=light_of(context, problem),
        id=problem.id,
        title=problem.title,
        department=problem.department or "—",
        deadline=deadline_text(context, lang, problem),
        status=status_name(lang, problem.status, public),
        progress=problem.progress,
    )


def deadline_text(context, lang: str, problem: Problem) -> str:
    """The deadline, and how late when it has passed (2026-11-27（已逾期 4 天）): a 🔴 card said
    only the date, and a leader counted the days to know how late it was."""
    if problem.deadline is None:
        return "—"
    late = (today(context) - problem.deadline).days
    if late <= 0 or problem.status in (problems.CLOSED, problems.EXPLAINED):
        return problem.deadline.isoformat()
    return say(lang, "problem.deadline.late", deadline=problem.deadline.isoformat(), days=late)


def _five_fields(context, lang: str, problem: Problem, public: bool = False) -> str:
    """The five fields (五落实) and where the problem stands."""
    return say(
        lang,
        "problem.card",
        light=light_of(context, problem),
        id=problem.id,
        title=problem.title,
        status=status_name(lang, problem.status, public),
        kind=say(lang, f"problem.kind.{problem.kind}"),
        horizon=say(lang, f"problem.horizon.{problem.horizon}"),
        source=say(lang, f"problem.source.{problem.source}"),
        measures=problem.measures or "—",
        leader=problem.leader or "—",
        department=problem.department or "—",
        deadline=deadline_text(context, lang, problem),
        progress=problem.progress,
    )


def _explained(lang: str, problem: Problem) -> list[str]:
    if problem.status != problems.EXPLAINED:
        return []
    return [
        say(
            lang,
            "problem.explained",
            reason=problem.explanation or "",
            review_on=problem.review_on.isoformat() if problem.review_on else "—",
        )
    ]


def card_lines(context, lang: str, problem: Problem) -> list[str]:
    """A problem with its five fields (五落实) and where it stands."""
    lines = [_five_fields(context, lang, problem), *_why(context, lang, problem)]  # why under 完成时限
    if problem.description and problem.description != problem.title:
        lines.append(say(lang, "problem.description", text=problem.description))
    for milestone in problems.milestones(database(context), problem.id):
        lines.append(
            say(
                lang,
                "problem.milestone",
                number=milestone.position,
                mark="☑" if milestone.done else "☐",
                due=milestone.due.isoformat(),
                title=milestone.title,
            )
        )
    extended = extensions.approved_count(database(context), problem.id)
    if extended:
        lines.append(say(lang, "problem.extensions", count=extended))
    return lines + _explained(lang, problem)


def history_lines(context, lang: str, problem_id: int) -> list[str]:
    db = database(context)
    zone = settings(context).timezone
    names: dict[int, str] = {}
    lines = [say(lang, "history.title", id=problem_id)]
    for row in problems.history(db, problem_id):
        actor = row["actor_id"]
        if actor and actor not in names:
            found = people.by_id(db, actor)
            names[actor] = found.name if found else "?"
        detail = json.loads(row["detail"] or "{}")
        when = problems.parse_iso(row["at"]).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        extra = detail_text(lang, row["action"], detail)
        if "percent" in detail:
            extra = f"{detail['percent']}% {extra}"
        new_deadline = detail.get("new_deadline") or detail.get("deadline")
        if new_deadline:  # 下单, 申请延期, 批准延期: the date the problem is held to
            extra = f"{extra} → {new_deadline}".strip()
        lines.append(
            say(
                lang,
                "history.line",
                when=when,
                who=names.get(actor) or say(lang, "history.system"),
                action=say(lang, f"history.{row['action']}"),
                extra=extra,
            )
        )
    return lines


ROUND = re.compile(r"^(\d+)d$")


def detail_text(lang: str, action: str, detail: dict) -> str:
    """What an audit row's detail says, in words: the values the bot stores as identifiers (a
    look-back's round, its result) are named from the catalog, never shown raw."""
    text = detail.get("text") or detail.get("reason") or detail.get("comment") or ""
    if action == "problem.lookback_start":
        days = ROUND.match(text)
        return say(lang, "history.round.days", days=days[1]) if days else say(lang, "history.round.extra")
    if action == "problem.lookback_result":
        return say(lang, f"lookback.result.{text}", **{k: detail.get(k, 0) for k in RESULT_COUNTS})
    if action == "problem.milestone_done":
        return say(lang, "history.milestone_number", number=text)
    if action == "problem.chase":
        return say(lang, "history.chase_told", count=detail.get("told", 0))
    return text


RESULT_COUNTS = ("satisfied", "basic", "unsatisfied")


def guest_card_lines(context, lang: str, problem: Problem) -> list[str]:
    """A problem as a guest sees it: the five fields (五落实), where it stands, and the reason
    published when it cannot be solved now; nothing else."""
    return [_five_fields(context, lang, problem, public=True), *_explained(lang, problem)]


def _ledger_asked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[int, ledger_pages.Cursor]:
    """The page asked for, and where it starts: the first page of the ledger as it stands now,
    or the next page of the ledger as it was opened (storage/ledger_pages.py). An older button
    (lgp:, lga:, in an order before the lights'), or one so old that the moves since are no
    longer kept, opens the ledger again."""
    db = database(context)
    data = update.callback_query.data if update.callback_query else None
    if data and LEDGER_LIGHT_PAGE(data):
        page, token = LEDGER_LIGHT_PAGE.parse(data)
        cursor = ledger_pages.Cursor.parse(token)
        if cursor is not None and ledger_pages.still_exact(db, cursor):
            return page, cursor
    return 0, ledger_pages.opened(db, today(context))


@requires(*MEMBERS, READER)
async def show_ledger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db = database(context)
    lang = language(update, context)
    total = problems.count(db, problems.PUBLIC)
    if not total:
        await reply(update, context, "ledger.empty")
        return
    if update.callback_query:
        await update.callback_query.answer()
    page, cursor = _ledger_asked(update, context)
    config = settings(context)
    shown = ledger_pages.page(
        db,
        cursor,
        PAGE_SIZE,
        config.ledger_amber_days,
        config.ledger_stale_days,
        config.unclaimed_working_days,
    )
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    guest = current_person(update, context) is None
    lines = [
        say(
            lang,
            "ledger.title.guest" if guest else "ledger.title",
            page=min(page + 1, pages),
            pages=pages,
            total=total,
            late=problems.count_overdue(db, problems.PUBLIC, today(context)),
        )
    ]
    lines += [summary_line(context, lang, p, guest) for p in shown.problems]
    buttons = [
        InlineKeyboardButton(f"#{p.id}", callback_data=LEDGER_DETAIL.data(p.id)) for p in shown.problems
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    if shown.after is not None:
        following = LEDGER_LIGHT_PAGE.data(min(page + 1, MAX_PAGE), shown.after.token())
        rows.append([InlineKeyboardButton(say(lang, "inbox.btn.next"), callback_data=following)])
    sent = await send_lines(context, update.effective_chat.id, lines, InlineKeyboardMarkup(rows))
    if guest:
        _leave_with_receipt(update, context, sent)


def _leave_with_receipt(update: Update, context: ContextTypes.DEFAULT_TYPE, sent: list[int]) -> None:
    """A guest reaches the ledger only from her receipt or its card: what she reads leaves with it."""
    from handlers.opinions.receipt import leave_with_receipt  # it imports this module

    pressed = update.callback_query.message.message_id if update.callback_query else sent[0]
    leave_with_receipt(context, update.effective_chat.id, pressed, sent)


def _may_see_confidential(context: ContextTypes.DEFAULT_TYPE, person, problem) -> bool:
    """A confidential problem (from 民主评议): the office, the leader who holds it, and the
    leaders named to see the sheet's results, never the person it judges."""
    return (
        OFFICE in person.roles
        or person.id == problem.leader_id
        or evaluations.may_see_problem(database(context), problem.id, person)
    )


async def _show_problem(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int | None) -> None:
    problem = problems.get(database(context), problem_id) if problem_id else None
    person = current_person(update, context)  # None: a guest reading the ledger published to them
    if problem is None or not (
        problem.public or person is not None and _may_see_confidential(context, person, problem)
    ):
        await refuse(update, context, "problem.error.not_found")
        return
    if update.callback_query:
        await update.callback_query.answer()
    lang = language(update, context)
    if person is None:
        sent = await send_lines(context, update.effective_chat.id, guest_card_lines(context, lang, problem))
        _leave_with_receipt(update, context, sent)
        return
    lines = card_lines(context, lang, problem) + [""] + history_lines(context, lang, problem.id)
    chase = chase_button(context, lang, person, problem)  # overdue: a next step
    await send_lines(
        context, update.effective_chat.id, lines, InlineKeyboardMarkup([[chase]]) if chase else None
    )


def chase_button(context, lang: str, person, problem: Problem) -> InlineKeyboardButton | None:
    """📣 催办 under an overdue problem's card, for the office and for the problem's own leader
    while its department works on it (handlers/problems/chase.py asks and sends)."""
    late = problems.may_chase(problem, today(context)) if OFFICE in person.roles else False
    late = late or problems.leader_may_chase(problem, person.id, today(context))
    return (
        InlineKeyboardButton(say(lang, "chase.btn"), callback_data=PROBLEM_CHASE.data(problem.id))
        if late
        else None
    )


@requires(*MEMBERS, READER)
async def show_detail(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [problem_id] = LEDGER_DETAIL.parse(update.callback_query.data)
    await _show_problem(update, context, problem_id)


@requires(*MEMBERS)
async def show_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id = read_id((context.args or [""])[0])
    if problem_id is None:
        await reply(update, context, "history.usage")
        return
    await _show_problem(update, context, problem_id)


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("ledger", show_ledger),
        CallbackQueryHandler(show_ledger, pattern=LEDGER_LIGHT_PAGE),
        CallbackQueryHandler(show_ledger, pattern=LEDGER_ATTENTION_PAGE),  # older buttons: the first page
        CallbackQueryHandler(show_ledger, pattern=LEDGER_PAGE),
        CallbackQueryHandler(show_ledger, pattern=LEDGER_FIRST),
        CallbackQueryHandler(show_detail, pattern=LEDGER_DETAIL),
        CommandHandler("history", show_history),
    ]
