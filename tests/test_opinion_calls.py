"""What one anonymous opinion costs in Bot API calls (issue 24: each call costs the bot about as
much CPU as a plain echo's whole update, bench/README.md): every press answered, each step
edited into the pressed message, the typed text deleted once read and the rest of the flow's
messages (the preview, /opinion, its first step) in one call at 提交, and the preview put in
place of the photo step's message rather than sent anew."""

from __future__ import annotations

from collections import Counter

from conftest import join


async def test_an_anonymous_opinion_takes_fourteen_calls(running_bot, client, invited, server):
    staff = await join(client, invited, 101, "张伟")
    before = len(server.api.calls)
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    await staff.send("会议太多，挤占了看病的时间")
    photo_step = next(m for m in reversed(staff.inbox) if any("完成，预览" in b for b in m.labels()))
    await staff.press("完成，预览")
    preview = next(m for m in reversed(staff.inbox) if "✅ 提交" in m.labels())
    assert preview.message_id == photo_step.message_id  # edited in place, not sent anew
    assert "会议太多" in preview.text
    await staff.press("提交")
    await staff.wait_for("回执码")
    calls = Counter(call for call in server.api.calls[before:] if call != "getUpdates")
    assert calls == {
        "sendMessage": 3,  # the first step, the photo step (after the typed text), the receipt
        "editMessageText": 4,  # mode, category, department, the preview
        "answerCallbackQuery": 5,  # each press
        "deleteMessage": 1,  # the typed text, once read (the chat forgets an anonymous text)
        "deleteMessages": 1,  # at 提交, in one call: the preview, /opinion and its first step
    }
    gone = {e["message_id"] for e in server.api.chats[101].events if e["kind"] == "deleted"}
    assert preview.message_id in gone and len(gone) == 4, gone
