"""A nurse (职工) on her phone, after the chat began to forget: what an anonymous draft leaves in
her chat however it ends, and what she is told of it. The operator holding the bot's token
copies every message still in a member's chat by its id (test_mixing.copy_of_chat)."""

from __future__ import annotations

import io
import uuid

import pytest
from conftest import RECEIPT, join
from test_mixing import copy_of_chat


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


async def _to_the_preview(staff, marker: str) -> None:
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    await staff.send(f"候诊区座椅太少 {marker}")
    await staff.press("完成，预览")


async def test_a_cancelled_anonymous_draft_takes_its_preview_from_the_chat(
    running_bot, client, invited, server
):
    """The preview shows the opinion's words; a draft submitted took it away, one cancelled by
    /cancel left it in the chat beside the nurse's id: the same words submitted later name her.
    She is told, in the reply that ends the draft, that her words were deleted and not kept."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await _to_the_preview(staff, marker)
    await staff.send("/cancel")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if marker in text], "cancelled, the preview stays"
    told = await staff.wait_for("没有保存")
    assert "删除" in told.text and "匿名" in told.text


@pytest.mark.parametrize("ending", ["menu", "/opinion"])
async def test_a_draft_left_without_cancel_keeps_its_words_to_copy_for_a_day_at_most(
    running_bot, client, invited, server, ending
):
    """At the preview the nurse taps a menu button (to look something up) or starts again: the
    draft ends without her asking. Her words stay to copy from, she is told they go, and they
    leave the chat within the day (before, they stayed for good, beside her id), or with the
    next draft as soon as it ends."""
    from jobs import forgetting
    from storage.clock import clock

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await _to_the_preview(staff, marker)
    await staff.send({"menu": "🔑 回执查询"}.get(ending, ending))
    told = await staff.wait_for("没有保存")
    assert "24 小时" in told.text and "复制" in told.text
    copied = await copy_of_chat(client, server, staff, thief)
    assert [text for text in copied if marker in text], "gone before she could copy it"
    if ending == "/opinion":
        await staff.press("匿名提交")
        await staff.press("形式主义")
        await staff.press("门诊部")
        await staff.send("候诊区座椅太少")
        await staff.press("完成，预览")
        await staff.press("提交")
    else:
        clock.advance(forgetting.LATER)
        await forgetting.sweep(running_bot.app)
    copied = await copy_of_chat(client, server, staff, thief)
    assert not [text for text in copied if marker in text], f"left by {ending}, the preview stays"


async def test_the_bots_answers_inside_an_anonymous_draft_leave_with_it(running_bot, client, invited, server):
    """Inside the draft the bot answers what it could not take (a hint under words typed where
    a button was expected, a text over the limit, a photo prompt after each photo, 修改's
    请输入): kept after the draft, each pointed at messages no longer there ("请点上方按钮") and
    carried the date the box was used, which the /opinion and its steps no longer do."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.send("食堂饭菜太咸")  # at the category step: a hint
    await staff.press("形式主义")
    await staff.press("门诊部")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    await staff.send("咸" * (limit + 1))  # over the limit: told so
    await staff.send("食堂饭菜太咸")
    await staff.send_file(b"not a jpeg", "photo.jpg", kind="photo")  # 无法读取
    await staff.send_file(_jpeg(), "photo.jpg", kind="photo")  # a photo prompt after it
    await staff.press("完成，预览")
    await staff.press("修改")
    await staff.send("食堂饭菜太咸，中午最咸")
    reply = await staff.press("提交")
    assert RECEIPT.search(reply[-1].text or "")
    await staff.press("我已保存")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    traces = ["请点上方按钮", "上限", "图片", "意见内容"]
    assert not [text for text in copied if any(t in text for t in traces)], copied


@pytest.mark.parametrize("how", ["/receipt {}", "{}", "ask"])
async def test_a_typed_receipt_code_that_vanishes_is_said_to_have_gone(running_bot, client, invited, how):
    """The nurse pastes her code; it vanishes from the chat as the card comes. Nothing said why,
    and a code with a slip was answered 请核对后再试 with the code she would check already gone.
    Both answers now say that what she sent was deleted to protect her anonymity."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    for code in (receipt, receipt[:-1] + ("A" if receipt[-1] != "A" else "B")):
        if how == "ask":
            await staff.send("/receipt")
            said = await staff.send(code)
        else:
            said = await staff.send(how.format(code))
        answer = "\n".join(m.text or "" for m in said)
        assert "已从对话中删除" in answer and "匿名" in answer, answer


async def test_grades_typed_on_a_rating_sheet_vanish_with_one_word_of_why(running_bot, client, invited):
    """民主评议: the nurse types 差 five times instead of tapping; each 差 vanished from her chat as
    the sheet took it, and nothing said why. Now the first says so, once, without the grade."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
    await office.press("确认发出", message=preview[-1])
    invite = await staff.wait_for("请参加民主评议")
    await staff.press("开始评议", message=invite)
    said = []
    for _ in range(5):
        said += await staff.send("差")
    await staff.press("提交")
    assert "已提交" in (await staff.callback_answer())["text"]
    told = [m.text for m in said if "从对话中删除" in (m.text or "")]
    assert len(told) == 1 and "匿名" in told[0] and "差" not in told[0], [m.text for m in said]


async def test_a_write_back_over_the_limit_is_answered_in_words_that_leave_with_the_card(
    running_bot, client, invited, server
):
    """回复活动办 with a text over the limit: 内容有 … 字 answered it and stayed for good after
    看完了, while 请输入 and 已发送 leave with the card: its date said when she wrote back."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    assert "上限" in (await staff.send("长" * (limit + 1)))[-1].text
    await staff.send("二楼也一样")
    await staff.press("看完了")
    assert not [t for t in await copy_of_chat(client, server, staff, thief) if "上限" in t]
