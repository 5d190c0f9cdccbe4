"""A question before an irreversible act in the office's flows has 取消 beside 确认, and an
old 确认 pressed after 取消 does nothing and says so (handlers/confirmations.py). The first
walk found 列为一个问题 without one.

Fast tier (tests/fast.py)."""

from __future__ import annotations

from datetime import date

from conftest import join


async def _a_group(fast_bot, db):
    from test_hotspot_flow import SHED

    from jobs import opinion_batches
    from storage import hotspots, opinions
    from storage.opinions import Draft

    keys = fast_bot.app.bot_data["keys"]
    for text in SHED:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    await opinion_batches.release_to_office(fast_bot.app)
    pending = opinions.inbox(db, None, 50)[0]
    return hotspots.group_of(db, pending[0].id), [o.id for o in pending]


def _data(message, label: str) -> str:
    return next(b["callback_data"] for row in message.buttons for b in row if label in b["text"])


async def test_listing_a_group_as_one_problem_can_be_cancelled_and_its_old_confirm_does_nothing(
    fast_bot, fast_client, invited, db
):
    from storage import problems

    office = await join(fast_client, invited, 103, "王芳")
    group, members = await _a_group(fast_bot, db)
    cards = await office.send("/hotspots")
    asked = (await office.press("列为一个问题", message=cards[-1]))[-1]
    assert "取消" in asked.labels() and any("确认" in label for label in asked.labels()), asked.labels()
    confirm = _data(asked, "确认")
    cancel = _data(asked, "取消")
    cancelled = await office.press("取消", message=asked)
    assert "没有列为问题" in cancelled[-1].text and not cancelled[-1].buttons
    again = await office.press_data(asked.message_id, cancel)  # 取消 tapped twice: no error
    assert not any("抱歉" in (m.text or "") for m in again), [m.text for m in again]
    await office.press_data(asked.message_id, confirm)  # the old 确认, after 取消
    answer = await office.callback_answer()
    assert "已取消或已办过" in answer["text"] and "什么也没做" in answer["text"], answer
    assert all(problems.problem_of_opinion(db, m) is None for m in members)

    # asked again: two copies of the question, only the newest one's 确认 acts, and once
    first = (await office.press("列为一个问题", message=cards[-1]))[-1]
    second = (await office.press("列为一个问题", message=cards[-1]))[-1]
    await office.press_data(first.message_id, _data(first, "确认"))
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert all(problems.problem_of_opinion(db, m) is None for m in members)
    done = await office.press("确认", message=second)
    assert "已列为问题" in done[-1].text
    listed = {problems.problem_of_opinion(db, m) for m in members}
    assert len(listed) == 1 and None not in listed
    await office.press_data(second.message_id, _data(second, "确认"))  # the double tap's second
    assert "都已列为问题" in (await office.callback_answer())["text"]
    assert problems.count(db) == 1


async def test_a_report_upward_can_be_cancelled_and_an_old_send_sends_nothing(fast_bot, fast_client, db_path):
    """报送本单位综合报告 → ✅ 确认报送 had no 取消 ("a preview left alone sends nothing"); an
    office that changed its mind had no way to say so, and an old 确认报送 still sent."""
    from datetime import timedelta

    from test_supervision import confirmed, county, everyone_joins

    from storage import upward_reports
    from storage.clock import clock

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    supervisor, office_a = people["周督导"], people["甲办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    await confirmed(supervisor, f"/askreport {(today + timedelta(days=3)).isoformat()} 整改落实情况专题报告")
    notice = await office_a.wait_for("上级要求报送")
    preview = (await office_a.press("报送本单位综合报告", message=notice))[-1]
    assert "取消" in preview.labels(), preview.labels()
    send = _data(preview, "确认报送")
    cancelled = await office_a.press("取消", message=preview)
    assert "没有报送" in cancelled[-1].text and not cancelled[-1].buttons
    await office_a.press_data(preview.message_id, send)  # the old 确认报送
    assert "什么也没做" in (await office_a.callback_answer())["text"]
    request = upward_reports.recent(fast_bot.db)[0]
    assert upward_reports.status_of(fast_bot.db, request.id, _unit_a(fast_bot)) != upward_reports.SUBMITTED

    again = (await office_a.press("报送本单位综合报告", message=notice))[-1]
    await office_a.press("确认报送", message=again)
    await supervisor.wait_for("甲医院报送了")
    await office_a.press_data(again.message_id, _data(again, "确认报送"))  # a double tap
    told = (await office_a.callback_answer())["text"]
    assert "已报送（第 1 版）" in told and "没有再报送" in told, told  # which version went, none again
    assert len(upward_reports.history(fast_bot.db, request.id, _unit_a(fast_bot))) == 1


def _unit_a(fast_bot) -> int:
    from test_supervision import view

    from jobs import institutions

    return institutions.institution_of(view(fast_bot, "甲医院")).id


def _live_codes(db) -> set[str]:
    query = "select code_hash from invitations where revoked_at is null and used_at is null"
    return {row[0] for row in db.execute(query)}


async def test_an_invitation_round_cancelled_or_confirmed_twice_withdraws_no_printed_code(
    fast_client, invited, db
):
    """/invite 门诊部 → 取消, then the old 确认: before, it made new codes (withdrawing the ones
    handed out); so did the second tap of a double 确认, withdrawing the sheets just printed."""
    office = await join(fast_client, invited, 103, "王芳")
    printed = _live_codes(db)
    asked = (await office.send("/invite 门诊部"))[-1]
    confirm = _data(asked, "确认")
    cancelled = await office.press("取消", message=asked)
    assert "取消" in cancelled[-1].text and not cancelled[-1].buttons
    await office.press_data(asked.message_id, confirm)
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert _live_codes(db) == printed

    asked = (await office.send("/invite 门诊部"))[-1]
    made = await office.press("确认", message=asked)
    assert any(m.document for m in made)
    now_printed = _live_codes(db)
    assert now_printed != printed
    await office.press_data(asked.message_id, _data(asked, "确认"))  # the double tap's second
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert _live_codes(db) == now_printed


async def test_an_old_close_after_its_cancel_closes_nothing(fast_client, invited, db):
    """销号 → 取消 left the 确认销号 above live: pressed later, it closed the problem."""
    from datetime import date

    from storage import people, problems

    office = await join(fast_client, invited, 103, "王芳")
    by_name = {p.name: p for p in people.everyone(db)}
    problem_id = problems.create(db, "候诊区座椅不足", None)
    problems.claim(db, problem_id, by_name["李娜"])
    problems.act(
        db,
        problem_id,
        "dispatch",
        by_name["李娜"],
        measures="增加座椅",
        department_id=by_name["刘洋"].department_id,
        deadline=date(2099, 12, 31),
    )
    head = by_name["刘洋"]
    problems.act(db, problem_id, "report", head, text="已到货", percent=100, actor_id=head.id)
    problems.act(db, problem_id, "request_closure", head)
    card = (await office.send("/closures"))[-1]
    asked = (await office.press("销号", message=card))[-1]
    confirm = _data(asked, "确认销号")
    kept = await office.press("取消", message=asked)
    assert "未销号" in kept[-1].text
    await office.press_data(asked.message_id, confirm)
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert problems.get(db, problem_id).status == "closure_requested"

    asked = (await office.press("销号", message=card))[-1]
    await office.press("确认销号", message=asked)
    assert problems.get(db, problem_id).status == "closed"
    await office.press_data(asked.message_id, _data(asked, "确认销号"))  # the double tap's second
    assert "已销号" in (await office.callback_answer())["text"]
    assert sum(r["action"] == "problem.close" for r in problems.history(db, problem_id)) == 1


async def test_a_double_taps_pop_up_shows_a_long_title_as_typed(fast_bot, fast_client, db_path):
    """The second tap's pop-up names the report: a pop-up is plain text under 200 characters, so
    the title's & and < come back as typed (not &amp;), and the longest title still fits."""
    from datetime import timedelta

    from test_supervision import confirmed, county, everyone_joins

    from storage import upward_reports
    from storage.clock import clock
    from texts.fit import POPUP_LIMIT, units

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    supervisor, office_a = people["周督导"], people["甲办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    title = ("医德医风&服务<窗口>专项整改落实情况报告👍" * 5)[: upward_reports.MAX_TITLE]
    await confirmed(supervisor, f"/askreport {(today + timedelta(days=3)).isoformat()} {title}")
    notice = await office_a.wait_for("上级要求报送")
    again = (await office_a.press("报送本单位综合报告", message=notice))[-1]
    await office_a.press("确认报送", message=again)
    await supervisor.wait_for("甲医院报送了")
    await office_a.press_data(again.message_id, _data(again, "确认报送"))
    told = (await office_a.callback_answer())["text"]
    assert "&amp;" not in told and "&lt;" not in told and "医德医风&服务<窗口>" in told, told
    assert units(told) <= POPUP_LIMIT and "没有再报送" in told, (units(told), told)
