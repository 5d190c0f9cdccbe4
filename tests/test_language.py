"""No raw identifier reaches a reader: every audited problem action and every stored enum value
has words in all three languages, and a problem's /history, driven through every kind of step,
reads as words in each ("发起回头看 30d" and "回头看结果 reopened" were the slips)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from handlers.reports import ledger
from services import KEY, Services, Shared
from storage import digests, extensions, lookbacks, opinions, people, problems, self_checks
from texts import CATALOGS

ROOT = Path(__file__).resolve().parent.parent
AUDITED = re.compile(r'audit\.record\(\s*db,\s*f?"(problem\.[a-z_{}]+)"')
ENUMS = {
    "problem.status": problems.STATES,
    "problem.kind": problems.KINDS,
    "problem.horizon": problems.HORIZONS,
    "problem.source": problems.SOURCES,
    "digest.light": problems.LIGHTS,
    "opinion.status": (
        opinions.NEW,
        opinions.REPLIED,
        opinions.FORWARDED,
        opinions.DUPLICATE,
        opinions.CLOSED,
    ),
    "selfcheck.status": (
        self_checks.REQUESTED,
        self_checks.SUBMITTED,
        self_checks.RETURNED,
        self_checks.APPROVED,
    ),
    "lookback.result": (lookbacks.HELD, lookbacks.REOPENED, lookbacks.TOO_FEW),
    "digest.frequency": digests.FREQUENCIES,
    "extension.decided": (extensions.APPROVED, extensions.REFUSED),
    "extension.decider": ("leader", "office"),
}


def audited_actions() -> set[str]:
    found = {f"problem.{action}" for action in problems.TRANSITIONS}
    for folder in ("storage", "handlers", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= {a for a in AUDITED.findall(path.read_text()) if "{" not in a}
    return found


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_action_and_value_has_words_in_every_language(language):
    catalog = CATALOGS[language]
    missing = [
        f"history.{action}" for action in sorted(audited_actions()) if f"history.{action}" not in catalog
    ]
    missing += [
        f"{prefix}.{value}"
        for prefix, values in ENUMS.items()
        for value in values
        if f"{prefix}.{value}" not in catalog
    ]
    assert not missing, f"{language} has no words for {missing}"
    assert "problem.extension_ask" in audited_actions()  # the scan finds what it should


def _walk_every_step(db) -> int:
    """One problem through every kind of audited step."""
    who = {
        n: people.by_id(db, db.execute("select id from people where name = ?", [n]).fetchone()[0])
        for n in ("李娜", "王芳", "刘洋")
    }
    leader, office, head = who["李娜"], who["王芳"], who["刘洋"]
    today = date.today()
    problem_id = problems.create(db, "车棚漏雨", office.id)
    problems.claim(db, problem_id, leader)
    problems.act(
        db,
        problem_id,
        "dispatch",
        leader,
        measures="更换顶棚",
        department_id=head.department_id,
        deadline=today + timedelta(days=30),
    )
    problems.add_milestone(db, problem_id, leader, today + timedelta(days=10), "采购材料")
    problems.complete_milestone(db, problem_id, 1, head)
    problems.act(db, problem_id, "report", head, actor_id=head.id, text="已采购", percent=50)
    asked = extensions.ask(db, problem_id, head, "材料缺货", today + timedelta(days=60), today)
    extensions.decide(db, asked.id, leader, approve=False)
    asked = extensions.ask(db, problem_id, head, "材料仍缺货", today + timedelta(days=60), today)
    extensions.decide(db, asked.id, leader, approve=True)
    problems.act(db, problem_id, "request_closure", head, reason="剩余部分不影响使用")
    problems.act(db, problem_id, "return", office, comment="请补胶")
    problems.act(db, problem_id, "request_closure", head)
    problems.act(db, problem_id, "close", office)
    for round_name, unhappy in (("30d", 0), (f"extra-{today.isoformat()}", 3)):  # held, then reopened
        lookback = lookbacks.start(db, problem_id, round_name, today, 1)
        lookbacks.confirm(db, lookback.id, head.id, "仍然有效")
        for n in range(5):
            choice = "unsatisfied" if n < unhappy else "satisfied"
            lookbacks.vote(db, lookback.id, f"{round_name}{n}", choice, today)
        lookbacks.finish(db, lookback.id, 5, Fraction(1, 3))
    problems.act(db, problem_id, "explain", leader, reason="需整体翻建", review_on=today + timedelta(days=90))
    problems.act(db, problem_id, "revisit", office)
    return problem_id


def test_a_history_of_every_step_reads_as_words(db, invited):
    problem_id = _walk_every_step(db)
    actions = {r["action"] for r in problems.history(db, problem_id)}
    assert {
        "problem.lookback_start",
        "problem.lookback_result",
        "problem.reopen",
        "problem.extend",
        "problem.extension_refuse",
        "problem.milestone_done",
        "problem.revisit",
    } <= actions
    settings = SimpleNamespace(timezone=ZoneInfo("Asia/Shanghai"))
    held = Services(db, settings, Shared(None))
    context = SimpleNamespace(application=SimpleNamespace(bot_data={KEY: held}))
    for language in CATALOGS:
        lines = ledger.history_lines(context, language, problem_id)[1:]
        assert len(lines) == len(problems.history(db, problem_id))
        for line in lines:
            words = re.sub(r"<[^>]+>|\d{4}-\d{2}-\d{2}", "", line)
            assert not re.search(r"[a-z]+_[a-z_]+|\b\d+d\b|\bextra-", words), (language, line)
            if language != "en":  # Chinese lines hold no Latin word at all
                assert not re.search(r"[A-Za-z]{2,}", words), (language, line)
        text = "\n".join(lines)
        assert ("第 30 天" in text) if language == "zh-CN" else True
