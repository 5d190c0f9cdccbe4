"""Attacks of a hostile operator on the newest flows (operator4): the operator holds the database,
its WAL, the backups, the logs, the key and the bot's token, and may copy any message still in
a person's chat (copyMessage takes a chat and a small sequential id: the chat of every member is
their Telegram id, in the people table)."""

from __future__ import annotations

import uuid

import pytest
from conftest import RECEIPT, join
from test_mixing import copy_of_chat


async def _typed_in_the_wrong_place(person, marker: str, step: str) -> str:
    """The opinion flow as people use it: the opinion typed (or pasted) at a step that waits for
    a button, answered with a hint; then the flow finished as asked, the same text typed again."""
    await person.send("/opinion")
    if step == "mode":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("匿名提交")
    if step == "category":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("形式主义")
    if step == "department":
        await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("门诊部")
    await person.send(f"食堂饭菜太咸 {marker}")
    await person.press("完成，预览")
    if step == "review":
        await person.send(f"补充：中午最咸 {marker}")
    reply = await person.press("提交")
    receipt = RECEIPT.search(reply[-1].text or "").group(1)
    await person.press("我已保存")
    return receipt


@pytest.mark.parametrize("step", ["mode", "category", "department", "review"])
async def test_an_opinion_typed_where_a_button_was_expected_leaves_the_chat(
    running_bot, client, invited, server, step
):
    """The attack: a member types their opinion where the flow waits for a button (匿名提交, a
    category, a department, 提交). The step answers with a hint and the message stays in the
    chat, while the same words typed at the writing step are deleted once read. The operator
    copies every message of every member's chat (copyMessage, their Telegram ids from the
    people table) and finds the words of an opinion in the database: its author. Worked before
    the fix; now every message sent while an anonymous draft is open leaves the chat with it."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await _typed_in_the_wrong_place(staff, marker, step)
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if marker in text], f"typed at the {step} step, it stays"


async def test_words_of_a_cancelled_draft_leave_the_chat_before_the_next_draft_submits_them(
    running_bot, client, invited, server
):
    """The same words typed where a button was expected, and over the limit at the writing step,
    in a draft that is then cancelled; the next draft submits them. What the cancelled draft left
    in the chat would name the author of the next one."""
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.send(f"食堂饭菜太咸 {marker}")  # at the category step
    await staff.press("形式主义")
    await staff.press("门诊部")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    too_long = await staff.send(f"{marker} " + "咸" * limit)
    assert "字" in too_long[-1].text  # told it is too long; the message stays to be shortened
    copied = await copy_of_chat(client, server, staff, thief)
    assert sum(marker in text for text in copied) == 2, "kept while the draft is open"
    await staff.send("/cancel")
    await _typed_in_the_wrong_place(staff, marker, "none")
    copied = await copy_of_chat(client, server, staff, thief)
    assert not [text for text in copied if marker in text]


async def test_a_rating_typed_instead_of_tapped_leaves_the_chat(running_bot, client, invited, server):
    """The attack on a rating sheet (民主评议): a rater types the grades (差) where buttons are
    offered, as typed_choice takes them. The ballot goes into the pool, k-anonymous, but the
    typed words stay in the rater's chat: copied with the token, they are the rater's ballot."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
    await office.press("确认发出", message=preview[-1])
    thief = await client.user(666, "token holder")
    invite = await staff.wait_for("请参加民主评议")  # (delivered by the outbox: its keyboard first)
    await staff.press("开始评议", message=invite)
    for _ in range(5):
        await staff.send("差")
    await staff.press("提交")
    assert "已提交" in (await staff.callback_answer())["text"]
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert "差" not in copied, "the rater's typed grades are in their chat"


async def test_a_look_back_vote_typed_instead_of_tapped_leaves_the_chat(
    running_bot, client, invited, server, db
):
    """The same attack on a look-back (回头看): the member asked types 不满意 under the question."""
    from jobs import lookbacks as lookback_job
    from storage import lookbacks, problems
    from storage.clock import clock, iso

    staff = await join(client, invited, 101, "张伟")  # 门诊部
    thief = await client.user(666, "token holder")
    clinic = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
        [clinic, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", clock.now().date(), 14)
    lookback_job.ask(running_bot.app, lookback)
    await staff.wait_for("您对整改效果满意吗")
    answer = await staff.send("不满意")
    assert "谢谢" in answer[-1].text or "记录" in answer[-1].text, answer[-1].text
    assert "不满意" not in await copy_of_chat(client, server, staff, thief)


async def test_a_questionnaire_choice_typed_instead_of_tapped_leaves_the_chat(
    running_bot, client, invited, server
):
    """And on a questionnaire: the choice typed (否) where its buttons are offered."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    invite = await staff.wait_for("食堂调查")
    await staff.press("开始填写", message=invite)
    await staff.send("否")
    await staff.send("建议多放座椅")
    await staff.press("只作为问卷回答")
    await staff.press("提交")
    assert "已提交问卷" in (await staff.callback_answer())["text"]
    copied = await copy_of_chat(client, server, staff, thief)
    assert "否" not in copied and not [t for t in copied if "建议多放座椅" in t]


async def test_a_write_back_typed_before_its_button_leaves_the_chat(running_bot, client, invited, server):
    """A holder opens the receipt's card and types the addition straight away, before tapping
    回复活动办; told how, they tap it and type the words again. The first copy stays in the
    chat, and the write-back in the database has the same words: its holder, the opinion's
    author."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"/receipt {receipt}")
    await staff.send(f"补充：二楼也一样 {marker}")
    await staff.press("回复活动办")
    await staff.send(f"补充：二楼也一样 {marker}")
    await staff.press("看完了")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if marker in text]


async def test_an_answer_typed_at_a_choice_question_leaves_the_chat(running_bot, client, invited, server):
    """A respondent types their suggestion at the choice question (told to use the buttons),
    then answers and types it again at the text question, where it is the answer."""
    office = await join(client, invited, 103, "王芳")
    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    invite = await staff.wait_for("食堂调查")
    await staff.press("开始填写", message=invite)
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"饭菜太咸 {marker}")
    await staff.press("否")
    await staff.send(f"饭菜太咸 {marker}")
    await staff.press("只作为问卷回答")
    await staff.press("提交")
    assert "已提交问卷" in (await staff.callback_answer())["text"]
    copied = await copy_of_chat(client, server, staff, thief)
    assert not [text for text in copied if marker in text]


@pytest.mark.parametrize("typed", ["bare", "asked"])
async def test_a_receipt_typed_without_its_command_leaves_the_chat(
    running_bot, client, invited, server, typed
):
    """A holder pastes the receipt code alone (no /receipt), or types it when /receipt asks for
    it. Left in the chat, the token copies it, and the code leads to its opinion: the author."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    if typed == "asked":
        await staff.send("/receipt")
    shown = await staff.send(receipt)
    assert any("候诊区座椅不足" in (m.text or "") for m in shown), "read as /receipt with it"
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if receipt in text or receipt.replace("-", "") in text]


async def test_a_write_back_over_the_limit_leaves_with_the_card(running_bot, client, invited, server):
    """A write-back over the limit is not read (never cut) and stays to be shortened; the
    shortened one is stored. The long one leaves with the card (看完了)."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    marker = f"MARK{uuid.uuid4().hex}"
    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    limit = running_bot.app.bot_data["settings"].opinion_max_chars
    assert "字" in (await staff.send(f"{marker} " + "长" * limit))[-1].text
    assert [t for t in await copy_of_chat(client, server, staff, thief) if marker in t], "kept to shorten"
    await staff.send(f"{marker} 二楼也一样")
    await staff.press("看完了")
    assert not [t for t in await copy_of_chat(client, server, staff, thief) if marker in t]


async def test_hotspots_and_a_groups_look_back_link_no_opinion_to_its_holder(
    fast_bot, fast_client, db, db_path, tmp_path, monkeypatch
):
    """Read at the byte level (tests/forensics.py, every commit of the WAL copied as it is made
    and right before each checkpoint), the newest flows around hotspots: opinions grouped when a
    batch is released, the office's merge, move and split, the group listed as one problem, its
    look-back voted on through the receipts, one holder holding two of the group's receipts.
    Tried; it fails:
    - the commits that write the groups (the grouping, a merge, a move, a split) write no row of
      anyone but the office (its audit row), and no voter row;
    - a voter row goes only into a ballot batch of at least k voters;
    - 'one vote per person' across two receipts is kept in memory only: the holder leaves one
      voter row (receipt:<one of the two>), and no cell on disk or in the WAL names both of the
      holder's opinions, which would tell the operator they have one author."""
    from conftest import submit_opinion
    from forensics import Image, wal_commits
    from test_forensic_attacks import _join, _office
    from test_forensics import K, replay, watch_batches

    from jobs import lookbacks as lookback_job
    from jobs import opinion_batches
    from storage import hotspots, invitations, lookbacks, opinions, roster
    from storage.clock import clock, iso

    rows = (
        "姓名,科室,角色\n"
        + "".join(f"员工{n:02d},门诊部,职工\n" for n in range(K))
        + "王芳,组织人事科,活动办\n"
    )
    roster.apply(db, roster.parse(rows.encode()), None)
    codes = {
        i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    }
    people = [await _join(fast_client, codes, n) for n in range(K)]
    await _office(fast_client, codes)
    bots_db = fast_bot.db
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    observer = watch_batches(monkeypatch, db_path)
    receipts: dict[int, list[str]] = {p.id: [] for p in people}
    leak = "自行车棚的顶棚漏雨，车子都淋湿了"
    for n, person in enumerate(people):  # the first holds two receipts of the group
        for _ in range(2 if n == 0 else 1):
            receipts[person.id].append(
                await submit_opinion(person, f"{leak} {uuid.uuid4().hex[:6]}", department=None)
            )
            observer.copy()
    for n in range(3):  # another group, merged into the first by the office
        await submit_opinion(people[n + 1], f"车棚顶上漏雨了，下雨天车都湿透 {n}", department=None)
    await opinion_batches.release_to_office(fast_bot.app)
    observer.copy("released")
    groups = [r[0] for r in db.execute("select id from hotspot_groups order by id")]
    if len(groups) > 1:
        hotspots.merge(bots_db, groups[0], groups[1], office_id)
        observer.copy("merged")
    [group] = [r[0] for r in db.execute("select distinct group_id from hotspot_members")][:1]
    members = hotspots.members(bots_db, group)
    hotspots.split(bots_db, members[:2], office_id)
    observer.copy("split")
    moved = hotspots.move(bots_db, members[0], group, office_id)
    assert moved
    observer.copy("moved")
    everyone = sorted({r[0] for r in db.execute("select group_id from hotspot_members")})
    for other in everyone:
        if other != group:
            hotspots.merge(bots_db, group, other, office_id)
    observer.copy("merged back")
    problem_id, linked = hotspots.list_as_problem(bots_db, group, office_id)
    assert linked == K + 1 + 3
    yard = db.execute("select id from departments where name = '组织人事科'").fetchone()[0]
    db.execute(
        "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
        [yard, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(bots_db, problem_id, "30d", clock.now().date(), 14)
    lookback_job.ask(fast_bot.app, lookback)
    observer.copy("asked")
    first = people[0]
    card = await first.send(f"/receipt {receipts[first.id][0]}")
    await first.press("不满意", message=card[-1])
    second = await first.send(f"/receipt {receipts[first.id][1]}")
    assert "不满意" not in " ".join(second[-1].labels()), "one vote per person, however many receipts"
    for person in people[1:]:
        card = await person.send(f"/receipt {receipts[person.id][0]}")
        await person.press("满意", message=card[-1])
        observer.copy()
    observer.copy("end")

    commits = replay(observer, tmp_path)
    hotspot_tables = {"hotspot_groups", "hotspot_members"}
    grouping = [c for c in commits if any(t in hotspot_tables for t, _ in c.others)]
    assert len(grouping) >= 4, "the replay must see the grouping, the merges, the split and the move"
    for commit in grouping:
        naming = [
            (t, v)
            for t, v in commit.others
            if t not in hotspot_tables | {"audit", "problems", "problem_opinions"}
        ]
        assert not naming and not commit.voters and not commit.anonymous, naming[:3]
        audit = [v for t, v in commit.others if t == "audit"]
        assert all(office_id in v for v in audit)
    with_voters = [c for c in commits if c.voters]
    assert with_voters, "the replay must see the look-back's batch"
    for commit in with_voters:
        assert len(commit.voters) >= K and commit.anonymous
    # one voter row for the holder of two receipts; nothing on disk names their two opinions together
    keys = fast_bot.app.bot_data["keys"]
    hashes = [keys.receipt_hash(opinions.normalize_receipt(r)) for r in receipts[first.id]]
    [mine_one, mine_two] = [
        r[0] for r in db.execute("select id from opinions where receipt_hash in (?, ?)", hashes)
    ]
    voters = [
        r[0] for r in db.execute("select voter from lookback_voters where lookback_id = ?", [lookback.id])
    ]
    assert len(voters) == K
    assert sum(v in (f"receipt:{mine_one}", f"receipt:{mine_two}") for v in voters) == 1
    images = [Image.of_file(db_path)]
    for number, snapshot in enumerate(observer.snapshots):
        copied = tmp_path / f"pair{number}.db-wal"
        copied.write_bytes(snapshot.wal)
        base = tmp_path / f"pair{number}.db"
        base.write_bytes(snapshot.database)
        image = Image.of_file(base)
        images.append(image)
        images += [image.overlaid(c.frames) for c in wal_commits(copied)]
    # (the listing's audit row names every opinion of the group: the office's grouping, no author)
    grouped = [
        r[0] for r in db.execute("select opinion_id from problem_opinions where problem_id = ?", [problem_id])
    ]
    for image in images:
        for _, cell in image.all_cells():
            flat = " ".join(str(v) for v in cell.values)
            if mine_one in flat and mine_two in flat:
                assert all(o in flat for o in grouped), (
                    f"a cell names the holder's two opinions: {flat[:200]}"
                )


def test_no_file_of_a_backup_in_the_making_holds_an_opt_in_link(db, db_path, tmp_path, monkeypatch):
    """A backup is copied by VACUUM INTO, then the opt-in links are deleted from the copy. The
    attack: look into the backup folder at the moment that deletion commits (a crash there
    leaves what is in the folder; the prune removes a '.partial', not a '.partial-journal'). In
    rollback-journal mode the journal beside the copy held every page the deletion changed, as
    it was: the sealed links, which the operator unseals with the key. Worked before the fix; the
    copy's deletion now keeps its journal in memory (a copy that fails is thrown away anyway)."""
    import sqlite3

    from storage import backups

    sealed = f"gAAAAA{uuid.uuid4().hex}SEALEDCHAT"
    db.execute(
        "insert into opinions (id, anonymous, category, text, submitted_on, receipt_hash) "
        "values ('OPN1', 1, '其他', '候诊区', '2026-11-30', 'h')"
    )
    db.execute("insert into opinion_subscriptions values ('OPN1', ?)", [sealed])
    db.conn.commit()
    folder = tmp_path / "backups"
    seen: list[str] = []

    def look(sql: str) -> None:
        if sql.strip().upper().startswith(("COMMIT", "VACUUM")):
            for path in folder.iterdir():
                if (
                    path.is_file()
                    and sealed.encode() in path.read_bytes()
                    and not path.name.endswith(".partial")
                ):
                    seen.append(path.name)

    real_connect = sqlite3.connect

    def watched(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(look)
        return connection

    monkeypatch.setattr(backups.sqlite3, "connect", watched)
    copy = backups.take(db_path, folder, clock_now(), keep=3)
    assert sealed.encode() not in copy.read_bytes()
    assert not seen, f"{sorted(set(seen))} held the opt-in link while the backup was made"


def clock_now():
    from storage.clock import clock

    return clock.now()


def test_the_copy_a_restore_keeps_holds_no_opt_in_link(db, db_path, tmp_path):
    """A restore keeps the database it replaces beside it (the newest three). The attack: that
    copy was the file as it was, opt-in links included, while the restored database (a backup)
    has none: the holders' 不再通知我 then deletes nothing, and the sealed chats stay in the copy
    for as long as it is kept. Worked before the fix; the copy is now made as a backup is."""
    from storage import backups

    sealed = f"gAAAAA{uuid.uuid4().hex}SEALEDCHAT"
    db.execute(
        "insert into opinions (id, anonymous, category, text, submitted_on, receipt_hash) "
        "values ('OPN1', 1, '其他', '候诊区', '2026-11-30', 'h')"
    )
    db.execute("insert into opinion_subscriptions values ('OPN1', ?)", [sealed])
    db.conn.commit()
    backup = backups.take(db_path, tmp_path / "backups", clock_now(), keep=3)
    db.close()
    kept = backups.restore(backup, db_path, clock_now())
    assert kept is not None and kept.exists()
    assert sealed.encode() not in kept.read_bytes(), "the replaced database's copy holds the link"
    import sqlite3

    check = sqlite3.connect(kept)
    try:
        assert check.execute("select count(*) from opinions").fetchone()[0] == 1  # the rest is kept
    finally:
        check.close()


async def test_the_chat_keeps_no_trace_of_using_the_box_or_writing_back(running_bot, client, invited, server):
    """The attack on dates: an opinion carries its day, a write-back its day, and write-backs are
    few. What the flows left in the chat (the /opinion that opened the box and the step it was
    edited into; 请输入要告诉活动办的话 and 已发送 of a write-back) said nothing of the words, but
    forwardMessage gives each its date: the members who wrote back on the days an opinion's
    write-backs carry are its holder. Worked before the fix; they now leave with the draft and
    with the card."""
    from conftest import submit_opinion

    staff = await join(client, invited, 101, "张伟")
    thief = await client.user(666, "token holder")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await staff.press("我已保存")
    await staff.send(f"/receipt {receipt}")
    await staff.press("回复活动办")
    await staff.send("补充：二楼也一样")
    await staff.press("看完了")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    traces = ["/opinion", "意见内容", "告诉活动办", "已发送"]
    assert not [text for text in copied if any(t in text for t in traces)], copied
