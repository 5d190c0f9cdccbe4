"""The campaign calendar: meetings announced, reminded 1 day and 1 hour before to those who
attend, moved or cancelled with notice; phases; CSV import."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import confirmed, held_preview, join

import bot
from jobs import delivery, sweeper
from storage import calendar
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date(2026, 12, day), time(hour, minute), tzinfo=SHANGHAI)


async def test_a_meeting_is_announced_reminded_moved_and_cancelled(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    clock.freeze(at(1, 10))
    reply = await confirmed(office, "/meeting 2026-12-10 14:30 | 专题民主生活会 | 三楼会议室 | 班子成员")
    assert "已通知 1 人" in reply[-1].text
    await leader.wait_for("会议通知：专题民主生活会")
    assert "#1" in (await leader.send("/meetings"))[-1].text
    assert "没有您要参加的会议" in (await staff.send("/meetings"))[-1].text

    await sweeper.sweep_app(running_bot.app)
    for moment in (at(9, 14, 30), at(10, 13, 30)):  # a day before, an hour before
        clock.freeze(moment.replace(second=20))
        await sweeper.sweep_app(running_bot.app)
        await delivery.send_due(running_bot.app)
    await leader.wait_for("会议提醒：专题民主生活会")
    reminded = [m for m in leader.inbox if "会议提醒" in (m.text or "")]
    assert len(reminded) == 2
    reminders = db.execute("select count(*) from outbox where dedup_key like 'meeting:%'").fetchone()[0]
    assert reminders == 2  # only the leader attends; once each

    clock.freeze(at(10, 13, 40))
    await confirmed(office, "/meeting_move 1 2026-12-11 09:00 | 二楼会议室")
    moved = await leader.wait_for("会议改期")
    assert "2026-12-11 09:00" in moved.text and "二楼会议室" in moved.text
    await confirmed(office, "/meeting_cancel 1")
    await leader.wait_for("会议取消：专题民主生活会")
    clock.freeze(at(11, 8))
    await sweeper.sweep_app(running_bot.app)
    assert db.execute("select count(*) from outbox where dedup_key like 'meeting:%'").fetchone()[0] == 2


async def test_wrong_input_is_explained(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    assert "用法" in (await office.send("/meeting 明天下午 | 会"))[-1].text
    assert "不认识“董事会”" in (await office.send("/meeting 2026-12-10 14:30 | 会 | 室 | 董事会"))[-1].text
    assert "没有这个日程" in (await office.send("/meeting_cancel 99"))[-1].text


async def test_phases_and_csv_import(
    running_bot, client, invited, db, tmp_path, monkeypatch, capsys, db_path
):
    staff = await join(client, invited, 101, "张伟")
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    good = tmp_path / "calendar.csv"
    good.write_bytes(
        (
            "名称,类型,开始,结束,地点,参加\n"
            "查摆问题、开展批评,阶段,2099-12-01 00:00,2099-12-31 23:59,,\n"
            "动员大会,会议,2099-12-02 09:00,,礼堂,全体\n"
        ).encode("gbk")
    )
    assert bot.main(["calendar", "import", str(good)]) == 0
    assert "2 entries" in capsys.readouterr().out
    await staff.wait_for("会议通知：动员大会")  # the import tells the attendees, in the outbox's time
    shown = (await staff.send("/meetings"))[-1].text
    assert "阶段：查摆问题、开展批评" in shown and "动员大会" in shown
    bad = tmp_path / "bad.csv"
    bad.write_bytes("名称,开始,参加\n会,2099-12-02 09:00,外星人\n".encode())
    assert bot.main(["calendar", "import", str(bad)]) == 1
    assert "第 2 行" in capsys.readouterr().err
    assert len(calendar.upcoming(db, clock.now())) == 2


async def test_a_phase_is_announced_and_runs_through_its_last_day(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    await confirmed(office, "/phase 2099-12-01 | 2099-12-31 | 查摆问题、开展批评")
    await office.wait_for("已加入日程 #1，已通知 4 人")
    told = await staff.wait_for("活动进入新阶段：查摆问题、开展批评")
    assert "2099-12-01 至 2099-12-31" in told.text
    [phase] = calendar.upcoming(db, clock.now())
    last_evening = datetime(2099, 12, 31, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert phase in calendar.upcoming(db, last_evening)  # not over at 00:00 of its last day
    assert not calendar.upcoming(db, last_evening + timedelta(hours=4))
    shown = (await staff.send("/meetings"))[-1].text
    assert "查摆问题、开展批评（2099-12-01 至 2099-12-31）" in shown


async def test_the_office_sees_every_meeting(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    await confirmed(office, "/meeting 2099-12-10 14:30 | 专题民主生活会 | 三楼会议室 | 班子成员")
    assert "专题民主生活会" in (await office.send("/meetings"))[-1].text  # it does not attend
    assert "专题民主生活会" not in (await staff.send("/meetings"))[-1].text


async def test_a_mistyped_meeting_number_shows_the_meeting_before_it_is_cancelled(
    running_bot, client, invited, db
):
    """/meeting_cancel 2 where 1 was meant cancelled 周例会 and told everyone at once, with no way
    back. Now the meeting is named first, with how many will be told; 取消 leaves it standing and
    tells nobody (its button says 会议照常: a 取消 beside 确认取消会议 reads as the act itself), and only
    ✅ 确认取消会议 cancels it. /meeting_move takes a full-width ｜ too."""
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await confirmed(office, "/meeting 2099-12-10 14:30 ｜ 专题民主生活会 ｜ 三楼会议室 ｜ 班子成员")
    await confirmed(office, "/meeting 2099-12-11 09:00 ｜ 周例会 ｜ 二楼")

    preview = held_preview(await office.send("/meeting_cancel 2"))
    assert "#2 周例会（2099-12-11 09:00）" in preview.text and "不能恢复" in preview.text, preview.text
    assert "通知参加人员 4 人" in preview.text, preview.text  # no attendees named: everyone
    assert preview.labels() == ["✅ 确认取消会议", "会议照常"], preview.labels()
    kept = await office.press("会议照常", message=preview)
    assert any("会议照常" in (m.text or "") for m in kept), [m.text for m in kept]
    assert len(calendar.upcoming(db, clock.now())) == 2
    cancel_notices = db.execute("select count(*) from outbox where text like '%会议取消%'").fetchone()[0]
    assert not cancel_notices  # nobody told

    moved = held_preview(await office.send("/meeting_move 1 2099-12-12 09:00 ｜ 礼堂"))
    assert "2099-12-10 14:30 → 2099-12-12 09:00" in moved.text and "礼堂" in moved.text, moved.text
    assert "通知参加人员 1 人" in moved.text, moved.text
    done = await office.press("确认改期", message=moved)
    assert any("已改期，已通知参加人员 1 人" in (m.text or "") for m in done), [m.text for m in done]
    told = await leader.wait_for("会议改期")
    assert "2099-12-12 09:00" in told.text and "礼堂" in told.text

    cancelled = await confirmed(office, "/meeting_cancel 1")
    assert any("#1 已取消，已通知参加人员 1 人" in (m.text or "") for m in cancelled), cancelled
    assert [e.title for e in calendar.upcoming(db, clock.now())] == ["周例会"]


async def test_a_phase_says_how_many_will_be_told_before_it_is_announced(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    preview = held_preview(await office.send("/phase 2099-12-01 ｜ 2099-12-31 ｜ 查摆问题、开展批评"))
    assert "阶段预览" in preview.text and "确认后通知全体 4 人" in preview.text, preview.text
    assert calendar.upcoming(db, clock.now()) == []
    await office.press("取消", message=preview)
    assert calendar.upcoming(db, clock.now()) == []


async def test_a_title_or_place_over_200_characters_is_refused_not_cut(
    running_bot, client, invited, db, tmp_path, monkeypatch, capsys, db_path
):
    """A one-liner's meeting title of 260 characters was kept as its first 200, silently."""
    office = await join(client, invited, 103, "王芳")
    long_title = "关于" + "整改落实" * 64 + "的专题会"
    refused = await office.send(f"/meeting 2099-12-10 14:30 ｜ {long_title} ｜ 三楼")
    assert "上限" in refused[-1].text or "最多" in refused[-1].text, refused[-1].text
    assert not refused[-1].buttons and calendar.upcoming(db, clock.now()) == []
    refused = await office.send(f"/phase 2099-12-01 ｜ 2099-12-31 ｜ {long_title}")
    assert not refused[-1].buttons and calendar.upcoming(db, clock.now()) == []

    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    file = tmp_path / "calendar.csv"
    file.write_text(f"名称,开始\n{long_title},2099-12-02 09:00\n", encoding="utf-8")
    assert bot.main(["calendar", "import", str(file)]) == 1
    assert "第 2 行" in capsys.readouterr().err and calendar.upcoming(db, clock.now()) == []
