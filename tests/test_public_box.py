"""The public box (群众意见箱): the lobby poster's link lets someone who is not on the roster
submit an anonymous opinion as a guest, follow it with the receipt, and do nothing else."""

from __future__ import annotations

import re

import pytest
from conftest import RECEIPT, join, submit_opinion

from jobs import opinion_batches
from storage import public_box
from texts import say

GUEST_ID = 7_654_321_987
LINK = re.compile(r"start=(box_[a-z0-9]+)")


async def open_box(office) -> str:
    """The office asks for the poster; returns the box's code from the link it is shown."""
    shown = await office.send("/poster")
    documents = [m.document for m in shown if m.document]
    assert [d["file_name"] for d in documents] == ["群众意见箱海报-A4.pdf", "群众意见箱海报-A3.pdf"]
    status = shown[-1].text
    assert "开放中" in status and "⏸ 暂停群众意见箱" in shown[-1].labels()
    return LINK.search(status).group(1)


async def guest_submits(
    guest, code: str, text: str, category: str = "服务态度", department: str = "门诊部"
) -> str:
    welcome = await guest.send(f"/start {code}")
    assert "群众意见箱" in welcome[-1].text and "匿名" in welcome[-1].text
    assert welcome[-1].labels() == ["医疗服务", "服务态度", "就医环境", "收费", "其他"]
    await guest.press(category)
    await guest.press(department)
    await guest.send(text)
    preview = await guest.press("完成，预览")
    assert any("群众 · 匿名" in (m.text or "") for m in preview)
    reply = await guest.press("提交")
    return RECEIPT.search(reply[-1].text).group(1)


async def test_a_guest_submits_through_the_poster_and_follows_the_receipt(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(GUEST_ID, "病人家属")
    receipt = await guest_submits(guest, code, "挂号窗口的工作人员态度很差😠，排队一小时。")

    assert await opinion_batches.release_to_office(running_bot.app) == (1, 0)
    cards = await office.send("/inbox")
    card = next(m for m in cards if m.text and "挂号窗口" in m.text)
    assert "群众（匿名）" in card.text and "服务态度" in card.text and "门诊部" in card.text
    [row] = list(db.query("select * from opinions"))
    assert row["public"] == 1 and row["anonymous"] == 1 and row["author_id"] is None
    assert str(GUEST_ID) not in repr(row)

    await office.press("回复")
    await office.send("已约谈挂号窗口负责人，增加窗口。")
    card = await guest.send(f"/receipt {receipt}")
    assert "已约谈挂号窗口负责人" in card[-1].text
    await guest.press("继续留言")
    assert "下次集中查看" in (await guest.send("谢谢，周一再去看看。"))[-1].text
    await opinion_batches.release_to_office(running_bot.app)
    assert any("周一再去看看" in (m.text or "") for m in await office.send("/inbox"))
    # nothing on disk knows the guest: not their id, in any table, the WAL or the log of updates
    running_bot.db.execute("pragma wal_checkpoint(truncate)")
    files = b"".join(p.read_bytes() for p in running_bot.db_path.parent.glob("rectify.db*"))
    for form in (str(GUEST_ID).encode(), GUEST_ID.to_bytes(6, "big"), GUEST_ID.to_bytes(8, "big")):
        assert form not in files


async def test_a_guest_is_spoken_to_in_the_posters_words(running_bot, client, invited):
    """A patient's family member does not know the 活动办 (the campaign's office: the poster
    calls it 整改工作办公室) nor its 批次: the receipt, the write-back and the offer of a
    notice said 回复活动办, 活动办会在下一批次看到, 最迟到下一次批次时间."""
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(907, "病人家属")
    receipt = await guest_submits(guest, code, "挂号窗口排队太长😡！！能不能多开一个窗口？？")
    seen = list(guest.inbox)
    seen += await guest.press("有回复时通知我")
    seen += await guest.press("取消")
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/inbox")
    await office.press("回复")
    await office.send("已增开一个挂号窗口。")
    card = await guest.send(f"/receipt {receipt}")
    assert "— 整改工作办公室（" in card[-1].text and "已增开一个挂号窗口" in card[-1].text
    seen += card
    seen += await guest.press("继续留言")
    seen += await guest.send("谢谢，下周再去看看。")
    for message in seen:
        for words in (message.text or "", *message.labels()):
            assert "活动办" not in words and "批次" not in words, words
    # staff, who know their office, are still told of it by name
    staff = await join(client, invited, 101, "张伟")
    card = await staff.send(f"/receipt {await submit_opinion(staff, '会议太多。')}")
    assert "✍️ 回复活动办" in card[-1].labels()


async def test_a_guest_who_writes_first_does_not_write_twice(running_bot, client, invited, server):
    """Someone who scans the poster writes what happened before any tap: the words typed at the
    category step were answered 请点上方按钮选择 and left in the chat, to be typed again two taps
    later. They are the opinion now, and leave the chat as an opinion's words do."""
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(908, "病人家属")
    await guest.send(f"/start {code}")
    pasted = await guest.send("PV2X-1SM0-NCZW-MZ76-0H0Y")  # a receipt code is no opinion
    assert pasted[-1].text == say("zh-CN", "choice.hint")
    told = await guest.send("住院部3楼厕所一直漏水😡，地上很滑，老人差点摔倒！！")
    assert told[-1].text == say("zh-CN", "opinion.text_kept.category", count=26)
    await guest.press("就医环境")
    assert (await guest.send("挂号处"))[-1].text == say("zh-CN", "choice.department")  # a guess at a button
    told = await guest.send("还有，晚上没人拖地。")
    assert "不指定科室" in told[-1].text and "37 字" in told[-1].text  # the second adds to the first
    asked = await guest.press("门诊部")
    assert "可以发送图片" in asked[-1].text  # not 请输入意见内容 again
    assert not [m for m in guest.inbox if "这条意见是关于哪个科室" in (m.text or "")]  # asked, answered
    preview = await guest.press("完成，预览")
    assert "老人差点摔倒！！\n还有，晚上没人拖地。" in preview[-1].text
    chat = server.api.chats[guest.id].messages.values()
    typed = [m for m in chat if m["from"]["id"] == guest.id and "漏水" in str(m.get("text"))]
    assert typed == []  # read into the draft: gone from the chat, as the text step's words are
    await guest.press("提交")
    await opinion_batches.release_to_office(running_bot.app)
    assert any("厕所一直漏水" in (m.text or "") for m in await office.send("/inbox"))


async def test_one_photo_prompt_stands_in_the_chat_however_many_photos_came(
    running_bot, client, invited, server
):
    """Each photo was answered with a new prompt and the last one lost its button: with the photo
    itself gone from the chat, a patient read 已添加 0 张 … 不需要图片就点下方按钮 over 已添加 1 张,
    the first pointing at a button that was not there."""
    import io

    from PIL import Image

    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(909, "病人家属")
    await guest.send(f"/start {code}")
    await guest.press("就医环境")
    await guest.press("门诊部")
    await guest.send("候诊区的空调坏了，很热。")
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(photo, "JPEG")
    for _ in range(2):
        await guest.send_file(photo.getvalue(), "photo.jpg", kind="photo")
    chat = server.api.chats[guest.id].messages.values()
    prompts = [m["text"] for m in chat if "可以发送图片" in str(m.get("text"))]
    assert len(prompts) == 1 and "已添加 2 张" in prompts[0], prompts
    preview = await guest.press("完成，预览")
    assert "图片：2 张" in preview[-1].text


async def test_a_guest_reaches_nothing_else(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    await open_box(office)
    guest = await client.user(901, "路人")
    only = say("zh-CN", "public.guest_only")
    for typed in ("/ledger", "/inbox", "/help", "/me", "/poster", "/claim", "/evaluate", "/nonsense", "你好"):
        answer = await guest.send(typed)
        assert [m.text for m in answer] == [only], typed
    assert guest.keyboard is None  # no menu was ever shown
    assert "医疗服务" in (await guest.send("/opinion"))[-1].labels()  # what the answer offers works
    await guest.send("/cancel")
    # a staff member who scans the poster gets the staff box (named or anonymous)
    staff = await join(client, invited, 101, "张伟")
    box = public_box.get(running_bot.db)
    shown = await staff.send(f"/start {box.code}")
    assert shown[-1].labels() == ["🕶 匿名提交（推荐）", "👤 署名提交", "取消"]


async def test_without_a_public_box_a_stranger_is_told_how_to_join(running_bot, client, invited):
    stranger = await client.user(902, "路人")
    assert (await stranger.send("/opinion"))[-1].text == say("zh-CN", "access.not_registered")
    assert (await stranger.send("/start box_abcdefghjkmn"))[-1].text == say("zh-CN", "access.not_registered")


async def test_an_old_or_forged_poster_link(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    await open_box(office)
    guest = await client.user(903, "路人")
    assert (await guest.send("/start box_zzzzzzzzzzzz"))[-1].text == say("zh-CN", "public.unknown_link")


async def test_the_office_pauses_the_box_in_one_tap(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(904, "路人")
    receipt = await guest_submits(guest, code, "候诊区座位太少。")
    await office.press("暂停群众意见箱")
    assert "已暂停" in office.inbox[-1].text and "▶️ 重新开放" in office.inbox[-1].labels()
    paused = await guest.send(f"/start {code}")
    assert paused[-1].text == say("zh-CN", "public.paused")
    assert "候诊区座位太少" in (await guest.send(f"/receipt {receipt}"))[-1].text  # still followed
    await office.press("重新开放")
    assert "开放中" in office.inbox[-1].text
    assert "医疗服务" in (await guest.send(f"/start {code}"))[-1].labels()


@pytest.mark.parametrize("bot_mode", ["polling"], indirect=True)
async def test_a_guest_has_a_daily_limit(running_bot, client, invited):
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    guest = await client.user(905, "路人")
    for n in range(running_bot.settings.public_daily_limit):
        await guest_submits(guest, code, f"第{n}条意见")
    refused = await guest.send(f"/start {code}")
    assert refused[-1].text == say("zh-CN", "public.daily_limit", limit=3)
    other = await client.user(906, "另一位")
    await guest_submits(other, code, "别人的意见不受影响")


def _report_text(db, day) -> tuple[str, list[list[str]]]:
    """The summary report's paragraphs, and its first table (opinions by category)."""
    import io
    from zoneinfo import ZoneInfo

    from docx import Document

    from documents import summary_report

    zone = ZoneInfo("Asia/Shanghai")
    report = Document(io.BytesIO(summary_report.for_period(db, day, day, zone, "某医院", day)))
    table = [[cell.text for cell in row.cells] for row in report.tables[0].rows]
    return "\n".join(p.text for p in report.paragraphs), table


def test_guest_opinions_are_counted_as_the_publics_in_the_report(db):
    from datetime import date

    from storage import opinions
    from storage.keys import Keys

    day = date(2026, 3, 2)
    keys = Keys(b"k" * 32)
    opinions.submit(db, opinions.Draft(category="收费", text="收费单看不懂", public=True), None, keys, day)
    opinions.submit(db, opinions.Draft(category="形式主义", text="会太多"), None, keys, day)
    with pytest.raises(opinions.OpinionError):  # a guest's is never named
        named = opinions.Draft(category="收费", text="x", anonymous=False, public=True)
        opinions.submit(db, named, 1, keys, day)
    opinions.release_batch(db)
    assert opinions.counts_by_source(db) == {"staff": 1, "public": 1}
    # one 群众 opinion, under k (5): counted with the rest, never apart
    text, table = _report_text(db, day)
    assert "共收到意见建议 2 条" in text and "群众" not in text.split("二、")[0]
    assert table[0] == ["类别", "条数"]

    for n in range(5):
        guest = opinions.Draft(category="收费", text=f"收费问题{n}", public=True)
        opinions.submit(db, guest, None, keys, day)
    opinions.release_batch(db)
    text, table = _report_text(db, day)
    assert "共收到意见建议 7 条" in text and "群众（患者、服务对象）通过门诊大厅意见箱二维码提交 6 条" in text
    assert table[0] == ["类别", "条数", "其中群众"]
    # 形式主义 has one opinion: no category is named under k
    assert ["收费", "6", "6"] in table and ["其他类别（每类不足 5 条，合并统计）", "1", "—"] in table

    # one more in another category: that category's 群众 count (1) would be the total less the
    # categories shown, so the categories are not shown apart; the total (7 >= k) still is
    opinions.submit(db, opinions.Draft(category="就医环境", text="厕所太脏", public=True), None, keys, day)
    opinions.release_batch(db)
    text, table = _report_text(db, day)
    assert "通过门诊大厅意见箱二维码提交 7 条" in text and table[0] == ["类别", "条数"]
