"""Attacks of a hostile operator who holds the database, its WAL, the key and the token, each
read with the forensic reader (tests/forensics.py) as test_forensics reads them: the real bot,
driven as people use it, copied commit by commit.

- A rating sheet's batch mixed the roster's raters and the rating slips' holders, and every
  ballot row carries its group (staff / slip): a batch of one rater and four slips wrote that
  rater's whole ballot as the only 'staff' rows, beside their voter row.
"""

from __future__ import annotations

import re

import pytest
from test_forensics import K, Observer, replay

from storage import anonymous_pool, evaluations, invitations, roster

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


async def _open_sheet(fast_client, codes, monkeypatch, slips: int = 0) -> tuple[int, list[str]]:
    office = await fast_client.user(FIRST_ID + 100, "王芳")
    await office.send(f"/start {codes['王芳']}")
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
    assert "已提交" in (await person.press("提交"))[-1].text


async def _rate_with_slip(fast_client, n: int, code: str) -> None:
    holder = await fast_client.user(FIRST_ID + 700 + n, f"rep{n}")
    await holder.send(f"/start {evaluations.SLIP_PREFIX}{code}")
    for _ in range(5):
        await holder.press("好")
    assert "已提交" in (await holder.press("提交"))[-1].text


def _watch_batches(monkeypatch, db_path) -> Observer:
    observer = Observer(db_path)
    real_settle = anonymous_pool.settle

    def settle_watched(database):
        observer.copy("before checkpoint")  # the batch's commit is in the WAL
        return real_settle(database)

    monkeypatch.setattr(anonymous_pool, "settle", settle_watched)
    observer.copy("start")
    return observer


async def test_a_batch_never_holds_fewer_than_k_of_a_group_whose_ballots_it_marks(
    fast_bot, fast_client, codes, db, db_path, tmp_path, monkeypatch
):
    """The attack: one rater of the roster, then four slip holders. Every ballot row says its
    group; a commit that wrote one voter row and 'staff' rows wrote that person's ballot. For
    each group whose ballots a commit writes beside voters, at least k of that group's voters
    must be in it, or the rows of the group are one (or a few) people's, named."""
    sheet_id, slips = await _open_sheet(fast_client, codes, monkeypatch, slips=5)
    staff = [await _join(fast_client, codes, n) for n in range(5)]
    observer = _watch_batches(monkeypatch, db_path)
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
