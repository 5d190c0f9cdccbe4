"""Evaluation sheets over time: invitations when a sheet opens, reminders to those who have not
rated (at half time and a day before closing), and the results for the office when it closes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.ext import Application

import services
from callbacks import EVALUATION_RESULTS, EVALUATION_START, EVALUATION_VIEW
from jobs import bad_rows, notices
from storage import appraisals, evaluations, outbox, people
from storage.evaluations import Sheet, SubjectResult
from storage.people import Person
from texts import fit, say

log = logging.getLogger(__name__)


def eligible(app: Application, sheet: Sheet) -> list[Person]:
    return evaluations.eligible(services.of(app).db, sheet)


def turnout(app: Application, sheet: Sheet) -> tuple[int, int]:
    return evaluations.turnout(services.of(app).db, sheet)


def invite(app: Application, sheet: Sheet) -> int:
    zone = services.of(app).settings.timezone
    return notices.notify(
        app,
        eligible(app, sheet),
        "evaluation.invite",
        buttons=[[("evaluation.btn.start", EVALUATION_START.data(sheet.id))]],
        dedup=f"evaluation:{sheet.id}:open",
        title=sheet.title,
        count=len(sheet.subjects),
        closes=sheet.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
    )


def remind(app: Application, sheet: Sheet, moment: str) -> int:
    db, zone = services.of(app).db, services.of(app).settings.timezone
    # not the pool's raters too (evaluations.on_voters_list): the reminder says so to them
    waiting = [p for p in eligible(app, sheet) if not evaluations.on_voters_list(db, sheet.id, p.id)]
    return notices.notify(
        app,
        waiting,
        "evaluation.reminder",
        buttons=[[("evaluation.btn.start", EVALUATION_START.data(sheet.id))]],
        dedup=f"evaluation:{sheet.id}:{moment}",
        title=sheet.title,
        closes=sheet.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
    )


def results(app: Application, sheet: Sheet) -> list[SubjectResult]:
    settings = services.of(app).settings
    return evaluations.results(
        services.of(app).db, sheet, settings.evaluation_min_ballots, settings.evaluation_rule
    )


def slip_results(app: Application, sheet: Sheet) -> tuple[list[SubjectResult], int, int] | None:
    """The rating slips' group (服务对象代表/监督员), counted on its own under the same k, with
    (slips used, slips issued); None when the sheet has no slips."""
    db, settings = services.of(app).db, services.of(app).settings
    used, issued = evaluations.slip_turnout(db, sheet.id)
    if not issued:
        return None
    found = evaluations.results(
        db, sheet, settings.evaluation_min_ballots, settings.evaluation_rule, group=evaluations.SLIP_GROUP
    )
    return found, used, issued


def render_results(
    lang: str,
    sheet: Sheet,
    found: list[SubjectResult],
    slips: tuple[list[SubjectResult], int, int] | None = None,
) -> str:
    return "\n".join(result_lines(lang, sheet, found, slips))


def result_lines(
    lang: str,
    sheet: Sheet,
    found: list[SubjectResult],
    slips: tuple[list[SubjectResult], int, int] | None = None,
) -> list[str]:
    """The results a line at a time (each complete HTML), for sending in as many messages as
    a long sheet needs; the slips' group after the staff's."""
    lines = [say(lang, "evaluation.results_title", title=sheet.title)]
    lines += _result_lines(lang, sheet, found)
    if slips is not None:
        slip_found, used, issued = slips
        group = "appraisal.group.delegates" if appraisals.is_panel_sheet(sheet) else "evaluation.group.slip"
        lines.append(say(lang, group, used=used, issued=issued))
        lines += _result_lines(lang, sheet, slip_found)
    return lines


def _result_lines(lang: str, sheet: Sheet, found: list[SubjectResult]) -> list[str]:
    lines = []
    for result in found:
        if result.overall is None:
            lines.append(say(lang, "evaluation.too_few", subject=result.subject.name, count=result.ballots))
            continue
        lines.append(
            say(
                lang,
                "evaluation.subject_result",
                subject=result.subject.name,
                overall=result.overall,
                count=result.ballots,
                abstained=result.abstained,
            )
        )
        for item, shares in zip(sheet.items, result.shares, strict=True):
            lines.append(
                say(
                    lang,
                    "evaluation.item_result",
                    item=item,
                    shares="　".join(f"{g} {shares[g]:.0%}" for g in sheet.grades),
                )
            )
        if result.flagged:
            lines.append(say(lang, "evaluation.flag", subject=result.subject.name))
    return lines


def results_for(app: Application, sheet: Sheet, viewer: Person) -> list[SubjectResult]:
    """What a leader the office named sees: only subjects that met k, never their own."""
    own = evaluations.judged(services.of(app).db, sheet, viewer)
    return [r for r in results(app, sheet) if r.overall is not None and r.subject.position not in own]


def tell_viewers(app: Application, sheet: Sheet, recipients: list[Person]) -> int:
    """The leaders named to see a closed sheet's results hear that they can open them."""
    return notices.notify(
        app,
        recipients,
        "evaluation.viewer_news",
        buttons=[[("evaluation.btn.results", EVALUATION_VIEW.data(sheet.id))]],
        dedup=f"evaluation:{sheet.id}:viewer",
        title=sheet.title,
    )


def announce_results(app: Application, sheet: Sheet) -> int:
    """Published results go to everyone, each in their own language."""
    db, settings = services.of(app).db, services.of(app).settings
    found = [r for r in results(app, sheet) if r.overall is not None]  # only subjects that met k
    slips = slip_results(app, sheet)
    if slips is not None:
        slips = ([r for r in slips[0] if r.overall is not None], slips[1], slips[2])
    queued = 0
    for person in people.everyone(db):
        lang = person.language or settings.default_language
        # A sheet of many subjects runs past one message: as many as Telegram's limit needs.
        # The parts after the first are keyed apart, so the arrival report counts people.
        for part, text in enumerate(fit.split_lines(result_lines(lang, sheet, found, slips))):
            key = (
                f"evaluation:{sheet.id}:published:{person.id}"
                if not part
                else f"evaluation:{sheet.id}:published-part{part}:{person.id}"
            )
            added = outbox.queue(db, person.id, text, dedup_key=key)
            queued += added if not part else 0
    return queued


def conclude(app: Application, sheet: Sheet) -> None:
    if not evaluations.conclude(services.of(app).db, sheet.id):
        return
    concluded = evaluations.get(services.of(app).db, sheet.id)
    if concluded is None:  # a sheet is never deleted
        raise LookupError(f"evaluation sheet {sheet.id}")
    sheet = concluded
    found = results(app, sheet)
    flagged = sum(r.flagged for r in found)
    notices.notify(
        app,
        notices.office(app),
        "evaluation.concluded",
        buttons=[[("evaluation.btn.results", EVALUATION_RESULTS.data(sheet.id))]],
        dedup=f"evaluation:{sheet.id}:closed",
        title=sheet.title,
        flagged=flagged,
    )
    db = services.of(app).db
    tell_viewers(app, sheet, [p for p in people.everyone(db) if evaluations.may_view(db, sheet, p)])
    log.info("evaluation sheet %s closed; %d subject(s) flagged", sheet.id, flagged)


def run(app: Application, now: datetime) -> None:
    """The sweeper's pass: remind at half time and one day before closing; close what is over."""
    for sheet in evaluations.open_sheets(services.of(app).db):
        with bad_rows.skipped_if_bad(app, "evaluation_sheets", sheet.id):
            _run_sheet(app, sheet, now)


def _run_sheet(app: Application, sheet: Sheet, now: datetime) -> None:
    if now >= sheet.closes_at:
        conclude(app, sheet)
        return
    half, eve = (
        sheet.opens_at + (sheet.closes_at - sheet.opens_at) / 2,
        sheet.closes_at - timedelta(days=1),
    )
    if now >= eve:
        remind(app, sheet, "eve")
    elif now >= half:  # a sheet shorter than two days gets only the last reminder
        remind(app, sheet, "half")
