"""State survives the bot process stopping and starting again."""

from __future__ import annotations

from conftest import ROSTER_CSV


async def test_a_conversation_in_progress_resumes_after_restart(running_bot, client, invited, db):
    office = await client.user(103, "Wang")
    await office.send(f"/start {invited['王芳']}")
    reply = await office.send("/roster")
    assert "请发送人员名单" in reply[-1].text

    await running_bot.restart()

    edited = ROSTER_CSV + "陈静,护理部,职工\n"
    reply = await office.send_file(edited.encode("gbk"), "名单.csv")
    assert "名单预览" in reply[-1].text and "陈静" in reply[-1].text

    await running_bot.restart()  # and again between preview and confirmation

    reply = await office.press("确认")
    assert "新增 1" in reply[-1].text
    assert db.execute("select count(*) from people where name = '陈静'").fetchone()[0] == 1


async def test_joined_people_stay_joined_after_restart(running_bot, client, invited):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await running_bot.restart()
    assert "门诊部" in (await staff.send("/me"))[-1].text
