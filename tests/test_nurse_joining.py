"""A new nurse on her phone, from the roster to her first signed opinion and its life on the
problem list: what the first walk in the browser (390 px wide) found people losing."""

from __future__ import annotations

import io
import re

from conftest import ROSTER_CSV, join, submit_opinion

from jobs import opinion_batches


def _jpeg(colour=(90, 140, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


async def _to_the_text_step(staff, *, anonymous: bool = False) -> None:
    await staff.send("/opinion")
    await staff.press("匿名提交" if anonymous else "署名提交")
    await staff.press("医疗服务")
    await staff.press("门诊部")


# ---- joining by typing what the paper card shows -----------------------------------------


async def test_a_link_typed_from_the_card_with_a_chinese_keyboard_joins(fast_client, invited, db):
    """No camera that reads QR codes: she types the link under it, and a Chinese keyboard makes
    ? and = full-width (？＝). Before, 您还没有加入…请用…邀请链接 answered the link she had typed."""
    nurse = await fast_client.user(101, "张伟")
    welcome = await nurse.send(f"t.me/rectify_bot？start＝{invited['张伟']}")
    assert "您已加入整改通" in welcome[-1].text, welcome[-1].text


async def test_the_code_alone_joins_and_a_wrong_one_says_so(fast_client, invited, db):
    """Told "your code is …" on the phone, she sends the code alone: it joins, as the link does.
    A code that is not one is called an invalid invitation, not a message from a stranger."""
    head = await fast_client.user(104, "刘洋")
    welcome = await head.send(f" {invited['刘洋']} ")
    assert "您已加入整改通" in welcome[-1].text, welcome[-1].text
    stranger = await fast_client.user(109, "路人")
    assert "邀请码无效" in (await stranger.send("AbCdEfGh12345678"))[-1].text
    assert "还没有加入" in (await stranger.send("你好，请问怎么加入"))[-1].text


# ---- photos with a caption: the caption is what she wrote ---------------------------------


async def test_a_photo_sent_with_a_caption_where_the_text_is_asked_is_the_opinion(
    running_bot, client, invited
):
    """On a phone people send the photo with their words under it. At the text step the bot
    answered 请先输入文字内容 and kept neither: photo and words both to be sent again."""
    staff = await join(client, invited, 101, "张伟")
    await _to_the_text_step(staff)
    said = await staff.send_file(
        _jpeg(), "corridor.jpg", kind="photo", caption="走廊夜里太黑😟，推车看不清地面！"
    )
    assert "已添加 1 张" in said[-1].text, [m.text for m in said]
    preview = (await staff.press("完成，预览"))[-1].text
    assert "走廊夜里太黑😟，推车看不清地面！" in preview and "图片：1 张" in preview


async def test_a_photo_without_words_at_the_text_step_is_kept_while_she_writes(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    await _to_the_text_step(staff)
    said = await staff.send_file(_jpeg(), "corridor.jpg", kind="photo")
    assert "已收到 1 张图片" in said[-1].text and "文字" in said[-1].text, said[-1].text
    said = await staff.send("病区走廊夜间照明不足")
    assert "已添加 1 张" in said[-1].text
    preview = (await staff.press("完成，预览"))[-1].text
    assert "病区走廊夜间照明不足" in preview and "图片：1 张" in preview


async def test_a_caption_under_a_photo_at_the_photo_step_is_added_to_the_text(running_bot, client, invited):
    """The second photo came with 这是3床旁边的插座，松了 under it: the photo was added and the
    words silently dropped; the preview and the office never saw them."""
    staff = await join(client, invited, 101, "张伟")
    await _to_the_text_step(staff)
    await staff.send("病区走廊夜间照明不足")
    await staff.send_file(_jpeg(), "one.jpg", kind="photo")
    said = await staff.send_file(
        _jpeg((10, 200, 10)), "two.jpg", kind="photo", caption="这是3床旁边的插座，松了"
    )
    assert "已添加 2 张" in said[-1].text
    preview = (await staff.press("完成，预览"))[-1].text
    assert "病区走廊夜间照明不足\n这是3床旁边的插座，松了" in preview and "图片：2 张" in preview


async def test_a_caption_that_would_pass_the_limit_takes_neither_and_says_so(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    await _to_the_text_step(staff)
    await staff.send("灯" * limit)
    said = await staff.send_file(_jpeg(), "two.jpg", kind="photo", caption="插座松了")
    assert "上限" in said[-1].text and "图片" in said[-1].text, said[-1].text
    preview = "".join(m.text or "" for m in await staff.press("完成，预览"))
    assert "插座松了" not in preview and "图片：0 张" in preview


# ---- a menu tap into another flow ends the one waiting for words ------------------------


async def test_a_menu_tap_into_another_flow_leaves_the_receipt_step(running_bot, client, invited):
    """🔑 回执查询 asks for the code; she taps 📝 提意见 instead and cancels it. The receipt step
    was still waiting: her next words (谢谢) were taken as a code, deleted from her chat and
    answered 没有找到这个回执码."""
    staff = await join(client, invited, 101, "张伟")
    await staff.send("🔑 回执查询")
    await staff.send("📝 提意见")
    await staff.press("取消")
    said = await staff.send("谢谢")
    assert not [m for m in said if "回执码" in (m.text or "")], [m.text for m in said]


async def test_a_menu_tap_in_another_language_leaves_the_receipt_step_too(running_bot, client, invited):
    """After switching to English, the old keyboard's 📝 Give an opinion is still a menu tap."""
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/receipt")
    await staff.send("📝 Give an opinion")
    await staff.press("取消")
    said = await staff.send("请问食堂几点开门")
    assert not [m for m in said if "回执码" in (m.text or "")], [m.text for m in said]


# ---- a signed opinion: its author hears of the problem it became ------------------------


async def test_the_signer_hears_when_her_opinion_is_listed_dispatched_and_closed(
    running_bot, client, invited
):
    """A signed opinion became problem #1, was dispatched and closed: its author heard nothing
    of it (only the office's replies reached her), though she had put her name to it."""
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    said = await submit_opinion(staff, "病区走廊夜间照明不足", anonymous=False)
    assert "问题清单" in said, said
    opinion = said.split("#")[1][:8]
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/inbox")
    await office.press("列为问题")
    await office.press("使用建议的标题")
    await office.press("限期整改")
    await office.press("近期")
    preview = (await office.press("不指定科室"))[-1].text
    assert "张伟" in preview  # who else is told, before 确认
    await office.press("确认")

    listed = await staff.wait_for("已列为问题 #1")
    assert opinion in listed.text and "整改台账" in listed.text

    notice = await leader.wait_for("新问题待接单 #1")
    await leader.press("接单", message=notice)
    await leader.press("下单")
    await leader.send("更换走廊灯管，加装感应夜灯")
    await leader.press("门诊部")
    await leader.send("2099-12-31")
    await leader.press("确认")
    dispatched = await staff.wait_for("已下单")
    assert "门诊部" in dispatched.text and "2099-12-31" in dispatched.text

    assigned = await head.wait_for("派到本科室的问题 #1")
    await head.press("报告进展", message=assigned)
    await head.send("灯管已全部更换")
    await head.press("完成")
    await head.press("50%")
    await head.press("申请销号")
    await head.send("其余灯管下周到货，不影响夜间照明")
    request = await office.wait_for("申请销号 #1")
    confirm = await office.press("销号", message=request)
    assert "3 人" in confirm[-1].text  # the head, the leader and the signer
    await office.press("确认销号", message=confirm[-1])
    await staff.wait_for("已销号")


async def test_the_signer_finds_her_opinion_by_its_number_and_nobody_else_does(running_bot, client, invited):
    """Told 编号 #…, she looked for it under 🔑 回执查询: 没有找到这个回执码, and her number
    deleted "to protect her anonymity", though she had signed. Now her own number shows her
    opinion and what became of it; anyone else's number still finds nothing."""
    staff = await join(client, invited, 101, "张伟")
    other = await join(client, invited, 104, "刘洋")
    said = await submit_opinion(staff, "病区走廊夜间照明不足", anonymous=False)
    number = said.split("#")[1][:8]
    await opinion_batches.release_to_office(running_bot.app)
    await staff.send("🔑 回执查询")
    card = "\n".join(m.text or "" for m in await staff.send(f"#{number.lower()}"))
    assert "病区走廊夜间照明不足" in card and "待处理" in card and "没有找到" not in card, card
    await other.send("🔑 回执查询")
    refused = "\n".join(m.text or "" for m in await other.send(number))
    assert "没有找到" in refused and "病区走廊" not in refused


# ---- more, at the preview ---------------------------------------------------------------


async def test_words_and_a_photo_sent_at_the_preview_are_added_and_shown_again(running_bot, client, invited):
    """At the preview she remembered more: 补充：5床也一样 was answered 请点上方按钮 (the words
    not taken, the buttons scrolled away), and a photo 我没有看懂。请使用下方菜单, pointing her
    at the menu, whose tap drops the draft. Both are added, as at the photo step, and the
    preview comes again with them."""
    staff = await join(client, invited, 101, "张伟")
    await _to_the_text_step(staff)
    await staff.send("3床插座松了，充电时打火花")
    await staff.press("完成，预览")
    assert "按钮" in (await staff.send("好的"))[-1].text  # a short word is no more to say
    said = await staff.send("补充：5床也一样")
    assert "3床插座松了，充电时打火花\n补充：5床也一样" in said[-1].text and said[-1].buttons, said[-1].text
    said = await staff.send_file(_jpeg(), "bed5.jpg", kind="photo", caption="这是5床")
    assert "这是5床" in said[-1].text and "图片：1 张" in said[-1].text, said[-1].text
    assert "好的" not in said[-1].text
    assert "已提交" in (await staff.press("提交"))[-1].text


# ---- two nurses of one name ----------------------------------------------------------------

TWO_OF_ONE_NAME = """姓名,科室,角色,工号
王芳,组织人事科,活动办,
李静,护理部,职工,N101
李　静,护理部,职工,N102
"""


async def test_two_nurses_of_one_name_get_cards_that_tell_them_apart(running_bot, client, db):
    """The roster tells the two 李静 of 护理部 apart by 工号; their invitation cards did not
    (李静 · 护理部 twice), so the office could hand each the other's, and each would join as the
    other. Each card now carries its 工号."""
    from storage import invitations, roster

    roster.apply(db, roster.parse(TWO_OF_ONE_NAME.encode()), None)
    [office_code] = [i.code for i in invitations.issue(db, [1], ttl_days=14)]
    office = await client.user(103, "王芳")
    await office.send(f"/start {office_code}")
    await office.send("/invite 护理部")
    sheets = [m for m in await office.press("确认") if m.document]
    html = (await office.download(sheets[0].document["file_id"])).decode()
    assert html.count("李静") == 2 and "工号 N101" in html and "工号 N102" in html, html[:2000]
    # and the code to type when no camera reads the QR code, apart from the 6-point link
    codes = re.findall(r"start=([A-Za-z0-9_-]{16})<", html)
    assert len(codes) == 2 and all(f"邀请码 <b>{code}</b>" in html for code in codes)


# ---- double taps --------------------------------------------------------------------------


async def test_a_double_tap_on_a_step_says_it_was_taken_not_to_start_again(running_bot, client, invited):
    """Phones double-tap: the first tap took 匿名提交 and the step moved on; the second was
    answered 这个按钮已失效，请重新操作, telling her to start again what had worked."""
    staff = await join(client, invited, 101, "张伟")
    asked = (await staff.send("/opinion"))[-1]
    mode = next(b["callback_data"] for row in asked.buttons for b in row if "匿名" in b["text"])
    await staff.press_data(asked.message_id, mode)
    await staff.press_data(asked.message_id, mode)
    answer = (await staff.callback_answer())["text"]
    assert "已经选好" in answer and "重新" not in answer, answer
    assert "形式主义" in (await staff.press("形式主义"))[-1].text  # the draft goes on


async def test_a_second_tap_on_the_rosters_confirm_does_not_ask_to_do_it_again(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    await office.send("/roster")
    with_a_nurse = ROSTER_CSV + "苏晴,护理部,职工\n"
    preview = [m for m in await office.send_file(with_a_nurse.encode(), "名单.csv") if m.buttons][-1]
    confirm = next(b["callback_data"] for row in preview.buttons for b in row if "确认" in b["text"])
    await office.press_data(preview.message_id, confirm)
    await office.press_data(preview.message_id, confirm)
    answer = (await office.callback_answer())["text"]
    assert "重新操作" not in answer, answer
