"""Rosters as offices really make them: invisible characters, padded names, title rows, UTF-16,
semicolons and full-width commas, Excel workbooks; and imports that would lock people out stop
and ask twice (chat) or need --yes (command line)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from conftest import dump
from openpyxl import Workbook

import bot
from storage import csv_files, invitations, names, people, roster
from storage.roster import RiskyImport, RosterError

# 22 people, as in the report: two office members, the rest spread over departments.
NAMES = [
    "宋佳",
    "王芳",
    "张伟",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "赵强",
    "黄磊",
    "周敏",
    "吴刚",
    "徐丽",
    "孙明",
    "马超",
    "朱琳",
    "胡军",
    "郭晶",
    "何平",
    "高洁",
    "林涛",
    "罗兰",
    "梁爽",
]
DEPARTMENTS = [
    "组织人事科",
    "组织人事科",
    "门诊部",
    "院办",
    "门诊部",
    "护理部",
    "护理部",
    "后勤保障科",
    "医务科",
    "医务科",
    "住院部",
] * 2
ROLES = ["活动办", "活动办", "职工", "班子成员", "科室负责人"] + ["职工"] * 17
ROWS = list(zip(NAMES, DEPARTMENTS, ROLES, strict=True))
TABLES = ("people", "departments", "audit")


def roster_csv(rows, header="姓名,科室,角色", separator=",") -> str:
    return header.replace(",", separator) + "\n" + "".join(separator.join(row) + "\n" for row in rows)


def pad(name: str) -> str:
    """Two-character names padded with a full-width space, as Chinese lists line them up."""
    return f"{name[0]}　{name[1]}" if len(name) == 2 else name


def workbook(rows: list[list], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def joined(db):
    """The 22 imported, invited and joined (a Telegram account bound to each)."""
    roster.apply(db, roster.parse(roster_csv(ROWS).encode()), None)
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    codes = {i.person.name: i.code for i in issued}
    for number, name in enumerate(NAMES):
        if name != "宋佳":  # the office member who drives the chat joins through the bot
            invitations.redeem(db, codes[name], 500 + number, 500 + number, "zh-CN")
    return codes


# ---- the normaliser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, normal",
    [
        ("宋佳", "宋佳"),
        ("宋　佳", "宋佳"),  # full-width space padding
        ("宋 佳", "宋佳"),
        ("宋  \t佳", "宋佳"),
        (" 宋佳 ", "宋佳"),
        ("\u3000宋佳\u3000", "宋佳"),
        ("宋\u200b佳", "宋佳"),  # zero-width space from a chat app
        ("宋佳\u200b", "宋佳"),
        ("\ufeff宋佳", "宋佳"),  # a BOM in the first cell
        ("宋\u200d佳", "宋佳"),
        ("宋\u2060佳", "宋佳"),
        ("宋佳\u200e", "宋佳"),  # a direction mark
        ("宋佳\x07", "宋佳"),  # a control character
        ("宋\xad佳", "宋佳"),  # soft hyphen
        ("欧阳　娜娜", "欧阳娜娜"),
        ("ＷＡＮＧ Ｆａｎｇ", "WANG Fang"),  # full-width letters, a space between Latin words stays
        ("Li  Na", "Li Na"),
        ("门诊 部", "门诊部"),
        ("门诊部（二）", "门诊部(二)"),
        ("张伟 Zhang", "张伟 Zhang"),
        ("", ""),
        ("\u200b", ""),
    ],
)
def test_names_normalise(typed, normal):
    assert names.normalise(typed) == normal


@pytest.mark.parametrize("typed", ["姓名", " 姓 名 ", "姓\u200b名", "Name", "ＮＡＭＥ", "\ufeffname"])
def test_headers_are_recognised_in_any_spelling(typed):
    assert csv_files._recognised([typed], roster.HEADER_WORDS) == {"name": 0}


# ---- the file's shape ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        roster_csv(ROWS).encode("utf-16"),  # Excel's "Unicode text", with a BOM...
        roster_csv(ROWS, separator="\t").encode("utf-16"),  # ...and tabs, as it writes it
        roster_csv(ROWS, separator="\t").encode("utf-16-le"),  # no BOM
        roster_csv(ROWS, separator=";").encode("utf-8"),  # a European Excel's CSV
        roster_csv(ROWS, separator="；").encode("gbk"),
        roster_csv(ROWS, separator="，").encode("utf-8-sig"),  # typed with a Chinese input method
        ("2026年整改落实人员名单\n\n" + roster_csv(ROWS)).encode("gbk"),  # a title row
        ("2026年整改落实人员名单,,\n制表：活动办,,\n" + roster_csv(ROWS)).encode("utf-8"),
        workbook([["姓名", "科室", "角色"], *map(list, ROWS)]),
        workbook([["姓名", "科室", "角色"], *map(list, ROWS)], title="2026年整改落实人员名单"),
    ],
    ids=[
        "utf16",
        "utf16-tab",
        "utf16le-tab",
        "semicolon",
        "fullwidth-semicolon",
        "fullwidth-comma",
        "title",
        "two-titles",
        "xlsx",
        "xlsx-merged-title",
    ],
)
def test_every_shape_of_file_gives_the_same_roster(raw):
    parsed = roster.parse(raw)
    assert [(r.name, r.department) for r in parsed] == [(n, d) for n, d, _ in ROWS]


def test_a_bad_row_in_a_workbook_is_named_by_excels_row_number():
    rows = [["姓名", "科室", "角色"], *map(list, ROWS)]
    rows[6][2] = "董事长"  # the 6th person, below the header row 2: Excel row 8
    with pytest.raises(RosterError) as refused:
        roster.parse(workbook(rows, title="人员名单"))
    assert (refused.value.reason, refused.value.line, refused.value.detail) == ("role", 8, "董事长")


def test_a_bad_row_below_a_title_keeps_the_files_line_number():
    text = "人员名单\n" + roster_csv(ROWS[:3] + [("某人", "", "职工")])
    with pytest.raises(RosterError) as refused:
        roster.parse(text.encode())
    assert (refused.value.reason, refused.value.line) == ("no_department", 6)


def test_workbook_cells_keep_dates_and_whole_numbers():
    raw = workbook(
        [["工号", "姓名", "科室", "角色", "日期"], [1001, "张伟", "门诊部", "职工", datetime(2026, 12, 31)]]
    )
    [(line, cells)] = list(csv_files.table(raw, roster.HEADER_WORDS))[1:]
    assert line == 2 and cells == ["1001", "张伟", "门诊部", "职工", "2026-12-31"]


def test_not_a_workbook_and_a_huge_file_are_refused():
    with pytest.raises(RosterError, match="xlsx"):
        roster.parse(b"PK\x03\x04 not really a zip")
    huge = roster_csv([(f"人{i}", "门诊部", "职工") for i in range(csv_files.MAX_ROWS + 1)])
    with pytest.raises(RosterError, match="too_many_rows"):
        roster.parse(huge.encode())


@pytest.mark.parametrize(
    "lang, words",
    [("zh-CN", "科室、角色"), ("zh-TW", "科室、角色"), ("en", "department, roles".replace(", ", "、"))],
)
def test_a_missing_column_is_named_in_the_readers_language(lang, words):
    from handlers.people.roster import file_error_text

    with pytest.raises(RosterError) as refused:
        roster.parse("姓名,电话\n张伟,123\n".encode())
    text = file_error_text(lang, refused.value)
    assert words in text and "department," not in text.replace("department、", "")


# ---- comparing normalised forms on a database whose people have joined ---------------------


@pytest.mark.parametrize(
    "spoil",
    [
        lambda n: n + "\u200b",
        lambda n: "\u200b" + n,
        pad,
        lambda n: f" {n}\u3000",
    ],
    ids=["zero-width-after", "zero-width-before", "padded", "blanks"],
)
def test_spoilt_names_change_nobody(db, joined, spoil):
    before = dump(db, *TABLES)
    spoilt = [(spoil(n), d, r) for n, d, r in ROWS]
    changes = roster.apply(db, roster.parse(roster_csv(spoilt).encode("gb18030")), None)
    assert changes.empty and changes.unchanged == len(ROWS)
    assert dump(db, *TABLES) == before
    assert all(p.telegram_user_id for p in people.everyone(db) if p.name != "宋佳")


def test_names_stored_before_normalisation_are_matched_and_cleaned(db):
    db["departments"].insert({"name": "门诊部"})
    db["people"].insert(
        {"roster_key": "张\u200b伟", "name": "张\u200b伟", "department_id": 1, "roles": "staff", "active": 1}
    )
    changes = roster.preview(db, roster.parse("姓名,科室,角色\n张伟,门诊部,职工\n".encode()))
    assert not changes.added and not changes.deactivated and changes.updated == ["张伟"]
    assert [e.field for e in changes.edits] == ["name"]


# ---- imports that lock people out --------------------------------------------------------


def test_deactivating_more_than_a_fifth_is_risky_and_writes_nothing_unconfirmed(db, joined):
    before = dump(db, *TABLES)
    kept = ROWS[:17]  # 5 of 22 leave: more than a fifth (4.4)
    with pytest.raises(RiskyImport) as risky:
        roster.apply(db, roster.parse(roster_csv(kept).encode()), None)
    assert risky.value.changes.risks == ["share"]
    assert dump(db, *TABLES) == before
    changes = roster.apply(db, roster.parse(roster_csv(kept).encode()), None, risks_confirmed=True)
    assert len(changes.deactivated) == 5


def test_a_fifth_exactly_is_not_risky(db):
    rows = [(f"人{i}", "门诊部", "职工") for i in range(10)]
    roster.apply(db, roster.parse(roster_csv(rows).encode()), None)
    changes = roster.apply(db, roster.parse(roster_csv(rows[:8]).encode()), None)
    assert len(changes.deactivated) == 2 and not changes.risks


def test_an_office_member_or_the_importer_leaving_is_risky(db, joined):
    without_wang = [r for r in ROWS if r[0] != "王芳"]
    changes = roster.preview(db, roster.parse(roster_csv(without_wang).encode()))
    assert changes.risks == ["office"] and changes.deactivated_office == ["王芳"]
    zhang = next(p for p in people.everyone(db) if p.name == "张伟")
    without_zhang = [r for r in ROWS if r[0] != "张伟"]
    changes = roster.preview(db, roster.parse(roster_csv(without_zhang).encode()), zhang.id)
    assert changes.risks == ["importer"]


def test_the_command_line_needs_yes_for_a_risky_import(tmp_path, monkeypatch, capsys, db_path, db, joined):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    file = tmp_path / "名单.xlsx"
    file.write_bytes(workbook([["姓名", "科室", "角色"], *map(list, ROWS[2:])], title="人员名单"))
    before = dump(db, *TABLES)
    assert bot.main(["roster", "import", str(file)]) == 2
    err = capsys.readouterr().err
    assert "活动办成员：宋佳、王芳" in err and "--yes" in err and "<b>" not in err
    assert dump(db, *TABLES) == before
    assert bot.main(["roster", "import", str(file), "--yes"]) == 0
    assert "2 deactivated" in capsys.readouterr().out


# ---- end to end, in chat -----------------------------------------------------------------


async def _office(client, joined):
    office = await client.user(900, "Song")
    await office.send(f"/start {joined['宋佳']}")
    return office


async def test_zero_width_and_padded_rosters_change_nobody_in_chat(running_bot, client, db, joined):
    office = await _office(client, joined)
    before = dump(db, *TABLES)
    for name, raw in [
        ("名单.csv", roster_csv([(n + "\u200b", d, r) for n, d, r in ROWS]).encode()),
        (
            "名单.xlsx",
            workbook([["姓名", "科室", "角色"], *([pad(n), d, r] for n, d, r in ROWS)], title="名单"),
        ),
    ]:
        await office.send("/roster")
        reply = await office.send_file(raw, name)
        assert "完全一致" in reply[-1].text, name
    assert dump(db, *TABLES) == before


async def test_a_roster_that_locks_people_out_asks_twice_in_red(running_bot, client, db, joined):
    office = await _office(client, joined)
    await office.send("/roster")
    # The wrong file: another hospital's roster (a staff-numbered roster of the same people is
    # matched by name now, see test_office_rosters).
    other = [(f"外院人员{i}", "外科", "职工") for i in range(22)]
    numbered = "工号,姓名,科室,角色\n" + "".join(f"{i:03},{n},{d},{r}\n" for i, (n, d, r) in enumerate(other))
    reply = await office.send_file(numbered.encode("gbk"), "名单.csv")
    preview = reply[-1].text
    assert "🔴" in preview and "五分之一" in preview and "活动办成员：宋佳、王芳" in preview
    assert "将停用您自己" in preview and "宋佳 → 不在新名单中" in preview
    before = dump(db, "people")
    reply = await office.press("确认")
    assert "再确认一次" in reply[-1].text and dump(db, "people") == before
    assert "🔴 确认停用 22 人并导入" in reply[-1].labels()
    reply = await office.press("取消")
    assert "没有任何改变" in reply[-1].text and dump(db, "people") == before


async def test_the_second_confirmation_applies_and_the_preview_says_why(running_bot, client, db, joined):
    office = await _office(client, joined)
    await office.send("/roster")
    edited = [("张伟", "住院部", "职工"), ("李娜", "院办", "班子成员、科室负责人")] + ROWS[5:]
    edited = [r for r in edited if r[0] != "王芳"] + [("宋佳", "组织人事科", "活动办")]
    reply = await office.send_file(roster_csv(edited).encode(), "名单.csv")
    preview = reply[-1].text
    assert "张伟：科室 门诊部 → 住院部" in preview
    assert "李娜：角色 职工、班子成员 → 职工、科室负责人、班子成员" in preview
    assert "刘洋 → 不在新名单中" in preview and "王芳 → 不在新名单中" in preview
    await office.press("确认")
    reply = await office.press("确认停用")
    assert "停用 2" in reply[-1].text
    active = {p.name for p in people.everyone(db)}
    assert "王芳" not in active and "刘洋" not in active and len(active) == 20


def test_a_department_stored_unnormalised_is_not_made_twice(db):
    db["departments"].insert({"name": "门诊 部"})  # from before normalisation
    roster.apply(db, roster.parse("姓名,科室,角色\n张伟,门诊部,职工\n李娜,门　诊部,职工\n".encode()), None)
    assert people.departments(db) == ["门诊 部"]
    assert {p.department for p in people.everyone(db)} == {"门诊 部"}
