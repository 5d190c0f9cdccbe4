"""Input as the office types it on a phone and keeps it in Excel: findings and calendars as .xlsx,
meetings at 12月10日 下午2点半 with a full-width ｜, progress as 七成."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from conftest import confirmed, held_preview, join
from test_forgiving_roster import workbook

import bot
from storage import calendar, problems
from storage.clock import clock
from storage.csv_files import FileRejected


def test_findings_read_the_deadline_as_a_date_and_near_mid_far_as_the_horizon():
    raw = workbook(
        [
            ["问题", "近中远期", "完成时限"],
            ["职工书屋开放时间短", "近期", datetime(2099, 12, 31)],
            ["监控有死角", "中期", "2099年3月底"],
            ["食堂排队长", "远期", ""],
        ],
        title="专题民主生活会查摆问题清单",
    )
    found = problems.parse_findings(raw, date(2026, 11, 25))
    assert [(f["horizon"], f["deadline"]) for f in found] == [
        ("short", date(2099, 12, 31)),
        ("medium", date(2099, 3, 31)),
        ("long", None),
    ]
    # the old 期限 column is a deadline too: a date, never 近期
    try:
        problems.parse_findings("问题,期限\n书屋,近期\n".encode(), date(2026, 11, 25))
    except FileRejected as refused:
        assert (refused.reason, refused.line, refused.detail) == ("deadline", 2, "近期")
    else:
        raise AssertionError("期限 近期 was accepted")


async def test_findings_as_a_workbook_in_chat(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    await office.send("/findings")
    bad = workbook([["问题", "完成时限"], ["书屋", "尽快"]], title="清单")
    reply = await office.send_file(bad, "清单.xlsx")
    assert "第 3 行" in reply[-1].text and "尽快" in reply[-1].text and problems.count(db) == 0
    good = workbook([["问题", "完成时限"], ["书屋", datetime(2099, 6, 30)], ["监控", "2099-07-01"]])
    preview = await office.send_file(good, "清单.xlsx")
    assert "文件里有 2 个问题" in preview[0].text and problems.count(db) == 0  # not before 确认
    reply = await office.press("确认列入", message=held_preview(preview))
    assert "已列入 2 个问题" in reply[-1].text
    assert [r[0] for r in db.execute("select deadline from problems order by id")] == [
        "2099-06-30",
        "2099-07-01",
    ]


def test_a_calendar_workbook_on_the_command_line(tmp_path, monkeypatch, capsys, db_path, db, invited):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    file = tmp_path / "日程.xlsx"
    file.write_bytes(
        workbook(
            [
                ["名称", "类型", "开始", "结束", "地点"],
                ["查摆问题", "阶段", datetime(2099, 12, 1), datetime(2099, 12, 31, 23, 59), ""],
                ["动员大会", "会议", datetime(2099, 12, 2, 9, 0), None, "礼堂"],
            ],
            title="2099年整改落实日程",
        )
    )
    assert bot.main(["calendar", "import", str(file)]) == 0
    events = sorted(calendar.upcoming(db, clock.now()), key=lambda e: e.starts_at)
    zone = ZoneInfo("Asia/Shanghai")
    assert [(e.title, e.starts_at.astimezone(zone).strftime("%m-%d %H:%M")) for e in events] == [
        ("查摆问题", "12-01 00:00"),
        ("动员大会", "12-02 09:00"),
    ]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([["会议"], ["动员大会"]]))
    assert bot.main(["calendar", "import", str(bad)]) == 1
    assert "缺少：开始时间" in capsys.readouterr().err


async def test_a_meeting_typed_as_people_say_it(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    reply = await confirmed(office, "/meeting 12月10日 下午2点半 ｜ 专题民主生活会 ｜ 三楼会议室 ｜ 班子成员")
    assert "已加入日程 #1" in reply[-1].text
    [event] = calendar.upcoming(db, clock.now())
    assert event.title == "专题民主生活会" and event.place == "三楼会议室"
    assert (event.starts_at.month, event.starts_at.day) == (12, 10)
    assert event.starts_at.astimezone(running_bot.settings.timezone).strftime("%H:%M") == "14:30"
    reply = await office.send("/meeting 12月10日 下午25点 ｜ 会")
    assert "第 1 段“12月10日 下午25点”：不认识的时间" in reply[-1].text and "用法" in reply[-1].text


def test_the_staff_guide_prints_with_every_invitation_sheet_and_the_manual_says_what_is_needed(db, invited):
    from pathlib import Path

    from documents import invitation_sheet
    from storage import invitations

    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    sheets = invitation_sheet.sheets_by_department(issued, "rectify_bot", ZoneInfo("Asia/Shanghai"))
    for sheet in sheets.values():
        assert 'class="guide"' in sheet and "page-break-before" in sheet
        assert "能连上 Telegram 的网络" in sheet and "<b>回执码</b>" in sheet
    root = Path(__file__).resolve().parent.parent
    manual = (root / "docs" / "使用手册.md").read_text(encoding="utf-8")
    assert "HTTPS_PROXY" in manual and "能连上 Telegram" in manual and "不保证" in manual
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "docs/使用手册.md" in readme and "docs/职工使用指南.md" in readme


async def test_a_sheet_typed_with_fullwidth_bars_and_a_spoken_closing_time(running_bot, client, invited, db):
    from storage import evaluations

    office = await join(client, invited, 103, "王芳")
    preview = await office.send("/newsheet 2099年度民主评议 ｜ 李娜 门诊部 ｜ 下周五 下午5点半 ｜ 门诊部")
    assert any("2099年度民主评议" in (m.text or "") for m in preview), [m.text for m in preview]
    await office.press("确认发出", message=preview[-1])  # a sheet is sent only once confirmed
    [sheet] = [evaluations.get(db, 1)]
    zone = running_bot.settings.timezone
    assert sheet.closes_at.astimezone(zone).strftime("%H:%M") == "17:30"
    assert "看不懂截止时间" in (await office.send("/newsheet 测评 ｜ 李娜 ｜ 下午25点"))[-1].text
