"""Digests: each leader sees exactly their own problems in the right colour, what changed since
the last digest and new opinions about their departments; the office sees the institution and
the counts; a digest with nothing new is not sent; the chart draws Chinese."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import date, time, timedelta
from pathlib import Path

import matplotlib
import pytest
from seeded import MONDAY, SHANGHAI, THURSDAY, TUESDAY, WEDNESDAY, at, department_id, person_id, seed_campaign

from documents import charts
from jobs import delivery, sweeper
from jobs.digests import render
from storage import digests, opinions, problems
from storage.clock import clock
from storage.opinions import Draft
from storage.people import by_id


@pytest.fixture
async def campaign(running_bot, client, db):
    return await seed_campaign(running_bot, client, db)


async def sweep_morning(app, day: date) -> None:
    """The sweeper's passes just before and just after the digest time."""
    for minute in (29, 31):
        clock.freeze(at(day, 8, minute))
        await sweeper.sweep_app(app)


async def deliver_all(app) -> None:
    while await delivery.send_due(app):
        pass


def digest_rows(db) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in db.query(
        "select p.name, o.text, o.photo is not null as chart from outbox o join people p "
        "on p.id = o.person_id where o.dedup_key like 'digest:%' order by o.id"
    ):
        found.setdefault(row["name"], []).append(row)
    return found


async def test_each_leader_gets_exactly_their_items_and_an_empty_digest_is_not_sent(
    campaign, running_bot, db
):
    people, ids = campaign
    await sweep_morning(running_bot.app, WEDNESDAY)
    rows = digest_rows(db)
    assert set(rows) == {"李娜", "王芳"}  # 陈刚: nothing changed for him since Tuesday, so nothing
    text = rows["李娜"][0]["text"]
    assert [r["chart"] for r in rows["李娜"]] == [0, 1]
    red, amber = text.split("🔴 逾期</b>")[1], text.split("🟡 临期或久未进展</b>")[1]
    assert "🔴 逾期 1 · 🟡 临期或久未进展 1 · 🟢 正常 1 · ✅ 已完成 1" in text
    assert red.split("<b>")[0].strip().startswith(f"#{ids['late']} 挂号排队时间长")
    assert amber.split("<b>")[0].strip().startswith(f"#{ids['soon']} 门诊指示牌不清")
    assert f"#{ids['soon']} 门诊指示牌不清：报告进展" in text
    assert f"#{ids['closing']} 职工书屋闲置：销号" in text
    assert "[医疗服务] 门诊部：周末只开两个挂号窗口" in text and "匿名 1 条" in text
    for other in ("夜间巡查不到位", "视频监控盲区", "食堂菜品单一"):
        assert other not in text

    await deliver_all(running_bot.app)
    message = await people["李娜"].wait_for("整改日报")
    assert "挂号排队时间长" in message.text
    chart = await people["李娜"].wait_for("我负责的问题")
    assert chart.photo

    await sweep_morning(running_bot.app, THURSDAY)  # nothing happened on Wednesday
    assert {name: len(found) for name, found in digest_rows(db).items()} == {"李娜": 2, "王芳": 2}


async def test_the_office_digest_adds_the_counts(campaign, running_bot, db):
    people, ids = campaign
    await sweep_morning(running_bot.app, WEDNESDAY)
    text = digest_rows(db)["王芳"][0]["text"]
    assert "全院整改简报" in text
    # the unclaimed problem is not late, but listed on Monday and claimed by nobody for two
    # working days it is amber (problems.still_before); the explained one is not done
    assert "🔴 逾期 2 · 🟡 临期或久未进展 2 · 🟢 正常 1 · ✅ 已完成 1 · 💬 已说明原因 1" in text
    assert f"#{ids['unclaimed']} 食堂菜品单一 — 2026-11-30 列入，尚无领导接单" in text
    assert "新收 1 条：医疗服务 1" in text and "全部意见：待处理 1" in text
    assert f"门诊部（1）：#{ids['late']}" in text and f"后勤保障科（1）：#{ids['other_late']}" in text
    assert "孙丽（后勤保障科）" in text
    assert "尚未加入：2 人" in text  # 张伟 and 赵敏 never joined


async def test_a_weekly_digest_covers_the_week_and_comes_on_the_first_working_day(campaign, running_bot, db):
    people, ids = campaign
    digests.choose(db, person_id(db, "李娜"), frequency=digests.WEEKLY)
    for day in (WEDNESDAY, THURSDAY):
        await sweep_morning(running_bot.app, day)
    assert "李娜" not in digest_rows(db)
    await sweep_morning(running_bot.app, date(2026, 12, 7))  # the next Monday
    assert "整改周报" in digest_rows(db)["李娜"][0]["text"]


async def test_a_leader_counts_every_new_opinion_once_and_is_shown_the_first_few(campaign, running_bot, db):
    """陈刚's department is 后勤保障科 (through his problems): its opinions count, and those the
    office sent him about another department; one sent to him about his own counts once; a
    duplicate, one not yet released and one about another department do not."""
    keys, office = running_bot.app.bot_data["keys"], person_id(db, "王芳")
    logistics, clinic = department_id(db, "后勤保障科"), department_id(db, "门诊部")

    def submit(department: int, text: str, author: int | None = None) -> str:
        draft = Draft(anonymous=author is None, category="后勤服务", department_id=department, text=text)
        return opinions.submit(db, draft, author, keys, TUESDAY)[0]

    for n in range(9):
        submit(logistics, f"食堂第{n}条", author=person_id(db, "孙丽") if n % 3 == 0 else None)
    to_him = submit(clinic, "门诊楼的热水器坏了")
    own_to_him = submit(logistics, "车棚顶漏雨")
    again = submit(logistics, "食堂第0条")
    opinions.release_batch(db)
    for opinion_id in (to_him, own_to_him):
        opinions.send_to_leader(db, opinion_id, person_id(db, "陈刚"), office)
    opinions.mark_duplicate(db, again, own_to_him, office)
    submit(logistics, "还没放出的一条")

    leader = by_id(db, person_id(db, "陈刚"))
    new = digests.for_leader(db, leader, at(TUESDAY, 8, 30), WEDNESDAY, SHANGHAI).opinions
    assert (new.count, new.anonymous, new.by_category) == (11, 8, {"后勤服务": 11})
    assert len(new.shown) == digests.LIST_LIMIT
    assert not any("门诊" in note.text and note.department != "门诊部" for note in new.shown)
    digest = digests.for_leader(db, leader, at(TUESDAY, 8, 30), WEDNESDAY, SHANGHAI)
    text = render("zh-CN", leader, digest, "digest.title.daily", None)
    assert "新意见</b>（11 条，其中匿名 8 条）" in text and "另有 8 项" in text  # 3 on the first screen
    assert "还没放出" not in text and "周末只开两个挂号窗口" not in text


def test_weekly_digest_day_moves_past_a_holiday_monday():
    # National Day 2026: 1-7 October off, Thursday 8 October the first working day of the week
    week = [date(2026, 10, 5) + timedelta(days=n) for n in range(7)]
    assert [d for d in week if digests.is_digest_day(digests.WEEKLY, d)] == [date(2026, 10, 8)]
    assert [d for d in week if digests.is_digest_day(digests.DAILY, d)] == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]  # Saturday the 10th is a make-up day


async def test_a_leader_sees_the_digest_now_and_sets_the_schedule(campaign, running_bot, db):
    people, ids = campaign
    clock.freeze(at(WEDNESDAY, 10))
    leader = people["李娜"]
    replies = await leader.send("📊 简报")
    if not any(m.labels() for m in replies):
        replies += await leader.replies()
    texts = " ".join(m.text or m.caption or "" for m in replies)
    assert "整改简报" in texts and "挂号排队时间长" in texts and "每个工作日，08:30" not in texts
    assert any(m.photo for m in replies)
    # the schedule is one tap away (⚙️ under the digest's last message), not a message after it
    assert "每个工作日，08:30" in (await leader.press("⚙️ 推送设置"))[-1].text
    assert "每周第一个工作日" in (await leader.press("每周"))[-1].text
    assert "07:45" in (await leader.send("/digest 7:45"))[-1].text
    assert "看不懂“25:00”" in (await leader.send("/digest 25:00"))[-1].text
    chosen = digests.setting(db, person_id(db, "李娜"))
    assert (chosen.frequency, chosen.at) == (digests.WEEKLY, time(7, 45))
    assert "只对" in (await people["孙丽"].send("/digest"))[-1].text


def _glyph_warnings(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


LABELS = {
    "red": "逾期",
    "amber": "临期",
    "green": "正常",
    "done": "已完成",
    "listed": "问题总数",
    "closed": "已销号",
}


def _both_charts() -> list[bytes]:
    rows = [
        charts.DepartmentLights("门诊部", {"red": 1, "green": 2}),
        charts.DepartmentLights("后勤保障科", {"done": 3}),
    ]
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)]
    return [
        charts.status_by_department(rows, "各科室整改状态", LABELS),
        charts.progress_over_time(days, list(range(10)), [n // 2 for n in range(10)], "整改进度", LABELS),
    ]


def test_charts_draw_chinese_without_missing_glyphs():
    drawn: list[bytes] = []
    assert _glyph_warnings(lambda: drawn.extend(_both_charts())) == []
    assert all(png.startswith(b"\x89PNG") and len(png) > 5000 for png in drawn)


def test_the_glyph_check_would_catch_a_font_without_chinese(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: "DejaVu Sans")
    assert _glyph_warnings(_both_charts)


def test_a_font_without_chinese_stops_the_bot(tmp_path):
    dejavu = Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, str(root / "bot.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"CHART_FONT": str(dejavu), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2 and "no Chinese glyphs" in run.stderr


async def test_a_digest_already_sent_is_not_sent_again_from_further_back(campaign, running_bot, db):
    from jobs import digests as digest_job

    clock.freeze(at(WEDNESDAY, 8, 29))  # Tuesday 08:30's digests were recorded by the seed
    assert await digest_job.queue_due(running_bot.app, at(MONDAY, 0), at(WEDNESDAY, 8, 29)) == 0
    assert digest_rows(db) == {}


async def test_the_pass_reads_and_writes_each_digest_in_the_chart_process(
    campaign, running_bot, db, monkeypatch
):
    """Not in a thread of the bot's process: there the office's digest (seconds of Python at
    full size) held the interpreter's lock against the event loop through the 08:30 pass."""
    sent: list[str] = []
    real = charts.apart

    async def recorded(work, *args):
        sent.append(work.__name__)
        return await real(work, *args)

    monkeypatch.setattr(charts, "apart", recorded)
    await sweep_morning(running_bot.app, WEDNESDAY)
    assert set(digest_rows(db)) == {"李娜", "王芳"}
    assert sent.count("prepare_apart") >= 3  # 李娜, 王芳 and 陈刚 (whose digest was empty)
    assert "status_by_department" in sent


def test_the_office_digest_is_built_once_per_pass_in_the_chart_process(db_path, monkeypatch):
    from jobs import digests as digest_job
    from storage.db import open_database
    from storage.people import Person

    open_database(db_path).close()
    built = []
    real = digests.for_office
    monkeypatch.setattr(digests, "for_office", lambda *a: built.append(a[1:3]) or real(*a))
    office = [Person(n, f"办{n}", 1, "院办", frozenset({"office"}), n, n, None, True, True) for n in (1, 2)]
    since, today = at(TUESDAY, 8, 30), WEDNESDAY
    for pass_id in ("first", "first", "second"):
        for person in office:
            reading = digest_job._Reading(str(db_path), SHANGHAI, digests.Thresholds(), pass_id)
            digest_job.prepare_apart(reading, person, since, today, "zh-CN", "digest.title.office", "x")
    assert len(built) == 2  # once for the first pass's four, once for the second's


async def test_a_bot_back_at_the_weekend_leaves_the_missed_digest_to_monday(campaign, running_bot, db):
    """Down from Thursday after its digests, back on Saturday: Friday's digest went out on
    Saturday morning, to leaders on their day off (and, in a reminder test, whenever the suite's
    own day came after the test's dates). Nothing goes out at the weekend; Monday's one digest
    covers everything since Thursday's."""
    saturday, sunday, monday = (THURSDAY + timedelta(days=n) for n in (2, 3, 4))

    def digest_days(name: str) -> list[str]:
        rows = db.query(
            "select o.dedup_key from outbox o join people p on p.id = o.person_id "
            "where p.name = ? and o.dedup_key like 'digest:%' and o.dedup_key not like '%:chart' "
            "order by o.id",
            [name],
        )
        return [row["dedup_key"].rsplit(":", 1)[-1] for row in rows]

    await sweep_morning(running_bot.app, THURSDAY)
    assert digest_days("王芳") == [THURSDAY.isoformat()]
    await running_bot.stop()
    clock.freeze(at(THURSDAY + timedelta(days=1), 15))
    problems.create(db, "周五新列的问题", None)  # Friday's digest would have news
    clock.freeze(at(saturday, 10))
    await running_bot.start()
    for moment in (at(saturday, 10), at(saturday, 10, 1), at(sunday, 8, 31), at(sunday, 20)):
        clock.freeze(moment)
        await sweeper.sweep_app(running_bot.app)
    assert digest_days("王芳") == [THURSDAY.isoformat()]
    await sweep_morning(running_bot.app, monday)
    assert digest_days("王芳") == [THURSDAY.isoformat(), monday.isoformat()]
    [*_, monday_text] = [row["text"] for row in digest_rows(db)["王芳"] if not row["chart"]]
    assert "12-03 08:30 以来" in monday_text and "周五新列的问题" in monday_text, monday_text
