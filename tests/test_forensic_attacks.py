"""Attacks of a hostile operator who holds the database, its WAL, the key and the token, each
read with the forensic reader (tests/forensics.py) as test_forensics reads them: the real bot,
driven as people use it, copied commit by commit.

- A rating sheet's batch mixed the roster's raters and the rating slips' holders, and every
  ballot row carries its group (staff / slip): a batch of one rater and four slips wrote that
  rater's whole ballot as the only 'staff' rows, beside their voter row.
- Reminders went to those neither on the voters list nor waiting in the mixing pool: the outbox
  then named who was waiting, and what was left at the close was theirs (rating sheets and
  questionnaires).
- A questionnaire for staff and the public mixed the roster's respondents and the public link's
  in one batch: four answers planted through the link (free Telegram accounts) around one
  member wrote that member's name beside five answer sets, four of them known.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from forensics import Image
from test_forensics import K, replay, watch_batches

from jobs import sweeper
from storage import anonymous_pool, evaluations, invitations, roster
from storage.clock import clock

STAFF = 6
FIRST_ID = 7_640_000_001
ROSTER = (
    "姓名,科室,角色\n"
    + "".join(f"员工{n:02d},门诊部,职工\n" for n in range(STAFF))
    + "王芳,组织人事科,活动办\n李娜,院办,班子成员\n"
)


@pytest.fixture
def codes(db):
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    return {i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)}


async def _join(fast_client, codes, n: int):
    person = await fast_client.user(FIRST_ID + n, f"u{n}")
    await person.send(f"/start {codes[f'员工{n:02d}']}")
    return person


async def _office(fast_client, codes):
    office = await fast_client.user(FIRST_ID + 100, "王芳")
    await office.send(f"/start {codes['王芳']}")
    return office


async def _open_sheet(office, monkeypatch, slips: int = 0) -> tuple[int, list[str]]:
    preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
    sheet = await office.press("确认发出", message=preview[-1])
    sheet_id = int(re.search(r"#(\d+)", sheet[-1].text)[1])
    made: list[str] = []  # the codes are on the paper only: read them as they are made
    real_issue = evaluations.issue_slips
    monkeypatch.setattr(evaluations, "issue_slips", lambda *a, **k: made.extend(real_issue(*a, **k)) or made)
    if slips:
        await office.send(f"/slips {sheet_id} {slips}")
        assert len(made) == slips
    return sheet_id, made


async def _rate(person, grade: str) -> None:
    await person.send("/evaluate")
    await person.press("民主评议")
    for _ in range(5):
        await person.press(grade)
    await person.press("提交")
    assert "已提交" in (await person.callback_answer())["text"]  # a pop-up: the chat stays as it was


async def _rate_with_slip(fast_client, n: int, code: str) -> None:
    holder = await fast_client.user(FIRST_ID + 700 + n, f"rep{n}")
    await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    for _ in range(5):
        await holder.press("好")
    await holder.press("提交")
    assert "已提交" in (await holder.callback_answer())["text"]  # a pop-up: the chat stays as it was


async def test_a_batch_never_holds_fewer_than_k_of_a_group_whose_ballots_it_marks(
    fast_bot, fast_client, codes, db, db_path, tmp_path, monkeypatch
):
    """The attack: one rater of the roster, then four slip holders. Every ballot row says its
    group; a commit that wrote one voter row and 'staff' rows wrote that person's ballot. For
    each group whose ballots a commit writes beside voters, at least k of that group's voters
    must be in it, or the rows of the group are one (or a few) people's, named."""
    sheet_id, slips = await _open_sheet(await _office(fast_client, codes), monkeypatch, slips=5)
    staff = [await _join(fast_client, codes, n) for n in range(5)]
    observer = watch_batches(monkeypatch, db_path)
    await _rate(staff[0], "差")  # the one the operator wants
    for n in range(4):
        await _rate_with_slip(fast_client, n, slips[n])
    for person in staff[1:]:
        await _rate(person, "较好")
    await _rate_with_slip(fast_client, 4, slips[4])
    observer.copy("end")

    commits = replay(observer, tmp_path)
    grp = [c.name for c in db["evaluation_ballots"].columns].index("grp")
    batches = [c for c in commits if any(t == "evaluation_ballots" for t, _ in c.anonymous)]
    assert batches, "the replay must see the batches it checks"
    names = {r[0]: r[1] for r in db.execute("select id, name from people")}
    for commit in batches:
        if not commit.voters:
            continue
        voters = {
            "staff": [c.values[1] for t, c in commit.voters if t == "evaluation_voters"],
            "slip": [c.values[0][:8] for t, c in commit.voters if t == "evaluation_slips"],
        }
        groups = {c.values[grp] for t, c in commit.anonymous if t == "evaluation_ballots"}
        for group in sorted(groups, key=lambda g: g != "staff"):
            alone = [names[v] for v in voters[group]] if group == "staff" else voters[group]
            assert len(voters[group]) >= K, (
                f"the {group} rows of this batch are the ballots of {alone} alone, written beside them"
            )
    assert (
        db.execute("select count(*) from evaluation_voters where sheet_id = ?", [sheet_id]).fetchone()[0] == 5
    )
    assert db.execute("select count(*) from evaluation_slips where used = 1").fetchone()[0] == 5


def _outbox_person_ids(image: Image, dedup_prefix: str) -> set[int]:
    """The people an outbox row in the file names under this dedup key (its rows as the
    reader finds them: person_id and dedup_key by their place in the table's columns)."""
    sql = next(r["sql"] for r in image.schema() if r["type"] == "table" and r["name"] == "outbox")
    columns = [c.strip().split()[0] for c in sql[sql.index("(") + 1 :].split(",\n")]
    person, dedup = columns.index("person_id"), columns.index("dedup_key")
    return {
        cell.values[person]
        for cell in image.rows("outbox")
        if isinstance(cell.values[dedup], str) and cell.values[dedup].startswith(dedup_prefix)
    }


async def test_reminders_do_not_name_who_waits_in_the_pool(
    fast_bot, fast_client, codes, db, db_path, tmp_path, monkeypatch
):
    """The attack: one person rates early; the half-time reminder goes to those who have not
    rated. The operator takes everyone asked, removes the voters list and those the reminder
    named: who is left waits in the mixing pool, and what the close writes without voters is
    theirs. Read from the file's pages after the reminder: nobody may be left over."""
    sheet_id, _ = await _open_sheet(await _office(fast_client, codes), monkeypatch)
    people = [await _join(fast_client, codes, n) for n in range(STAFF)]
    await _rate(people[0], "差")
    sheet = evaluations.get(db, sheet_id)
    clock.travel_to(sheet.opens_at + (sheet.closes_at - sheet.opens_at) / 2 + timedelta(hours=12))
    await sweeper.sweep_app(fast_bot.app)  # the half-time reminder
    db.execute("pragma wal_checkpoint(truncate)")  # the reader reads the file
    image = Image.of_file(db_path)

    asked = {p.id for p in evaluations.eligible(db, sheet)}
    written = {c.values[1] for c in image.rows("evaluation_voters") if c.values[0] == sheet_id}
    reminded = _outbox_person_ids(image, f"evaluation:{sheet_id}:half:")
    assert reminded, "the reminder must have been queued"
    left = asked - written - reminded
    names = {r[0]: r[1] for r in db.execute("select id, name from people")}
    assert not left, f"{[names[p] for p in left]} waits in the pool, and the close writes their ballot"

    # The one who waits is told nothing wrong, and cannot rate twice.
    reminder = await people[0].wait_for("不必再评")
    await people[0].press("开始评议", message=reminder)
    assert "已经参加过" in (await people[0].callback_answer())["text"]  # a pop-up: nothing in her chat
    clock.travel_to(sheet.closes_at + timedelta(minutes=1))
    await sweeper.sweep_app(fast_bot.app)  # the close: the one ballot is written, without its voter
    assert (
        db.execute("select count(*) from evaluation_voters where sheet_id = ?", [sheet_id]).fetchone()[0] == 0
    )
    assert (
        db.execute(
            "select count(*) from evaluation_ballots where sheet_id = ? and grade = '差'", [sheet_id]
        ).fetchone()[0]
        == 5
    )


async def test_survey_reminders_do_not_name_who_waits_in_the_pool(fast_bot, fast_client, codes, db, db_path):
    """The same attack on a questionnaire: one person answers early; the half-time reminder
    must not leave them out."""
    from storage import people as storage_people
    from storage import surveys

    office = await _office(fast_client, codes)
    survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    people = [await _join(fast_client, codes, n) for n in range(STAFF)]
    [found] = surveys.open_surveys(db)
    # answered as the button's flow answers (that flow, driven in this fast tier, trips on
    # answering its button twice: a fake-API difference from test_questionnaires' HTTP tier)
    early = storage_people.by_telegram_user(db, people[0].id)
    choice, text = found.questions
    bots_db = fast_bot.app.bot_data["db"]  # its pool, not a pool of the test's own connection
    surveys.submit(
        bots_db, found.id, early, {choice.position: "0", text.position: "建议"}, clock.now().date()
    )
    assert not surveys.respondent_count(db, found.id), "the answer waits in the pool"
    clock.travel_to(found.opens_at + (found.closes_at - found.opens_at) / 2 + timedelta(hours=12))
    await sweeper.sweep_app(fast_bot.app)  # the half-time reminder
    db.execute("pragma wal_checkpoint(truncate)")
    image = Image.of_file(db_path)

    asked = {p.id for p in surveys.eligible(db, found)}
    written = {c.values[1] for c in image.rows("survey_respondents") if c.values[0] == found.id}
    reminded = _outbox_person_ids(image, f"survey:{found.id}:half:")
    assert reminded, "the reminder must have been queued"
    names = {r[0]: r[1] for r in db.execute("select id, name from people")}
    left = asked - written - reminded
    assert not left, f"{[names[p] for p in left]} waits in the pool, and the close writes their answers"
    reminder = await people[0].wait_for("不必再填")
    await people[0].press("开始填写", message=reminder)
    assert "已经参加过" in (await people[0].callback_answer())["text"]


async def test_the_checkpointer_keeps_no_batch_beside_a_person(
    fast_bot, fast_client, codes, db_path, tmp_path, monkeypatch
):
    """The production checkpointer (storage.db.Checkpointer, which bot.serve starts and the
    harness does not) folds the WAL every round and never cuts it, so frames of earlier rounds
    stay in the file behind the current ones. The attack: hold the pool's cut back (the round's
    lock held, as a long round at full size does), let people join while the batch's commit is
    in the WAL and the rounds fold it, and read every copy of the WAL, stale frames included.
    Tried; it fails: the batch's commit is a round of its own (the older rounds behind it are
    earlier commits, people joining), the next commit writes over it once it is folded, no
    frame holds a marker and a person's id, and the sweeper's cut leaves no frame of it."""
    import threading

    from conftest import submit_opinion
    from forensics import wal_commits
    from test_forensics import ANONYMOUS_TABLES

    from storage.db import Checkpointer, checkpointing

    app = fast_bot.app
    checkpoints = Checkpointer(fast_bot.db, seconds=0.01).start()
    try:
        people = [await _join(fast_client, codes, n) for n in range(K)]
        observer = watch_batches(monkeypatch, db_path)
        markers = [f"MARK{uuid.uuid4().hex}" for _ in range(K)]
        round_lock = checkpointing(db_path)
        held = threading.Event()

        def long_round() -> None:  # a checkpoint round that outlasts the pool's wait
            with round_lock:
                held.set()
                threading.Event().wait(0.5)

        for n, marker in enumerate(markers):
            if n == K - 1:
                threading.Thread(target=long_round, daemon=True).start()
                held.wait()
            await submit_opinion(people[n], f"意见 {marker}")
            observer.copy()
        assert anonymous_pool.pool_for(fast_bot.db).unsettled, "the cut must have been held back"
        threading.Event().wait(0.6)  # the long round ends; the next rounds fold the batch in
        for n in range(K, STAFF):  # people join (rows that name them) while the batch is in the WAL
            await _join(fast_client, codes, n)
            observer.copy()
            threading.Event().wait(0.05)  # rounds fold it; the WAL starts over from its start
            observer.copy()
        await _office(fast_client, codes)
        observer.copy()
        await sweeper.sweep_app(app)  # the cut the pool could not make
        observer.copy("end")
    finally:
        checkpoints.stop()

    commits = replay(observer, tmp_path)
    with_items = [c for c in commits if c.anonymous]
    assert with_items, "the replay must see the batch"
    for commit in with_items:
        assert not commit.others and not commit.voters, f"the batch wrote {commit.others[:3]}"
        assert {t for t, _ in commit.anonymous} <= ANONYMOUS_TABLES
    # what the copies show: the batch's commit alone in a new round of the WAL (the rounds
    # before it left behind it, stale: people joining), then written over by the next commit
    # once a round has folded it, before the sweeper's cut
    held_batch = []
    for number, snapshot in enumerate(observer.snapshots):
        copied = tmp_path / f"copy{number}.db-wal"
        copied.write_bytes(snapshot.wal)
        held_batch.append(any(b"MARK" in p for c in wal_commits(copied) for p in c.frames.values()))
    assert any(held_batch), "the copies must see the batch in the WAL"
    wal = db_path.with_name(db_path.name + "-wal")
    left = [c for c in wal_commits(wal) for page in c.frames.values() if b"MARK" in page]
    assert not left, "the cut leaves no frame of the batch"
    ids = [p.id.to_bytes(8, "big") for p in people] + [str(p.id).encode() for p in people]
    for snapshot in observer.snapshots:
        raw = snapshot.wal[32:]
        frames = [raw[i : i + 24 + 4096] for i in range(0, len(raw), 24 + 4096)]
        for frame in frames:
            if any(m.encode() in frame for m in markers):
                assert not any(form in frame for form in ids), "a frame holds a marker and a user id"


@pytest.mark.parametrize("first", ["receipt", "staff"])
async def test_a_holder_asked_as_staff_votes_once_whichever_button_comes_first(
    running_bot, client, invited, db, first
):
    """A look-back asks the departments its problem's opinions are about, not only the one that
    fixed it. A holder in such a department is asked as staff and also sees the vote under their
    receipt: the receipt's vote was counted as the opinion's (receipt:…) because the holder was
    not of the fixing department, and the staff vote after it as the person's: two ballots, one
    person (the README's promise: in place of, never beside, their staff vote)."""
    from test_lookback_after_close import holder_of_a_lookback

    from jobs import lookbacks as lookback_job
    from storage import lookbacks

    # 张伟 is of 门诊部, which the opinion is about; 院办 fixed it
    staff, receipt, lookback = await holder_of_a_lookback(running_bot, client, invited, db)
    lookback_job.ask(running_bot.app, lookback)  # the electorate: 院办 and 门诊部
    person = db.execute("select id from people where name = '张伟'").fetchone()[0]
    assert lookbacks.asks(db, lookback.id, next(p for p in _everyone(db) if p.id == person))

    card = await staff.send(f"/receipt {receipt}")
    if first == "receipt":
        await staff.press("不满意", message=card[-1])
        await staff.press_data(card[-1].message_id, f"lbv:{lookback.id}:unsatisfied")
    else:
        await staff.press_data(card[-1].message_id, f"lbv:{lookback.id}:unsatisfied")
        await staff.press("不满意", message=card[-1])
    answer = (await staff.callback_answer()) or {}
    pool = anonymous_pool.pool_for(running_bot.db)
    waiting = pool.lookbacks[lookback.id].voters
    assert len(waiting) == 1, f"one person, two ballots: {sorted(waiting)}"
    assert "已经投过票" in answer.get("text", "")


def _everyone(db):
    from storage import people

    return people.everyone(db)


async def test_logs_at_debug_name_nobody_in_the_anonymous_flows(running_bot, client, codes, caplog):
    """LOG_LEVEL=DEBUG, the bot's own loggers and every library's (quieted as bot.serve quiets
    them): people submit, write back, rate and vote, and no record of the whole run (its message
    or its arguments) carries the id of anyone who did, in any form an id is written."""
    import logging

    from conftest import submit_opinion

    import bot

    bot.quiet_libraries()
    caplog.set_level(logging.DEBUG)
    office = await client.user(FIRST_ID + 100, "王芳")
    await office.send(f"/start {codes['王芳']}")
    preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
    await office.press("确认发出", message=preview[-1])
    people = []
    for n in range(K):
        person = await client.user(FIRST_ID + n, f"u{n}")
        await person.send(f"/start {codes[f'员工{n:02d}']}")
        people.append(person)
    caplog.clear()  # joining names people, as it should (person N joined): not an anonymous act
    for person in people:
        receipt = await submit_opinion(person, "候诊区座椅不足，老人站着等")
        await person.send(f"/receipt {receipt}")
        await person.press("回复活动办")
        await person.send("补充：二楼也一样")
        await _rate(person, "较好")
    from jobs import opinion_batches

    await opinion_batches.release_to_office(running_bot.app)  # the batch, grouped: it logs
    await sweeper.sweep_app(running_bot.app)
    ids = [str(p.id) for p in people]
    logged = [(r.name, r.getMessage() + " " + str(r.args)) for r in caplog.records]
    assert any(name.startswith(("jobs", "storage", "handlers")) for name, _ in logged), logged[:5]
    named = [(name, text) for name, text in logged if any(i in text for i in ids)]
    assert not named, named[:3]


@pytest.mark.parametrize("ends", ["holder mutes", "office closes"])
async def test_a_deleted_link_is_in_no_file(fast_bot, fast_client, codes, db, db_path, ends):
    """The opt-in link (the holder's chat, sealed under the key the operator holds) is deleted
    when its holder turns notices off or the opinion is closed: "已关闭通知，联系记录已删除". The
    attack: the operator with the key reads the files after the deletion. secure_delete wipes
    the row in its page, but the WAL still held the page as the opt-in's commit wrote it, until
    the next anonymous batch cut it (days, when no opinion comes): unsealed, the chat of a
    holder who had been told the link was gone."""
    from conftest import submit_opinion

    from jobs import opinion_batches
    from storage import opinions

    person = await _join(fast_client, codes, 0)
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    receipt = await submit_opinion(person, "候诊区座椅不足")
    await opinion_batches.release_to_office(fast_bot.app)  # written, and the WAL cut
    await person.send(f"/receipt {receipt}")
    await person.press("有回复时通知我")
    await person.press("我了解，开启通知")
    [(opinion_id, sealed)] = db.execute(
        "select opinion_id, sealed_chat from opinion_subscriptions"
    ).fetchall()
    keys = fast_bot.app.bot_data["keys"]
    assert keys.unseal(sealed) == str(person.id)  # what the operator would read
    for n in range(1, 3):  # life goes on: people join, the WAL grows behind the link's commit
        await _join(fast_client, codes, n)
    if ends == "holder mutes":
        await person.send(f"/receipt {receipt}")
        assert "联系记录已删除" in (await person.press("不再通知我"))[-1].text
    else:
        opinions.close(fast_bot.db, opinion_id, office_id, "已解决", clock.now().date())
    assert not db.execute("select count(*) from opinion_subscriptions").fetchone()[0]
    wal = db_path.with_name(db_path.name + "-wal")
    for path in (db_path, wal):
        if path.exists():
            assert sealed.encode() not in path.read_bytes(), f"the deleted link is still in {path.name}"


async def test_hotspot_rows_keep_no_order_of_arrival(fast_bot, fast_client, codes, db, db_path):
    """The attack on the hotspot tables: opinions about one problem come in one by one; their
    group's membership rows are read in the order their cells were written (a page's cells are
    written from its end: a lower offset is written later), hoping for the order of arrival,
    which the WAL's timeline could tie to who was using the bot. Tried; it fails: the grouping
    runs only when a batch is released, over the batch in the order of the opinions' random ids,
    so the rows are written in key order, and the groups' ids are random too."""
    from conftest import submit_opinion

    from jobs import opinion_batches

    people = [await _join(fast_client, codes, n) for n in range(STAFF)]
    office = await _office(fast_client, codes)
    arrivals = []
    for n in range(2 * STAFF):
        marker = f"M{n:02d}X"
        await submit_opinion(people[n % STAFF], f"自行车棚的顶棚漏雨，车子都淋湿了 {marker}")
        arrivals.append(marker)
    await opinion_batches.release_to_office(fast_bot.app)
    assert "12 条" in " ".join(m.text or "" for m in await office.send("/hotspots"))
    db.execute("pragma wal_checkpoint(truncate)")
    image = Image.of_file(db_path)
    texts = {c.values[0]: c.values[5] for c in image.rows("opinions")}
    cells = sorted(image.rows("hotspot_members"), key=lambda c: (c.page, -c.offset))  # as written
    written = [c.values[0] for c in cells]
    assert len(written) == len(arrivals)
    order = [next(n for n, m in enumerate(arrivals) if m in texts[o]) for o in written]
    assert order != sorted(order), "the membership rows keep the order of arrival"
    assert written == sorted(written), "the rows are written in the order of their random keys"
    assert len({c.values[1] for c in cells}) == 1  # one group, one random id


async def test_guests_cannot_fill_a_batch_around_one_respondent_of_the_roster(
    fast_bot, fast_client, codes, db, db_path
):
    """The n-1 attack on a questionnaire sent to staff and the public: one member of the staff
    answers and waits in the pool; the operator answers four times through the public link
    (four Telegram accounts cost nothing; a restart lets the same four answer again). The batch
    of five then wrote the member's name in survey_respondents beside five answer sets, four of
    them the operator's own: what is left is the member's. A batch that names anyone of the
    roster must hold k of the roster's answers, as a rating sheet's staff and slips do."""
    from storage import people as storage_people
    from storage import surveys

    office = await _office(fast_client, codes)
    survey = await office.send(
        "/survey 食堂调查 | 7天 | 门诊部 群众\n1. 单选：满意吗？｜是/否\n2. 文字：建议"
    )
    assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
    people = [await _join(fast_client, codes, n) for n in range(STAFF)]
    [found] = surveys.open_surveys(db)
    assert found.public_code
    choice, text = found.questions
    bots_db = fast_bot.app.bot_data["db"]
    today = clock.now().date()
    member = storage_people.by_telegram_user(db, people[0].id)
    surveys.submit(bots_db, found.id, member, {choice.position: "1", text.position: "员工的真心话"}, today)
    planted = [f"operator-account-{n}" for n in range(K - 1)]  # the guests' keyed hashes, as the flow makes
    for voter in planted:
        surveys.submit_public(bots_db, found.id, voter, {choice.position: "0", text.position: "已知"}, today)
    named = [
        r[0] for r in db.execute("select person_id from survey_respondents where survey_id = ?", [found.id])
    ]
    written = [
        r[0]
        for r in db.execute(
            "select value from survey_answers where survey_id = ? and question = ?", [found.id, text.position]
        )
    ]
    assert not named or len(named) >= K, (
        f"a batch named {len(named)} of the roster beside {len(written)} answers, "
        f"{len(planted)} of them the operator's: {sorted(set(written) - {'已知'})} is the member's"
    )
    # the roster's own k still make a batch; the guests' answers make theirs; the close writes the rest
    for person in people[1:K]:
        surveys.submit(
            bots_db,
            found.id,
            storage_people.by_telegram_user(db, person.id),
            {choice.position: "0", text.position: "好"},
            today,
        )
    named = [
        r[0] for r in db.execute("select person_id from survey_respondents where survey_id = ?", [found.id])
    ]
    assert len(named) == K
    assert surveys.has_answered(bots_db, found.id, member.id)
    assert anonymous_pool.pool_for(bots_db).has_answered(found.id, planted[0])
    surveys.submit_public(bots_db, found.id, "one-more-guest", {choice.position: "0"}, today)
    assert surveys.respondent_count(db, found.id) == 2 * K
    surveys.conclude(bots_db, found.id)
    assert surveys.respondent_count(db, found.id) == 2 * K


async def test_nothing_on_disk_or_in_the_logs_names_a_guest(
    fast_bot, fast_client, codes, db, db_path, caplog
):
    """The public's side, read by the operator: a guest from the lobby poster submits, follows
    the receipt and writes back, and answers a questionnaire through its public link, with the
    logs at DEBUG. Tried; it fails: the guest's Telegram id is in no log record, and neither in
    the database file nor its WAL in any form SQLite writes an integer (big-endian, 1 to 8
    bytes: here 6 and 8) or as text, so no conversation state, user data, outbox row, rate
    count or guest placement of theirs reached the disk."""
    import logging

    from test_public_box import guest_submits, open_box

    import bot
    from jobs import opinion_batches
    from storage import surveys

    bot.quiet_libraries()
    office = await _office(fast_client, codes)
    code = await open_box(office)
    survey = await office.send("/survey 候诊体验 | 7天 | 群众\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
    link = re.search(
        r"start=(survey_[0-9a-f]{12})", (await office.press("确认发出", message=survey[-1]))[-1].text
    )[1]
    caplog.set_level(logging.DEBUG)
    guest_id = 7_777_123_457
    guest = await fast_client.user(guest_id, "病人家属")
    receipt = await guest_submits(guest, code, "挂号窗口只开一个，排队一小时")
    await opinion_batches.release_to_office(fast_bot.app)
    await guest.send(f"/receipt {receipt}")
    await guest.press("继续留言")
    await guest.send("补充：周一早上最严重")
    await guest.send(f"/start {link}")
    await guest.press("是")
    await guest.send("多开几个窗口")
    await guest.press("只作为问卷回答")
    await guest.press("提交")
    assert "谢谢" in (await guest.callback_answer())["text"]
    assert surveys.respondent_count(db, surveys.by_public_code(db, link).id) == 0, "waits for k guests"
    await sweeper.sweep_app(fast_bot.app)
    logged = [r.getMessage() + " " + str(r.args) for r in caplog.records]
    assert logged, "DEBUG logging ran"
    assert not [line for line in logged if str(guest_id) in line]
    forms = [str(guest_id).encode(), guest_id.to_bytes(6, "big"), guest_id.to_bytes(8, "big")]
    wal = db_path.with_name(db_path.name + "-wal")
    files = {path.name: path.read_bytes() for path in (db_path, wal) if path.exists()}
    office_id = (FIRST_ID + 100).to_bytes(6, "big")
    assert any(office_id in content for content in files.values()), "the reader finds an id that is written"
    for name, content in files.items():
        assert not [f for f in forms if f in content], f"the guest's id is in {name}"


# ---- message ids in the persisted user data --------------------------------------------------


def _persisted_ints(db_path, user_id: int) -> list[int]:
    """Every integer in what the file holds of this person's user and chat data (bot_state,
    read from the pages after the persistence wrote and the WAL was folded)."""
    import json

    found: list[int] = []

    def walk(value) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for cell in Image.of_file(db_path).rows("bot_state"):
        _, ident, data = cell.values[:3]
        if ident == str(user_id) and isinstance(data, str):
            walk(json.loads(data))
    return found


async def _persisted(app, db) -> None:
    await app.update_persistence()  # the fast tier's application is not started: no timer does it
    await app.persistence.flush()
    db.execute("pragma wal_checkpoint(truncate)")


async def test_no_message_id_of_a_persons_chat_is_in_the_persisted_user_data(
    fast_bot, fast_client, codes, db, db_path
):
    """The attack of the outbox's message ids (fixed in 13ace90), on the persisted user data:
    the office taps 向群众公开台账 on its /poster reply and the bot kept [chat, message] of that
    reply in user_data, which the persistence writes to bot_state within a second (and keeps
    as long as the question is not confirmed). Two such ids of one chat, read at two moments,
    count the messages between them, those of the anonymous flows included (a deleted message
    keeps its number): with a release batch of one opinion in that window, the office member
    who wrote it. Read from the file: no integer of their persisted data is a message id of
    their chat."""
    from test_public_box import open_box

    office = await _office(fast_client, codes)
    await open_box(office)
    status = office.inbox[-1]
    asked = await office.press("向群众公开台账", message=status)
    assert "任何拿到意见箱链接的人" in asked[-1].text  # the question, left unanswered
    await _persisted(fast_bot.app, db)
    held = _persisted_ints(db_path, office.id)
    where = [n for n in held if n in (office.id, status.message_id)]
    assert not where, f"the office's chat and the /poster reply's message id on disk: {held}"

    # the question answered: the /poster reply above still says what is now true
    await office.press("确认公开", message=asked[-1])
    assert "已向群众公开" in next(m for m in office.inbox if m.message_id == status.message_id).text


def test_message_ids_written_before_leave_the_user_data(db):
    """What versions before this one wrote: the ids leave, the rest of each entry stays."""
    import json

    from storage.migrations import m350_no_message_ids_in_user_data

    rows = {
        "1": {"ledger_status": [1, 41]},
        "2": {"order_return": [7, 2, 42], "held": {"/lookback": "3"}},
        "3": {"upward_return": [5, 9, 3, 43]},
        "4": {"inbox_opinion": "ABC"},
        "5": {"listing": {"opinion": "ABC", "title": "车棚", "card": 44}},
    }
    for ident, data in rows.items():
        db.execute("insert into bot_state (kind, id, data) values ('user', ?, ?)", [ident, json.dumps(data)])
    m350_no_message_ids_in_user_data(db)
    left = {r[0]: json.loads(r[1]) for r in db.execute("select id, data from bot_state where kind = 'user'")}
    assert left == {
        "2": {"order_return": [7], "held": {"/lookback": "3"}},
        "3": {"upward_return": [5, 9]},
        "4": {"inbox_opinion": "ABC"},
        "5": {"listing": {"opinion": "ABC", "title": "车棚"}},
    }


async def test_a_supervisors_question_leaves_no_message_id_on_disk(fast_bot, fast_client, db_path):
    """The same attack on 督导: ↩️ 退回重报 kept [request, institution, chat, message] in the
    supervisor's user data while the reason was awaited. Read from the file: none of those
    integers is a message id of the supervisor's chat, and the arrival is still edited once the
    reason is given."""
    from test_supervision import confirmed, county, everyone_joins, view

    from jobs import institutions
    from storage import upward_reports

    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor, office_a = people["周督导"], people["甲办"]
    due = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date() + timedelta(days=3)
    await confirmed(supervisor, f"/askreport {due.isoformat()} 整改落实情况专题报告")
    preview = await office_a.press("报送本单位综合报告", message=await office_a.wait_for("上级要求报送"))
    await office_a.press("确认报送", message=preview[-1])
    arrived = await supervisor.wait_for("甲医院报送了")
    assert "请写下退回甲医院" in (await supervisor.press("退回重报", message=arrived))[-1].text
    await _persisted(fast_bot.app, fast_bot.db)
    held = _persisted_ints(db_path, supervisor.id)
    request = upward_reports.recent(fast_bot.db)[0]
    assert request.id in held, "the request waiting for its reason is persisted (a restart keeps the step)"
    unit = institutions.institution_of(view(fast_bot, "甲医院")).id
    assert arrived.message_id not in (request.id, unit), "the test tells the ids apart"
    where = [n for n in held if n in (supervisor.id, arrived.message_id)]
    assert not where, f"the supervisor's chat and the arrival's message id on disk: {held}"

    await supervisor.send("整改措施不具体，请逐条写明责任人和时限。")
    await supervisor.send("5个工作日")  # the day it is due again
    edited = next(m for m in supervisor.inbox if m.message_id == arrived.message_id)
    assert "已退回甲医院" in edited.text and edited.labels() == ["📄 查看"]  # edited: decided


async def test_listing_an_opinion_leaves_no_message_id_on_disk(fast_bot, fast_client, codes, db, db_path):
    """The same attack on the office's daily work: 📋 列为问题 on an inbox card kept the card's
    message id in the listing's user data (to take its buttons away once listed), one more id of
    the office's chat on disk for every opinion listed. Read from the file: not there; and the
    card still loses 列为问题 once the problem is listed."""
    from conftest import submit_opinion

    from jobs import opinion_batches

    office = await _office(fast_client, codes)
    await submit_opinion(await _join(fast_client, codes, 0), "车棚顶棚漏雨，自行车都淋湿了")
    await opinion_batches.release_to_office(fast_bot.app)
    card = next(m for m in reversed(await office.send("/inbox")) if "📋 列为问题" in m.labels())
    assert "标题" in (await office.press("📋 列为问题", message=card))[-1].text
    await _persisted(fast_bot.app, db)
    held = _persisted_ints(db_path, office.id)
    where = [n for n in held if n in (office.id, card.message_id)]
    assert not where, f"the office's chat and the card's message id on disk: {held}"

    await office.press("使用建议的标题")
    for _ in range(4):  # kind, horizon, department, and 确认 (whatever the steps ask, the first choice)
        shown = office.inbox[-1]
        if "确认" in " ".join(shown.labels()):
            await office.press("确认", message=shown)
            break
        await office.press(shown.labels()[0], message=shown)
    assert "已列为问题" in office.inbox[-1].text, office.inbox[-1].text
    now = next(m for m in office.inbox if m.message_id == card.message_id)
    assert "📋 列为问题" not in now.labels()


async def test_no_chat_says_who_rated_so_the_ballot_left_at_the_close_names_nobody(
    fast_bot, fast_client, codes, db, monkeypatch
):
    """The attack of test_forensic_lookbacks on a rating sheet: one rater of six, whose ballot
    the close writes without its voter (fewer than k). The operator copies every asked chat
    (what copyMessage copies: each message still there, by its id): the one whose chat says
    已提交 cast the one ballot on disk."""
    sheet_id, _ = await _open_sheet(await _office(fast_client, codes), monkeypatch)
    people = [await _join(fast_client, codes, n) for n in range(STAFF)]
    await _rate(people[0], "差")
    sheet = evaluations.get(db, sheet_id)
    clock.travel_to(sheet.closes_at + timedelta(minutes=1))
    await sweeper.sweep_app(fast_bot.app)  # the close: one ballot, without its voter
    assert db.execute("select count(*) from evaluation_voters").fetchone()[0] == 0
    submitted = "已提交"  # the thanks, old (已提交《…》的评议) or new (✅ 已提交，谢谢)
    for n, person in enumerate(people):
        chat = fast_bot.api.chats[person.id].messages.values()
        said = [m.get("text") or "" for m in chat if submitted in (m.get("text") or "")]
        assert not said, f"员工{n:02d}'s chat says she rated: the ballot of 差 on disk is hers"
