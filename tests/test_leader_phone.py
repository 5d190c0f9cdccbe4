"""A department head on a phone, after the first week: a photo with its caption is how a phone
reports progress, so the caption is the report's text and the photo its evidence, whether it
comes where the text was asked for or among the photos; a caption at Telegram's 1024 limit
(emoji count two) loses nothing and reaches the leader inside the caption limit."""

from __future__ import annotations

from test_closure_evidence import at_dispatch_confirmation, dispatched_to_head, photo

from storage import problems


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_a_photo_with_a_caption_where_the_text_is_asked_is_the_report(running_bot, client, invited, db):
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    caption = "管道已更换😀" * 146 + "好"  # 1023 UTF-16 units: as long as Telegram lets a caption be
    assert utf16(caption) == 1023
    await head.press("报告进展", message=notice)
    replies = await head.send_file(photo((200, 10, 10)), "a.jpg", kind="photo", caption=caption)
    assert "没有看懂" not in replies[-1].text and "图片" in replies[-1].text
    await head.press("完成")
    await head.press("75%")
    report = problems.latest_report(db, problem_id)
    assert report.text == caption
    assert len(problems.report_photos(db, report.id)) == 1
    shown = await leader.wait_for("进展 75%")
    assert shown.photo and utf16(shown.caption) <= 1024 and "管道已更换" in shown.caption


async def test_a_caption_on_a_later_photo_is_kept_with_the_text(running_bot, client, invited, db):
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.press("报告进展", message=notice)
    await head.send("已到货 30 张")
    await head.send_file(photo((10, 10, 200)), "b.jpg", kind="photo", caption="摆放在二楼候诊区")
    await head.press("完成")
    await head.press("75%")
    assert problems.latest_report(db, problem_id).text == "已到货 30 张\n摆放在二楼候诊区"


async def test_a_bare_photo_where_the_text_is_asked_is_kept_and_the_text_asked_again(
    running_bot, client, invited, db
):
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.press("报告进展", message=notice)
    replies = await head.send_file(photo((10, 200, 10)), "c.jpg", kind="photo")
    assert "没有看懂" not in replies[-1].text and "文字" in replies[-1].text
    await head.send("座椅已到货")
    await head.press("完成")
    await head.press("50%")
    shown = await leader.wait_for("进展 50%")
    assert shown.photo and "座椅已到货" in shown.caption


async def test_long_texts_in_the_leaders_steps_are_refused_whole_never_cut(running_bot, client, invited, db):
    """A head pastes a long report (Telegram takes 4096), a leader long measures, a head a long
    reason for more time: each is told how long it is and the limit, and the step waits for a
    shorter text; nothing is cut silently."""
    from conftest import join

    leader = await join(client, invited, 102, "李娜")
    head = await join(client, invited, 104, "刘洋")
    problem_id = problems.create(db, "候诊区座椅不足", None)
    await leader.send("/claim")
    await leader.press("接单")
    await leader.press("下单")
    told = await leader.send("增加座椅" * 600)  # 2400 characters
    assert "2400 字" in told[-1].text and "2000" in told[-1].text
    await leader.send("增加候诊座椅 40 张")
    await leader.press("门诊部")
    await leader.send("2099-12-31")
    await leader.press("确认")
    assert problems.get(db, problem_id).measures == "增加候诊座椅 40 张"
    notice = await head.wait_for(f"派到本科室的问题 #{problem_id}")

    await head.press("报告进展", message=notice)
    told = await head.send("已到货" * 800)  # 2400 characters
    assert "2400 字" in told[-1].text
    await head.send("已到货 30 张")
    await head.press("完成")
    await head.press("50%")
    assert problems.latest_report(db, problem_id).text == "已到货 30 张"

    await head.send("/tasks")
    await head.press("申请延期")
    told = await head.send("厂家延迟" * 150)  # 600 characters, over 500
    assert "600 字" in told[-1].text and "500" in told[-1].text
    asked = await head.send("厂家延迟发货")
    assert "希望延到哪一天" in asked[-1].text


async def test_a_date_typed_at_the_dispatch_confirmation_corrects_the_deadline(
    running_bot, client, invited, db
):
    """The leader reads the confirmation, sees the wrong deadline and types the right one, as
    people do (12月3日, ３号, 下周五): the confirmation comes again with it; other text points
    at the buttons; typing 确认 still confirms."""
    from datetime import date

    from conftest import join

    leader = await join(client, invited, 102, "李娜")
    problem_id = await at_dispatch_confirmation(leader, db)
    shown = await leader.send("2099年3月5日")
    assert "完成时限：2099-03-05" in shown[-1].text and "确认" in " ".join(shown[-1].labels())
    hint = await leader.send("好的")
    assert "按钮" in hint[-1].text
    await leader.send("确认")
    assert problems.get(db, problem_id).deadline == date(2099, 3, 5)
