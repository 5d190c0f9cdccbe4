"""Questionnaires over time: the invitation when one opens, a reminder at half time to those who
have not answered, and the close (answers still waiting written first, without their
respondents; the office told, with the results button)."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.ext import Application

import services
from callbacks import SURVEY_RESULTS, SURVEY_START
from jobs import bad_rows, notices
from storage import surveys
from storage.surveys import Survey

log = logging.getLogger(__name__)


def waiting(app: Application, survey: Survey) -> list:
    """Who the reminder goes to: everyone not on the respondents list, those whose answers wait
    in the mixing pool included (surveys.on_respondents_list; the reminder says so to them)."""
    db = services.of(app).db
    return [p for p in surveys.eligible(db, survey) if not surveys.on_respondents_list(db, survey.id, p.id)]


def _closes(app: Application, survey: Survey) -> str:
    return survey.closes_at.astimezone(services.of(app).settings.timezone).strftime("%Y-%m-%d %H:%M")


def invite(app: Application, survey: Survey) -> int:
    return notices.notify(
        app,
        surveys.eligible(services.of(app).db, survey),
        "survey.invite",
        buttons=[[("survey.btn.start", SURVEY_START.data(survey.id))]],
        dedup=f"survey:{survey.id}:open",
        title=survey.title,
        count=len(survey.questions),
        closes=_closes(app, survey),
    )


def run(app: Application, now: datetime) -> None:
    for survey in surveys.open_surveys(services.of(app).db):
        with bad_rows.skipped_if_bad(app, "surveys", survey.id):
            if now >= survey.closes_at:
                conclude(app, survey)
            elif now >= survey.opens_at + (survey.closes_at - survey.opens_at) / 2:
                notices.notify(
                    app,
                    waiting(app, survey),
                    "survey.remind",
                    buttons=[[("survey.btn.start", SURVEY_START.data(survey.id))]],
                    dedup=f"survey:{survey.id}:half",
                    title=survey.title,
                    closes=_closes(app, survey),
                )


def conclude(app: Application, survey: Survey) -> None:
    db = services.of(app).db
    if not surveys.conclude(db, survey.id):
        return
    notices.notify(
        app,
        notices.office(app),
        "survey.concluded",
        buttons=[[("survey.btn.results", SURVEY_RESULTS.data(survey.id))]],
        dedup=f"survey:{survey.id}:closed",
        title=survey.title,
        count=surveys.respondent_count(db, survey.id),
    )
    log.info("questionnaire %s closed", survey.id)
