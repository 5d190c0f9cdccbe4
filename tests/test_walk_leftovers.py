"""What the earlier walks of the bot (tests/test_bureau_walk.py, tests/test_manual_walk.py) left
behind, each pinned as a user met it.

Fast tier (tests/fast.py) unless it says otherwise."""

from __future__ import annotations

import io

import pytest
from conftest import RECEIPT, join
from PIL import Image
from test_public_box import open_box


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("typed", ["😡😡😡", "？？？！！！", "👍🏽…", "😠 ！"])
async def test_a_guest_who_sends_only_emoji_is_asked_for_words_and_keeps_the_choices(
    fast_client, invited, typed
):
    """A member of the public at the lobby poster sent 😡😡😡 as the opinion: it went in, and
    the office received an opinion it could neither act on nor answer."""
    office = await join(fast_client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await fast_client.user(7_654_321_001, "病人家属")
    await guest.send(f"/start {code}")
    await guest.press("服务态度")
    await guest.press("门诊部")
    asked = (await guest.send(typed))[-1]
    assert "请用文字写下您的意见" in asked.text and "选好的都还在" in asked.text, asked.text
    assert not asked.buttons  # not the photo step: still writing
    await guest.send("挂号窗口态度很差😠")
    preview = await guest.press("完成，预览")
    shown = "".join(m.text or "" for m in preview)
    assert "服务态度" in shown and "门诊部" in shown and "挂号窗口态度很差😠" in shown, shown
    assert RECEIPT.search((await guest.press("提交"))[-1].text)


async def test_staff_sending_only_emoji_or_a_photo_under_emoji_are_asked_for_words(fast_client, invited):
    """The staff box is the same flow: 😡 alone is refused in English too; a photo with 👍 under
    it is kept while the words are asked for; an edited text of emoji keeps the text it had."""
    staff = await join(fast_client, invited, 101, "张伟", language_code="en")
    await staff.send("/opinion")
    await staff.press("Anonymously")
    await staff.press("形式主义")
    await staff.press("门诊部")
    asked = (await staff.send("😡"))[-1]
    assert "in words" in asked.text, asked.text
    kept = (await staff.send_file(_photo(), "p.jpg", kind="photo", caption="👍👍"))[-1]
    assert "in words" in kept.text, kept.text
    await staff.send("会议太多，材料层层加码。")
    preview = await staff.press("Done, preview")
    assert any("会议太多" in (m.text or m.caption or "") for m in preview), [m.text for m in preview]
    await staff.press("Edit the text")
    again = (await staff.send("！！！"))[-1]
    assert "in words" in again.text, again.text
    await staff.send("会议太多，材料层层加码，每周三次。")
    preview = [m for m in staff.inbox if m.buttons and any("Submit" in label for label in m.labels())]
    assert preview, [m.text for m in staff.inbox]
    reply = await staff.press("Submit")
    assert RECEIPT.search(reply[-1].text), reply[-1].text


async def test_a_word_typed_for_a_category_takes_the_one_option_that_holds_it(fast_client, invited):
    """A guest typed 态度 at the category step, meaning 服务态度, and was told to tap a button;
    服务, which 医疗服务 and 服务态度 both hold, names both again rather than guessing."""
    office = await join(fast_client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await fast_client.user(7_654_321_002, "病人家属")
    await guest.send(f"/start {code}")
    both = (await guest.send("服务"))[-1]
    assert "• 医疗服务" in both.text and "• 服务态度" in both.text and "就医环境" not in both.text, both.text
    asked = (await guest.send("态度"))[-1]
    assert "哪个科室" in asked.text and "不指定科室" in asked.labels(), asked.text
    await guest.press("门诊部")
    await guest.send("挂号窗口态度很差")
    preview = await guest.press("完成，预览")
    assert any("服务态度" in (m.text or "") for m in preview), [m.text for m in preview]


def test_a_word_inside_a_long_label_is_taken_only_when_one_option_holds_it():
    from handlers.typed_choice import match

    categories = {name: name for name in ("形式主义", "官僚主义", "享乐主义", "医疗服务", "工作作风", "其他")}
    assert match("官僚", categories) == "官僚主义"  # a start, as before
    assert match("作风", categories) == "工作作风"
    assert match("主义", categories) is None  # three hold it
    assert match("下周", {"今天": "a", "下周一": "b"}) is None  # still no short button
    assert match("态度", {"服务态度": "a"}, within=False) is None  # a list of short answers


async def test_a_report_returned_after_its_date_is_due_again_by_the_day_the_supervisor_gives(
    fast_bot, fast_client, db_path
):
    """The supervisor returned 甲医院's report after its date (2099-12-20 had passed), writing
    请于12月28日前重新报送, and the office read 请完善后于 2099-12-20 前重新报送 under it: a day
    gone, and not the supervisor's. The supervisor now gives the day with the return; the
    office's notice, /reports and the reminders keep to it, and 甲医院 is not late meanwhile."""
    from datetime import timedelta

    from test_supervision import confirmed, county, everyone_joins, view

    from jobs import institutions, supervision
    from storage import upward_reports
    from storage.clock import clock

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor, office = joined["周督导"], joined["甲办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    first = today + timedelta(days=2)
    await confirmed(supervisor, f"/askreport {first.isoformat()} 整改落实情况专题报告")
    preview = await office.press("报送本单位综合报告", message=await office.wait_for("上级要求报送"))
    await office.press("确认报送", message=preview[-1])
    arrived = await supervisor.wait_for("甲医院报送了")
    clock.travel_to(clock.now() + timedelta(days=5))  # past the first date
    await supervisor.press("退回重报", message=arrived)
    asked = (await supervisor.send("第三部分太笼统，请于一周内重新报送。"))[-1]
    assert "哪一天前重新报送" in asked.text and first.isoformat() in asked.text, asked.text
    past = (await supervisor.send(first.isoformat()))[-1]
    assert "已经过去" in past.text and "还没有退回" in past.text, past.text
    redo_by = today + timedelta(days=12)
    said = (await supervisor.send(redo_by.isoformat()))[-1]
    assert f"于 {redo_by.isoformat()} 前重新报送" in said.text, said.text

    told = await office.wait_for("督导组退回了")
    assert f"于 {redo_by.isoformat()} 前重新报送" in told.text, told.text
    assert first.isoformat() not in told.text, told.text
    card = (await office.send("/reports"))[-1]
    assert f"期限 {redo_by.isoformat()}" in card.text and "已退回" in card.text, card.text
    request = upward_reports.recent(fast_bot.db)[0]
    unit = institutions.institution_of(view(fast_bot, "甲医院")).id
    now = today + timedelta(days=5)
    assert unit not in upward_reports.late(fast_bot.db, request, [unit], now)
    assert unit in upward_reports.late(fast_bot.db, request, [unit], redo_by + timedelta(days=1))
    supervision.remind_reports(fast_bot.app, redo_by - timedelta(days=1))
    reminded = await office.wait_for("提醒：《整改落实情况专题报告》")
    assert f"须于 {redo_by.isoformat()} 前报送" in reminded.text, reminded.text


def test_a_roll_up_of_no_institution_says_so_rather_than_ending_at_ru_xia():
    """The 汇总报告 of a bureau with no institution yet read 全系统 0 个单位共查摆问题 0 个 …
    各单位按销号率排名如下。 and then nothing (an empty table, an empty 二、各单位情况): on paper,
    a page lost. It says plainly there is none; the workbook's summary sheet too."""
    from datetime import date

    import docx
    import openpyxl

    from documents import rollup_report, rollup_workbook

    document = docx.Document(io.BytesIO(rollup_report.build("示范县卫生健康局", [], {}, date(2026, 12, 1))))
    said = "\n".join(p.text for p in document.paragraphs)
    assert "如下" not in said and "二、各单位情况" not in said and not document.tables, said
    assert "示范县卫生健康局目前还没有下属单位接入本系统" in said, said
    book = openpyxl.load_workbook(io.BytesIO(rollup_workbook.to_bytes([], {}, date(2026, 12, 1))))
    assert book["汇总"]["A3"].value == "目前还没有下属单位接入本系统，没有可以汇总的数据。"


def test_the_self_check_reviewer_is_named_one_way_in_each_language():
    """/selfcheck's guided form asked 由谁审定？…审定人姓名 and previewed 审定：…, then its
    one-liner's usage, the confirmation and the reviewer's notice said 审核人 and 请审核: two
    words for one person. The seeds and the glossary say 审定 (自查报告…审定); the self-check's
    every sentence says it."""
    from texts import CATALOGS

    for language, other in (("zh-CN", "审核"), ("zh-TW", "審核")):
        mixed = [
            key
            for key, text in CATALOGS[language].items()
            if (key.startswith("selfcheck") or key == "cmd.selfcheck") and other in text
        ]
        assert not mixed, (language, mixed)
    assert "审定人：" in CATALOGS["zh-CN"]["selfcheck.requested"]


def _commands(fast_bot, user_id: int) -> list[str]:
    import json

    for key, listed in fast_bot.api.commands.items():
        scope = json.loads(key)
        if scope.get("type") == "chat" and int(scope.get("chat_id", 0)) == user_id:
            return [c["command"] for c in listed]
    return []


async def test_a_lone_hospitals_office_has_no_reports_but_a_county_institutions_does(
    fast_bot, fast_client, invited, db_path
):
    """A hospital under no county or bureau: its office's command list offered /reports, which
    only ever answered 还没有要求报送的报告 (only a supervising body asks for reports). It is
    listed, and in /help, where there is a body above to ask."""
    office = await join(fast_client, invited, 103, "王芳")
    assert "reports" not in _commands(fast_bot, office.id) and "inbox" in _commands(fast_bot, office.id)
    assert "/reports" not in (await office.send("/help"))[-1].text


async def test_a_county_institutions_office_keeps_reports(fast_bot, fast_client, db_path):
    from test_supervision import county, everyone_joins

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    office = joined["甲办"]
    assert "reports" in _commands(fast_bot, office.id)
    assert "/reports" in (await office.send("/help"))[-1].text
