"""Correcting a department the office (or a roster import) created by mistake: rename it,
merge it into another, or remove it when nothing names it (storage/departments.py,
handlers/people/departments.py). The first walk found 公卫科 beside 公共卫生科 in every picker
for good.

Storage tests against a real SQLite file; the chat flow in the fast tier (tests/fast.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from storage import anonymous_pool, departments, opinions, people, problems, roster
from storage.departments import DepartmentError
from storage.opinions import Draft

ROSTER = """姓名,科室,角色
张伟,公共卫生科,职工
李娜,院办,班子成员
王芳,组织人事科,活动办
刘洋,公共卫生科,科室负责人
陈晨,公卫科,职工
"""


class _Keys:
    def receipt_hash(self, receipt: str) -> str:
        return "h" + receipt


def _id(db, name: str) -> int:
    return next(i for i, n in people.department_list(db) if n == name)


def _campaign(db) -> dict:
    """公卫科 named by a person, two opinions (one anonymous), a problem, a self-check, a
    look-back's electorate, a meeting, a rating sheet and a questionnaire."""
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    typo, right = _id(db, "公卫科"), _id(db, "公共卫生科")
    chen = next(p for p in people.everyone(db) if p.name == "陈晨")
    db.execute(
        "insert into digest_settings (person_id, frequency, at_time) values (?, 'daily', '08:00')", [chen.id]
    )
    anonymous, _ = opinions.submit(
        db, Draft(category="其他", department_id=typo, text="公卫科门口积水"), None, _Keys(), date(2026, 3, 2)
    )
    named, _ = opinions.submit(
        db,
        Draft(anonymous=False, category="其他", department_id=typo, text="体检排队太久"),
        chen.id,
        _Keys(),
        date(2026, 3, 2),
    )
    opinions.release(db)
    problem = problems.create(db, "体检排队", None)
    db.execute("update problems set department_id = ? where id = ?", [typo, problem])
    db.execute(
        "insert into self_checks (department_id, due_on, requested_by, created_at) "
        "values (?, '2026-04-01', ?, '2026-03-01')",
        [typo, chen.id],
    )
    db.execute(
        "insert into lookbacks (problem_id, round, opens_on, closes_on) "
        "values (?, 'r1', '2026-03-01', '2026-03-08')",
        [problem],
    )
    lookback = db.execute("select max(id) from lookbacks").fetchone()[0]
    db.execute("insert into lookback_electorate values (?, 'department', ?)", [lookback, str(typo)])
    db.execute("insert into lookback_electorate values (?, 'department', ?)", [lookback, str(right)])
    db.execute(
        "insert into events (kind, title, starts_at, departments) "
        "values ('meeting', '会', '2026-03-05T01:00:00+00:00', ?)",
        ["公卫科|院办"],
    )
    db.execute(
        "insert into evaluation_sheets (title, items, grades, departments, opens_at, closes_at) "
        "values ('评议', '[]', '[]', ?, '2026-03-01', '2026-03-09')",
        [json.dumps(["公共卫生科", "公卫科"], ensure_ascii=False)],
    )
    db.execute(
        "insert into surveys (title, departments, opens_at, closes_at) "
        "values ('问卷', ?, '2026-03-01', '2026-03-09')",
        [json.dumps(["公卫科"], ensure_ascii=False)],
    )
    db.conn.commit()
    return {
        "typo": typo,
        "right": right,
        "anonymous": anonymous,
        "named": named,
        "problem": problem,
        "lookback": lookback,
    }


def test_merging_moves_everything_that_names_the_department_and_keeps_its_old_name(db):
    made = _campaign(db)
    typo, right = made["typo"], made["right"]
    seen = departments.usage(db, typo)
    assert (seen.people, seen.digests, seen.opinions, seen.problems, seen.self_checks) == (1, 1, 2, 1, 1)
    assert (seen.lookbacks, seen.meetings, seen.sheets, seen.surveys) == (1, 1, 1, 1)

    moved = departments.merge(db, typo, right, None)
    assert moved == seen  # what the preview counted is what moved
    assert "公卫科" not in people.departments(db)
    assert {p.department for p in people.everyone(db) if p.name in ("陈晨", "张伟")} == {"公共卫生科"}
    assert {opinions.get(db, o).department for o in (made["anonymous"], made["named"])} == {"公共卫生科"}
    assert problems.get(db, made["problem"]).department == "公共卫生科"
    assert db.execute("select department_id from self_checks").fetchone()[0] == right
    assert db.execute(
        "select value from lookback_electorate where lookback_id = ? and kind = 'department'",
        [made["lookback"]],
    ).fetchall() == [(str(right),)]  # both entries are one now
    assert db.execute("select departments from events").fetchone()[0] == "公共卫生科|院办"
    assert json.loads(db.execute("select departments from evaluation_sheets").fetchone()[0]) == ["公共卫生科"]
    assert json.loads(db.execute("select departments from surveys").fetchone()[0]) == ["公共卫生科"]
    assert departments.usage(db, right).people == 3

    # the old name leads to the new department wherever it still turns up
    assert people.department_named(db, "公卫 科") == "公共卫生科"
    assert departments.current_id(db, typo) == right
    assert people.department_id(db, "公卫科") == right
    again = roster.preview(db, roster.parse(ROSTER.encode()))
    assert again.empty and again.former_names == {"公卫科": "公共卫生科"} and not again.new_departments
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    assert "公卫科" not in people.departments(db)
    # a draft that picked 公卫科 before the merge is about 公共卫生科 when submitted after it
    late, _ = opinions.submit(
        db,
        Draft(anonymous=False, category="其他", department_id=typo, text="还是积水"),
        None,
        _Keys(),
        date(2026, 3, 3),
    )
    assert opinions.get(db, late).department_id == right


def test_merging_writes_no_link_to_a_person_and_relabels_what_waits_in_the_pool(db):
    made = _campaign(db)
    pool = anonymous_pool.attach(db, 5)  # opinions now wait in memory for their batch
    waiting, _ = opinions.submit(
        db,
        Draft(category="其他", department_id=made["typo"], text="化验单打印机坏了"),
        None,
        _Keys(),
        date(2026, 3, 3),
    )
    before = {r[0]: r for r in db.execute("select * from opinions")}
    departments.merge(db, made["typo"], made["right"], None)
    after = {r[0]: r for r in db.execute("select * from opinions")}
    columns = [c.name for c in db["opinions"].columns]
    changed = {
        columns[i]
        for key in before
        for i, (old, new) in enumerate(zip(before[key], after[key], strict=True))
        if old != new
    }
    assert changed == {"department_id"}  # only the label; author_id stays null
    assert after[made["anonymous"]][columns.index("author_id")] is None
    detail = db.execute("select detail from audit where action = 'department.merge'").fetchone()[0]
    assert made["anonymous"] not in detail and made["named"] not in detail  # counts, no opinion ids
    assert pool.waiting_opinion(waiting).department_id == made["right"]
    pool.write_opinions()
    assert opinions.get(db, waiting).department_id == made["right"]


def test_renaming_relabels_lists_and_a_name_another_department_has_is_a_merge(db):
    made = _campaign(db)
    with pytest.raises(DepartmentError) as taken:
        departments.rename(db, made["typo"], "公共 卫生科", None)
    assert taken.value.reason == "taken" and taken.value.name == "公共卫生科"
    with pytest.raises(DepartmentError) as blank:
        departments.rename(db, made["typo"], "\u200b\u3000", None)
    assert blank.value.reason == "blank"
    with pytest.raises(DepartmentError) as long:
        departments.rename(db, made["typo"], "科" * 41, None)
    assert long.value.reason == "too_long"

    departments.rename(db, made["typo"], "预防保健科", None)
    assert "预防保健科" in people.departments(db) and "公卫科" not in people.departments(db)
    assert db.execute("select departments from events").fetchone()[0] == "预防保健科|院办"
    assert people.department_named(db, "公卫科") == "预防保健科"
    assert roster.preview(db, roster.parse(ROSTER.encode())).empty
    # and back: a name in use is nobody's former name
    departments.rename(db, made["typo"], "公卫科", None)
    assert people.department_named(db, "预防保健科") == "公卫科"
    assert departments.former_names(db) == {"预防保健科": "公卫科"}


def test_a_stray_space_is_renamed_away(db):
    db.execute("insert into departments (name) values ('护理部 ')")
    stray = _id(db, "护理部 ")
    departments.rename(db, stray, "护理部", None)
    assert people.departments(db) == ["护理部"]


def test_only_a_department_nothing_names_can_be_removed(db):
    made = _campaign(db)
    with pytest.raises(DepartmentError) as in_use:
        departments.remove(db, made["typo"], None)
    assert in_use.value.reason == "in_use"
    empty = people.department_id(db, "药剂科")
    assert departments.usage(db, empty).empty
    departments.remove(db, empty, None)
    assert "药剂科" not in people.departments(db)
    assert departments.current_id(db, empty) is None
