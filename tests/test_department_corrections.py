"""Correcting a department the office (or a roster import) created by mistake: rename it,
merge it into another, or remove it when nothing names it (storage/departments.py,
handlers/people/departments.py). The first walk found 公卫科 beside 公共卫生科 in every picker
for good.

Storage tests against a real SQLite file; the chat flow in the fast tier (tests/fast.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from conftest import join

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
    pool.write_opinions()  # written with its batch, about the department 公卫科 became
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
    # its id (the largest) is not given to the next department: what still holds it finds none
    assert people.department_id(db, "检验科") > empty
    assert departments.current_id(db, empty) is None
    assert people.department_id(db, "药剂科") > empty  # created again, anew


async def test_the_office_merges_a_misspelled_department_in_chat_after_seeing_what_moves(
    fast_bot, fast_client, invited, db
):
    """王芳 sees ⚠️ 公卫科 beside 公共卫生科 on /departments, opens it, picks 公共卫生科, reads what
    will move, cancels, asks again and confirms; 公卫科 is gone from the opinion box's picker.
    An old 确认 of the cancelled question does nothing."""
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    office = await join(fast_client, invited, 103, "王芳")
    nurse = await join(fast_client, invited, 101, "张伟")
    listed = (await office.send("/departments"))[-1]
    assert "⚠️ 公卫科：1 人" in listed.text and "⚠️ 公共卫生科：2 人" in listed.text, listed.text
    card = (await office.press("公卫科", message=listed))[-1]
    assert "在职人员 1 人" in card.text and "删除" not in " ".join(card.labels()), card.text
    targets = (await office.press("并入其他科室", message=card))[-1]
    assert targets.labels()[0] == "公共卫生科"  # the look-alike first
    asked = (await office.press("公共卫生科", message=targets))[-1]
    assert "将把“公卫科”并入“公共卫生科”" in asked.text and "在职人员 1 人" in asked.text
    assert "不能简单撤销" in asked.text and asked.text.rstrip().endswith("确认吗？"), asked.text
    old_confirm = next(b["callback_data"] for row in asked.buttons for b in row if "确认" in b["text"])
    cancelled = await office.press("取消", message=asked)
    assert "没有合并" in cancelled[-1].text
    await office.press_data(asked.message_id, old_confirm)
    assert "什么也没做" in (await office.callback_answer())["text"]
    assert "公卫科" in people.departments(db)

    await nurse.send("/opinion")  # a picker shown before the merge, tapped after it
    await nurse.press("署名提交")
    old_picker = (await nurse.press("其他"))[-1]
    asked = (await office.press("公共卫生科", message=targets))[-1]
    done = await office.press("确认", message=asked)
    assert "已把“公卫科”并入“公共卫生科”" in done[-1].text and "在职人员 1 人" in done[-1].text
    assert "公卫科" not in people.departments(db)
    await nurse.press("公卫科", message=old_picker)
    await nurse.send("公卫科门口积水，老人滑倒过。")
    await nurse.press("完成，预览")
    await nurse.press("提交")
    opinions.release(db)  # a named opinion is written at once, shown to the office at release
    written = next(o for o in opinions.inbox(db, None, 50)[0] if "积水" in o.text)
    assert written.department == "公共卫生科"
    await nurse.send("/opinion")
    await nurse.press("匿名提交")
    picker = (await nurse.press("其他"))[-1]
    assert "公卫科" not in picker.labels() and "公共卫生科" in picker.labels(), picker.labels()
    await nurse.send("/cancel")
    # an old merge question about the department merged away says it is gone
    await office.press("公共卫生科", message=targets)
    assert "已不存在" in (await office.callback_answer())["text"]


async def test_the_office_renames_in_chat_and_a_taken_name_is_offered_as_a_merge(fast_client, invited, db):
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    db.execute("insert into departments (name) values ('药剂科 ')")
    db.conn.commit()
    office = await join(fast_client, invited, 103, "王芳")
    card = (await office.send("/departments 公卫 科"))[-1]  # typed as the roster reads it
    assert card.text.startswith("公卫科") or "<b>公卫科</b>" in card.text, card.text
    await office.press("改名", message=card)
    refused = await office.send("科" * 41)
    assert "最多 40 字" in refused[-1].text
    offered = await office.send("公共卫生科")
    assert "已经有科室叫“公共卫生科”" in offered[-1].text
    asked = await office.press("并入“公共卫生科”", message=offered[-1])
    assert "将把“公卫科”并入“公共卫生科”" in asked[-1].text
    await office.press("取消", message=asked[-1])

    await office.press("改名", message=card)
    preview = await office.send("预防保健科")
    assert "将把“公卫科”改名为“预防保健科”" in preview[-1].text and "在职人员 1 人" in preview[-1].text
    done = await office.press("确认", message=preview[-1])
    assert "已把“公卫科”改名为“预防保健科”" in done[-1].text
    assert "预防保健科" in people.departments(db) and "公卫科" not in people.departments(db)

    stray = (await office.send("/departments 药剂科"))[-1]
    asked = await office.press("删除", message=stray)
    assert "将删除“药剂科 ”" in asked[-1].text
    done = await office.press("确认", message=asked[-1])
    assert "已删除" in done[-1].text and "药剂科 " not in people.departments(db)


def test_the_command_line_shows_first_and_merges_on_yes(tmp_path, capsys):
    import cli
    import config
    from storage.db import open_database

    settings = config.load(env={"DATABASE_PATH": str(tmp_path / "rectify.db")}, dotenv=False)
    db = open_database(settings.database_path)
    roster.apply(db, roster.parse(ROSTER.encode()), None)

    def run(*words: str) -> int:
        return cli.run(settings, cli.parser().parse_args(["departments", *words]))

    assert run() == 0
    assert "公卫科\t1 people\tlooks like 公共卫生科" in capsys.readouterr().out
    assert run("merge", "公卫科", "公共卫生科") == 2  # shown, not done
    out = capsys.readouterr().out
    assert "merge '公卫科' into '公共卫生科'; what names it: people: 1" in out and "--yes" in out
    assert "公卫科" in people.departments(db)
    assert run("rename", "公卫科", "公共卫生科", "--yes") == 1
    assert "merge into it instead" in capsys.readouterr().err
    assert run("merge", "公卫科", "公共卫生科", "--yes") == 0
    assert "公卫科" not in people.departments(db)
    assert run("remove", "院办", "--yes") == 1  # 李娜 is in it
    db.close()


def test_an_opinion_not_yet_released_is_not_counted_yet_follows_the_correction(db):
    """Counts only after release: an opinion written but not yet released is not in a card's
    count (a count that grew before the batch would date it), and still follows a merge; one
    about a department removed meanwhile is about no department."""
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    typo, right = _id(db, "公卫科"), _id(db, "公共卫生科")
    empty = people.department_id(db, "药剂科")
    held, _ = opinions.submit(
        db,
        Draft(anonymous=False, category="其他", department_id=typo, text="积水"),
        None,
        _Keys(),
        date(2026, 3, 2),
    )
    alone, _ = opinions.submit(
        db,
        Draft(anonymous=False, category="其他", department_id=empty, text="缺药"),
        None,
        _Keys(),
        date(2026, 3, 2),
    )
    assert departments.usage(db, typo).opinions == 0 and departments.usage(db, empty).empty
    assert departments.merge(db, typo, right, None).opinions == 0
    departments.remove(db, empty, None)
    opinions.release(db)
    assert opinions.get(db, held).department_id == right
    assert opinions.get(db, alone).department_id is None


async def test_a_long_list_of_departments_says_how_many_have_no_button(fast_client, invited, db):
    from handlers.people.departments import LISTED

    for n in range(LISTED + 2):
        people.department_id(db, f"临时科室{n:02d}")
    office = await join(fast_client, invited, 103, "王芳")
    shown = await office.send("/departments")
    total = len(people.departments(db))
    assert f"共 {total} 个" in shown[0].text
    assert f"按钮只列出前 {LISTED} 个，还有 {total - LISTED} 个" in shown[-1].text
    assert len(shown[-1].labels()) == LISTED
    card = await office.send("/departments 临时科室61")  # one without a button, by name
    assert "临时科室61" in card[-1].text and "删除" in " ".join(card[-1].labels())


def test_a_form_that_offered_the_old_name_saves_the_department_it_became(db):
    """A meeting form, a new rating sheet or a questionnaire filled while the office merged:
    the name picked before the merge is saved as the department it became."""
    from storage import calendar

    roster.apply(db, roster.parse(ROSTER.encode()), None)
    departments.merge(db, _id(db, "公卫科"), _id(db, "公共卫生科"), None)
    starts = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
    event = calendar.add(db, "meeting", "推进会", starts, None, departments=["公卫科", "公共卫生科", "院办"])
    assert calendar.get(db, event).departments == ("公共卫生科", "院办")
    chen = next(p for p in people.everyone(db) if p.name == "陈晨")
    assert chen in calendar.attendees(db, calendar.get(db, event))
