"""Rosters (名单) as a campaign office really saves them, imported through the real bot over the
fake Bot API: a title above the header, merged cells, other columns (序号, 性别, 联系电话),
header words of every office (名字, 所在科室, 部门, 职务, 岗位, 手机), blank rows between
departments, phone numbers as numbers or with spaces, names pasted from WeChat, a note row
under the people, two people with one name, a department written two ways, the old .xls. Each
is imported right, or refused with the row and what to fix, and nothing saved is lost.

Also the preview of a hospital's roster (300 people, 20 questions to answer) over several
messages, and the pickers of leaders and flagged subjects past Telegram's 100 buttons."""

from __future__ import annotations

import io

import pytest
from conftest import dump, join
from openpyxl import Workbook

from storage import names, people, roster

TABLES = ("people", "departments", "department_former_names", "audit")
TITLE = "XX医院2026年整改活动人员名单"
NOTE = "制表人：赵文静　　审核人：王建国　　2026年3月"
# (姓名 as typed or pasted, 科室, 职务 in the bot's words, 联系电话 as the cell holds it)
PEOPLE = [
    ("王建国", "院办", "班子成员", 13800000001),
    ("赵\u200b文静", "组织人事科", "活动办", "138 0000 0002"),  # a zero-width space from WeChat
    ("王芳", "组织人事科", "活动办", 13800000003),
    ("周晓燕", "门诊部", "科室负责人", 13800000004.0),  # a number Excel stores as a float
    ("陈\u00a0刚", "门诊部", "职工", "13800000005"),  # a no-break space
    ("刘　洋", "门诊部", "职工", None),  # padded with a full-width space to line up
    ("李娜", "住院部", "科室负责人", "138-0000-0007"),
    ("张伟", "住院部", "职工", 13800000008),
]
EXPECTED = [
    ("王建国", "院办", "leader staff"),
    ("赵文静", "组织人事科", "office staff"),
    ("王芳", "组织人事科", "office staff"),
    ("周晓燕", "门诊部", "head staff"),
    ("陈刚", "门诊部", "staff"),
    ("刘洋", "门诊部", "staff"),
    ("李娜", "住院部", "head staff"),
    ("张伟", "住院部", "staff"),
]


def office_workbook(header=("序号", "名字", "性别", "所在科室", "职务", "联系电话")) -> bytes:
    """As an office lays it out: a merged title, the department's cell merged down over its
    people, a blank row between departments, and who made the table, merged, at the bottom."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells("A1:F1")
    sheet.append(list(header))
    row = 3
    for number, (name, department, duty, phone) in enumerate(PEOPLE, 1):
        if number > 1 and department != PEOPLE[number - 2][1]:
            sheet.append([])  # a blank row between departments
            row += 1
        first = number == 1 or department != PEOPLE[number - 2][1]
        sheet.append([number, name, "男", department if first else None, duty, phone])
        row += 1
    # the department cell merged over each department's people (D is 所在科室)
    top = None
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        if cells[3].value:
            if top and top[1] > top[0]:
                sheet.merge_cells(start_row=top[0], start_column=4, end_row=top[1], end_column=4)
            top = [cells[3].row, cells[3].row]
        elif top and cells[1].value:
            top[1] = cells[1].row
    if top and top[1] > top[0]:
        sheet.merge_cells(start_row=top[0], start_column=4, end_row=top[1], end_column=4)
    sheet.append([NOTE])
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=6)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def office_csv(encoding: str, header="姓名,部门,岗位,手机") -> bytes:
    """As Excel on Chinese Windows saves "CSV": the title and the blank rows keep their commas."""
    lines = [TITLE + ",,,", header]
    previous = None
    for name, department, duty, phone in PEOPLE:
        if previous and department != previous:
            lines.append(",,,")
        previous = department
        lines.append(f"{name},{department},{duty},{'' if phone is None else phone}")
    lines.append(NOTE + ",,,")
    # GBK has no zero-width space: that name reaches a GBK file without it
    return ("\r\n".join(lines) + "\r\n").encode(encoding, errors="ignore" if encoding == "gbk" else "strict")


async def answer(office, message, index: int, choice: str):
    """是 (same) or 不是 (apart) on question `index` of that message, by the button's own data."""
    data = next(
        b["callback_data"]
        for row in message.buttons
        for b in row
        if b["callback_data"].startswith(f"roster:q:{index}:{choice}:")
    )
    return await office.press_data(message.message_id, data)


def seen(rows) -> list[tuple]:
    return [(r.name, r.department, r.roles) for r in rows]


def stored(db) -> list[tuple]:
    return sorted((p.name, p.department, " ".join(sorted(p.roles))) for p in people.everyone(db))


# ---- files as offices save them -------------------------------------------------------------


def test_a_workbook_with_merged_departments_other_columns_and_a_note_row_reads_right():
    assert seen(roster.parse(office_workbook())) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_a_csv_as_chinese_excel_saves_it_reads_right(encoding):
    assert seen(roster.parse(office_csv(encoding))) == EXPECTED


@pytest.mark.parametrize(
    "header",
    ["姓名,科室,职务,联系电话", "名字,所在科室,岗位,手机", "姓名,部门,角色,联系电话"],
)
def test_header_words_of_every_office(header):
    assert seen(roster.parse(office_csv("utf-8-sig", header))) == EXPECTED


async def test_the_office_imports_its_workbook_in_chat(fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/roster")
    shown = await office.send_file(office_workbook(), "2026年整改活动人员名单.xlsx")
    preview = "\n".join(m.text for m in shown)
    assert "周晓燕（门诊部）" in preview and "陈刚（门诊部）" in preview and "缺少科室" not in preview
    await office.press("确认")
    assert stored(db) == sorted(EXPECTED)


async def test_a_job_title_in_the_post_column_names_the_row_and_what_to_write(fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    before = dump(db, *TABLES)
    await office.send("/roster")
    text = "XX医院名单,,\n姓名,科室,职务\n王建国,院办,班子成员\n孙院长,院办,副院长\n"
    reply = (await office.send_file(text.encode("gb18030"), "名单.csv"))[-1].text
    assert "第 4 行" in reply and "副院长" in reply and "请加一列“角色”" in reply, reply
    assert "现有名单没有任何改变" in reply
    assert dump(db, *TABLES) == before
    # still waiting for the file: the corrected one is taken without /roster again
    fixed = "XX医院名单,,,\n姓名,科室,职务,角色\n王建国,院办,副院长,班子成员\n"
    fixed += "".join(
        f"{n},{d},,职工\n" for n, d in [("张伟", "门诊部"), ("李娜", "院办"), ("刘洋", "门诊部")]
    )
    fixed += "王芳,组织人事科,,活动办\n"
    assert "名单预览" in (await office.send_file(fixed.encode("gb18030"), "名单.csv"))[0].text


@pytest.mark.parametrize("file_name", ["名单.xls", "名单.xlsx"], ids=["xls", "xls-named-xlsx"])
async def test_an_old_xls_is_answered_with_how_to_save_it_again(fast_client, invited, db, file_name):
    """WPS and old Excel save .xls (an OLE2 file), sometimes under an .xlsx name."""
    office = await join(fast_client, invited, 103, "王芳")
    before = dump(db, *TABLES)
    await office.send("/roster")
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    reply = (await office.send_file(xls, file_name))[-1].text
    assert "旧版 Excel 文件（.xls）" in reply and "另存为" in reply and "CSV UTF-8" in reply, reply
    assert dump(db, *TABLES) == before
    assert "名单预览" in (await office.send_file(office_workbook(), "名单.xlsx"))[0].text


async def test_two_people_with_one_name_are_told_apart_by_a_staff_number_for_them_alone(
    fast_client, invited, db
):
    """Two 张伟: the import names both rows and says to add 工号; filled for the two alone,
    the bot asks whether the new 张伟 of 门诊部 is the 张伟 who joined, and keeps their account."""
    office = await join(fast_client, invited, 103, "王芳")
    zhang = await join(fast_client, invited, 101, "张伟")
    before = dump(db, *TABLES)
    base = "姓名,科室,角色\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n刘洋,门诊部,科室负责人\n"
    await office.send("/roster")
    twice = base + "张伟,门诊部,职工\n张伟,住院部,职工\n"
    reply = (await office.send_file(twice.encode("gbk"), "名单.csv"))[-1].text
    assert "第 6 行" in reply and "张伟 与第 5 行重复" in reply and "工号" in reply, reply
    assert dump(db, *TABLES) == before
    numbered = (
        "工号," + base.replace("\n", "\n,").rstrip(",") + "0101,张伟,门诊部,职工\n0207,张伟,住院部,职工\n"
    )
    shown = await office.send_file(numbered.encode("gbk"), "名单.csv")
    [question] = [m for m in shown if m.buttons and "是同一个人吗" in m.text]
    assert "新增的“张伟”（门诊部）与将被停用的“张伟”（门诊部）" in question.text, question.text
    await answer(office, question, 0, "same")
    done = await office.press("确认")
    assert "新增 1" in done[-1].text and "停用 0" in done[-1].text, done[-1].text
    both = db.execute(
        "select roster_key, d.name, telegram_user_id from people p "
        "join departments d on d.id = p.department_id where p.name = '张伟' order by roster_key"
    ).fetchall()
    assert both == [("0101", "门诊部", 101), ("0207", "住院部", None)]
    assert "门诊部" in (await zhang.send("/me"))[-1].text  # still joined


async def test_a_staff_number_column_added_for_everyone_keeps_everyone(fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/roster")
    numbered = "工号,姓名,科室,角色\n001,张伟,门诊部,职工\n002,李娜,院办,班子成员\n"
    numbered += "003,王芳,组织人事科,活动办\n004,刘洋,门诊部,科室负责人\n"
    shown = await office.send_file(numbered.encode("utf-8-sig"), "名单.csv")
    preview = "\n".join(m.text for m in shown)
    assert "停用：0" in preview and "王芳：工号 — → 003" in preview and "🔴" not in preview, preview
    await office.press("确认")
    row = db.execute("select roster_key, telegram_user_id from people where name = '王芳'").fetchone()
    assert row == ("003", 103)


async def test_a_department_written_two_ways_is_asked_and_the_answer_is_remembered(fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/roster")
    text = (
        "姓名,科室,角色\n张伟,门诊部,职工\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
        "刘洋,门诊部 （含急诊）,科室负责人\n陈晨,门诊部 （含急诊）,职工\n"
    )
    shown = await office.send_file(text.encode("gb18030"), "名单.csv")
    [question] = [m for m in shown if m.buttons and "是同一个科室吗" in m.text]
    assert "“门诊部 (含急诊)”与“门诊部”" in question.text, question.text
    early = await office.press("确认")  # before answering: nothing happens, the question comes again
    assert "还有 1 个问题没有回答" in early[0].text and sorted(people.departments(db)) == sorted(
        ["组织人事科", "院办", "门诊部"]
    )
    [again] = [m for m in early if m.buttons and "是同一个科室吗" in m.text]
    answered = await answer(office, again, 0, "same")
    assert "✅ 是同一个" in answered[-1].text and "👉 1. 是" in answered[-1].labels()
    done = await office.press("确认")
    assert "名单已导入" in done[-1].text
    assert stored(db) == sorted(
        [
            ("张伟", "门诊部", "staff"),
            ("李娜", "院办", "leader staff"),
            ("王芳", "组织人事科", "office staff"),
            ("刘洋", "门诊部", "head staff"),
            ("陈晨", "门诊部", "staff"),
        ]
    )
    assert "门诊部 (含急诊)" not in people.departments(db)
    await office.send("/roster")  # the same file again: nothing to ask, nothing to change
    assert "完全一致" in (await office.send_file(text.encode("gb18030"), "名单.csv"))[-1].text


# ---- a hospital's roster: 300 people, 20 questions ------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
WARDS = [f"{n}病区" for n in "一二三四五六七八九十"] + ["急诊科", "药剂科", "检验科", "放射科", "院办"]


TYPOS = [10, 11, 12, 13, 14, 25, 26, 27, 28, 29]  # rows in 急诊科 … 院办, which keep their names


def hospital(count: int = 300) -> list[tuple[str, str, str]]:
    rows, used = [], set()
    for n in range(count * 3):
        name = SURNAMES[n % 20] + GIVEN[(n // 20) % 25] + GIVEN[(n // 500) % 25]
        if name in used:
            continue
        used.add(name)
        rows.append((name, WARDS[len(rows) % len(WARDS)], "活动办" if not rows else "职工"))
        if len(rows) == count:
            return rows
    raise AssertionError("not enough names")


async def test_a_roster_of_300_with_20_look_alikes_is_previewed_whole_and_every_question_answered(
    fast_bot, fast_client, db
):
    """The second import of a hospital's roster: 10 names corrected (王小明 → 王晓明: the joined
    person, not a new one), 10 wards renamed with a note (一病区 → 一病区（含监护室）), 120
    people moving ward. The preview runs over several messages, none over 4096; the 20
    questions are reachable, 确认 before they are answered imports nothing, and the answers
    decide: 是 keeps the person or the ward, 不是 adds and deactivates, or creates the ward."""
    from storage import invitations

    first = hospital()
    roster.apply(
        db, roster.parse(("姓名,科室,角色\n" + "".join(",".join(r) + "\n" for r in first)).encode()), None
    )
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    code = next(i.code for i in issued if i.person.name == first[0][0])
    office = await fast_client.user(700, "Office")
    await office.send(f"/start {code}")

    second = list(first)
    for n in TYPOS:  # a corrected name, in the same ward (not one renamed): one character changed
        name, ward, role = second[n]
        second[n] = (name[:-1] + ("坤" if name[-1] != "坤" else "鹏"), ward, role)
    renamed = {ward: f"{ward}（含监护室）" for ward in WARDS[:10]}
    for n in range(150, 270):  # 120 move
        name, ward, role = second[n]
        second[n] = (name, WARDS[(WARDS.index(ward) + 1) % len(WARDS)], role)
    second = [(n, renamed.get(w, w), r) for n, w, r in second]
    before = dump(db, *TABLES)
    before_ids = {r["name"]: r["id"] for r in db.query("select name, id from people")}

    await office.send("/roster")
    shown = await office.send_file(
        ("姓名,科室,角色\n" + "".join(",".join(r) + "\n" for r in second)).encode("utf-8-sig"), "名单.csv"
    )
    asked = [
        m
        for m in shown
        if m.buttons and any(b["callback_data"].startswith("roster:q:") for r in m.buttons for b in r)
    ]
    preview = [m for m in shown if m not in asked]
    assert len(preview) >= 3 and all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in shown)
    everything = "\n".join(m.text for m in preview)
    assert everything.count("：科室 ") >= 120 and "…" not in everything  # nothing cut, nobody left out
    data = [b["callback_data"].rsplit(":", 1)[0] for m in asked for r in m.buttons for b in r]
    assert len(asked) == 2 and sorted(data) == sorted(
        f"roster:q:{i}:{a}" for i in range(20) for a in ("same", "apart")
    )
    questions = "\n".join(m.text for m in asked)
    assert questions.count("是同一个科室吗") == 10 and questions.count("是同一个人吗") == 10
    assert "请先回答上面的 20 个问题" in shown[-1].text and "✅ 确认" in shown[-1].labels()

    asked_in = {i: m for m in asked for i in range(20) if f"<b>问题 {i + 1}</b>" in m.text}
    for i in range(19):  # wards: the even ones are the same; people: the first five are
        choice = "same" if (i < 10 and i % 2 == 0) or 10 <= i < 15 else "apart"
        await answer(office, asked_in[i], i, choice)
    early = await office.press("确认")
    assert "还有 1 个问题没有回答（问题 20）" in early[0].text
    assert dump(db, *TABLES) == before  # nothing imported yet
    await answer(office, asked_in[19], 19, "apart")
    done = await office.press("确认")
    assert "名单已导入" in done[-1].text and "停用 5" in done[-1].text, done[-1].text

    wards = {names.normalise(w) for w in people.departments(db)}
    renamed = {ward: names.normalise(spelt) for ward, spelt in renamed.items()}
    assert {renamed[w] for w in WARDS[1:10:2]} <= wards and not {renamed[w] for w in WARDS[0:10:2]} & wards
    ids = {r["name"]: r["id"] for r in db.query("select name, id from people")}
    active = {r["name"] for r in db.query("select name from people where active = 1")}
    for n in TYPOS[:5]:  # the same person: renamed, on the row (and account) they had
        assert (
            second[n][0] in active and first[n][0] not in ids and ids[second[n][0]] == before_ids[first[n][0]]
        )
    for n in TYPOS[5:]:  # not the same: the new one added, the old one deactivated
        assert second[n][0] in active and first[n][0] not in active and first[n][0] in ids
    assert len(active) == 300
    assert (
        db.execute("select telegram_user_id from people where name = ?", [first[0][0]]).fetchone()[0] == 700
    )


# ---- pickers past 100 buttons ---------------------------------------------------------------


def leaders_roster(count: int = 150) -> bytes:
    rows = ["姓名,科室,角色", "王芳,组织人事科,活动办", "张伟,门诊部,职工"]
    rows += [f"{SURNAMES[n % 20]}领导{n:03},分院{n // 10},班子成员" for n in range(count)]
    return ("\n".join(rows) + "\n").encode()


async def _office_with_leaders(fast_client, db, count: int = 150):
    from storage import invitations

    roster.apply(db, roster.parse(leaders_roster(count)), None)
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    return await join(fast_client, {i.person.name: i.code for i in issued}, 103, "王芳")


def _buttons(message) -> list[dict]:
    return [b for row in message.buttons for b in row]


async def test_assigning_a_problem_pages_150_leaders(fast_client, db):
    from storage import problems

    office = await _office_with_leaders(fast_client, db)
    actor = next(p for p in people.everyone(db) if p.name == "王芳")
    problem_id = problems.create(db, "门诊挂号排队时间长", actor.id)
    picker = (await office.send(f"/assign {problem_id}"))[-1]
    assert len(_buttons(picker)) <= 100 and "共 150 人，每页 40 人" in picker.text, picker.text
    assert picker.labels()[-1] == "下一页 ▶"
    seen_names = [b["text"] for b in _buttons(picker) if "领导" in b["text"]]
    for _ in range(3):
        picker = (await office.press("下一页", message=picker))[-1]
        assert picker.kind == "edited" and "指定哪位领导负责" in picker.text
        seen_names += [b["text"] for b in _buttons(picker) if "领导" in b["text"]]
    assert len(seen_names) == len(set(seen_names)) == 150 and "◀ 上一页" in picker.labels()
    assert "下一页 ▶" not in picker.labels()  # the last page
    last = [b for b in _buttons(picker) if "领导" in b["text"]][-1]  # on the fourth page
    await office.press_data(picker.message_id, last["callback_data"])
    leader = db.execute(
        "select l.name from problems p join people l on l.id = p.leader_id where p.id = ?", [problem_id]
    ).fetchone()[0]
    assert last["text"].startswith(leader + "（")


async def test_the_leaders_who_may_see_results_are_paged_and_a_tap_keeps_its_page(fast_client, db):
    from datetime import timedelta

    from storage import evaluations
    from storage.clock import clock
    from storage.evaluations import Subject

    office = await _office_with_leaders(fast_client, db)
    evaluations.create(db, "2026年度民主评议", [Subject(0, "门诊部")], clock.now() + timedelta(days=3))
    listing = await office.send("/sheets")
    screen = (await office.press("指定可看结果的领导", message=listing[-1]))[-1]
    assert len(_buttons(screen)) <= 100 and "共 150 人，每页 40 人" in screen.text, screen.text
    for _ in range(3):
        if any("领导125" in b["text"] for b in _buttons(screen)):
            break
        screen = (await office.press("下一页", message=screen))[-1]
    tap = next(b for b in _buttons(screen) if "领导125" in b["text"])
    after = (await office.press_data(screen.message_id, tap["callback_data"]))[-1]
    assert any(b["text"].startswith("✅") and "领导125" in b["text"] for b in _buttons(after))
    assert "领导125" in after.text and "◀ 上一页" in after.labels()  # named; its page stays in view
    assert "常设" in after.labels()[-1]


async def test_more_than_100_flagged_subjects_are_paged_and_each_can_be_listed(fast_client, db):
    """A sheet rating 120 departments, every one graded 差 by 5 raters: 120 flag buttons and 向全体
    公布结果 do not fit one message. The office pages them, lists one from the third page, and
    picks its leader from 150, a page at a time."""
    import uuid
    from datetime import timedelta

    from storage import evaluations
    from storage.clock import clock
    from storage.evaluations import Subject

    office = await _office_with_leaders(fast_client, db)
    subjects = [Subject(n, f"科室{n:03}") for n in range(120)]
    sheet_id = evaluations.create(db, "2026年度科室评议", subjects, clock.now() + timedelta(days=3))
    sheet = evaluations.get(db, sheet_id)
    for subject in range(120):  # the ballots as the mixing pool writes them: 5 for each, all 差
        for _ in range(5):
            for item in range(len(sheet.items)):
                db["evaluation_ballots"].insert(
                    {
                        "id": uuid.uuid4().hex,
                        "sheet_id": sheet_id,
                        "subject": subject,
                        "item": item,
                        "grade": "差",
                    }
                )
    assert evaluations.conclude(db, sheet_id)
    listing = await office.send("/sheets")
    results = (await office.press("查看结果", message=listing[-1]))[-1]
    flags = [b for b in _buttons(results) if "列入问题清单" in b["text"]]
    assert len(_buttons(results)) <= 100 and len(flags) == 40 and "向全体公布结果" in results.labels()[-1]
    for _ in range(2):
        results = (await office.press("下一页", message=results))[-1]
    flags = [b for b in _buttons(results) if "列入问题清单" in b["text"]]
    assert [b["text"] for b in flags][0] == "📋 科室080 列入问题清单" and len(flags) == 40
    assert "下一页 ▶" not in results.labels() and "向全体公布结果" in results.labels()[-1]
    listed = (await office.press_data(results.message_id, flags[-1]["callback_data"]))[-1]
    assert "保密问题" in listed.text and "科室119" in listed.text and "共 150 人，每页 40 人" in listed.text
    assert len(_buttons(listed)) == 41 and listed.labels()[-1] == "下一页 ▶"


def test_the_command_line_stops_on_a_corrected_name(tmp_path, monkeypatch, capsys, db_path, db):
    """王小明 corrected to 王晓明 on the server: imported as it is, the joined 王小明 would be
    deactivated and 王晓明 invited anew; the command line stops and says so, --yes goes on."""
    import bot

    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    roster.apply(db, roster.parse("姓名,科室,角色\n王小明,门诊部,职工\n王芳,院办,活动办\n".encode()), None)
    before = dump(db, *TABLES)
    file = tmp_path / "名单.csv"
    file.write_bytes("姓名,科室,角色\n王晓明,门诊部,职工\n王芳,院办,活动办\n".encode("gb18030"))
    assert bot.main(["roster", "import", str(file)]) == 2
    assert "'王晓明' (门诊部) would be added and '王小明' (门诊部) deactivated" in capsys.readouterr().err
    assert dump(db, *TABLES) == before
    assert bot.main(["roster", "import", str(file), "--yes"]) == 0
    assert "1 added, 0 updated, 1 deactivated" in capsys.readouterr().out


async def test_answers_given_before_a_restart_are_kept(running_bot, client, invited, db):
    """The office answers, the bot restarts, 确认 imports with that answer."""
    office = await join(client, invited, 103, "王芳")
    await office.send("/roster")
    text = "姓名,科室,角色\n张伟,门诊部,职工\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
    text += "刘洋,门诊部（含急诊）,科室负责人\n"
    shown = await office.send_file(text.encode("utf-8-sig"), "名单.csv")
    [question] = [m for m in shown if m.buttons and "是同一个科室吗" in m.text]
    await answer(office, question, 0, "same")
    await running_bot.restart()
    done = await office.press("确认")
    assert "名单已导入" in done[-1].text, done[-1].text
    assert sorted(people.departments(db)) == sorted(["门诊部", "院办", "组织人事科"])


async def test_sending_an_opinion_to_one_of_150_leaders_pages_them(fast_bot, fast_client, db):
    from datetime import date

    from jobs import opinion_batches
    from storage import invitations, opinions
    from storage.opinions import Draft

    office = await _office_with_leaders(fast_client, db)
    for n, code in enumerate(
        i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    ):  # the leaders joined: an opinion goes to a leader who can be reached
        invitations.redeem(db, code, 5000 + n, 5000 + n, "zh-CN")
        await fast_client.user(5000 + n, f"Leader {n}")
    keys = fast_bot.app.bot_data["keys"]
    opinions.submit(db, Draft(category="其他", text="门诊挂号排队时间太长。"), None, keys, date.today())
    await opinion_batches.release_to_office(fast_bot.app)
    await office.send("/inbox")
    picker = (await office.press("转给领导"))[-1]
    assert len(_buttons(picker)) == 41 and "共 150 人，每页 40 人" in picker.text, picker.text
    for _ in range(3):
        picker = (await office.press("下一页", message=picker))[-1]
    chosen = [b for b in _buttons(picker) if "领导" in b["text"]][-1]
    sent = (await office.press_data(picker.message_id, chosen["callback_data"]))[-1]
    assert "已转给 " + chosen["text"].split("（")[0] in sent.text, sent.text


async def test_a_file_raising_more_than_100_questions_is_sent_back_unchanged(fast_client, db):
    """Another ward's roster whose names are each one character from this one's: not typos fixed."""
    from storage import invitations

    first = hospital(150)
    roster.apply(
        db, roster.parse(("姓名,科室,角色\n" + "".join(",".join(r) + "\n" for r in first)).encode()), None
    )
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    office = await join(fast_client, {i.person.name: i.code for i in issued}, 700, first[0][0])
    other = [first[0]] + [(n[:-1] + ("坤" if n[-1] != "坤" else "鹏"), w, r) for n, w, r in first[1:]]
    before = dump(db, *TABLES)
    await office.send("/roster")
    raw = ("姓名,科室,角色\n" + "".join(",".join(r) + "\n" for r in other)).encode()
    reply = (await office.send_file(raw, "名单.csv"))[-1].text
    assert "有 149 处需要您确认" in reply and "超过 100 处" in reply and "没有任何改变" in reply, reply
    assert dump(db, *TABLES) == before


async def test_a_question_of_an_earlier_file_answers_nothing(fast_client, invited, db):
    """/roster again with another file: the first file's 是 would answer the second file's
    question of the same number; it is refused as out of date."""
    office = await join(fast_client, invited, 103, "王芳")
    base = "姓名,科室,角色\n张伟,门诊部,职工\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
    await office.send("/roster")
    first = await office.send_file((base + "刘洋,门诊部（含急诊）,科室负责人\n").encode(), "名单.csv")
    [old] = [m for m in first if m.buttons and "是同一个科室吗" in m.text]
    await office.send("/roster")
    second = await office.send_file((base + "刘洋,组织人事,科室负责人\n").encode(), "名单.csv")
    [new] = [m for m in second if m.buttons and "是同一个科室吗" in m.text]
    await answer(office, old, 0, "same")
    assert "失效" in (await office.callback_answer())["text"]
    early = await office.press("确认")
    assert "还有 1 个问题没有回答" in early[0].text  # the old 是 did not answer the new question
    await answer(office, new, 0, "apart")
    done = await office.press("确认")
    assert "名单已导入" in done[-1].text and "组织人事" in people.departments(db)


async def test_the_confirm_of_an_earlier_file_imports_nothing(fast_client, invited, db):
    office = await join(fast_client, invited, 103, "王芳")
    base = "姓名,科室,角色\n张伟,门诊部,职工\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
    base += "刘洋,门诊部,科室负责人\n"
    await office.send("/roster")
    first = (await office.send_file((base + "陈晨,门诊部,职工\n").encode(), "名单.csv"))[-1]
    await office.send("/roster")
    second = (await office.send_file((base + "赵敏,护理部,职工\n").encode(), "名单.csv"))[-1]
    before = dump(db, *TABLES)
    await office.press("确认", message=first)
    assert "失效" in (await office.callback_answer())["text"] and dump(db, *TABLES) == before
    done = await office.press("确认", message=second)
    assert "新增 1" in done[-1].text and "赵敏" in {p.name for p in people.everyone(db)}
    assert "陈晨" not in {p.name for p in people.everyone(db)}
