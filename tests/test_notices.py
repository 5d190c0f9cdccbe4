"""Who is told what lives in one place (jobs.notices), and every entry point goes through it:
chat (tests/test_problem_flow.py, tests/test_calendar.py wait for these notices in the chats),
the command line and the demo seeder (here), the sweeper's jobs (tests/test_lookbacks.py,
tests/test_sweeper_isolation.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import bot
from jobs import notices
from sandbox import demo_campaign
from storage import problems
from storage.keys import load_keys

SHANGHAI = ZoneInfo("Asia/Shanghai")


def told(db, dedup_prefix: str) -> dict[str, list[str]]:
    """name -> texts of the queued notices whose key starts so."""
    found: dict[str, list[str]] = {}
    for name, text in db.execute(
        "select p.name, o.text from outbox o join people p on p.id = o.person_id "
        "where o.dedup_key like ? order by o.id",
        [f"{dedup_prefix}%"],
    ):
        found.setdefault(name, []).append(text)
    return found


def test_the_command_line_import_of_findings_tells_every_leader(
    db, invited, tmp_path, monkeypatch, capsys, db_path
):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    findings = tmp_path / "findings.csv"
    findings.write_bytes("问题,问题来源\n职工书屋开放时间短,民主生活会\n监控有死角,督查\n".encode("gbk"))
    assert bot.main(["problems", "import", str(findings)]) == 0
    assert "1 leaders told" in capsys.readouterr().out
    ids = [p.id for p in problems.each(db)]
    for problem_id in ids:
        texts = told(db, f"listed:{problem_id}:")
        assert list(texts) == ["李娜"] and f"新问题待接单 #{problem_id}" in texts["李娜"][0]
    buttons = db.execute("select buttons from outbox where dedup_key like 'listed:%'").fetchall()
    assert all(f'"claim:{problem_id}"' in b for (b,), problem_id in zip(buttons, ids, strict=True))


def test_the_command_line_import_of_the_calendar_tells_the_attendees(
    db, invited, tmp_path, monkeypatch, capsys, db_path
):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    csv_file = tmp_path / "calendar.csv"
    csv_file.write_bytes(
        (
            "名称,类型,开始,结束,地点,参加\n"
            "查摆问题、开展批评,阶段,2099-12-01 00:00,2099-12-31 23:59,,\n"
            "动员大会,会议,2099-12-02 09:00,,礼堂,全体\n"
            "专题民主生活会,会议,2099-12-03 14:30,,三楼会议室,班子成员\n"
        ).encode("gbk")
    )
    assert bot.main(["calendar", "import", str(csv_file)]) == 0
    assert "5 notices" in capsys.readouterr().out  # four to the assembly, one to the leader
    announced = told(db, "meeting-set:")
    assert sorted(announced) == ["刘洋", "张伟", "李娜", "王芳"]
    assert "会议通知：动员大会" in announced["张伟"][0] and "2099-12-02 09:00" in announced["张伟"][0]
    assert [t for t in announced["李娜"] if "专题民主生活会" in t]
    assert not [t for texts in announced.values() for t in texts if "查摆问题" in t]  # a phase tells nobody


def test_the_demo_seeder_tells_people_through_the_notices_layer(tmp_path):
    from storage.db import open_database

    db = open_database(tmp_path / "rectify.db")
    today = date(2026, 11, 23)
    demo_campaign.seed(db, load_keys(None, tmp_path / "rectify.db"), today, SHANGHAI)
    waiting = next(p for p in problems.each(db) if p.status == problems.LISTED)
    leaders = {p.name for p in notices.leaders(notices.Reach(db, "zh-CN"))}
    assert set(told(db, f"listed:{waiting.id}:")) == leaders  # every leader was told, as in chat
    consultations = next(p for p in problems.each(db) if p.title.startswith("院内会诊响应慢"))
    heads = {p.name for p in notices.heads_of(notices.Reach(db, "zh-CN"), consultations.department_id)}
    dispatched = db.execute(
        "select p.name, o.due_at from outbox o join people p on p.id = o.person_id where o.text like ?",
        [f"%派到本科室的问题 #{consultations.id}%"],
    ).fetchall()
    assert {name for name, _ in dispatched} == heads and heads
    # queued at the moment of the story: dispatched eight days before the demo's day, at 11:00
    assert {datetime.fromisoformat(due).astimezone(SHANGHAI) for _, due in dispatched} == {
        datetime.combine(date(2026, 11, 15), time(11), tzinfo=SHANGHAI)
    }
