"""The summary report (.docx), read back with python-docx: the period, the totals, the table per
department, look-back satisfaction, the charts (drawn without missing glyphs) and the open items."""

from __future__ import annotations

import io
import warnings

import docx
import pytest
from seeded import MONDAY, TUESDAY, WEDNESDAY, at, person_id, seed_campaign

import bot
from storage import evaluations, lookbacks
from storage.clock import clock


@pytest.fixture
async def campaign(running_bot, client, db):
    people, ids = await seed_campaign(running_bot, client, db)
    lookback = lookbacks.start(db, ids["closing"], "30", MONDAY, 1)
    for n, choice in enumerate(["satisfied"] * 4 + ["basic", "unsatisfied", "unknown"]):
        lookbacks.vote(db, lookback.id, f"voter{n}", choice, MONDAY)
    db.execute("update lookbacks set result = 'held'")
    db.conn.commit()
    clock.freeze(at(WEDNESDAY, 10))
    return people, ids


def tables(document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


async def test_the_office_gets_the_report_in_chat(campaign, running_bot, client):
    people, ids = campaign
    office = people["王芳"]
    await office.send(f"/report {MONDAY.isoformat()} {WEDNESDAY.isoformat()}")
    sent = await office.wait_for("综合报告已生成")
    assert "2026-11-30 至 2026-12-02" in sent.text
    document_message = next(m for m in office.inbox if m.document)
    assert document_message.document["file_name"].endswith(".docx")
    document = docx.Document(io.BytesIO(await office.download(document_message.document["file_id"])))

    text = text_of(document)
    assert "报告期间：2026年11月30日至2026年12月2日" in text
    assert "共收到意见建议 1 条" in text
    assert "新列入问题 7 个，销号 1 个" in text and "逾期未完成 2 个" in text
    assert "群众满意度（满意与基本满意占有效票）：83.3%" in text  # (4 + 1) / 6 counted votes
    found = tables(document)
    assert ["其他类别（每类不足 5 条，合并统计）", "1"] in found[0]  # one 医疗服务: no category named under k
    totals = dict(map(tuple, found[1][1:]))
    assert totals == {
        "新列入问题": "7",
        "已销号": "1",
        "逾期未完成": "2",
        "已说明原因": "1",
        "重新整改": "0",
        "批准延期": "0",
        "累计问题": "7",
    }
    departments = {row[0]: row[1:] for row in found[2][1:]}
    assert departments == {
        "后勤保障科": ["4", "1", "2", "1", "25.0%"],
        "门诊部": ["2", "0", "2", "1", "0.0%"],
        "（未定科室）": ["1", "0", "0", "0", "0.0%"],
    }
    open_items = [row[0] for row in found[-1][1:]]
    assert open_items == [f"#{ids[k]}" for k in ("other_late", "late", "soon", "fine", "unclaimed")]
    assert len(document.inline_shapes) == 2  # progress over time, status by department


async def test_staff_and_leaders_cannot_ask_for_it_and_bad_dates_are_explained(campaign, running_bot):
    people, ids = campaign
    assert "只对活动办开放" in (await people["李娜"].send("/report"))[-1].text
    replies = await people["王芳"].send("/report 2026-12-31 2026-12-01")
    assert "看不懂日期" in replies[0].text and "用法" in replies[-1].text
    assert "看不懂日期“明天”" in (await people["王芳"].send("/report 明天"))[0].text


async def test_the_command_line_writes_the_report_without_missing_glyphs(
    campaign, running_bot, tmp_path, monkeypatch, db_path
):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    out = tmp_path / "report.docx"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (
            bot.main(
                ["report", "--from", TUESDAY.isoformat(), "--to", WEDNESDAY.isoformat(), "--out", str(out)]
            )
            == 0
        )
    assert not [w for w in caught if "missing from font" in str(w.message)]
    document = docx.Document(str(out))
    assert "报告期间：2026年12月1日至2026年12月2日" in text_of(document)
    assert "新列入问题 0 个，销号 1 个" in text_of(document)  # listed on Monday, closed on Tuesday
    assert bot.main(["report", "--from", "2026-12-31", "--to", "2026-12-01", "--out", str(out)]) == 1
    assert bot.main(["report", "--from", "yesterday", "--out", str(out)]) == 1


async def test_closed_evaluations_are_in_the_report(
    campaign, running_bot, db, tmp_path, monkeypatch, db_path
):
    clock.freeze(at(MONDAY, 9))
    subject = evaluations.Subject(0, "李娜（院办）", person_id=person_id(db, "李娜"))
    sheet_id = evaluations.create(db, "班子成员民主评议", [subject], at(TUESDAY, 17, 30))
    raters = [r[0] for r in db.execute("select id from people where name != '李娜' order by id limit 6")]
    for n, rater in enumerate(raters):  # six raters: 好 for four, 一般 for two on every item
        grade = 0 if n < 4 else 2
        db.execute("insert into evaluation_voters values (?, ?, ?)", [sheet_id, rater, MONDAY.isoformat()])
        for item in range(5):
            db.execute(
                "insert into evaluation_ballots (id, sheet_id, subject, item, grade) values (?, ?, 0, ?, ?)",
                [f"b{n}{item}", sheet_id, item, evaluations.DEFAULT_GRADES[grade]],
            )
    evaluations.conclude(db, sheet_id)
    db.conn.commit()
    clock.freeze(at(WEDNESDAY, 10))
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    out = tmp_path / "report.docx"
    assert (
        bot.main(["report", "--from", MONDAY.isoformat(), "--to", WEDNESDAY.isoformat(), "--out", str(out)])
        == 0
    )
    document = docx.Document(str(out))
    assert "五、民主评议结果" in text_of(document) and "《班子成员民主评议》" in text_of(document)
    assert ["李娜（院办）", "6", "0", "较好", ""] in tables(document)[-2]  # 好 67%, 一般 33%: not 好, 较好
