"""销号 is signed with the evidence in view: the office sees the latest report's text and photos
(an album) before deciding, the history is one tap away, the leader's progress notice carries
the photos, and the irreversible steps say what they do and to how many, and ask once."""

from __future__ import annotations

import io

from conftest import join
from PIL import Image

from storage import problems


def photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, format="JPEG")
    return out.getvalue()


async def at_dispatch_confirmation(leader, db) -> int:
    """李娜 claims a new problem and orders it to 门诊部 by 2099-12-31, up to the confirmation
    (not pressed); the problem's id."""
    problem_id = problems.create(db, "候诊区座椅不足", None)
    await leader.send("/claim")
    await leader.press("接单")
    await leader.press("下单")
    await leader.send("增加候诊座椅 40 张")
    await leader.press("门诊部")
    await leader.send("2099-12-31")
    return problem_id


async def dispatched_to_head(client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    problem_id = await at_dispatch_confirmation(leader, db)
    await leader.press("确认")
    notice = await head.wait_for(f"派到本科室的问题 #{problem_id}")
    return leader, office, head, problem_id, notice


async def test_the_office_closes_with_the_evidence_in_view(running_bot, client, invited, db):
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.press("报告进展", message=notice)
    await head.send("已到货 30 张并摆放到位🪑")
    await head.send_file(photo((200, 10, 10)), "a.jpg", kind="photo")
    await head.send_file(photo((10, 10, 200)), "b.jpg", kind="photo")
    await head.press("完成")
    await head.press("75%")

    first = await leader.wait_for("进展 75%")  # the leader's notice carries the photos
    assert first.photo and "已到货 30 张" in first.caption
    second = await leader.wait_for("佐证 2/2")
    assert second.photo

    asked = await head.press("申请销号")
    assert "75%" in asked[-1].text and "不到 100%" in asked[-1].text
    assert problems.get(db, problem_id).status == "in_progress"  # nothing asked yet
    await head.send("剩余 10 张为备用，已满足需求")
    request = await office.wait_for(f"申请销号 #{problem_id}")
    assert "已到货 30 张" in request.text and "已满足需求" in request.text

    shown = await office.press("查看佐证", message=request)
    album = [m for m in shown if m.photo]
    assert len(album) == 2 and "佐证照片 2 张" in album[0].caption
    card = shown[-1]
    assert "最新进展（刘洋" in card.text and "75%" in card.text and "已到货 30 张" in card.text
    assert {"✅ 销号", "↩️ 退回", "📜 进展记录"} <= set(card.labels())

    history = await office.press("进展记录", message=card)
    assert "报告进展" in history[-1].text and "已满足需求" in history[-1].text

    confirm = await office.press("销号", message=card)
    assert "不能撤回" in confirm[-1].text and "告知 2 人" in confirm[-1].text
    await office.press("取消", message=confirm[-1])
    assert problems.get(db, problem_id).status == "closure_requested"  # cancel changed nothing
    confirm = await office.press("销号", message=card)
    await office.press("确认销号", message=confirm[-1])
    assert problems.get(db, problem_id).status == "closed"
    await head.wait_for(f"#{problem_id} 候诊区座椅不足 已销号")
    await office.press("确认销号", message=confirm[-1])  # a double tap closes nothing twice
    assert sum(r["action"] == "problem.close" for r in problems.history(db, problem_id)) == 1


async def test_at_full_progress_asking_to_close_asks_once(running_bot, client, invited, db):
    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    await head.press("报告进展", message=notice)
    await head.send("全部到位")
    await head.press("完成")
    await head.press("100%")
    asked = await head.press("申请销号")
    assert "活动办（1 人）" in asked[-1].text and problems.get(db, problem_id).status == "in_progress"
    await head.press("确认申请销号", message=asked[-1])
    assert problems.get(db, problem_id).status == "closure_requested"
    request = await office.wait_for(f"申请销号 #{problem_id}")
    shown = await office.press("查看佐证", message=request)
    assert not [m for m in shown if m.photo] and "全部到位" in shown[-1].text
