"""The promise read at the byte level, as a hostile operator would: the database file, every
commit of its WAL (copied as often as the bot writes, and right before each checkpoint), and a
backup, parsed by tests/forensics.py; people join, submit, write back, vote and rate through
the real bot, interleaved, while the sweeper runs.

What must hold:
- no WAL commit that writes an anonymous item (opinion, write-back, look-back ballot, evaluation
  ballot) writes anything else, except the voter rows of a ballot batch, and those only when
  there are at least k = ANONYMITY_SET of them;
- the order of anonymous items, in their pages and in the WAL, is not the order they came in;
- look-back voters and ballots cannot be paired by their places;
- the opt-in link carries no time and is not in a backup.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from conftest import submit_opinion
from forensics import Image, wal_commits

from jobs import lookbacks as lookback_job
from jobs import opinion_batches, sweeper
from storage import anonymous_pool, backups, evaluations, invitations, lookbacks, problems, public_box, roster
from storage.clock import clock, iso

K = 5
STAFF = 10
FIRST_ID = 7_420_000_001
ANONYMOUS_TABLES = {
    "opinions",
    "opinion_photos",
    "opinion_messages",
    "lookback_ballots",
    "evaluation_ballots",
    "survey_answers",
}
# a rating slip (评议票) marked used is its holder's voter row
VOTER_TABLES = {"lookback_voters", "evaluation_voters", "survey_respondents", "evaluation_slips"}
# Written with the batch of its opinion when asked for before it; it names its holder (sealed),
# by the holder's informed choice, and nobody else.
NEUTRAL_TABLES = {"sqlite_master", "opinion_subscriptions"}


@dataclass
class Snapshot:
    label: str
    database: bytes
    wal: bytes


@dataclass
class Observer:
    """Copies the database and its WAL whenever they change, as an operator with the files
    could; the bot runs on the same event loop, so every copy falls between two commits."""

    db_path: object
    snapshots: list[Snapshot] = field(default_factory=list)
    last: bytes = b""

    def copy(self, label: str = "") -> None:
        wal_path = self.db_path.with_name(self.db_path.name + "-wal")
        wal = wal_path.read_bytes() if wal_path.exists() else b""
        database = self.db_path.read_bytes()
        fingerprint = hashlib.sha256(wal + hashlib.sha256(database).digest()).digest()
        if fingerprint != self.last:
            self.last = fingerprint
            self.snapshots.append(Snapshot(label, database, wal))

    async def watch(self) -> None:
        while True:
            self.copy()
            await asyncio.sleep(0.01)


def image_of(data: bytes, tmp_path, name: str) -> Image:
    path = tmp_path / name
    path.write_bytes(data)
    return Image.of_file(path)


@dataclass
class Written:
    """What one commit wrote, as the reader sees it."""

    anonymous: list = field(default_factory=list)  # (table, cell)
    voters: list = field(default_factory=list)
    others: list = field(default_factory=list)  # (table, values)


def replay(observer: Observer, tmp_path) -> list[Written]:
    """Every commit seen in any copy, in order, with what it wrote that had not been seen
    before (a new key, or a key with new values). The first copy is the starting point."""
    seen: dict[tuple, tuple] = {}
    found = []
    anonymous_ids: set[str] = set()
    for number, snapshot in enumerate(observer.snapshots):
        base = image_of(snapshot.database, tmp_path, f"snap{number}.db")
        wal_path = tmp_path / f"snap{number}.db-wal"
        wal_path.write_bytes(snapshot.wal)
        image = base
        for commit in wal_commits(wal_path):
            image = image.overlaid(commit.frames) if commit.current else base.overlaid(commit.frames)
            written = _diff(image, commit.frames, seen, anonymous_ids)
            if number:
                found.append(written)
        for table, cell in _cells(base, base.pages):
            seen[(table, _key(base, table, cell))] = tuple(cell.values)
    return found


def _cells(image: Image, pages) -> list:
    owners, found = image.owners(), []
    for page in pages:
        owner = owners.get(page)
        if owner is None or "#" in owner or image.kind(page) not in (13, 10):
            continue
        found += [(owner, cell) for cell in image.cells(page)]
    return found


def _key(image: Image, table: str, cell) -> tuple:
    width = image.key_width().get(table, 0)
    return (cell.rowid,) if not width else tuple(cell.values[:width])


def _diff(image: Image, frames, seen, anonymous_ids) -> Written:
    written = Written()
    for table, cell in _cells(image, frames):
        key = (table, _key(image, table, cell))
        values = tuple(cell.values)
        new = key not in seen
        changed = seen.get(key) != values
        seen[key] = values
        if table == "opinions" and cell.values[1] == 1:
            anonymous_ids.add(cell.values[0])
        if not changed:
            continue
        if new and _anonymous(table, cell.values, anonymous_ids):
            written.anonymous.append((table, cell))
        elif table == "evaluation_slips":
            if cell.values[2] == 1:  # marked used: only ever beside k ballots
                written.voters.append((table, cell))
            elif new:  # issued (the office printing slips): no ballot near it
                written.others.append((table, values))
        elif new and table in VOTER_TABLES:
            written.voters.append((table, cell))
        elif table not in ANONYMOUS_TABLES | VOTER_TABLES | NEUTRAL_TABLES:
            written.others.append((table, values))
    return written


def _anonymous(table: str, values: list, anonymous_ids: set[str]) -> bool:
    if table == "opinions":
        return values[1] == 1
    if table == "opinion_photos":
        return values[0] in anonymous_ids
    if table == "opinion_messages":
        return values[2] == "submitter"
    return table in ("lookback_ballots", "evaluation_ballots", "survey_answers")


ROSTER = (
    "姓名,科室,角色\n"
    + "".join(f"员工{n:02d},门诊部,职工\n" for n in range(STAFF))
    + "王芳,组织人事科,活动办\n李娜,院办,班子成员\n刘洋,门诊部,科室负责人\n"
)


@pytest.fixture
def campaign(db):
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    waiting = [p.id for p in invitations.unbound(db)]
    codes = {i.person.name: i.code for i in invitations.issue(db, waiting, 14)}
    problem_id = problems.create(db, "候诊区座椅不足", None)
    department = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    db.execute(
        "update problems set status = 'closed', leader_id = ?, department_id = ?, "
        "measures = '增加座椅', closed_at = ? where id = ?",
        [leader, department, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    return codes, problem_id


async def rate(person) -> None:
    await person.send("/evaluate")
    await person.press("民主评议")
    for _ in range(5):
        await person.press("较好")
    await person.press("提交")


async def answer_survey(person, n: int) -> None:
    invite = await person.wait_for("食堂调查")
    await person.press("开始填写", message=invite)
    await person.press(("是", "否")[n % 2])
    await person.send(f"建议 {n}")
    await person.press("只作为问卷回答")
    await person.press("提交")
    assert "已提交问卷" in (await person.callback_answer())["text"]


async def submit_as_guest(guest, code: str, text: str) -> None:
    await guest.send(f"/start {code}")
    await guest.press("就医环境")
    await guest.press("门诊部")
    await guest.send(text)
    await guest.press("完成，预览")
    reply = await guest.press("提交")
    assert "回执码" in reply[-1].text


def watch_batches(monkeypatch, db_path) -> Observer:
    """An Observer of the files that also copies them at the worst moment: each anonymous batch's
    commit is in the WAL, before the pool folds it in and cuts it."""
    observer = Observer(db_path)
    real_settle = anonymous_pool.settle

    def settle_watched(database):
        observer.copy("before checkpoint")
        return real_settle(database)

    monkeypatch.setattr(anonymous_pool, "settle", settle_watched)
    observer.copy("start")
    return observer


async def test_an_operator_with_every_file_links_nothing(
    running_bot, client, campaign, db, db_path, tmp_path, monkeypatch
):
    codes, problem_id = campaign
    app = running_bot.app
    assert app.bot_data["anonymous_pool"].k == K
    observer = watch_batches(monkeypatch, db_path)
    watcher = asyncio.create_task(observer.watch())
    try:
        office = await client.user(FIRST_ID + 100, "王芳")
        await office.send(f"/start {codes['王芳']}")
        preview = await office.send("/newsheet 民主评议 | 李娜 | 7天 | 门诊部")
        sheet = await office.press("确认发出", message=preview[-1])
        assert "已邀请" in sheet[-1].text
        sheet_id = int(re.search(r"#(\d+)", sheet[-1].text)[1])
        slips: list[str] = []  # the codes are on the paper only: read them as they are made
        real_issue = evaluations.issue_slips
        monkeypatch.setattr(
            evaluations, "issue_slips", lambda *a, **k: slips.extend(real_issue(*a, **k)) or slips
        )
        await office.send(f"/slips {sheet_id} 6")
        assert len(slips) == 6
        lookback = lookbacks.start(db, problem_id, "30d", clock.now().date(), 14)
        box = public_box.ensure(db, clock.now().date())  # the lobby poster: guests submit too
        people, markers, receipts, order = [], {}, {}, []
        arrivals: list[str] = []  # staff's and guests' opinions, in the order they came
        for n in range(STAFF):  # joining, submitting and the sweeper, interleaved
            person = await client.user(FIRST_ID + n, f"u{n}")
            await person.send(f"/start {codes[f'员工{n:02d}']}")
            people.append(person)
            clock.advance(timedelta(minutes=1))
            await sweeper.sweep_app(app)
            for writer in people[-2:] if n % 2 else people[-1:]:
                marker = f"MARK{uuid.uuid4().hex}"
                receipt = await submit_opinion(writer, f"意见 {marker}")
                markers[marker], receipts[marker] = writer.id, receipt
                order.append(marker)
                arrivals.append(marker)
            if n % 3 == 1:  # a guest, with no roster entry, through the poster's link
                guest = await client.user(FIRST_ID + 500 + n, f"guest{n}")
                marker = f"MARK{uuid.uuid4().hex}"
                await submit_as_guest(guest, box.code, f"群众意见 {marker}")
                arrivals.append(marker)
        lookback_job.ask(app, lookback)
        survey = await office.send("/survey 食堂调查 | 7天 | 门诊部\n1. 单选：满意吗？｜是/否\n2. 文字：建议")
        assert "已发给" in (await office.press("确认发出", message=survey[-1]))[-1].text
        # a holder opts in to notices before the batch of their opinion is written
        await people[0].press("有回复时通知我")
        await people[0].press("我了解，开启通知")
        # write-backs, votes and ratings, interleaved
        for n, person in enumerate(people):
            if n % 3 == 0:
                marker = order[n]
                await person.send(f"/receipt {receipts[marker]}")
                card = await person.wait_for(marker)  # a notice may arrive first
                await person.press("回复活动办", message=card)
                await person.send(f"补充 {marker}-BACK")
            ask = await person.wait_for("您对整改效果满意吗")
            await person.press(("满意", "基本满意", "不满意", "不了解")[n % 4], message=ask)
            if n < 7:
                await rate(person)
            if n < 8:
                await answer_survey(person, n)
            if n < len(slips):  # a service users' representative, off the roster, with a slip
                holder = await client.user(FIRST_ID + 700 + n, f"rep{n}")
                await holder.send(f"/start {evaluations.SLIP_PREFIX}{slips[n]}")
                for _ in range(5):
                    await holder.press("好")
                await holder.press("提交")
                assert "已提交" in (await holder.callback_answer())["text"]
            clock.advance(timedelta(minutes=1))
            await sweeper.sweep_app(app)
        await opinion_batches.release_to_office(app)
        clock.advance(timedelta(days=15))
        await sweeper.sweep_app(app)  # the sheet and the look-back close: leftovers, no voters
        observer.copy("end")
    finally:
        watcher.cancel()

    commits = replay(observer, tmp_path)
    with_items = [c for c in commits if c.anonymous]
    assert len(with_items) >= 6, "the replay must see the batches it checks"
    for commit in with_items:
        assert not commit.others, f"an anonymous batch wrote {commit.others[:3]}"
        assert not commit.voters or len(commit.voters) >= K, "ballots beside fewer than k voters"
    for commit in commits:  # and a voter row never goes anywhere but into a ballot batch
        if commit.voters:
            assert commit.anonymous
    final = Image.of_file(db_path)
    _order_is_not_arrival(final, commits, arrivals)
    assert db.execute("select count(*) from opinions where public = 1").fetchone()[0] == 3
    assert db.execute("select count(*) from survey_answers where question = -1").fetchone()[0] == 8
    assert db.execute("select count(*) from evaluation_slips where used = 1").fetchone()[0] >= 5
    assert any(t == "survey_answers" for c in commits for t, _ in c.anonymous)
    assert any(t == "evaluation_slips" for c in commits for t, _ in c.voters)
    _voters_and_ballots_do_not_pair(final, lookback.id, db)
    _the_link_is_timeless_and_not_backed_up(db, db_path, tmp_path)


def _order_is_not_arrival(final: Image, commits: list[Written], order: list[str]) -> None:
    arrival = {marker: n for n, marker in enumerate(order)}

    def places(cells) -> list[int]:
        by_place = sorted(cells, key=lambda c: (c.page, -c.offset))  # written first = highest
        return [
            next(arrival[m] for m in arrival if m in c.values[5])
            for c in by_place
            if any(m in c.values[5] for m in arrival)
        ]

    on_pages = places(final.rows("opinions"))
    assert len(on_pages) == len(order)
    assert on_pages != sorted(on_pages), "the pages keep the order of arrival"
    in_wal = [
        n for c in commits for n in places([cell for table, cell in c.anonymous if table == "opinions"])
    ]
    assert sorted(in_wal) == list(range(len(order)))
    assert in_wal != sorted(in_wal), "the WAL keeps the order of arrival"


def _voters_and_ballots_do_not_pair(final: Image, lookback_id: int, db) -> None:
    """The attack of issue 15: the voter row and the ballot row written side by side. Read
    both tables in the order their cells were written and pair them: the choices must not come
    out right for every voter."""

    def written_order(table):
        column = 0 if table == "lookback_voters" else 1
        cells = [c for c in final.rows(table) if c.values[column] == lookback_id]
        return sorted(cells, key=lambda c: (c.page, -c.offset))

    voters = [c.values[1] for c in written_order("lookback_voters")]
    ballots = [c.values[2] for c in written_order("lookback_ballots")]
    assert len(voters) >= K and len(ballots) == STAFF
    people = {f"person:{r[0]}": r[1] for r in db.execute("select id, name from people")}
    truth = {f"员工{n:02d}": ("satisfied", "basic", "unsatisfied", "unknown")[n % 4] for n in range(STAFF)}
    guessed = [truth[people[v]] == choice for v, choice in zip(voters, ballots, strict=False)]
    assert not all(guessed), "voters and ballots pair up by their places"


def _the_link_is_timeless_and_not_backed_up(db, db_path, tmp_path) -> None:
    [sealed] = [r[0] for r in db.execute("select sealed_chat from opinion_subscriptions")]
    token = base64.urlsafe_b64decode(sealed)
    assert token[0] == 0x80 and token[1:9] == bytes(8), "a Fernet token dates itself"
    copy = backups.take(db_path, tmp_path / "backups", clock.now(), keep=3)
    assert sealed.encode() not in copy.read_bytes()
    backed_up = Image.of_file(copy)
    assert not any(sealed in str(cell.values) for _, cell in backed_up.all_cells())
    assert not backed_up.rows("opinion_subscriptions")


def test_the_reader_reads_what_sqlite_wrote(db, db_path):
    """The reader against SQLite itself: every row of every table, overflow pages included."""
    db["notes"].insert_all(
        [{"id": n, "text": "长" * (n * 300), "blob": bytes([n]) * n} for n in range(1, 30)], pk="id"
    )
    db.execute("create table keyed (a text, b integer, c text, primary key (a, b)) without rowid")
    db.execute("insert into keyed values ('x', 1, 'one'), ('x', 2, 'two'), ('y', 1, ?)", ["三" * 3000])
    db.conn.commit()
    db.execute("pragma wal_checkpoint(truncate)")
    image = Image.of_file(db_path)
    # an INTEGER PRIMARY KEY is the rowid; its place in the record holds NULL
    assert [(c.rowid, *c.values[1:]) for c in image.rows("notes")] == list(db.execute("select * from notes"))
    assert [tuple(c.values) for c in image.rows("keyed")] == list(db.execute("select * from keyed"))
    assert image.key_width()["keyed"] == 2 and image.key_width()["notes"] == 0


def test_the_reader_groups_the_wal_into_commits(db, db_path):
    db.execute("pragma wal_autocheckpoint = 0")
    db.execute("pragma wal_checkpoint(truncate)")
    for n in range(3):
        with db.atomic():
            db["audit"].insert({"at": f"2026-01-0{n + 1}", "action": f"a{n}", "subject": "s"})
            db["audit"].insert({"at": f"2026-01-0{n + 1}", "action": f"b{n}", "subject": "s"})
    commits = wal_commits(db_path.with_name(db_path.name + "-wal"))
    assert len(commits) == 3 and all(c.current for c in commits)
    base = Image.of_file(db_path)
    image = base
    for n, commit in enumerate(commits):
        image = image.overlaid(commit.frames)
        assert [c.values[3] for c in image.rows("audit")][-2:] == [f"a{n}", f"b{n}"]
