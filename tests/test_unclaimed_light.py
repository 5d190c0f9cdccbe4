"""A listed problem (待接单) nobody claims turns 🟡 after 2 working days and 🔴 after 5
(UNCLAIMED_AMBER_WORKING_DAYS, UNCLAIMED_RED_WORKING_DAYS), in the light itself, the roll-up's
SQL, the office's digest, the ledger and the /claim cards alike: it used to stay 🟢 for 14 days,
and nobody taking a problem is what the office must see."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from conftest import join

import config
from jobs import digests as digest_job
from storage import digests, problems, rollup
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_BEFORE_NATIONAL_DAY = date(2026, 9, 30)  # 1 to 7 October off; Sat 10th a make-up day


def _at(day: date, hour: int = 10) -> None:
    clock.freeze(datetime.combine(day, time(hour), tzinfo=SHANGHAI))


def _lights_everywhere(db, problem_id: int, today: date) -> set[str]:
    """The problem's colour as problems.light reads it and as the roll-up counts it in SQL."""
    counted = rollup.figures(db, "院", today).by_light
    return {problems.light(problems.get(db, problem_id), today)} | {c for c, n in counted.items() if n}


async def _shown(office, leader) -> tuple[str, str, str]:
    """The office's digest, its ledger and a leader's /claim card, as their phones show them."""
    digest = "\n".join(m.text or "" for m in await office.send("📊 简报"))
    ledger = "\n".join(m.text or "" for m in await office.send("/ledger"))
    card = "\n".join(m.text or "" for m in await leader.send("/claim"))
    return digest, ledger, card


def _line_of(text: str, title: str) -> str:
    return next(line for line in text.split("\n") if title in line)


async def test_a_problem_nobody_claims_turns_amber_then_red(fast_client, invited, db):
    office = await join(fast_client, invited, 101, "王芳")
    li = await join(fast_client, invited, 102, "李娜")
    _at(WEDNESDAY_BEFORE_NATIONAL_DAY)
    problem_id = problems.create(db, "候诊区座椅不足", None)

    _at(date(2026, 10, 8), 9)  # eight days on, one working day: green
    assert _lights_everywhere(db, problem_id, date(2026, 10, 8)) == {problems.GREEN}

    _at(date(2026, 10, 9), 9)  # the second working day: amber
    assert _lights_everywhere(db, problem_id, date(2026, 10, 9)) == {problems.AMBER}
    digest, ledger, card = await _shown(office, li)
    assert "🔴 逾期 0 · 🟡 临期或久未进展 1 · 🟢 正常 0" in digest
    amber = digest.split("🟡 临期或久未进展</b>\n")[1].split("\n\n")[0]
    assert f"#{problem_id} 候诊区座椅不足 — 2026-09-30 列入，尚无领导接单" in amber
    assert _line_of(ledger, "候诊区座椅不足").startswith("🟡")
    assert _line_of(card, "候诊区座椅不足").startswith("🟡")

    _at(date(2026, 10, 12), 9)  # the fourth (the 10th was a make-up working day): still amber
    assert _lights_everywhere(db, problem_id, date(2026, 10, 12)) == {problems.AMBER}
    _at(date(2026, 10, 13), 9)  # the fifth: red, and named as such, not as overdue
    assert _lights_everywhere(db, problem_id, date(2026, 10, 13)) == {problems.RED}
    figures = rollup.figures(db, "院", date(2026, 10, 13))
    assert figures.overdue == 0 and figures.overdue_list == []  # red, but not late
    digest, ledger, card = await _shown(office, li)
    assert "🔴 逾期 0 · 🔴 久无人接单 1 · 🟡 临期或久未进展 0" in digest
    red = digest.split("🔴 久无人接单</b>")[1].split("\n\n")[0]
    assert f"#{problem_id} 候诊区座椅不足 — 2026-09-30 列入，尚无领导接单" in red
    assert _line_of(ledger, "候诊区座椅不足").startswith("🔴")
    assert _line_of(card, "候诊区座椅不足").startswith("🔴")

    await li.press("接单")  # claimed: it waits on 李娜's 下单 now, from today
    assert _lights_everywhere(db, problem_id, date(2026, 10, 13)) == {problems.GREEN}


def test_the_morning_it_turns_amber_or_red_the_office_digest_is_news(db, invited):
    _at(WEDNESDAY_BEFORE_NATIONAL_DAY)
    problem_id = problems.create(db, "车棚漏雨", None)
    since = datetime.combine(date(2026, 10, 8), time(8, 30), tzinfo=SHANGHAI)
    found = digests.for_office(db, since, date(2026, 10, 9), SHANGHAI)
    assert [p.id for p in found.newly_waiting] == [problem_id] and not found.is_empty()
    since = datetime.combine(date(2026, 10, 12), time(8, 30), tzinfo=SHANGHAI)
    found = digests.for_office(db, since, date(2026, 10, 13), SHANGHAI)
    assert [p.id for p in found.newly_waiting] == [problem_id]  # amber to red is news too
    since = datetime.combine(date(2026, 10, 13), time(8, 30), tzinfo=SHANGHAI)
    assert digests.for_office(db, since, date(2026, 10, 14), SHANGHAI).newly_waiting == []


def test_the_limits_are_settings_with_defaults(fast_bot):
    settings = config.load(env={"TELEGRAM_BOT_TOKEN": "1:x"}, dotenv=False)
    assert settings.unclaimed_working_days == (2, 5)
    changed = config.load(
        env={
            "TELEGRAM_BOT_TOKEN": "1:x",
            "UNCLAIMED_AMBER_WORKING_DAYS": "1",
            "UNCLAIMED_RED_WORKING_DAYS": "3",
        },
        dotenv=False,
    )
    assert changed.unclaimed_working_days == (1, 3)
    with pytest.raises(config.ConfigError):
        config.load(
            env={
                "TELEGRAM_BOT_TOKEN": "1:x",
                "UNCLAIMED_AMBER_WORKING_DAYS": "4",
                "UNCLAIMED_RED_WORKING_DAYS": "3",
            },
            dotenv=False,
        )
    import services

    services.of(fast_bot.app).settings = dataclasses.replace(settings, unclaimed_working_days=(1, 3))
    assert digest_job.thresholds(fast_bot.app).unclaimed == (1, 3)
