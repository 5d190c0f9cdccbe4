"""What the leader walk (test_leader_walk.py) left: a claimed 接单 card that still offered 接单,
problems waiting on their leader shown 🟢 正常 for 14 days, and the digest's settings message
pushing the digest off a phone's screen after every 📊 简报."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from conftest import ROSTER_CSV, join
from test_digest_screen import dispatched, who

from jobs import notices
from storage import invitations, problems, rollup, roster
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int = 10) -> None:
    clock.freeze(datetime.combine(day, time(hour), tzinfo=SHANGHAI))


async def _two_leaders(fast_client, db):
    roster.apply(db, roster.parse((ROSTER_CSV + "陈刚,院办,班子成员\n").encode()), None)
    codes = {
        i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    }
    return await join(fast_client, codes, 102, "李娜"), await join(fast_client, codes, 103, "陈刚")


def _labels(message) -> list[str]:
    return [b["text"] for row in message.buttons for b in row]


def _now(user, message):
    """The message as the person's phone shows it now (edits folded in)."""
    return next(m for m in user.inbox if m.message_id == message.message_id)


# ---- 1. the pressed 接单 card says it is theirs -------------------------------------------


async def _listed_to_both(fast_bot, li, chen, db, title: str):
    """A new problem, and the 新问题待接单 notice each leader got: (its number, 李娜's, 陈刚's)."""
    problem_id = problems.create(db, title, None)
    notices.problem_listed(fast_bot.app, problem_id)
    return (
        problem_id,
        await li.wait_for(f"新问题待接单 #{problem_id}"),
        await chen.wait_for(f"新问题待接单 #{problem_id}"),
    )


async def test_a_claimed_notice_is_edited_to_say_whose_it_is_and_what_comes_next(fast_bot, fast_client, db):
    li, chen = await _two_leaders(fast_client, db)
    problem_id, notice, other = await _listed_to_both(fast_bot, li, chen, db, "候诊区座椅不足")
    claim_data = notice.buttons[0][0]["callback_data"]

    await li.press("接单", message=notice)
    card = _now(li, notice)
    assert f"您已接单 #{problem_id}：候诊区座椅不足" in card.text and "请“下单”" in card.text
    assert "接单" not in " ".join(_labels(card)) and "📝 下单" in _labels(card)
    assert [m for m in li.inbox if "您已接单" in (m.text or "")] == [card]  # edited, not a second message

    await li.press_data(notice.message_id, claim_data)  # a double tap's second, or an old card
    assert (await li.callback_answer())["text"] == f"#{problem_id} 已由您接单，不用再点。"
    assert "下单" in " ".join(_labels(_now(li, notice)))

    await chen.press("接单", message=other)
    assert "李娜" in (await chen.callback_answer())["text"]
    taken = _now(chen, other)
    assert "已由 李娜 接单" in taken.text and _labels(taken) == []  # no 接单 left to press

    await li.press("下单", message=card)
    assert "整改措施" in li.inbox[-1].text or "措施" in li.inbox[-1].text


async def test_a_claim_card_from_the_list_is_edited_in_place(fast_client, invited, db):
    li = await join(fast_client, invited, 102, "李娜")
    problem_id = problems.create(db, "车棚漏雨", None)
    [card] = [m for m in await li.send("/claim") if m.buttons]
    await li.press("接单", message=card)
    now = _now(li, card)
    assert f"您已接单 #{problem_id}" in now.text and "📝 下单" in _labels(now)
    assert problems.get(db, problem_id).status == problems.CLAIMED


async def test_an_old_claim_card_of_a_dispatched_problem_says_where_it_stands(fast_bot, fast_client, db):
    li, chen = await _two_leaders(fast_client, db)
    problem_id, mine, other = await _listed_to_both(fast_bot, li, chen, db, "食堂饭菜价格偏高")
    data = mine.buttons[0][0]["callback_data"]
    problems.claim(db, problem_id, who(db, "李娜"))  # from /claim, on another phone
    problems.act(
        db,
        problem_id,
        "dispatch",
        who(db, "李娜"),
        measures="公示价格",
        department_id=who(db, "刘洋").department_id,
        deadline=date(2099, 12, 31),
    )
    await li.press_data(mine.message_id, data)
    assert (await li.callback_answer())["text"] == f"#{problem_id} 已由您接单，不用再点。"
    assert "由您负责，目前：已下单" in _now(li, mine).text
    assert "接单" not in " ".join(_labels(_now(li, mine)))
    await chen.press("接单", message=other)
    assert "已由 李娜 接单" in _now(chen, other).text and _labels(_now(chen, other)) == []


# ---- 2. problems waiting on their leader turn amber ---------------------------------------

WEDNESDAY_BEFORE_NATIONAL_DAY = date(2026, 9, 30)  # 1 to 7 October off; Thu 8th, Fri 9th work


def _lights_everywhere(db, problem_id: int, today: date) -> set[str]:
    """The problem's colour as the digest, the ledger and the export read it (problems.light)
    and as the roll-up counts it in SQL: one colour, or a second shows which disagrees (the
    problem is the database's only open one)."""
    counted = rollup.figures(db, "院", today).by_light
    return {problems.light(problems.get(db, problem_id), today)} | {c for c, n in counted.items() if n}


async def test_claimed_and_not_dispatched_turns_amber_after_two_working_days(fast_client, invited, db):
    li = await join(fast_client, invited, 102, "李娜")
    _at(WEDNESDAY_BEFORE_NATIONAL_DAY)
    problem_id = problems.create(db, "候诊区座椅不足", None)
    await li.send("/claim")
    await li.press("接单")
    assert problems.get(db, problem_id).status == problems.CLAIMED

    _at(date(2026, 10, 8), 9)  # eight days on, one working day: still green
    assert _lights_everywhere(db, problem_id, date(2026, 10, 8)) == {problems.GREEN}
    digest = "\n".join(m.text or "" for m in await li.send("📊 简报"))
    assert "🟡 临期或久未进展 0 · 🟢 正常 1" in digest

    _at(date(2026, 10, 9), 9)  # the second working day since the claim: it waits on 李娜
    assert _lights_everywhere(db, problem_id, date(2026, 10, 9)) == {problems.AMBER}
    digest = "\n".join(m.text or "" for m in await li.send("📊 简报"))
    assert "🟡 临期或久未进展 1 · 🟢 正常 0" in digest
    amber = digest.split("🟡 临期或久未进展</b>\n")[1].split("\n\n")[0]
    assert f"#{problem_id} 候诊区座椅不足 — 已接单，待领导下单" in amber
    ledger = "\n".join(m.text or "" for m in await li.send("/ledger"))
    assert any("🟡" in line and "候诊区座椅不足" in line for line in ledger.split("\n")), ledger


async def test_the_morning_a_claim_turns_amber_the_digest_is_sent(fast_bot, fast_client, invited, db):
    """A digest with nothing new is not sent; a problem that has just begun to wait on its
    leader is news (digests.Digest.newly_waiting), else 李娜 would learn it only by tapping."""
    from jobs import delivery, sweeper

    async def morning(day: date) -> list[str]:
        for minute in (29, 31):
            clock.freeze(datetime.combine(day, time(8, minute), tzinfo=SHANGHAI))
            await sweeper.sweep_app(fast_bot.app)
        while await delivery.send_due(fast_bot.app):
            pass
        return [
            r[0]
            for r in db.execute(
                "select text from outbox where dedup_key like 'digest:%' and dedup_key not like '%:chart'"
            )
        ]

    li = await join(fast_client, invited, 102, "李娜")
    _at(WEDNESDAY_BEFORE_NATIONAL_DAY)
    problem_id = problems.create(db, "候诊区座椅不足", None)
    await li.send("/claim")
    await li.press("接单")
    assert await morning(date(2026, 10, 8)) == []  # a first digest reads one day back: nothing new
    sent = await morning(date(2026, 10, 9))  # nothing changed, but it now waits on 李娜
    assert len(sent) == 1 and f"#{problem_id} 候诊区座椅不足 — 已接单，待领导下单" in sent[0]
    assert "⚙️ 推送设置" in _labels(await li.wait_for("整改日报"))  # the schedule, where digests arrive
    assert len(await morning(date(2026, 10, 10))) == len(sent)  # a make-up working day: told already


async def test_a_reopened_problem_is_amber_at_once(fast_client, invited, db):
    li = await join(fast_client, invited, 102, "李娜")
    _at(date(2026, 11, 2))
    head, office = who(db, "刘洋"), who(db, "王芳")
    problem_id = dispatched(db, "挂号排队时间长", date(2026, 12, 31))
    problems.act(db, problem_id, "request_closure", head)
    problems.act(db, problem_id, "close", office)
    _at(date(2026, 11, 30))
    problems.act(db, problem_id, "reopen", None)  # 回头看: the fix did not hold
    today = date(2026, 11, 30)
    assert _lights_everywhere(db, problem_id, today) == {problems.AMBER}
    digest = "\n".join(m.text or "" for m in await li.send("📊 简报"))
    amber = digest.split("🟡 临期或久未进展</b>\n")[1].split("\n\n")[0]
    assert f"#{problem_id} 挂号排队时间长 — 重新整改，待领导下单" in amber


def test_a_problem_claimed_before_the_upgrade_counts_from_its_claim(db, invited):
    """m313: last_progress_at from the audit trail's claim, not the day it was listed."""
    from storage import migrations

    _at(date(2026, 11, 2))
    problem_id = problems.create(db, "食堂饭菜价格偏高", None)
    _at(date(2026, 11, 27))
    problems.claim(db, problem_id, who(db, "李娜"))
    db.execute("update problems set last_progress_at = null where id = ?", [problem_id])
    migrations.m313_claimed_problems_moved(db)
    assert problems.light(problems.get(db, problem_id), date(2026, 11, 30)) == problems.GREEN
    assert problems.light(problems.get(db, problem_id), date(2026, 12, 1)) == problems.AMBER


# ---- 3. the digest's settings are one tap away, not the last message -------------------------


async def test_the_digest_ends_the_screen_and_its_settings_are_one_tap_away(fast_client, invited, db):
    li = await join(fast_client, invited, 102, "李娜")
    _at(date(2026, 11, 30))
    problems.claim(db, problems.create(db, "候诊区座椅不足", None), who(db, "李娜"))
    shown = await li.send("📊 简报")
    assert not any("推送设置" in (m.text or "") for m in shown)  # no settings message after it
    last = shown[-1]
    assert "整改简报" in (last.text or "") or last.photo
    assert "⚙️ 推送设置" in _labels(last)

    settings = await li.press("⚙️ 推送设置", message=last)
    assert "推送设置：每个工作日" in settings[-1].text
    assert _labels(settings[-1]) == ["每日", "每周", "暂停"]
    assert "每周第一个工作日" in (await li.press("每周", message=settings[-1]))[-1].text

    typed = await li.send("/digest 设置")
    assert "推送设置：每周第一个工作日" in typed[-1].text and _labels(typed[-1]) == ["每日", "每周", "暂停"]
    assert "07:45" in (await li.send("/digest 7:45"))[-1].text  # the time, typed, as before
