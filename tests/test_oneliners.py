"""The one-liners (/newsheet, /meeting, /phase, /selfcheck) take the full-width ｜ an input
method types, and say which part they could not read ("第 3 段…"), in the person's language."""

from __future__ import annotations

from conftest import confirmed, join


async def test_each_part_that_fails_is_named(fast_bot, fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    for typed, part in [
        ("/newsheet 年度评议 ｜ 张三 ｜ 7天", "第 2 段：不认识评议对象“张三”"),
        ("/newsheet 年度评议 ｜ 门诊部 ｜ 某个时候", "第 3 段：看不懂截止时间“某个时候”"),
        ("/newsheet 年度评议 ｜ 门诊部 ｜ 7天 ｜ 火星人", "第 4 段：不认识参评人员“火星人”"),
        ("/meeting 明天上午9点 ｜ 周例会 ｜ 三楼 ｜ 火星人", "第 4 段：不认识“火星人”"),
        ("/meeting 12月10日 下午9点半半 ｜ 会", "第 1 段“12月10日 下午9点半半”：不认识的时间"),
        ("/phase 明天 ｜ 某天 ｜ 查摆问题", "第 2 段“某天”：不认识的时间"),
        ("/selfcheck 门诊部 ｜ 某天", "第 2 段“某天”：不认识的日期"),
    ]:
        reply = await office.send(typed)
        assert part in reply[-1].text, (typed, reply[-1].text)
    assert db.execute("select count(*) from events").fetchone()[0] == 0


async def test_a_selfcheck_one_liner_with_fullwidth_bars_and_a_spoken_date(
    fast_bot, fast_client, invited, db
):
    office = await join(fast_client, invited, 103, "王芳")
    reply = await confirmed(office, "/selfcheck 门诊部 ｜ 本月底 ｜ 李娜")
    assert db.execute("select count(*) from self_checks").fetchone()[0] == 1, reply[-1].text
    reviewer = db.execute("select reviewer_id from self_checks").fetchone()[0]
    assert reviewer == db.execute("select id from people where name = '李娜'").fetchone()[0]
    reply = await office.send("/selfcheck 外科 两周")  # spaces, as before; 外科 is no department
    assert "外科" in reply[-1].text and db.execute("select count(*) from self_checks").fetchone()[0] == 1


async def test_the_part_is_named_in_the_persons_language(fast_bot, fast_client, invited):
    office = await join(fast_client, invited, 103, "王芳", language_code="en")
    reply = await office.send("/newsheet Leaders ｜ 张三 ｜ 7天")
    assert reply[-1].text.startswith("Part 2: "), reply[-1].text
