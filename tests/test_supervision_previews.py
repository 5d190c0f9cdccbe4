"""The supervising body's one-liners reach other institutions the moment they are sent: /order
tells an institution's office and leaders and lists a 督办 problem there, /askreport asks every
office for a report, /appraisal opens a sheet on every institution. Each now shows what will
go out, to whom and to how many, and acts only on its 确认; 取消 does nothing and says so, and
an older preview's 确认 (cancelled, or typed again since) does nothing either.

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from test_supervision import COUNTY_CSV, PEOPLE, county, everyone_joins, invite_everyone, view

from storage import evaluations, orders, roster, upward_reports
from storage import institutions as directory


def _queued_for(fast_bot, institution: str, name: str) -> list[str]:
    db = view(fast_bot, institution).bot_data["db"]
    return [
        row["text"]
        for row in db.query(
            "select o.text from outbox o join people p on p.id = o.person_id where p.name = ?", [name]
        )
    ]


async def test_an_order_is_previewed_with_its_audience_and_issued_only_on_confirm(
    fast_bot, fast_client, db_path
):
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor = people["周督导"]
    preview = (await supervisor.send("/order 甲医院 10个工作日 门诊挂号排长队，限期解决"))[-1]
    assert "将向甲医院下达督办" in preview.text and "门诊挂号排长队，限期解决" in preview.text, preview.text
    assert "活动办和班子成员 2 人" in preview.text, preview.text  # 甲办 and 甲院长
    assert preview.labels() == ["✅ 确认下达", "取消"], preview.labels()
    assert not orders.open_orders(fast_bot.db) and not _queued_for(fast_bot, "甲医院", "甲办")

    cancelled = await supervisor.press("取消", message=preview)
    assert "没有下达督办" in cancelled[-1].text, cancelled[-1].text
    stale = await supervisor.press_data(preview.message_id, preview.buttons[0][0]["callback_data"])
    assert not [m for m in stale if "已向" in (m.text or "")]
    assert "已取消或已办过" in (await supervisor.callback_answer())["text"]
    assert not orders.open_orders(fast_bot.db) and not _queued_for(fast_bot, "甲医院", "甲办")

    first = (await supervisor.send("/order 甲医院 10个工作日 门诊挂号排长队，限期解决"))[-1]
    second = (await supervisor.send("/order 甲医院 10个工作日 门诊挂号排长队，限期解决"))[-1]
    await supervisor.press("确认下达", message=first)  # the older copy: the newer one counts
    assert "已取消或已办过" in (await supervisor.callback_answer())["text"]
    assert not orders.open_orders(fast_bot.db)
    issued = await supervisor.press("确认下达", message=second)
    assert "已向甲医院下达督办" in issued[-1].text and "2 人" in issued[-1].text, issued[-1].text
    assert len(orders.open_orders(fast_bot.db)) == 1
    await people["甲办"].wait_for("督办通知")
    double_tap = second.buttons[0][0]["callback_data"]
    again = await supervisor.press_data(second.message_id, double_tap)
    assert not [m for m in again if "已向" in (m.text or "")]
    assert len(orders.open_orders(fast_bot.db)) == 1


async def test_an_order_refused_at_its_preview_shows_no_confirm_button(fast_bot, fast_client, db_path):
    """What 确认 would refuse is refused before the preview: nothing to confirm."""
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor = people["周督导"]
    first = await supervisor.send("/order 甲医院 2099-12-31 食堂排队太久")
    await supervisor.press("确认下达", message=first[-1])
    twin = await supervisor.send("/order 甲医院 2099-12-31 食堂排队太久")
    assert "已有同样的督办" in twin[-1].text and not twin[-1].buttons, twin[-1].text
    missing = await supervisor.send("/order 甲医院 #999 2099-12-31 没有这个问题")
    assert "没有这个问题编号" in missing[-1].text and not missing[-1].buttons, missing[-1].text


async def test_an_order_on_a_listed_problem_names_the_problem_in_its_preview(fast_bot, fast_client, db_path):
    from storage import problems

    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    problem_id = problems.create(view(fast_bot, "甲医院").bot_data["db"], "门诊挂号排长队", None)
    preview = (await people["周督导"].send(f"/order 甲医院 #{problem_id} 2099-12-31 限期解决"))[-1]
    assert f"问题 #{problem_id}“门诊挂号排长队”" in preview.text, preview.text
    assert "改由督导组确认销号" in preview.text, preview.text


async def test_a_report_request_is_previewed_and_names_the_institutions_nobody_was_told_in(
    fast_bot, fast_client, db_path
):
    """丙卫生院 has nobody in its office, and 乙医院's office has not joined: the preview counts
    who can be told (甲办 alone), and the answer after 确认 names the two institutions where
    nobody was, where it said "已通知各单位活动办"."""
    csv = COUNTY_CSV + "丙职工,丙卫生院,门诊部,职工\n"
    directory.import_roster(fast_bot.db, db_path, roster.parse(csv.encode()), "")
    codes = invite_everyone(fast_bot.db, db_path)
    supervisor = await fast_client.user(PEOPLE["周督导"], "周督导")
    await supervisor.send(f"/start {codes['周督导']}")
    office = await fast_client.user(PEOPLE["甲办"], "甲办")
    await office.send(f"/start {codes['甲办']}")

    preview = (await supervisor.send("/askreport 2099-12-20 整改落实情况专题报告"))[-1]
    assert "将要求 3 个单位在 2099-12-20 前报送《整改落实情况专题报告》" in preview.text, preview.text
    assert "各单位活动办共 1 人" in preview.text, preview.text
    assert not upward_reports.recent(fast_bot.db)
    cancelled = await supervisor.press("取消", message=preview)
    assert "没有发出报送要求" in cancelled[-1].text and not upward_reports.recent(fast_bot.db)

    preview = (await supervisor.send("/askreport 2099-12-20 整改落实情况专题报告"))[-1]
    asked = await supervisor.press("确认发出", message=preview)
    texts = [m.text for m in asked if m.message_id != preview.message_id]
    assert "已要求 3 个单位" in texts[0] and "共 1 人" in texts[0], texts
    assert "2 个单位的活动办没有人能收到通知" in texts[1], texts
    assert "乙医院" in texts[1] and "丙卫生院" in texts[1] and "甲医院" not in texts[1], texts
    assert len(upward_reports.recent(fast_bot.db)) == 1
    await office.wait_for("上级要求报送")


async def test_an_appraisal_is_previewed_with_its_subjects_and_raters(fast_bot, fast_client, db_path):
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor = people["周督导"]
    preview = (await supervisor.send("/appraisal 2099-12-20 年度述职评议"))[-1]
    assert "将发起《年度述职评议》" in preview.text and "评议对象 2 个" in preview.text, preview.text
    assert "（乙医院、甲医院）" in preview.text and "评议人 2 人" in preview.text, preview.text
    assert not evaluations.open_sheets(fast_bot.db)
    cancelled = await supervisor.press("取消", message=preview)
    assert "没有发起评议" in cancelled[-1].text and not evaluations.open_sheets(fast_bot.db)
    preview = (await supervisor.send("/appraisal 2099-12-20 年度述职评议"))[-1]
    opened = await supervisor.press("确认发起", message=preview)
    assert any("已发起《年度述职评议》" in (m.text or "") for m in opened), [m.text for m in opened]
    assert len(evaluations.open_sheets(fast_bot.db)) == 1


async def test_an_order_to_an_institution_named_as_people_say_it(fast_bot, fast_client, db_path):
    """A county's supervisor says 城关镇 for 城关镇卫生院 and 河口乡 for 河口乡卫生院: /order 城关镇 …
    was refused with 没有叫“城关镇”的单位. A name that only one institution's starts with (or holds)
    is that institution, shown whole in the preview before 确认下达; one that fits several, or
    the body itself, is still refused with the list."""
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor = people["周督导"]
    preview = (await supervisor.send("/order 甲 10个工作日 门诊挂号排长队，限期解决"))[-1]
    assert "将向甲医院下达督办" in preview.text and preview.labels() == ["✅ 确认下达", "取消"], preview.text
    issued = await supervisor.press("确认下达", message=preview)
    assert "已向甲医院下达督办" in issued[-1].text, issued[-1].text
    several = (await supervisor.send("/order 医院 10个工作日 病房卫生差"))[-1]
    assert several.text == "“医院”可以指好几个单位：乙医院、甲医院。请写出是哪一个。", several.text
    body = (await supervisor.send("/order 卫生健康局 10个工作日 病房卫生差"))[-1]
    assert body.text.startswith("没有叫“卫生健康局”的单位") and not body.buttons, body.text
    assert len(orders.open_orders(fast_bot.db)) == 1  # the first only
