"""A hostile operator's attacks on the opinion box's newer steps (a photo kept while she writes,
a caption as the text, more words or a photo at the preview, a double tap answered 已经选好,
a menu tap leaving every waiting step, a signed opinion's author told of its problem), each
read from the files with the forensic reader (tests/forensics.py), as tests/test_forensics.py
reads them.

- A menu tap into the box (📝 提意见, 🔑 回执查询) in the middle of a step the bot keeps on disk
  (the office replying to an opinion, a head reporting progress) ended that step there and then
  (menu.leave_waiting_steps), and the persistence wrote its end within the second, under her
  Telegram id: the moment she opened the box, on disk, where the box's own steps never go.
  Before that change the tap wrote nothing (the step stayed until it timed out), as any other
  moment of an anonymous draft writes nothing.

Tried, and held: nothing of a draft with photos (kept at the text step, with a caption, at the
preview), nor of a double tap, reaches the files before its batch; the batch keeps none of
Telegram's ids of her upload; the notices to a signed opinion's author name no anonymous
opinion beside it and reach no anonymous holder.
"""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

import pytest
from forensics import Image, wal_commits
from test_forensic_attacks import ROSTER, _join, _office, _persisted
from test_forensics import Observer

import bot
from jobs import opinion_batches
from storage import anonymous_pool, invitations, roster

PHOTO_CAPTION = "PHOTOWORDS插座松了"


@pytest.fixture
def codes(db):
    """test_forensic_attacks' roster (six staff, an office member, a leader), joined by code."""
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    return {i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)}


def _jpeg(colour=(90, 140, 200)) -> bytes:
    from PIL import Image as Picture

    out = io.BytesIO()
    Picture.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


async def _replying(fast_bot, fast_client, codes, db):
    """The office at a step the bot keeps on disk: 回复 pressed under an opinion, its words
    awaited (inbox_action, typing_reply)."""
    from conftest import submit_opinion

    office = await _office(fast_client, codes)
    await submit_opinion(await _join(fast_client, codes, 0), "车棚顶棚漏雨，自行车都淋湿了")
    await opinion_batches.release_to_office(fast_bot.app)
    card = next(m for m in reversed(await office.send("/inbox")) if "回复" in " ".join(m.labels()))
    assert "请输入" in (await office.press("回复", message=card))[-1].text
    await _persisted(fast_bot.app, db)
    assert _step_on_disk(fast_bot.db_path, office.id) == "typing_reply"
    return office


async def _handle_queued(app) -> None:
    """What the bot put back in its own queue (a button under ⋯ 更多 is its label tapped):
    the fast tier has nobody polling that queue."""
    while not app.update_queue.empty():
        await app.process_update(app.update_queue.get_nowait())


def _step_on_disk(db_path, user_id: int) -> str | None:
    """The office's inbox step as the file's pages hold it (after the WAL is folded in)."""
    return _step_in(Image.of_file(db_path), user_id)


def _step_in(image: Image, user_id: int) -> str | None:
    key = f"[{user_id}, {user_id}]"
    found = [c.values[2] for c in image.rows("conversation_states") if c.values[1] == key]
    return found[0].strip('"') if found else None


def _as_copied(snapshot, tmp_path) -> Image:
    """A copy of the files as the operator reads it: the database's pages with every commit
    of its WAL laid over them, in order."""
    base, wal = tmp_path / "copy.db", tmp_path / "copy.db-wal"
    base.write_bytes(snapshot.database)
    wal.write_bytes(snapshot.wal)
    image = Image.of_file(base)
    for commit in wal_commits(wal):
        if commit.current:
            image = image.overlaid(commit.frames)
    return image


async def _anonymous_draft_with_photos(person) -> None:
    """The new ways into a draft, one after another: a photo alone at the text step, the text,
    a captioned photo at the photo step, a double tap, words and a photo at the preview."""
    asked = (await person.send("📝 提意见"))[-1]
    mode = next(b["callback_data"] for row in asked.buttons for b in row if "匿名" in b["text"])
    await person.press_data(asked.message_id, mode)
    await person.press_data(asked.message_id, mode)  # a double tap: 已经选好
    assert "已经选好" in ((await person.callback_answer()) or {}).get("text", "")
    await person.press("医疗服务")
    await person.press("门诊部")
    assert "已收到 1 张图片" in (await person.send_file(_jpeg(), "a.jpg", kind="photo"))[-1].text
    await person.send("病区走廊夜间照明不足")
    await person.send_file(_jpeg((1, 2, 3)), "b.jpg", kind="photo", caption=PHOTO_CAPTION)
    await person.press("完成，预览")
    await person.send("补充：五床也一样的问题")
    preview = await person.send_file(_jpeg((5, 2, 3)), "c.jpg", kind="photo", caption="这是5床")
    assert "图片：3 张" in preview[-1].text, preview[-1].text
    assert "已匿名提交" in (await person.press("提交"))[-1].text


@pytest.mark.parametrize("tap", ["📝 提意见", "🔑 回执查询", "⋯ 更多"])
async def test_opening_the_box_in_the_middle_of_a_kept_step_writes_nothing(
    fast_bot, fast_client, codes, db, db_path, tmp_path, tap, caplog
):
    """The attack: the operator copies the files as often as the bot writes. The office member
    replying to an opinion taps 📝 提意见 (or 🔑 回执查询) and writes anonymously. The copies
    showed her step deleted under her id at the second of the tap, which no other moment of the
    box writes (the office's 🔑 回执查询 is under ⋯ 更多, whose tap, which only shows buttons,
    ended the step too). Now not a byte of the files changes from the tap to the submit (the opinion
    waits in the pool); the step she left still lets her words go by (they are not sent as a
    reply), and it leaves the file when its own timeout would have ended it, as one she walked
    away from."""
    office = await _replying(fast_bot, fast_client, codes, db)
    app = fast_bot.app
    observer = Observer(db_path)
    observer.copy("start")
    bot.quiet_libraries()
    caplog.set_level(logging.DEBUG)
    if tap == "📝 提意见":
        await _anonymous_draft_with_photos(office)
    else:
        await office.send(tap)
        if tap == "⋯ 更多":  # the office's 🔑 回执查询 is under 更多: the tap on 更多 only shows it
            await office.press("🔑 回执查询")
            await _handle_queued(app)  # (handled as its label tapped: an update the bot queues)
        assert "没有找到" in (await office.send("ABCD-EFGH-JKLM-NPQR-STUV"))[-1].text
    await app.update_persistence()
    await app.persistence.flush()
    observer.copy("after")
    copied = _as_copied(observer.snapshots[-1], tmp_path)
    assert _step_in(copied, office.id) == "typing_reply", "her step's end, under her id, at the tap"
    assert len(observer.snapshots) == 1, "opening the box wrote to the files"
    logged = [r.getMessage() + " " + str(r.args) for r in caplog.records]
    assert not [line for line in logged if str(office.id) in line], logged

    # her words after the box are not taken by the step she left: no reply goes to the holder
    said = await office.send("谢谢，我再看看")
    assert not [m for m in said if "已发送" in (m.text or "") or "已回复" in (m.text or "")], [
        m.text for m in said
    ]
    assert not db.execute("select count(*) from opinion_messages where sender = 'office'").fetchone()[0]
    await _persisted(app, db)
    assert _step_on_disk(db_path, office.id) == "typing_reply", "still on disk, as before the tap"

    # its own timeout ends it, as it ends a step walked away from: the state and what it kept
    inbox = next(h for h in app.handlers[0] if getattr(h, "name", None) == "inbox_action")
    key = (office.id, office.id)
    timer = SimpleNamespace(data=SimpleNamespace(conversation_key=key, application=app))
    inbox.timeout_jobs[key] = timer
    await inbox._trigger_timeout(SimpleNamespace(job=timer))
    await _persisted(app, db)
    assert _step_on_disk(db_path, office.id) is None
    assert "inbox_opinion" not in app.user_data[office.id]


async def test_a_step_left_for_the_box_comes_back_when_she_opens_it_again(fast_bot, fast_client, codes, db):
    """Set aside, not lost: 回复 pressed again under the card opens the step anew, and her words
    are the reply."""
    office = await _replying(fast_bot, fast_client, codes, db)
    await office.send("📝 提意见")
    await office.press("取消")
    card = next(m for m in reversed(await office.send("/inbox")) if "回复" in " ".join(m.labels()))
    await office.press("回复", message=card)
    await office.send("已转后勤处理，本周内修好")
    assert db.execute("select count(*) from opinion_messages where sender = 'office'").fetchone()[0] == 1


# ---- tried, and held ----------------------------------------------------------------------------


async def test_a_draft_with_photos_leaves_no_telegram_id_of_her_upload_on_disk(
    fast_bot, fast_client, codes, db, db_path, caplog, monkeypatch
):
    """The photos kept while she writes, with a caption, at the preview: Telegram's file_id and
    file_unique_id of her upload name her account (Telegram ties the upload to its sender).
    Tried; it held: after the batch, neither is in the database file or its WAL, nor in the
    logs; the clean copies carry no file id until the office's own upload is sent."""
    bot.quiet_libraries()
    caplog.set_level(logging.DEBUG)
    person = await _join(fast_client, codes, 1)
    uploads: list[tuple[str, str]] = []
    real_upload = fast_bot.api.user_file

    async def upload(*args, **kwargs):
        message = await real_upload(*args, **kwargs)
        uploads.extend((p["file_id"], p["file_unique_id"]) for p in message.get("photo", []))
        return message

    monkeypatch.setattr(fast_bot.api, "user_file", upload)
    await _anonymous_draft_with_photos(person)
    assert anonymous_pool.pool_for(fast_bot.db).opinions, "waits in the pool"
    await opinion_batches.release_to_office(fast_bot.app)
    db.execute("pragma wal_checkpoint(truncate)")
    assert len(uploads) == 3, "the test reads her uploads' ids"
    files = [db_path.read_bytes()]
    wal = db_path.with_name(db_path.name + "-wal")
    files += [wal.read_bytes()] if wal.exists() else []
    logged = " ".join(r.getMessage() + str(r.args) for r in caplog.records)
    for file_id, unique in uploads:
        for content in files:
            assert file_id.encode() not in content and unique.encode() not in content
        assert file_id not in logged and unique not in logged
    rows = Image.of_file(db_path).rows("opinion_photos")
    assert len(rows) == 3 and all(cell.values[3] is None for cell in rows), "no file id before the office"
    opinions = [c for c in Image.of_file(db_path).rows("opinions") if PHOTO_CAPTION in str(c.values[5])]
    assert len(opinions) == 1


async def test_a_signed_authors_notices_name_no_anonymous_opinion_beside_hers(
    fast_bot, fast_client, codes, db, db_path
):
    """A problem listed from a signed opinion and an anonymous one (a 🔥 group listed whole):
    its signer hears that it was listed, dispatched, closed. The attack: read every outbox row
    the listing, the dispatch and the closure wrote, looking for the anonymous opinion (its
    number, its holder). Tried; it held: the signer's rows carry her own opinion only, and no
    row goes to the holder, who follows the problem by receipt."""
    from conftest import submit_opinion

    from jobs import notices
    from storage import people as storage_people
    from storage import problems

    signer, holder = await _join(fast_client, codes, 2), await _join(fast_client, codes, 3)
    await submit_opinion(signer, "食堂的菜太咸，老人吃不了", anonymous=False)
    await submit_opinion(holder, "食堂的菜太咸，盐放得太多")
    await opinion_batches.release_to_office(fast_bot.app)
    rows = {r[0]: r[1] for r in db.execute("select id, anonymous from opinions")}
    [signed] = [o for o, anonymous in rows.items() if not anonymous]
    [anonymous] = [o for o, anonymous in rows.items() if anonymous]
    problem_id = problems.create(fast_bot.db, "食堂菜品偏咸", None, opinion_ids=(signed, anonymous))
    notices.problem_listed(fast_bot.app, problem_id)
    db.execute("pragma wal_checkpoint(truncate)")
    image = Image.of_file(db_path)
    sql = next(r["sql"] for r in image.schema() if r["name"] == "outbox")
    columns = [c.strip().split()[0] for c in sql[sql.index("(") + 1 :].split(",\n")]
    person, text = columns.index("person_id"), columns.index("text")
    ids = {storage_people.by_telegram_user(db, p.id).id: p for p in (signer, holder)}
    told = {ids[c.values[person]].name for c in image.rows("outbox") if c.values[person] in ids}
    assert told == {signer.name}, told
    everything = " ".join(str(c.values) for c in image.rows("outbox"))
    assert signed in everything and anonymous not in everything
    assert all(c.values[text] is None or anonymous not in c.values[text] for c in image.rows("outbox"))
